//! The one grammar of weight arithmetics (`frontend::arith`): the compact
//! form of the command line (`fixed:8`, `pow2:4`, `binary`, `ternary`,
//! comma-separated for `--menu`) and the policy form of a description
//! (`{arith: pow2, bits: 4}`) take the same specs, refuse the same ones
//! with the same words, and point at the place.

mod common;

use std::path::Path;

use common::{tomatl, TINY_NET};
use tomatl::frontend::arith::{self, ArithSpec, ARITHS};

/// What tomatl makes of `input`: a command-line flag and its value
/// (`--weights pow2:4`; `--menu` takes a list), or the weights of a
/// description's default policy (`{arith: pow2, bits: 4}`). `expected` is
/// the spec as printed (a list joined by `,`), or the error as printed.
fn check(input: &str, expected: &str) {
    let got = if input.starts_with('{') {
        let yaml = TINY_NET.replace("{arith: fixed, bits: 4}", input);
        assert_ne!(yaml, TINY_NET, "the template changed");
        match tomatl::frontend::load_str(&yaml, Path::new("net.yaml")) {
            Ok(g) => match &g.layers[0].op {
                tomatl::ir::Op::Dense(d) => ArithSpec {
                    arith: d.wtype.arith,
                    bits: d.wtype.bits,
                }
                .to_string(),
                _ => panic!("the first layer is dense"),
            },
            Err(e) => e.to_string(),
        }
    } else {
        let (flag, value) = input.split_once(' ').unwrap_or((input, ""));
        let specs = if flag == "--menu" {
            arith::parse_flag_list(flag, value)
        } else {
            arith::parse_flag(flag, value).map(|s| vec![s])
        };
        match specs {
            Ok(v) => v
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            Err(e) => e.to_string(),
        }
    };
    assert_eq!(got, expected, "input {input:?}");
}

#[test]
fn compact_specs() {
    check("--weights fixed:8", "fixed:8");
    check("--weights pow2:4", "pow2:4");
    check("--weights binary", "binary");
    check("--weights ternary", "ternary");
    check("--weights fixed:1", "fixed:1");
    check("--weights fixed:16", "fixed:16");
    check("--weights pow2:05", "pow2:5");
    check("--weights  fixed:8 ", "fixed:8");
    // the implied width may be written
    check("--weights binary:1", "binary");
    check("--weights ternary:2", "ternary");
    check(
        "--menu ternary, pow2:4,pow2:5 ,fixed:8",
        "ternary,pow2:4,pow2:5,fixed:8",
    );
}

#[test]
fn compact_refusals_point_into_the_value() {
    check(
        "--weights pow2",
        "--weights:1:1: pow2 weights need bits\n  expected: `pow2:BITS` with BITS in 2..=5",
    );
    check(
        "--pointwise fixed:17",
        "--pointwise:1:7: fixed weights of 17 bits are not supported\n  expected: bits in 1..=16 for fixed weights",
    );
    check(
        "--edges fixed:0",
        "--edges:1:7: fixed weights of 0 bits are not supported\n  expected: bits in 1..=16 for fixed weights",
    );
    check(
        "--edges fixed:99999999999999999999999",
        "--edges:1:7: fixed weights of 99999999999999999999999 bits are not supported\n  expected: bits in 1..=16 for fixed weights",
    );
    check(
        "--depthwise pow2:x",
        "--depthwise:1:6: bits `x` of pow2 weights are not a number\n  expected: bits in 2..=5 for pow2 weights",
    );
    check(
        "--depthwise pow2:",
        "--depthwise:1:6: bits `` of pow2 weights are not a number\n  expected: bits in 2..=5 for pow2 weights",
    );
    check(
        "--weights fixed:+8",
        "--weights:1:7: bits `+8` of fixed weights are not a number\n  expected: bits in 1..=16 for fixed weights",
    );
    check(
        "--weights fixed:8:2",
        "--weights:1:7: bits `8:2` of fixed weights are not a number\n  expected: bits in 1..=16 for fixed weights",
    );
    check(
        "--weights binary:2",
        "--weights:1:8: binary weights have 1 bit(s), `binary:2` is not possible\n  expected: `binary` (or `binary:1`)",
    );
    check(
        "--weights float:8",
        "--weights:1:1: unknown weight arithmetic `float`\n  expected: fixed:BITS, pow2:BITS, binary or ternary",
    );
    check(
        "--weights Fixed:8",
        "--weights:1:1: unknown weight arithmetic `Fixed`\n  expected: fixed:BITS, pow2:BITS, binary or ternary",
    );
    check(
        "--weights ",
        "--weights:1:1: no weight arithmetic is given\n  expected: fixed:BITS, pow2:BITS, binary or ternary",
    );
    // a list: the column counts from the start of the whole value
    check(
        "--menu ternary, pow2:9",
        "--menu:1:15: pow2 weights of 9 bits are not supported\n  expected: bits in 2..=5 for pow2 weights",
    );
    check(
        "--menu fixed:4,,fixed:8",
        "--menu:1:9: no weight arithmetic is given\n  expected: fixed:BITS, pow2:BITS, binary or ternary",
    );
    check(
        "--menu fixed:4,",
        "--menu:1:9: no weight arithmetic is given\n  expected: fixed:BITS, pow2:BITS, binary or ternary",
    );
    check(
        "--menu fixed:4, é, pow2",
        "--menu:1:10: unknown weight arithmetic `é`\n  expected: fixed:BITS, pow2:BITS, binary or ternary",
    );
    check(
        "--menu fixed:8,pow2",
        "--menu:1:9: pow2 weights need bits\n  expected: `pow2:BITS` with BITS in 2..=5",
    );
    // one spec per flag: a list is not one
    check(
        "--weights fixed:8,pow2:4",
        "--weights:1:7: bits `8,pow2:4` of fixed weights are not a number\n  expected: bits in 1..=16 for fixed weights",
    );
}

