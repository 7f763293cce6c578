import { Code, ConnectError, createSignalboxClient, type SignalboxClient, type User } from "../../../sdk/ts/src/index.js";
import { byId, h, replaceChildren } from "./dom.js";

// The token lives in sessionStorage: it survives a reload but not the tab,
// and is never sent anywhere but this server's API (no cookie, so no CSRF).
const tokenKey = "signalbox.token";

/** Everything a page needs: the API client, where it is, and how to sign out. */
export interface Context {
  client: SignalboxClient;
  project: string;
  iid: bigint;
  /** The target branch of the merge train page. */
  branch: string;
  validatorUrl: string;
  wasmExecUrl: string;
  validatorWorkerUrl: string;
  user: User;
  /** Forgets the token and reloads the page, which then asks to sign in. */
  signOut(): void;
  /** Handles an error every call can get: an expired or revoked token signs out. Returns true when it did. */
  handleAuthError(err: unknown): boolean;
}

/** Starts the page: signs in (if needed), then runs render. */
export function start(render: (ctx: Context) => void): void {
  const body = document.body;
  const storage = window.sessionStorage;
  const client = createSignalboxClient({
    baseUrl: window.location.origin,
    token: () => storage.getItem(tokenKey) ?? undefined,
  });
  const base = {
    client,
    project: body.dataset.project ?? "",
    iid: BigInt(body.dataset.iid || "0"),
    branch: body.dataset.branch ?? "",
    validatorUrl: body.dataset.validatorUrl ?? "",
    wasmExecUrl: body.dataset.wasmExecUrl ?? "",
    validatorWorkerUrl: body.dataset.validatorWorkerUrl ?? "",
  };

  // A reload ends whatever the page was doing (a watch stream, an open
  // form) and comes back to the sign-in form.
  const signOut = () => {
    storage.removeItem(tokenKey);
    window.location.reload();
  };
  const handleAuthError = (err: unknown) => {
    if (ConnectError.from(err).code !== Code.Unauthenticated) return false;
    storage.removeItem(tokenKey);
    showSignIn("Your session has ended. Sign in again.");
    return true;
  };
  const enter = (user: User) => {
    renderSession(user, signOut);
    render({ ...base, user, signOut, handleAuthError });
  };

  const showSignIn = (message = "") => {
    replaceChildren(byId("session"));
    const input = h("input", {
      id: "token",
      name: "token",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      "aria-describedby": "token-help token-error",
    });
    const error = h("p", { id: "token-error", class: "field-error", role: "alert" }, message);
    const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
    const form = h(
      "form",
      { class: "sign-in", "aria-labelledby": "sign-in-title", novalidate: true },
      h("h2", { id: "sign-in-title" }, "Sign in"),
      h(
        "div",
        { class: "field" },
        h("label", { for: "token" }, "Personal access token"),
        input,
        h(
          "p",
          { id: "token-help", class: "help" },
          "A token with the api scope. It is kept in this browser tab only (sessionStorage) until you sign out or close the tab.",
        ),
        error,
      ),
      h("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === "") {
        error.textContent = "Enter a personal access token.";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      submit.disabled = true;
      storage.setItem(tokenKey, token);
      client.users
        .getCurrentUser({})
        .then((res) => {
          if (!res.user) throw new Error("no user in the answer");
          enter(res.user);
        })
        .catch((err: unknown) => {
          storage.removeItem(tokenKey);
          const ce = ConnectError.from(err);
          error.textContent =
            ce.code === Code.Unauthenticated ? "This token is not valid." : `Could not sign in: ${ce.rawMessage}`;
          input.setAttribute("aria-invalid", "true");
          submit.disabled = false;
          input.focus();
        });
    });
    replaceChildren(byId("app"), form);
    input.focus();
  };

  if (!storage.getItem(tokenKey)) {
    showSignIn();
    return;
  }
  client.users
    .getCurrentUser({})
    .then((res) => {
      if (!res.user) throw new Error("no user in the answer");
      enter(res.user);
    })
    .catch((err: unknown) => {
      if (!handleAuthError(err)) {
        replaceChildren(
          byId("app"),
          h("p", { class: "form-error", role: "alert" }, `Could not reach the server: ${ConnectError.from(err).rawMessage}`),
        );
      }
    });
}

function renderSession(user: User, signOut: () => void): void {
  replaceChildren(
    byId("session"),
    h("span", {}, "Signed in as ", h("strong", {}, `@${user.username}`)),
    h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
  );
}
