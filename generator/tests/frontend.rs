//! The frontend: network descriptions, the precision policy, parameters
//! (random and from .npz), quantization of floats, and .npy tensors.

use std::fs::File;
use std::path::{Path, PathBuf};

use expect_test::{expect, Expect};
use ndarray::{arr1, arr2, Array2, ArrayD, IxDyn};
use ndarray_npy::{write_npy, NpzWriter, WritableElement};
use tempfile::TempDir;
use tomatl::frontend::{self, quantize};
use tomatl::ir::{Activation, Arith, Dense, Graph, Op, TensorType, WeightType};

// ---------------------------------------------------------------- helpers

const JET: &str = "\
name: jet_tagger
input: {shape: [16], type: {bits: 8, signed: true, frac: 5}}
params: {random: {seed: 1}}
policy:
  default:
    weights: {arith: fixed, bits: 6}
    acts: {bits: 8, signed: false, frac: 5}
  layers:
    fc1: {weights: {arith: pow2, bits: 4}}
    out: {acts: {bits: 16, signed: true, frac: 8}}
layers:
  - {name: fc1, op: dense, out: 64, act: relu}
  - {name: fc2, op: dense, out: 32, act: relu}
  - {name: flat, op: flatten}
  - {name: out, op: dense, out: 5}
";

fn t(bits: u32, signed: bool, frac: i32) -> TensorType {
    TensorType::new(bits, signed, frac)
}

fn w(arith: Arith, bits: u32, frac: i32) -> WeightType {
    WeightType { arith, bits, frac }
}

fn load(yaml: &str) -> Result<Graph, String> {
    frontend::load_str(yaml, Path::new("net.yaml")).map_err(|e| e.to_string())
}

fn dense(g: &Graph, name: &str) -> Dense {
    match g.layers.iter().find(|l| l.name == name).map(|l| &l.op) {
        Some(Op::Dense(d)) => d.clone(),
        other => panic!("layer {name} is not dense: {other:?}"),
    }
}

/// One line per layer: name op in_shape->out_shape in_type->out_type
/// [weights act acc_bits].
fn summary(g: &Graph) -> String {
    let mut s = format!("{} {:?} {}\n", g.name, g.input_shape, g.input_type.short());
    for l in &g.layers {
        s += &format!(
            "{} {} {:?}->{:?} {}->{}",
            l.name,
            l.op.kind(),
            l.in_shape,
            l.out_shape,
            l.in_type.short(),
            l.out_type.short()
        );
        if let Op::Dense(d) = &l.op {
            s += &format!(
                " {}/{}/f{} {} acc{}",
                d.wtype.arith.name(),
                d.wtype.bits,
                d.wtype.frac,
                d.act.name(),
                d.acc_bits
            );
        }
        s += "\n";
    }
    s
}

/// A good description loads and summarises as expected.
fn check_ok(yaml: &str, expected: Expect) {
    match load(yaml) {
        Ok(g) => expected.assert_eq(&summary(&g)),
        Err(e) => panic!("unexpected error:\n{e}\n--- yaml:\n{yaml}"),
    }
}

/// A bad description fails with a message containing every fragment.
fn check_err(yaml: &str, fragments: &[&str]) {
    match load(yaml) {
        Ok(g) => panic!(
            "expected an error, got:\n{}\n--- yaml:\n{yaml}",
            summary(&g)
        ),
        Err(msg) => check_msg(&msg, fragments, yaml),
    }
}

fn check_msg(msg: &str, fragments: &[&str], context: &str) {
    for f in fragments {
        assert!(
            msg.contains(f),
            "message lacks {f:?}:\n{msg}\n--- input:\n{context}"
        );
    }
}

/// A one-layer network around a policy and layer line, input s8.0 [4].
fn one_layer(policy: &str, layer: &str) -> String {
    format!(
        "name: n\ninput: {{shape: [4], type: {{bits: 8, signed: true, frac: 0}}}}\n\
         params: {{random: {{seed: 3}}}}\npolicy:\n{policy}\nlayers:\n  - {layer}\n"
    )
}

// ------------------------------------------------------------- good cases

