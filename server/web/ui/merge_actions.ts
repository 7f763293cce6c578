// The merge actions of the merge request page: which ones the user may
// take now, in GitLab's words, each confirmed in a modal, and why the merge
// itself is not offered when it is not.

import {
  ConnectError,
  DetailedMergeStatus,
  MergeRequestState,
  MergeTrainCarStatus,
  type MergeRequest,
  type MergeTrainCar,
} from "../../../sdk/ts/src/index.js";
import { announce, h, replaceChildren } from "./dom.js";
import type { Context } from "./session.js";
import { mergeStatusText, trainPath } from "./texts.js";

/** One action, as the page offers it. */
export interface MergeAction {
  id: "merge" | "auto_merge" | "add_to_train" | "remove_from_train" | "cancel_auto_merge";
  label: string;
  /** The confirmation modal's title and text. */
  confirmTitle: string;
  confirmText: string;
  done: string;
  danger?: boolean;
}

/** What the page shows: the actions allowed now, and why merging is not, if it is not. */
export interface Allowed {
  actions: MergeAction[];
  reason: string;
}

const waiting = new Set([DetailedMergeStatus.CI_STILL_RUNNING, DetailedMergeStatus.CI_MUST_PASS, DetailedMergeStatus.STATUS_CHECKS_MUST_PASS, DetailedMergeStatus.CHECKING]);

const active = new Set([MergeTrainCarStatus.IDLE, MergeTrainCarStatus.STALE, MergeTrainCarStatus.FRESH]);

/**
 * The actions the user may take on mr, GitLab's merge widget's choice:
 * on a project with merge trains, "Add to merge train" when it can merge
 * now and "Set to auto-merge" while its pipeline or checks are pending;
 * without trains, "Merge" and "Set to auto-merge"; "Remove from merge
 * train" (or "Cancel auto-merge") once set.
 */
export function allowedActions(mr: MergeRequest, car: MergeTrainCar | undefined, trainsEnabled: boolean): Allowed {
  if (mr.state !== MergeRequestState.OPENED) {
    return { actions: [], reason: mr.state === MergeRequestState.MERGED ? "This merge request was merged." : "This merge request is closed." };
  }
  if (mr.autoMergeStrategy !== "") {
    const onTrain = car !== undefined && active.has(car.status) && car.mergeRequest?.iid === mr.iid;
    if (onTrain) {
      return {
        actions: [
          {
            id: "remove_from_train",
            label: "Remove from merge train",
            confirmTitle: "Remove from merge train?",
            confirmText: "The merge request leaves the merge train and its pipeline is canceled; the merge requests behind it are tested again without it.",
            done: "Removed from the merge train.",
            danger: true,
          },
        ],
        reason: "",
      };
    }
    return {
      actions: [
        {
          id: "cancel_auto_merge",
          label: "Cancel auto-merge",
          confirmTitle: "Cancel auto-merge?",
          confirmText: "The merge request will not be merged when its pipeline and status checks pass.",
          done: "Auto-merge canceled.",
          danger: true,
        },
      ],
      reason: car?.status === MergeTrainCarStatus.MERGING ? "The merge train is merging this merge request." : "",
    };
  }
  if (!mr.userCanMerge) {
    return { actions: [], reason: "Ready to merge by members who can write to the target branch." };
  }
  const autoMerge: MergeAction = {
    id: "auto_merge",
    label: "Set to auto-merge",
    confirmTitle: "Set to auto-merge?",
    confirmText: trainsEnabled
      ? "The merge request is added to the merge train when its pipeline and status checks pass."
      : "The merge request is merged when its pipeline and status checks pass.",
    done: "Set to auto-merge.",
  };
  if (mr.detailedMergeStatus === DetailedMergeStatus.MERGEABLE) {
    return {
      actions: [
        trainsEnabled
          ? {
              id: "add_to_train",
              label: "Add to merge train",
              confirmTitle: "Add to merge train?",
              confirmText: `The merge request joins the merge train of ${mr.targetBranch}: it is tested with the merge requests ahead of it and merged when its pipeline passes.`,
              done: "Added to the merge train.",
            }
          : {
              id: "merge",
              label: "Merge",
              confirmTitle: "Merge this merge request?",
              confirmText: `The source branch ${mr.sourceBranch} is merged into ${mr.targetBranch} now.`,
              done: "Merged.",
            },
      ],
      reason: "",
    };
  }
  const reason = `Merge blocked: ${(mergeStatusText[mr.detailedMergeStatus] ?? "not mergeable").replace(/^Blocked: /, "")}.`;
  return { actions: waiting.has(mr.detailedMergeStatus) ? [autoMerge] : [], reason };
}

