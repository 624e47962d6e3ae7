//! Layer parameters: drawn at random from a seed, or read from an `.npz`
//! file (integer codes taken as they are, floats quantized by the policy).

use std::path::Path;

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::arrays::{unravel, AnyArray, ArrayError, Npz};
use super::diag::{at_value, fail, shape_str, Res};
use super::layers::{Planned, WeightShape};
use super::quantize::{bias_code, weight_code};
use super::read::{open_bounded, MAX_NPZ_BYTES};
use super::spec::Spanned;
use crate::ir::{RealParams, WeightType};

/// Quantized parameters of one layer with weights, in the ir's layout.
pub struct Params {
    /// Weight codes `[out, cols]` (dense: `[out, in]`; conv: columns in
    /// `(ky, kx, c)` order; dwconv: `(ky, kx)`).
    pub codes: Array2<i64>,
    /// Bias at the accumulator's binary point.
    pub bias: Array1<i64>,
    /// The same as real numbers (the floats of a weight file, or the
    /// values of the codes).
    pub real: RealParams,
    /// Per-channel weight scales (`scale: channel`): the real weight of row
    /// `o` is `w(code)·2^-frac·scale[o]`, its bias `bias·2^-acc_frac·scale[o]`.
    pub scale: Option<Vec<f64>>,
    /// The threshold mode's arrays (`scale: thresholds`), as given: checked
    /// and moved into the accumulator's range by the frontend's `finish`.
    pub thresholds: Option<RawThresholds>,
}

/// `<layer>.thresholds` `[out, n]`, `<layer>.descending` `[out]` (0 or 1,
/// default 0) and `<layer>.act_scale` (the real value of one output code,
/// optional).
pub struct RawThresholds {
    pub t: Array2<i64>,
    pub descending: Vec<bool>,
    pub scale: Option<f64>,
}

/// Scale the rows of real parameters by per-channel factors.
fn scale_rows(mut real: RealParams, scale: &[f64]) -> RealParams {
    for (o, mut row) in real.weights.rows_mut().into_iter().enumerate() {
        row.mapv_inplace(|v| v * scale[o]);
    }
    for (o, b) in real.bias.iter_mut().enumerate() {
        *b *= scale[o];
    }
    real
}

/// Real values of quantized parameters: `value(code)·2^-frac` and
/// `bias·2^-acc_frac`.
fn dequantized(
    codes: &Array2<i64>,
    bias: &Array1<i64>,
    wtype: &WeightType,
    acc_frac: i32,
) -> RealParams {
    let ws = 2f64.powi(-wtype.frac);
    let bs = 2f64.powi(-acc_frac);
    RealParams {
        weights: codes.mapv(|c| wtype.value(c) as f64 * ws),
        bias: bias.mapv(|b| b as f64 * bs),
    }
}

/// Uniform integer in `[lo, hi]` from 64-bit draws, by rejection: the same
/// sequence on every platform for a given generator state.
fn uniform(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    let span = (hi as i128 - lo as i128 + 1) as u128;
    if span > u64::MAX as u128 {
        return rng.next_u64() as i64;
    }
    let span = span as u64;
    let zone = u64::MAX - (u64::MAX - span + 1) % span;
    loop {
        let x = rng.next_u64();
        if x <= zone {
            return (lo as i128 + (x % span) as i128) as i64;
        }
    }
}

