// The merge-request status page: the checks that apply, each with its
// status, a Retry button when it failed, and its delivery log. It follows
// the WatchMergeRequest stream, which sends a snapshot at once and after
// every change, so nothing polls.

import {
  Code,
  ConnectError,
  DeliveryState,
  StatusCheckStatus,
  timestampDate,
  type Delivery,
  type MergeRequest,
  type MergeRequestStatusCheck,
  type WatchMergeRequestResponse,
} from "../../../sdk/ts/src/index.js";
import { announce, byId, h, replaceChildren, statusIcon } from "./dom.js";
import { carChecksList } from "./car_checks.js";
import { MergeActions } from "./merge_actions.js";
import { mergeStatusText, projectPath, stateText } from "./texts.js";
import { follow } from "./follow.js";
import type { Context } from "./session.js";

/** Renders the merge request page into #app and starts watching. */
export function renderMergeRequest(ctx: Context): void {
  new MergeRequestPage(ctx).mount();
}

type StatusName = "pending" | "passed" | "failed";

function statusName(s: StatusCheckStatus): StatusName {
  return s === StatusCheckStatus.PASSED ? "passed" : s === StatusCheckStatus.FAILED ? "failed" : "pending";
}

const statusLabel: Record<StatusName, string> = { pending: "Pending", passed: "Passed", failed: "Failed" };

/** One check's row, kept across snapshots so focus and open logs survive updates. */
interface Row {
  item: HTMLLIElement;
  icon: HTMLElement;
  statusText: HTMLElement;
  name: HTMLElement;
  url: HTMLElement;
  actions: HTMLElement;
  retry: HTMLButtonElement | undefined;
  retryError: HTMLElement;
  log: HTMLElement;
  status: StatusName | undefined;
}

class MergeRequestPage {
  private readonly summary = h("div", { class: "mr-summary" }, h("p", { class: "muted" }, "Loading the merge request…"));
  private readonly live = h("p", { class: "live-status", role: "status" }, "Connecting…");
  private readonly list = h("ul", { class: "check-list", "aria-labelledby": "checks-title" });
  private readonly empty = h("p", { class: "muted", hidden: true }, "No status checks apply to this merge request.");
  /** The checks of the merge request's train car, when its project has checks follow the train. */
  private readonly carChecks = h("div", {});
  private readonly carPanel = h(
    "section",
    { class: "panel", "aria-labelledby": "car-checks-title", hidden: true },
    h("div", { class: "panel-head" }, h("h2", { id: "car-checks-title" }, "Status checks on the merge train commit")),
    this.carChecks,
  );
  private readonly rows = new Map<bigint, Row>();
  private logTimer: number | undefined;
  /**
   * Whether this user may read delivery logs: unknown until the first
   * ListDeliveries answers. Once known to be true, every snapshot carries
   * the logs and no further request is made.
   */
  private logsVisible: boolean | undefined;
  private readonly actions: MergeActions;

  constructor(private readonly ctx: Context) {
    this.actions = new MergeActions(ctx);
  }

  mount(): void {
    replaceChildren(
      byId("app"),
      this.summary,
      this.actions.element,
      h(
        "section",
        { class: "panel", "aria-labelledby": "checks-title" },
        h("div", { class: "panel-head" }, h("h2", { id: "checks-title" }, "Status checks"), this.live),
        this.list,
        this.empty,
      ),
      this.carPanel,
    );
    void this.watch();
  }

  /** Follows the stream (see follow.ts). */
  private watch(): Promise<void> {
    return follow(this.ctx, {
      open: (signal) => this.ctx.client.mergeRequests.watchMergeRequest({ project: this.ctx.project, mergeRequestIid: this.ctx.iid }, { signal }),
      render: (snapshot) => this.render(snapshot),
      setLive: (text) => this.setLive(text),
      fail: (message) => replaceChildren(this.summary, h("p", { class: "form-error", role: "alert" }, message)),
    });
  }

