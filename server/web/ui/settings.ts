// The merge-request settings page: "Status checks must succeed", the merge
// train strategy, and the project's external status checks with add, edit
// and remove.

import {
  Code,
  ConnectError,
  Reason,
  problemOf,
  violationsOf,
  type ExternalStatusCheck,
  type ProtectedBranch,
} from "../../../sdk/ts/src/index.js";
import { announce, byId, h, replaceChildren } from "./dom.js";
import { formErrors, messages, type FormErrors, type FormField } from "./messages.js";
import type { Context } from "./session.js";
import { TrainStrategySection } from "./train_strategy.js";
import { loadValidator, preloadValidator, readyValidator } from "./validator.js";

/** Renders the settings page into #app. */
export function renderSettings(ctx: Context): void {
  const page = new SettingsPage(ctx);
  page.mount();
}

class SettingsPage {
  private checks: ExternalStatusCheck[] = [];
  private readonly checkbox = h("input", {
    id: "status-checks-must-succeed",
    type: "checkbox",
    "aria-describedby": "status-checks-must-succeed-help",
    disabled: true,
  });
  private readonly settingsStatus = h("p", { class: "form-status", role: "status" });
  private readonly saveButton = h("button", { type: "submit", class: "primary", disabled: true }, "Save changes");
  private readonly listArea = h("div", { id: "status-checks-list" }, h("p", { class: "muted" }, "Loading status checks…"));
  private readonly addButton = h("button", { type: "button", class: "primary", disabled: true }, "Add status check");

  private readonly trains: TrainStrategySection;

  constructor(private readonly ctx: Context) {
    this.trains = new TrainStrategySection(ctx);
  }

