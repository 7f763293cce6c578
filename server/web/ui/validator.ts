// The WebAssembly validator (wasm/: the server's own rules, compiled from
// Go), run in a Web Worker so that neither its download nor its
// compilation holds up the page. The settings page starts it when idle
// (preloadValidator), well before a form needs it; until it is ready the
// form asks the server instead (ValidateStatusCheckSettings).

/** A violation as the validator reports it. */
export interface Violation {
  field: string;
  rule: string;
  message: string;
}

/** Validates protobuf JSON of a message type by its full name. */
export type Validate = (typeName: string, message: unknown) => Promise<Violation[]>;

/** Where the validator's pieces are served. */
export interface ValidatorUrls {
  validatorUrl: string;
  wasmExecUrl: string;
  validatorWorkerUrl: string;
}

let loading: Promise<Validate> | undefined;
let ready: Validate | undefined;

/** The validator if it is ready now, else undefined (and the server answers). */
export function readyValidator(): Validate | undefined {
  return ready;
}

/** Starts loading the validator when the browser is idle; once per page. */
export function preloadValidator(urls: ValidatorUrls): void {
  const go = () => void loadValidator(urls).catch(() => undefined);
  if (typeof window.requestIdleCallback === "function") window.requestIdleCallback(go, { timeout: 2000 });
  else globalThis.setTimeout(go, 0);
}

/** Starts loading (once) and resolves when validation is available. */
export function loadValidator(urls: ValidatorUrls): Promise<Validate> {
  loading ??= load(urls);
  // A failed load may be retried the next time a form opens.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

function load(urls: ValidatorUrls): Promise<Validate> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(urls.validatorWorkerUrl);
    const pending = new Map<number, { resolve: (v: Violation[]) => void; reject: (e: Error) => void }>();
    let next = 0;
    const validate: Validate = (typeName, message) =>
      new Promise((res, rej) => {
        const id = ++next;
        pending.set(id, { resolve: res, reject: rej });
        worker.postMessage({ type: "validate", id, typeName, json: JSON.stringify(message) });
      });
    worker.addEventListener("message", (event: MessageEvent) => {
      const msg = event.data as { type: string; id?: number; violations?: Violation[]; error?: string };
      switch (msg.type) {
        case "ready":
          ready = validate;
          resolve(validate);
          return;
        case "failed":
          worker.terminate();
          reject(new Error(msg.error ?? "the validator did not load"));
          return;
        case "result": {
          const p = pending.get(msg.id ?? 0);
          pending.delete(msg.id ?? 0);
          if (msg.error) p?.reject(new Error(msg.error));
          else p?.resolve(msg.violations ?? []);
          return;
        }
      }
    });
    worker.addEventListener("error", (event) => {
      worker.terminate();
      reject(new Error(event.message || "the validator's worker failed"));
    });
    worker.postMessage({ type: "load", wasmUrl: urls.validatorUrl, wasmExecUrl: urls.wasmExecUrl });
  });
}
