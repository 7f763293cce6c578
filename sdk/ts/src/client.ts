import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

import { MemberService } from "./gen/signalbox/v1/member_service_pb.js";
import { MergeRequestService } from "./gen/signalbox/v1/merge_request_service_pb.js";
import { MergeTrainService } from "./gen/signalbox/v1/merge_train_service_pb.js";
import { PipelineService } from "./gen/signalbox/v1/pipeline_service_pb.js";
import { ProjectService } from "./gen/signalbox/v1/project_service_pb.js";
import { ProtectedBranchService } from "./gen/signalbox/v1/protected_branch_service_pb.js";
import { RepositoryService } from "./gen/signalbox/v1/repository_service_pb.js";
import { StatusCheckService } from "./gen/signalbox/v1/status_check_service_pb.js";
import { UserService } from "./gen/signalbox/v1/user_service_pb.js";

/** Options of {@link createSignalboxClient}. */
export interface SignalboxClientOptions {
  /** Where the server is, for example `"https://signalbox.example.com"` or `location.origin`. */
  baseUrl: string;
  /**
   * A personal access token, sent as `Authorization: Bearer <token>`. A
   * function is called before every request, so a token that changes (a
   * sign-in, a sign-out) takes effect at once; returning `undefined` sends
   * no credentials.
   */
  token?: string | (() => string | undefined);
  /** The fetch to use; the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** Send binary protobuf instead of JSON (smaller, harder to read in dev tools). */
  useBinaryFormat?: boolean;
  /** More interceptors, run after the one that adds the token. */
  interceptors?: Interceptor[];
}

/** One typed client per service of the Signalbox API, sharing one transport. */
export interface SignalboxClient {
  readonly projects: Client<typeof ProjectService>;
  readonly protectedBranches: Client<typeof ProtectedBranchService>;
  readonly statusChecks: Client<typeof StatusCheckService>;
  readonly mergeRequests: Client<typeof MergeRequestService>;
  readonly members: Client<typeof MemberService>;
  readonly users: Client<typeof UserService>;
  readonly repository: Client<typeof RepositoryService>;
  readonly mergeTrains: Client<typeof MergeTrainService>;
  readonly pipelines: Client<typeof PipelineService>;
  /** The Connect transport, for services this object does not list. */
  readonly transport: Transport;
}

/**
 * Creates clients for every Signalbox service over the Connect protocol, the
 * one browsers can speak (gRPC-Web and gRPC are served on the same URLs).
 *
 * ```ts
 * const sb = createSignalboxClient({ baseUrl: "http://127.0.0.1:8080", token: "glpat-..." });
 * const { checks } = await sb.statusChecks.listStatusChecks({ project: "root/demo" });
 * ```
 */
export function createSignalboxClient(options: SignalboxClientOptions): SignalboxClient {
  const token = options.token;
  const authenticate: Interceptor = (next) => async (req) => {
    const value = typeof token === "function" ? token() : token;
    if (value) {
      req.header.set("Authorization", `Bearer ${value}`);
    }
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: options.useBinaryFormat ?? false,
    interceptors: [authenticate, ...(options.interceptors ?? [])],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    projects: createClient(ProjectService, transport),
    protectedBranches: createClient(ProtectedBranchService, transport),
    statusChecks: createClient(StatusCheckService, transport),
    mergeRequests: createClient(MergeRequestService, transport),
    members: createClient(MemberService, transport),
    users: createClient(UserService, transport),
    repository: createClient(RepositoryService, transport),
    mergeTrains: createClient(MergeTrainService, transport),
    pipelines: createClient(PipelineService, transport),
    transport,
  };
}