/// Random parameters: one ChaCha8 stream seeded with `seed`; for each layer
/// with weights (dense, conv, dwconv) in order, its weight codes row by row
/// of the ir's code matrix (uniform over the legal codes), then its biases,
/// uniform in `[-B, B]` with
/// `B = 2^(max(acc_frac - out.frac, 0) + out.bits - 3)`, at least 1.
pub fn random(seed: u64, layers: &[Planned]) -> Vec<Option<Params>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    layers
        .iter()
        .map(|l| {
            let ws = l.weights()?;
            let (lo, hi) = ws.wtype.code_range();
            let codes =
                Array2::from_shape_simple_fn((ws.rows, ws.cols), || uniform(&mut rng, lo, hi));
            let acc_frac = l.in_type.frac + ws.wtype.frac;
            let e = (acc_frac - l.out_type.frac).max(0) + l.out_type.bits as i32 - 3;
            let b = if e <= 0 { 1 } else { 1i64 << e.min(60) };
            let bias = Array1::from_shape_simple_fn(ws.rows, || uniform(&mut rng, -b, b));
            let real = dequantized(&codes, &bias, &ws.wtype, acc_frac);
            // per-channel scales in [0.5, 1.5), in steps of 1/256
            let scale = l.channel.then(|| {
                (0..ws.rows)
                    .map(|_| uniform(&mut rng, 128, 383) as f64 / 256.0)
                    .collect::<Vec<f64>>()
            });
            let real = match &scale {
                Some(sc) => scale_rows(real, sc),
                None => real,
            };
            let thresholds = l.thresholds.then(|| random_thresholds(&mut rng, l, ws));
            Some(Params {
                codes,
                bias,
                real,
                scale,
                thresholds,
            })
        })
        .collect()
}

/// Random thresholds (`scale: thresholds`): one per output code step,
/// uniform in `[-B, B]` and sorted, `B` about two standard deviations of
/// a dot product of uniform codes (`2·√cols·max|x|·max|w|`); one channel
/// in four descending. A narrow signed 2-bit output is bipolar (one
/// threshold, codes −1 and +1) for every other seed's draw.
fn random_thresholds(rng: &mut ChaCha8Rng, l: &Planned, ws: WeightShape) -> RawThresholds {
    let span = (l.out_type.max_code() - l.out_type.min_code()).max(1);
    let bipolar = span == 2 && l.out_type.signed && uniform(rng, 0, 1) == 1;
    let n = if bipolar { 1 } else { span as usize };
    let x = l.in_type.min_code().abs().max(l.in_type.max_code()) as f64;
    let b = (2.0 * (ws.cols as f64).sqrt() * x * ws.wtype.max_abs_value() as f64).ceil() as i64;
    let b = b.max(1);
    let mut t = Array2::<i64>::zeros((ws.rows, n));
    let mut descending = Vec::with_capacity(ws.rows);
    for mut row in t.rows_mut() {
        let mut v: Vec<i64> = (0..n).map(|_| uniform(rng, -b, b)).collect();
        v.sort_unstable();
        row.assign(&Array1::from(v));
        descending.push(uniform(rng, 0, 3) == 0);
    }
    RawThresholds {
        t,
        descending,
        scale: None,
    }
}

/// Parameters from `<layer>.weight` / `<layer>.bias` arrays of an `.npz`
/// file, with an optional batch norm `<layer>.bn.*` folded into float
/// weights. `yaml` is the network description and `file` its `file:` value,
/// relative to it.
pub fn from_npz(
    yaml: &Path,
    file: &Spanned<String>,
    layers: &[Planned],
) -> Res<Vec<Option<Params>>> {
    let base = yaml.parent().unwrap_or(Path::new(""));
    let path = base.join(&file.value);
    if !path.exists() {
        return Err(at_value(
            yaml,
            file,
            format!("cannot open weight file `{}`: no such file", path.display()),
        )
        .expected("an existing .npz file (paths are relative to the network description)"));
    }
    let (f, _) = open_bounded(&path, MAX_NPZ_BYTES, "weight file")?;
    let mut npz = Npz::open(f).map_err(|e| {
        fail(&path, format!("not a readable .npz archive: {e}"))
            .expected("a NumPy .npz file (numpy.savez)")
    })?;
    let names = npz.names().map_err(|e| {
        fail(&path, format!("not a readable .npz archive: {e}"))
            .expected("a NumPy .npz file (numpy.savez)")
    })?;
    check_names(&path, &names, layers)?;
    let mut out = Vec::with_capacity(layers.len());
    for l in layers {
        let Some(ws) = l.weights() else {
            out.push(None);
            continue;
        };
        let mut arrays = Arrays {
            path: &path,
            npz: &mut npz,
            names: &names,
            layer: &l.name,
        };
        out.push(Some(layer_params(&mut arrays, l, &ws)?));
    }
    Ok(out)
}

/// The arrays of one layer in an open archive.
struct Arrays<'a> {
    path: &'a Path,
    npz: &'a mut Npz,
    names: &'a [String],
    layer: &'a str,
}

