//! import stage: a trained model (float ONNX, or QONNX as Brevitas exports
//! it) becomes a network description and its weight file, which the
//! frontend then reads like any other.
//!
//! `proto.rs` reads the protobuf wire format, `onnx.rs` the ONNX messages
//! tomatl needs, `convert.rs` maps the graph onto tomatl layers.

pub mod convert;
pub mod onnx;
pub mod proto;
pub mod thresholds;

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
        if e.unsupported {
            InputError::new(model, e.what).expected(format!(
                "tensors of the element types tomatl reads: {}",
                onnx::READ_TYPES
            ))
        } else {
            InputError::new(model, format!("not a readable ONNX model: {e}"))
                .expected("an ONNX model (a ModelProto protobuf)")
        }
    })?;
    let source = model.file_name().map_or_else(
        || model.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    convert::convert(&m, input_type, npz_name, &source).map_err(|p| {
        let what = match &p.node {
            Some(label) => format!("{label}: {}", p.what),
            None => p.what.clone(),
        };
        let mut e = InputError::new(model, what);
        if !p.expected.is_empty() {
            e = e.expected(p.expected);
        }
        e.into()
    })
}

/// The weight archive as bytes, marked as tomatl's.
fn npz_bytes(arrays: &[(String, Array)]) -> Result<Vec<u8>> {
    let mut npz = NpzWriter::new(std::io::Cursor::new(Vec::new()));
    let fail = |e: ndarray_npy::WriteNpzError| Error::Internal(format!("writing the weights: {e}"));
    for (name, a) in arrays {
        match a {
            Array::Float(f) => npz.add_array(name.as_str(), f).map_err(fail)?,
            Array::Int(i) => npz.add_array(name.as_str(), i).map_err(fail)?,
        }
    }
    let mut bytes = npz.finish().map_err(fail)?.into_inner();
    crate::output::mark_npz(&mut bytes)?;
    Ok(bytes)
}

/// Import `model` into the description `out` (`.yaml`) and its weights
/// (`out` with extension `.npz`). Both paths are checked first (new, or
/// written by tomatl; never the model); the pair is then loaded through the
/// frontend from a private copy, and only when it loads are both written
/// (missing parent folders created).
pub fn import(model: &Path, out: &Path, input_type: TensorType) -> Result<Summary> {
    use crate::output::{check_file, write_file, FileKind};
    let is_yaml = out.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if !is_yaml {
        return Err(InputError::new(out, "is not a .yaml file name")
            .expected("-o NET.yaml (the weights go beside it as NET.npz)")
            .into());
    }
    let npz = out.with_extension("npz");
    let npz_name = npz
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| InputError::new(out, "not a file name").expected("-o NET.yaml"))?;
    let yaml_target = check_file(out, FileKind::Yaml, &[model, &npz])?;
    let npz_target = check_file(&npz, FileKind::Npz, &[model, out])?;
    let imported = convert_file(model, input_type, &npz_name)?;
    let yaml = &imported.yaml;
    let weights = npz_bytes(&imported.arrays)?;
    // check the pair as the frontend will read it, from a private folder
    let scratch = std::env::temp_dir().join(format!("tomatl-import-{}", std::process::id()));
    let checked = (|| -> Result<()> {
        std::fs::create_dir_all(&scratch)
            .map_err(|e| Error::io(format!("creating {}", scratch.display()), e))?;
        std::fs::write(scratch.join(&npz_name), &weights)
            .map_err(|e| Error::io(format!("writing {}", scratch.display()), e))?;
        let probe = scratch.join(out.file_name().unwrap_or_default());
        crate::frontend::load_str(yaml, &probe)
            .map(|_| ())
            .map_err(|e| match e {
                // the description and weights were never written: name the
                // model, and the layer with the ONNX node it came from, not a
                // line of a file the user does not have
                Error::Input(mut ie) if ie.file.starts_with(&scratch) => {
                    let node = ie.layer.as_ref().and_then(|l| {
                        imported
                            .onnx_nodes
                            .iter()
                            .find(|(name, _)| name == l)
                            .map(|(_, label)| label.clone())
                    });
                    let what = match (&ie.layer, node) {
                        (Some(l), Some(n)) => format!("{n}, imported as layer `{l}`: {}", ie.what),
                        (Some(l), None) => format!("layer `{l}`: {}", ie.what),
                        _ => ie.what.clone(),
                    };
                    ie.what = format!("the imported network is not valid for tomatl: {what}");
                    ie.file = model.to_path_buf();
                    ie.line = None;
                    ie.col = None;
                    ie.layer = None;
                    Error::Input(ie)
                }
                e => e,
            })
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    checked?;
    write_file(&npz, &npz_target, &weights)?;
    write_file(out, &yaml_target, yaml.as_bytes())?;
    Ok(Summary {
        layers: imported.layers,
        params: imported.params,
        npz,
    })
}
