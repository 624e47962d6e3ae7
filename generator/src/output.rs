//! Where commands write, and the promise that they never destroy.
//!
//! A command that writes a folder (`generate`, `search`) may name a path
//! that does not exist yet (created, parents too), an empty folder, or an
//! earlier output of the same kind, recognised by its manifest
//! ([`MANIFEST`]: every file tomatl wrote with its SHA-256, and a signature
//! over them). Anything else is refused with exit code 2 before anything is
//! touched: a file, a folder that tomatl did not write or that holds files
//! tomatl did not write, `/`, the working directory or one of its
//! ancestors, a folder holding one of the command's inputs.
//!
//! A folder is replaced atomically: the new tree is written to a sibling
//! `.NAME.tomatl-tmp-PID`, then swapped with the old one in one
//! `renameat2(RENAME_EXCHANGE)`, and the old tree (now under the temporary
//! name) is removed. A kill at any instant leaves the old tree or the new
//! one whole at `out`; temporaries of killed runs are removed by the next
//! run that writes beside them.
//!
//! Files (`import`, `quantize`, `run`) follow the same rule: a new path, or
//! a file tomatl wrote ([`FileKind`] says how each kind is recognised),
//! never one of the command's inputs; written to a temporary sibling and
//! renamed into place.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, InputError, Result};

/// The manifest of a folder that tomatl wrote.
pub const MANIFEST: &str = "tomatl-manifest.json";

/// What kind of folder a command writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirKind {
    /// `tomatl generate`: a design.
    Design,
    /// `tomatl search`: best.yaml, search.md, search.json.
    Search,
    /// `tomatl build`: a board's deployment package (`OUT/deploy/<board>`).
    Deploy,
}

impl DirKind {
    pub fn name(self) -> &'static str {
        match self {
            DirKind::Design => "design",
            DirKind::Search => "search",
            DirKind::Deploy => "deployment package",
        }
    }

    fn command(self) -> &'static str {
        match self {
            DirKind::Design => "tomatl generate",
            DirKind::Search => "tomatl search",
            DirKind::Deploy => "tomatl build",
        }
    }

    /// Paths (relative, `/`-separated) that later tomatl commands write
    /// inside such a folder: a file of that name, or anything under a
    /// folder of that name. They are tomatl's too, so a replacement may
    /// remove them.
    pub fn scratch(self) -> &'static [&'static str] {
        match self {
            DirKind::Design => &[
                "verify.json",
                "synth.json",
                "sim/obj_dir",
                "sim/obj_dir.lock",
                "sim/runs",
                "sim/bisect",
                "sim/netlist",
                "sim/input.txt",
                "sim/output.txt",
                "synth",
                "build",
                "deploy",
            ],
            DirKind::Search | DirKind::Deploy => &[],
        }
    }
}

/// What `tomatl-manifest.json` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub kind: String,
    /// Every file tomatl wrote (relative path, `/`-separated) and its SHA-256.
    pub files: BTreeMap<String, String>,
    /// SHA-256 over the kind and the file list: a manifest that was not
    /// written by tomatl does not carry the right one by accident.
    pub signature: String,
}