impl Arrays<'_> {
    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// Array `name`, which must have shape `shape` (`layout` says how that
    /// shape reads).
    fn read(&mut self, name: &str, shape: &[usize], layout: &str) -> Res<AnyArray> {
        read(self.path, self.npz, name, self.layer, shape, layout)
    }

    /// A batch-norm array as reals (integer arrays are whole numbers).
    fn read_real(&mut self, name: &str, shape: &[usize], layout: &str) -> Res<ArrayD<f64>> {
        let a = match self.read(name, shape, layout)? {
            AnyArray::Float(f) => f,
            AnyArray::Int(i) => i.mapv(|v| v as f64),
        };
        check_finite(self.path, name, self.layer, &a)?;
        Ok(a)
    }
}

/// The names of the batch-norm arrays of a layer that must all be given.
const BN_ARRAYS: [&str; 4] = ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"];
/// Batch-norm arrays that may be given: epsilon (default 1e-5) and
/// PyTorch's batch counter, which is ignored.
const BN_OPTIONAL: [&str; 2] = ["bn.eps", "bn.num_batches_tracked"];
const BN_EPS: f64 = 1e-5;

fn layer_params(a: &mut Arrays, l: &Planned, ws: &WeightShape) -> Res<Params> {
    let wname = format!("{}.weight", l.name);
    let bname = format!("{}.bias", l.name);
    let layout = ws.file_layout;
    if !a.has(&wname) {
        return Err(fail(a.path, format!("missing array `{wname}`"))
            .layer(&l.name)
            .expected(format!(
                "`{wname}` of shape {} ({layout})",
                shape_str(&ws.file_shape)
            )));
    }
    let w = a.read(&wname, &ws.file_shape, layout)?;
    let b = if a.has(&bname) {
        Some(a.read(&bname, &[ws.rows], "[out]")?)
    } else {
        None
    };
    let (w, b) = match batch_norm(a, &l.name, ws.rows)? {
        Some(bn) => {
            let (w, b) = fold(a, &l.name, &bn, w, b)?;
            (AnyArray::Float(w), Some(AnyArray::Float(b)))
        }
        None => (w, b),
    };
    let acc_frac = l.in_type.frac + ws.wtype.frac;
    let real_w = match &w {
        AnyArray::Float(f) => Some(to_ir_layout(f.clone(), ws)),
        AnyArray::Int(_) => None,
    };
    let real_b = match &b {
        Some(AnyArray::Float(f)) => Some(f.iter().copied().collect::<Array1<f64>>()),
        _ => None,
    };
    let scale = if l.channel {
        Some(channel_scale(a, l, ws, &w)?)
    } else {
        let sname = format!("{}.weight_scale", l.name);
        if a.has(&sname) {
            return Err(fail(
                a.path,
                format!("array `{sname}` is given for a layer without per-channel scales"),
            )
            .layer(&l.name)
            .expected("`scale: channel` in the layer's weights policy, or no weight_scale array"));
        }
        None
    };
    // per-channel scales divide the real weights and biases before coding
    let (w, b) = match &scale {
        None => (w, b),
        Some(sc) => {
            let per_row = |a: AnyArray| match a {
                AnyArray::Float(mut f) => {
                    for (o, mut row) in f.outer_iter_mut().enumerate() {
                        row.mapv_inplace(|v| v / sc[o]);
                    }
                    AnyArray::Float(f)
                }
                ints => ints,
            };
            (per_row(w), b.map(per_row))
        }
    };
    let codes = to_ir_layout(weight_codes(a.path, &wname, &l.name, w, &ws.wtype)?, ws);
    let bias: Array1<i64> = match b {
        Some(b) => bias_codes(a.path, &bname, &l.name, b, acc_frac)?,
        None => ArrayD::zeros(vec![ws.rows]),
    }
    .into_iter()
    .collect();
    let mut real = dequantized(&codes, &bias, &ws.wtype, acc_frac);
    if let Some(sc) = &scale {
        real = scale_rows(real, sc);
    }
    if let Some(w) = real_w {
        real.weights = w;
    }
    if let Some(b) = real_b {
        real.bias = b;
    }
    let thresholds = if l.thresholds {
        Some(thresholds(a, l, ws)?)
    } else {
        for k in ["thresholds", "descending", "act_scale"] {
            let n = format!("{}.{k}", l.name);
            if a.has(&n) {
                return Err(fail(
                    a.path,
                    format!("array `{n}` is given for a layer without thresholds"),
                )
                .layer(&l.name)
                .expected(
                    "`scale: thresholds` in the layer's weights policy, or no threshold arrays",
                ));
            }
        }
        None
    };
    Ok(Params {
        codes,
        bias,
        real,
        scale,
        thresholds,
    })
}

