# The commands a developer and CI share. `make test` is the one README names.
GO  ?= go
BUF := npx --no-install buf

.PHONY: test generate check-generated lint typecheck

# The browser test (e2e/browser_test.go) needs e2e/browser's playwright-core.
test: lint check-generated typecheck e2e/browser/node_modules/.installed
	$(GO) test -race ./...

# Regenerate gen/, the TypeScript SDK's code and the web assets, the
# WebAssembly validator included (no network needed).
generate: node_modules/.installed sdk/ts/node_modules/.installed
	./scripts/generate.sh

check-generated: node_modules/.installed sdk/ts/node_modules/.installed
	./scripts/generate.sh --check

# Type-check what go vet and esbuild do not: the TypeScript SDK, the pages
# (esbuild only strips types), and the WebAssembly entry point, which only
# builds for js/wasm.
typecheck: sdk/ts/node_modules/.installed
	sdk/ts/node_modules/.bin/tsc -p sdk/ts --noEmit
	sdk/ts/node_modules/.bin/tsc -p server/web/ui
	GOOS=js GOARCH=wasm $(GO) vet ./wasm

lint: node_modules/.installed
	$(BUF) lint
	$(BUF) format --diff --exit-code
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path './gen/*' -not -path './node_modules/*' -not -path '*/node_modules/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

sdk/ts/node_modules/.installed: sdk/ts/package.json sdk/ts/package-lock.json
	cd sdk/ts && npm ci --no-audit --no-fund
	touch $@

e2e/browser/node_modules/.installed: e2e/browser/package.json e2e/browser/package-lock.json
	cd e2e/browser && npm ci --no-audit --no-fund
	touch $@
