//! Driving the `verilator` command line: lint, and build a C++ model with a
//! harness into an executable.
//!
//! Builds are incremental: the object directory keeps a stamp with a hash of
//! everything that goes into the build (command line, Verilog, C++ and the
//! headers of the include directories); when it matches and the executable
//! exists, nothing is rebuilt. The Verilator runtime objects (`verilated.o`,
//! `verilated_threads.o`, the same for every model built with the same
//! Verilator and flags) are compiled once and copied into later object
//! directories, which saves about 4 s of CPU per model.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// A failed Verilator step: the command, its status and what it printed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// `verilator` is not installed (or not on `PATH`).
    #[error(
        "`verilator` was not found ({0}); install it with `apt-get install -y verilator` \
         (version 5 or newer)"
    )]
    Missing(String),
    /// The command ran and failed (or, for lint, warned).
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    /// The command could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// Reading the inputs or writing the build stamp failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Build {
    /// Top-level Verilog module; the executable is `obj_dir/V<top>`.
    pub top: String,
    /// Verilog sources.
    pub sources: Vec<PathBuf>,
    /// C++ harness files (one of them has `main`).
    pub cpp: Vec<PathBuf>,
    /// Searched for Verilog includes and C++ headers.
    pub include_dirs: Vec<PathBuf>,
    /// Verilator's output directory (created if missing).
    pub obj_dir: PathBuf,
    /// Verilog `` `define``s (`+define+NAME=VALUE`).
    pub defines: Vec<(String, String)>,
}

/// Flags of the C++ compiler for the generated model. Models are built
/// often and run for a short time, so compile time matters more than speed:
/// measured on the MVAU unit bench, compiling the model and harness takes
/// 15.9 s of CPU with `-O1` against 23.9 s with Verilator's default `-Os`
/// (13.8 s at `-O0`, but that simulates 4-5x slower); the rarely run parts
/// (`OPT_SLOW`) get `-O0`.
const MAKEFLAGS: &str = "OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O1";

/// Name of the build stamp inside the object directory.
const STAMP: &str = "tomatl_build.sha256";

/// The runtime objects shared between builds.
const RUNTIME_OBJS: [&str; 2] = ["verilated.o", "verilated_threads.o"];