/// A layer's threshold arrays (`scale: thresholds`): integers
/// `<layer>.thresholds` `[out, n]`, optional `<layer>.descending` `[out]`
/// of 0 and 1, optional `<layer>.act_scale` (one positive float).
fn thresholds(a: &mut Arrays, l: &Planned, ws: &WeightShape) -> Res<RawThresholds> {
    let tname = format!("{}.thresholds", l.name);
    let span = l.out_type.max_code() - l.out_type.min_code();
    let expected = format!(
        "`{tname}`: integers of shape [{}, {span}] (one per output code step{})",
        ws.rows,
        if span == 2 {
            format!("; [{}, 1] for a bipolar output)", ws.rows)
        } else {
            ")".to_string()
        }
    );
    if !a.has(&tname) {
        return Err(fail(a.path, format!("missing array `{tname}`"))
            .layer(&l.name)
            .expected(expected));
    }
    let raw = read_member(a.path, a.npz, &tname, &l.name)?;
    let bad_shape = |what: String| fail(a.path, what).layer(&l.name).expected(expected.clone());
    let AnyArray::Int(t) = raw else {
        return Err(bad_shape(format!("array `{tname}` holds floats")));
    };
    let shape = t.shape().to_vec();
    let t = t
        .into_dimensionality::<ndarray::Ix2>()
        .ok()
        .filter(|t| t.nrows() == ws.rows && t.ncols() >= 1)
        .ok_or_else(|| bad_shape(format!("array `{tname}` has shape {}", shape_str(&shape))))?;
    let dname = format!("{}.descending", l.name);
    let descending = if a.has(&dname) {
        match a.read(&dname, &[ws.rows], "[out]")? {
            AnyArray::Int(d) if d.iter().all(|&v| v == 0 || v == 1) => {
                d.iter().map(|&v| v == 1).collect()
            }
            _ => {
                return Err(fail(a.path, format!("array `{dname}` is not 0s and 1s"))
                    .layer(&l.name)
                    .expected(format!(
                        "`{dname}`: {} integers, 1 where the output falls as the accumulator grows",
                        ws.rows
                    )))
            }
        }
    } else {
        vec![false; ws.rows]
    };
    let sname = format!("{}.act_scale", l.name);
    let scale = if a.has(&sname) {
        let v = read_member(a.path, a.npz, &sname, &l.name)?;
        let v: Vec<f64> = match v {
            AnyArray::Float(f) => f.iter().copied().collect(),
            AnyArray::Int(i) => i.iter().map(|&x| x as f64).collect(),
        };
        match v.as_slice() {
            [x] if x.is_finite() && *x > 0.0 => Some(*x),
            _ => {
                return Err(fail(
                    a.path,
                    format!("array `{sname}` is not one positive number"),
                )
                .layer(&l.name)
                .expected(format!(
                    "`{sname}`: the real value of one output code, a positive float"
                )))
            }
        }
    } else {
        None
    };
    Ok(RawThresholds {
        t,
        descending,
        scale,
    })
}

