# The single-layer network of one calibration grid point, shared by
# calibrate.sh (Yosys synthesis) and calibrate_placed.sh (placed builds).
# Sourced, not run.

net_yaml() { # op arith wbits in_bits
    local op=$1 arith=$2 wbits=$3 ib=$4 w
    case $arith in
        binary | ternary) w="{arith: $arith}" ;;
        *) w="{arith: $arith, bits: $wbits}" ;;
    esac
    if [ "$op" = dense ]; then
        shape="[32]"
        layer="{name: l, op: dense, out: 32, act: relu}"
    else
        shape="[8, 8, 8]"
        layer="{name: l, op: conv, out: 8, kernel: 3, stride: 1, pad: 1, act: relu}"
    fi
    cat <<EOF
name: cal
input:
  shape: $shape
  type: {bits: $ib, signed: true, frac: 2}
params: {random: {seed: 1}}
policy:
  default:
    weights: $w
    acts: {bits: 8, signed: false, frac: 4}
layers:
  - $layer
EOF
}
