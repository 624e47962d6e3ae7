//! Reading NumPy arrays of any integer or float dtype (from a `.npy` file or
//! an `.npz` member) into one of two element kinds, with work bounded by the
//! data really present (`npy.rs`).

use std::fs::File;
use std::io::BufReader;

use ndarray::ArrayD;
use zip::result::ZipError;
use zip::ZipArchive;

use super::npy;
use super::read::MAX_NPZ_UNPACKED_BYTES;

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

/// Read the contents of a `.npy` file.
pub fn read_npy_bytes(bytes: &[u8]) -> Result<AnyArray, ArrayError> {
    npy::read_bytes(bytes)
}

/// An open `.npz` archive. The data read from it, over all its members,
/// is at most [`MAX_NPZ_UNPACKED_BYTES`].
pub struct Npz {
    zip: ZipArchive<BufReader<File>>,
    budget: u64,
}

impl Npz {
    /// Open an archive (a regular file whose size has been checked).
    pub fn open(f: File) -> Result<Npz, String> {
        let zip = ZipArchive::new(BufReader::new(f)).map_err(|e| e.to_string())?;
        Ok(Npz {
            zip,
            budget: MAX_NPZ_UNPACKED_BYTES,
        })
    }

    /// The array names, in archive order (one `.npy` suffix stripped, as
    /// NumPy does).
    pub fn names(&mut self) -> Result<Vec<String>, String> {
        (0..self.zip.len())
            .map(|i| {
                let f = self.zip.by_index(i).map_err(|e| e.to_string())?;
                let name = f.name();
                Ok(name.strip_suffix(".npy").unwrap_or(name).to_owned())
            })
            .collect()
    }

    /// Member `name` (or `name.npy`).
    pub fn read(&mut self, name: &str) -> Result<AnyArray, ArrayError> {
        let zip_err = |e: ZipError| ArrayError::Other(e.to_string());
        let index = match self.zip.index_for_name(name) {
            Some(i) => i,
            None => self
                .zip
                .index_for_name(&format!("{name}.npy"))
                .ok_or_else(|| zip_err(ZipError::FileNotFound))?,
        };
        let mut f = self.zip.by_index(index).map_err(zip_err)?;
        let available = f.size();
        npy::read_stream(&mut f, available, &mut self.budget)
    }
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