/// A layer's per-channel scales: `<layer>.weight_scale` (positive finite
/// floats, one per output channel), or for float weights without it
/// `max_i |w_oi| / (largest weight magnitude of the type · 2^-frac)`.
fn channel_scale(a: &mut Arrays, l: &Planned, ws: &WeightShape, w: &AnyArray) -> Res<Vec<f64>> {
    let sname = format!("{}.weight_scale", l.name);
    let expected = format!(
        "`{sname}`: {} positive finite floats, one per output channel",
        ws.rows
    );
    if a.has(&sname) {
        let AnyArray::Float(f) = a.read(&sname, &[ws.rows], "[out]")? else {
            return Err(fail(a.path, format!("array `{sname}` holds integers"))
                .layer(&l.name)
                .expected(expected));
        };
        if let Some((i, v)) = f
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(
                fail(a.path, format!("array `{sname}` has {v} at index [{i}]"))
                    .layer(&l.name)
                    .expected(expected),
            );
        }
        return Ok(f.iter().copied().collect());
    }
    match w {
        AnyArray::Float(f) => {
            check_finite(a.path, &format!("{}.weight", l.name), &l.name, f)?;
            // the largest magnitude a code takes without saturating
            let (_, hi) = ws.wtype.code_range();
            let top_value = match ws.wtype.arith {
                crate::ir::Arith::Fixed => hi,
                _ => ws.wtype.max_abs_value(),
            };
            let top = top_value as f64 * 2f64.powi(-ws.wtype.frac);
            let maxes: Vec<f64> = f
                .outer_iter()
                .map(|row| row.iter().fold(0f64, |m, v| m.max(v.abs())))
                .collect();
            // an all-zero channel takes the largest scale: it sets no new
            // multiplier range
            let largest = maxes.iter().fold(0f64, |a, &b| a.max(b));
            Ok(maxes
                .iter()
                .map(|&m| if m > 0.0 { m } else { largest.max(top) } / top)
                .collect())
        }
        AnyArray::Int(_) => Err(fail(
            a.path,
            format!("missing array `{sname}`: integer weight codes with `scale: channel` need their scales"),
        )
        .layer(&l.name)
        .expected(expected)),
    }
}

/// A batch norm to fold: per output channel, scale `s_o` and the mean and
/// beta it shifts the bias by.
struct BatchNorm {
    scale: Vec<f64>,
    mean: Vec<f64>,
    beta: Vec<f64>,
}

/// The batch norm of a layer, when its arrays are given: all four of
/// gamma, beta, running mean and variance, an optional epsilon.
fn batch_norm(a: &mut Arrays, layer: &str, rows: usize) -> Res<Option<BatchNorm>> {
    let names = BN_ARRAYS.map(|s| format!("{layer}.{s}"));
    let present: Vec<bool> = names.iter().map(|n| a.has(n)).collect();
    let eps_name = format!("{layer}.bn.eps");
    if !present.iter().any(|&p| p) {
        if a.has(&eps_name) {
            return Err(fail(
                a.path,
                format!("array `{eps_name}` is given without the batch norm it belongs to"),
            )
            .layer(layer)
            .expected(format!("also {}", names.join(", "))));
        }
        return Ok(None);
    }
    if let Some(missing) = names.iter().zip(&present).find(|(_, &p)| !p) {
        let given: Vec<&str> = names
            .iter()
            .zip(&present)
            .filter(|(_, &p)| p)
            .map(|(n, _)| n.as_str())
            .collect();
        return Err(fail(
            a.path,
            format!(
                "missing array `{}` of the batch norm (given: {})",
                missing.0,
                given.join(", ")
            ),
        )
        .layer(layer)
        .expected(format!(
            "all of {}, each of shape [{rows}] (and optionally `{eps_name}`)",
            names.join(", ")
        )));
    }
    let [gamma, beta, mean, var] = [0, 1, 2, 3].map(|i| names[i].clone());
    let gamma = a.read_real(&gamma, &[rows], "[out]")?;
    let beta = a.read_real(&beta, &[rows], "[out]")?;
    let mean = a.read_real(&mean, &[rows], "[out]")?;
    let var_name = var;
    let var = a.read_real(&var_name, &[rows], "[out]")?;
    let eps = if a.has(&eps_name) {
        let e = match read_member(a.path, a.npz, &eps_name, layer)? {
            AnyArray::Float(f) => f,
            AnyArray::Int(i) => i.mapv(|v| v as f64),
        };
        match e.shape() {
            [] | [1] => {}
            s => {
                return Err(fail(
                    a.path,
                    format!("array `{eps_name}` has shape {}", shape_str(s)),
                )
                .layer(layer)
                .expected("a scalar (shape [] or [1])"))
            }
        }
        check_finite(a.path, &eps_name, layer, &e)?;
        e.iter().next().copied().unwrap_or(BN_EPS)
    } else {
        BN_EPS
    };
    let mut scale = Vec::with_capacity(rows);
    for (o, (&g, &v)) in gamma.iter().zip(var.iter()).enumerate() {
        let d = v + eps;
        if d.is_nan() || d <= 0.0 {
            return Err(fail(
                a.path,
                format!(
                    "array `{var_name}` has {v} at index [{o}]: var + eps = {d} is not positive"
                ),
            )
            .layer(layer)
            .expected("running variances with var + eps > 0"));
        }
        scale.push(g / d.sqrt());
    }
    Ok(Some(BatchNorm {
        scale,
        mean: mean.iter().copied().collect(),
        beta: beta.iter().copied().collect(),
    }))
}

