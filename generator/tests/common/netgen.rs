//! Random network descriptions, for the property test (`buildable_prop`)
//! and the RTL fuzz target (`examples/fuzz_rtl.rs`): dense and CNN, every
//! op (add with `from`, of one tensor twice too; flatten; pools with
//! strides and kernels), every weight arithmetic, widths and binary points,
//! every activation, names that look like the emitter's suffixes and names
//! at their length limit.
//!
//! `Mode::Build` draws values that mostly lie within the limits, small
//! networks that simulate in seconds; `Mode::Extreme` draws at and beyond
//! every limit (widths 0..33, frac -64..64, strides and kernels past the
//! sliding-window unit's, long names), where most descriptions are refused.
#![allow(dead_code)]

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Build,
    Extreme,
}

/// A tensor produced so far: its name (`input` or a layer), shape and
/// binary point, and how many inputs read it.
struct Tensor {
    name: String,
    shape: Vec<usize>,
    bits: u32,
    frac: i32,
    readers: usize,
}

struct Gen {
    rng: ChaCha8Rng,
    mode: Mode,
    names: Vec<String>,
}

impl Gen {
    fn extreme(&mut self, p: f64) -> bool {
        self.mode == Mode::Extreme && self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// A binary point: small (values that neither vanish nor saturate
    /// all along the network), or at and beyond the limits.
    fn frac(&mut self) -> i32 {
        if self.extreme(0.3) {
            self.pick(&[-64, -33, -32, -31, -29, 28, 29, 30, 31, 32, 33, 64])
        } else {
            self.rng.random_range(-1..=4)
        }
    }

    fn bits(&mut self, lo: u32, hi: u32) -> u32 {
        if self.extreme(0.2) {
            self.pick(&[0, 1, lo.saturating_sub(1), hi, hi + 1, 32, 33])
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    fn acts(&mut self) -> String {
        let bits = if self.mode == Mode::Build {
            self.rng.random_range(3..=12)
        } else {
            self.bits(2, 16)
        };
        let signed = self.rng.random_bool(0.6);
        let frac = self.frac();
        format!("{{bits: {bits}, signed: {signed}, frac: {frac}}}")
    }

    fn weights(&mut self) -> String {
        let frac = if self.rng.random_bool(0.3) {
            format!(", frac: {}", self.frac())
        } else {
            String::new()
        };
        match self.rng.random_range(0..4) {
            0 => format!("{{arith: fixed, bits: {}{frac}}}", self.bits(1, 16)),
            1 => format!("{{arith: pow2, bits: {}{frac}}}", self.bits(2, 5)),
            2 => format!("{{arith: binary{frac}}}"),
            _ => format!("{{arith: ternary{frac}}}"),
        }
    }

    /// A unique layer name: plain, like a generated suffix, or long.
    fn name(&mut self, i: usize) -> String {
        let base = format!("l{i}");
        let candidates = [
            base.clone(),
            format!("{}_win", self.names.last().map_or("a", String::as_str)),
            format!("{}_a", self.names.last().map_or("q", String::as_str)),
            format!("{}_fifo", self.names.last().map_or("x", String::as_str)),
            format!("{base}_fork"),
            format!("{base}_mvau"),
            format!("_{base}"),
        ];
        let mut n = candidates[self.rng.random_range(0..candidates.len())].clone();
        if self.rng.random_bool(0.1) {
            // at the length limit (48), or beyond it in extreme mode
            let len = if self.extreme(0.5) { 49 } else { 48 };
            n = format!("{base}_");
            while n.len() < len {
                n.push('z');
            }
        }
        if n.len() > 48 && self.mode == Mode::Build {
            n.truncate(48);
        }
        if self.names.contains(&n) {
            n = base;
        }
        self.names.push(n.clone());
        n
    }
}

/// A random network description (YAML) for `seed`.
pub fn network(seed: u64, mode: Mode) -> String {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        mode,
        names: Vec::new(),
    };
    let image = g.rng.random_bool(0.6);
    let mut shape: Vec<usize> = if image {
        let hi = if g.extreme(0.2) { 40 } else { 9 };
        vec![
            g.rng.random_range(2..=hi),
            g.rng.random_range(2..=hi),
            g.pick(&[1, 2, 3, 4, 5, 8]),
        ]
    } else {
        vec![g.rng.random_range(1..=24)]
    };
    let in_bits = if mode == Mode::Build {
        g.rng.random_range(2..=10)
    } else {
        g.bits(1, 16)
    };
    let in_frac = g.frac();
    let net_name = if g.rng.random_bool(0.1) {
        let len = if g.extreme(0.5) { 65 } else { 64 };
        let mut n = format!("net{seed}_");
        while n.len() < len {
            n.push('n');
        }
        n
    } else {
        format!("net{seed}")
    };
    let default_w = g.weights();
    let default_a = g.acts();
    let mut policy = String::new();
    let mut layers = String::new();
    let mut tensors = vec![Tensor {
        name: "input".into(),
        shape: shape.clone(),
        bits: in_bits,
        frac: in_frac,
        readers: 0,
    }];
    let n_layers = g
        .rng
        .random_range(1..=if mode == Mode::Build { 5 } else { 7 });
    let mut engines = 0;
    for i in 0..n_layers {
        let last = tensors.len() - 1;
        let name = g.name(i);
        let act = g.pick(&["none", "relu", "relu6"]);
        let img = shape.len() == 3;
        // 0 dense, 1 conv, 2 dwconv, 3 maxpool, 4 avgpool, 5 gavgpool,
        // 6 add, 7 flatten
        let mut op = if img {
            g.pick(&[1, 1, 2, 3, 4, 5, 6, 6, 7])
        } else {
            g.pick(&[0, 0, 0, 6, 7])
        };
        if i + 1 == n_layers && engines == 0 && op == 7 && mode == Mode::Build {
            op = if img { 1 } else { 0 };
        }
        let mut own_acts = g.rng.random_bool(0.6).then(|| g.acts());
        if mode == Mode::Build {
            // an output range near the input's: values neither vanish nor
            // all saturate (sums of products grow, hence the lower frac)
            let bits = g.rng.random_range(3..=12u32);
            let grow = if matches!(op, 0..=2) { 2 } else { 0 };
            let frac = tensors[last].frac + bits as i32 - tensors[last].bits as i32 - grow
                + g.rng.random_range(-1..=1);
            let signed = g.rng.random_bool(0.7);
            own_acts = Some(format!(
                "{{bits: {bits}, signed: {signed}, frac: {}}}",
                frac.clamp(-32, 32)
            ));
        }
        if i + 1 == n_layers && mode == Mode::Build && g.rng.random_bool(0.15) {
            // the network output at the largest binary points (relu6's 6.0
            // beyond 32-bit parameters)
            let frac = g.pick(&[28, 29, 30, 32]);
            let bits = g.rng.random_range(8..=16);
            own_acts = Some(format!("{{bits: {bits}, signed: true, frac: {frac}}}"));
        }
        let own_w = g.rng.random_bool(0.6).then(|| g.weights());
        let mut entry = Vec::new();
        let mut out_frac = tensors[last].frac;
        let spec;
        match op {
            0 => {
                let out = if g.extreme(0.05) {
                    9000
                } else {
                    g.rng.random_range(1..=24)
                };
                spec = format!("{{name: {name}, op: dense, out: {out}, act: {act}}}");
                shape = vec![out];
            }
            1 | 2 => {
                let (h, w, c) = (shape[0], shape[1], shape[2]);
                let kmax = if g.extreme(0.2) { 17 } else { 4 };
                let kh = g.rng.random_range(1..=kmax.min(h + 2));
                let kw = if g.rng.random_bool(0.7) {
                    kh
                } else {
                    g.rng.random_range(1..=kmax.min(w + 2))
                };
                let smax = if g.extreme(0.2) { 6 } else { 3 };
                let sh = g.rng.random_range(1..=smax);
                let sw = if g.rng.random_bool(0.7) {
                    sh
                } else {
                    g.rng.random_range(1..=smax)
                };
                let same = g.rng.random_bool(0.4);
                let pad = if same {
                    ", pad: same".to_string()
                } else if g.rng.random_bool(0.3) {
                    format!(", pad: [{}, {}]", (kh - 1) / 2, (kw - 1) / 2)
                } else {
                    String::new()
                };
                // `same` gives its output size from the stride alone
                let (ph, pw) = if same || pad.is_empty() {
                    (0, 0)
                } else {
                    (2 * ((kh - 1) / 2), 2 * ((kw - 1) / 2))
                };
                let (oh, ow) = if same {
                    (h.div_ceil(sh), w.div_ceil(sw))
                } else {
                    (
                        (h + ph).saturating_sub(kh) / sh + 1,
                        (w + pw).saturating_sub(kw) / sw + 1,
                    )
                };
                let out = if op == 2 { c } else { g.pick(&[1, 2, 3, 4, 6]) };
                let kind = if op == 2 { "dwconv" } else { "conv" };
                let outk = if op == 2 {
                    String::new()
                } else {
                    format!(", out: {out}")
                };
                spec = format!(
                    "{{name: {name}, op: {kind}{outk}, kernel: [{kh}, {kw}], stride: [{sh}, {sw}]{pad}, act: {act}}}"
                );
                shape = vec![oh, ow, out];
            }
            3 | 4 => {
                let (h, w, c) = (shape[0], shape[1], shape[2]);
                let kmax = if g.extreme(0.3) { 8 } else { 3 };
                let kh = g.rng.random_range(1..=kmax.min(h));
                let kw = g.rng.random_range(1..=kmax.min(w));
                let stride = if g.rng.random_bool(0.5) {
                    None
                } else {
                    let smax = if g.extreme(0.3) { 6 } else { 4 };
                    Some((g.rng.random_range(1..=smax), g.rng.random_range(1..=smax)))
                };
                let (sh, sw) = stride.unwrap_or((kh, kw));
                let st = stride.map_or(String::new(), |(a, b)| format!(", stride: [{a}, {b}]"));
                let kind = if op == 3 { "maxpool" } else { "avgpool" };
                spec = format!("{{name: {name}, op: {kind}, kernel: [{kh}, {kw}]{st}}}");
                shape = vec![(h - kh) / sh + 1, (w - kw) / sw + 1, c];
            }
            5 => {
                spec = format!("{{name: {name}, op: gavgpool}}");
                shape = vec![shape[2]];
            }
            6 => {
                // the latest tensor and an earlier one of its shape, or itself
                let same: Vec<usize> = (0..last)
                    .filter(|&j| tensors[j].shape == tensors[last].shape)
                    .filter(|&j| tensors[j].readers < 3 || g.mode == Mode::Extreme)
                    .collect();
                let other = if same.is_empty() || g.rng.random_bool(0.3) {
                    last
                } else {
                    same[g.rng.random_range(0..same.len())]
                };
                tensors[other].readers += 1;
                let (a, b) = if g.rng.random_bool(0.5) {
                    (last, other)
                } else {
                    (other, last)
                };
                spec = format!(
                    "{{name: {name}, op: add, from: [{}, {}], act: {act}}}",
                    tensors[a].name, tensors[b].name
                );
            }
            _ => {
                spec = format!("{{name: {name}, op: flatten}}");
                shape = vec![shape.iter().product()];
            }
        }
        tensors[last].readers += 1;
        if op != 7 {
            engines += 1;
        }
        if matches!(op, 0..=2) {
            if let Some(w) = own_w {
                entry.push(format!("weights: {w}"));
            }
        }
        let mut out_bits = tensors[last].bits;
        if matches!(op, 0 | 1 | 2 | 4 | 5 | 6) {
            let a = own_acts.as_deref().unwrap_or(&default_a);
            out_bits = a
                .split("bits: ")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(out_bits);
            if let Some(a) = own_acts {
                out_frac = a
                    .split("frac: ")
                    .nth(1)
                    .and_then(|s| s.trim_end_matches('}').parse().ok())
                    .unwrap_or(out_frac);
                entry.push(format!("acts: {a}"));
            } else {
                out_frac = default_a
                    .split("frac: ")
                    .nth(1)
                    .and_then(|s| s.trim_end_matches('}').parse().ok())
                    .unwrap_or(out_frac);
            }
        }
        if !entry.is_empty() {
            policy += &format!("    {name}: {{{}}}\n", entry.join(", "));
        }
        layers += &format!("  - {spec}\n");
        tensors.push(Tensor {
            name: name.clone(),
            shape: shape.clone(),
            bits: out_bits,
            frac: out_frac,
            readers: 0,
        });
    }
    let in_shape: Vec<String> = tensors[0].shape.iter().map(ToString::to_string).collect();
    let in_signed = g.rng.random_bool(0.5);
    let mut y = format!(
        "name: {net_name}\ninput: {{shape: [{}], type: {{bits: {in_bits}, signed: {in_signed}, frac: {in_frac}}}}}\nparams: {{random: {{seed: {seed}}}}}\npolicy:\n  default:\n    weights: {default_w}\n    acts: {default_a}\n",
        in_shape.join(", ")
    );
    if !policy.is_empty() {
        y += "  layers:\n";
        y += &policy;
    }
    y += "layers:\n";
    y += &layers;
    y
}