  mount(): void {
    const settingsForm = h(
      "form",
      { "aria-labelledby": "merge-checks-title", novalidate: true },
      h("h2", { id: "merge-checks-title" }, "Merge checks"),
      h(
        "div",
        { class: "checkbox-field" },
        this.checkbox,
        h("label", { for: "status-checks-must-succeed" }, "Status checks must succeed"),
      ),
      h(
        "p",
        { id: "status-checks-must-succeed-help", class: "help" },
        "Merge requests can't be merged if the status checks did not run or are not successful.",
      ),
      h("div", { class: "actions" }, this.saveButton, this.settingsStatus),
    );
    settingsForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.saveSettings();
    });
    this.addButton.addEventListener("click", () => this.openForm(undefined, this.addButton));

    replaceChildren(
      byId("app"),
      h("section", { class: "panel", "aria-labelledby": "merge-checks-title" }, settingsForm),
      this.trains.element,
      h(
        "section",
        { class: "panel", "aria-labelledby": "status-checks-title" },
        h("h2", { id: "status-checks-title" }, "Status checks"),
        h(
          "p",
          { class: "help" },
          "Check for a status response in merge requests. The external service is sent the merge request and answers through the API.",
        ),
        this.listArea,
        h("div", { class: "actions" }, this.addButton),
      ),
    );
    void this.loadProject();
    void this.trains.load();
    void this.loadChecks();
    // The validator loads while the page is idle, so a form finds it ready.
    preloadValidator(this.ctx);
  }

  private async loadProject(): Promise<void> {
    try {
      const { project } = await this.ctx.client.projects.getProject({ project: this.ctx.project });
      this.checkbox.checked = project?.settings?.onlyAllowMergeIfAllStatusChecksPassed ?? false;
      this.checkbox.disabled = false;
      this.saveButton.disabled = false;
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      this.settingsStatus.textContent = `Could not load the project: ${ConnectError.from(err).rawMessage}`;
      this.settingsStatus.classList.add("error");
    }
  }

  private async saveSettings(): Promise<void> {
    this.saveButton.disabled = true;
    this.settingsStatus.classList.remove("error");
    this.settingsStatus.textContent = "Saving…";
    try {
      const { project } = await this.ctx.client.projects.updateProject({
        project: this.ctx.project,
        settings: { onlyAllowMergeIfAllStatusChecksPassed: this.checkbox.checked },
      });
      this.checkbox.checked = project?.settings?.onlyAllowMergeIfAllStatusChecksPassed ?? this.checkbox.checked;
      this.settingsStatus.textContent = "Changes saved.";
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      this.settingsStatus.classList.add("error");
      this.settingsStatus.textContent = `Changes not saved: ${ConnectError.from(err).rawMessage}`;
    } finally {
      this.saveButton.disabled = false;
    }
  }

  private async loadChecks(): Promise<void> {
    try {
      const all: ExternalStatusCheck[] = [];
      for (let page = 1; ; page++) {
        const res = await this.ctx.client.statusChecks.listStatusChecks({ project: this.ctx.project, page, perPage: 100 });
        all.push(...res.checks);
        if (res.checks.length < 100 || BigInt(all.length) >= res.totalSize) break;
      }
      this.checks = all;
      this.addButton.disabled = false;
      this.renderList();
    } catch (err) {
      if (this.ctx.handleAuthError(err)) return;
      replaceChildren(
        this.listArea,
        h("p", { class: "form-error", role: "alert" }, messages.checksFailed, ": ", ConnectError.from(err).rawMessage),
      );
    }
  }

  private renderList(): void {
    if (this.checks.length === 0) {
      replaceChildren(this.listArea, h("p", { class: "muted" }, "No status checks are defined yet."));
      return;
    }
    const rows = this.checks.map((check) => {
      const edit = h("button", { type: "button", "aria-label": `Edit ${check.name}` }, "Edit");
      const remove = h("button", { type: "button", class: "danger", "aria-label": `Remove ${check.name}` }, "Remove…");
      edit.addEventListener("click", () => this.openForm(check, edit));
      remove.addEventListener("click", () => this.confirmRemove(check, remove));
      return h(
        "tr",
        { "data-check-id": String(check.id) },
        h("th", { scope: "row" }, check.name),
        h("td", { class: "url" }, check.externalUrl),
        h("td", {}, branchNames(check.protectedBranches)),
        h("td", {}, check.hmac ? "Enabled" : "Not enabled"),
        h("td", { class: "row-actions" }, edit, remove),
      );
    });
    replaceChildren(
      this.listArea,
      h(
        "table",
        { class: "checks-table" },
        h("caption", { class: "visually-hidden" }, "Status checks"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Service name"),
            h("th", { scope: "col" }, "API to check"),
            h("th", { scope: "col" }, "Target branch"),
            h("th", { scope: "col" }, "HMAC authentication"),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
          ),
        ),
        h("tbody", {}, ...rows),
      ),
    );
  }

  /** After the list changed: reload it and put focus somewhere sensible. */
  private async afterChange(announcement: string, focusCheckId?: bigint): Promise<void> {
    await this.loadChecks();
    announce(announcement);
    const row = focusCheckId === undefined ? null : this.listArea.querySelector(`tr[data-check-id="${focusCheckId}"] button`);
    (row instanceof HTMLElement ? row : this.addButton).focus();
  }

  private openForm(check: ExternalStatusCheck | undefined, opener: HTMLElement): void {
    const form = new CheckForm(this.ctx, check, this.checks, async (saved) => {
      await this.afterChange(check ? "Status check updated." : "Status check added.", saved.id);
    });
    form.open(opener);
  }

  private confirmRemove(check: ExternalStatusCheck, opener: HTMLElement): void {
    const error = h("p", { class: "form-error", role: "alert" });
    const confirm = h("button", { type: "button", class: "danger" }, "Remove status check");
    const cancel = h("button", { type: "button" }, "Cancel");
    const dialog = h(
      "dialog",
      { class: "modal", "aria-labelledby": "remove-title", "aria-describedby": "remove-body" },
      h("h2", { id: "remove-title" }, "Remove status check?"),
      h("p", { id: "remove-body" }, "You are about to remove the ", h("strong", {}, check.name), " status check."),
      error,
      h("div", { class: "actions" }, cancel, confirm),
    );
    // After a removal, afterChange places the focus; the close event comes
    // later than the list's reload at times, so it must not take it back.
    let removed = false;
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (!removed && opener.isConnected) opener.focus();
    });
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      error.textContent = "";
      try {
        await this.ctx.client.statusChecks.deleteStatusCheck({ project: this.ctx.project, checkId: check.id });
        removed = true;
        dialog.close();
        await this.afterChange("Status check removed.");
      } catch (err) {
        if (this.ctx.handleAuthError(err)) return;
        error.textContent = ConnectError.from(err).rawMessage;
        confirm.disabled = false;
      }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  }
}

