# function-golden-path. Every target installs what it needs itself; tools are built from
# pinned Go modules under hack/tools and cached in .cache/bin (see hack/build-tool.sh).

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CACHE          := $(CURDIR)/.cache
BIN            := $(CACHE)/bin
CROSSPLANE     := $(BIN)/crossplane
CROSSPLANE_CORE:= $(BIN)/crossplane-core
CONTROLLER_GEN := $(BIN)/controller-gen
GOLANGCI_LINT  := $(BIN)/golangci-lint
GOFUMPT        := $(BIN)/gofumpt
FUNCTION       := $(BIN)/function-golden-path

EXAMPLE ?= example/mongodb
XR      ?= $(EXAMPLE)/xr.yaml
# Observed resources to render with, e.g. OBSERVED=example/mongodb/observed.yaml (steady state).
OBSERVED ?=
# Port the function listens on while `make render` runs (loopback only).
RENDER_PORT ?= 9443

export GOFLAGS := -buildvcs=false

.PHONY: help
help: ## Show the targets.
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

## ---- tools (built once, cached) ----
$(CROSSPLANE): hack/tools/crossplane-cli/go.mod FORCE
	hack/build-tool.sh hack/tools/crossplane-cli github.com/crossplane/cli/v2/cmd/crossplane $@
# The core's version is stamped as releases do: its package manager checks each package's
# spec.crossplane.version against it, and refuses every package when it is empty.
CROSSPLANE_CORE_VERSION := v2.4.0
$(CROSSPLANE_CORE): hack/tools/crossplane-core/go.mod FORCE
	LDFLAGS="-X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=$(CROSSPLANE_CORE_VERSION)" \
		hack/build-tool.sh hack/tools/crossplane-core github.com/crossplane/crossplane/v2/cmd/crossplane $@
$(CONTROLLER_GEN): hack/tools/dev/go.mod FORCE
	hack/build-tool.sh hack/tools/dev sigs.k8s.io/controller-tools/cmd/controller-gen $@
$(GOLANGCI_LINT): hack/tools/dev/go.mod FORCE
	hack/build-tool.sh hack/tools/dev github.com/golangci/golangci-lint/v2/cmd/golangci-lint $@
$(GOFUMPT): hack/tools/dev/go.mod FORCE
	hack/build-tool.sh hack/tools/dev mvdan.cc/gofumpt $@

.PHONY: tools
tools: $(CROSSPLANE) $(CROSSPLANE_CORE) $(CONTROLLER_GEN) ## Build the crossplane CLI, core and controller-gen.

## ---- the function ----
.PHONY: build
build: ## Build the function binary into .cache/bin.
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $(FUNCTION) .

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Regenerate the Input CRD (package/input) and each example's rbac.yaml (from the registry).
	PATH="$(BIN):$$PATH" go generate ./...

.PHONY: render
render: $(CROSSPLANE) $(CROSSPLANE_CORE) build ## Render the example XR through the real crossplane CLI (XR=… EXAMPLE=… to choose).
	hack/render.sh $(EXAMPLE) $(XR) $(RENDER_PORT) $(if $(OBSERVED),--observed-resources=$(OBSERVED))

## ---- checks ----
.PHONY: test
test: $(CROSSPLANE) $(CROSSPLANE_CORE) ## Run all tests: unit tests and real `crossplane composition render` / `resource validate` of every example.
	CROSSPLANE_CLI=$(CROSSPLANE) CROSSPLANE_CORE=$(CROSSPLANE_CORE) GOLDEN_PATH_REQUIRE_RENDER=1 \
		go test -count=1 -race ./...
	go test -run '^$$' -fuzz '^FuzzObservedState$$' -fuzztime $(TEST_FUZZTIME) .
	go test -run '^$$' -fuzz '^FuzzEveryExample$$' -fuzztime $(TEST_FUZZTIME) .
	go test -run '^$$' -fuzz '^FuzzDeletionProtection$$' -fuzztime $(TEST_FUZZTIME) ./internal/goldenpath/tenantnamespace
	go test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(TEST_FUZZTIME) ./internal/goldenpath
	go test -run '^$$' -fuzz '^FuzzEncode$$' -fuzztime $(TEST_FUZZTIME) ./internal/goldenpath
	go test -run '^$$' -fuzz '^FuzzTrimRequest$$' -fuzztime $(TEST_FUZZTIME) ./internal/goldenpath

# How much make test fuzzes each target: a count of inputs, not a duration, since Go 1.26's
# fuzzer can fail a target with "context deadline exceeded" when a duration ends while a worker
# is busy (golang/go#75804, fixed in Go 1.27). make fuzz fuzzes for FUZZTIME.
TEST_FUZZTIME ?= 3000x
FUZZTIME      ?= 10m

