// Small DOM helpers: the pages build their markup with these instead of a
// framework, so the bundle stays the SDK plus a few kilobytes.

type Attr = string | number | boolean | undefined | null | ((event: Event) => void);
export type Child = Node | string | number | null | undefined | false;

/** Creates an element. Attributes named on* add listeners; true sets a boolean attribute; false/null/undefined omit it. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children, skipping the empty ones. */
export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces all children of parent. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The element with this id, which the page must have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el as T;
}

/** Says text to screen readers through the page's polite live region. */
export function announce(text: string): void {
  const region = document.getElementById("announcer");
  if (!region) return;
  // Clearing first makes the same text be announced twice in a row.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

const svgNS = "http://www.w3.org/2000/svg";

/** The icon of a status check status; decorative, so hidden from screen readers (the text next to it says the status). */
export function statusIcon(status: "pending" | "passed" | "failed"): SVGSVGElement {
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("status-icon", `status-icon-${status}`);
  const circle = document.createElementNS(svgNS, "circle");
  circle.setAttribute("cx", "8");
  circle.setAttribute("cy", "8");
  circle.setAttribute("r", "7");
  svg.appendChild(circle);
  const mark = document.createElementNS(svgNS, "path");
  mark.setAttribute(
    "d",
    status === "passed" ? "M4.5 8.5l2.2 2.2 4.8-5.2" : status === "failed" ? "M5.5 5.5l5 5M10.5 5.5l-5 5" : "M5 8h6",
  );
  svg.appendChild(mark);
  return svg;
}
