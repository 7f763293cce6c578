// The merge train of one target branch, live: each car as a box in train
// order (the first lands next), cars tested together drawn as one group, and
// the last merged and dropped cars with why. It follows WatchMergeTrain, a
// server stream that sends a snapshot at once and after every change, so
// nothing polls; only the elapsed times tick, in the page.

import {
  MergeTrainCarStatus,
  PipelineStatus,
  timestampDate,
  type DroppedMergeTrainCar,
  type MergeTrainCar,
  type WatchMergeTrainResponse,
} from "../../../sdk/ts/src/index.js";
import { announce, byId, h, replaceChildren, statusIcon, type Child } from "./dom.js";
import { carChecksList } from "./car_checks.js";
import { follow } from "./follow.js";
import type { Context } from "./session.js";
import { carStatusText, durationText, pipelineText, projectPath } from "./texts.js";

/** Renders the train page into #app and starts watching. */
export function renderMergeTrain(ctx: Context): void {
  new MergeTrainPage(ctx).mount();
}

class MergeTrainPage {
  private readonly live = h("p", { class: "live-status", role: "status" }, "Connecting…");
  private readonly notice = h("p", { class: "help" });
  private readonly carsArea = h("ol", { class: "train", "aria-labelledby": "train-title" });
  private readonly empty = h("p", { class: "muted", hidden: true }, "No merge request is on this train.");
  private readonly merged = h("ol", { class: "history", "aria-labelledby": "merged-title" });
  private readonly dropped = h("ol", { class: "history", "aria-labelledby": "dropped-title" });
  private last: WatchMergeTrainResponse | undefined;
  private nextIid: bigint | undefined;

  constructor(private readonly ctx: Context) {}