fn command_line(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd`; Ok carries stdout followed by stderr.
fn run(mut cmd: Command) -> Result<String, SimError> {
    let command = command_line(&cmd);
    let out = cmd.output().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SimError::Missing(source.to_string())
        } else {
            SimError::Spawn {
                command: command.clone(),
                source,
            }
        }
    })?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Ok(text)
    } else {
        Err(SimError::Failed {
            command,
            status: out.status.to_string(),
            stderr: text,
        })
    }
}

/// The installed Verilator's version line.
pub fn available() -> Result<String, SimError> {
    let mut c = Command::new("verilator");
    c.arg("--version");
    run(c).map(|s| s.trim().to_string())
}

fn abs(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `verilator --lint-only -Wall`; the error carries every warning (any
/// warning is a failure).
pub fn lint(sources: &[PathBuf], top: &str, include_dirs: &[PathBuf]) -> Result<(), SimError> {
    let mut c = Command::new("verilator");
    c.args(["--lint-only", "-Wall", "--top-module", top]);
    for d in include_dirs {
        c.arg(format!("-I{}", abs(d).display()));
    }
    c.args(sources.iter().map(|s| abs(s)));
    let command = command_line(&c);
    let text = run(c)?;
    if text.contains("%Warning") || text.contains("%Error") {
        return Err(SimError::Failed {
            command,
            status: "warnings".to_string(),
            stderr: text,
        });
    }
    Ok(())
}

/// Where the runtime objects of this Verilator and these flags are kept.
fn runtime_cache() -> Option<PathBuf> {
    let version = available().ok()?;
    let mut h = Sha256::new();
    h.update(version.as_bytes());
    h.update(MAKEFLAGS.as_bytes());
    let key = crate::output::hex(&h.finalize());
    Some(std::env::temp_dir().join(format!("tomatl-verilated-{}", &key[..16])))
}

/// Seeds `obj` with cached runtime objects (fresh copies are newer than
/// their sources, so `make` keeps them).
fn restore_runtime(cache: &Path, obj: &Path) {
    if RUNTIME_OBJS.iter().all(|o| cache.join(o).is_file()) && std::fs::create_dir_all(obj).is_ok()
    {
        for o in RUNTIME_OBJS {
            if !obj.join(o).is_file() {
                let _ = std::fs::copy(cache.join(o), obj.join(o));
            }
        }
    }
}

/// Stores the runtime objects of a successful build (best effort; each file
/// is renamed into place so that concurrent builds never see half a file).
fn save_runtime(cache: &Path, obj: &Path) {
    if std::fs::create_dir_all(cache).is_err() {
        return;
    }
    for o in RUNTIME_OBJS {
        let dst = cache.join(o);
        if dst.is_file() || !obj.join(o).is_file() {
            continue;
        }
        let tmp = cache.join(format!("{o}.{}.tmp", std::process::id()));
        if std::fs::copy(obj.join(o), &tmp).is_ok() {
            let _ = std::fs::rename(&tmp, &dst);
        }
        let _ = std::fs::remove_file(&tmp);
    }
}

fn read(p: &Path) -> Result<Vec<u8>, SimError> {
    std::fs::read(p).map_err(|source| SimError::Io {
        context: format!("reading {}", p.display()),
        source,
    })
}

/// Hash of everything a build depends on: the command line, the sources,
/// the harness and the headers found in the include directories.
fn build_hash(command: &str, b: &Build) -> Result<String, SimError> {
    let mut h = Sha256::new();
    h.update(command.as_bytes());
    for f in b.sources.iter().chain(&b.cpp) {
        h.update(f.to_string_lossy().as_bytes());
        h.update(read(f)?);
    }
    for d in &b.include_dirs {
        let entries = std::fs::read_dir(d).map_err(|source| SimError::Io {
            context: format!("listing {}", d.display()),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.extension().is_some_and(|x| {
                        ["h", "hh", "hpp", "v", "vh", "sv", "svh", "cpp"]
                            .contains(&x.to_string_lossy().as_ref())
                    })
            })
            .collect();
        files.sort();
        for f in files {
            h.update(f.to_string_lossy().as_bytes());
            h.update(read(&f)?);
        }
    }
    Ok(crate::output::hex(&h.finalize()))
}

/// Verilate and compile; returns the path of the executable. Verilator's
/// warnings are errors (the RTL and the generated tops are lint-clean); the
/// C++ compiler's are not.
pub fn build(b: &Build) -> Result<PathBuf, SimError> {
    let obj = abs(&b.obj_dir);
    let exe = obj.join(format!("V{}", b.top));
    let mut c = Command::new("verilator");
    c.args([
        "--cc",
        "--exe",
        "--build",
        "-j",
        "2",
        "--top-module",
        &b.top,
    ]);
    c.arg("--Mdir").arg(&obj);
    c.args(["-o", &format!("V{}", b.top)]);
    c.args(["-MAKEFLAGS", MAKEFLAGS]);
    for d in &b.include_dirs {
        let d = abs(d);
        c.arg(format!("-I{}", d.display()));
        c.arg("-CFLAGS").arg(format!("-I{}", d.display()));
    }
    for (k, v) in &b.defines {
        c.arg(format!("+define+{k}={v}"));
    }
    c.args(b.sources.iter().map(|s| abs(s)));
    c.args(b.cpp.iter().map(|s| abs(s)));

    let hash = build_hash(&command_line(&c), b)?;
    let stamp = obj.join(STAMP);
    if exe.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash) {
        return Ok(exe);
    }
    // A failed or interrupted build must not leave a valid-looking stamp.
    let _ = std::fs::remove_file(&stamp);
    let cache = runtime_cache();
    if let Some(cache) = &cache {
        restore_runtime(cache, &obj);
    }
    super::progress::while_running(&format!("Verilator build of {}", b.top), || run(c))?;
    if let Some(cache) = &cache {
        save_runtime(cache, &obj);
    }
    std::fs::write(&stamp, hash).map_err(|source| SimError::Io {
        context: format!("writing {}", stamp.display()),
        source,
    })?;
    Ok(exe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_command_reports_line_status_and_output() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo oops >&2; exit 3"]);
        match run(c) {
            Err(SimError::Failed {
                command,
                status,
                stderr,
            }) => {
                assert!(command.starts_with("sh -c"), "{command}");
                assert!(status.contains('3'), "{status}");
                assert!(stderr.contains("oops"), "{stderr}");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn missing_program_says_how_to_install() {
        let c = Command::new("tomatl-no-such-program-xyz");
        let e = run(c).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("apt-get install -y verilator"), "{e}");
    }
}
