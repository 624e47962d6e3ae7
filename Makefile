# tomatl: set-up, demo, tests.
#   make demo   generate the jet tagger and verify it in Verilator
#   make test   the whole test suite (unit benches, examples, random networks)

SHELL := /bin/bash
CARGO ?= cargo
TOMATL := target/release/tomatl
OUT ?= out
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TOOLS := verilator yosys iverilog

.PHONY: setup demo test verify-all lint clean

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

clean:
	rm -rf $(OUT) target
