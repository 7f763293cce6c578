# The commands a developer and CI share. `make test` is the one README names.
GO  ?= go
BUF := npx --no-install buf

.PHONY: test generate check-generated lint typecheck fuzz-smoke

# The browser test (e2e/browser_test.go) needs e2e/browser's playwright-core.
test: lint check-generated typecheck fuzz-smoke e2e/browser/node_modules/.installed
	$(GO) test -race ./...

# Every fuzz target in the repository, as package:Target, found by name so
# that a new one is smoked without being listed here.
FUZZ_TARGETS = $(shell grep -rHo --include='*_test.go' --exclude-dir=node_modules --exclude-dir=gen \
	--exclude-dir=.git --exclude-dir=testdata '^func Fuzz[A-Za-z0-9_]*' . \
	| sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz.*)|\1:\2|' | sort)
# An execution count, not a duration: with a duration, Go 1.26's fuzz
# coordinator can report its own stop at the deadline as a failure
# ("context deadline exceeded", golang/go#75804, fixed in Go 1.27).
FUZZTIME ?= 3000x

# A few thousand inputs per target, a second or two: enough to catch a target that no
# longer builds or an invariant the seed corpus already breaks.
# docs/testing.md says how to fuzz for longer. -fuzz takes one target at a
# time, and linking a test binary costs more than the fuzzing, so each
# package's instrumented binary is built once and run for each of its
# targets, from the package's directory (as go test would) and with go
# test's corpus cache.
fuzz-smoke:
	@set -e; bin=$$(mktemp -d); trap 'rm -rf "$$bin"' EXIT; \
	cache=$$($(GO) env GOCACHE)/fuzz; module=$$($(GO) list -m); \
	for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target#*:}; exe=$$bin/$$(echo "$$pkg" | tr -c 'A-Za-z0-9\n' _).test; \
		if [ ! -x "$$exe" ]; then $(GO) test -c -o "$$exe" -fuzz "^$$name\$$" "$$pkg"; fi; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		if ! out=$$(cd "$$pkg" && "$$exe" -test.run '^$$' -test.fuzz "^$$name\$$" -test.fuzztime $(FUZZTIME) \
			-test.fuzzcachedir "$$cache/$$module/$${pkg#./}" 2>&1); then echo "$$out"; exit 1; fi; \
	done

# Regenerate gen/, the TypeScript SDK's code and the web assets, the
# WebAssembly validator included (no network needed).
generate: node_modules/.installed sdk/ts/node_modules/.installed
	./scripts/generate.sh

check-generated: node_modules/.installed sdk/ts/node_modules/.installed
	./scripts/generate.sh --check

# Type-check what go vet and esbuild do not: the TypeScript SDK, the pages
# (esbuild only strips types), the end-to-end scenario's Node door (its
# @types/node is in the root package), and the WebAssembly entry point,
# which only builds for js/wasm.
typecheck: node_modules/.installed sdk/ts/node_modules/.installed
	sdk/ts/node_modules/.bin/tsc -p sdk/ts --noEmit
	sdk/ts/node_modules/.bin/tsc -p server/web/ui
	sdk/ts/node_modules/.bin/tsc -p e2e/node
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
