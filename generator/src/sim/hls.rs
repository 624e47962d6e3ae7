//! The C simulation of a design's HLS C++ (`OUT/hls/`, written by
//! `tomatl generate --hls`) with g++, without vendor tools: the top and its
//! testbench compiled against the open-source ap_int headers, with tomatl's
//! own `hls_stream.h` and `ap_axi_sdata.h` (`hls/sim/`) wherever the vendor's
//! are not found first. `tomatl verify --backend hls` runs the executable
//! ([`crate::sim::verify`]); builds are incremental (a hash of every input
//! in the object folder) and serialised per design by the lock of the RTL
//! build.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::emit::hls as emit_hls;
use crate::error::{Error, InputError, Result};
use crate::hw::Design;

/// The C++ compiler.
pub const CXX: &str = "g++";
/// Its flags: the kernels' arithmetic is what the simulation measures, so
/// the build optimises (a one-off cost of seconds against a simulation
/// many times faster). The open ap_types headers warn about their own
/// uninitialised members once inlined; those warnings are not ours.
pub const CXXFLAGS: &[&str] = &[
    "-std=c++14",
    "-O2",
    "-Wall",
    "-Wno-unknown-pragmas",
    "-Wno-uninitialized",
    "-Wno-maybe-uninitialized",
];
/// The environment variable naming the folder with `ap_int.h`.
pub const AP_TYPES_ENV: &str = "TOMATL_AP_TYPES";
/// Extra g++ flags, whitespace-separated, after [`CXXFLAGS`] (for example
/// `-DTOMATL_CSIM_AP_ARITH`: simulate the sums as Vitis HLS synthesises
/// them, with ap_int, about ten times slower).
pub const CXXFLAGS_ENV: &str = "TOMATL_HLS_CXXFLAGS";

/// The folder with the ap_int headers: `$TOMATL_AP_TYPES`, else an
/// `ap_types/` folder beside the running binary or one of its ancestors up
/// to three levels (`target/release/tomatl` finds `target/ap_types`).
pub fn ap_types() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os(AP_TYPES_ENV) {
        let d = PathBuf::from(d);
        if d.join("ap_int.h").is_file() {
            return Ok(d);
        }
        return Err(Error::Internal(format!(
            "{AP_TYPES_ENV}={} holds no ap_int.h: point it at the ap_types headers, or unset it and run `make setup`",
            d.display()
        )));
    }
    let exe = std::env::current_exe().ok();
    let mut dir = exe.as_deref().and_then(Path::parent);
    for _ in 0..4 {
        let Some(d) = dir else { break };
        let c = d.join("ap_types");
        if c.join("ap_int.h").is_file() {
            return Ok(c);
        }
        dir = d.parent();
    }
    Err(Error::Internal(format!(
        "the ap_int headers were not found (no ap_types/ap_int.h beside {} or its parents, and {AP_TYPES_ENV} is not set): \
         run `make setup` (scripts/fetch_ap_types.sh puts them in target/ap_types) or set {AP_TYPES_ENV}",
        exe.map_or_else(|| "the tomatl binary".to_string(), |e| e.display().to_string())
    )))
}

/// A design generated without `--hls` cannot be simulated as HLS C++: a
/// bad request (exit code 2).
pub fn require_hls(out: &Path, info: &Design) -> Result<()> {
    let src = emit_hls::top_source(info);
    if out.join(&src).is_file() && out.join(emit_hls::testbench(info)).is_file() {
        return Ok(());
    }
    Err(InputError::new(
        out,
        format!("was generated without --hls: it has no {src} to simulate"),
    )
    .expected("a design written by `tomatl generate NET -o OUT --hls` (or `--backend rtl`)")
    .into())
}

fn read(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).map_err(|e| Error::io(format!("reading {}", p.display()), e))
}

/// The `.h` and `.cpp` files of a folder, sorted.
fn sources_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("listing {}", dir.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "h" || x == "cpp"))
        .collect();
    v.sort();
    Ok(v)
}

