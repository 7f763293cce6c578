// The settings page's merge train section: how the project's trains
// schedule their pipelines (docs/merge-trains.md). It edits the project's
// default; target-branch overrides are set through the API.

import { ConnectError } from "../../../sdk/ts/src/index.js";
import { h } from "./dom.js";
import type { Context } from "./session.js";

/** The merge train strategy form, as a panel the settings page places. */
export class TrainStrategySection {
  private readonly strategy = h(
    "select",
    { id: "train-strategy", "aria-describedby": "train-strategy-help", disabled: true },
    h("option", { value: "gitlab" }, "One pipeline per merge request (as GitLab)"),
    h("option", { value: "batched" }, "Batches, split on failure"),
  );
  private readonly optimistic = h("input", { id: "train-optimistic", type: "checkbox", disabled: true });
  private readonly flakeRetries = h("input", { id: "train-flake-retries", type: "checkbox", disabled: true });
  private readonly status = h("p", { class: "form-status", role: "status" });
  private readonly saveButton = h("button", { type: "submit", class: "primary", disabled: true }, "Save merge train settings");
  readonly element: HTMLElement;

  constructor(private readonly ctx: Context) {
    const form = h(
      "form",
      { "aria-labelledby": "train-strategy-title", novalidate: true },
      h("h2", { id: "train-strategy-title" }, "Merge trains"),
      h("div", { class: "field" }, h("label", { for: "train-strategy" }, "Strategy"), this.strategy),
      h(
        "p",
        { id: "train-strategy-help", class: "help" },
        "Batches test several merge requests with one pipeline and find a failing one by testing the rest on their own.",
      ),
      h("div", { class: "checkbox-field" }, this.optimistic, h("label", { for: "train-optimistic" }, "Land a passed batch over an earlier failed one that it contains")),
      h("div", { class: "checkbox-field" }, this.flakeRetries, h("label", { for: "train-flake-retries" }, "Retry a failed merge request once before removing it")),
      h("div", { class: "actions" }, this.saveButton, this.status),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
    this.element = h("section", { class: "panel", "aria-labelledby": "train-strategy-title" }, form);
  }

  async load(): Promise<void> {
    try {
      const { strategies } = await this.ctx.client.mergeTrains.getMergeTrainStrategies({ project: this.ctx.project });
      this.show(strategies?.defaultStrategy);
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      this.fail(`Could not load the merge train settings: ${ConnectError.from(err).rawMessage}`);
    }
  }

  private show(s: { strategy: string; optimistic: boolean; flakeRetries: number } | undefined): void {
    this.strategy.value = s?.strategy || "gitlab";
    this.optimistic.checked = s?.optimistic ?? false;
    this.flakeRetries.checked = (s?.flakeRetries ?? 0) > 0;
    for (const el of [this.strategy, this.optimistic, this.flakeRetries, this.saveButton]) el.disabled = false;
  }

  private async save(): Promise<void> {
    this.saveButton.disabled = true;
    this.status.classList.remove("error");
    this.status.textContent = "Saving…";
    try {
      const { strategies } = await this.ctx.client.mergeTrains.setMergeTrainStrategy({
        project: this.ctx.project,
        strategy: this.strategy.value,
        optimistic: this.optimistic.checked,
        flakeRetries: this.flakeRetries.checked ? 1 : 0,
      });
      this.show(strategies?.defaultStrategy);
      this.status.textContent = "Changes saved.";
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      this.fail(`Changes not saved: ${ConnectError.from(err).rawMessage}`);
    } finally {
      this.saveButton.disabled = false;
    }
  }

  private fail(message: string): void {
    this.status.classList.add("error");
    this.status.textContent = message;
  }
}
