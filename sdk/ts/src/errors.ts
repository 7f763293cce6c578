import { ConnectError } from "@connectrpc/connect";

import { ViolationsSchema, type Violation } from "./gen/buf/validate/validate_pb.js";
import { ProblemSchema, type Problem } from "./gen/signalbox/v1/problem_pb.js";

/**
 * The `signalbox.v1.Problem` the server attached to an error: its `reason`
 * is the stable way to tell errors apart (never the message text).
 */
export function problemOf(err: unknown): Problem | undefined {
  return ConnectError.from(err).findDetails(ProblemSchema)[0];
}

/** A broken validation rule, as the server reported it. */
export interface FieldViolation {
  /** The field path, for example `"name"` or `"checks[1].external_url"`; empty for the whole message. */
  field: string;
  /** The rule id, for example `"status_check.name_taken"`. */
  rule: string;
  message: string;
}

/**
 * The validation violations of an `invalid_argument` error, with field paths
 * printed as protovalidate prints them, so they compare equal to what the
 * WebAssembly validator returns.
 */
export function violationsOf(err: unknown): FieldViolation[] {
  const details = ConnectError.from(err).findDetails(ViolationsSchema);
  return details.flatMap((d) => d.violations.map(toFieldViolation));
}

function toFieldViolation(v: Violation): FieldViolation {
  let field = "";
  for (const e of v.field?.elements ?? []) {
    field += (field === "" ? "" : ".") + e.fieldName;
    switch (e.subscript.case) {
      case "index":
      case "intKey":
      case "uintKey":
        field += `[${e.subscript.value}]`;
        break;
      case "boolKey":
        field += `[${e.subscript.value ? "true" : "false"}]`;
        break;
      case "stringKey":
        field += `[${JSON.stringify(e.subscript.value)}]`;
        break;
    }
  }
  return { field, rule: v.ruleId, message: v.message };
}
