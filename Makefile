# tomatl: set-up, demo, tests.
#   make demo   generate the jet tagger and verify it in Verilator
#   make test   the whole test suite (unit benches, examples, random networks)

SHELL := /bin/bash
CARGO ?= cargo
TOMATL := target/release/tomatl
OUT ?= out
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TOOLS := verilator yosys iverilog

.PHONY: setup demo test verify-all bench clean

# Install the open hardware tools when any is missing (Debian/Ubuntu).
setup:
	@missing=""; for t in $(TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get install -y $(TOOLS) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y $(TOOLS); }; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@verilator --version

$(TOMATL): setup
	$(CARGO) build --release --locked

demo: $(TOMATL)
	$(TOMATL) check examples/jet_tagger.yaml
	$(TOMATL) generate examples/jet_tagger.yaml -o $(OUT)/jet_tagger --fold auto --target-cycles 64
	$(TOMATL) verify $(OUT)/jet_tagger --frames 200 --stall 0.3

test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	$(CARGO) test --locked -- --test-threads=2

# Verifications too slow for CI: every CNN example with its run time.
VERIFY_ALL := lenet:20 resnet8:3 dscnn_kws:5 mobilenet_v1_025_96:1
verify-all: $(TOMATL)
	@for ex in $(VERIFY_ALL); do \
	  net=$${ex%%:*}; frames=$${ex##*:}; \
	  $(TOMATL) generate examples/$$net.yaml -o $(OUT)/$$net >/dev/null || exit 1; \
	  start=$$(date +%s); \
	  $(TOMATL) verify $(OUT)/$$net --frames $$frames --stall 0.3 || exit 1; \
	  echo "$$net: $$(( $$(date +%s) - start )) s"; \
	done

# Generator, golden-model and simulation speed, arithmetic density: BENCH.md
bench: setup
	$(CARGO) run --release --locked --example bench

clean:
	rm -rf $(OUT) target
