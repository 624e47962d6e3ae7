//! Input and output tensors as `.npy` files shaped `[frames, ...shape]`.

use std::path::Path;

use ndarray::{Array2, ArrayD, IxDyn};
use ndarray_npy::{write_npy, WritableElement, WriteNpyError};

use super::arrays::{read_npy_bytes, unravel, AnyArray, ArrayError};
use super::diag::{fail, shape_str};
use super::quantize::tensor_code;
use super::read::{read_bounded, MAX_NPY_BYTES};
use crate::error::Error;
use crate::ir::TensorType;

/// Read frames from a `.npy` file shaped `[frames, ...shape]` or
/// `[frames, prod(shape)]` into codes `[frames, prod(shape)]`. Integer
/// arrays are codes (checked against the type's range); float arrays are
/// real values, quantized with round-half-up and saturation.
pub fn read_tensor(path: &Path, shape: &[usize], ty: &TensorType) -> Result<Array2<i64>, Error> {
    let (frames, a, got) = read_frames(path, shape, ty)?;
    let codes: Vec<i64> = match a {
        AnyArray::Int(c) => {
            check_codes(path, &c, &got, ty)?;
            c.iter().copied().collect()
        }
        AnyArray::Float(f) => f.iter().map(|&x| tensor_code(x, ty)).collect(),
    };
    reshape(path, frames, shape, codes)
}

/// Read frames like [`read_tensor`] as real values `[frames, prod(shape)]`,
/// unquantized: integer arrays are codes of `ty` (`code·2^-frac`), float
/// arrays are taken as they are. The input of the float reference model.
pub fn read_real_tensor(
    path: &Path,
    shape: &[usize],
    ty: &TensorType,
) -> Result<Array2<f64>, Error> {
    let (frames, a, got) = read_frames(path, shape, ty)?;
    let reals: Vec<f64> = match a {
        AnyArray::Int(c) => {
            check_codes(path, &c, &got, ty)?;
            let s = 2f64.powi(-ty.frac);
            c.iter().map(|&v| v as f64 * s).collect()
        }
        AnyArray::Float(f) => f.iter().copied().collect(),
    };
    reshape(path, frames, shape, reals)
}

/// Read integer labels: a `.npy` of shape `[frames]` (or `[frames, 1]`)
/// with values in `0..classes`.
pub fn read_labels(path: &Path, classes: usize) -> Result<Vec<usize>, Error> {
    let bytes = read_bounded(path, MAX_NPY_BYTES, "label file")?;
    let expected = format!("integer class labels in 0..{classes}, shaped [frames]");
    let a = read_npy_bytes(&bytes).map_err(|e| {
        fail(path, format!("not a readable label file: {}", describe(e))).expected(&expected)
    })?;
    let AnyArray::Int(c) = a else {
        return Err(fail(path, "labels are floats").expected(&expected).into());
    };
    if !(c.ndim() == 1 || (c.ndim() == 2 && c.shape()[1] == 1)) {
        return Err(
            fail(path, format!("labels have shape {}", shape_str(c.shape())))
                .expected(&expected)
                .into(),
        );
    }
    c.iter()
        .enumerate()
        .map(|(i, &v)| {
            usize::try_from(v)
                .ok()
                .filter(|&v| v < classes)
                .ok_or_else(|| {
                    fail(path, format!("label {v} at index [{i}] is out of range"))
                        .expected(&expected)
                        .into()
                })
        })
        .collect()
}

fn describe(e: ArrayError) -> String {
    match e {
        ArrayError::TooLarge(idx, v) => {
            format!("value {v} at index {} is too large", shape_str(&idx))
        }
        ArrayError::Dtype(d) => format!("unsupported dtype {d}"),
        ArrayError::Other(msg) => msg,
    }
}