/// Fold a batch norm into float weights (first axis: output channel) and
/// bias: `w'_o = w_o·s_o`, `b'_o = (b_o - mean_o)·s_o + beta_o`.
fn fold(
    a: &Arrays,
    layer: &str,
    bn: &BatchNorm,
    w: AnyArray,
    b: Option<AnyArray>,
) -> Res<(ArrayD<f64>, ArrayD<f64>)> {
    let integer = |name: String| {
        fail(
            a.path,
            format!("array `{name}` holds integer codes, which cannot be folded with the batch norm `{layer}.bn.*`"),
        )
        .layer(layer)
        .expected(format!(
            "float `{layer}.weight` and `{layer}.bias` with a batch norm, or integer codes without `{layer}.bn.*`"
        ))
    };
    let AnyArray::Float(mut w) = w else {
        return Err(integer(format!("{layer}.weight")));
    };
    let b = match b {
        None => ArrayD::zeros(vec![bn.scale.len()]),
        Some(AnyArray::Float(b)) => b,
        Some(AnyArray::Int(_)) => return Err(integer(format!("{layer}.bias"))),
    };
    check_finite(a.path, &format!("{layer}.weight"), layer, &w)?;
    check_finite(a.path, &format!("{layer}.bias"), layer, &b)?;
    for (o, mut row) in w.outer_iter_mut().enumerate() {
        let s = bn.scale[o];
        row.mapv_inplace(|v| v * s);
    }
    let b = ArrayD::from_shape_fn(b.raw_dim(), |i| {
        let o = i[0];
        (b[[o]] - bn.mean[o]) * bn.scale[o] + bn.beta[o]
    });
    let folded = format!("{layer}.weight folded with {layer}.bn");
    check_finite(a.path, &folded, layer, &w)?;
    check_finite(
        a.path,
        &format!("{layer}.bias folded with {layer}.bn"),
        layer,
        &b,
    )?;
    Ok((w, b))
}

/// Weight codes in a file's layout to the ir's `[rows, cols]`: a conv's
/// `[out, in, kh, kw]` becomes columns `(ky·kw + kx)·in + c`; dense
/// `[out, in]` and dwconv `[ch, 1, kh, kw]` keep their row-major order.
fn to_ir_layout<T: Clone + Default>(a: ArrayD<T>, ws: &WeightShape) -> Array2<T> {
    // with one input channel (every dwconv) the permutation keeps the order
    let a = if a.ndim() == 4 && a.shape()[1] > 1 {
        a.permuted_axes(IxDyn(&[0, 2, 3, 1]))
    } else {
        a
    };
    let v: Vec<T> = a.iter().cloned().collect();
    Array2::from_shape_vec((ws.rows, ws.cols), v)
        .unwrap_or_else(|_| Array2::from_elem((ws.rows, ws.cols), T::default()))
}

