#!/usr/bin/env bash
# Regenerates everything that is built from sources and committed, with local
# tools only:
#   gen/                Go code from proto/ (buf from npm, the Go plugins from
#                       go.mod's tool lines);
#   sdk/ts/src/gen/     the TypeScript SDK's code from proto/signalbox/v1
#                       (protoc-gen-es from npm; buf.gen.ts.yaml);
#   server/web/static/  the pages' bundle (esbuild, server/web/ui/build.mjs)
#                       and the WebAssembly validator with wasm_exec.js
#                       (go run ./wasm/build), which the server embeds.
# With --check it then fails if any of them differs from what is committed.
# Where the kernel allows it, generation runs in a network namespace with no
# network at all, to prove it needs none.
set -euo pipefail
cd "$(dirname "$0")/.."

generated=(gen/ sdk/ts/src/gen/ server/web/static/)

# Everything the plugins need must be local before the network goes away.
go mod download
go build -o /dev/null google.golang.org/protobuf/cmd/protoc-gen-go connectrpc.com/connect/v2/cmd/protoc-gen-connect-go
for dir in node_modules/esbuild sdk/ts/node_modules/@connectrpc/connect-web; do
  if [[ ! -d "$dir" ]]; then
    echo "generate: $dir is missing; run make generate (it runs npm ci where needed)" >&2
    exit 1
  fi
done

offline=(env GOPROXY=off npm_config_offline=true)
if unshare -rn true 2>/dev/null; then
  offline=(unshare -rn "${offline[@]}")
else
  echo "generate: no network namespace here; generating with GOPROXY=off instead" >&2
fi

"${offline[@]}" env GOFLAGS=-mod=mod npx --no-install buf generate
"${offline[@]}" npx --no-install buf generate --template buf.gen.ts.yaml
"${offline[@]}" node sdk/ts/scripts/gen-index.mjs
"${offline[@]}" node server/web/ui/build.mjs
# Reproducible byte for byte with the same Go toolchain (see docs/web.md).
"${offline[@]}" go run ./wasm/build -out server/web/static

if [[ "${1:-}" == "--check" ]]; then
  if [[ -n "$(git status --porcelain -- "${generated[@]}")" ]]; then
    git status --short -- "${generated[@]}"
    git diff --stat -- "${generated[@]}"
    echo "generate: the committed files differ from what the sources generate; run make generate and commit the result" >&2
    echo "generate: (the WebAssembly validator was rebuilt with $(go env GOVERSION); a different toolchain gives different bytes)" >&2
    exit 1
  fi
fi