function branchNames(branches: ProtectedBranch[]): string {
  return branches.length === 0 ? "All branches" : branches.map((b) => b.name).join(", ");
}

/** The add/update form, in a modal dialog. */
class CheckForm {
  private readonly dialog: HTMLDialogElement;
  private readonly name = h("input", {
    id: "check-name",
    name: "name",
    type: "text",
    autocomplete: "off",
    required: true,
    "aria-describedby": "check-name-error",
  });
  private readonly url = h("input", {
    id: "check-url",
    name: "external_url",
    type: "url",
    inputmode: "url",
    autocomplete: "off",
    required: true,
    placeholder: "https://api.example.com/status",
    "aria-describedby": "check-url-help check-url-error",
  });
  private readonly secret = h("input", {
    id: "check-secret",
    name: "shared_secret",
    type: "password",
    autocomplete: "new-password",
    "aria-describedby": "check-secret-help",
  });
  private readonly errorEls: Record<FormField, HTMLElement> = {
    name: h("p", { id: "check-name-error", class: "field-error" }),
    url: h("p", { id: "check-url-error", class: "field-error" }),
    form: h("p", { id: "check-form-error", class: "form-error", role: "alert" }),
  };
  private readonly validatorStatus = h("p", { class: "help validator-status", hidden: true });
  private readonly submit: HTMLButtonElement;
  private readonly branches: BranchPicker;
  /** The latest verdict on the form, from the validator or the server. */
  private local: FormErrors = {};
  /**
   * Numbers the verdicts asked for and the newest one shown: an answer is
   * shown when it is newer than what is shown, so verdicts keep coming while
   * the user types, and a late answer never replaces a newer one.
   */
  private asked = 0;
  private shownVerdict = 0;
  private touched = { name: false, url: false };
  private serverErrors: FormErrors = {};
  private saved = false;

  constructor(
    private readonly ctx: Context,
    private readonly check: ExternalStatusCheck | undefined,
    private readonly others: ExternalStatusCheck[],
    private readonly onSaved: (saved: ExternalStatusCheck) => Promise<void>,
  ) {
    const title = check ? "Update status check" : "Add status check";
    this.submit = h("button", { type: "submit", class: "primary" }, title);
    this.branches = new BranchPicker(ctx, check?.protectedBranches ?? []);
    if (check) {
      this.name.value = check.name;
      this.url.value = check.externalUrl;
    }
    const cancel = h("button", { type: "button" }, "Cancel");
    const form = h(
      "form",
      { novalidate: true },
      h("h2", { id: "check-form-title" }, title),
      h("div", { class: "field" }, h("label", { for: "check-name" }, "Service name"), this.name, this.errorEls.name),
      h(
        "div",
        { class: "field" },
        h("label", { for: "check-url" }, "API to check"),
        this.url,
        h(
          "p",
          { id: "check-url-help", class: "help" },
          "The merge request is sent there with a POST. Use HTTPS to protect the data in transit.",
        ),
        this.errorEls.url,
      ),
      this.branches.element,
      h(
        "div",
        { class: "field" },
        h("label", { for: "check-secret" }, "HMAC shared secret"),
        this.secret,
        h(
          "p",
          { id: "check-secret-help", class: "help" },
          check
            ? `The shared secret cannot be shown${check.hmac ? "" : " (none is set)"}. Leave this empty to keep it, or enter a new one to replace it.`
            : "Optional. Each request is signed with it (HMAC-SHA256 in the X-GitLab-Signature header). It cannot be shown again after saving.",
        ),
      ),
      this.errorEls.form,
      this.validatorStatus,
      h("div", { class: "actions" }, cancel, this.submit),
    );
    this.dialog = h("dialog", { class: "modal", "aria-labelledby": "check-form-title" }, form);

    cancel.addEventListener("click", () => this.dialog.close());
    this.name.addEventListener("input", () => {
      this.touched.name = true;
      delete this.serverErrors.name;
      this.revalidate();
    });
    this.url.addEventListener("input", () => {
      this.touched.url = true;
      delete this.serverErrors.url;
      this.revalidate();
    });
    this.branches.onChange = () => this.revalidate();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
  }

