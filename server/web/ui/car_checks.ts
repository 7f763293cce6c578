// A train car's status checks (when the project has status checks follow
// the merge train): drawn the same way on the train page and on the merge
// request page.

import { StatusCheckStatus, type MergeTrainCarCheck } from "../../../sdk/ts/src/index.js";
import { h, statusIcon } from "./dom.js";

/** A car's check status as the pages draw it. */
export function checkStatusName(s: StatusCheckStatus): "pending" | "passed" | "failed" {
  return s === StatusCheckStatus.PASSED ? "passed" : s === StatusCheckStatus.FAILED ? "failed" : "pending";
}

/** The list of a car's checks, each with its status, and whether it is outdated or reused. */
export function carChecksList(checks: MergeTrainCarCheck[]): HTMLUListElement {
  return h(
    "ul",
    { class: "car-checks" },
    ...checks.map((c) =>
      h(
        "li",
        { "data-status": checkStatusName(c.status), "data-check-id": String(c.checkId) },
        h("span", { class: "icon" }, statusIcon(checkStatusName(c.status))),
        ` ${c.name}`,
        c.obsolete ? h("span", { class: "muted" }, " (outdated)") : null,
        c.reusedFromSha ? h("span", { class: "muted", title: c.reusedFromSha }, " (reused, same tree)") : null,
      ),
    ),
  );
}