fn compiler_version() -> Result<String> {
    let o = Command::new(CXX).arg("--version").output().map_err(|e| {
        Error::Internal(format!(
            "`{CXX}` was not found ({e}); install it with `apt-get install -y g++`"
        ))
    })?;
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// The one translation unit of the C simulation: the top and the
/// testbench (the ap_int headers are parsed once, not twice), found through `-I hls`.
fn unity(info: &Design) -> String {
    format!(
        "// the C simulation of {top}: its top and testbench in one translation unit\n\
         #include <{top}.cpp>\n#include <{top}_tb.cpp>\n",
        top = info.top,
    )
}

/// The g++ command of the C simulation of the design in `out`.
fn command(hls: &Path, ap: &Path, unit: &Path, exe: &Path, extra: &[String]) -> Command {
    let mut c = Command::new(CXX);
    c.args(CXXFLAGS);
    c.args(extra);
    // the design's own headers first, then the ap_int folder (and whatever
    // vendor headers it holds), then tomatl's hls_stream.h / ap_axi_sdata.h
    c.arg("-I").arg(hls);
    c.arg("-isystem").arg(ap);
    c.arg("-isystem").arg(hls.join("sim"));
    c.arg(unit);
    c.arg("-o").arg(exe);
    c
}

/// Compile (incrementally) the C simulation of the design in `out`, with
/// the flags of `$TOMATL_HLS_CXXFLAGS` if set; returns the executable
/// (`sim/obj_dir/hls/<top>_csim`).
pub fn build(out: &Path, info: &Design) -> Result<PathBuf> {
    let extra: Vec<String> = std::env::var(CXXFLAGS_ENV)
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    build_with(out, info, &extra)
}

/// [`build`] with the extra g++ flags `extra` (and not those of the
/// environment); each set of flags has an executable of its own
/// (`<top>_csim-<hash>`).
pub fn build_with(out: &Path, info: &Design, extra: &[String]) -> Result<PathBuf> {
    require_hls(out, info)?;
    let ap = ap_types()?;
    let out = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let hls = out.join(emit_hls::DIR);
    let obj = out.join("sim").join("obj_dir").join("hls");
    std::fs::create_dir_all(&obj)
        .map_err(|e| crate::output::write_err(&obj, "cannot create the build folder", e))?;
    let name = if extra.is_empty() {
        format!("{}_csim", info.top)
    } else {
        let key = crate::output::sha256_hex(extra.join(" ").as_bytes());
        format!("{}_csim-{}", info.top, &key[..12])
    };
    let exe = obj.join(&name);
    let tmp = obj.join(format!("{name}.{}.tmp", std::process::id()));
    let unit = obj.join("csim.cpp");
    let unit_text = unity(info);
    let cmd = command(&hls, &ap, &unit, &tmp, extra);
    let mut h = Sha256::new();
    h.update(compiler_version()?.as_bytes());
    h.update(
        format!("{cmd:?}")
            .replace(&tmp.display().to_string(), "")
            .as_bytes(),
    );
    for dir in [hls.clone(), hls.join("sim"), ap.clone()] {
        for f in sources_in(&dir)? {
            h.update(f.to_string_lossy().as_bytes());
            h.update(read(&f)?);
        }
    }
    h.update(unit_text.as_bytes());
    let hash = crate::output::hex(&h.finalize());
    let lock = super::verify::build_lock(&out)?;
    let r = std::fs::write(&unit, &unit_text)
        .map_err(|e| crate::output::write_err(&unit, "cannot write", e))
        .and_then(|_| {
            compile(
                cmd,
                &obj.join(format!("{name}.hash")),
                &exe,
                &tmp,
                &hash,
                &info.top,
            )
        });
    let _ = lock.unlock();
    r
}

fn compile(
    mut cmd: Command,
    stamp: &Path,
    exe: &Path,
    tmp: &Path,
    hash: &str,
    top: &str,
) -> Result<PathBuf> {
    if exe.is_file() && std::fs::read_to_string(stamp).is_ok_and(|s| s.trim() == hash) {
        return Ok(exe.to_path_buf());
    }
    let _ = std::fs::remove_file(stamp);
    let o =
        super::progress::while_running(&format!("g++ build of the C simulation of {top}"), || {
            cmd.output()
        })
        .map_err(|e| {
            Error::Internal(format!(
                "cannot run `{CXX}` ({e}); install it with `apt-get install -y g++`"
            ))
        })?;
    if !o.status.success() {
        let _ = std::fs::remove_file(tmp);
        return Err(Error::Internal(format!(
            "the C simulation did not compile ({}):\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        )));
    }
    std::fs::rename(tmp, exe).map_err(|e| Error::io(format!("placing {}", exe.display()), e))?;
    std::fs::write(stamp, hash)
        .map_err(|e| crate::output::write_err(stamp, "cannot write the build stamp", e))?;
    Ok(exe.to_path_buf())
}
