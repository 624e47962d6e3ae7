//! `tomatl quantize`: a network description and calibration data in, the
//! quantized description out (its weights stay in the original file).

use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use super::calibrate::{calibrate, ranges, Rule};
use super::describe::{describe, Choice};
use crate::error::{Error, InputError, Result};
use crate::frontend::spec::ParamsSpec;
use crate::frontend::{self, ArithSpec};
use crate::ir::Graph;

/// `to` written relative to the folder `from` (both made absolute).
pub fn relative(to: &Path, from: &Path) -> Result<PathBuf> {
    let abs = |p: &Path| -> Result<PathBuf> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io("reading the current directory", e))?
                .join(p)
        };
        // lexical normalisation: drop `.`, fold `..`
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        Ok(out)
    };
    let (to, from) = (abs(to)?, abs(from)?);
    let common = to
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel = PathBuf::new();
    for _ in from.components().skip(common) {
        rel.push("..");
    }
    for c in to.components().skip(common) {
        rel.push(c);
    }
    Ok(rel)
}

/// The `params:` of a description written to `out` that uses the weights
/// of the description `net`.
pub fn params_spec(net: &Path, out: &Path) -> Result<ParamsSpec> {
    let Some(file) = frontend::weight_file(net)? else {
        return Err(InputError::new(
            net,
            "the network has random weights: there are no real weights to quantize",
        )
        .expected("`params: {file: weights.npz}` with the trained float weights")
        .into());
    };
    let dir = out.parent().unwrap_or(Path::new(""));
    let rel = relative(&file, dir)?;
    let text = rel.to_string_lossy().replace('\\', "/");
    Ok(ParamsSpec::file(&text))
}

/// Load a description written for `out` (the writer's text, marked as
/// tomatl's; checked the way `tomatl check` would) and write it there whole.
/// The path must be new or a description tomatl wrote
/// ([`crate::output`]); missing parent folders are created.
pub fn write_checked(text: &str, out: &Path) -> Result<Graph> {
    use crate::output::{check_file, write_file, CreatedDirs, FileKind};
    let target = check_file(out, FileKind::Yaml, &[])?;
    // the weights are named relative to the folder: it must exist to load
    let made = match target.parent() {
        Some(d) => CreatedDirs::create(d, out)?,
        None => CreatedDirs::default(),
    };
    let graph = frontend::load_str(text, out)?;
    write_file(out, &target, text.as_bytes())?;
    made.keep();
    Ok(graph)
}

/// Quantize `net` on the calibration frames in `calib` with `rule`, write
/// the description to `out`, and return a summary table.
pub fn quantize_file(net: &Path, calib: &Path, out: &Path, rule: &Rule) -> Result<String> {
    let graph = frontend::load(net)?;
    let params = params_spec(net, out)?;
    let x = frontend::read_real_tensor(calib, &graph.input_shape, &graph.input_type)?;
    let choices = calibrate(&graph, x.view(), rule);
    let header = vec![
        format!(
            "{} quantized by `tomatl quantize` on {} calibration frame(s) of {}",
            graph.name,
            x.nrows(),
            calib.file_name().map_or("?".into(), |f| f.to_string_lossy())
        ),
        "from the float weights: every layer's binary points fit its weights and calibration ranges".into(),
    ];
    let text = describe(&graph, &choices, params, &header);
    let q = write_checked(&text, out)?;
    Ok(summary(&q, &choices, &ranges(&graph, x.view()), out))
}

fn summary(q: &Graph, choices: &[Choice], max: &[f64], out: &Path) -> String {
    let mut s = format!(
        "{:<14} {:<10} {:<14} {:<10} {:>12}\n",
        "layer", "op", "weights", "output", "calib max"
    );
    for ((l, c), m) in q.layers.iter().zip(choices).zip(max) {
        let w = c
            .weights
            .map(|w| {
                let spec = ArithSpec {
                    arith: w.arith,
                    bits: w.bits,
                };
                format!("{spec} f{}", w.frac)
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<14} {:<10} {:<14} {:<10} {:>12.4}",
            l.name,
            l.op.kind(),
            w,
            l.out_type.short(),
            m
        );
    }
    let _ = writeln!(s, "wrote {}", out.display());
    s
}