/// Lowercase hexadecimal of `bytes` (a digest).
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The SHA-256 of `bytes`, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn signature(kind: &str, files: &BTreeMap<String, String>) -> String {
    let mut text = format!("tomatl-manifest\0{kind}\0");
    for (p, h) in files {
        text.push_str(p);
        text.push('\0');
        text.push_str(h);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

impl Manifest {
    pub fn new(kind: DirKind, files: &[(&str, &[u8])]) -> Self {
        let files: BTreeMap<String, String> = files
            .iter()
            .map(|(p, c)| (p.to_string(), sha256_hex(c)))
            .collect();
        Manifest {
            tool: "tomatl".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            kind: kind.name().into(),
            signature: signature(kind.name(), &files),
            files,
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("serializing {MANIFEST}: {e}")))
    }

    /// The manifest of folder `dir`, when it holds a valid one of `kind`.
    pub fn read(dir: &Path, kind: DirKind) -> Option<Manifest> {
        let p = dir.join(MANIFEST);
        let meta = std::fs::metadata(&p).ok()?;
        if !meta.is_file() || meta.len() > 64 << 20 {
            return None;
        }
        let text = std::fs::read_to_string(&p).ok()?;
        let m: Manifest = serde_json::from_str(&text).ok()?;
        (m.tool == "tomatl" && m.kind == kind.name() && m.signature == signature(&m.kind, &m.files))
            .then_some(m)
    }
}

fn refuse(out: &Path, what: impl Into<String>, expected: impl Into<String>) -> Error {
    InputError::new(out, what).expected(expected).into()
}

/// `p` made absolute with every existing component resolved as the
/// kernel would (symbolic links followed, `..` of a link's target) and the
/// components that do not exist yet taken lexically.
pub fn resolve(p: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(p)
        .map_err(|e| refuse(p, format!("cannot resolve the path: {e}"), "a valid path"))?;
    let mut cur = PathBuf::new();
    let mut exists = true;
    for c in abs.components() {
        match c {
            Component::Prefix(x) => cur.push(x.as_os_str()),
            Component::RootDir => cur.push("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
            }
            Component::Normal(x) => {
                cur.push(x);
                if exists {
                    match std::fs::canonicalize(&cur) {
                        Ok(c) => cur = c,
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    Ok(cur)
}

fn cwd() -> Result<PathBuf> {
    std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Error::io("reading the working directory", e))
}

/// The refusals every output shares: `/`, the working directory and its
/// ancestors. Returns the resolved path.
fn common_checks(out: &Path, expected: &str) -> Result<PathBuf> {
    let r = resolve(out)?;
    if r.parent().is_none() {
        return Err(refuse(
            out,
            "is the root folder, an ancestor of every folder",
            expected,
        ));
    }
    if cwd()?.starts_with(&r) {
        return Err(refuse(
            out,
            format!(
                "is the working directory or one of its ancestors ({})",
                r.display()
            ),
            expected,
        ));
    }
    Ok(r)
}

/// Where a folder output goes, checked.
#[derive(Clone, Debug)]
pub struct DirTarget {
    /// The path as the user gave it (for messages).
    pub out: PathBuf,
    /// The same, resolved.
    pub resolved: PathBuf,
    pub kind: DirKind,
}

/// Check that `out` may receive a folder of `kind`; `inputs` are the
/// files the command reads (the folder must not hold any of them).
pub fn check_dir(out: &Path, kind: DirKind, inputs: &[&Path]) -> Result<DirTarget> {
    let expected = format!(
        "a new path, an empty folder, or a folder written by `{}`",
        kind.command()
    );
    let r = common_checks(out, &expected)?;
    for i in inputs {
        if let Ok(ri) = resolve(i) {
            if ri.starts_with(&r) {
                return Err(refuse(
                    out,
                    format!("holds `{}`, an input of this command", i.display()),
                    expected,
                ));
            }
        }
    }
    match std::fs::symlink_metadata(&r) {
        Err(_) => {}
        Ok(m) if !m.is_dir() => {
            return Err(refuse(out, "exists and is not a folder", expected));
        }
        Ok(_) => {
            let mut entries = std::fs::read_dir(&r)
                .map_err(|e| refuse(out, format!("cannot read the folder: {e}"), &expected))?;
            if entries.next().is_some() {
                let Some(m) = Manifest::read(&r, kind) else {
                    return Err(refuse(
                        out,
                        format!(
                            "is a folder that tomatl did not write (it has no valid {MANIFEST} of a {})",
                            kind.name()
                        ),
                        expected,
                    ));
                };
                if let Some(f) = foreign_file(&r, &m, kind) {
                    return Err(refuse(
                        out,
                        format!("holds `{f}`, which tomatl did not write"),
                        format!(
                            "move your own files out of the folder, or choose another path: it is replaced whole ({expected})"
                        ),
                    ));
                }
            }
        }
    }
    Ok(DirTarget {
        out: out.to_path_buf(),
        resolved: r,
        kind,
    })
}

/// The first file under `dir` that is neither in the manifest nor in a
/// place later tomatl commands write.
fn foreign_file(dir: &Path, m: &Manifest, kind: DirKind) -> Option<String> {
    let scratch = kind.scratch();
    let ours = |rel: &str| {
        rel == MANIFEST
            || m.files.contains_key(rel)
            || scratch
                .iter()
                .any(|s| rel == *s || rel.strip_prefix(s).is_some_and(|r| r.starts_with('/')))
    };
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            return Some(if prefix.is_empty() {
                ".".into()
            } else {
                prefix
            });
        };
        let mut names: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if ours(&rel) {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push((e.path(), rel)),
                _ => return Some(rel),
            }
        }
    }
    None
}

fn tmp_prefix(leaf: &str) -> String {
    format!(".{leaf}.tomatl-tmp-")
}

fn pid_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Remove the temporaries that killed runs left beside `target`.
fn clean_leftovers(target: &Path) {
    let (Some(parent), Some(leaf)) = (target.parent(), target.file_name()) else {
        return;
    };
    let prefix = tmp_prefix(&leaf.to_string_lossy());
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|p| p.split('.').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !pid_alive(pid) {
            let p = e.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

pub fn write_err(path: &Path, what: &str, e: std::io::Error) -> Error {
    InputError::new(path, format!("{what}: {e}"))
        .expected("a path in a folder you can write to, on a file system with space")
        .into()
}

fn create_parent(target: &Path, shown: &Path) -> Result<PathBuf> {
    let parent = target
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| refuse(shown, "has no parent folder", "a path below a folder"))?;
    if let Err(e) = std::fs::create_dir_all(&parent) {
        return Err(write_err(
            shown,
            &format!("cannot create the folder {}", parent.display()),
            e,
        ));
    }
    Ok(parent)
}

/// The temporary sibling this process writes `target` through (ending in
/// `ext`), with the parent folder created and the temporaries of killed
/// runs removed.
fn prepare_tmp(target: &Path, shown: &Path, ext: &str) -> Result<PathBuf> {
    let parent = create_parent(target, shown)?;
    clean_leftovers(target);
    let leaf = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    Ok(parent.join(format!("{}{}{ext}", tmp_prefix(&leaf), std::process::id())))
}

/// Write `files` (relative `/`-separated paths and contents) as the folder
/// `t`, with its manifest, replacing an earlier output atomically.
pub fn write_dir(t: &DirTarget, files: &[(&str, &[u8])]) -> Result<()> {
    let target = &t.resolved;
    let tmp = prepare_tmp(target, &t.out, "")?;
    if tmp.exists() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let manifest = Manifest::new(t.kind, files);
    let result = (|| -> Result<()> {
        for (rel, contents) in files {
            let p = tmp.join(rel);
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d).map_err(|e| write_err(&t.out, "cannot write", e))?;
            }
            std::fs::write(&p, contents)
                .map_err(|e| write_err(&t.out, &format!("cannot write {rel}"), e))?;
        }
        std::fs::write(tmp.join(MANIFEST), manifest.to_json()?)
            .map_err(|e| write_err(&t.out, &format!("cannot write {MANIFEST}"), e))?;
        let nonempty = std::fs::read_dir(target)
            .map(|mut r| r.next().is_some())
            .unwrap_or(false);
        if nonempty {
            // checked again: the folder may have changed since check_dir
            if Manifest::read(target, t.kind).is_none() {
                return Err(refuse(
                    &t.out,
                    "changed while the design was written: it is no longer a tomatl output",
                    "a new path or an earlier tomatl output",
                ));
            }
            exchange(&tmp, target).map_err(|e| write_err(&t.out, "cannot replace", e))?;
        } else {
            std::fs::rename(&tmp, target)
                .map_err(|e| write_err(&t.out, "cannot move the new folder in", e))?;
        }
        Ok(())
    })();
    // after an exchange the temporary holds the old tree; after a failure,
    // the partial new one
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// Swap two paths in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths; renameat2 reads them only.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Without an atomic exchange: the old tree is renamed aside first, so
/// a kill between the two renames leaves both trees whole, under their
/// temporary names.
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = a.with_extension("old");
    std::fs::rename(b, &aside)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&aside, a)
}

