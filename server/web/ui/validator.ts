// Loads the WebAssembly validator (protovalidate compiled from Go, the
// server's own rules) the first time a form needs it, and only once.

/** A violation as the validator reports it. */
export interface Violation {
  field: string;
  rule: string;
  message: string;
}

/** Validates protobuf JSON of a message type by its full name. */
export type Validate = (typeName: string, message: unknown) => Violation[];

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

declare global {
  // Defined by wasm_exec.js (Go's runtime support) and by the module.
  var Go: (new () => GoRuntime) | undefined;
  var signalboxValidatorReady: (() => void) | undefined;
  var signalboxValidate:
    | ((typeName: string, json: string) => { violations: Violation[]; error?: string })
    | undefined;
}

let loading: Promise<Validate> | undefined;

/** Starts loading (once) and resolves when validation is available. */
export function loadValidator(wasmUrl: string, wasmExecUrl: string): Promise<Validate> {
  loading ??= load(wasmUrl, wasmExecUrl);
  // A failed load may be retried the next time a form opens.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

async function load(wasmUrl: string, wasmExecUrl: string): Promise<Validate> {
  if (!globalThis.Go) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement("script");
      script.src = wasmExecUrl;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error("wasm_exec.js did not load"));
      document.head.appendChild(script);
    });
  }
  const GoRuntime = globalThis.Go;
  if (!GoRuntime) throw new Error("wasm_exec.js did not define Go");
  const go = new GoRuntime();
  const ready = new Promise<void>((resolve) => {
    globalThis.signalboxValidatorReady = resolve;
  });
  // Streaming compilation needs Content-Type: application/wasm; the server
  // sends the file gzipped and the browser inflates it as it compiles.
  const { instance } = await WebAssembly.instantiateStreaming(fetch(wasmUrl), go.importObject);
  void go.run(instance); // resolves only when the Go program exits, which it does not
  await ready;
  const validate = globalThis.signalboxValidate;
  if (!validate) throw new Error("the validator did not register itself");
  return (typeName, message) => {
    const result = validate(typeName, JSON.stringify(message));
    if (result.error) throw new Error(result.error);
    return result.violations;
  };
}