#[test]
fn jet_tagger_shapes_types_and_accumulators() {
    check_ok(
        JET,
        expect![[r#"
            jet_tagger [16] s8.5
            fc1 dense [16]->[64] s8.5->u8.5 pow2/4/f6 relu acc17
            fc2 dense [64]->[32] u8.5->u8.5 fixed/6/f5 relu acc19
            flat flatten [32]->[32] u8.5->u8.5
            out dense [32]->[5] u8.5->s16.8 fixed/6/f5 none acc18
        "#]],
    );
    let g = load(JET).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(g.input_type, t(8, true, 5));
    assert_eq!(g.output_shape(), &[5]);
    assert_eq!(g.output_type(), t(16, true, 8));
    assert_eq!(dense(&g, "fc1").wtype, w(Arith::Pow2, 4, 6));
    assert_eq!(dense(&g, "fc1").act, Activation::Relu);
    assert_eq!(dense(&g, "out").act, Activation::None);
}

#[test]
fn flatten_after_a_3d_input() {
    check_ok(
        "name: img\n\
         input: {shape: [4, 4, 3], type: {bits: 4, signed: false, frac: 4}}\n\
         params: {random: {seed: 9}}\n\
         policy: {default: {weights: {arith: ternary}, acts: {bits: 6, signed: true, frac: 2}}}\n\
         layers:\n\
         \x20 - {name: flat, op: flatten, from: [input]}\n\
         \x20 - {name: fc, op: dense, out: 3, act: relu6, from: [flat]}\n",
        expect![[r#"
            img [4, 4, 3] u4.4
            flat flatten [4, 4, 3]->[48] u4.4->u4.4
            fc dense [48]->[3] u4.4->s6.2 ternary/2/f0 relu6 acc10
        "#]],
    );
}

/// (policy, layer line, expected weight type, expected output type)
fn check_policy(policy: &str, layer: &str, wt: WeightType, out: TensorType) {
    let yaml = one_layer(policy, layer);
    let g = load(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let l = &g.layers[0];
    assert_eq!((dense(&g, &l.name).wtype, l.out_type), (wt, out), "{yaml}");
}

#[test]
fn policy_merge_rules() {
    let d = "  default:\n    weights: {arith: fixed, bits: 6, frac: 3}\n    acts: {bits: 8, signed: false, frac: 5}\n";
    let fc = "{name: fc, op: dense, out: 2}";
    // the default alone
    check_policy(d, fc, w(Arith::Fixed, 6, 3), t(8, false, 5));
    // weights without arith refine the default field by field
    check_policy(
        &format!("{d}  layers:\n    fc: {{weights: {{bits: 4}}}}"),
        fc,
        w(Arith::Fixed, 4, 3),
        t(8, false, 5),
    );
    // weights with arith replace the default: frac back to its default
    check_policy(
        &format!("{d}  layers:\n    fc: {{weights: {{arith: fixed, bits: 4}}}}"),
        fc,
        w(Arith::Fixed, 4, 3),
        t(8, false, 5),
    );
    check_policy(
        &format!("{d}  layers:\n    fc: {{weights: {{arith: pow2, bits: 5}}}}"),
        fc,
        w(Arith::Pow2, 5, 14),
        t(8, false, 5),
    );
    // binary/ternary imply their bits, and the default's bits do not leak
    check_policy(
        &format!("{d}  layers:\n    fc: {{weights: {{arith: binary}}}}"),
        fc,
        w(Arith::Binary, 1, 0),
        t(8, false, 5),
    );
    check_policy(
        &format!("{d}  layers:\n    fc: {{weights: {{arith: ternary, bits: 2, frac: -1}}}}"),
        fc,
        w(Arith::Ternary, 2, -1),
        t(8, false, 5),
    );
    // acts merge field by field
    check_policy(
        &format!("{d}  layers:\n    fc: {{acts: {{signed: true}}}}"),
        fc,
        w(Arith::Fixed, 6, 3),
        t(8, true, 5),
    );
    check_policy(
        &format!("{d}  layers:\n    fc: {{acts: {{bits: 16, frac: -2}}}}"),
        fc,
        w(Arith::Fixed, 6, 3),
        t(16, false, -2),
    );
    // no default at all: the layer's own entry is complete
    check_policy(
        "  layers:\n    fc:\n      weights: {arith: fixed, bits: 16}\n      acts: {bits: 2, signed: true, frac: 0}",
        fc,
        w(Arith::Fixed, 16, 15),
        t(2, true, 0),
    );
}

#[test]
fn weight_frac_defaults() {
    for (arith, bits, frac) in [
        (Arith::Fixed, 1, 0),
        (Arith::Fixed, 8, 7),
        (Arith::Pow2, 2, 0),
        (Arith::Pow2, 3, 2),
        (Arith::Pow2, 4, 6),
        (Arith::Binary, 1, 0),
        (Arith::Ternary, 2, 0),
    ] {
        let weights = match arith {
            Arith::Binary | Arith::Ternary => format!("{{arith: {}}}", arith.name()),
            _ => format!("{{arith: {}, bits: {bits}}}", arith.name()),
        };
        check_policy(
            &format!(
                "  default:\n    weights: {weights}\n    acts: {{bits: 8, signed: true, frac: 0}}"
            ),
            "{name: fc, op: dense, out: 2}",
            w(arith, bits, frac),
            t(8, true, 0),
        );
    }
}

// ---------------------------------------------------------- random params

fn codes_of(g: &Graph) -> Vec<(Vec<i64>, Vec<i64>)> {
    g.layers
        .iter()
        .filter_map(|l| match &l.op {
            Op::Dense(d) => Some((d.codes.iter().copied().collect(), d.bias.to_vec())),
            Op::Conv(c) => Some((c.codes.iter().copied().collect(), c.bias.to_vec())),
            _ => None,
        })
        .collect()
}

#[test]
fn random_params_are_deterministic_and_legal() {
    let a = load(JET).unwrap_or_else(|e| panic!("{e}"));
    let b = load(JET).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(codes_of(&a), codes_of(&b));
    let c = load(&JET.replace("seed: 1", "seed: 2")).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(codes_of(&a), codes_of(&c));

    for l in &a.layers {
        if let Op::Dense(d) = &l.op {
            let (lo, hi) = d.wtype.code_range();
            assert!(
                d.codes.iter().all(|&c| (lo..=hi).contains(&c)),
                "{}",
                l.name
            );
            if d.codes.len() >= 1000 {
                // every legal code is drawn in a layer this size
                assert_eq!(d.codes.iter().min(), Some(&lo), "{}", l.name);
                assert_eq!(d.codes.iter().max(), Some(&hi), "{}", l.name);
            }
            let acc_frac = l.in_type.frac + d.wtype.frac;
            let e = (acc_frac - l.out_type.frac).max(0) + l.out_type.bits as i32 - 3;
            let bound = 1i64 << e.max(0);
            assert!(d.bias.iter().all(|b| b.abs() <= bound), "{}", l.name);
        }
    }
    // the draws do not depend on anything but the seed and the layers
    expect![[r#"
        fc1 w[0..8]=[1, 11, 5, 2, 5, 8, 7, 14] b[0..4]=[1274, 1617, -1112, 1571]
        fc2 w[0..8]=[3, 16, 13, 25, -28, 19, 30, 7] b[0..4]=[-990, -325, -83, -655]
        out w[0..8]=[-30, -12, 28, -2, 10, 18, -7, 16] b[0..4]=[-29245, -22458, -7976, -29024]
    "#]]
    .assert_eq(&snapshot(&a));
}

fn snapshot(g: &Graph) -> String {
    let mut s = String::new();
    for l in &g.layers {
        if let Op::Dense(d) = &l.op {
            let w: Vec<i64> = d.codes.iter().take(8).copied().collect();
            let b: Vec<i64> = d.bias.iter().take(4).copied().collect();
            s += &format!("{} w[0..8]={w:?} b[0..4]={b:?}\n", l.name);
        }
    }
    s
}

#[test]
fn random_binary_and_ternary_codes() {
    let yaml = one_layer(
        "  default:\n    weights: {arith: binary}\n    acts: {bits: 8, signed: true, frac: 0}\n  layers:\n    t: {weights: {arith: ternary}}",
        "{name: b, op: dense, out: 16}\n  - {name: t, op: dense, out: 16}",
    );
    let g = load(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let set = |d: &Dense| {
        let mut v: Vec<i64> = d.codes.iter().copied().collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(set(&dense(&g, "b")), vec![0, 1]);
    assert_eq!(set(&dense(&g, "t")), vec![-1, 0, 1]);
}

// ------------------------------------------------------------ quantization

/// (weight type, real weight, expected code)
fn check_quant(wt: WeightType, x: f64, code: i64) {
    assert_eq!(
        quantize::weight_code(x, &wt),
        code,
        "{} frac {}: {x}",
        wt.short(),
        wt.frac
    );
}

#[test]
fn fixed_quantization_rounds_half_up_and_saturates() {
    let f = w(Arith::Fixed, 4, 1); // codes -8..=7, step 0.5
    for (x, c) in [
        (0.0, 0),
        (0.24, 0),
        (0.25, 1),   // 0.5 -> 1
        (1.25, 3),   // 2.5 -> 3
        (-1.25, -2), // -2.5 -> -2
        (-1.26, -3),
        (-0.25, 0), // -0.5 -> 0
        (3.5, 7),
        (3.75, 7),
        (100.0, 7),
        (-4.0, -8),
        (-100.0, -8),
    ] {
        check_quant(f, x, c);
    }
    check_quant(w(Arith::Fixed, 8, -2), 6.0, 2); // 1.5 -> 2
    check_quant(w(Arith::Fixed, 8, -2), -6.0, -1); // -1.5 -> -1
}

#[test]
fn pow2_quantization_thresholds_and_ties() {
    // bits 4: magnitudes m 0..=7, values 0, 1, 2, 4, ..., 64; sign bit 8
    let p = w(Arith::Pow2, 4, 0);
    for (x, c) in [
        (0.0, 0),
        (0.49, 0),
        (0.5, 1), // tie between 0 and 1 -> 1
        (1.0, 1),
        (1.49, 1),
        (1.5, 2), // tie between 1 and 2 -> 2
        (2.99, 2),
        (3.0, 3), // tie between 2 and 4 -> 4 (m = 3)
        (5.99, 3),
        (6.0, 4),
        (48.0, 7), // tie between 32 and 64
        (47.9, 6),
        (1000.0, 7), // saturates at the largest
        (-0.49, 0),  // rounds to zero: code 0, no sign
        (-0.5, 8 | 1),
        (-3.0, 8 | 3),
        (-1e9, 8 | 7),
    ] {
        check_quant(p, x, c);
    }
    // frac scales before rounding: with frac 6, 1.0 is 64 (m = 7)
    check_quant(w(Arith::Pow2, 4, 6), 1.0, 7);
    check_quant(w(Arith::Pow2, 4, 6), -0.25, 8 | 5);
    check_quant(w(Arith::Pow2, 2, 0), 0.7, 1);
    check_quant(w(Arith::Pow2, 2, 0), -9.0, 3);
    // every code maps back to the value it was chosen for
    for m in 0..=7 {
        let v = if m == 0 { 0 } else { 1i64 << (m - 1) };
        check_quant(p, v as f64, m);
        assert_eq!(p.value(m), v);
    }
}

#[test]
fn binary_and_ternary_quantization() {
    let b = w(Arith::Binary, 1, 0);
    for (x, c) in [
        (0.0, 0),
        (-0.0, 0),
        (0.3, 0),
        (5.0, 0),
        (-1e-9, 1),
        (-3.0, 1),
    ] {
        check_quant(b, x, c);
    }
    let t2 = w(Arith::Ternary, 2, 0);
    for (x, c) in [
        (0.0, 0),
        (0.49, 0),
        (0.5, 1),
        (7.0, 1),
        (-0.5, 0),
        (-0.51, -1),
        (-9.0, -1),
    ] {
        check_quant(t2, x, c);
    }
    check_quant(w(Arith::Ternary, 2, 2), 0.125, 1); // 0.5 -> 1
}

#[test]
fn every_weight_value_quantizes_back_to_itself() {
    for wt in [
        w(Arith::Fixed, 1, 0),
        w(Arith::Fixed, 5, 4),
        w(Arith::Fixed, 16, -3),
        w(Arith::Pow2, 2, 0),
        w(Arith::Pow2, 5, 14),
        w(Arith::Pow2, 3, -2),
        w(Arith::Binary, 1, 0),
        w(Arith::Ternary, 2, 5),
    ] {
        let (lo, hi) = wt.code_range();
        for c in lo..=hi {
            let real = wt.value(c) as f64 * 2f64.powi(-wt.frac);
            let back = quantize::weight_code(real, &wt);
            assert_eq!(wt.value(back), wt.value(c), "{wt:?} code {c} ({real})");
        }
    }
}

proptest::proptest! {
    /// The float rule agrees with the integer rounding of the numerics
    /// contract: `x = q / 2^s` rounds like `round_shift(q, s)`.
    #[test]
    fn float_rounding_matches_integer_rounding(q in -(1i64 << 40)..(1i64 << 40), s in 0i32..12) {
        let x = q as f64 / 2f64.powi(s);
        let wide = t(63, true, 0);
        proptest::prop_assert_eq!(
            quantize::tensor_code(x, &wide),
            tomatl::ir::numerics::round_shift(q, s)
        );
    }
}

// ----------------------------------------------------------- .npz weights

enum Arr {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
    I8(ArrayD<i8>),
    I64(ArrayD<i64>),
    U8(ArrayD<u8>),
}

fn dyn_arr<T>(v: Vec<T>, shape: &[usize]) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap_or_else(|e| panic!("{e}"))
}

fn write_npz(path: &Path, arrays: &[(&str, Arr)]) {
    let mut npz = NpzWriter::new(File::create(path).unwrap_or_else(|e| panic!("{e}")));
    for (name, a) in arrays {
        let r = match a {
            Arr::F32(a) => npz.add_array(*name, a),
            Arr::F64(a) => npz.add_array(*name, a),
            Arr::I8(a) => npz.add_array(*name, a),
            Arr::I64(a) => npz.add_array(*name, a),
            Arr::U8(a) => npz.add_array(*name, a),
        };
        r.unwrap_or_else(|e| panic!("{e}"));
    }
    npz.finish().unwrap_or_else(|e| panic!("{e}"));
}

/// A two-layer net (4 → 3 → 2) whose parameters come from `w.npz` next to
/// the description; returns the temp dir and the YAML path.
fn npz_net(policy: &str, arrays: &[(&str, Arr)]) -> (TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_npz(&dir.path().join("w.npz"), arrays);
    let yaml = format!(
        "name: n\n\
         input: {{shape: [4], type: {{bits: 8, signed: true, frac: 0}}}}\n\
         params: {{file: w.npz}}\n\
         policy:\n{policy}\n\
         layers:\n\
         \x20 - {{name: a, op: dense, out: 3}}\n\
         \x20 - {{name: b, op: dense, out: 2}}\n"
    );
    let path = dir.path().join("net.yaml");
    std::fs::write(&path, &yaml).unwrap_or_else(|e| panic!("{e}"));
    (dir, path, yaml)
}

const FIXED8: &str = "  default:\n    weights: {arith: fixed, bits: 8, frac: 0}\n    acts: {bits: 8, signed: true, frac: 0}";

/// Loads and returns the graph, or panics with the message.
fn check_npz_ok(policy: &str, arrays: &[(&str, Arr)]) -> Graph {
    let (_dir, path, yaml) = npz_net(policy, arrays);
    frontend::load(&path).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// Fails with every fragment (`{dir}` is replaced by the temp dir).
fn check_npz_err(policy: &str, arrays: &[(&str, Arr)], fragments: &[&str]) {
    let (dir, path, yaml) = npz_net(policy, arrays);
    match frontend::load(&path) {
        Ok(g) => panic!("expected an error, got:\n{}", summary(&g)),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            let d = dir.path().display().to_string();
            let owned: Vec<String> = fragments.iter().map(|f| f.replace("{dir}", &d)).collect();
            let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
            check_msg(&e.to_string(), &refs, &yaml);
        }
    }
}

fn int_a(v: Vec<i64>) -> Arr {
    Arr::I64(dyn_arr(v, &[3, 4]))
}

fn int_b(v: Vec<i8>) -> Arr {
    Arr::I8(dyn_arr(v, &[2, 3]))
}

#[test]
fn npz_integer_codes_are_taken_as_they_are() {
    let g = check_npz_ok(
        FIXED8,
        &[
            (
                "a.weight",
                int_a(vec![1, -1, 0, 0, -128, 0, 0, 0, 127, 127, 127, 127]),
            ),
            ("a.bias", Arr::I64(dyn_arr(vec![0, 0, -5], &[3]))),
            ("b.weight", int_b(vec![1, 2, 3, -4, -5, -6])),
        ],
    );
    let a = dense(&g, "a");
    assert_eq!(a.codes.row(0).to_vec(), vec![1, -1, 0, 0]);
    assert_eq!(a.bias, arr1(&[0, 0, -5]));
    // row 0: [-255, 255] -> 9 bits; row 1: -128·-128 = 16384 -> 16 bits;
    // row 2: 4·127·[-128, 127] - 5 -> [-65029, 64511] -> 17 bits
    assert_eq!(a.acc_bits, 17);
    let b = dense(&g, "b");
    assert_eq!(b.codes, arr2(&[[1, 2, 3], [-4, -5, -6]]));
    assert_eq!(b.bias, arr1(&[0, 0])); // no bias array: zeros
                                       // inputs s8 [-128, 127], row 1: 15·[-128, 127] -> [-1905, 1920] -> 12 bits
    assert_eq!(b.acc_bits, 12);
}

#[test]
fn npz_integer_pow2_codes_and_unsigned_dtypes() {
    let g = check_npz_ok(
        "  default:\n    weights: {arith: pow2, bits: 3, frac: 0}\n    acts: {bits: 8, signed: true, frac: 0}",
        &[
            ("a.weight", Arr::U8(dyn_arr(vec![0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0], &[3, 4]))),
            ("b.weight", int_b(vec![7, 7, 7, 3, 3, 3])),
        ],
    );
    let a = dense(&g, "a");
    assert_eq!(a.values().row(0).to_vec(), vec![0, 1, 2, 4]);
    assert_eq!(a.values().row(1).to_vec(), vec![0, -1, -2, -4]);
}

#[test]
fn npz_floats_are_quantized_by_the_policy() {
    // layer a: fixed 8 bits, frac 2 (acc frac 0 + 2 = 2); b: pow2 4 bits frac 0
    let policy = "  default:\n    weights: {arith: fixed, bits: 8, frac: 2}\n    acts: {bits: 8, signed: true, frac: 1}\n  layers:\n    b: {weights: {arith: pow2, bits: 4, frac: 0}}";
    let g = check_npz_ok(
        policy,
        &[
            (
                "a.weight",
                Arr::F32(dyn_arr(
                    vec![
                        0.125, -0.125, 0.375, -0.375, 100.0, -100.0, 0.0, 1.0, 0.1, -0.1, 0.6, -0.6,
                    ],
                    &[3, 4],
                )),
            ),
            ("a.bias", Arr::F64(dyn_arr(vec![0.125, -0.125, 1.3], &[3]))),
            (
                "b.weight",
                Arr::F64(dyn_arr(vec![3.0, -3.0, 1.4, 0.0, 0.4, 70.0], &[2, 3])),
            ),
            ("b.bias", Arr::I64(dyn_arr(vec![-7, 9], &[2]))),
        ],
    );
    let a = dense(&g, "a");
    // w·4 rounded half up: 0.5 -> 1, -0.5 -> 0, 1.5 -> 2, -1.5 -> -1;
    // saturation at ±127/-128; 0.4 -> 0, -0.4 -> 0, 2.4 -> 2, -2.4 -> -2
    assert_eq!(
        a.codes,
        arr2(&[[1, 0, 2, -1], [127, -128, 0, 4], [0, 0, 2, -2]])
    );
    // bias at acc frac 2: 0.5 -> 1, -0.5 -> 0, 5.2 -> 5
    assert_eq!(a.bias, arr1(&[1, 0, 5]));
    let b = dense(&g, "b");
    assert_eq!(b.values(), arr2(&[[4, -4, 1], [0, 0, 64]]));
    assert_eq!(b.bias, arr1(&[-7, 9])); // integers: already at acc frac
}

#[test]
fn npz_errors_name_the_file_array_and_layer() {
    let wa = || int_a(vec![0; 12]);
    let wb = || int_b(vec![0; 6]);
    // shape mismatch
    check_npz_err(
        FIXED8,
        &[
            ("a.weight", Arr::I64(dyn_arr(vec![0; 12], &[4, 3]))),
            ("b.weight", wb()),
        ],
        &[
            "{dir}/w.npz: layer `a`: array `a.weight` has shape [4, 3]",
            "expected: shape [3, 4] ([out, in])",
        ],
    );
    check_npz_err(
        FIXED8,
        &[
            ("a.weight", wa()),
            ("a.bias", Arr::I64(dyn_arr(vec![0; 2], &[2]))),
            ("b.weight", wb()),
        ],
        &[
            "w.npz: layer `a`: array `a.bias` has shape [2]",
            "expected: shape [3] ([out])",
        ],
    );
    // missing weight array
    check_npz_err(
        FIXED8,
        &[("a.weight", wa())],
        &[
            "w.npz: layer `b`: missing array `b.weight`",
            "expected: `b.weight` of shape [2, 3]",
        ],
    );
    // arrays of no layer (a typo guard)
    check_npz_err(
        FIXED8,
        &[("a.weight", wa()), ("b.weight", wb()), ("c.weight", wb())],
        &[
            "w.npz: array `c.weight` is for layer `c`, which is not in the network",
            "a, b",
        ],
    );
    check_npz_err(
        FIXED8,
        &[("a.weight", wa()), ("b.weight", wb()), ("b.weights", wb())],
        &[
            "w.npz: unexpected array `b.weights`",
            "expected: arrays `<layer>.weight`",
        ],
    );
    // NaN / Inf with the first bad index
    let mut v = vec![0.5f32; 12];
    v[6] = f32::NAN;
    v[9] = f32::NAN;
    check_npz_err(
        FIXED8,
        &[
            ("a.weight", Arr::F32(dyn_arr(v, &[3, 4]))),
            ("b.weight", wb()),
        ],
        &[
            "w.npz: layer `a`: array `a.weight` has NaN at index [1, 2]",
            "expected: finite numbers",
        ],
    );
    check_npz_err(
        FIXED8,
        &[
            ("a.weight", wa()),
            (
                "a.bias",
                Arr::F64(dyn_arr(vec![0.0, f64::NEG_INFINITY, 0.0], &[3])),
            ),
            ("b.weight", wb()),
        ],
        &["layer `a`: array `a.bias` has -inf at index [1]"],
    );
    // out-of-range integer codes
    check_npz_err(
        "  default:\n    weights: {arith: fixed, bits: 4}\n    acts: {bits: 8, signed: true, frac: 0}",
        &[("a.weight", int_a(vec![0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0])), ("b.weight", wb())],
        &["layer `a`: array `a.weight` has code 8 at index [1, 1], out of range", "expected: codes in -8..=7 for fixed4 weights"],
    );
    check_npz_err(
        "  default:\n    weights: {arith: ternary}\n    acts: {bits: 8, signed: true, frac: 0}",
        &[
            ("a.weight", wa()),
            ("b.weight", int_b(vec![0, 0, -2, 0, 0, 0])),
        ],
        &[
            "layer `b`: array `b.weight` has code -2 at index [0, 2]",
            "-1..=1",
        ],
    );
    // an accumulator too wide: bias of 2^62 on 8-bit inputs
    check_npz_err(
        FIXED8,
        &[
            ("a.weight", wa()),
            ("a.bias", Arr::I64(dyn_arr(vec![0, 1 << 62, 0], &[3]))),
            ("b.weight", wb()),
        ],
        &[
            "net.yaml:9:5: layer `a`: the accumulator needs 64 bits",
            "at most 62 bits",
        ],
    );
}

#[test]
fn missing_weight_file_names_path_and_yaml_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("net.yaml");
    let yaml = format!("{FIXED8}\n").replace("  default", "policy:\n  default");
    let yaml = format!(
        "name: n\ninput: {{shape: [4], type: {{bits: 8, signed: true, frac: 0}}}}\nparams: {{file: weights/none.npz}}\n{yaml}layers:\n  - {{name: a, op: dense, out: 3}}\n"
    );
    std::fs::write(&path, &yaml).unwrap_or_else(|e| panic!("{e}"));
    let e = frontend::load(&path)
        .err()
        .unwrap_or_else(|| panic!("loaded"));
    let msg = e.to_string();
    let d = dir.path().display().to_string();
    check_msg(
        &msg,
        &[
            "net.yaml:3:16:",
            &format!("cannot open weight file `{d}/weights/none.npz`"),
            "expected: an existing .npz file",
        ],
        &yaml,
    );
}

// ------------------------------------------------------------ .npy tensors

#[test]
fn tensors_round_trip_with_the_smallest_dtype() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (ty, shape, lo, hi, dtype) in [
        (t(8, true, 0), vec![2, 3], -128, 127, "'|i1'"),
        (t(3, false, 2), vec![6], 0, 7, "'|u1'"),
        (t(12, true, 4), vec![3, 1, 2], -2048, 2047, "'<i2'"),
        (t(16, false, 0), vec![6], 0, 65535, "'<u2'"),
        (t(24, true, 0), vec![6], -(1 << 23), (1 << 23) - 1, "'<i4'"),
    ] {
        let codes = Array2::from_shape_fn((4, 6), |(f, i)| {
            let k = (f * 6 + i) as i64;
            match k % 3 {
                0 => lo,
                1 => hi,
                _ => lo + (k * 7919) % (hi - lo + 1),
            }
        });
        let p = dir.path().join(format!("x{}.npy", ty.short()));
        frontend::write_tensor(&p, &codes, &shape, &ty).unwrap_or_else(|e| panic!("{e}"));
        let header = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
        let header = String::from_utf8_lossy(&header[..128.min(header.len())]).to_string();
        assert!(header.contains(dtype), "{} -> {header}", ty.short());
        let mut full = vec![4];
        full.extend(&shape);
        let dims: Vec<String> = full.iter().map(|d| d.to_string()).collect();
        let want = if full.len() == 2 {
            format!("({},)", dims.join(", ")).replace(",)", ")")
        } else {
            format!("({})", dims.join(", "))
        };
        assert!(
            header.contains(&want),
            "{} shape {want}: {header}",
            ty.short()
        );
        let back = frontend::read_tensor(&p, &shape, &ty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, codes, "{}", ty.short());
    }
}

fn write_arr<T: WritableElement>(p: &Path, v: Vec<T>, shape: &[usize]) {
    write_npy(p, &dyn_arr(v, shape)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn tensors_float_inputs_are_quantized() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("x.npy");
    let ty = t(8, true, 2);
    write_arr(
        &p,
        vec![
            0.125f64,
            -0.125,
            0.375,
            -0.375,
            1e6,
            -1e6,
            f64::INFINITY,
            0.3,
        ],
        &[2, 4],
    );
    let x = frontend::read_tensor(&p, &[4], &ty).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(x, arr2(&[[1, 0, 2, -1], [127, -128, 127, 1]]));
    // f32, unsigned type, 3-D tensors given flat or shaped
    let u = t(4, false, 0);
    write_arr(&p, vec![-3.0f32, 0.5, 2.49, 99.0], &[1, 2, 1, 2]);
    let x = frontend::read_tensor(&p, &[2, 1, 2], &u).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(x, arr2(&[[0, 1, 2, 15]]));
    write_arr(&p, vec![-3.0f32, 0.5, 2.49, 99.0], &[1, 4]);
    let x = frontend::read_tensor(&p, &[2, 1, 2], &u).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(x, arr2(&[[0, 1, 2, 15]]));
}

/// (array writer, shape, type, message fragments)
fn check_tensor_err(
    write: impl FnOnce(&Path),
    shape: &[usize],
    ty: TensorType,
    fragments: &[&str],
) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("x.npy");
    write(&p);
    match frontend::read_tensor(&p, shape, &ty) {
        Ok(x) => panic!("expected an error, got {x:?}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            check_msg(&e.to_string(), fragments, "");
        }
    }
}

#[test]
fn tensor_errors() {
    check_tensor_err(
        |p| write_arr(p, vec![0i8; 10], &[2, 5]),
        &[4],
        t(8, true, 0),
        &[
            "x.npy: array has shape [2, 5]",
            "expected: shape [frames, 4]",
        ],
    );
    check_tensor_err(
        |p| write_arr(p, vec![0i8; 12], &[12]),
        &[2, 2, 3],
        t(8, true, 0),
        &[
            "array has shape [12]",
            "expected: shape [frames, 2, 2, 3] or [frames, 12]",
        ],
    );
    check_tensor_err(
        |p| write_arr(p, vec![0i16, 5, 300, 2], &[1, 4]),
        &[4],
        t(8, true, 0),
        &[
            "x.npy: code 300 at index [0, 2] is out of range for type s8.0",
            "expected: codes in -128..=127",
        ],
    );
    check_tensor_err(
        |p| write_arr(p, vec![0u8, 16, 3, 2], &[2, 2]),
        &[2],
        t(4, false, 0),
        &["code 16 at index [0, 1]", "codes in 0..=15"],
    );
    check_tensor_err(
        |p| write_arr(p, vec![0i32, -1], &[1, 2]),
        &[2],
        t(4, false, 0),
        &["code -1 at index [0, 1]"],
    );
    check_tensor_err(
        |p| write_arr(p, vec![0.0f32, 1.0, f32::NAN, 2.0], &[2, 2]),
        &[2],
        t(8, true, 0),
        &["x.npy: NaN at index [1, 0]"],
    );
    check_tensor_err(
        |_| {},
        &[2],
        t(8, true, 0),
        &["x.npy: cannot read tensor file"],
    );
    check_tensor_err(
        |p| std::fs::write(p, b"not numpy").unwrap_or_else(|e| panic!("{e}")),
        &[2],
        t(8, true, 0),
        &["x.npy: not a readable .npy file"],
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn malformed_yaml() {
    check_err(
        "name: n\nlayers:\n  - {name: fc1, op: dense, out: 3\n",
        &["net.yaml:3:5: ", "unclosed bracket"],
    );
    check_err("name: n\ninput: [1, 2\n", &["net.yaml:2:"]);
    check_err("", &["net.yaml:1:1: "]);
    check_err(
        "name: n\ninput: {shape: 16, type: {bits: 8, signed: true, frac: 0}}\n",
        &["net.yaml:2:", "sequence"],
    );
    check_err(
        &JET.replace("out: 64", "out: lots"),
        &["net.yaml:12:33: invalid value", "expected: an integer"],
    );
    check_err(
        &JET.replace("seed: 1", "seed: -1"),
        &["net.yaml:3:", "non-negative integer"],
    );
    check_err(
        &JET.replace("name: jet_tagger\n", ""),
        &[
            "net.yaml:1:1: missing key `name`",
            "expected: `name: <identifier>`",
        ],
    );
}

#[test]
fn unknown_keys_name_the_key_and_allowed_keys() {
    check_err(
        &JET.replace("params:", "paramz:"),
        &[
            "net.yaml:3:1: unknown key `paramz`",
            "expected: one of name, input, params, policy, layers",
        ],
    );
    check_err(
        &JET.replace("bits: 6}", "bits: 6, fraq: 2}"),
        &[
            "net.yaml:6:38: unknown key `fraq`",
            "expected: one of arith, bits, frac",
        ],
    );
    check_err(
        &JET.replace("{seed: 1}", "{seed: 1, sead: 2}"),
        &["net.yaml:3:28: unknown key `sead`", "seed"],
    );
    check_err(
        &JET.replace("out: 64,", "out: 64, kernel: 3,"),
        &[
            "net.yaml:12:37: layer `fc1`: unknown key `kernel` for op `dense`",
            "expected: one of name, op, from, out, act",
        ],
    );
    check_err(
        &JET.replace("op: flatten}", "op: flatten, out: 3}"),
        &[
            "net.yaml:14:31: layer `flat`: unknown key `out` for op `flatten`",
            "expected: one of name, op, from",
        ],
    );
    check_err(
        &JET.replace("  layers:\n    fc1", "  layerz:\n    fc1"),
        &[
            "net.yaml:8:3: unknown key `layerz`",
            "expected: one of default, layers",
        ],
    );
}

#[test]
fn ops_unknown_and_misused() {
    check_err(
        &JET.replace("op: flatten", "op: flaten"),
        &[
            "net.yaml:14:22: layer `flat`: unknown op `flaten`",
            "expected: one of dense, flatten, conv",
        ],
    );
    // image ops on the 1-D output of fc2
    for op in ["conv", "dwconv", "maxpool", "avgpool", "gavgpool"] {
        check_err(
            &JET.replace("op: flatten", &format!("op: {op}")),
            &[
                &format!(
                    "net.yaml:14:22: layer `flat`: {op} needs a 3-D [height, width, channels] input, but `fc2` gives shape [32]"
                ),
                "expected: an input of shape [height, width, channels]",
            ],
        );
    }
    check_err(
        &JET.replace("op: flatten", "op: add"),
        &[
            "net.yaml:14:5: layer `flat`: add has no `from`",
            "expected: `from: [a, b]`",
        ],
    );
    check_err(
        &JET.replace(
            "{name: fc2, op: dense, out: 32, act: relu}",
            "{name: fc2, out: 32}",
        ),
        &["net.yaml:13:5: layer `fc2`: layer has no `op`"],
    );
    check_err(
        &JET.replace(
            "{name: fc2, op: dense, out: 32, act: relu}",
            "{name: fc2, op: dense}",
        ),
        &[
            "net.yaml:13:5: layer `fc2`: dense layer has no `out`",
            "expected: `out: N`",
        ],
    );
    check_err(
        &JET.replace("out: 32, act: relu", "out: 0, act: relu"),
        &["net.yaml:13:33: layer `fc2`: `out: 0` is out of range"],
    );
    check_err(
        &JET.replace("act: relu}\n  - {name: fc2", "act: tanh}\n  - {name: fc2"),
        &[
            "net.yaml:12:42: layer `fc1`: unknown activation `tanh`",
            "expected: one of none, relu, relu6",
        ],
    );
}

#[test]
fn connections_name_earlier_layers_and_leave_none_unread() {
    let l = |from: &str| {
        JET.replace(
            "{name: fc2, op: dense,",
            &format!("{{name: fc2, op: dense, from: {from},"),
        )
    };
    assert!(load(&l("[fc1]")).is_ok());
    assert!(load(&l("fc1")).is_ok());
    // reading the input leaves fc1 unread
    check_err(
        &l("[input]"),
        &[
            "net.yaml:12:12: layer `fc1`: its output is never read by a later layer",
            "expected: `fc1` in the `from` of a later layer",
        ],
    );
    check_err(
        &l("[fc1, input]"),
        &[
            "net.yaml:13:",
            "layer `fc2`: dense reads one input, `from` names 2",
            "expected: one layer or `input`, such as `from: [fc1]`",
        ],
    );
    check_err(&l("[]"), &["layer `fc2`: `from` is empty"]);
    check_err(
        &l("[fc9]"),
        &[
            "layer `fc2`: `from` names `fc9`, which does not exist",
            "expected: `input` or an earlier layer: input, fc1",
        ],
    );
    check_err(
        &l("[out]"),
        &["layer `fc2`: `from` names `out`, which is defined later (line 15)"],
    );
    check_err(
        &l("[fc2]"),
        &["layer `fc2`: `from` names `fc2`, the layer itself"],
    );
}

#[test]
fn bad_names() {
    check_err(
        &JET.replace("{name: fc2,", "{name: fc1,"),
        &[
            "net.yaml:13:12: layer name `fc1` is duplicated",
            "line 12",
            "line 13",
        ],
    );
    check_err(
        &JET.replace("name: jet_tagger", "name: jet-tagger"),
        &[
            "net.yaml:1:7: network name `jet-tagger` is not an identifier",
            "[A-Za-z_][A-Za-z0-9_]*",
        ],
    );
    check_err(
        &JET.replace("{name: fc2,", "{name: 2fc,"),
        &["net.yaml:13:12: layer name `2fc` is not an identifier"],
    );
    check_err(
        &JET.replace("{name: fc2,", "{name: \"fc 2\","),
        &["net.yaml:13:12: layer name `fc 2` is not an identifier"],
    );
    check_err(
        &JET.replace("    out: {acts", "    ou: {acts"),
        &[
            "net.yaml:10:5: policy for unknown layer `ou`",
            "expected: one of the layers: fc1, fc2, flat, out",
        ],
    );
}

#[test]
fn dense_on_a_3d_input_needs_flatten() {
    check_err(
        "name: n\n\
         input: {shape: [4, 4, 3], type: {bits: 8, signed: true, frac: 0}}\n\
         params: {random: {seed: 1}}\n\
         policy: {default: {weights: {arith: fixed, bits: 4}, acts: {bits: 8, signed: true, frac: 0}}}\n\
         layers:\n\
         \x20 - {name: fc, op: dense, out: 3}\n",
        &[
            "net.yaml:6:20: layer `fc`: dense needs a 1-D input, but `input` gives shape [4, 4, 3]",
            "expected: a `flatten` layer before `fc`",
        ],
    );
}

#[test]
fn unsupported_widths_name_layer_value_and_range() {
    let d = "  default:\n    weights: {arith: fixed, bits: 6}\n    acts: {bits: 8, signed: false, frac: 5}\n";
    let fc = "{name: fc, op: dense, out: 2}";
    let cases: &[(String, &[&str])] = &[
        (
            format!("{d}  layers:\n    fc: {{weights: {{bits: 17}}}}"),
            &[
                "net.yaml:9:26: layer `fc`: fixed weights of 17 bits are not supported",
                "expected: bits in 1..=16 for fixed weights",
            ],
        ),
        (
            format!("{d}  layers:\n    fc: {{weights: {{arith: pow2, bits: 6}}}}"),
            &[
                "net.yaml:9:39: layer `fc`: pow2 weights of 6 bits are not supported",
                "expected: bits in 2..=5 for pow2 weights",
            ],
        ),
        (
            format!("{d}  layers:\n    fc: {{acts: {{bits: 1}}}}"),
            &[
                "net.yaml:9:23: layer `fc`: output type of 1 bits is not supported",
                "expected: bits in 2..=16",
            ],
        ),
        (
            format!("{d}  layers:\n    fc: {{weights: {{arith: binary, bits: 2}}}}"),
            &[
                "layer `fc`: binary weights have 1 bit(s), `bits: 2` is not possible",
                "expected: no `bits` for binary weights",
            ],
        ),
        (
            format!("{d}  layers:\n    fc: {{weights: {{arith: ternary, bits: 3}}}}"),
            &["layer `fc`: ternary weights have 2 bit(s)"],
        ),
        (
            format!("{d}  layers:\n    fc: {{weights: {{arith: float, bits: 3}}}}"),
            &[
                "net.yaml:9:27: layer `fc`: unknown weight arithmetic `float`",
                "expected: one of fixed, pow2, binary, ternary",
            ],
        ),
        (
            format!("{d}  layers:\n    fc: {{weights: {{frac: 33}}}}"),
            &[
                "net.yaml:9:26: layer `fc`: frac 33 is out of range",
                "expected: frac in -32..=32",
            ],
        ),
        (
            format!("{d}  layers:\n    fc: {{acts: {{frac: -33}}}}"),
            &["layer `fc`: frac -33 is out of range"],
        ),
        (
            "  default:\n    acts: {bits: 8, signed: false, frac: 5}".to_string(),
            &[
                "net.yaml:8:5: layer `fc`: no weight arithmetic is given",
                "policy.layers.fc",
            ],
        ),
        (
            "  default:\n    weights: {arith: pow2}\n    acts: {bits: 8, signed: false, frac: 5}"
                .to_string(),
            &["net.yaml:6:22: layer `fc`: pow2 weights need `bits`"],
        ),
        (
            "  default:\n    weights: {arith: pow2, bits: 3}\n    acts: {bits: 8, frac: 5}"
                .to_string(),
            &[
                "net.yaml:7:11: layer `fc`: output type has no `signed`",
                "policy.default",
            ],
        ),
    ];
    for (policy, fragments) in cases {
        check_err(&one_layer(policy, fc), fragments);
    }
    // relu6 needs a non-negative output frac
    check_err(
        &one_layer(
            "  default:\n    weights: {arith: fixed, bits: 6}\n    acts: {bits: 8, signed: false, frac: -1}",
            "{name: fc, op: dense, out: 2, act: relu6}",
        ),
        &["net.yaml:9:40: layer `fc`: relu6 needs an output type with frac >= 0"],
    );
}

#[test]
fn bad_input_and_params_sections() {
    let input = |s: &str| {
        JET.replace(
            "input: {shape: [16], type: {bits: 8, signed: true, frac: 5}}",
            s,
        )
    };
    check_err(
        &input("input: {shape: [16], type: {bits: 17, signed: true, frac: 5}}"),
        &[
            "net.yaml:2:35: input type of 17 bits is not supported",
            "expected: bits in 1..=16",
        ],
    );
    check_err(
        &input("input: {shape: [16], type: {bits: 8, frac: 5}}"),
        &[
            "net.yaml:2:28: input type has no `signed`",
            "expected: `type: {bits: N, signed: true|false, frac: N}`",
        ],
    );
    check_err(
        &input("input: {shape: [4, 4], type: {bits: 8, signed: true, frac: 5}}"),
        &[
            "net.yaml:2:16: input shape has 2 dimensions",
            "[height, width, channels]",
        ],
    );
    check_err(
        &input("input: {shape: [0], type: {bits: 8, signed: true, frac: 5}}"),
        &["net.yaml:2:17: input dimension 0 is out of range"],
    );
    check_err(
        &JET.replace(
            "params: {random: {seed: 1}}",
            "params: {random: {seed: 1}, file: w.npz}",
        ),
        &["net.yaml:3:9: `params` needs exactly one of `random` and `file`"],
    );
    check_err(
        &JET.replace("params: {random: {seed: 1}}", "params: {}"),
        &["net.yaml:3:9: `params` needs exactly one of"],
    );
    let empty = JET
        .split("layers:\n  - {name: fc1")
        .next()
        .unwrap_or_default()
        .to_string()
        + "layers: []\n";
    check_err(&empty.replace("  layers:\n    fc1: {weights: {arith: pow2, bits: 4}}\n    out: {acts: {bits: 16, signed: true, frac: 8}}\n", ""), &["net.yaml:", "the network has no layers"]);
}

#[test]
fn missing_description_file() {
    let e = frontend::load(Path::new("/nonexistent/dir/net.yaml")).err();
    let msg = e.map(|e| e.to_string()).unwrap_or_default();
    check_msg(
        &msg,
        &["/nonexistent/dir/net.yaml: cannot read network description"],
        "",
    );
}
