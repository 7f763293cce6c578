// The Connect-Web door of the end-to-end scenario: a Node process that runs
// each operation the Go test asks for through the TypeScript SDK, the way a
// Node service would. It reads one JSON request per line on stdin,
// {"id", "op", "args"}, and answers one JSON line on stdout, {"id",
// "result"} or {"id", "error", "code"}.
//
// Usage: node door.mjs <base-url> <token>
import { createInterface } from "node:readline";

import {
  Code,
  ConnectError,
  MergeRequestState,
  MergeTrainCarStatus,
  PipelineStatus,
  StatusCheckStatus,
  createSignalboxClient,
  problemOf,
} from "../../sdk/ts/src/index.js";

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl || !token) {
  throw new Error("usage: node door.mjs <base-url> <token>");
}
const sb = createSignalboxClient({ baseUrl, token });

type Args = Record<string, string | number | boolean | undefined>;

// Arguments are checked, so a mistake in the Go test fails loudly here.
function str(a: Args, key: string): string {
  const v = a[key];
  if (typeof v !== "string") {
    throw new Error(`argument ${key} must be a string, got ${String(v)}`);
  }
  return v;
}

function int(a: Args, key: string): bigint {
  const v = a[key];
  if (typeof v !== "number") {
    throw new Error(`argument ${key} must be a number, got ${String(v)}`);
  }
  return BigInt(v);
}

// Lower-case enum names, as GitLab's REST API words them.
const word = (names: Record<number, string>, value: number): string => (names[value] ?? "unspecified").toLowerCase();

const ops: Record<string, (a: Args) => Promise<unknown>> = {
  async createProject(a) {
    const { project } = await sb.projects.createProject({ name: str(a, "name") });
    return { path: project?.pathWithNamespace };
  },
  async updateProject(a) {
    const settings: { onlyAllowMergeIfAllStatusChecksPassed?: boolean; mergeTrainsEnabled?: boolean } = {};
    if (typeof a.checksMustPass === "boolean") {
      settings.onlyAllowMergeIfAllStatusChecksPassed = a.checksMustPass;
    }
    if (typeof a.trainsEnabled === "boolean") {
      settings.mergeTrainsEnabled = a.trainsEnabled;
    }
    await sb.projects.updateProject({ project: str(a, "project"), settings });
    return {};
  },
  async addCheck(a) {
    const { check } = await sb.statusChecks.createStatusCheck({
      project: str(a, "project"),
      name: str(a, "name"),
      externalUrl: str(a, "url"),
      sharedSecret: str(a, "secret"),
    });
    return { id: Number(check?.id) };
  },
  async addHook(a) {
    await sb.pipelines.createProjectHook({
      project: str(a, "project"),
      url: str(a, "url"),
      token: str(a, "token"),
      pipelineEvents: true,
    });
    return {};
  },
  async openMR(a) {
    const { mergeRequest } = await sb.mergeRequests.createMergeRequest({
      project: str(a, "project"),
      sourceBranch: str(a, "source"),
      targetBranch: str(a, "target"),
      title: str(a, "title"),
    });
    return { iid: Number(mergeRequest?.iid), sha: mergeRequest?.sha };
  },
  async checkStatuses(a) {
    const { statusChecks } = await sb.statusChecks.listMergeRequestStatusChecks({
      project: str(a, "project"),
      mergeRequestIid: int(a, "iid"),
    });
    return Object.fromEntries(statusChecks.map((c) => [String(c.id), word(StatusCheckStatus, c.status)]));
  },
  async respond(a) {
    await sb.statusChecks.setStatusCheckResponse({
      project: str(a, "project"),
      mergeRequestIid: int(a, "iid"),
      externalStatusCheckId: int(a, "check"),
      sha: str(a, "sha"),
      status: str(a, "status") === "passed" ? StatusCheckStatus.PASSED : StatusCheckStatus.FAILED,
    });
    return {};
  },
  async retry(a) {
    await sb.statusChecks.retryStatusCheck({
      project: str(a, "project"),
      mergeRequestIid: int(a, "iid"),
      externalStatusCheckId: int(a, "check"),
    });
    return {};
  },
  async merge(a) {
    try {
      await sb.mergeRequests.mergeMergeRequest({ project: str(a, "project"), mergeRequestIid: int(a, "iid") });
      return { blocked: false };
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.FailedPrecondition) {
        return { blocked: true, reason: problemOf(err)?.reason };
      }
      throw err;
    }
  },
  async setCommitStatus(a) {
    await sb.pipelines.setCommitStatus({
      project: str(a, "project"),
      sha: str(a, "sha"),
      name: "test",
      state: str(a, "state") === "success" ? PipelineStatus.SUCCESS : PipelineStatus.FAILED,
    });
    return {};
  },
  async addToTrain(a) {
    const { onTrain } = await sb.mergeTrains.addToMergeTrain({ project: str(a, "project"), mergeRequestIid: int(a, "iid") });
    return { onTrain };
  },
  async car(a) {
    try {
      const { car } = await sb.mergeTrains.getMergeTrainCar({ project: str(a, "project"), mergeRequestIid: int(a, "iid") });
      return { found: true, status: word(MergeTrainCarStatus, car?.status ?? 0) };
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) {
        return { found: false };
      }
      throw err;
    }
  },
  async mrState(a) {
    const { mergeRequest } = await sb.mergeRequests.getMergeRequest({ project: str(a, "project"), mergeRequestIid: int(a, "iid") });
    return { state: word(MergeRequestState, mergeRequest?.state ?? 0) };
  },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, op, args } = JSON.parse(line) as { id: number; op: string; args: Args };
  try {
    const run = ops[op];
    if (!run) {
      throw new Error(`unknown op ${op}`);
    }
    process.stdout.write(JSON.stringify({ id, result: await run(args) }) + "\n");
  } catch (err) {
    const code = err instanceof ConnectError ? Code[err.code] : "unknown";
    process.stdout.write(JSON.stringify({ id, error: String(err), code }) + "\n");
  }
}