.PHONY: fuzz
fuzz: ## Fuzz RunFunction over mutated observed state for FUZZTIME (default 10m).
	go test -run '^$$' -fuzz '^FuzzObservedState$$' -fuzztime $(FUZZTIME) .

# make bench: calls per server and request (BENCH_N), warm-up calls (BENCH_WARMUP), the CPU both
# servers are pinned to with taskset (BENCH_CPU, default the last one), micro-benchmark -count.
BENCH_N      ?= 2000
BENCH_WARMUP ?= 200
BENCH_CPU    ?=
BENCH_COUNT  ?= 6
NOOP         := $(BIN)/function-noop

.PHONY: bench
bench: build ## Benchmarks: RunFunction in-process (time, allocations), then this function vs a no-op one over gRPC.
	cd hack/bench && go run ./gen
	go test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) .
	cd hack/bench && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $(NOOP) ./noop
	cd hack/bench && go run ./compare -function $(FUNCTION) -noop $(NOOP) -n $(BENCH_N) -warmup $(BENCH_WARMUP) $(if $(BENCH_CPU),-cpu $(BENCH_CPU))

.PHONY: lint
lint: $(GOLANGCI_LINT) $(GOFUMPT) ## golangci-lint (v2, default: all) and gofumpt.
	$(GOLANGCI_LINT) run ./...
	for m in test/e2e hack/tools/image hack/bench; do (cd $$m && $(GOLANGCI_LINT) run --config $(CURDIR)/.golangci.yml ./...); done
	test -z "$$($(GOFUMPT) -l $$(git ls-files '*.go' | grep -v '^hack/'))"

.PHONY: check-generate
check-generate: generate ## Fail if generated files are out of date.
	git diff --exit-code -- package/input example
	cd hack/bench && go run ./gen -check

## ---- packaging and the control-plane test (issue 3) ----
.PHONY: xpkg
xpkg: $(CROSSPLANE) ## Build the runtime image (no Docker) and the .xpkg into _output/.
	CROSSPLANE=$(CROSSPLANE) hack/xpkg.sh build

.PHONY: xpkg-push
xpkg-push: xpkg ## Push the .xpkg: make xpkg-push REGISTRY=registry.example.com/fns
	CROSSPLANE=$(CROSSPLANE) hack/xpkg.sh push $(REGISTRY)

.PHONY: e2e
e2e: $(CROSSPLANE) $(CROSSPLANE_CORE) ## Run the function in a real Crossplane control plane (hermetic, self-installing).
	CROSSPLANE=$(CROSSPLANE) CROSSPLANE_CORE=$(CROSSPLANE_CORE) hack/e2e.sh

.PHONY: e2e-backstage
e2e-backstage: $(CROSSPLANE) $(CROSSPLANE_CORE) ## A real Backstage backend (catalog, Kubernetes, TeraSky ingestor and crossplane-resources) against the e2e plane.
	hack/backstage/install.sh
	E2E_BACKSTAGE=1 E2E_RUN='TestPortalRBAC|TestBackstage' CROSSPLANE=$(CROSSPLANE) CROSSPLANE_CORE=$(CROSSPLANE_CORE) hack/e2e.sh

.PHONY: bench-capture
bench-capture: $(CROSSPLANE) $(CROSSPLANE_CORE) ## Record every example's steady state from the e2e plane (hack/bench/cluster), for make bench.
	E2E_RUN='^TestExamples$$' E2E_CAPTURE=$(CURDIR)/hack/bench/cluster CROSSPLANE=$(CROSSPLANE) CROSSPLANE_CORE=$(CROSSPLANE_CORE) hack/e2e.sh
	cd hack/bench && go run ./gen

# make bench-scale: the XR counts, created at once, one after the other (BENCH_SCALE).
BENCH_SCALE ?= 50,100,200

.PHONY: bench-scale
bench-scale: $(CROSSPLANE) $(CROSSPLANE_CORE) ## N MongoDB XRs at once in the real control plane: time to composed and Ready, function CPU and memory, API requests per XR.
	E2E_SCALE=$(BENCH_SCALE) E2E_RUN='^TestScale$$' E2E_TEST_TIMEOUT=90m CROSSPLANE=$(CROSSPLANE) CROSSPLANE_CORE=$(CROSSPLANE_CORE) hack/e2e.sh

# Tools rules always run hack/build-tool.sh, which rebuilds only when its stamp (go.mod and
# linker flags) changed.
.PHONY: FORCE
FORCE:
