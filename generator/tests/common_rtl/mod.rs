//! Helpers shared by the unit benches of the RTL library (`rtl_units.rs`,
//! `rtl_cnn_units.rs`, `rtl_threshold.rs`, ...): paths and the build cache,
//! deterministic data, bit vectors, the stream harness and the script
//! benches (a generated `unit_top` wrapper driven by the C++ benches of
//! `testbenches/unit/`), random MVAU weights and the lint/Icarus/Yosys
//! checks.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use tomatl::emit::verilog::{instance_header, param_literals};
use tomatl::hw::Unit;
use tomatl::sim::verilator;

// ------------------------------------------------------------------ helpers

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn rtl(name: &str) -> PathBuf {
    repo_root().join("rtl").join(format!("{name}.v"))
}

/// `p` as an absolute path for a `$readmemh` parameter (the tools run in
/// other folders).
pub fn abs_path(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or(p.to_path_buf())
        .display()
        .to_string()
}

pub fn bench_dir() -> PathBuf {
    repo_root().join("testbenches").join("unit")
}

/// A work directory under target/ kept between runs (the build cache).
pub fn work(name: &str) -> PathBuf {
    let d = repo_root().join("target").join("rtl-units").join(name);
    if let Err(e) = std::fs::create_dir_all(&d) {
        panic!("creating {}: {e}", d.display());
    }
    d
}

pub fn write(p: &Path, text: &str) {
    if let Err(e) = std::fs::write(p, text) {
        panic!("writing {}: {e}", p.display());
    }
}

pub fn require_verilator() {
    if let Err(e) = verilator::available() {
        panic!("{e}");
    }
}

/// SplitMix64: deterministic test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (self.next() as u128 % span) as i128) as i64
    }
    pub fn bits(&mut self, n: u32) -> u64 {
        if n >= 64 {
            self.next()
        } else {
            self.next() & ((1u64 << n) - 1)
        }
    }
}

/// A little-endian bit vector (element 0 in the least significant bits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    pub n: usize,
    pub w: Vec<u64>,
}

impl Bits {
    pub fn new(n: usize) -> Self {
        Bits {
            n,
            w: vec![0; n.div_ceil(64).max(1)],
        }
    }
    pub fn set(&mut self, off: usize, nbits: u32, v: u64) {
        for i in 0..nbits as usize {
            let b = (v >> i) & 1;
            let pos = off + i;
            self.w[pos / 64] = (self.w[pos / 64] & !(1 << (pos % 64))) | (b << (pos % 64));
        }
    }
    pub fn get(&self, off: usize, nbits: u32) -> u64 {
        let mut v = 0u64;
        for i in 0..nbits as usize {
            let pos = off + i;
            v |= ((self.w[pos / 64] >> (pos % 64)) & 1) << i;
        }
        v
    }
    pub fn to_hex(&self) -> String {
        let digits = self.n.div_ceil(4).max(1);
        let mut s = String::with_capacity(digits);
        for d in (0..digits).rev() {
            let nb = (self.n - (d * 4).min(self.n)).min(4) as u32;
            let v = if nb == 0 { 0 } else { self.get(d * 4, nb) };
            s.push(char::from_digit(v as u32, 16).unwrap_or('0'));
        }
        s
    }
    pub fn from_hex(hex: &str, n: usize) -> Self {
        let mut b = Bits::new(n);
        for (d, c) in hex.chars().rev().enumerate() {
            let v = c.to_digit(16).unwrap_or_else(|| panic!("bad hex {hex}")) as u64;
            for k in 0..4 {
                let pos = d * 4 + k;
                if pos < n && (v >> k) & 1 == 1 {
                    b.w[pos / 64] |= 1 << (pos % 64);
                }
            }
        }
        b
    }
}

/// `{:x}`: the hexadecimal digits of [`Bits::to_hex`].
impl std::fmt::LowerHex for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A random code of a type, favouring the extremes and small values (ties,
/// saturation).
pub fn random_value(rng: &mut Rng, bits: u32, signed: bool) -> i64 {
    let (lo, hi) = type_range(bits, signed);
    match rng.range(0, 9) {
        0 => lo,
        1 => hi,
        2 | 3 => rng.range(lo.max(-3), hi.min(3)),
        _ => rng.range(lo, hi),
    }
}

/// The values of the `n` lanes of `bits` bits of a word.
pub fn lanes_of(b: &Bits, n: usize, bits: u32, signed: bool) -> Vec<i64> {
    (0..n)
        .map(|i| value_of(b.get(i * bits as usize, bits), bits, signed))
        .collect()
}

/// The values of the `lanes` lanes of `bits` bits of hexadecimal words
/// (a C-simulation bench's output), word by word.
pub fn unpack(words: &[String], lanes: usize, bits: u32, signed: bool) -> Vec<i64> {
    let wb = lanes * bits as usize;
    words
        .iter()
        .flat_map(|w| lanes_of(&Bits::from_hex(w, wb), lanes, bits, signed))
        .collect()
}

/// Panics unless `got` equals `exp`, naming the first differing value by
/// its `unit` (a beat, a word) of `lanes` values and its lane.
pub fn assert_lanes(tag: &str, got: &[i64], exp: &[i64], lanes: usize, unit: &str) {
    if got != exp {
        let i = got
            .iter()
            .zip(exp)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(exp.len()));
        panic!(
            "{tag}: {} values, expected {}; first mismatch at value {i} ({unit} {}, lane {}): \
             got {:?}, expected {:?}",
            got.len(),
            exp.len(),
            i / lanes.max(1),
            i % lanes.max(1),
            got.get(i),
            exp.get(i)
        );
    }
}

/// Sign-extends the low `bits` bits of `v`.
pub fn sext(v: u64, bits: u32) -> i64 {
    let sh = 64 - bits;
    ((v << sh) as i64) >> sh
}

pub fn code_of(v: i64, bits: u32, signed: bool) -> u64 {
    let _ = signed;
    if bits >= 64 {
        v as u64
    } else {
        (v as u64) & ((1u64 << bits) - 1)
    }
}

pub fn value_of(code: u64, bits: u32, signed: bool) -> i64 {
    if signed {
        sext(code, bits)
    } else {
        code as i64
    }
}

pub fn type_range(bits: u32, signed: bool) -> (i64, i64) {
    if signed {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    } else {
        (0, ((1u128 << bits) - 1) as i64)
    }
}

// ------------------------------------------------------ the stream harness

/// The one-line instantiation header of a unit, e.g.
/// `tomatl_fifo #(.WIDTH(32'sd8), .DEPTH(32'sd2))`: the parameters of its
/// `hw::units` struct, rendered as the top renders them.
pub fn header(unit: &Unit) -> String {
    instance_header(unit, None)
}

/// One instance inside a stream wrapper.
pub struct StreamInst {
    /// The instantiation header ([`header`] for the modules of `hw::units`).
    pub module: String,
    pub in_bits: usize,
    pub out_bits: usize,
    pub input: Vec<Bits>,
    pub out_beats: usize,
}

#[derive(Debug, Default)]
pub struct StreamResult {
    pub in_cycles: Vec<u64>,
    pub out_cycles: Vec<u64>,
    pub out: Vec<Bits>,
}

pub fn pad65(n: usize) -> usize {
    n.max(65)
}

/// The wrapper `unit_top` with the instances side by side; returns the
/// Verilog and the (in, out) bit offsets.
pub fn stream_wrapper(insts: &[StreamInst]) -> (String, Vec<(usize, usize)>) {
    let mut offs = Vec::new();
    let (mut io, mut oo) = (0, 0);
    for i in insts {
        offs.push((io, oo));
        io += i.in_bits;
        oo += i.out_bits;
    }
    let (iw, ow, np) = (pad65(io), pad65(oo), pad65(insts.len()));
    let mut v = String::new();
    let _ = write!(
        v,
        "`default_nettype none\nmodule unit_top (\n  input wire clk,\n  input wire rst,\n  \
         input wire [{}:0] s_tdata,\n  input wire [{}:0] s_tvalid,\n  output wire [{}:0] s_tready,\n  \
         output wire [{}:0] m_tdata,\n  output wire [{}:0] m_tvalid,\n  input wire [{}:0] m_tready\n);\n",
        iw - 1,
        np - 1,
        np - 1,
        ow - 1,
        np - 1,
        np - 1
    );
    for (k, (i, (a, b))) in insts.iter().zip(&offs).enumerate() {
        let _ = writeln!(
            v,
            "  {} u{k} (.clk(clk), .rst(rst), .s_axis_tdata(s_tdata[{a} +: {}]), \
             .s_axis_tvalid(s_tvalid[{k}]), .s_axis_tready(s_tready[{k}]), \
             .m_axis_tdata(m_tdata[{b} +: {}]), .m_axis_tvalid(m_tvalid[{k}]), \
             .m_axis_tready(m_tready[{k}]));",
            i.module, i.in_bits, i.out_bits
        );
    }
    let n = insts.len();
    if np > n {
        let _ = writeln!(
            v,
            "  assign s_tready[{}:{n}] = {{{}{{1'b0}}}};",
            np - 1,
            np - n
        );
        let _ = writeln!(
            v,
            "  assign m_tvalid[{}:{n}] = {{{}{{1'b0}}}};",
            np - 1,
            np - n
        );
    }
    if ow > oo {
        let _ = writeln!(
            v,
            "  assign m_tdata[{}:{oo}] = {{{}{{1'b0}}}};",
            ow - 1,
            ow - oo
        );
    }
    v.push_str("endmodule\n`default_nettype wire\n");
    (v, offs)
}

/// Builds the stream bench `cpp` around `insts` (cached), returns the
/// executable and the offsets.
pub fn build_stream(
    name: &str,
    cpp: &str,
    modules: &[&str],
    insts: &[StreamInst],
) -> (PathBuf, Vec<(usize, usize)>) {
    let dir = work(name);
    let (top, offs) = stream_wrapper(insts);
    let top_path = dir.join("unit_top.v");
    write(&top_path, &top);
    let mut sources: Vec<PathBuf> = modules.iter().map(|m| rtl(m)).collect();
    sources.push(top_path);
    let b = verilator::Build {
        top: "unit_top".into(),
        sources,
        cpp: vec![bench_dir().join(cpp)],
        include_dirs: vec![bench_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    };
    let exe = verilator::build(&b).unwrap_or_else(|e| panic!("{e}"));
    (exe, offs)
}

/// Runs a stream bench once; `p_valid`/`p_ready` are the drop
/// probabilities.
pub fn run_stream(
    exe: &Path,
    run_name: &str,
    insts: &[StreamInst],
    offs: &[(usize, usize)],
    seed: u64,
    p_valid: f64,
    p_ready: f64,
) -> Vec<StreamResult> {
    let stalls = Stalls {
        seed,
        p_valid,
        p_ready,
        burst: 0,
        max_cycles: 1_000_000,
    };
    run_stream_with(exe, run_name, insts, offs, &stalls)
}

/// How a stream bench stalls its streams.
#[derive(Clone, Copy, Debug)]
pub struct Stalls {
    /// Seed of the stall decisions.
    pub seed: u64,
    /// Probability that the input side holds back (per cycle, or per burst).
    pub p_valid: f64,
    /// Probability that the output side is not ready (per cycle, or per burst).
    pub p_ready: f64,
    /// 0: independent decisions every cycle; n > 0: stalls and runs come in
    /// periods of 1..n cycles.
    pub burst: u64,
    /// The bench gives up (and the run fails) after this many cycles.
    pub max_cycles: u64,
}

/// Runs a stream bench once with the given stalls.
pub fn run_stream_with(
    exe: &Path,
    run_name: &str,
    insts: &[StreamInst],
    offs: &[(usize, usize)],
    stalls: &Stalls,
) -> Vec<StreamResult> {
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let stim = dir.join(format!("{run_name}.stim"));
    let res = dir.join(format!("{run_name}.res"));
    let mut s = format!("{}\n", insts.len());
    for (i, (a, b)) in insts.iter().zip(offs) {
        let _ = writeln!(
            s,
            "{a} {} {b} {} {} {}",
            i.in_bits,
            i.out_bits,
            i.input.len(),
            i.out_beats
        );
    }
    for i in insts {
        for beat in &i.input {
            s.push_str(&beat.to_hex());
            s.push('\n');
        }
    }
    write(&stim, &s);
    let out = Command::new(exe)
        .arg(&stim)
        .arg(&res)
        .arg(stalls.seed.to_string())
        .arg(stalls.p_valid.to_string())
        .arg(stalls.p_ready.to_string())
        .arg(stalls.max_cycles.to_string())
        .arg(stalls.burst.to_string())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&res).unwrap_or_else(|e| panic!("{}: {e}", res.display()));
    let mut r: Vec<StreamResult> = insts.iter().map(|_| StreamResult::default()).collect();
    let mut done = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first().copied() {
            Some("i") => r[f[1].parse::<usize>().unwrap_or(0)]
                .in_cycles
                .push(f[2].parse().unwrap_or(0)),
            Some("o") => {
                let k: usize = f[1].parse().unwrap_or(0);
                r[k].out_cycles.push(f[2].parse().unwrap_or(0));
                r[k].out.push(Bits::from_hex(f[3], insts[k].out_bits));
            }
            Some("done") => done = true,
            _ => {}
        }
    }
    assert!(
        done,
        "{run_name}: the bench timed out:\n{}",
        text.lines().last().unwrap_or("")
    );
    r
}

/// Stall scenarios: (name, seed, p_valid_drop, p_ready_drop).
pub const SCENARIOS: [(&str, u64, f64, f64); 4] = [
    ("nostall", 1, 0.0, 0.0),
    ("both", 2, 0.3, 0.3),
    ("slow_sink", 3, 0.1, 0.7),
    ("slow_source", 4, 0.7, 0.1),
];

/// Cycle gaps between consecutive handshakes.
pub fn gaps(c: &[u64]) -> Vec<u64> {
    c.windows(2).map(|w| w[1] - w[0]).collect()
}

// ------------------------------------------------------- the script benches

/// Runs a bench executable as `<exe> <stim> <res> <args>...` and returns the
/// text it wrote to `res`; panics (with its stderr) when it fails.
pub fn run_bench(exe: &Path, stim: &Path, res: &Path, args: &[String]) -> String {
    let out = Command::new(exe)
        .arg(stim)
        .arg(res)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(res).unwrap_or_else(|e| panic!("{e}"))
}

/// The top bit of a script bench port carrying `bits` bits: every port is
/// wider than 64 bits (a VlWide in the bench), with at least one bit of
/// padding.
pub fn padded_msb(bits: usize) -> usize {
    (bits + 1).max(65) - 1
}

/// Builds a script bench: a `unit_top` with clk, rst and the given ports
/// (direction, name, bits carried), each wider than 64 bits (a VlWide in
/// the bench, `padded_msb`) with its padding tied off, around `body` (the
/// instances), and the C++ bench `cpp` driving it; returns the executable.
pub fn script_bench(
    dir: &Path,
    ports: &[(&str, &str, usize)],
    body: &str,
    module: &str,
    cpp: &str,
) -> PathBuf {
    script_bench_of(dir, ports, body, &[module], cpp)
}

/// [`script_bench`] over several `rtl/` modules.
pub fn script_bench_of(
    dir: &Path,
    ports: &[(&str, &str, usize)],
    body: &str,
    modules: &[&str],
    cpp: &str,
) -> PathBuf {
    let mut v = String::from(
        "`default_nettype none\nmodule unit_top (\n    input  wire clk,\n    input  wire rst",
    );
    for (dir, name, bits) in ports {
        let _ = write!(v, ",\n    {dir:<6} wire [{}:0] {name}", padded_msb(*bits));
    }
    v.push_str("\n);\n");
    v.push_str(body);
    let mut unused = Vec::new();
    for (dir, name, bits) in ports {
        let msb = padded_msb(*bits);
        if *dir == "output" {
            let _ = writeln!(
                v,
                "    assign {name}[{msb}:{bits}] = {{{}{{1'b0}}}};",
                msb + 1 - bits
            );
        } else {
            unused.push(format!("{name}[{msb}:{bits}]"));
        }
    }
    let _ = writeln!(
        v,
        "    // the padding of the inputs carries nothing
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_pad = ^{{{}}};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule
`default_nettype wire",
        unused.join(", ")
    );
    let top_path = dir.join("unit_top.v");
    write(&top_path, &v);
    verilator::build(&verilator::Build {
        top: "unit_top".into(),
        sources: modules.iter().map(|m| rtl(m)).chain([top_path]).collect(),
        cpp: vec![bench_dir().join(cpp)],
        include_dirs: vec![bench_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a script bench (`<stimulus> <results>`) on `script`; the results,
/// checked to end with `done`.
pub fn run_script(exe: &Path, dir: &Path, name: &str, script: &str) -> String {
    let stim = dir.join(format!("{name}.stim"));
    let res = dir.join(format!("{name}.res"));
    write(&stim, script);
    let text = run_bench(exe, &stim, &res, &[]);
    assert!(
        text.lines().last().is_some_and(|l| l.starts_with("done")),
        "{name}: the bench did not finish"
    );
    text
}

/// A combinational unit of the requantizers' script bench
/// (`tb_requant.cpp`): the instances sit side by side on one input bus `x`
/// and one output bus `y`.
pub trait BusUnit {
    /// The bits the unit reads from `x`.
    fn x_bits(&self) -> usize;
    /// The bits it drives on `y`.
    fn y_bits(&self) -> usize;
    /// Its instance `u{k}`, reading `x` from `x_off` and driving `y` from
    /// `y_off`.
    fn instance(&self, k: usize, x_off: usize, y_off: usize) -> String;
}

/// The requantizers' script bench around units side by side: the
/// executable, each unit's offsets on `x` and on `y`, and the bits both
/// buses carry.
pub struct BusBench {
    pub exe: PathBuf,
    pub x_offs: Vec<usize>,
    pub y_offs: Vec<usize>,
    pub x_bits: usize,
    pub y_bits: usize,
}

/// Builds the requantizers' script bench `tb_requant.cpp` with `units` one
/// after the other on `x` and on `y`, around the `rtl/` `modules`.
pub fn bus_bench<U: BusUnit>(dir: &Path, units: &[U], modules: &[&str]) -> BusBench {
    let mut body = String::new();
    let (mut x_offs, mut y_offs) = (Vec::new(), Vec::new());
    let (mut x_bits, mut y_bits) = (0, 0);
    for (k, u) in units.iter().enumerate() {
        x_offs.push(x_bits);
        y_offs.push(y_bits);
        body.push_str(&u.instance(k, x_bits, y_bits));
        x_bits += u.x_bits();
        y_bits += u.y_bits();
    }
    let exe = script_bench_of(
        dir,
        &[("input", "x", x_bits), ("output", "y", y_bits)],
        &body,
        modules,
        "tb_requant.cpp",
    );
    BusBench {
        exe,
        x_offs,
        y_offs,
        x_bits,
        y_bits,
    }
}

impl BusBench {
    /// The bits of an output line: all of `y`, its padding too.
    fn y_width(&self) -> usize {
        padded_msb(self.y_bits) + 1
    }

    /// A script of `cycles` cycles (first the width of the output lines and
    /// the cycles, then an input word a cycle, all of `x`, which
    /// `drive(cycle, word)` sets from zero), and what `drive` returned for
    /// each cycle.
    pub fn script<E>(
        &self,
        cycles: usize,
        mut drive: impl FnMut(usize, &mut Bits) -> E,
    ) -> (String, Vec<E>) {
        let mut script = format!("{} {cycles}\n", self.y_width());
        let mut want = Vec::new();
        for cycle in 0..cycles {
            let mut xb = Bits::new(padded_msb(self.x_bits) + 1);
            want.push(drive(cycle, &mut xb));
            let _ = writeln!(script, "{}", xb.to_hex());
        }
        (script, want)
    }

    /// Runs `script` ([`run_script`], as `name` in `dir`); the output word
    /// (all of `y`) of each cycle with what `want` holds for it, as far as
    /// both go.
    pub fn results<'a, E>(
        &self,
        dir: &Path,
        name: &str,
        script: &str,
        want: &'a [E],
    ) -> impl Iterator<Item = (Bits, &'a E)> {
        let text = run_script(&self.exe, dir, name, script);
        let yp = self.y_width();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines
            .into_iter()
            .zip(want)
            .map(move |(line, e)| (Bits::from_hex(&line, yp), e))
    }
}

// -------------------------------------------------------------------- MVAU

/// Weight arithmetics: the generator's, whose `ARITH` codes are
/// `tomatl::hw::units::arith_code`.
pub use tomatl::ir::Arith;

pub fn weight_value(arith: Arith, w_bits: u32, code: u64) -> i64 {
    match arith {
        Arith::Fixed => sext(code, w_bits),
        Arith::Pow2 => {
            let m = code & ((1 << (w_bits - 1)) - 1);
            let neg = (code >> (w_bits - 1)) & 1 == 1;
            if m == 0 {
                0
            } else if neg {
                -(1i64 << (m - 1))
            } else {
                1i64 << (m - 1)
            }
        }
        Arith::Binary => {
            if code & 1 == 1 {
                -1
            } else {
                1
            }
        }
        Arith::Ternary => match code & 3 {
            1 => 1,
            3 => -1,
            _ => 0,
        },
    }
}

pub fn random_code(rng: &mut Rng, arith: Arith, w_bits: u32) -> u64 {
    match arith {
        Arith::Ternary => [0u64, 1, 3][rng.range(0, 2) as usize],
        _ => rng.bits(w_bits),
    }
}

/// Random weight codes `codes[row][col]` of `rows` rows of `cols` weights,
/// drawn row by row ([`random_code`]).
pub fn random_codes(
    rng: &mut Rng,
    arith: Arith,
    w_bits: u32,
    rows: usize,
    cols: usize,
) -> Vec<Vec<u64>> {
    (0..rows)
        .map(|_| (0..cols).map(|_| random_code(rng, arith, w_bits)).collect())
        .collect()
}

/// The weight values of `codes` ([`weight_value`]), row by row.
pub fn weight_values(arith: Arith, w_bits: u32, codes: &[Vec<u64>]) -> Vec<Vec<i64>> {
    codes
        .iter()
        .map(|r| r.iter().map(|&k| weight_value(arith, w_bits, k)).collect())
        .collect()
}

/// What `tomatl_mvau` instantiates.
pub const MVAU_DEPS: &[&str] = &[
    "tomatl_mul",
    "tomatl_credit_out",
    "tomatl_loop_counter",
    "tomatl_fifo",
    "tomatl_requant",
    "tomatl_threshold",
];

/// The sizes, the input type and the weights of a `tomatl_mvau` under
/// test: SIMD inputs and PE outputs a cycle, SF input and NF output beats a
/// frame, IN_BITS and IN_SIGNED, the arithmetic and W_BITS.
#[derive(Clone, Copy, Debug)]
pub struct MvauShape {
    pub simd: usize,
    pub pe: usize,
    pub sf: usize,
    pub nf: usize,
    pub in_bits: u32,
    pub in_signed: bool,
    pub arith: Arith,
    pub w_bits: u32,
}

impl MvauShape {
    /// The shape of (SIMD, PE, SF, NF), (IN_BITS, IN_SIGNED) and (the
    /// arithmetic, W_BITS).
    pub fn new(
        (simd, pe, sf, nf): (usize, usize, usize, usize),
        (in_bits, in_signed): (u32, bool),
        (arith, w_bits): (Arith, u32),
    ) -> Self {
        MvauShape {
            simd,
            pe,
            sf,
            nf,
            in_bits,
            in_signed,
            arith,
            w_bits,
        }
    }

    /// The weight ROM image (`$readmemh`) of the codes `codes[out][in]`: a
    /// word per (NF, SF) step, NF outer, of the PE × SIMD codes of the step,
    /// PE outer.
    pub fn weight_rom(&self, codes: &[Vec<u64>]) -> String {
        let (simd, pe, wb) = (self.simd, self.pe, self.w_bits);
        let mut text = String::new();
        for n in 0..self.nf {
            for f in 0..self.sf {
                let mut word = Bits::new(pe * simd * wb as usize);
                for p in 0..pe {
                    for s in 0..simd {
                        let code = codes[n * pe + p][f * simd + s];
                        word.set((p * simd + s) * wb as usize, wb, code);
                    }
                }
                let _ = writeln!(text, "{}", word.to_hex());
            }
        }
        text
    }

    /// The input beats of `frames` (`frames[frame][in]`): SF beats a
    /// frame, each of SIMD values.
    pub fn input(&self, frames: &[Vec<i64>]) -> Vec<Bits> {
        let (simd, ib) = (self.simd, self.in_bits);
        let mut input = Vec::new();
        for fx in frames {
            for f in 0..self.sf {
                let mut b = Bits::new(simd * ib as usize);
                for s in 0..simd {
                    let code = code_of(fx[f * simd + s], ib, self.in_signed);
                    b.set(s * ib as usize, ib, code);
                }
                input.push(b);
            }
        }
        input
    }

    /// Checks the timing of a run without stalls: frames start SF·NF
    /// cycles apart (else panics with `<tag>: frame starts ...`), and the
    /// first output beat comes 4 cycles after the last input beat of the
    /// first frame (else `<unit>: latency ...`).
    pub fn assert_nostall_timing(&self, r: &StreamResult, tag: &str, unit: &str) {
        let starts: Vec<u64> = r.out_cycles.iter().step_by(self.nf).copied().collect();
        assert!(
            gaps(&starts)
                .iter()
                .all(|&g| g == (self.sf * self.nf) as u64),
            "{tag}: frame starts {starts:?}, expected {} cycles apart",
            self.sf * self.nf
        );
        assert_eq!(
            r.out_cycles[0] - r.in_cycles[self.sf - 1],
            4,
            "{unit}: latency from the last input beat to the first output beat"
        );
    }
}

pub fn signed_bits_for(lo: i128, hi: i128) -> u32 {
    (1..=64)
        .find(|&n| lo >= -(1i128 << (n - 1)) && hi < (1i128 << (n - 1)))
        .unwrap_or(64)
}

// ------------------------------------------------- lint, Icarus and Yosys

/// A module with parameters, for the tool checks: `(NAME, value)` as
/// Verilog literals.
pub struct Elab {
    pub module: &'static str,
    pub deps: &'static [&'static str],
    pub params: Vec<(String, String)>,
}

/// A module of `hw::units` with the parameters of its struct (as the top
/// instantiates it), and the modules it instantiates.
pub fn unit_elab(unit: &Unit, deps: &'static [&'static str]) -> Elab {
    Elab {
        module: unit.module(),
        deps,
        params: param_literals(unit),
    }
}

/// A module without a struct in `hw::units` (or at its defaults) with
/// hand-written parameters.
pub fn elab(
    module: &'static str,
    deps: &'static [&'static str],
    params: &[(&'static str, &str)],
) -> Elab {
    Elab {
        module,
        deps,
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

pub fn elab_sources(e: &Elab) -> Vec<PathBuf> {
    std::iter::once(e.module)
        .chain(e.deps.iter().copied())
        .map(rtl)
        .collect()
}

pub fn run_tool(mut c: Command) -> (bool, String) {
    let what = format!("{c:?}");
    match c.output() {
        Ok(o) => (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        ),
        Err(e) => panic!("cannot run {what}: {e} (install verilator, iverilog and yosys)"),
    }
}

pub fn verilator_lint(e: &Elab) -> (bool, String) {
    let mut c = Command::new("verilator");
    c.args(["--lint-only", "-Wall", "--top-module", e.module]);
    for (k, v) in &e.params {
        c.arg(format!("-G{k}={v}"));
    }
    c.args(elab_sources(e));
    let (ok, text) = run_tool(c);
    (ok && !text.contains("%Warning"), text)
}

pub fn icarus(e: &Elab, dir: &Path) -> (bool, String) {
    let mut c = Command::new("iverilog");
    c.args(["-g2005", "-Wall", "-o"])
        .arg(dir.join("icarus.out"));
    c.arg("-s").arg(e.module);
    for (k, v) in &e.params {
        c.arg(format!("-P{}.{k}={v}", e.module));
    }
    c.args(elab_sources(e));
    let (ok, text) = run_tool(c);
    // `-Wall` warns about the implicit timescale of modules without one;
    // anything else is a finding
    let other: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("timescale") && !l.trim().is_empty())
        .collect();
    (ok && other.is_empty(), text)
}

pub fn yosys(e: &Elab) -> (bool, String) {
    let files: Vec<String> = elab_sources(e)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut chparam = String::new();
    for (k, v) in &e.params {
        let _ = write!(chparam, " -set {k} {v}");
    }
    let script = format!(
        "read_verilog -defer {}; chparam{} {}; hierarchy -check -top {}; proc",
        files.join(" "),
        chparam,
        e.module,
        e.module
    );
    let mut c = Command::new("yosys");
    c.args(["-q", "-p", &script]);
    let (ok, text) = run_tool(c);
    (ok && !text.to_lowercase().contains("warning"), text)
}

/// The findings on parameter sets that Verilator's lint, Icarus and Yosys
/// (through `yosys`, the flavour of Yosys check the caller uses) must all
/// accept without a warning: one a tool that refused or warned, with its
/// output.
pub fn legal_refused(sets: &[Elab], dir: &Path, yosys: fn(&Elab) -> (bool, String)) -> Vec<String> {
    let mut failures = Vec::new();
    for e in sets {
        let tag = format!("{} {:?}", e.module, e.params);
        for (tool, (ok, text)) in [
            ("verilator -Wall", verilator_lint(e)),
            ("iverilog -g2005", icarus(e, dir)),
            ("yosys", yosys(e)),
        ] {
            if !ok {
                failures.push(format!("{tool} on {tag}:\n{text}"));
            }
        }
    }
    failures
}

/// The parameter sets of `bad` that some tool accepts although the module
/// must refuse them at elaboration: Verilator's lint, Icarus and Yosys
/// (through `yosys`, the flavour of Yosys check the caller uses).
pub fn illegal_accepted(
    bad: &[Elab],
    dir: &Path,
    yosys: fn(&Elab) -> (bool, String),
) -> Vec<String> {
    let mut failures = Vec::new();
    for e in bad {
        let tag = format!("{} {:?}", e.module, e.params);
        let (lint_ok, _) = verilator_lint(e);
        let (ic_ok, _) = icarus(e, dir);
        let (ys_ok, _) = yosys(e);
        if lint_ok || ic_ok || ys_ok {
            failures.push(format!(
                "illegal {tag} accepted (verilator {lint_ok}, iverilog {ic_ok}, yosys {ys_ok})"
            ));
        }
    }
    failures
}
