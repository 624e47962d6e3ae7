//! Driving the `verilator` command line: lint, and build a C++ model with a
//! harness into an executable.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A failed Verilator step: the command, its status and what it printed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("`verilator` was not found ({0}); install it with `apt-get install -y verilator`")]
    Missing(String),
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Build {
    pub top: String,
    pub sources: Vec<PathBuf>,
    pub cpp: Vec<PathBuf>,
    pub include_dirs: Vec<PathBuf>,
    pub obj_dir: PathBuf,
    pub defines: Vec<(String, String)>,
}

fn run(mut cmd: Command) -> Result<String, SimError> {
    let command = format!("{cmd:?}").replace('"', "");
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
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned() + &stderr)
    } else {
        Err(SimError::Failed {
            command,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stdout).into_owned() + &stderr,
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

/// `verilator --lint-only -Wall`; the error carries every warning.
pub fn lint(sources: &[PathBuf], top: &str, include_dirs: &[PathBuf]) -> Result<(), SimError> {
    let mut c = Command::new("verilator");
    c.args(["--lint-only", "-Wall", "--top-module", top]);
    for d in include_dirs {
        c.arg(format!("-I{}", abs(d).display()));
    }
    c.args(sources.iter().map(|s| abs(s)));
    run(c).map(|_| ())
}

/// Verilate and compile; returns the path of the executable.
pub fn build(b: &Build) -> Result<PathBuf, SimError> {
    let obj = abs(&b.obj_dir);
    let mut c = Command::new("verilator");
    c.args([
        "--cc",
        "--exe",
        "--build",
        "-j",
        "2",
        "-Wno-fatal",
        "--top-module",
        &b.top,
    ]);
    c.arg("--Mdir").arg(&obj);
    c.args(["-o", &format!("V{}", b.top)]);
    // the models are small and built often: compile time matters more than
    // the last bit of simulation speed
    c.args(["-MAKEFLAGS", "OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O1"]);
    for d in &b.include_dirs {
        c.arg(format!("-CFLAGS -I{}", abs(d).display()));
    }
    for (k, v) in &b.defines {
        c.arg(format!("-D{k}={v}"));
    }
    c.args(b.sources.iter().map(|s| abs(s)));
    c.args(b.cpp.iter().map(|s| abs(s)));
    run(c)?;
    Ok(obj.join(format!("V{}", b.top)))
}