  open(opener: HTMLElement): void {
    this.dialog.addEventListener("close", () => {
      this.dialog.remove();
      // After a save, onSaved places the focus (on the saved row).
      if (!this.saved && opener.isConnected) opener.focus();
    });
    document.body.appendChild(this.dialog);
    this.dialog.showModal();
    this.name.focus();
    this.branches.load();
    // Usually already loaded (preloadValidator); until it is, the server
    // answers for it, so the form is usable at once.
    loadValidator(this.ctx).catch((err: unknown) => {
      this.validatorStatus.hidden = false;
      this.validatorStatus.textContent = `Inline checks run on the server: the validator did not load (${String(err)}).`;
    });
  }

  /** The form as the message the rules are written on, with the other checks of the project. */
  private settings(): { message: unknown; prefix: string } {
    const spec = (c: { id: bigint; name: string; externalUrl: string; protectedBranchIds: bigint[] }) => ({
      id: c.id.toString(),
      name: c.name,
      externalUrl: c.externalUrl,
      protectedBranchIds: c.protectedBranchIds.map(String),
    });
    const checks = this.others
      .filter((c) => c.id !== this.check?.id)
      .map((c) => spec({ ...c, protectedBranchIds: c.protectedBranches.map((b) => b.id) }));
    const index = checks.length;
    checks.push(
      spec({
        id: this.check?.id ?? 0n,
        name: this.name.value,
        externalUrl: this.url.value,
        protectedBranchIds: this.branches.selectedIds() ?? this.check?.protectedBranches.map((b) => b.id) ?? [],
      }),
    );
    return { message: { checks }, prefix: `checks[${index}].` };
  }

  /**
   * The form's errors by the rules: from the WebAssembly validator when it
   * is ready, else from the server, which validates the very same message.
   */
  private async localErrors(): Promise<FormErrors> {
    const validate = readyValidator();
    if (validate) {
      const { message, prefix } = this.settings();
      try {
        return formErrors(await validate("signalbox.v1.StatusCheckSettings", message), prefix);
      } catch (err) {
        this.validatorStatus.hidden = false;
        this.validatorStatus.textContent = `The validator failed: ${String(err)}`;
        return {};
      }
    }
    try {
      const res = await this.ctx.client.statusChecks.validateStatusCheckSettings({
        project: this.ctx.project,
        checkId: this.check?.id ?? 0n,
        name: this.name.value,
        externalUrl: this.url.value,
        protectedBranchIds: this.branches.selectedIds() ?? this.check?.protectedBranches.map((b) => b.id) ?? [],
      });
      return formErrors(res.violations, "");
    } catch (err) {
      this.ctx.handleAuthError(err);
      return {};
    }
  }

  /** Asks for a verdict on the form as it is now, and shows it unless a newer one is shown already. */
  private revalidate(): Promise<void> {
    const n = ++this.asked;
    return this.localErrors().then((errors) => {
      if (n <= this.shownVerdict) return;
      this.shownVerdict = n;
      this.local = errors;
      this.refresh();
    });
  }

