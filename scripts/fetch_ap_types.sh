#!/usr/bin/env bash
# Fetches Xilinx's open-source arbitrary-precision types (ap_int.h,
# ap_fixed.h and the headers they include; Apache-2.0) for the C simulation
# of the HLS kernels in hls/. They come from the hls4ml wheel on PyPI, which
# ships them under hls4ml/templates/vivado/ap_types. Only the files under the
# Apache licence are kept (the wheel also carries vendor headers that are
# not, e.g. its hls_stream.h; hls/sim/hls_stream.h replaces that one).
#
#   scripts/fetch_ap_types.sh            # into target/ap_types
#   TOMATL_AP_TYPES=/some/dir scripts/fetch_ap_types.sh
#
# Idempotent: does nothing when ap_int.h and ap_fixed.h are already there.
set -euo pipefail

HLS4ML_VERSION=1.1.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${TOMATL_AP_TYPES:-$ROOT/target/ap_types}"

fail() {
    echo "fetch_ap_types: $*" >&2
    exit 1
}

if [ -f "$DEST/ap_int.h" ] && [ -f "$DEST/ap_fixed.h" ] && [ -f "$DEST/etc/ap_private.h" ]; then
    exit 0
fi

command -v python3 >/dev/null 2>&1 || fail "python3 is required (it runs pip to download the hls4ml wheel)"
command -v unzip >/dev/null 2>&1 || fail "unzip is required (apt-get install unzip)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/tomatl-ap-types.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch_ap_types: downloading hls4ml==$HLS4ML_VERSION from PyPI" >&2
if ! python3 -m pip download --quiet --no-deps --no-binary :none: \
    "hls4ml==$HLS4ML_VERSION" -d "$TMP/dl" >"$TMP/pip.log" 2>&1; then
    cat "$TMP/pip.log" >&2
    fail "pip download of hls4ml==$HLS4ML_VERSION failed (network, proxy or PyPI index?); set TOMATL_AP_TYPES to a folder that already holds ap_int.h"
fi
WHEEL="$(ls "$TMP"/dl/hls4ml-"$HLS4ML_VERSION"-*.whl 2>/dev/null | head -n 1)"
[ -n "$WHEEL" ] || fail "pip did not produce a hls4ml $HLS4ML_VERSION wheel in $TMP/dl"

PREFIX=hls4ml/templates/vivado/ap_types
unzip -q "$WHEEL" "$PREFIX/*" -d "$TMP/x" || fail "$WHEEL holds no $PREFIX/"

# Keep the Apache-2.0 files only, with their folder structure (etc/ap_private.h).
STAGE="$TMP/stage"
mkdir -p "$STAGE"
(
    cd "$TMP/x/$PREFIX"
    find . -type f -name '*.h' | sort | while read -r f; do
        if head -n 20 "$f" | grep -q "Licensed under the Apache License, Version 2.0"; then
            mkdir -p "$STAGE/$(dirname "$f")"
            cp "$f" "$STAGE/$f"
        fi
    done
)
for f in ap_int.h ap_fixed.h ap_common.h etc/ap_private.h; do
    [ -f "$STAGE/$f" ] || fail "$f missing from $PREFIX in $WHEEL"
done

# Move into place as a whole, so a concurrent run never sees half a folder.
mkdir -p "$(dirname "$DEST")"
if [ -f "$DEST/ap_int.h" ]; then
    exit 0
fi
rm -rf "$DEST.partial.$$"
cp -r "$STAGE" "$DEST.partial.$$"
if ! mv -T "$DEST.partial.$$" "$DEST" 2>/dev/null; then
    rm -rf "$DEST.partial.$$"
    [ -f "$DEST/ap_int.h" ] || fail "could not create $DEST (is it a non-empty folder without ap_int.h?)"
fi
echo "fetch_ap_types: headers in $DEST" >&2
