// Bundles the pages (main.ts, the SDK and the Connect runtime) into
// server/web/static/app.js and app.css with esbuild, pinned in the root
// package.json. The output is committed and embedded by the server, so
// `go run ./server` needs no Node; scripts/generate.sh runs this, and
// --check fails when the committed bundle differs from a fresh one.
import { build } from "esbuild";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

await build({
  absWorkingDir: root,
  entryPoints: { app: "server/web/ui/main.ts" },
  outdir: "server/web/static",
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  // Browsers with WebAssembly.instantiateStreaming, <dialog>, BigInt and
  // streaming fetch bodies.
  target: ["es2022", "chrome111", "firefox113", "safari16.4"],
  charset: "utf8",
  legalComments: "eof",
  sourcemap: false,
  logLevel: "warning",
});