  /** Shows the current errors: local ones of touched fields, then the server's. */
  private refresh(all = false): FormErrors {
    const local = this.local;
    const shown: FormErrors = {
      name: all || this.touched.name ? (local.name ?? this.serverErrors.name) : this.serverErrors.name,
      url: all || this.touched.url ? (local.url ?? this.serverErrors.url) : this.serverErrors.url,
      form: local.form ?? this.serverErrors.form,
    };
    this.show("name", this.name, shown.name);
    this.show("url", this.url, shown.url);
    this.show("form", undefined, shown.form);
    return shown;
  }

  private show(where: FormField, input: HTMLInputElement | undefined, text: string | undefined): void {
    this.errorEls[where].textContent = text ?? "";
    if (input) {
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  private async save(): Promise<void> {
    this.serverErrors = {};
    await this.revalidate();
    const shown = this.refresh(true);
    if (shown.name || shown.url || shown.form) {
      (shown.name ? this.name : shown.url ? this.url : this.submit).focus();
      return;
    }
    this.submit.disabled = true;
    this.submit.setAttribute("aria-busy", "true");
    const project = this.ctx.project;
    const ids = this.branches.selectedIds();
    try {
      let saved: ExternalStatusCheck | undefined;
      if (this.check) {
        const res = await this.ctx.client.statusChecks.updateStatusCheck({
          project,
          checkId: this.check.id,
          name: this.name.value,
          externalUrl: this.url.value,
          // Write-only: sent only when the user typed a new one.
          ...(this.secret.value !== "" ? { sharedSecret: this.secret.value } : {}),
          ...(ids !== undefined ? { protectedBranchIds: { ids } } : {}),
        });
        saved = res.check;
      } else {
        const res = await this.ctx.client.statusChecks.createStatusCheck({
          project,
          name: this.name.value,
          externalUrl: this.url.value,
          ...(this.secret.value !== "" ? { sharedSecret: this.secret.value } : {}),
          protectedBranchIds: ids ?? [],
        });
        saved = res.check;
      }
      this.saved = true;
      this.dialog.close();
      if (saved) await this.onSaved(saved);
    } catch (err) {
      if (this.ctx.handleAuthError(err)) {
        this.dialog.close();
        return;
      }
      this.serverErrors = serverErrors(err);
      const after = this.refresh(true);
      (after.name ? this.name : after.url ? this.url : this.submit).focus();
    } finally {
      this.submit.disabled = false;
      this.submit.removeAttribute("aria-busy");
    }
  }
}

/** What the server said, in the form's words. */
function serverErrors(err: unknown): FormErrors {
  const ce = ConnectError.from(err);
  const violations = violationsOf(ce);
  if (violations.length > 0) return formErrors(violations, "");
  const problem = problemOf(ce);
  if (problem?.reason === Reason.ALREADY_TAKEN) {
    return formErrors(
      problem.fields.map((f) => ({
        field: f,
        rule: f === "name" ? "status_check.name_taken" : "status_check.external_url_taken",
        message: ce.rawMessage,
      })),
      "",
    );
  }
  if (ce.code === Code.PermissionDenied) return { form: `Not allowed: ${ce.rawMessage}` };
  return { form: ce.rawMessage || "The status check could not be saved." };
}

/**
 * The target branch: "All branches" or one protected branch, chosen with
 * radio buttons (arrow keys move between them) under a search box that asks
 * the server once at least 3 characters are typed.
 */
class BranchPicker {
  readonly element: HTMLFieldSetElement;
  onChange: () => void = () => {};
  private readonly search = h("input", {
    id: "branch-search",
    type: "search",
    autocomplete: "off",
    "aria-describedby": "branch-search-status",
    "aria-controls": "branch-options",
  });
  private readonly status = h("p", { id: "branch-search-status", class: "help", role: "status" });
  private readonly error = h("p", { class: "form-error", role: "alert" });
  private readonly options = h("div", { id: "branch-options", class: "branch-options" });
  private base: ProtectedBranch[] = [];
  private shown: ProtectedBranch[] = [];
  /** undefined: keep the check's branches as they are (only offered when it has several). */
  private selected: ProtectedBranch | "all" | undefined;
  private debounce: number | undefined;
  private inFlight: AbortController | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly initial: ProtectedBranch[],
  ) {
    this.selected = initial.length === 0 ? "all" : initial.length === 1 ? initial[0] : undefined;
    this.element = h(
      "fieldset",
      { class: "field branch-picker" },
      h("legend", {}, "Target branch"),
      h("label", { for: "branch-search" }, "Search protected branches"),
      this.search,
      this.status,
      this.options,
      this.error,
    );
    this.search.addEventListener("input", () => this.searchChanged());
    // Enter in the search box would submit the form; it only searches.
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    this.status.textContent = "Type at least 3 characters to search.";
    this.render();
  }

  /** The ids to send: [] for all branches, undefined to keep the current set. */
  selectedIds(): bigint[] | undefined {
    if (this.selected === undefined) return undefined;
    return this.selected === "all" ? [] : [this.selected.id];
  }

  load(): void {
    void this.fetch("").then((branches) => {
      if (branches) {
        this.base = branches;
        if (this.search.value.trim().length < 3) this.show(branches);
      }
    });
  }

  private searchChanged(): void {
    window.clearTimeout(this.debounce);
    const query = this.search.value.trim();
    if (query.length < 3) {
      this.inFlight?.abort();
      this.status.textContent = "Type at least 3 characters to search.";
      this.show(this.base);
      return;
    }
    this.status.textContent = "Searching…";
    this.debounce = window.setTimeout(() => {
      void this.fetch(query).then((branches) => {
        if (!branches || this.search.value.trim() !== query) return;
        this.status.textContent =
          branches.length === 0 ? `No protected branch matches “${query}”.` : `${branches.length} protected branches match “${query}”.`;
        this.show(branches);
      });
    }, 250);
  }

  private async fetch(search: string): Promise<ProtectedBranch[] | undefined> {
    this.inFlight?.abort();
    const ctl = new AbortController();
    this.inFlight = ctl;
    try {
      const res = await this.ctx.client.protectedBranches.listProtectedBranches(
        { project: this.ctx.project, search, perPage: 100 },
        { signal: ctl.signal },
      );
      this.error.textContent = "";
      return res.protectedBranches;
    } catch (err) {
      if (ctl.signal.aborted) return undefined;
      if (this.ctx.handleAuthError(err)) return undefined;
      this.error.textContent = messages.branchesFailed;
      return undefined;
    }
  }

  private show(branches: ProtectedBranch[]): void {
    this.shown = branches;
    this.render();
  }

  private render(): void {
    const focused = document.activeElement;
    const radios: HTMLElement[] = [];
    const radio = (id: string, label: string, checked: boolean, choose: () => void) => {
      const input = h("input", { type: "radio", name: "target-branch", id, checked });
      input.addEventListener("change", () => {
        if (input.checked) {
          choose();
          this.onChange();
        }
      });
      radios.push(h("div", { class: "radio" }, input, h("label", { for: id }, label)));
    };
    if (this.initial.length > 1) {
      radio("branch-keep", `Keep the current branches: ${branchNames(this.initial)}`, this.selected === undefined, () => {
        this.selected = undefined;
      });
    }
    radio("branch-all", "All branches", this.selected === "all", () => {
      this.selected = "all";
    });
    const current = typeof this.selected === "object" ? this.selected : undefined;
    const list = current && !this.shown.some((b) => b.id === current.id) ? [current, ...this.shown] : this.shown;
    for (const b of list) {
      radio(`branch-${b.id}`, b.name, current?.id === b.id, () => {
        this.selected = b;
      });
    }
    replaceChildren(this.options, ...radios);
    // Keep focus on a radio that was re-rendered under the user.
    if (focused instanceof HTMLInputElement && focused.name === "target-branch" && !focused.isConnected) {
      document.getElementById(focused.id)?.focus();
    }
  }
}
