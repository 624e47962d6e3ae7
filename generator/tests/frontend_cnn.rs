//! The frontend on convolutional networks: conv/dwconv geometry (kernel,
//! stride, padding including `same`), pooling, global average pooling,
//! residual adds and `from`, weights in PyTorch layout checked against a
//! naive cross-correlation, batch-norm folding, and every bad input.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::{expect, Expect};
use ndarray::{Array2, ArrayD, IxDyn};
use ndarray_npy::NpzWriter;
use tempfile::TempDir;
use tomatl::frontend::{self, quantize};
use tomatl::ir::{Conv, Graph, Op, Src};

// ---------------------------------------------------------------- helpers

/// Lines 1..=8 of every test network; layers start on line 9.
fn header(shape: &str, params: &str, policy: &str) -> String {
    format!(
        "name: n\n\
         input: {{shape: {shape}, type: {{bits: 8, signed: true, frac: 0}}}}\n\
         params: {params}\n\
         policy:\n\
         \x20 default:\n\
         \x20   weights: {{arith: fixed, bits: 4}}\n\
         \x20   acts: {{bits: 8, signed: true, frac: 2}}\n\
         {policy}layers:\n"
    )
}

/// A network on input `shape` with one layer per line (policy lines, if
/// any, must keep the layer list on line 9: use [`net_with`]).
fn net(shape: &str, layers: &[&str]) -> String {
    net_with(shape, "", layers)
}

fn net_with(shape: &str, policy: &str, layers: &[&str]) -> String {
    let mut s = header(shape, "{random: {seed: 7}}", policy);
    for l in layers {
        s += &format!("  - {l}\n");
    }
    s
}

/// `net.yaml:LINE:COL` of `needle` inside layer `k` of [`net`] (layers
/// start on line 9, their text in column 5).
fn pos(layers: &[&str], k: usize, needle: &str) -> String {
    let col = layers[k]
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {:?}", layers[k]));
    format!("net.yaml:{}:{}", 9 + k, 5 + col)
}

fn load(yaml: &str) -> Result<Graph, String> {
    frontend::load_str(yaml, Path::new("net.yaml")).map_err(|e| e.to_string())
}

fn src_name(g: &Graph, s: Src) -> String {
    match s {
        Src::Input => "input".into(),
        Src::Layer(i) => g.layers[i].name.clone(),
    }
}

/// One line per layer: name op <-sources in->out types, and the op's
/// geometry, weights and activation.
fn summary(g: &Graph) -> String {
    let dims = |v: &[usize]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("x")
    };
    let mut s = String::new();
    for l in &g.layers {
        let from: Vec<String> = l.inputs.iter().map(|&x| src_name(g, x)).collect();
        s += &format!(
            "{} {} <-{} {}->{} {}->{}",
            l.name,
            l.op.kind(),
            from.join(","),
            dims(&l.in_shape),
            dims(&l.out_shape),
            l.in_type.short(),
            l.out_type.short()
        );
        match &l.op {
            Op::Conv(c) => {
                s += &format!(
                    " k{} s{} pad{:?} {}/{} {} acc{}",
                    dims(&c.kernel),
                    dims(&c.stride),
                    c.pad,
                    c.wtype.arith.name(),
                    c.wtype.bits,
                    c.act.name(),
                    c.acc_bits
                );
                assert_eq!(c.codes.dim(), (c.out_ch, c.window_len()), "{}", l.name);
                assert_eq!(c.bias.len(), c.out_ch);
            }
            Op::Pool(p) => s += &format!(" k{} s{}", dims(&p.kernel), dims(&p.stride)),
            Op::Add { act } => s += &format!(" {}", act.name()),
            Op::Dense(d) => s += &format!(" {} acc{}", d.act.name(), d.acc_bits),
            _ => {}
        }
        s += "\n";
    }
    s
}

fn check_ok(yaml: &str, expected: Expect) {
    match load(yaml) {
        Ok(g) => expected.assert_eq(&summary(&g)),
        Err(e) => panic!("unexpected error:\n{e}\n--- yaml:\n{yaml}"),
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

fn check_err(yaml: &str, fragments: &[&str]) {
    match load(yaml) {
        Ok(g) => panic!(
            "expected an error, got:\n{}\n--- yaml:\n{yaml}",
            summary(&g)
        ),
        Err(msg) => check_msg(&msg, fragments, yaml),
    }
}

/// A bad layer list: the error is at `needle` of layer `k`, names the
/// layer, and contains every fragment.
fn check_layer_err(shape: &str, layers: &[&str], k: usize, needle: &str, fragments: &[&str]) {
    let yaml = net(shape, layers);
    let name = layers[k]
        .split("name: ")
        .nth(1)
        .and_then(|r| r.split([',', '}']).next())
        .unwrap_or_default();
    let head = format!("{}: layer `{name}`: ", pos(layers, k, needle));
    let mut all = vec![head.as_str()];
    all.extend_from_slice(fragments);
    check_err(&yaml, &all);
}

fn conv_of(g: &Graph, name: &str) -> Conv {
    match g.layers.iter().find(|l| l.name == name).map(|l| &l.op) {
        Some(Op::Conv(c)) => c.clone(),
        other => panic!("layer {name} is not a convolution: {other:?}"),
    }
}

/// A small deterministic generator (the tests' own, independent of the
/// crate's).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, lo: i64, hi: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + ((self.0 >> 33) % (hi - lo + 1) as u64) as i64
    }
}

enum Arr {
    F(ArrayD<f64>),
    I(ArrayD<i64>),
}

fn f(v: &[f64], shape: &[usize]) -> Arr {
    Arr::F(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap_or_else(|e| panic!("{e}")))
}

fn i(v: &[i64], shape: &[usize]) -> Arr {
    Arr::I(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap_or_else(|e| panic!("{e}")))
}

/// A network reading `w.npz` next to it: (dir, yaml path, yaml).
fn npz_net(
    shape: &str,
    policy: &str,
    layers: &[&str],
    arrays: &[(&str, Arr)],
) -> (TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut npz =
        NpzWriter::new(File::create(dir.path().join("w.npz")).unwrap_or_else(|e| panic!("{e}")));
    for (name, a) in arrays {
        match a {
            Arr::F(a) => npz.add_array(*name, a),
            Arr::I(a) => npz.add_array(*name, a),
        }
        .unwrap_or_else(|e| panic!("{e}"));
    }
    npz.finish().unwrap_or_else(|e| panic!("{e}"));
    let mut yaml = header(shape, "{file: w.npz}", policy);
    for l in layers {
        yaml += &format!("  - {l}\n");
    }
    let path = dir.path().join("net.yaml");
    std::fs::write(&path, &yaml).unwrap_or_else(|e| panic!("{e}"));
    (dir, path, yaml)
}

