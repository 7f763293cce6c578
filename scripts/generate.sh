#!/usr/bin/env bash
# Regenerates gen/ from proto/ with local plugins only: buf from npm, the Go
# plugins from go.mod's tool lines. With --check it then fails if gen/ differs
# from what is committed. Where the kernel allows it, generation runs in a
# network namespace with no network at all, to prove it needs none.
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything the plugins need must be local before the network goes away.
go mod download
go build -o /dev/null google.golang.org/protobuf/cmd/protoc-gen-go connectrpc.com/connect/v2/cmd/protoc-gen-connect-go

run=(env GOPROXY=off GOFLAGS=-mod=mod npm_config_offline=true npx --no-install buf generate)
if unshare -rn true 2>/dev/null; then
  unshare -rn "${run[@]}"
else
  echo "generate: no network namespace here; generating with GOPROXY=off instead" >&2
  "${run[@]}"
fi

if [[ "${1:-}" == "--check" ]]; then
  if [[ -n "$(git status --porcelain -- gen/)" ]]; then
    git status --short -- gen/
    git diff --stat -- gen/
    echo "generate: gen/ is not what proto/ generates; run make generate and commit the result" >&2
    exit 1
  fi
fi
