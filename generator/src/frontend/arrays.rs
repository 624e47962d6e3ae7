//! Reading NumPy arrays of any integer or float dtype (from a `.npy` file or
//! an `.npz` member) into one of two element kinds.

use std::io::{Read, Seek};

use ndarray::{ArrayD, IxDyn, OwnedRepr};
use ndarray_npy::{NpzReader, ReadNpyError, ReadNpyExt, ReadNpzError, ReadableElement};

/// An array as stored: integers (codes) or reals.
pub enum AnyArray {
    Int(ArrayD<i64>),
    Float(ArrayD<f64>),
}

impl AnyArray {
    pub fn shape(&self) -> &[usize] {
        match self {
            AnyArray::Int(a) => a.shape(),
            AnyArray::Float(a) => a.shape(),
        }
    }
}

/// Why an array could not be read.
pub enum ArrayError {
    /// A `u64` element does not fit an `i64`: its index and value.
    TooLarge(Vec<usize>, u64),
    /// The dtype is not an integer or float32/float64.
    Dtype(String),
    /// Anything else (truncated data, bad header, zip error), as text.
    Other(String),
}

/// Where arrays come from: one attempt per element type.
trait Source {
    fn read<T: ReadableElement>(&mut self) -> Result<ArrayD<T>, ReadNpyError>;
}

struct Bytes<'a>(&'a [u8]);

impl Source for Bytes<'_> {
    fn read<T: ReadableElement>(&mut self) -> Result<ArrayD<T>, ReadNpyError> {
        ArrayD::<T>::read_npy(self.0)
    }
}

struct Member<'a, R: Read + Seek> {
    npz: &'a mut NpzReader<R>,
    name: &'a str,
}

impl<R: Read + Seek> Source for Member<'_, R> {
    fn read<T: ReadableElement>(&mut self) -> Result<ArrayD<T>, ReadNpyError> {
        match self.npz.by_name::<OwnedRepr<T>, IxDyn>(self.name) {
            Ok(a) => Ok(a),
            Err(ReadNpzError::Npy(e)) => Err(e),
            Err(ReadNpzError::Zip(e)) => Err(ReadNpyError::Io(std::io::Error::other(e))),
        }
    }
}

/// Read the contents of a `.npy` file.
pub fn read_npy_bytes(bytes: &[u8]) -> Result<AnyArray, ArrayError> {
    read_any(&mut Bytes(bytes))
}

/// Read member `name` of an `.npz` archive.
pub fn read_npz_member<R: Read + Seek>(
    npz: &mut NpzReader<R>,
    name: &str,
) -> Result<AnyArray, ArrayError> {
    read_any(&mut Member { npz, name })
}

/// `Ok(None)` when the dtype is not `T`.
fn attempt<T: ReadableElement>(
    src: &mut impl Source,
    last_dtype: &mut String,
) -> Result<Option<ArrayD<T>>, ArrayError> {
    match src.read::<T>() {
        Ok(a) => Ok(Some(a)),
        Err(ReadNpyError::WrongDescriptor(d)) => {
            *last_dtype = d.to_string();
            Ok(None)
        }
        Err(e) => Err(ArrayError::Other(e.to_string())),
    }
}

macro_rules! try_ints {
    ($src:expr, $dt:expr, $($t:ty),*) => {
        $(
            if let Some(a) = attempt::<$t>($src, $dt)? {
                return Ok(AnyArray::Int(a.mapv(i64::from)));
            }
        )*
    };
}

fn read_any(src: &mut impl Source) -> Result<AnyArray, ArrayError> {
    let mut dtype = String::new();
    if let Some(a) = attempt::<f32>(src, &mut dtype)? {
        return Ok(AnyArray::Float(a.mapv(f64::from)));
    }
    if let Some(a) = attempt::<f64>(src, &mut dtype)? {
        return Ok(AnyArray::Float(a));
    }
    try_ints!(src, &mut dtype, i8, i16, i32, i64, u8, u16, u32);
    if let Some(a) = attempt::<u64>(src, &mut dtype)? {
        if let Some((i, &v)) = a.iter().enumerate().find(|(_, &v)| v > i64::MAX as u64) {
            return Err(ArrayError::TooLarge(unravel(i, a.shape()), v));
        }
        return Ok(AnyArray::Int(a.mapv(|v| v as i64)));
    }
    Err(ArrayError::Dtype(dtype))
}

/// The multi-index of the `i`-th element in row-major order.
pub fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &n) in shape.iter().enumerate().rev() {
        if n > 0 {
            idx[k] = i % n;
            i /= n;
        }
    }
    idx
}