fn load_npz(shape: &str, policy: &str, layers: &[&str], arrays: &[(&str, Arr)]) -> Graph {
    let (_dir, path, yaml) = npz_net(shape, policy, layers, arrays);
    frontend::load(&path).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn check_npz_err(shape: &str, layers: &[&str], arrays: &[(&str, Arr)], fragments: &[&str]) {
    let (_dir, path, yaml) = npz_net(shape, "", layers, arrays);
    match frontend::load(&path) {
        Ok(g) => panic!("expected an error, got:\n{}\n{yaml}", summary(&g)),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            let msg = e.to_string();
            check_msg(&msg, &["w.npz: "], &yaml);
            check_msg(&msg, fragments, &yaml);
        }
    }
}

// ------------------------------------------------------------- good cases

#[test]
fn lenet_shapes_and_types() {
    check_ok(
        &net(
            "[28, 28, 1]",
            &[
                "{name: c1, op: conv, out: 6, kernel: 5, pad: 2, act: relu}",
                "{name: p1, op: maxpool, kernel: 2}",
                "{name: c2, op: conv, out: 16, kernel: 5, act: relu}",
                "{name: p2, op: avgpool, kernel: 2, stride: 2}",
                "{name: flat, op: flatten}",
                "{name: f1, op: dense, out: 120, act: relu}",
                "{name: f2, op: dense, out: 10}",
            ],
        ),
        expect![[r#"
            c1 conv <-input 28x28x1->28x28x6 s8.0->s8.2 k5x5 s1x1 pad[2, 2, 2, 2] fixed/4 relu acc15
            p1 maxpool <-c1 28x28x6->14x14x6 s8.2->s8.2 k2x2 s2x2
            c2 conv <-p1 14x14x6->10x10x16 s8.2->s8.2 k5x5 s1x1 pad[0, 0, 0, 0] fixed/4 relu acc18
            p2 avgpool <-c2 10x10x16->5x5x16 s8.2->s8.2 k2x2 s2x2
            flat flatten <-p2 5x5x16->400 s8.2->s8.2
            f1 dense <-flat 400->120 s8.2->s8.2 relu acc19
            f2 dense <-f1 120->10 s8.2->s8.2 none acc18
        "#]],
    );
}

#[test]
fn residual_blocks_read_earlier_layers_and_the_input() {
    let yaml = net(
        "[8, 8, 4]",
        &[
            "{name: a, op: conv, out: 4, kernel: 3, pad: 1, act: relu}",
            "{name: b, op: conv, out: 4, kernel: 3, pad: same}",
            "{name: r1, op: add, from: [b, input], act: relu}",
            "{name: c, op: conv, out: 4, kernel: 3, pad: [1, 1], act: relu6}",
            "{name: d, op: dwconv, kernel: 3, pad: 1, out: 4}",
            "{name: r2, op: add, from: [a, d]}",
            "{name: r3, op: add, from: [r2, r1]}",
            "{name: down, op: conv, out: 8, kernel: 1, stride: 2, from: r3}",
            "{name: gap, op: gavgpool}",
            "{name: fc, op: dense, out: 3}",
        ],
    );
    check_ok(
        &yaml,
        expect![[r#"
        a conv <-input 8x8x4->8x8x4 s8.0->s8.2 k3x3 s1x1 pad[1, 1, 1, 1] fixed/4 relu acc16
        b conv <-a 8x8x4->8x8x4 s8.2->s8.2 k3x3 s1x1 pad[1, 1, 1, 1] fixed/4 none acc16
        r1 add <-b,input 8x8x4->8x8x4 s8.2->s8.2 relu
        c conv <-r1 8x8x4->8x8x4 s8.2->s8.2 k3x3 s1x1 pad[1, 1, 1, 1] fixed/4 relu6 acc16
        d dwconv <-c 8x8x4->8x8x4 s8.2->s8.2 k3x3 s1x1 pad[1, 1, 1, 1] fixed/4 none acc14
        r2 add <-a,d 8x8x4->8x8x4 s8.2->s8.2 none
        r3 add <-r2,r1 8x8x4->8x8x4 s8.2->s8.2 none
        down conv <-r3 8x8x4->4x4x8 s8.2->s8.2 k1x1 s2x2 pad[0, 0, 0, 0] fixed/4 none acc13
        gap gavgpool <-down 4x4x8->8 s8.2->s8.2
        fc dense <-gap 8->3 s8.2->s8.2 none acc14
    "#]],
    );
    let g = load(&yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(g.layers[2].inputs, vec![Src::Layer(1), Src::Input]);
    assert_eq!(g.layers[5].inputs, vec![Src::Layer(0), Src::Layer(4)]);
    assert_eq!(g.consumers(Src::Layer(0)), vec![1, 5]);
    assert_eq!(g.consumers(Src::Input), vec![0, 2]);
    // the golden model runs the whole graph
    let x = tomatl::golden::random_inputs(&g, 2, 1);
    assert_eq!(tomatl::golden::run(&g, x.view()).dim(), (2, 3));
}

#[test]
fn same_padding_follows_tensorflow() {
    // DS-CNN's first conv: 10x4, stride 2, same on 49x10 -> 25x5:
    // rows: out 25, total 48 + 10 - 49 = 9 -> 4 top, 5 bottom;
    // columns: out 5, total 8 + 4 - 10 = 2 -> 1 left, 1 right.
    // A stride-2 3x3 dwconv on odd 25x5 pads one on each side; a 1x1
    // stride-2 conv needs no padding at all. (MobileNet's stride-2 dwconv on
    // even sizes pads only bottom and right: see `geometry_table`.)
    check_ok(
        &net(
            "[49, 10, 1]",
            &[
                "{name: ds, op: conv, out: 8, kernel: [10, 4], stride: 2, pad: same, act: relu}",
                "{name: c, op: conv, out: 4, kernel: 3, pad: same}",
                "{name: dw, op: dwconv, kernel: 3, stride: 2, pad: same, act: relu}",
                "{name: pw, op: conv, out: 6, kernel: 1, stride: 2, pad: same}",
                "{name: dw5, op: dwconv, kernel: [5, 1], stride: [1, 3], pad: same}",
            ],
        ),
        expect![[r#"
            ds conv <-input 49x10x1->25x5x8 s8.0->s8.2 k10x4 s2x2 pad[4, 1, 5, 1] fixed/4 relu acc16
            c conv <-ds 25x5x8->25x5x4 s8.2->s8.2 k3x3 s1x1 pad[1, 1, 1, 1] fixed/4 none acc17
            dw dwconv <-c 25x5x4->13x3x4 s8.2->s8.2 k3x3 s2x2 pad[1, 1, 1, 1] fixed/4 relu acc14
            pw conv <-dw 13x3x4->7x2x6 s8.2->s8.2 k1x1 s2x2 pad[0, 0, 0, 0] fixed/4 none acc13
            dw5 dwconv <-pw 7x2x6->7x1x6 s8.2->s8.2 k5x1 s1x3 pad[2, 0, 2, 0] fixed/4 none acc13
        "#]],
    );
}

#[test]
fn geometry_table() {
    // (input shape, layer, expected out shape, expected pad)
    let cases: &[(&str, &str, &[usize], [usize; 4])] = &[
        (
            "[5, 4, 2]",
            "{name: l, op: conv, out: 3, kernel: [3, 2], stride: [2, 1], pad: [1, 0]}",
            &[3, 3, 3],
            [1, 0, 1, 0],
        ),
        (
            "[6, 6, 3]",
            "{name: l, op: conv, out: 2, kernel: 3, stride: 2, pad: same}",
            &[3, 3, 2],
            [0, 0, 1, 1],
        ),
        (
            "[7, 6, 2]",
            "{name: l, op: conv, out: 2, kernel: [4, 3], stride: 2, pad: same}",
            &[4, 3, 2],
            [1, 0, 2, 1],
        ),
        (
            "[5, 5, 3]",
            "{name: l, op: conv, out: 4, kernel: 1, stride: 2}",
            &[3, 3, 4],
            [0; 4],
        ),
        (
            "[5, 5, 3]",
            "{name: l, op: conv, out: 4, kernel: 1, stride: 2, pad: same}",
            &[3, 3, 4],
            [0; 4],
        ),
        (
            "[4, 4, 1]",
            "{name: l, op: conv, out: 1, kernel: 2, stride: 4, pad: same}",
            &[1, 1, 1],
            [0; 4],
        ),
        (
            "[5, 5, 1]",
            "{name: l, op: conv, out: 1, kernel: 3, stride: 3}",
            &[1, 1, 1],
            [0; 4],
        ),
        (
            "[3, 3, 1]",
            "{name: l, op: conv, out: 1, kernel: 3}",
            &[1, 1, 1],
            [0; 4],
        ),
        (
            "[4, 5, 3]",
            "{name: l, op: dwconv, kernel: [2, 3], pad: 1}",
            &[5, 5, 3],
            [1, 1, 1, 1],
        ),
        (
            "[6, 6, 2]",
            "{name: l, op: dwconv, kernel: 3, stride: 2, pad: same, out: 2}",
            &[3, 3, 2],
            [0, 0, 1, 1],
        ),
        (
            "[7, 7, 2]",
            "{name: l, op: dwconv, kernel: 7, pad: same}",
            &[7, 7, 2],
            [3, 3, 3, 3],
        ),
        (
            "[8, 8, 2]",
            "{name: l, op: dwconv, kernel: 4, pad: same}",
            &[8, 8, 2],
            [1, 1, 2, 2],
        ),
    ];
    for (shape, layer, out, pad) in cases {
        let yaml = net(shape, &[layer]);
        let g = load(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_eq!(g.layers[0].out_shape, *out, "{layer} on {shape}");
        assert_eq!(conv_of(&g, "l").pad, *pad, "{layer} on {shape}");
    }
    // pooling: (input shape, layer, expected out shape)
    let pools: &[(&str, &str, &[usize])] = &[
        (
            "[7, 7, 2]",
            "{name: l, op: maxpool, kernel: 3, stride: 2}",
            &[3, 3, 2],
        ),
        ("[7, 7, 2]", "{name: l, op: maxpool, kernel: 2}", &[3, 3, 2]),
        (
            "[4, 6, 1]",
            "{name: l, op: avgpool, kernel: [2, 3]}",
            &[2, 2, 1],
        ),
        (
            "[4, 6, 1]",
            "{name: l, op: avgpool, kernel: [2, 3], stride: 1, pad: 0}",
            &[3, 4, 1],
        ),
        (
            "[5, 5, 3]",
            "{name: l, op: maxpool, kernel: 5, pad: [0, 0]}",
            &[1, 1, 3],
        ),
        ("[5, 4, 3]", "{name: l, op: gavgpool}", &[3]),
    ];
    for (shape, layer, out) in pools {
        let yaml = net(shape, &[layer]);
        let g = load(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_eq!(g.layers[0].out_shape, *out, "{layer} on {shape}");
    }
    // flatten alone builds nothing; before a dense layer it keeps HWC order
    let yaml = net(
        "[5, 4, 3]",
        &["{name: l, op: flatten}", "{name: d, op: dense, out: 2}"],
    );
    let g = load(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(g.layers[0].out_shape, [60]);
}

#[test]
fn output_types_of_each_op() {
    // maxpool and flatten keep their input type even with a policy for
    // them; conv, avgpool, gavgpool and add take theirs from `acts`.
    let policy = "  layers:\n    mp: {acts: {bits: 4, signed: false, frac: 0}}\n    ap: {acts: {bits: 6, signed: false, frac: 3}}\n    fl: {acts: {bits: 3, signed: true, frac: 0}}\n    sum: {acts: {bits: 12, signed: true, frac: 4}}\n    gap: {weights: {arith: binary}, acts: {bits: 10, signed: true, frac: 5}}\n";
    check_ok(
        &net_with(
            "[4, 4, 2]",
            policy,
            &[
                "{name: c, op: conv, out: 2, kernel: 1}",
                "{name: mp, op: maxpool, kernel: 1}",
                "{name: ap, op: avgpool, kernel: 1}",
                "{name: sum, op: add, from: [ap, mp], act: relu}",
                "{name: gap, op: gavgpool}",
                "{name: fl, op: flatten}",
            ],
        ),
        expect![[r#"
            c conv <-input 4x4x2->4x4x2 s8.0->s8.2 k1x1 s1x1 pad[0, 0, 0, 0] fixed/4 none acc12
            mp maxpool <-c 4x4x2->4x4x2 s8.2->s8.2 k1x1 s1x1
            ap avgpool <-mp 4x4x2->4x4x2 s8.2->u6.3 k1x1 s1x1
            sum add <-ap,mp 4x4x2->4x4x2 u6.3->s12.4 relu
            gap gavgpool <-sum 4x4x2->2 s12.4->s10.5
            fl flatten <-gap 2->2 s10.5->s10.5
        "#]],
    );
}

#[test]
fn random_parameters_are_legal_and_deterministic() {
    let yaml = net(
        "[6, 6, 3]",
        &[
            "{name: c, op: conv, out: 5, kernel: [3, 2], pad: 1}",
            "{name: dw, op: dwconv, kernel: 3, stride: 2}",
            "{name: fl, op: flatten}",
            "{name: fc, op: dense, out: 2}",
        ],
    );
    let a = load(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let b = load(&yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
    for name in ["c", "dw"] {
        let c = conv_of(&a, name);
        let (lo, hi) = c.wtype.code_range();
        assert!(c.codes.iter().all(|&v| (lo..=hi).contains(&v)), "{name}");
        // the codes are not all alike: each row is its own draw
        assert!(c.codes.iter().any(|&v| v != c.codes[[0, 0]]), "{name}");
    }
    assert_eq!(conv_of(&a, "c").codes.dim(), (5, 18));
    assert_eq!(conv_of(&a, "dw").codes.dim(), (5, 9));
    let other = load(&yaml.replace("seed: 7", "seed: 8")).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(conv_of(&a, "c").codes, conv_of(&other, "c").codes);
}

// ------------------------------------- weights in PyTorch layout, naive check

/// PyTorch's `conv2d` on integer codes, written from its definition: the
/// input converted from HWC to CHW, zero padding `pad` = [top, left,
/// bottom, right], cross-correlation, output converted back to HWC.
/// `w` is `[out, in/groups, kh, kw]`; `depthwise` means groups = channels.
#[allow(clippy::too_many_arguments)]
fn torch_conv2d(
    x_hwc: &[i64],
    [h, w_, c]: [usize; 3],
    w: &ArrayD<i64>,
    bias: &[i64],
    stride: [usize; 2],
    pad: [usize; 4],
    depthwise: bool,
) -> (Vec<i64>, [usize; 3]) {
    let (o_n, kh, kw) = (w.shape()[0], w.shape()[2], w.shape()[3]);
    // CHW copy of the input, zero padded
    let (ph, pw) = (h + pad[0] + pad[2], w_ + pad[1] + pad[3]);
    let mut xp = vec![0i64; c * ph * pw];
    for y in 0..h {
        for x in 0..w_ {
            for ch in 0..c {
                xp[(ch * ph + y + pad[0]) * pw + x + pad[1]] = x_hwc[(y * w_ + x) * c + ch];
            }
        }
    }
    let oh = (ph - kh) / stride[0] + 1;
    let ow = (pw - kw) / stride[1] + 1;
    // CHW output
    let mut out_chw = vec![0i64; o_n * oh * ow];
    for o in 0..o_n {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias[o];
                let chans: Vec<usize> = if depthwise { vec![o] } else { (0..c).collect() };
                for (ci, &ch) in chans.iter().enumerate() {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let wv = w[[o, ci, ky, kx]];
                            let xv = xp[(ch * ph + oy * stride[0] + ky) * pw + ox * stride[1] + kx];
                            acc += wv * xv;
                        }
                    }
                }
                out_chw[(o * oh + oy) * ow + ox] = acc;
            }
        }
    }
    let mut out_hwc = vec![0i64; o_n * oh * ow];
    for o in 0..o_n {
        for y in 0..oh {
            for x in 0..ow {
                out_hwc[(y * ow + x) * o_n + o] = out_chw[(o * oh + y) * ow + x];
            }
        }
    }
    (out_hwc, [oh, ow, o_n])
}

#[test]
fn npz_conv_weights_in_pytorch_layout_match_a_naive_conv2d() {
    // Everything at binary point 0, output s16: the layer's output is its
    // accumulator, so the golden model must equal PyTorch's conv2d.
    let policy = "  layers:\n    l: {weights: {arith: fixed, bits: 4, frac: 0}, acts: {bits: 16, signed: true, frac: 0}}\n";
    // (input [h, w, c], layer, out channels, kernel, stride, pad, depthwise)
    type Case = (
        [usize; 3],
        &'static str,
        usize,
        [usize; 2],
        [usize; 2],
        [usize; 4],
        bool,
    );
    let cases: &[Case] = &[
        (
            [5, 4, 2],
            "{name: l, op: conv, out: 3, kernel: [3, 2], stride: [2, 1], pad: [1, 0]}",
            3,
            [3, 2],
            [2, 1],
            [1, 0, 1, 0],
            false,
        ),
        (
            [6, 6, 3],
            "{name: l, op: conv, out: 2, kernel: 3, stride: 2, pad: same}",
            2,
            [3, 3],
            [2, 2],
            [0, 0, 1, 1],
            false,
        ),
        (
            [7, 6, 2],
            "{name: l, op: conv, out: 2, kernel: [4, 3], stride: 2, pad: same}",
            2,
            [4, 3],
            [2, 2],
            [1, 0, 2, 1],
            false,
        ),
        (
            [5, 5, 3],
            "{name: l, op: conv, out: 4, kernel: 1, stride: 2}",
            4,
            [1, 1],
            [2, 2],
            [0; 4],
            false,
        ),
        (
            [4, 3, 1],
            "{name: l, op: conv, out: 3, kernel: [2, 3], pad: [1, 2]}",
            3,
            [2, 3],
            [1, 1],
            [1, 2, 1, 2],
            false,
        ),
        (
            [4, 5, 3],
            "{name: l, op: dwconv, kernel: [2, 3], pad: 1}",
            3,
            [2, 3],
            [1, 1],
            [1, 1, 1, 1],
            true,
        ),
        (
            [6, 6, 2],
            "{name: l, op: dwconv, kernel: 3, stride: 2, pad: same}",
            2,
            [3, 3],
            [2, 2],
            [0, 0, 1, 1],
            true,
        ),
    ];
    let mut rng = Lcg(42);
    for &([h, w, c], layer, out, [kh, kw], stride, pad, depthwise) in cases {
        let in_w = if depthwise { 1 } else { c };
        let wshape = [out, in_w, kh, kw];
        let wv: Vec<i64> = (0..wshape.iter().product::<usize>())
            .map(|_| rng.next(-8, 7))
            .collect();
        let bv: Vec<i64> = (0..out).map(|_| rng.next(-20, 20)).collect();
        let g = load_npz(
            &format!("[{h}, {w}, {c}]"),
            policy,
            &[layer],
            &[("l.weight", i(&wv, &wshape)), ("l.bias", i(&bv, &[out]))],
        );
        let conv = conv_of(&g, "l");
        assert_eq!(conv.pad, pad, "{layer}");
        let frames = 3;
        let x = Array2::from_shape_fn((frames, h * w * c), |_| rng.next(-128, 127));
        let got = tomatl::golden::run(&g, x.view());
        let wt =
            ArrayD::from_shape_vec(IxDyn(&wshape), wv.clone()).unwrap_or_else(|e| panic!("{e}"));
        for fr in 0..frames {
            let xs: Vec<i64> = x.row(fr).to_vec();
            let (want, shape) = torch_conv2d(&xs, [h, w, c], &wt, &bv, stride, pad, depthwise);
            assert_eq!(g.layers[0].out_shape, shape.to_vec(), "{layer}");
            assert!(
                want.iter().all(|v| v.abs() < 1 << 15),
                "{layer}: test would saturate"
            );
            assert_eq!(got.row(fr).to_vec(), want, "{layer}, frame {fr}");
        }
        // the accumulator width covers the whole input range, channel by channel
        for (o, row) in conv.values().rows().into_iter().enumerate() {
            let (lo, hi) = row
                .iter()
                .fold((bv[o] as i128, bv[o] as i128), |(lo, hi), &v| {
                    let (a, b) = (v as i128 * -128, v as i128 * 127);
                    (lo + a.min(b), hi + a.max(b))
                });
            let fits = |n: u32| lo >= -(1i128 << (n - 1)) && hi < (1i128 << (n - 1));
            assert!(fits(conv.acc_bits), "{layer}: channel {o} overflows");
        }
    }
}

#[test]
fn npz_conv_layout_column_order() {
    // one output channel, weight w[0, c, ky, kx] = 100·c + 10·ky + kx
    // lands in column (ky·kw + kx)·in + c of the ir's codes.
    let (cin, kh, kw) = (3, 2, 3);
    let wv: Vec<i64> = (0..cin * kh * kw)
        .map(|n| {
            let (c, ky, kx) = (n / (kh * kw), n / kw % kh, n % kw);
            (100 * c + 10 * ky + kx) as i64
        })
        .collect();
    let g = load_npz(
        "[4, 4, 3]",
        "  layers:\n    l: {weights: {arith: fixed, bits: 10, frac: 0}}\n",
        &["{name: l, op: conv, out: 1, kernel: [2, 3]}"],
        &[("l.weight", i(&wv, &[1, cin, kh, kw]))],
    );
    let codes = conv_of(&g, "l").codes;
    for c in 0..cin {
        for ky in 0..kh {
            for kx in 0..kw {
                assert_eq!(
                    codes[[0, (ky * kw + kx) * cin + c]],
                    (100 * c + 10 * ky + kx) as i64
                );
            }
        }
    }
    assert_eq!(conv_of(&g, "l").bias.to_vec(), vec![0]);
}

// ------------------------------------------------------ batch-norm folding

/// `(w·s, (b - mean)·s + beta)` per output channel, `s = gamma / sqrt(var + eps)`.
fn fold_reference(
    w: &[f64],
    b: &[f64],
    [gamma, beta, mean, var]: [&[f64]; 4],
    eps: f64,
) -> (Vec<f64>, Vec<f64>) {
    let rows = b.len();
    let per = w.len() / rows;
    let s: Vec<f64> = (0..rows)
        .map(|o| gamma[o] / (var[o] + eps).sqrt())
        .collect();
    let w2 = w.iter().enumerate().map(|(n, v)| v * s[n / per]).collect();
    let b2 = (0..rows)
        .map(|o| (b[o] - mean[o]) * s[o] + beta[o])
        .collect();
    (w2, b2)
}

fn bn_arrays(layer: &str, p: [&[f64]; 4]) -> Vec<(String, Arr)> {
    ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"]
        .iter()
        .zip(p)
        .map(|(n, v)| (format!("{layer}.{n}"), f(v, &[v.len()])))
        .collect()
}

#[test]
fn batch_norm_folds_exactly_before_quantization() {
    // eps 0 and variances 0.25 and 4: scales 2 and 3, so the folded weights
    // are integers that 8-bit fixed codes at frac 0 hold exactly.
    let w = [1.0, -2.0, 0.5, 3.0, -1.0, 2.0, 0.0, 4.0];
    let b = [1.5, -1.0];
    let bn: [&[f64]; 4] = [&[1.0, 6.0], &[0.0, 4.0], &[0.5, 2.0], &[0.25, 4.0]];
    let (w2, b2) = fold_reference(&w, &b, bn, 0.0);
    assert_eq!(w2, vec![2.0, -4.0, 1.0, 6.0, -3.0, 6.0, 0.0, 12.0]);
    assert_eq!(b2, vec![2.0, -5.0]);
    let mut arrays = vec![
        ("c.weight".to_string(), f(&w, &[2, 1, 2, 2])),
        ("c.bias".to_string(), f(&b, &[2])),
        ("c.bn.eps".to_string(), f(&[0.0], &[])),
    ];
    arrays.extend(bn_arrays("c", bn));
    let refs: Vec<(&str, Arr)> = arrays.into_iter().map(|(n, a)| (leak(n), a)).collect();
    let g = load_npz(
        "[3, 3, 1]",
        "  layers:\n    c: {weights: {arith: fixed, bits: 8, frac: 0}}\n",
        &["{name: c, op: conv, out: 2, kernel: 2}"],
        &refs,
    );
    let c = conv_of(&g, "c");
    // one input channel: ir columns are (ky, kx), the file's row-major order
    let want: Vec<i64> = w2.iter().map(|v| *v as i64).collect();
    assert_eq!(c.codes.iter().copied().collect::<Vec<_>>(), want);
    // bias at the accumulator's binary point 0 + 0
    assert_eq!(c.bias.to_vec(), vec![2, -5]);
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[test]
fn batch_norm_with_default_eps_on_dense_dwconv_and_conv() {
    // default eps 1e-5: scales are not round numbers; the codes are the
    // float fold quantized by the policy (fixed 8 bits, frac 4; bias at
    // acc frac 0 + 4).
    let policy = "  layers:\n    dw: {weights: {arith: fixed, bits: 8, frac: 4}}\n    pw: {weights: {arith: fixed, bits: 8, frac: 4}}\n    fc: {weights: {arith: fixed, bits: 8, frac: 4}}\n";
    let layers = [
        "{name: dw, op: dwconv, kernel: [1, 2]}",
        "{name: pw, op: conv, out: 2, kernel: 1}",
        "{name: fl, op: flatten}",
        "{name: fc, op: dense, out: 1}",
    ];
    let dw_w = [0.3, -0.7, 1.1, 0.45];
    let dw_bn: [&[f64]; 4] = [&[1.2, -0.8], &[0.1, 0.2], &[0.05, -0.3], &[1.7, 0.6]];
    let pw_w = [0.25, -1.5, 2.0, 0.8];
    let pw_b = [0.3, -0.2];
    let pw_bn: [&[f64]; 4] = [&[0.9, 1.3], &[-0.4, 0.0], &[1.0, 0.1], &[2.0, 0.3]];
    let fc_w = [0.1, 0.2, -0.6, 0.7];
    let fc_bn: [&[f64]; 4] = [&[0.5], &[1.0], &[0.0], &[3.0]];
    let mut arrays: Vec<(String, Arr)> = vec![
        ("dw.weight".into(), f(&dw_w, &[2, 1, 1, 2])),
        ("pw.weight".into(), f(&pw_w, &[2, 2, 1, 1])),
        ("pw.bias".into(), f(&pw_b, &[2])),
        ("pw.bn.eps".into(), f(&[1e-3], &[1])),
        ("pw.bn.num_batches_tracked".into(), i(&[100], &[])),
        ("fc.weight".into(), f(&fc_w, &[1, 4])),
    ];
    arrays.extend(bn_arrays("dw", dw_bn));
    arrays.extend(bn_arrays("pw", pw_bn));
    arrays.extend(bn_arrays("fc", fc_bn));
    let refs: Vec<(&str, Arr)> = arrays.into_iter().map(|(n, a)| (leak(n), a)).collect();
    let g = load_npz("[2, 2, 2]", policy, &layers, &refs);
    let q = |v: &[f64], frac: i32| -> Vec<i64> {
        v.iter()
            .map(|x| (x * 2f64.powi(frac) + 0.5).floor().clamp(-128.0, 127.0) as i64)
            .collect()
    };
    let qb = |v: &[f64], frac: i32| -> Vec<i64> {
        v.iter()
            .map(|x| (x * 2f64.powi(frac) + 0.5).floor() as i64)
            .collect()
    };
    // dwconv: no bias array, so b = 0 before folding
    let (w2, b2) = fold_reference(&dw_w, &[0.0, 0.0], dw_bn, 1e-5);
    let dw = conv_of(&g, "dw");
    assert_eq!(dw.codes.iter().copied().collect::<Vec<_>>(), q(&w2, 4));
    assert_eq!(dw.bias.to_vec(), qb(&b2, 4));
    // conv 1x1 with [out, in, 1, 1]: columns are the input channels
    let (w2, b2) = fold_reference(&pw_w, &pw_b, pw_bn, 1e-3);
    let pw = conv_of(&g, "pw");
    assert_eq!(pw.codes.iter().copied().collect::<Vec<_>>(), q(&w2, 4));
    // the input of pw is dw's output at frac 2: acc frac 2 + 4
    assert_eq!(pw.bias.to_vec(), qb(&b2, 6));
    let (w2, b2) = fold_reference(&fc_w, &[0.0], fc_bn, 1e-5);
    match &g.layers[3].op {
        Op::Dense(d) => {
            assert_eq!(d.codes.iter().copied().collect::<Vec<_>>(), q(&w2, 4));
            assert_eq!(d.bias.to_vec(), qb(&b2, 6));
        }
        other => panic!("{other:?}"),
    }
    // and the rounding agrees with the crate's own quantizer
    assert_eq!(quantize::round_half_up(2.5), 3.0);
    assert_eq!(quantize::round_half_up(-2.5), -2.0);
}

// -------------------------------------------------------------- bad input

#[test]
fn image_ops_need_a_3d_input() {
    for op in [
        "{name: l, op: conv, out: 4, kernel: 3}",
        "{name: l, op: dwconv, kernel: 3}",
        "{name: l, op: maxpool, kernel: 2}",
        "{name: l, op: avgpool, kernel: 2}",
        "{name: l, op: gavgpool}",
    ] {
        let kind = op
            .split("op: ")
            .nth(1)
            .and_then(|r| r.split([',', '}']).next())
            .unwrap_or_default();
        check_layer_err(
            "[16]",
            &[op],
            0,
            kind,
            &[
                &format!("{kind} needs a 3-D [height, width, channels] input, but `input` gives shape [16]"),
                "expected: an input of shape [height, width, channels]",
            ],
        );
    }
    // after a dense layer
    check_layer_err(
        "[4, 4, 1]",
        &[
            "{name: fl, op: flatten}",
            "{name: fc, op: dense, out: 8}",
            "{name: c, op: conv, out: 4, kernel: 1}",
        ],
        2,
        "conv",
        &["conv needs a 3-D [height, width, channels] input, but `fc` gives shape [8]"],
    );
}

#[test]
fn kernel_stride_and_padding_errors() {
    let img = "[8, 8, 2]";
    // (layer, needle where the error points, fragments)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "{name: c, op: conv, out: 4, kernel: 8}",
            "8}",
            &[
                "kernel 8×8 has 64 elements, more than 49",
                "expected: `kernel: k` or `kernel: [kh, kw]`",
            ],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: [3, 17]}",
            "17",
            &["kernel 17 is out of range", "each in 1..=16"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 0}",
            "0}",
            &["kernel 0 is out of range"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: [3, 3, 3]}",
            "[3, 3, 3]",
            &["`kernel` has 3 values"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: same}",
            "same",
            &["`kernel: same` is not a size"],
        ),
        (
            "{name: c, op: conv, out: 4}",
            "{",
            &["conv layer has no `kernel`", "expected: `kernel: k`"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, stride: 5}",
            "5}",
            &[
                "stride 5 is out of range",
                "expected: `stride: n` or `stride: [h, w]`, each in 1..=4",
            ],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, stride: [1, 0]}",
            "0]",
            &["stride 0 is out of range"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, pad: 3}",
            "3}",
            &[
                "top/bottom padding 3 is not smaller than the kernel height 3",
                "expected: padding smaller than the kernel",
            ],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: [3, 2], pad: [1, 2]}",
            "[1, 2]",
            &["left/right padding 2 is not smaller than the kernel width 2"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, pad: -1}",
            "-1",
            &["pad -1 is negative"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, pad: valid}",
            "valid",
            &[
                "unknown padding `valid`",
                "expected: `pad: p`, `pad: [ph, pw]`",
            ],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, pad: [1, 1, 1]}",
            "[1,",
            &["`pad` has 3 values"],
        ),
        (
            "{name: c, op: dwconv, kernel: 3, pad: 4}",
            "4}",
            &["top/bottom padding 4 is not smaller than the kernel height 3"],
        ),
        (
            "{name: c, op: maxpool, kernel: 2, pad: 1}",
            "1}",
            &[
                "pooling padding is not supported",
                "expected: no `pad` (or `pad: 0`) on maxpool",
            ],
        ),
        (
            "{name: c, op: avgpool, kernel: 3, pad: same}",
            "same",
            &["pooling padding is not supported"],
        ),
        (
            "{name: c, op: maxpool}",
            "{",
            &["maxpool layer has no `kernel`"],
        ),
        (
            "{name: c, op: maxpool, kernel: 2, stride: 17}",
            "17",
            &["stride 17 is out of range", "each in 1..=4"],
        ),
        (
            "{name: c, op: avgpool, kernel: 2, stride: [1, 5]}",
            "5",
            &["stride 5 is out of range", "each in 1..=4"],
        ),
    ];
    for (layer, needle, fragments) in cases {
        check_layer_err(img, &[layer], 0, needle, fragments);
    }
    check_layer_err(
        img,
        &["{name: c, op: conv, out: 4, kernel: [4, 3], stride: 1.5}"],
        0,
        "1.5",
        &[
            "`stride: 1.5` is not a size",
            "expected: `stride: n` or `stride: [h, w]`",
        ],
    );
    // a list element that is not an integer is a syntax error at the value
    let layers = ["{name: c, op: conv, out: 4, kernel: [4, 2.5]}"];
    check_err(
        &net(img, &layers),
        &[
            &format!("{}: invalid value", pos(&layers, 0, "2.5")),
            "expected: an integer",
        ],
    );
    // windows larger than the (padded) input
    check_layer_err(
        "[3, 8, 1]",
        &["{name: c, op: conv, out: 1, kernel: [5, 3], pad: 0}"],
        0,
        "[5, 3]",
        &["a 5×3 kernel does not fit the 3×8 input padded to 3×8"],
    );
    check_layer_err(
        "[3, 3, 1]",
        &["{name: c, op: conv, out: 1, kernel: 5, pad: [0, 1]}"],
        0,
        "5,",
        &["a 5×5 kernel does not fit the 3×3 input padded to 3×5"],
    );
    check_layer_err(
        "[3, 8, 1]",
        &["{name: p, op: avgpool, kernel: 4}"],
        0,
        "4}",
        &["a 4×4 window does not fit the 3×8 input", "`gavgpool`"],
    );
}

#[test]
fn layer_key_and_channel_errors() {
    let img = "[8, 8, 2]";
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "{name: c, op: dwconv, kernel: 3, out: 4}",
            "4}",
            &[
                "dwconv with `out: 4` on 2 input channels: channel multipliers are not supported",
                "expected: `out: 2` (the input channels) or no `out`",
            ],
        ),
        (
            "{name: c, op: maxpool, kernel: 2, act: relu}",
            "act",
            &["maxpool takes no activation", "expected: no `act` here"],
        ),
        (
            "{name: c, op: avgpool, kernel: 2, act: relu}",
            "act",
            &["avgpool takes no activation"],
        ),
        (
            "{name: c, op: gavgpool, act: relu}",
            "act",
            &["gavgpool takes no activation"],
        ),
        (
            "{name: c, op: flatten, act: relu}",
            "act",
            &["flatten takes no activation"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, dilation: 2}",
            "dilation",
            &[
                "unknown key `dilation` for op `conv`",
                "expected: one of name, op, from, out, kernel, stride, pad, act",
            ],
        ),
        (
            "{name: c, op: maxpool, kernel: 2, out: 2}",
            "out",
            &[
                "unknown key `out` for op `maxpool`",
                "expected: one of name, op, from, kernel, stride, pad",
            ],
        ),
        (
            "{name: c, op: conv, kernel: 3}",
            "{",
            &["conv layer has no `out`", "expected: `out: N`"],
        ),
        (
            "{name: c, op: conv, out: 0, kernel: 3}",
            "0,",
            &["`out: 0` is out of range"],
        ),
        (
            "{name: c, op: conv, out: 4, kernel: 3, act: gelu}",
            "gelu",
            &["unknown activation `gelu`"],
        ),
    ];
    for (layer, needle, fragments) in cases {
        check_layer_err(img, &[layer], 0, needle, fragments);
    }
}

#[test]
fn connection_errors() {
    let img = "[4, 4, 2]";
    let base = [
        "{name: a, op: conv, out: 2, kernel: 1}",
        "{name: b, op: conv, out: 2, kernel: 1}",
    ];
    // (third layer, needle, fragments)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "{name: s, op: add, from: [b]}",
            "[b]",
            &[
                "add needs two inputs, `from` names 1",
                "expected: `from: [a, b]`, exactly two",
            ],
        ),
        (
            "{name: s, op: add, from: b}",
            "b}",
            &["add needs two inputs, `from` names 1"],
        ),
        (
            "{name: s, op: add, from: [a, b, input]}",
            "[a, b, input]",
            &["add needs two inputs, `from` names 3"],
        ),
        (
            "{name: s, op: add}",
            "{",
            &["add has no `from`", "expected: `from: [a, b]`"],
        ),
        ("{name: s, op: add, from: []}", "[]", &["`from` is empty"]),
        (
            "{name: s, op: conv, out: 2, kernel: 1, from: [a, b]}",
            "[a, b]",
            &[
                "conv reads one input, `from` names 2",
                "only `add` reads two",
            ],
        ),
        (
            "{name: s, op: add, from: [b, z]}",
            "z]",
            &[
                "`from` names `z`, which does not exist",
                "expected: `input` or an earlier layer: input, a, b",
            ],
        ),
        (
            "{name: s, op: add, from: [b, t]}",
            "t]",
            &["`from` names `t`, which is defined later (line 12)"],
        ),
        (
            "{name: s, op: add, from: [b, s]}",
            "s]",
            &["`from` names `s`, the layer itself"],
        ),
    ];
    for (third, needle, fragments) in cases {
        let layers = [base[0], base[1], third, "{name: t, op: gavgpool}"];
        check_layer_err(img, &layers, 2, needle, fragments);
    }
    // mismatched shapes name both
    check_layer_err(
        img,
        &[
            "{name: a, op: conv, out: 3, kernel: 1}",
            "{name: s, op: add, from: [a, input]}",
        ],
        1,
        "[a, input]",
        &[
            "add of different shapes: `a` gives [4, 4, 3], `input` gives [4, 4, 2]",
            "expected: two inputs of one shape",
        ],
    );
    check_layer_err(
        img,
        &[
            "{name: a, op: conv, out: 2, kernel: 3, stride: 2, pad: same}",
            "{name: s, op: add, from: [input, a]}",
        ],
        1,
        "[input, a]",
        &["`input` gives [4, 4, 2], `a` gives [2, 2, 2]"],
    );
    // a layer nobody reads
    check_layer_err(
        img,
        &[
            "{name: a, op: conv, out: 2, kernel: 1}",
            "{name: b, op: conv, out: 2, kernel: 1, from: [input]}",
            "{name: c, op: gavgpool}",
        ],
        0,
        "a,",
        &[
            "its output is never read by a later layer",
            "expected: `a` in the `from` of a later layer",
        ],
    );
    // a layer read only by itself is still unread; the last is the output
    check_layer_err(
        img,
        &[
            "{name: a, op: conv, out: 2, kernel: 1}",
            "{name: b, op: maxpool, kernel: 1}",
            "{name: c, op: add, from: [a, input]}",
        ],
        1,
        "b,",
        &["its output is never read"],
    );
}

// --------------------------------------------------------- npz errors

#[test]
fn npz_conv_errors() {
    let img = "[4, 4, 1]";
    let conv = ["{name: c, op: conv, out: 2, kernel: 3}"];
    let w = || f(&[0.5; 18], &[2, 1, 3, 3]);
    // a wrong shape names the expected shape and layout
    check_npz_err(
        img,
        &conv,
        &[("c.weight", f(&[0.0; 18], &[2, 3, 3, 1]))],
        &[
            "layer `c`: array `c.weight` has shape [2, 3, 3, 1]",
            "expected: shape [2, 1, 3, 3] ([out, in, kh, kw], PyTorch/ONNX layout)",
        ],
    );
    check_npz_err(
        img,
        &conv,
        &[("c.weight", f(&[0.0; 18], &[2, 9]))],
        &["array `c.weight` has shape [2, 9]", "[out, in, kh, kw]"],
    );
    check_npz_err(
        "[4, 4, 3]",
        &["{name: d, op: dwconv, kernel: 3}"],
        &[("d.weight", f(&[0.0; 27], &[3, 3, 3]))],
        &[
            "layer `d`: array `d.weight` has shape [3, 3, 3]",
            "expected: shape [3, 1, 3, 3] ([channels, 1, kh, kw], PyTorch/ONNX depthwise layout)",
        ],
    );
    check_npz_err(
        img,
        &conv,
        &[],
        &[
            "layer `c`: missing array `c.weight`",
            "expected: `c.weight` of shape [2, 1, 3, 3] ([out, in, kh, kw]",
        ],
    );
    check_npz_err(
        img,
        &conv,
        &[("c.weight", w()), ("c.bias", f(&[0.0; 3], &[3]))],
        &[
            "array `c.bias` has shape [3]",
            "expected: shape [2] ([out])",
        ],
    );
    // integer codes out of range name the index in the file's layout
    let mut codes = vec![0i64; 18];
    codes[9 + 5] = 8;
    check_npz_err(
        img,
        &conv,
        &[("c.weight", i(&codes, &[2, 1, 3, 3]))],
        &[
            "array `c.weight` has code 8 at index [1, 0, 1, 2], out of range",
            "codes in -8..=7",
        ],
    );
    // arrays of layers without parameters
    check_npz_err(
        img,
        &[
            "{name: c, op: conv, out: 2, kernel: 3}",
            "{name: p, op: maxpool, kernel: 2}",
        ],
        &[("c.weight", w()), ("p.weight", w())],
        &["layer `p`: array `p.weight`: layer `p` has no parameters"],
    );
}

#[test]
fn npz_batch_norm_errors() {
    let img = "[4, 4, 1]";
    let conv = ["{name: c, op: conv, out: 2, kernel: 3}"];
    let w = || ("c.weight", f(&[0.5; 18], &[2, 1, 3, 3]));
    let bn = |skip: &str| -> Vec<(&'static str, Arr)> {
        [
            "c.bn.weight",
            "c.bn.bias",
            "c.bn.running_mean",
            "c.bn.running_var",
        ]
        .into_iter()
        .filter(|n| *n != skip)
        .map(|n| (n, f(&[1.0, 1.0], &[2])))
        .collect()
    };
    // integer weight codes cannot be folded
    let mut a = vec![("c.weight", i(&[1; 18], &[2, 1, 3, 3]))];
    a.extend(bn(""));
    check_npz_err(
        img,
        &conv,
        &a,
        &[
            "layer `c`: array `c.weight` holds integer codes, which cannot be folded with the batch norm `c.bn.*`",
            "expected: float `c.weight` and `c.bias` with a batch norm",
        ],
    );
    let mut a = vec![w(), ("c.bias", i(&[1, 2], &[2]))];
    a.extend(bn(""));
    check_npz_err(img, &conv, &a, &["array `c.bias` holds integer codes"]);
    // a partial set names the missing array
    for missing in ["c.bn.weight", "c.bn.running_var"] {
        let mut a = vec![w()];
        a.extend(bn(missing));
        check_npz_err(
            img,
            &conv,
            &a,
            &[
                &format!("layer `c`: missing array `{missing}` of the batch norm"),
                "expected: all of c.bn.weight, c.bn.bias, c.bn.running_mean, c.bn.running_var, each of shape [2]",
            ],
        );
    }
    let a = vec![w(), ("c.bn.eps", f(&[1e-3], &[]))];
    check_npz_err(
        img,
        &conv,
        &a,
        &["array `c.bn.eps` is given without the batch norm"],
    );
    // shapes and values
    let mut a = vec![w(), ("c.bn.eps", f(&[1e-3, 1e-3], &[2]))];
    a.extend(bn(""));
    check_npz_err(
        img,
        &conv,
        &a,
        &[
            "array `c.bn.eps` has shape [2]",
            "expected: a scalar (shape [] or [1])",
        ],
    );
    let mut a = vec![w(), ("c.bn.running_var", f(&[1.0, -1.0], &[2]))];
    a.extend(bn("c.bn.running_var"));
    check_npz_err(
        img,
        &conv,
        &a,
        &[
            "array `c.bn.running_var` has -1 at index [1]",
            "expected: running variances with var + eps > 0",
        ],
    );
    let mut a = vec![w(), ("c.bn.running_mean", f(&[1.0, 1.0, 1.0], &[3]))];
    a.extend(bn("c.bn.running_mean"));
    check_npz_err(
        img,
        &conv,
        &a,
        &[
            "array `c.bn.running_mean` has shape [3]",
            "expected: shape [2] ([out])",
        ],
    );
    let mut a = vec![w(), ("c.bn.bias", f(&[f64::NAN, 1.0], &[2]))];
    a.extend(bn("c.bn.bias"));
    check_npz_err(img, &conv, &a, &["array `c.bn.bias` has NaN at index [0]"]);
    // batch norm of a layer without weights
    let layers = [
        "{name: c, op: conv, out: 2, kernel: 3}",
        "{name: p, op: maxpool, kernel: 2}",
    ];
    check_npz_err(
        img,
        &layers,
        &[w(), ("p.bn.weight", f(&[1.0, 1.0], &[2]))],
        &["layer `p`: array `p.bn.weight`: a batch norm for layer `p`, which has no weights to fold it into"],
    );
    check_npz_err(
        img,
        &conv,
        &[w(), ("c.bn.gamma", f(&[1.0, 1.0], &[2]))],
        &[
            "unexpected array `c.bn.gamma`",
            "`<layer>.bn.*` (batch norm)",
        ],
    );
}

#[test]
fn the_command_line_exits_with_2_on_a_bad_conv() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let layers = ["{name: c, op: conv, out: 4, kernel: 3, stride: 5}"];
    std::fs::write(dir.path().join("net.yaml"), net("[8, 8, 1]", &layers))
        .unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(["check", "net.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    check_msg(
        &err,
        &[
            &format!(
                "{}: layer `c`: stride 5 is out of range",
                pos(&layers, 0, "5}")
            ),
            "expected:",
        ],
        "",
    );
}

/// A flatten with `order: chw` is the network's output, delivered in
/// ONNX's (c, h, w) order: the graph records the image, `tomatl run`'s
/// order is the host's; elsewhere, of a vector or of an unknown order it
/// is refused at the key.
#[test]
fn a_chw_flatten_is_the_output_only() {
    let net = |layers: &str| {
        format!(
            "name: n\ninput: {{shape: [2, 3, 2], type: {{bits: 8, signed: true, frac: 0}}}}\nparams: {{random: {{seed: 1}}}}\npolicy:\n  default: {{weights: {{arith: fixed, bits: 4}}, acts: {{bits: 8, signed: true, frac: 0}}}}\nlayers:\n{layers}"
        )
    };
    let g = load(&net(
        "  - {name: c, op: conv, out: 3, kernel: 1}\n  - {name: f, op: flatten, order: chw}\n",
    ))
    .expect("loads");
    assert_eq!(g.output_chw, Some([2, 3, 3]));
    // stream element (pixel p, channel ch) is host element ch·6 + p
    let y = ndarray::Array2::from_shape_fn((1, 18), |(_, j)| j as i64);
    let host = g.to_host_order(y.view());
    assert_eq!(host[[0, 0]], 0);
    assert_eq!(host[[0, 1]], 3);
    assert_eq!(host[[0, 6]], 1);
    let hwc = load(&net(
        "  - {name: c, op: conv, out: 3, kernel: 1}\n  - {name: f, op: flatten, order: hwc}\n",
    ))
    .expect("loads");
    assert_eq!(hwc.output_chw, None);
    check_err(
        &net("  - {name: f, op: flatten, order: chw}\n  - {name: d, op: dense, out: 2}\n"),
        &[
            "net.yaml:7:",
            "`order: chw` on a flatten that is not the network's output",
            "the last layer only",
        ],
    );
    check_err(
        &net("  - {name: f, op: flatten}\n  - {name: g, op: flatten, order: chw}\n"),
        &["`order: chw` of a vector"],
    );
    check_err(
        &net(
            "  - {name: c, op: conv, out: 3, kernel: 1}\n  - {name: f, op: flatten, order: nchw}\n",
        ),
        &["unknown flatten order `nchw`", "`order: hwc`"],
    );
}
