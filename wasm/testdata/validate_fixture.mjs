// Runs every case of a validation fixture through the WebAssembly validator,
// the artifact the server serves, and prints what it answered as JSON:
//
//   node validate_fixture.mjs <validate.wasm.gz> <wasm_exec.js> <fixture.json>
//
// It loads the validator the way the browser does: wasm_exec.js as a classic
// script, then the module, then it waits for signalboxValidatorReady. The Go
// test in wasm/validation compares the output with the Go validator's.
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";
import { gunzipSync } from "node:zlib";

const [wasmPath, execPath, fixturePath] = process.argv.slice(2);
if (!fixturePath) {
  console.error("usage: node validate_fixture.mjs <validate.wasm.gz> <wasm_exec.js> <fixture.json>");
  process.exit(2);
}

runInThisContext(readFileSync(execPath, "utf8"), { filename: execPath });
const go = new globalThis.Go();
const ready = new Promise((resolve) => {
  globalThis.signalboxValidatorReady = resolve;
});
const { instance } = await WebAssembly.instantiate(gunzipSync(readFileSync(wasmPath)), go.importObject);
// go.run resolves only when the program exits, which it never does.
go.run(instance);
await ready;

const fixture = JSON.parse(readFileSync(fixturePath, "utf8"));
const results = fixture.cases.map((c) => {
  const r = globalThis.signalboxValidate(c.type ?? fixture.type, JSON.stringify(c.message));
  return { name: c.name, violations: r.violations, ...(r.error ? { error: r.error } : {}) };
});
process.stdout.write(JSON.stringify({ results }) + "\n");
// The Go runtime keeps the event loop alive; the work is done.
process.exit(0);
