//! `OUT/build/<board>/` is replaced whole by every build, so it may hold
//! only what builds wrote there: each build lists the folder's files with
//! their SHA-256 in [`FILES_LIST`] when it ends (whether it succeeded or
//! not), and a folder holding anything else (a file of the user's, a file
//! changed since) is refused before anything is touched.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, InputError, Result};
use crate::output::sha256_hex;

/// The list of the files a build left in its folder.
pub const FILES_LIST: &str = "tomatl-build-files.json";

/// Every file under `dir` (relative, `/`-separated) and its SHA-256.
fn files(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(d.display().to_string(), e))?;
        for e in entries {
            let e = e.map_err(|e| Error::io(d.display().to_string(), e))?;
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            let p = e.path();
            if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                stack.push((p, format!("{name}/")));
            } else if name != FILES_LIST {
                let bytes = std::fs::read(&p).map_err(|e| Error::io(p.display().to_string(), e))?;
                out.insert(name, sha256_hex(&bytes));
            }
        }
    }
    Ok(out)
}

/// Refuse `dir` unless it is absent or holds only what an earlier build
/// listed, unchanged.
pub fn check(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let expected = "a build folder holding only what `tomatl build` wrote: move your own files \
                    out of it (it is replaced whole by the next build)";
    let listed: BTreeMap<String, String> = std::fs::read_to_string(dir.join(FILES_LIST))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| {
            Error::from(
                InputError::new(
                    dir,
                    format!("has no valid {FILES_LIST}: tomatl did not write it"),
                )
                .expected(expected),
            )
        })?;
    for (rel, sha) in files(dir)? {
        if listed.get(&rel) != Some(&sha) {
            return Err(InputError::new(
                dir,
                format!("holds `{rel}`, which tomatl did not write (or which changed since)"),
            )
            .expected(expected)
            .into());
        }
    }
    Ok(())
}

/// List the files of `dir` in [`FILES_LIST`].
pub fn record(dir: &Path) -> Result<()> {
    let text = serde_json::to_string_pretty(&files(dir)?)
        .map_err(|e| Error::Internal(format!("listing {}: {e}", dir.display())))?;
    let p = dir.join(FILES_LIST);
    std::fs::write(&p, text + "\n").map_err(|e| crate::output::write_err(&p, "cannot write", e))
}