  private setLive(text: string): void {
    if (this.live.textContent !== text) this.live.textContent = text;
  }

  private render(snapshot: WatchMergeRequestResponse): void {
    const mr = snapshot.mergeRequest;
    if (mr) {
      this.renderSummary(mr);
      this.actions.update(mr, snapshot.car);
    }
    const carChecks = snapshot.car?.statusChecks ?? [];
    this.carPanel.hidden = carChecks.length === 0;
    replaceChildren(this.carChecks, carChecks.length > 0 ? carChecksList(carChecks) : null);
    const seen = new Set<bigint>();
    for (const check of snapshot.statusChecks) {
      seen.add(check.id);
      let row = this.rows.get(check.id);
      if (!row) {
        row = this.newRow(check);
        this.rows.set(check.id, row);
      }
      this.updateRow(row, check);
      this.list.appendChild(row.item); // keeps the server's order
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.item.remove();
        this.rows.delete(id);
      }
    }
    this.empty.hidden = this.rows.size > 0;
    if (this.logsVisible) {
      for (const [id, row] of this.rows) {
        this.renderLog(row, snapshot.deliveries.filter((d) => d.checkId === id));
      }
    } else if (this.logsVisible === undefined) {
      this.scheduleLogs();
    }
  }

  private renderSummary(mr: MergeRequest): void {
    const title = mr.title || `!${mr.iid}`;
    document.title = `${title} (!${mr.iid}) · ${this.ctx.project} · Signalbox`;
    const heading = document.querySelector("main h1");
    if (heading) heading.textContent = `${title} !${mr.iid}`;
    replaceChildren(
      this.summary,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Branches"),
        h("dd", {}, h("code", {}, mr.sourceBranch), " into ", h("code", {}, mr.targetBranch)),
        h("dt", {}, "Head commit"),
        h("dd", {}, h("code", { title: mr.sha }, mr.sha.slice(0, 12))),
        h("dt", {}, "State"),
        h("dd", {}, stateText[mr.state] ?? "Unknown"),
        h("dt", {}, "Merge status"),
        h("dd", { class: "merge-status" }, mergeStatusText[mr.detailedMergeStatus] ?? "Unknown"),
      ),
      h("p", { class: "help" }, h("a", { href: projectPath(this.ctx.project, "merge_requests") }, "All merge requests of the project")),
    );
  }

  private newRow(check: MergeRequestStatusCheck): Row {
    const row: Row = {
      item: h("li", { class: "check", "data-check-id": String(check.id) }),
      icon: h("span", { class: "icon" }),
      statusText: h("span", { class: "status-text" }),
      name: h("span", { class: "check-name" }),
      url: h("span", { class: "url muted" }),
      actions: h("span", { class: "row-actions" }),
      retry: undefined,
      retryError: h("p", { class: "form-error", role: "alert" }),
      log: h("div", { class: "delivery-log" }, h("p", { class: "muted" }, "Loading deliveries…")),
      status: undefined,
    };
    const refresh = h("button", { type: "button", class: "link" }, "Refresh log");
    refresh.addEventListener("click", () => void this.loadLog(check.id, row));
    row.item.append(
      h("div", { class: "check-line" }, row.icon, row.name, row.statusText, row.url, row.actions),
      row.retryError,
      h(
        "details",
        { class: "log" },
        h("summary", {}, "Delivery log"),
        row.log,
        h("div", { class: "actions" }, refresh),
      ),
    );
    return row;
  }

  private updateRow(row: Row, check: MergeRequestStatusCheck): void {
    const status = statusName(check.status);
    row.name.textContent = check.name;
    row.url.textContent = check.externalUrl;
    if (row.status === status) return;
    if (row.status !== undefined) announce(`${check.name}: ${statusLabel[status]}`);
    row.status = status;
    row.item.dataset.status = status;
    replaceChildren(row.icon, statusIcon(status));
    row.statusText.textContent = statusLabel[status];
    row.retryError.textContent = "";
    if (status === "failed" && !row.retry) {
      const retry = h("button", { type: "button", "aria-label": `Retry ${check.name}` }, "Retry");
      retry.addEventListener("click", () => void this.retry(check, row, retry));
      row.retry = retry;
      row.actions.appendChild(retry);
    } else if (status !== "failed" && row.retry) {
      const hadFocus = document.activeElement === row.retry;
      row.retry.remove();
      row.retry = undefined;
      if (hadFocus) {
        row.item.tabIndex = -1;
        row.item.focus();
      }
    }
  }

  private async retry(check: MergeRequestStatusCheck, row: Row, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    row.retryError.textContent = "";
    try {
      await this.ctx.client.statusChecks.retryStatusCheck({
        project: this.ctx.project,
        mergeRequestIid: this.ctx.iid,
        externalStatusCheckId: check.id,
      });
      // The stream brings the pending status; nothing to draw here.
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      row.retryError.textContent = `Retry failed: ${ConnectError.from(err).rawMessage}`;
      button.disabled = false;
    }
  }

  /** Reloads the logs shortly after a snapshot, once for a burst of them. */
  private scheduleLogs(): void {
    window.clearTimeout(this.logTimer);
    this.logTimer = window.setTimeout(() => {
      for (const [id, row] of this.rows) void this.loadLog(id, row);
    }, 300);
  }

  private async loadLog(checkId: bigint, row: Row): Promise<void> {
    try {
      const { deliveries } = await this.ctx.client.statusChecks.listDeliveries({ project: this.ctx.project, checkId });
      this.logsVisible = true;
      this.renderLog(row, deliveries.filter((d) => d.mergeRequestIid === this.ctx.iid));
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      const ce = ConnectError.from(err);
      if (ce.code === Code.PermissionDenied) this.logsVisible = false;
      replaceChildren(
        row.log,
        h(
          "p",
          { class: "muted" },
          ce.code === Code.PermissionDenied
            ? "The delivery log is shown to maintainers."
            : `The delivery log could not be loaded: ${ce.rawMessage}`,
        ),
      );
    }
  }

  private renderLog(row: Row, deliveries: Delivery[]): void {
    if (deliveries.length === 0) {
      replaceChildren(row.log, h("p", { class: "muted" }, "Nothing was sent for this merge request yet."));
      return;
    }
    const state = (d: Delivery) =>
      d.state === DeliveryState.SUCCEEDED ? "Succeeded" : d.state === DeliveryState.FAILED ? "Failed" : "Pending";
    const attempts = (d: Delivery) =>
      d.attempts.length === 0
        ? "No attempt yet"
        : d.attempts
            .map(
              (a) =>
                `#${a.number}: ${a.httpStatus ? `HTTP ${a.httpStatus}` : a.error || "no answer"} in ${a.durationMs} ms`,
            )
            .join("; ");
    replaceChildren(
      row.log,
      h(
        "table",
        { class: "log-table" },
        h("caption", { class: "visually-hidden" }, `Deliveries of ${row.name.textContent ?? ""}`),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Sent"),
            h("th", { scope: "col" }, "Event"),
            h("th", { scope: "col" }, "Commit"),
            h("th", { scope: "col" }, "State"),
            h("th", { scope: "col" }, "Attempts"),
          ),
        ),
        h(
          "tbody",
          {},
          ...deliveries.map((d) =>
            h(
              "tr",
              { "data-delivery-id": String(d.id), "data-state": state(d).toLowerCase() },
              h("td", {}, d.createTime ? timestampDate(d.createTime).toLocaleString() : ""),
              h("td", {}, d.event),
              h("td", {}, h("code", {}, d.sha.slice(0, 12))),
              h("td", {}, state(d)),
              h("td", {}, attempts(d)),
            ),
          ),
        ),
      ),
    );
  }
}
