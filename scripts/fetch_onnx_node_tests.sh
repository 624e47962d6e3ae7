#!/usr/bin/env bash
# Fetches ONNX's backend node tests (onnx/backend/test/data/node: one folder
# per test with model.onnx and test_data_set_0/{input,output}_*.pb) for
# generator/tests/onnx_conformance.rs. They come from the onnx 1.17.0 wheel
# on PyPI (later wheels no longer ship them); the data is the same in every
# platform's wheel, so any one of them serves.
#
#   scripts/fetch_onnx_node_tests.sh            # into target/onnx-node-tests
#   TOMATL_ONNX_NODE_TESTS=/some/dir scripts/fetch_onnx_node_tests.sh
#
# Idempotent and quiet: does nothing when the folder already holds the tests.
set -euo pipefail

ONNX_VERSION=1.17.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${TOMATL_ONNX_NODE_TESTS:-$ROOT/target/onnx-node-tests}"

fail() {
    echo "fetch_onnx_node_tests: $*" >&2
    exit 1
}

if [ -f "$DEST/test_relu/model.onnx" ]; then
    exit 0
fi

command -v python3 >/dev/null 2>&1 || fail "python3 is required (it runs pip to download the onnx wheel)"
command -v unzip >/dev/null 2>&1 || fail "unzip is required (apt-get install unzip)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/tomatl-onnx-tests.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch_onnx_node_tests: downloading the onnx==$ONNX_VERSION wheel from PyPI" >&2
got=""
# this machine's platform first, then a few others (the test data is the same)
for plat in "" manylinux_2_17_x86_64 manylinux_2_17_aarch64 win_amd64 macosx_12_0_universal2; do
    args=(--quiet --no-deps --only-binary=:all: -d "$TMP/dl")
    if [ -n "$plat" ]; then
        args+=(--platform "$plat" --python-version 3.12)
    fi
    if python3 -m pip download "${args[@]}" "onnx==$ONNX_VERSION" >"$TMP/pip.log" 2>&1; then
        got=1
        break
    fi
done
if [ -z "$got" ]; then
    cat "$TMP/pip.log" >&2
    fail "pip download of onnx==$ONNX_VERSION failed (network, proxy or PyPI index?); set TOMATL_ONNX_NODE_TESTS to a folder that already holds the node tests"
fi
WHEEL="$(ls "$TMP"/dl/onnx-"$ONNX_VERSION"-*.whl 2>/dev/null | head -n 1)"
[ -n "$WHEEL" ] || fail "pip did not produce an onnx $ONNX_VERSION wheel in $TMP/dl"

PREFIX=onnx/backend/test/data/node
unzip -q "$WHEEL" "$PREFIX/*" -d "$TMP/x" || fail "$WHEEL holds no $PREFIX/"
[ -f "$TMP/x/$PREFIX/test_relu/model.onnx" ] || fail "$WHEEL has no $PREFIX/test_relu"

# Move into place as a whole, so a concurrent run never sees half a folder.
mkdir -p "$(dirname "$DEST")"
if [ -f "$DEST/test_relu/model.onnx" ]; then
    exit 0
fi
rm -rf "$DEST.partial.$$"
mv "$TMP/x/$PREFIX" "$DEST.partial.$$"
if ! mv -T "$DEST.partial.$$" "$DEST" 2>/dev/null; then
    rm -rf "$DEST.partial.$$"
    [ -f "$DEST/test_relu/model.onnx" ] || fail "could not create $DEST (is it a non-empty folder without the tests?)"
fi
echo "fetch_onnx_node_tests: $(ls "$DEST" | wc -l) node tests in $DEST" >&2
