// The validator's Web Worker: it loads Go's wasm_exec.js and the
// WebAssembly module (the server's own rules, see wasm/), off the
// page's thread, and answers validation requests by message. The settings
// page starts it when idle, so the module is compiled before a form opens.
//
// Messages in: {type: "load", wasmUrl, wasmExecUrl}, {type: "validate", id,
// typeName, json}. Out: {type: "ready"}, {type: "failed", error},
// {type: "result", id, violations, error?}.

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

interface Violation {
  field: string;
  rule: string;
  message: string;
}

interface WorkerScope {
  importScripts(...urls: string[]): void;
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  Go?: new () => GoRuntime;
  signalboxValidatorReady?: () => void;
  signalboxValidate?: (typeName: string, json: string) => { violations: Violation[]; error?: string };
}

const scope = globalThis as unknown as WorkerScope;
let loading: Promise<void> | undefined;

async function load(wasmUrl: string, wasmExecUrl: string): Promise<void> {
  performance.mark("signalbox-validator-load");
  // Compiling needs no imports, so it starts first and streams: the server
  // sends the file gzipped with Content-Type: application/wasm, and the
  // browser inflates and compiles it as it arrives, while wasm_exec.js loads.
  const compiling = WebAssembly.compileStreaming(fetch(wasmUrl));
  compiling.catch(() => undefined); // reported by the await below
  scope.importScripts(wasmExecUrl);
  const GoRuntime = scope.Go;
  if (!GoRuntime) throw new Error("wasm_exec.js did not define Go");
  const go = new GoRuntime();
  const ready = new Promise<void>((resolve) => {
    scope.signalboxValidatorReady = resolve;
  });
  const module = await compiling;
  performance.mark("signalbox-validator-compiled");
  const instance = await WebAssembly.instantiate(module, go.importObject);
  void go.run(instance); // resolves only when the Go program exits, which it does not
  await ready;
  // The marks let the browser test (and DevTools) split the load into
  // download and compilation, and the Go program's start.
  performance.mark("signalbox-validator-ready");
  if (!scope.signalboxValidate) throw new Error("the validator did not register itself");
}

scope.addEventListener("message", (event: MessageEvent) => {
  const msg = event.data as { type: string; id?: number; wasmUrl?: string; wasmExecUrl?: string; typeName?: string; json?: string };
  if (msg.type === "load") {
    loading ??= load(msg.wasmUrl ?? "", msg.wasmExecUrl ?? "");
    loading.then(
      () => scope.postMessage({ type: "ready" }),
      (err: unknown) => scope.postMessage({ type: "failed", error: String(err) }),
    );
    return;
  }
  if (msg.type === "validate" && scope.signalboxValidate) {
    const result = scope.signalboxValidate(msg.typeName ?? "", msg.json ?? "");
    scope.postMessage({ type: "result", id: msg.id, violations: result.violations, error: result.error });
  }
});
