# The commands a developer and CI share. `make test` is the one README names.
GO  ?= go
BUF := npx --no-install buf

.PHONY: test generate check-generated lint

test: lint check-generated
	$(GO) test -race ./...

# Regenerate gen/ from proto/ (no network needed).
generate: node_modules/.installed
	./scripts/generate.sh

check-generated: node_modules/.installed
	./scripts/generate.sh --check

lint: node_modules/.installed
	$(BUF) lint
	$(BUF) format --diff --exit-code
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path './gen/*' -not -path './node_modules/*' -not -path '*/node_modules/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@
