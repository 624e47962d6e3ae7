//! Reading user files with bounded work: a file must be a regular file
//! (symbolic links are followed) no larger than the limit of its kind, and
//! no more than that limit is ever read, so a device, a FIFO or a file that
//! grows while it is read cannot make a command read forever.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::diag::{fail, Res};
use crate::error::InputError;

/// Network descriptions (YAML).
pub const MAX_DESCRIPTION_BYTES: u64 = 16 << 20;
/// Board definitions (YAML).
pub const MAX_BOARD_BYTES: u64 = 1 << 20;
/// `.npy` tensors: inputs, calibration and evaluation data, labels.
pub const MAX_NPY_BYTES: u64 = 1 << 30;
/// `.npz` weight files.
pub const MAX_NPZ_BYTES: u64 = 2 << 30;
/// The unpacked data of all the arrays read from one `.npz` file (members
/// may be deflated, so this bounds what a small archive can expand to).
pub const MAX_NPZ_UNPACKED_BYTES: u64 = 2 << 30;
/// ONNX models.
pub const MAX_ONNX_BYTES: u64 = 1 << 30;

/// Sizes in messages: bytes, with a binary unit when it is exact.
pub fn bytes_text(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// Check that `path` is a regular file of at most `limit` bytes; its size.
/// `what` names the file's role in messages ("network description").
pub(crate) fn check_regular(path: &Path, limit: u64, what: &str) -> Res<u64> {
    let meta =
        std::fs::metadata(path).map_err(|e| fail(path, format!("cannot read {what}: {e}")))?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(fail(path, format!("cannot read {what}: it is {kind}"))
            .expected(format!("a regular file holding the {what}")));
    }
    too_large(path, meta.len(), limit, what)?;
    Ok(meta.len())
}

fn too_large(path: &Path, size: u64, limit: u64, what: &str) -> Res<()> {
    if size > limit {
        return Err(fail(
            path,
            format!(
                "the {what} is {}, more than the limit of {}",
                bytes_text(size),
                bytes_text(limit)
            ),
        )
        .expected(format!("a {what} of at most {}", bytes_text(limit))));
    }
    Ok(())
}

/// Open a regular file of at most `limit` bytes; the file and its size.
pub(crate) fn open_bounded(path: &Path, limit: u64, what: &str) -> Res<(File, u64)> {
    check_regular(path, limit, what)?;
    let f = File::open(path).map_err(|e| fail(path, format!("cannot read {what}: {e}")))?;
    // the path may have been replaced between the two looks
    let size = check_open(path, &f, limit, what)?;
    Ok((f, size))
}

fn check_open(path: &Path, f: &File, limit: u64, what: &str) -> Res<u64> {
    let meta = f
        .metadata()
        .map_err(|e| fail(path, format!("cannot read {what}: {e}")))?;
    if !meta.is_file() {
        return Err(
            fail(path, format!("cannot read {what}: not a regular file"))
                .expected(format!("a regular file holding the {what}")),
        );
    }
    too_large(path, meta.len(), limit, what)?;
    Ok(meta.len())
}

/// The contents of a regular file of at most `limit` bytes; reads at most
/// `limit + 1` bytes whatever the file does meanwhile.
pub(crate) fn read_bounded(path: &Path, limit: u64, what: &str) -> Res<Vec<u8>> {
    let (f, size) = open_bounded(path, limit, what)?;
    let mut buf = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
    f.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| fail(path, format!("cannot read {what}: {e}")))?;
    too_large(path, buf.len() as u64, limit, what)?;
    Ok(buf)
}

/// [`read_bounded`] for a text file, which must be UTF-8.
pub(crate) fn read_text_bounded(path: &Path, limit: u64, what: &str) -> Res<String> {
    let bytes = read_bounded(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
        InputError::new(path, format!("the {what} is not UTF-8 text (byte {at})"))
            .at(line, col)
            .expected("a UTF-8 text file")
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_large_files_are_refused() {
        let e = read_bounded(Path::new("/dev/zero"), 100, "tensor file").err();
        let msg = e.map(|e| e.0.to_string()).unwrap_or_default();
        assert!(
            msg.starts_with("/dev/zero: cannot read tensor file: it is not a regular file"),
            "{msg}"
        );
        let e = read_bounded(Path::new("/"), 100, "tensor file").err();
        let msg = e.map(|e| e.0.to_string()).unwrap_or_default();
        assert!(msg.contains("it is a directory"), "{msg}");
        let dir = std::env::temp_dir().join(format!("tomatl-read-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("big.yaml");
        std::fs::write(&p, vec![b'#'; 2048]).unwrap_or_else(|e| panic!("{e}"));
        let e = read_text_bounded(&p, 1024, "network description").err();
        let msg = e.map(|e| e.0.to_string()).unwrap_or_default();
        assert!(
            msg.contains("the network description is 2 KiB, more than the limit of 1 KiB"),
            "{msg}"
        );
        assert_eq!(
            read_bounded(&p, 2048, "x").map(|b| b.len()).ok(),
            Some(2048)
        );
        std::fs::write(&p, b"a: 1\nb: \xff\n").unwrap_or_else(|e| panic!("{e}"));
        let e = read_text_bounded(&p, 1024, "network description").err();
        let msg = e.map(|e| e.0.to_string()).unwrap_or_default();
        assert!(
            msg.contains("big.yaml:2:4: the network description is not UTF-8"),
            "{msg}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
