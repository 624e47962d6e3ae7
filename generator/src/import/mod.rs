//! import stage: a trained model (float ONNX, or QONNX as Brevitas exports
//! it) becomes a network description and its weight file, which the
//! frontend then reads like any other.
//!
//! `proto.rs` reads the protobuf wire format, `onnx.rs` the ONNX messages
//! tomatl needs, `convert.rs` maps the graph onto tomatl layers.

pub mod convert;
pub mod onnx;
pub mod proto;

use std::path::Path;

use ndarray_npy::NpzWriter;

use crate::error::{Error, InputError, Result};
use crate::ir::TensorType;
use convert::{Array, Imported};

/// What an import wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    pub layers: usize,
    pub params: usize,
    pub npz: std::path::PathBuf,
}

/// Parse and convert `model` for a description named `npz_name` weights.
pub fn convert_file(model: &Path, input_type: TensorType, npz_name: &str) -> Result<Imported> {
    let bytes =
        crate::frontend::read::read_bounded(model, crate::frontend::read::MAX_ONNX_BYTES, "model")?;
    let m = onnx::parse(&bytes).map_err(|e| {
        InputError::new(model, format!("not a readable ONNX model: {e}"))
            .expected("an ONNX model (a ModelProto protobuf)")
    })?;
    let source = model.file_name().map_or_else(
        || model.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    convert::convert(&m, input_type, npz_name, &source).map_err(|p| {
        let what = match &p.node {
            Some((name, op)) => format!("node `{name}` ({op}): {}", p.what),
            None => p.what.clone(),
        };
        let mut e = InputError::new(model, what);
        if !p.expected.is_empty() {
            e = e.expected(p.expected);
        }
        e.into()
    })
}

fn write_npz(path: &Path, arrays: &[(String, Array)]) -> Result<()> {
    let io = |e: std::io::Error| Error::io(format!("writing {}", path.display()), e);
    let f = std::fs::File::create(path).map_err(io)?;
    let mut npz = NpzWriter::new(f);
    let fail =
        |e: ndarray_npy::WriteNpzError| Error::Internal(format!("writing {}: {e}", path.display()));
    for (name, a) in arrays {
        match a {
            Array::Float(f) => npz.add_array(name.as_str(), f).map_err(fail)?,
            Array::Int(i) => npz.add_array(name.as_str(), i).map_err(fail)?,
        }
    }
    npz.finish().map_err(fail)?;
    Ok(())
}

/// Import `model` into the description `out` (`.yaml`) and its weights
/// (`out` with extension `.npz`); both are checked by loading them through
/// the frontend before anything is left in place.
pub fn import(model: &Path, out: &Path, input_type: TensorType) -> Result<Summary> {
    let npz = out.with_extension("npz");
    let npz_name = npz
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| InputError::new(out, "not a file name").expected("-o NET.yaml"))?;
    let imported = convert_file(model, input_type, &npz_name)?;
    let tmp_npz = out.with_extension("npz.partial");
    write_npz(&tmp_npz, &imported.arrays)?;
    // check the pair as the frontend will read it, with the weights in place
    let had = npz.exists();
    let checked = std::fs::rename(&tmp_npz, &npz)
        .map_err(|e| Error::io(format!("writing {}", npz.display()), e))
        .and_then(|_| crate::frontend::load_str(&imported.yaml, out).map(|_| ()));
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&tmp_npz);
        if !had {
            let _ = std::fs::remove_file(&npz);
        }
        return Err(e);
    }
    let tmp = out.with_extension("yaml.partial");
    std::fs::write(&tmp, &imported.yaml)
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, out).map_err(|e| Error::io(format!("writing {}", out.display()), e))?;
    Ok(Summary {
        layers: imported.layers,
        params: imported.params,
        npz,
    })
}
