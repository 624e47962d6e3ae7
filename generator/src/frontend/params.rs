//! Layer parameters: drawn at random from a seed, or read from an `.npz`
//! file (integer codes taken as they are, floats quantized by the policy).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use ndarray::{Array1, Array2, ArrayD};
use ndarray_npy::NpzReader;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_saphyr::Spanned;

use super::arrays::{read_npz_member, unravel, AnyArray, ArrayError};
use super::diag::{at_value, fail, shape_str, Res};
use super::layers::{Kind, Planned};
use super::quantize::{bias_code, weight_code};
use crate::ir::WeightType;

/// Quantized parameters of one dense layer.
pub struct DenseParams {
    /// Weight codes `[out, in]`.
    pub codes: Array2<i64>,
    /// Bias at the accumulator's binary point.
    pub bias: Array1<i64>,
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

/// Random parameters: one ChaCha8 stream seeded with `seed`; for each dense
/// layer in order, its weight codes row by row (uniform over the legal
/// codes), then its biases, uniform in `[-B, B]` with
/// `B = 2^(max(acc_frac - out.frac, 0) + out.bits - 3)`, at least 1.
pub fn random(seed: u64, layers: &[Planned]) -> Vec<Option<DenseParams>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    layers
        .iter()
        .map(|l| match &l.kind {
            Kind::Dense { out, wtype, .. } => {
                let inn = l.in_shape.iter().product::<usize>();
                let (lo, hi) = wtype.code_range();
                let codes = Array2::from_shape_simple_fn((*out, inn), || uniform(&mut rng, lo, hi));
                let acc_frac = l.in_type.frac + wtype.frac;
                let e = (acc_frac - l.out_type.frac).max(0) + l.out_type.bits as i32 - 3;
                let b = if e <= 0 { 1 } else { 1i64 << e.min(60) };
                let bias = Array1::from_shape_simple_fn(*out, || uniform(&mut rng, -b, b));
                Some(DenseParams { codes, bias })
            }
            Kind::Flatten => None,
        })
        .collect()
}

/// Parameters from `<layer>.weight` / `<layer>.bias` arrays of an `.npz`
/// file. `yaml` is the network description and `file` its `file:` value,
/// relative to it.
pub fn from_npz(
    yaml: &Path,
    file: &Spanned<String>,
    layers: &[Planned],
) -> Res<Vec<Option<DenseParams>>> {
    let base = yaml.parent().unwrap_or(Path::new(""));
    let path = base.join(&file.value);
    let f = File::open(&path).map_err(|e| {
        at_value(
            yaml,
            file,
            format!("cannot open weight file `{}`: {e}", path.display()),
        )
        .expected("an existing .npz file (paths are relative to the network description)")
    })?;
    let mut npz = NpzReader::new(BufReader::new(f)).map_err(|e| {
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
        let Kind::Dense {
            out: n_out, wtype, ..
        } = &l.kind
        else {
            out.push(None);
            continue;
        };
        let inn = l.in_shape.iter().product::<usize>();
        let acc_frac = l.in_type.frac + wtype.frac;
        let wname = format!("{}.weight", l.name);
        let bname = format!("{}.bias", l.name);
        if !names.contains(&wname) {
            return Err(fail(&path, format!("missing array `{wname}`"))
                .layer(&l.name)
                .expected(format!("`{wname}` of shape {}", shape_str(&[*n_out, inn]))));
        }
        let w = read(&path, &mut npz, &wname, &l.name, &[*n_out, inn])?;
        let codes = weight_codes(&path, &wname, &l.name, w, wtype)?;
        let bias = if names.contains(&bname) {
            let b = read(&path, &mut npz, &bname, &l.name, &[*n_out])?;
            bias_codes(&path, &bname, &l.name, b, acc_frac)?
        } else {
            ArrayD::zeros(vec![*n_out])
        };
        out.push(Some(DenseParams {
            codes: to_2d(codes, *n_out, inn),
            bias: bias.into_iter().collect(),
        }));
    }
    Ok(out)
}

fn to_2d(a: ArrayD<i64>, rows: usize, cols: usize) -> Array2<i64> {
    let v: Vec<i64> = a.iter().copied().collect();
    Array2::from_shape_vec((rows, cols), v).unwrap_or_else(|_| Array2::zeros((rows, cols)))
}

/// Every array must belong to a dense layer: a misspelt name would
/// otherwise be ignored.
fn check_names(path: &Path, names: &[String], layers: &[Planned]) -> Res<()> {
    let dense: Vec<&str> = layers
        .iter()
        .filter(|l| matches!(l.kind, Kind::Dense { .. }))
        .map(|l| l.name.as_str())
        .collect();
    let expected = || {
        format!(
            "arrays `<layer>.weight` and `<layer>.bias` of the dense layers: {}",
            dense.join(", ")
        )
    };
    for n in names {
        let layer = n
            .strip_suffix(".weight")
            .or_else(|| n.strip_suffix(".bias"));
        match layer {
            Some(l) if dense.contains(&l) => {}
            Some(l) if layers.iter().any(|p| p.name == l) => {
                return Err(
                    fail(path, format!("array `{n}`: layer `{l}` has no parameters"))
                        .layer(l)
                        .expected(expected()),
                );
            }
            Some(l) => {
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

fn read(
    path: &Path,
    npz: &mut NpzReader<BufReader<File>>,
    name: &str,
    layer: &str,
    shape: &[usize],
) -> Res<AnyArray> {
    let a = read_npz_member(npz, name)
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
        .map_err(|e| e.layer(layer))?;
    if a.shape() != shape {
        let what = if shape.len() == 2 {
            "[out, in]"
        } else {
            "[out]"
        };
        return Err(fail(
            path,
            format!("array `{name}` has shape {}", shape_str(a.shape())),
        )
        .layer(layer)
        .expected(format!("shape {} ({what})", shape_str(shape))));
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