/// Every array must belong to a layer with weights: a misspelt name would
/// otherwise be ignored.
fn check_names(path: &Path, names: &[String], layers: &[Planned]) -> Res<()> {
    let with_weights: Vec<&str> = layers
        .iter()
        .filter(|l| l.weights().is_some())
        .map(|l| l.name.as_str())
        .collect();
    let expected = || {
        format!(
            "arrays `<layer>.weight`, `<layer>.bias` and optionally `<layer>.bn.*` (batch norm) of the layers with weights: {}",
            with_weights.join(", ")
        )
    };
    let suffixes = BN_ARRAYS
        .iter()
        .chain(BN_OPTIONAL.iter())
        .map(|s| format!(".{s}"))
        .chain([
            ".weight".to_string(),
            ".bias".to_string(),
            ".weight_scale".to_string(),
            ".thresholds".to_string(),
            ".descending".to_string(),
            ".act_scale".to_string(),
        ]);
    let suffixes: Vec<String> = suffixes.collect();
    for n in names {
        let found = suffixes.iter().find_map(|s| {
            n.strip_suffix(s.as_str())
                .map(|l| (l, s.starts_with(".bn.")))
        });
        match found {
            Some((l, _)) if with_weights.contains(&l) => {}
            Some((l, bn)) if layers.iter().any(|p| p.name == l) => {
                let what = if bn {
                    format!("array `{n}`: a batch norm for layer `{l}`, which has no weights to fold it into")
                } else {
                    format!("array `{n}`: layer `{l}` has no parameters")
                };
                return Err(fail(path, what).layer(l).expected(expected()));
            }
            Some((l, _)) => {
                return Err(fail(
                    path,
                    format!("array `{n}` is for layer `{l}`, which is not in the network"),
                )
                .expected(expected()));
            }
            None => {
                return Err(fail(path, format!("unexpected array `{n}`")).expected(expected()));
            }
        }
    }
    Ok(())
}

/// Member `name` of the archive, any shape.
fn read_member(path: &Path, npz: &mut Npz, name: &str, layer: &str) -> Res<AnyArray> {
    npz.read(name)
        .map_err(|e| match e {
            ArrayError::TooLarge(idx, v) => fail(
                path,
                format!(
                    "array `{name}` has value {v} at index {}, which is out of range",
                    shape_str(&idx)
                ),
            ),
            ArrayError::Dtype(d) => fail(path, format!("array `{name}` has unsupported dtype {d}"))
                .expected("an integer or float32/float64 array"),
            ArrayError::Other(msg) => fail(path, format!("cannot read array `{name}`: {msg}")),
        })
        .map_err(|e| e.layer(layer))
}

/// Member `name`, which must have shape `shape` (`layout` names its axes).
fn read(
    path: &Path,
    npz: &mut Npz,
    name: &str,
    layer: &str,
    shape: &[usize],
    layout: &str,
) -> Res<AnyArray> {
    let a = read_member(path, npz, name, layer)?;
    if a.shape() != shape {
        return Err(fail(
            path,
            format!("array `{name}` has shape {}", shape_str(a.shape())),
        )
        .layer(layer)
        .expected(format!("shape {} ({layout})", shape_str(shape))));
    }
    Ok(a)
}

/// The first element that is not finite.
fn check_finite(path: &Path, name: &str, layer: &str, a: &ArrayD<f64>) -> Res<()> {
    match a.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((i, v)) => Err(fail(
            path,
            format!(
                "array `{name}` has {v} at index {}",
                shape_str(&unravel(i, a.shape()))
            ),
        )
        .layer(layer)
        .expected("finite numbers")),
        None => Ok(()),
    }
}

fn weight_codes(
    path: &Path,
    name: &str,
    layer: &str,
    a: AnyArray,
    t: &WeightType,
) -> Res<ArrayD<i64>> {
    match a {
        AnyArray::Float(f) => {
            check_finite(path, name, layer, &f)?;
            Ok(f.mapv(|w| weight_code(w, t)))
        }
        AnyArray::Int(c) => {
            let (lo, hi) = t.code_range();
            if let Some((i, v)) = c.iter().enumerate().find(|(_, &v)| v < lo || v > hi) {
                return Err(fail(
                    path,
                    format!(
                        "array `{name}` has code {v} at index {}, out of range",
                        shape_str(&unravel(i, c.shape()))
                    ),
                )
                .layer(layer)
                .expected(format!("codes in {lo}..={hi} for {} weights", t.short())));
            }
            Ok(c)
        }
    }
}

fn bias_codes(
    path: &Path,
    name: &str,
    layer: &str,
    a: AnyArray,
    acc_frac: i32,
) -> Res<ArrayD<i64>> {
    match a {
        AnyArray::Float(f) => {
            check_finite(path, name, layer, &f)?;
            Ok(f.mapv(|b| bias_code(b, acc_frac)))
        }
        AnyArray::Int(c) => Ok(c),
    }
}