/// What kind of file a command writes, and how tomatl recognises one it
/// wrote earlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A network description; its first line is [`YAML_MARK`].
    Yaml,
    /// A weight file; its zip comment is [`NPZ_MARK`].
    Npz,
    /// An output tensor: never replaced (the `.npy` format has no room for
    /// a mark that NumPy's reader keeps accepting).
    Npy,
}

/// The first line of every description tomatl writes.
pub const YAML_MARK: &str = "# written by tomatl: replaced by the next run of the command";
/// The zip comment of every `.npz` tomatl writes.
pub const NPZ_MARK: &[u8] = b"written by tomatl";

fn has_npz_mark(p: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let n = NPZ_MARK.len() as i64;
    let mut tail = vec![0u8; 22 + NPZ_MARK.len()];
    if f.seek(SeekFrom::End(-(22 + n))).is_err() || f.read_exact(&mut tail).is_err() {
        return false;
    }
    tail.starts_with(b"PK\x05\x06")
        && u16::from_le_bytes([tail[20], tail[21]]) as usize == NPZ_MARK.len()
        && tail.ends_with(NPZ_MARK)
}

fn has_yaml_mark(p: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let mut head = vec![0u8; YAML_MARK.len()];
    f.read_exact(&mut head).is_ok() && head == YAML_MARK.as_bytes()
}

