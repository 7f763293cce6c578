// A project's merge requests: each with its state, detailed merge status,
// a summary of its status checks, and its place on its merge train.

import {
  CarScope,
  ConnectError,
  MergeRequestState,
  StatusCheckStatus,
  type MergeRequest,
  type MergeTrainCar,
} from "../../../sdk/ts/src/index.js";
import { byId, h, replaceChildren } from "./dom.js";
import type { Context } from "./session.js";
import { mergeStatusText, pipelineText, projectPath, stateText, trainPath } from "./texts.js";

/** Renders the merge request list into #app. */
export function renderMergeRequests(ctx: Context): void {
  new MergeRequestsPage(ctx).mount();
}

/** Which merge requests the list shows; GitLab's tabs. */
const filters: { label: string; state: MergeRequestState }[] = [
  { label: "Open", state: MergeRequestState.OPENED },
  { label: "Merged", state: MergeRequestState.MERGED },
  { label: "Closed", state: MergeRequestState.CLOSED },
  { label: "All", state: MergeRequestState.UNSPECIFIED },
];

class MergeRequestsPage {
  private readonly area = h("div", { id: "merge-requests" }, h("p", { class: "muted" }, "Loading merge requests…"));
  private readonly trains = h("p", { class: "help train-links" });
  private state = MergeRequestState.OPENED;

  constructor(private readonly ctx: Context) {}

  mount(): void {
    const tabs = h("div", { class: "filters", role: "group", "aria-label": "Show merge requests" });
    for (const f of filters) {
      const button = h("button", { type: "button", "aria-pressed": String(f.state === this.state) }, f.label);
      button.addEventListener("click", () => {
        this.state = f.state;
        for (const b of tabs.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
        void this.load();
      });
      tabs.appendChild(button);
    }
    replaceChildren(
      byId("app"),
      h("section", { class: "panel", "aria-labelledby": "mr-list-title" }, h("div", { class: "panel-head" }, h("h2", { id: "mr-list-title" }, "Merge requests"), tabs), this.trains, this.area),
    );
    void this.load();
  }

  private async load(): Promise<void> {
    const { client, project } = this.ctx;
    try {
      const [list, cars] = await Promise.all([
        client.mergeRequests.listMergeRequests({ project, state: this.state, perPage: 100 }),
        client.mergeTrains.listMergeTrainCars({ project, scope: CarScope.ACTIVE, ascending: true, perPage: 100 }).catch(() => undefined),
      ]);
      const position = trainPositions(cars?.cars ?? []);
      this.renderTrainLinks(list.mergeRequests, cars?.cars ?? []);
      if (list.mergeRequests.length === 0) {
        replaceChildren(this.area, h("p", { class: "muted" }, "There are no merge requests to show."));
        return;
      }
      const rows = list.mergeRequests.map((mr) => this.row(mr, position.get(mr.iid)));
      replaceChildren(
        this.area,
        h(
          "table",
          { class: "mr-table" },
          h("caption", { class: "visually-hidden" }, "Merge requests"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, "Merge request"),
              h("th", { scope: "col" }, "State"),
              h("th", { scope: "col" }, "Merge status"),
              h("th", { scope: "col" }, "Pipeline"),
              h("th", { scope: "col" }, "Status checks"),
              h("th", { scope: "col" }, "Merge train"),
            ),
          ),
          h("tbody", {}, ...rows.map((r) => r.tr)),
        ),
      );
      await Promise.all(rows.map((r) => r.loadChecks()));
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      replaceChildren(this.area, h("p", { class: "form-error", role: "alert" }, `Could not load the merge requests: ${ConnectError.from(err).rawMessage}`));
    }
  }

  /** Links to the trains of the branches these merge requests target. */
  private renderTrainLinks(mrs: MergeRequest[], cars: MergeTrainCar[]): void {
    const branches = [...new Set([...cars.map((c) => c.targetBranch), ...mrs.map((m) => m.targetBranch)])].sort();
    if (branches.length === 0) {
      replaceChildren(this.trains);
      return;
    }
    const links = branches.flatMap((b, i) => [i > 0 ? ", " : "", h("a", { href: trainPath(this.ctx.project, b) }, h("code", {}, b))]);
    replaceChildren(this.trains, "Merge trains: ", ...links);
  }

  private row(mr: MergeRequest, pos: { index: number; of: number } | undefined): { tr: HTMLTableRowElement; loadChecks: () => Promise<void> } {
    const checks = h("td", { class: "checks-summary" }, "…");
    const tr = h(
      "tr",
      { "data-iid": String(mr.iid) },
      h(
        "th",
        { scope: "row" },
        h("a", { href: projectPath(this.ctx.project, `merge_requests/${mr.iid}`) }, mr.title || `!${mr.iid}`),
        h("span", { class: "muted" }, ` !${mr.iid}`),
        h("div", { class: "help" }, h("code", {}, mr.sourceBranch), " into ", h("code", {}, mr.targetBranch)),
      ),
      h("td", { class: "mr-state" }, stateText[mr.state] ?? "Unknown"),
      h("td", { class: "merge-status" }, mergeStatusText[mr.detailedMergeStatus] ?? "Unknown"),
      h("td", {}, mr.headPipeline ? (pipelineText[mr.headPipeline.status] ?? "Unknown") : h("span", { class: "muted" }, "None")),
      checks,
      h(
        "td",
        { class: "train-position" },
        pos
          ? h("a", { href: trainPath(this.ctx.project, mr.targetBranch) }, pos.index === 1 ? `Next to merge (1 of ${pos.of})` : `${pos.index} of ${pos.of}`)
          : h("span", { class: "muted" }, mr.autoMergeStrategy ? "Set to auto-merge" : "Not on a train"),
      ),
    );
    const loadChecks = async () => {
      try {
        const res = await this.ctx.client.statusChecks.listMergeRequestStatusChecks({ project: this.ctx.project, mergeRequestIid: mr.iid, perPage: 100 });
        checks.textContent = checksSummary(res.statusChecks.map((c) => c.status));
      } catch (err) {
        if (this.ctx.handleAuthError(err)) return;
        checks.textContent = "Not shown";
      }
    };
    return { tr, loadChecks };
  }
}

/** Where each merge request is on its train, 1 for the car that lands next. */
function trainPositions(cars: MergeTrainCar[]): Map<bigint, { index: number; of: number }> {
  const byBranch = new Map<string, MergeTrainCar[]>();
  for (const c of cars) byBranch.set(c.targetBranch, [...(byBranch.get(c.targetBranch) ?? []), c]);
  const out = new Map<bigint, { index: number; of: number }>();
  for (const train of byBranch.values()) {
    train.forEach((c, i) => {
      if (c.mergeRequest) out.set(c.mergeRequest.iid, { index: i + 1, of: train.length });
    });
  }
  return out;
}

/** "2 passed, 1 failed, 1 pending", or "None". */
export function checksSummary(statuses: StatusCheckStatus[]): string {
  if (statuses.length === 0) return "None";
  const count = (s: StatusCheckStatus) => statuses.filter((x) => x === s).length;
  const parts = [
    [count(StatusCheckStatus.PASSED), "passed"],
    [count(StatusCheckStatus.FAILED), "failed"],
    [statuses.length - count(StatusCheckStatus.PASSED) - count(StatusCheckStatus.FAILED), "pending"],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, w]) => `${n} ${w}`)
    .join(", ");
}