#[test]
fn policy_specs_follow_the_same_rules() {
    check("{arith: fixed, bits: 8}", "fixed:8");
    check("{arith: pow2, bits: 4}", "pow2:4");
    check("{arith: binary}", "binary");
    check("{arith: binary, bits: 1}", "binary");
    check("{arith: ternary, bits: 2}", "ternary");
    check(
        "{arith: pow2}",
        "net.yaml:4:37: layer `a`: pow2 weights need `bits`\n  expected: `weights: {arith: pow2, bits: N}` under `policy.default` or `policy.layers.a`",
    );
    check(
        "{arith: pow2, bits: 9}",
        "net.yaml:4:49: layer `a`: pow2 weights of 9 bits are not supported\n  expected: bits in 2..=5 for pow2 weights",
    );
    check(
        "{arith: binary, bits: 2}",
        "net.yaml:4:51: layer `a`: binary weights have 1 bit(s), `bits: 2` is not possible\n  expected: no `bits` for binary weights (or `bits: 1`)",
    );
    check(
        "{arith: float, bits: 8}",
        "net.yaml:4:37: layer `a`: unknown weight arithmetic `float`\n  expected: one of fixed, pow2, binary, ternary",
    );
    // nothing names it: the layer's entry is the place
    check(
        "{bits: 8}",
        "net.yaml:6:5: layer `a`: no weight arithmetic is given\n  expected: `weights: {arith: fixed|pow2|binary|ternary, bits: N}` under `policy.default` or `policy.layers.a`",
    );
}

#[test]
fn every_spec_prints_to_what_parses_back() {
    let mut valid = 0;
    for a in ARITHS {
        for bits in -1..=20 {
            if let Ok(s) = ArithSpec::new(a, Some(bits)) {
                let printed = s.to_string();
                assert_eq!(ArithSpec::parse(&printed), Ok(s), "{printed}");
                assert_eq!(printed.parse::<ArithSpec>(), Ok(s));
                valid += 1;
            }
        }
        if let Ok(s) = ArithSpec::new(a, None) {
            assert_eq!(ArithSpec::parse(&s.to_string()), Ok(s));
        }
    }
    // fixed 1..=16, pow2 2..=5, binary 1, ternary 2
    assert_eq!(valid, 16 + 4 + 1 + 1);
}

#[test]
fn the_command_line_refuses_bad_specs_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("net.yaml"), TINY_NET).expect("net");
    let search = [
        "search", "net.yaml", "--calib", "x.npy", "--data", "x.npy", "--labels", "y.npy",
        "--board", "pynq-z2", "-o", "s", "--menu",
    ];
    let mut args = search.to_vec();
    args.push("ternary, pow2:9");
    let o = tomatl(&args, dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--menu:1:15: pow2 weights of 9 bits are not supported"),
        "{err}"
    );
    let o = tomatl(
        &[
            "quantize", "net.yaml", "--calib", "x.npy", "-o", "q.yaml", "--edges", "bin",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--edges:1:1: unknown weight arithmetic `bin`"),
        "{err}"
    );
    assert!(!dir.path().join("q.yaml").exists() && !dir.path().join("s").exists());
}