/// Set the zip comment of an archive written without one to [`NPZ_MARK`].
pub fn mark_npz(bytes: &mut Vec<u8>) -> Result<()> {
    let n = bytes.len();
    if n < 22 || &bytes[n - 22..n - 18] != b"PK\x05\x06" || bytes[n - 2..] != [0, 0] {
        return Err(Error::Internal(
            "the weight archive does not end in an empty zip comment".into(),
        ));
    }
    let len = NPZ_MARK.len() as u16;
    bytes[n - 2..].copy_from_slice(&len.to_le_bytes());
    bytes.extend_from_slice(NPZ_MARK);
    Ok(())
}

/// Check that `out` may receive a file of `kind`; `inputs` are the files
/// the command reads. Returns the resolved path.
pub fn check_file(out: &Path, kind: FileKind, inputs: &[&Path]) -> Result<PathBuf> {
    let expected = match kind {
        FileKind::Npy => "a new file name".to_string(),
        _ => "a new file name, or a file tomatl wrote".to_string(),
    };
    let r = common_checks(out, &expected)?;
    for i in inputs {
        if let Ok(ri) = resolve(i) {
            if ri == r {
                return Err(refuse(
                    out,
                    format!("is `{}`, an input of this command", i.display()),
                    expected,
                ));
            }
        }
    }
    match std::fs::symlink_metadata(&r) {
        Err(_) => Ok(r),
        Ok(m) if m.is_dir() => Err(refuse(out, "is a folder", expected)),
        Ok(_) => {
            let ours = match kind {
                FileKind::Yaml => has_yaml_mark(&r),
                FileKind::Npz => has_npz_mark(&r),
                FileKind::Npy => false,
            };
            if ours {
                Ok(r)
            } else {
                Err(refuse(
                    out,
                    "exists, and tomatl did not write it",
                    format!("{expected}; tomatl never replaces a file it did not write"),
                ))
            }
        }
    }
}

/// Write `bytes` to the checked path `target` (shown as `out`) through a
/// temporary sibling and a rename.
pub fn write_file(out: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    write_file_with(out, target, |tmp| {
        std::fs::write(tmp, bytes).map_err(|e| write_err(out, "cannot write", e))
    })
}

/// [`write_file`] with a writer of its own: `write` fills the temporary
/// path it is given, which is then renamed to `target`.
pub fn write_file_with(
    out: &Path,
    target: &Path,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let ext = target
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = prepare_tmp(target, out, &ext)?;
    let r = write(&tmp).and_then(|_| {
        std::fs::rename(&tmp, target).map_err(|e| write_err(out, "cannot move into place", e))
    });
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// Folders a command created ahead of writing (so that paths relative to
/// them resolve); dropped, it removes those that are still empty, so a
/// refused run leaves nothing behind.
#[derive(Debug, Default)]
pub struct CreatedDirs(Vec<PathBuf>);

impl CreatedDirs {
    /// Create `dir` and its missing parents, remembering which were new.
    pub fn create(dir: &Path, shown: &Path) -> Result<Self> {
        let mut missing = Vec::new();
        let mut cur = Some(dir);
        while let Some(d) = cur {
            if d.as_os_str().is_empty() || d.exists() {
                break;
            }
            missing.push(d.to_path_buf());
            cur = d.parent();
        }
        let made = CreatedDirs(missing);
        std::fs::create_dir_all(dir).map_err(|e| {
            write_err(
                shown,
                &format!("cannot create the folder {}", dir.display()),
                e,
            )
        })?;
        Ok(made)
    }

    /// Keep the folders: the command succeeded.
    pub fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        // innermost first; remove_dir fails on a folder that is not empty
        for d in &self.0 {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// A frequency in MHz without trailing zeros (`142.857143`, `100`), as the
/// reports, the tools' command lines and the packages' READMEs write it.
pub fn mhz(mhz: f64) -> String {
    let s = format!("{mhz:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
