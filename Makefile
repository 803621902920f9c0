# Lookout build and test entry points. `make test` is what CI runs.
GO      ?= go
BIN     ?= bin
# Packages whose tests also run as arm64 binaries under qemu: everything with
# numerics or byte layouts (cmd/lookout's end-to-end tests run on amd64 only).
ARM64_PKGS ?= ./quant/... ./kernels/... ./runtime/... ./device/...
# Pi 4 (no dotprod) and Pi 5 (dotprod) CPU models, each with the kernel set
# that must be selected on it (kernels.TestExpectedKernels fails otherwise, so
# a fast path that silently stops being applied turns CI red). qemu's default
# "max" has features no Pi has, so it is never used implicitly.
QEMU_CPUS  ?= cortex-a72:neon cortex-a76:neon-dotprod
QEMU       ?= qemu-aarch64-static
FUZZTIME   ?= 60s

.PHONY: all build cross lint test test-amd64 test-arm64 fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/lookout ./cmd/lookout

# The deployable binary: static, no cgo, for 64-bit Raspberry Pi OS / Jetson.
cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -o $(BIN)/lookout-linux-arm64 ./cmd/lookout

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

test: lint test-amd64 test-arm64

test-amd64:
	$(GO) test -count=1 ./...
	# The worker pool and the unsafe views: race detector (and checkptr).
	$(GO) test -count=1 -race -short ./kernels/ ./quant/...

# go test caches nothing when -exec is used, so QEMU_CPU cannot leak a cached
# result from one CPU model into another.
test-arm64:
	@.ci/ensure-qemu
	@for pair in $(QEMU_CPUS); do \
		cpu=$${pair%%:*}; want=$${pair#*:}; \
		echo "== arm64 tests under QEMU_CPU=$$cpu, expecting kernels $$want"; \
		QEMU_CPU=$$cpu LOOKOUT_EXPECT_KERNELS=$$want GOARCH=arm64 $(GO) test -exec $(QEMU) $(ARM64_PKGS) || exit 1; \
	done
	@echo "== arm64 tests with the pure-Go kernels (-tags purego)"
	QEMU_CPU=cortex-a72 GOARCH=arm64 $(GO) test -tags purego -exec $(QEMU) ./kernels/...

# Runs every fuzz target for FUZZTIME each (not part of `make test`).
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZTIME) ./quant/gguf/
	$(GO) test -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZTIME) ./quant/safetensors/
	$(GO) test -run='^$$' -fuzz='^FuzzIndex$$' -fuzztime=$(FUZZTIME) ./quant/safetensors/
	$(GO) test -run='^$$' -fuzz='^FuzzScanner$$' -fuzztime=$(FUZZTIME) ./quant/safetensors/
	$(GO) test -run='^$$' -fuzz='^FuzzEncode$$' -fuzztime=$(FUZZTIME) ./runtime/tokenizer/
	$(GO) test -run='^$$' -fuzz='^FuzzParseHF$$' -fuzztime=$(FUZZTIME) ./runtime/tokenizer/
	$(GO) test -run='^$$' -fuzz='^FuzzPartition$$' -fuzztime=$(FUZZTIME) ./runtime/tokenizer/
	$(GO) test -run='^$$' -fuzz='^FuzzLowercase$$' -fuzztime=$(FUZZTIME) ./runtime/tokenizer/
	$(GO) test -run='^$$' -fuzz='^FuzzAddToGGUF$$' -fuzztime=$(FUZZTIME) ./runtime/tokenizer/
	$(GO) test -run='^$$' -fuzz='^FuzzParseConfig$$' -fuzztime=$(FUZZTIME) ./quant/convert/
	$(GO) test -run='^$$' -fuzz='^FuzzParsePreprocess$$' -fuzztime=$(FUZZTIME) ./quant/convert/
	$(GO) test -run='^$$' -fuzz='^FuzzMJPEG$$' -fuzztime=$(FUZZTIME) ./device/frame/

clean:
	rm -rf $(BIN)
