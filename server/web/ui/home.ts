// The home page: after sign-in, the projects the user can see, each linking
// to its merge requests and its settings.

import { ConnectError, timestampDate, Visibility, type Project } from "../../../sdk/ts/src/index.js";
import { byId, h, replaceChildren } from "./dom.js";
import type { Context } from "./session.js";

const visibilityText: Partial<Record<Visibility, string>> = {
  [Visibility.PRIVATE]: "Private",
  [Visibility.INTERNAL]: "Internal",
  [Visibility.PUBLIC]: "Public",
};

/** Renders the list of projects into #app. */
export function renderHome(ctx: Context): void {
  const area = h("div", {}, h("p", { class: "muted" }, "Loading projects…"));
  replaceChildren(byId("app"), h("section", { class: "panel", "aria-labelledby": "projects-title" }, h("h2", { id: "projects-title" }, "Your projects"), area));
  void load(ctx, area);
}

async function load(ctx: Context, area: HTMLElement): Promise<void> {
  try {
    const all: Project[] = [];
    for (let page = 1; page <= 10; page++) {
      const res = await ctx.client.projects.listProjects({ page, perPage: 100 });
      all.push(...res.projects);
      if (res.projects.length < 100 || BigInt(all.length) >= res.totalSize) break;
    }
    if (all.length === 0) {
      replaceChildren(area, h("p", { class: "muted" }, "You can see no project yet."));
      return;
    }
    all.sort((a, b) => a.pathWithNamespace.localeCompare(b.pathWithNamespace));
    replaceChildren(
      area,
      h(
        "ul",
        { class: "project-list" },
        ...all.map((p) =>
          h(
            "li",
            { class: "project", "data-project": p.pathWithNamespace },
            h("a", { class: "project-name", href: `/${p.pathWithNamespace}/-/merge_requests` }, p.nameWithNamespace || p.pathWithNamespace),
            h("span", { class: "badge" }, visibilityText[p.visibility] ?? "Unknown"),
            p.description ? h("p", { class: "help" }, p.description) : null,
            h(
              "p",
              { class: "help" },
              p.lastActivityTime ? `Updated ${timestampDate(p.lastActivityTime).toLocaleString()} · ` : "",
              h("a", { href: `/${p.pathWithNamespace}/-/settings/merge_requests`, "aria-label": `Merge requests settings of ${p.pathWithNamespace}` }, "Settings"),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    if (ctx.handleAuthError(err)) return;
    replaceChildren(area, h("p", { class: "form-error", role: "alert" }, `Could not load the projects: ${ConnectError.from(err).rawMessage}`));
  }
}