  mount(): void {
    replaceChildren(
      byId("app"),
      h(
        "p",
        { class: "help" },
        "Target branch ",
        h("code", {}, this.ctx.branch),
        " · ",
        h("a", { href: projectPath(this.ctx.project, "merge_requests") }, "Merge requests"),
        " · ",
        h("a", { href: projectPath(this.ctx.project, "settings/merge_requests") }, "Merge requests settings"),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "train-title" },
        h("div", { class: "panel-head" }, h("h2", { id: "train-title" }, "On the train"), this.live),
        this.notice,
        this.carsArea,
        this.empty,
      ),
      h(
        "div",
        { class: "history-panels" },
        h("section", { class: "panel", "aria-labelledby": "merged-title" }, h("h2", { id: "merged-title" }, "Recently merged"), this.merged),
        h("section", { class: "panel", "aria-labelledby": "dropped-title" }, h("h2", { id: "dropped-title" }, "Recently removed"), this.dropped),
      ),
    );
    // The elapsed times move with the clock; the train only with the stream.
    window.setInterval(() => this.tick(), 1000);
    void this.watch();
  }

  /** Follows the stream (see follow.ts). */
  private watch(): Promise<void> {
    return follow(this.ctx, {
      open: (signal) => this.ctx.client.mergeTrains.watchMergeTrain({ project: this.ctx.project, targetBranch: this.ctx.branch }, { signal }),
      render: (snapshot) => this.render(snapshot),
      setLive: (text) => this.setLive(text),
      fail: (message) => {
        replaceChildren(this.carsArea);
        this.notice.textContent = message;
        this.notice.classList.add("form-error");
      },
    });
  }

  private setLive(text: string): void {
    if (this.live.textContent !== text) this.live.textContent = text;
  }

  private render(snap: WatchMergeTrainResponse): void {
    const previous = this.last;
    this.last = snap;
    this.notice.textContent = snap.mergeTrainsEnabled ? "" : "Merge trains are turned off for this project: merge requests merge directly.";
    this.renderCars(snap.cars);
    replaceChildren(this.merged, ...snap.merged.map((c) => this.historyItem(c, undefined)));
    if (snap.merged.length === 0) this.merged.appendChild(h("li", { class: "muted" }, "Nothing merged yet."));
    replaceChildren(this.dropped, ...snap.dropped.map((d) => (d.car ? this.historyItem(d.car, d) : null)));
    if (snap.dropped.length === 0) this.dropped.appendChild(h("li", { class: "muted" }, "Nothing removed."));
    if (previous) this.announceChanges(previous, snap);
  }

  /** The cars as boxes, in order; consecutive cars of one batch inside one group. */
  private renderCars(cars: MergeTrainCar[]): void {
    this.empty.hidden = cars.length > 0;
    this.nextIid = cars[0]?.mergeRequest?.iid;
    const items: HTMLLIElement[] = [];
    for (let i = 0; i < cars.length; ) {
      const car = cars[i]!;
      let j = i + 1;
      if (car.batchId !== 0n) while (j < cars.length && cars[j]!.batchId === car.batchId) j++;
      if (j - i > 1) {
        const members = cars.slice(i, j);
        items.push(
          h(
            "li",
            { class: "batch", "data-batch-id": String(car.batchId) },
            h("p", { class: "batch-label" }, `Batch of ${members.length}, tested by one pipeline`),
            h("ol", { class: "train" }, ...members.map((c, k) => this.carBox(c, i + k))),
          ),
        );
      } else {
        items.push(this.carBox(car, i));
      }
      i = j;
    }
    replaceChildren(this.carsArea, ...items);
  }

  private carBox(car: MergeTrainCar, index: number): HTMLLIElement {
    const mr = car.mergeRequest;
    const pipeline = car.pipeline;
    // Present when the project has status checks follow the merge train.
    const checks = car.statusChecks;
    const pipelineState = pipeline ? pipelineStateName(pipeline.status) : "pending";
    return h(
      "li",
      {
        class: "car",
        "data-iid": mr ? String(mr.iid) : "",
        "data-status": carStatusName(car.status),
        "data-pipeline": pipelineState,
      },
      h(
        "div",
        { class: "car-head" },
        h("span", { class: "car-position" }, `${index + 1}`),
        mr ? h("a", { href: projectPath(this.ctx.project, `merge_requests/${mr.iid}`) }, `!${mr.iid} ${mr.title}`) : "A merge request",
        index === 0 ? h("span", { class: "badge next" }, "Lands next") : null,
      ),
      h(
        "dl",
        { class: "car-facts" },
        h("dt", {}, "State"),
        h("dd", { class: "car-status" }, carStatusText[car.status] ?? "Unknown"),
        h("dt", {}, "Pipeline"),
        h(
          "dd",
          { class: "car-pipeline" },
          h("span", { class: "icon" }, statusIcon(pipelineState)),
          pipeline ? ` #${pipeline.id} ${pipelineText[pipeline.status] ?? "Unknown"}` : " Not created yet",
        ),
        h("dt", {}, "On the train for"),
        h("dd", { class: "elapsed", "data-since": car.createTime ? String(timestampDate(car.createTime).getTime()) : "" }, elapsed(car)),
        checks.length > 0 ? h("dt", {}, "Status checks") : null,
        checks.length > 0
          ? h(
              "dd",
              {},
              carChecksList(checks),
            )
          : null,
      ),
    );
  }

  private historyItem(car: MergeTrainCar, dropped: DroppedMergeTrainCar | undefined): HTMLLIElement {
    const mr = car.mergeRequest;
    const when = dropped?.dropTime ?? car.mergedTime;
    const parts: Child[] = [
      h("span", { class: "icon" }, statusIcon(dropped ? "failed" : "passed")),
      " ",
      mr ? h("a", { href: projectPath(this.ctx.project, `merge_requests/${mr.iid}`) }, `!${mr.iid} ${mr.title}`) : "A merge request",
      when ? h("span", { class: "muted" }, ` · ${timestampDate(when).toLocaleTimeString()}`) : null,
    ];
    if (dropped) {
      parts.push(h("p", { class: "drop-reason" }, dropped.reason === "cancelled" ? "Removed from the merge train by a user." : `Removed because ${dropped.message}`));
    } else if (car.duration !== undefined) {
      parts.push(h("p", { class: "help" }, `${carStatusText[car.status] ?? "Merged"} after ${durationText(Number(car.duration))} on the train`));
    }
    return h("li", { class: dropped ? "history-item dropped" : "history-item merged", "data-iid": mr ? String(mr.iid) : "" }, ...parts);
  }

  /** Says what changed to screen readers: merges and removals. */
  private announceChanges(before: WatchMergeTrainResponse, after: WatchMergeTrainResponse): void {
    const had = new Set([...before.merged, ...before.dropped.map((d) => d.car)].map((c) => c?.id));
    for (const c of after.merged) if (!had.has(c.id)) announce(`!${c.mergeRequest?.iid} merged.`);
    for (const d of after.dropped) if (!had.has(d.car?.id)) announce(`!${d.car?.mergeRequest?.iid} removed from the train: ${d.message}`);
  }

  private tick(): void {
    for (const el of this.carsArea.querySelectorAll<HTMLElement>(".elapsed")) {
      const since = Number(el.dataset.since);
      if (since) el.textContent = durationText((Date.now() - since) / 1000);
    }
  }
}

function elapsed(car: MergeTrainCar): string {
  return car.createTime ? durationText((Date.now() - timestampDate(car.createTime).getTime()) / 1000) : "";
}

function pipelineStateName(s: PipelineStatus): "pending" | "passed" | "failed" {
  return s === PipelineStatus.SUCCESS ? "passed" : s === PipelineStatus.FAILED || s === PipelineStatus.CANCELED ? "failed" : "pending";
}

function carStatusName(s: MergeTrainCarStatus): string {
  return MergeTrainCarStatus[s]?.toLowerCase() ?? "unknown";
}