/** The actions panel of the merge request page. */
export class MergeActions {
  readonly element = h("section", { class: "panel merge-actions", "aria-labelledby": "merge-actions-title" });
  private readonly buttons = h("div", { class: "actions" });
  private readonly reason = h("p", { id: "merge-reason", class: "help" });
  private readonly status = h("p", { class: "form-status", role: "status" });
  private readonly trainLink = h("p", { class: "help" });
  private trainsEnabled: boolean | undefined;
  private shown = "";
  private mr: MergeRequest | undefined;
  private car: MergeTrainCar | undefined;

  constructor(private readonly ctx: Context) {
    replaceChildren(this.element, h("h2", { id: "merge-actions-title" }, "Merge"), this.buttons, this.reason, this.status, this.trainLink);
    void this.loadProject();
  }

  private async loadProject(): Promise<void> {
    try {
      const { project } = await this.ctx.client.projects.getProject({ project: this.ctx.project });
      this.trainsEnabled = project?.settings?.mergeTrainsEnabled ?? false;
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      this.trainsEnabled = false;
    }
    this.draw();
  }

  /** Called with every snapshot of the merge request. */
  update(mr: MergeRequest, car: MergeTrainCar | undefined): void {
    this.mr = mr;
    this.car = car;
    this.draw();
  }

  private draw(): void {
    const mr = this.mr;
    if (!mr || this.trainsEnabled === undefined) return;
    const allowed = allowedActions(mr, this.car, this.trainsEnabled);
    this.reason.textContent = allowed.reason;
    replaceChildren(
      this.trainLink,
      this.trainsEnabled || this.car
        ? h("a", { href: trainPath(this.ctx.project, mr.targetBranch) }, `View the merge train of ${mr.targetBranch}`)
        : null,
    );
    // Redraw the buttons only when the choice changed, so focus stays put.
    const key = allowed.actions.map((a) => a.id).join();
    if (key === this.shown) return;
    const hadFocus = this.buttons.contains(document.activeElement);
    this.shown = key;
    replaceChildren(
      this.buttons,
      ...allowed.actions.map((a) => {
        const b = h("button", { type: "button", class: a.danger ? "danger" : "primary", "data-action": a.id, "aria-describedby": allowed.reason ? "merge-reason" : null }, a.label);
        b.addEventListener("click", () => this.confirm(a, b));
        return b;
      }),
    );
    if (hadFocus) (this.buttons.querySelector("button") ?? this.element).focus();
  }

  private confirm(action: MergeAction, opener: HTMLButtonElement): void {
    const error = h("p", { class: "form-error", role: "alert" });
    const ok = h("button", { type: "button", class: action.danger ? "danger" : "primary" }, action.label);
    const cancel = h("button", { type: "button" }, "Cancel");
    const dialog = h(
      "dialog",
      { class: "modal", "aria-labelledby": "action-title", "aria-describedby": "action-body" },
      h("h2", { id: "action-title" }, action.confirmTitle),
      h("p", { id: "action-body" }, action.confirmText),
      error,
      h("div", { class: "actions" }, cancel, ok),
    );
    let done = false;
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (!done && opener.isConnected) opener.focus();
    });
    ok.addEventListener("click", async () => {
      ok.disabled = true;
      error.textContent = "";
      try {
        await this.run(action);
        done = true;
        dialog.close();
        this.status.textContent = action.done;
        announce(action.done);
        this.element.tabIndex = -1;
        if (!opener.isConnected || opener.disabled) this.element.focus();
      } catch (err) {
        if (this.ctx.handleAuthError(err)) {
          dialog.close();
          return;
        }
        error.textContent = ConnectError.from(err).rawMessage;
        ok.disabled = false;
      }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  }

  private async run(action: MergeAction): Promise<void> {
    const mr = this.mr;
    if (!mr) return;
    const req = { project: this.ctx.project, mergeRequestIid: mr.iid };
    const { mergeRequests, mergeTrains } = this.ctx.client;
    switch (action.id) {
      case "merge":
        await mergeRequests.mergeMergeRequest({ ...req, sha: mr.sha });
        return;
      case "auto_merge":
        if (this.trainsEnabled) await mergeTrains.addToMergeTrain({ ...req, sha: mr.sha, autoMerge: true });
        else await mergeRequests.mergeMergeRequest({ ...req, sha: mr.sha, autoMerge: true });
        return;
      case "add_to_train":
        await mergeTrains.addToMergeTrain({ ...req, sha: mr.sha });
        return;
      case "remove_from_train":
      case "cancel_auto_merge":
        await mergeTrains.cancelAutoMerge(req);
        return;
    }
  }
}