/// A `.npy` file of frames: the number of frames, the array and its shape.
fn read_frames(
    path: &Path,
    shape: &[usize],
    ty: &TensorType,
) -> Result<(usize, AnyArray, Vec<usize>), Error> {
    check_type(ty)?;
    let bytes = read_bounded(path, MAX_NPY_BYTES, "tensor file")?;
    let a = read_npy_bytes(&bytes).map_err(|e| match e {
        ArrayError::TooLarge(idx, v) => fail(
            path,
            format!("value {v} at index {} is out of range", shape_str(&idx)),
        )
        .expected(range_text(ty)),
        ArrayError::Dtype(d) => fail(path, format!("unsupported dtype {d}"))
            .expected("an integer or float32/float64 array"),
        ArrayError::Other(msg) => fail(path, format!("not a readable .npy file: {msg}"))
            .expected("a NumPy .npy file (numpy.save)"),
    })?;
    let len: usize = shape.iter().product();
    let got = a.shape().to_vec();
    let frames = match got.split_first() {
        Some((&f, rest)) if rest == shape || rest == [len] => f,
        _ => {
            let mut exp = format!("[frames, {}]", shape_str(shape).trim_matches(['[', ']']));
            if shape.len() != 1 {
                exp.push_str(&format!(" or [frames, {len}]"));
            }
            return Err(fail(path, format!("array has shape {}", shape_str(&got)))
                .expected(format!("shape {exp}"))
                .into());
        }
    };
    if let AnyArray::Float(f) = &a {
        if let Some((i, _)) = f.iter().enumerate().find(|(_, v)| v.is_nan()) {
            return Err(fail(
                path,
                format!("NaN at index {}", shape_str(&unravel(i, &got))),
            )
            .expected("numbers (float arrays are quantized to the input type)")
            .into());
        }
    }
    Ok((frames, a, got))
}

/// Integer arrays are codes: each must lie in the type's range.
fn check_codes(path: &Path, c: &ArrayD<i64>, got: &[usize], ty: &TensorType) -> Result<(), Error> {
    let (lo, hi) = (ty.min_code(), ty.max_code());
    if let Some((i, v)) = c.iter().enumerate().find(|(_, &v)| v < lo || v > hi) {
        return Err(fail(
            path,
            format!(
                "code {v} at index {} is out of range for type {}",
                shape_str(&unravel(i, got)),
                ty.short()
            ),
        )
        .expected(range_text(ty))
        .into());
    }
    Ok(())
}

fn reshape<T>(path: &Path, frames: usize, shape: &[usize], v: Vec<T>) -> Result<Array2<T>, Error> {
    let len: usize = shape.iter().product();
    Array2::from_shape_vec((frames, len), v)
        .map_err(|e| Error::Internal(format!("{}: reshaping tensor: {e}", path.display())))
}

/// Tensor types come from a checked graph; anything else is a fault.
fn check_type(ty: &TensorType) -> Result<(), Error> {
    if (1..=63).contains(&ty.bits) {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "tensor type with {} bits is not supported",
            ty.bits
        )))
    }
}

fn range_text(ty: &TensorType) -> String {
    format!(
        "codes in {}..={} (type {})",
        ty.min_code(),
        ty.max_code(),
        ty.short()
    )
}

/// Write codes `[frames, prod(shape)]` as a `.npy` file shaped
/// `[frames, ...shape]`, with the smallest NumPy integer dtype holding the
/// type (int8/uint8/int16/uint16/int32, int64 beyond).
pub fn write_tensor(
    path: &Path,
    codes: &Array2<i64>,
    shape: &[usize],
    ty: &TensorType,
) -> Result<(), Error> {
    check_type(ty)?;
    let len: usize = shape.iter().product();
    if codes.ncols() != len {
        return Err(Error::Internal(format!(
            "{}: {} values per frame do not match shape {}",
            path.display(),
            codes.ncols(),
            shape_str(shape)
        )));
    }
    if let Some(((f, i), v)) = codes
        .indexed_iter()
        .find(|(_, &v)| v < ty.min_code() || v > ty.max_code())
    {
        return Err(Error::Internal(format!(
            "{}: code {v} of frame {f}, element {i} does not fit type {}",
            path.display(),
            ty.short()
        )));
    }
    let mut dims = vec![codes.nrows()];
    dims.extend_from_slice(shape);
    match (ty.signed, ty.bits) {
        (true, 0..=8) => put(path, codes, &dims, |c| c as i8),
        (false, 0..=8) => put(path, codes, &dims, |c| c as u8),
        (true, 9..=16) => put(path, codes, &dims, |c| c as i16),
        (false, 9..=16) => put(path, codes, &dims, |c| c as u16),
        (_, 17..=31) | (true, 32) => put(path, codes, &dims, |c| c as i32),
        _ => put(path, codes, &dims, |c| c),
    }
}

fn put<T: WritableElement>(
    path: &Path,
    codes: &Array2<i64>,
    dims: &[usize],
    f: impl Fn(i64) -> T,
) -> Result<(), Error> {
    let v: Vec<T> = codes.iter().map(|&c| f(c)).collect();
    let a = ArrayD::from_shape_vec(IxDyn(dims), v)
        .map_err(|e| Error::Internal(format!("{}: reshaping tensor: {e}", path.display())))?;
    write_npy(path, &a).map_err(|e| match e {
        WriteNpyError::Io(io) => Error::io(format!("writing {}", path.display()), io),
        other => Error::Internal(format!("{}: {other}", path.display())),
    })
}
