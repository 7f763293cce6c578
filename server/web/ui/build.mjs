// Bundles the pages (main.ts, the SDK and the Connect runtime) into
// server/web/static/app.js and app.css, and the validator's worker into
// validator_worker.js, with esbuild, pinned in the root
// package.json. The output is committed and embedded by the server, so
// `go run ./server` needs no Node; scripts/generate.sh runs this, and
// --check fails when the committed bundle differs from a fresh one.
import { build } from "esbuild";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const common = {
  absWorkingDir: root,
  outdir: "server/web/static",
  bundle: true,
  minify: true,
  platform: "browser",
  // Browsers with WebAssembly.instantiateStreaming, <dialog>, BigInt and
  // streaming fetch bodies.
  target: ["es2022", "chrome111", "firefox113", "safari16.4"],
  charset: "utf8",
  legalComments: "eof",
  sourcemap: false,
  logLevel: "warning",
};

// The pages.
await build({ ...common, entryPoints: { app: "server/web/ui/main.ts" }, format: "esm" });
// The validator's Web Worker: a classic script, so it can importScripts Go's
// wasm_exec.js.
await build({ ...common, entryPoints: { validator_worker: "server/web/ui/validator_worker.ts" }, format: "iife" });
