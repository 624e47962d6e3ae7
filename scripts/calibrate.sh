#!/usr/bin/env bash
# Calibrate the resource model: synthesize a grid of single-layer networks
# (dense and conv; fixed 2/4/8-bit, pow2 4-bit, binary, ternary weights;
# 4- and 8-bit inputs; 8 and 64 multipliers) with Yosys for a device family
# and write predicted against measured to boards/calibration/<family>.csv.
#
#   scripts/calibrate.sh [xilinx7|lattice_ecp5|lattice_ice40|...]   (default xilinx7)
#   scripts/calibrate.sh --placed [lattice_ecp5|lattice_ice40]
#
# With --placed, a smaller grid that fits the family's board (ulx3s-85f,
# icebreaker) is planned for the board, built with `tomatl build` (YoWASP
# Yosys, nextpnr, the board top with its UART bridge) and what nextpnr placed
# is written against the prediction to boards/calibration/<family>_placed.csv.
#
# Uses target/release/tomatl (built when missing). Measurements are cached in
# target/calibration/<family>[_placed]/ keyed by a hash of the generated RTL,
# so after a change of the resource model only the predictions are
# recomputed. JOBS (default 2) designs are synthesized or built at a time.
set -euo pipefail

placed=
if [ "${1:-}" = --placed ]; then
    placed=1
    shift
fi
family=${1:-xilinx7}
[ -z "$placed" ] || exec "$(dirname "$0")/calibrate_placed.sh" "$family"
root=$(cd "$(dirname "$0")/.." && pwd)
tomatl="$root/target/release/tomatl"
work="$root/target/calibration/$family"
csv="$root/boards/calibration/$family.csv"
jobs=${JOBS:-2}
clock=100

[ -x "$tomatl" ] || (cd "$root" && cargo build --release --locked)
command -v yosys >/dev/null || { echo "yosys not found: apt-get install -y yosys" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq not found: apt-get install -y jq" >&2; exit 1; }
mkdir -p "$work" "$(dirname "$csv")"

# A board of the family large enough for every grid point, so the requested
# rate, not the capacity, sets the fold.
cat >"$work/board.yaml" <<EOF
name: calibration-$family
vendor: calibration
family: $family
part: calibration
clock_mhz: $clock
resources: {dsp: 100000, lut: 10000000, ff: 10000000, bram_kbit: 1000000, uram_kbit: 0}
host: none
EOF

# name op arith wbits in_bits target_cycles
grid() {
    local op arith ib mults
    for op in dense conv; do
        for arith in fixed:2 fixed:4 fixed:8 pow2:4 binary:1 ternary:2; do
            for ib in 4 8; do
                for mults in 8 64; do
                    # dense: 32x32 = 1024 MACs; conv: 8x8x8 -> 8, 3x3 = 64 px x 576 MACs
                    if [ "$op" = dense ]; then cyc=$((1024 / mults)); else cyc=$((36864 / mults)); fi
                    echo "${op}_${arith%%:*}${arith##*:}_a${ib}_m${mults} $op ${arith%%:*} ${arith##*:} $ib $cyc"
                done
            done
        done
    done
}

# the network of a grid point: net_yaml op arith wbits in_bits
source "$(dirname "${BASH_SOURCE[0]}")/calibration_net.sh"

one() { # name op arith wbits in_bits cycles
    local name=$1 d="$work/$1"
    mkdir -p "$d"
    net_yaml "$2" "$3" "$4" "$5" >"$d/net.yaml"
    local fps
    fps=$(awk -v c="$clock" -v t="$6" 'BEGIN { printf "%.6f", c * 1e6 / t }')
    rm -rf "$d/out"
    "$tomatl" generate "$d/net.yaml" -o "$d/out" --board "$work/board.yaml" --fps "$fps" >/dev/null
    local key
    key=$(cd "$d/out/rtl" && cat *.v *.mem | sha256sum | cut -c1-16)
    if [ ! -s "$d/synth-$key.json" ]; then
        local start=$SECONDS
        "$tomatl" synth "$d/out" --json >"$d/synth-$key.tmp"
        mv "$d/synth-$key.tmp" "$d/synth-$key.json"
        echo "$name: $((SECONDS - start)) s" >&2
    fi
    ln -sf "synth-$key.json" "$d/synth.json"
}
export -f one net_yaml
export work clock tomatl

grid | xargs -P "$jobs" -L 1 bash -c 'one "$@"' _

# predictions come from the fresh design.json; measurements from the cache
{
    echo "name,op,arith,w_bits,in_bits,pe,simd,multipliers,pred_dsp,meas_dsp,pred_lut,meas_lut,lut_ratio,pred_ff,meas_ff,pred_bram_kbit,meas_bram_kbit"
    grid | while read -r name op arith wbits ib _; do
        d="$work/$name"
        jq -r --slurpfile s "$d/synth.json" --arg n "$name" --arg op "$op" --arg a "$arith" \
            --arg w "$wbits" --arg ib "$ib" '
            .board.predicted as $p | $s[0].measured as $m | .layers[0] as $l |
            [$n, $op, $a, $w, $ib, $l.pe, $l.simd, .multipliers,
             ($p.dsp | round), $m.dsp, ($p.lut | round), $m.lut,
             (if $m.lut > 0 then ($p.lut / $m.lut * 100 | round / 100) else "" end),
             ($p.ff | round), $m.ff, ($p.bram_bits / 1024 | round), ($m.bram_bits / 1024 | round)]
            | @csv' "$d/out/design.json"
    done
} | tr -d '"' >"$csv"

# summary: how many grid points are within 25% on DSP and LUT
awk -F, 'NR > 1 {
    n++
    dsp_ok += ($10 == 0 ? $9 == 0 : ($9 / $10 >= 0.75 && $9 / $10 <= 1.25))
    lut_ok += ($13 >= 0.75 && $13 <= 1.25)
} END { printf "%s: %d designs, DSP within 25%%: %d, LUT within 25%%: %d\n", FILENAME, n, dsp_ok, lut_ok }' "$csv"
