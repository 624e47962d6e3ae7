//! The HLS C++ of a design (`OUT/hls/`), for Vitis HLS: a top that calls the
//! kernels of the header-only library (`hls/`, copied beside it) in one
//! DATAFLOW region, its C-simulation testbench with golden vectors, and
//! `run_hls.tcl`. Everything is read from [`hw::Design`]: each instance
//! becomes one kernel call whose config is its unit's parameter list
//! ([`Unit::params`]), each FIFO becomes the depth of the stream it buffers,
//! each ROM image a `static const` array split by PE. Nothing here decides
//! hardware; the only quantities computed are the beats a frame of every
//! stream, which the kernels take as their call lengths.

use std::collections::BTreeMap;

use askama::Template;
use ndarray::Array2;

use super::Artifact;
use crate::embedded;
use crate::error::{Error, Result};
use crate::hw::{Design, Instance, Rom, Unit, Value};
use crate::plan::{BoardFit, Family};

/// The folder of the HLS files inside a design.
pub const DIR: &str = "hls";
/// The part `run_hls.tcl` targets when the design was planned for no board.
pub const DEFAULT_PART: &str = "xczu7ev-ffvc1156-2-e";
/// The clock `run_hls.tcl` asks for without a board (the report's quoted clock).
pub const DEFAULT_CLOCK_MHZ: f64 = super::report::REPORT_CLOCK_MHZ;
/// Depth of a stream that no FIFO instance buffers (Vitis HLS's default).
pub const DEFAULT_DEPTH: u64 = 2;
/// Frames of golden vectors in `hls/tb_data/` (what `csim_design` checks).
pub const TB_FRAMES: usize = 4;
/// Seed of the golden vectors' random inputs.
pub const TB_SEED: u64 = 1;
/// ap_int's default width limit; wider words need `AP_INT_MAX_W`.
const AP_INT_DEFAULT_MAX_W: usize = 1024;
/// The widest ap_int the open-source and the vendor headers accept.
const AP_INT_LIMIT_W: usize = 32768;

/// `hls/<top>.cpp`, the top's source, relative to the design folder.
pub fn top_source(d: &Design) -> String {
    format!("{DIR}/{}.cpp", d.top)
}

/// `hls/<top>_tb.cpp`, the C-simulation testbench.
pub fn testbench(d: &Design) -> String {
    format!("{DIR}/{}_tb.cpp", d.top)
}

/// Whether a design file (relative path) is the C-simulation testbench or
/// its golden vectors: files `tomatl verify --backend hls` trusts only as
/// `tomatl generate` wrote them.
pub fn is_harness(rel: &str) -> bool {
    rel.strip_prefix("hls/")
        .is_some_and(|f| f.ends_with("_tb.cpp") || f.starts_with("tb_data/"))
}

/// The part and clock period (ns) `run_hls.tcl` asks for.
pub fn part_and_clock(d: &Design) -> Result<(String, f64)> {
    match &d.board {
        None => Ok((DEFAULT_PART.to_string(), 1000.0 / DEFAULT_CLOCK_MHZ)),
        Some(b) => part_and_clock_of(b),
    }
}

/// The part and clock period (ns) of a board plan: Xilinx families only.
pub fn part_and_clock_of(b: &BoardFit) -> Result<(String, f64)> {
    if matches!(b.family, Family::Xilinx7 | Family::XilinxUltrascale) {
        Ok((b.part.clone(), 1000.0 / b.clock_mhz))
    } else {
        Err(Error::Internal(format!(
            "board `{}` is not a Xilinx device: Vitis HLS cannot target {}",
            b.board, b.part
        )))
    }
}

/// One `static const NAME = value;` member of a kernel config.
struct Member {
    ty: &'static str,
    name: String,
    value: String,
}

impl Member {
    fn new(ty: &'static str, name: &str, v: u64) -> Self {
        let value = match ty {
            "bool" => (v != 0).to_string(),
            "long long" => format!("{v}LL"),
            _ => v.to_string(),
        };
        Member {
            ty,
            name: name.to_string(),
            value,
        }
    }
}

struct Config {
    name: String,
    note: String,
    members: Vec<Member>,
}

struct RomDecl {
    name: String,
    ty: String,
    file: String,
    pe: usize,
    depth: usize,
    /// `[lanes]`: the third dimension, when a word holds several codes.
    lanes: String,
    /// Per PE, lines of comma-separated values.
    rows: Vec<Vec<String>>,
}

struct Chan {
    name: String,
    bits: usize,
    depth: u64,
    note: String,
}

struct Call {
    text: String,
    note: String,
}

#[derive(Template)]
#[template(path = "hls/top.h", escape = "none")]
struct TopHeader<'a> {
    top: &'a str,
    guard: String,
    name: &'a str,
    version: &'a str,
    max_w: Option<usize>,
    in_elems: usize,
    in_bits: u32,
    in_signed: bool,
    in_beats: usize,
    in_tdata: usize,
    in_type: String,
    out_elems: usize,
    out_bits: u32,
    out_signed: bool,
    out_beats: usize,
    out_tdata: usize,
    out_type: String,
}

#[derive(Template)]
#[template(path = "hls/top.cpp", escape = "none")]
struct TopSource<'a> {
    top: &'a str,
    name: &'a str,
    version: &'a str,
    interval: u64,
    headers: Vec<&'static str>,
    configs: Vec<Config>,
    has_roms: bool,
    streams: Vec<Chan>,
    calls: Vec<Call>,
}

#[derive(Template)]
#[template(path = "hls/roms.h", escape = "none")]
struct RomHeader<'a> {
    top: &'a str,
    guard: String,
    version: &'a str,
    roms: Vec<RomDecl>,
}

#[derive(Template)]
#[template(path = "hls/tb.cpp", escape = "none")]
struct Testbench<'a> {
    top: &'a str,
    version: &'a str,
}

#[derive(Template)]
#[template(path = "hls/run_hls.tcl", escape = "none")]
struct Script<'a> {
    top: &'a str,
    name: &'a str,
    version: &'a str,
    part: String,
    period: String,
    board: String,
    sources: Vec<String>,
    tb_files: Vec<String>,
}

/// Beats a frame and real elements a frame of one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Frame {
    beats: u64,
    elems: u64,
}

/// What the FIFO instances become: every FIFO's output is the stream it
/// reads, with the FIFO's depth (chained FIFOs add up).
struct Streams<'a> {
    d: &'a Design,
    alias: BTreeMap<&'a str, &'a str>,
    depth: BTreeMap<&'a str, u64>,
}

impl<'a> Streams<'a> {
    fn new(d: &'a Design) -> Result<Self> {
        let mut s = Streams {
            d,
            alias: BTreeMap::new(),
            depth: BTreeMap::new(),
        };
        for x in &d.instances {
            if let Unit::Fifo(f) = &x.unit {
                let (i, o) = one_to_one(x)?;
                let base = s.resolve(i);
                s.alias.insert(o, base);
                *s.depth.entry(base).or_insert(0) += f.depth;
            }
        }
        Ok(s)
    }

    /// The stream of the C++ top that carries design stream `name`.
    fn resolve(&self, mut name: &'a str) -> &'a str {
        while let Some(n) = self.alias.get(name) {
            name = n;
        }
        name
    }

    fn chans(&self) -> Vec<Chan> {
        let mut out = Vec::new();
        for s in &self.d.streams {
            if self.alias.contains_key(s.name.as_str()) {
                continue;
            }
            let fifos: Vec<&str> = self
                .d
                .instances
                .iter()
                .filter(|x| matches!(x.unit, Unit::Fifo(_)))
                .filter(|x| x.inputs.first().map(|i| self.resolve(i)) == Some(s.name.as_str()))
                .map(|x| x.name.as_str())
                .collect();
            let depth = self.depth.get(s.name.as_str()).copied();
            let note = match depth {
                Some(d) => format!(
                    "{} x {} bits, FIFO {} ({d} beats)",
                    s.elems,
                    s.el_bits,
                    fifos.join(", ")
                ),
                None => format!("{} x {} bits", s.elems, s.el_bits),
            };
            out.push(Chan {
                name: s.name.clone(),
                bits: s.bits(),
                depth: depth.unwrap_or(DEFAULT_DEPTH),
                note,
            });
        }
        out
    }
}

fn one_to_one(x: &Instance) -> Result<(&str, &str)> {
    match (x.inputs.as_slice(), x.outputs.as_slice()) {
        ([i], [o]) => Ok((i.as_str(), o.as_str())),
        _ => Err(Error::Internal(format!(
            "instance `{}` should have one input and one output stream",
            x.name
        ))),
    }
}

fn fault(x: &Instance, what: String) -> Error {
    Error::Internal(format!(
        "instance `{}` ({}): {what}",
        x.name,
        x.unit.module()
    ))
}

/// `a / b` when it divides exactly.
fn exact(x: &Instance, what: &str, a: u64, b: u64) -> Result<u64> {
    if b == 0 || !a.is_multiple_of(b) {
        return Err(fault(
            x,
            format!("{what}: {a} beats a frame are not a whole number of {b}"),
        ));
    }
    Ok(a / b)
}

/// The beats a frame of every stream, from the input port through every
/// instance in dataflow order, and the call lengths of the instances
/// (`REPS` or `BEATS`).
fn frames(d: &Design) -> Result<(BTreeMap<String, Frame>, BTreeMap<String, u64>)> {
    let mut f: BTreeMap<String, Frame> = BTreeMap::new();
    let mut reps = BTreeMap::new();
    let n_in: usize = d.input.shape.iter().product();
    f.insert(
        d.input.stream.clone(),
        Frame {
            beats: d.input.beats_per_frame as u64,
            elems: n_in as u64,
        },
    );
    for x in &d.instances {
        let ins: Vec<Frame> = x
            .inputs
            .iter()
            .map(|s| {
                f.get(s)
                    .copied()
                    .ok_or_else(|| fault(x, format!("reads `{s}` before it is written")))
            })
            .collect::<Result<_>>()?;
        let first = *ins
            .first()
            .ok_or_else(|| fault(x, "reads no stream".into()))?;
        let out = match &x.unit {
            Unit::Fifo(_) | Unit::Fork(_) => first,
            Unit::Dwc(c) => Frame {
                beats: first.elems.div_ceil(c.out_elems.max(1)),
                elems: first.elems,
            },
            Unit::Swu(s) => {
                let cb = exact(x, "channels", s.ch, s.simd)?;
                if first.beats != s.in_h * s.in_w * cb {
                    return Err(fault(
                        x,
                        format!(
                            "reads {} beats a frame, expected {}",
                            first.beats,
                            s.in_h * s.in_w * cb
                        ),
                    ));
                }
                let beats = s.out_h * s.out_w * s.k_h * s.k_w * cb;
                Frame {
                    beats,
                    elems: beats * s.simd,
                }
            }
            Unit::Mvau(m) => {
                let r = exact(x, "input vectors", first.beats, m.sf)?;
                reps.insert(x.name.clone(), r);
                Frame {
                    beats: r * m.nf,
                    elems: r * m.nf * m.pe,
                }
            }
            Unit::Vvau(v) => {
                let groups = exact(x, "channel groups", v.ch, v.pe)?;
                let r = exact(x, "windows", first.beats, groups * v.k)?;
                reps.insert(x.name.clone(), r);
                Frame {
                    beats: r * groups,
                    elems: r * v.ch,
                }
            }
            Unit::Pool(p) => {
                let groups = exact(x, "channel groups", p.ch, p.pe)?;
                let r = exact(x, "windows", first.beats, groups * p.k)?;
                reps.insert(x.name.clone(), r);
                Frame {
                    beats: r * groups,
                    elems: r * p.ch,
                }
            }
            Unit::Gap(g) => {
                let groups = exact(x, "channel groups", g.ch, g.pe)?;
                if first.beats != g.n_pix * groups {
                    return Err(fault(
                        x,
                        format!(
                            "reads {} beats a frame, expected {}",
                            first.beats,
                            g.n_pix * groups
                        ),
                    ));
                }
                Frame {
                    beats: groups,
                    elems: g.ch,
                }
            }
            Unit::Add(_) => {
                if ins.len() != 2 || ins[0].beats != ins[1].beats {
                    return Err(fault(x, "its two inputs differ in beats a frame".into()));
                }
                reps.insert(x.name.clone(), first.beats);
                first
            }
        };
        if let Unit::Fork(_) | Unit::Dwc(_) = &x.unit {
            reps.insert(x.name.clone(), first.beats);
        }
        for o in &x.outputs {
            f.insert(o.clone(), out);
        }
    }
    let last = f
        .get(&d.output.stream)
        .ok_or_else(|| Error::Internal("the output stream is never written".into()))?;
    if last.beats != d.output.beats_per_frame as u64 {
        return Err(Error::Internal(format!(
            "the output stream carries {} beats a frame, the port {}",
            last.beats, d.output.beats_per_frame
        )));
    }
    Ok((f, reps))
}

/// The C++ type of a config member, by the name conventions of the
/// library's configs (docs in hls/README.md).
fn member_type(name: &str) -> &'static str {
    if name.ends_with("SIGNED") || name == "DEPTHWISE" || name == "NARROW" {
        "bool"
    } else if name == "RELU6_MAX" || name == "AVG_DIV" {
        "long long"
    } else {
        "int"
    }
}

/// The config struct of an engine or window unit: its unit's parameters
/// (the ROM files and the DSP packing are not kernel parameters), then the
/// call length.
fn config(x: &Instance, reps: Option<(&str, u64)>) -> Config {
    let mut members: Vec<Member> = x
        .unit
        .params()
        .into_iter()
        .filter(|p| p.name != "PACK")
        .filter_map(|p| match p.value {
            Value::Int(v) => Some(Member::new(member_type(&p.name), &p.name, v)),
            Value::File(_) => None,
        })
        .collect();
    if matches!(x.unit, Unit::Mvau(ref m) if m.mult_bits.is_none()) {
        members.push(Member::new("int", "MULT_BITS", 0));
    }
    if let Some((name, v)) = reps {
        members.push(Member::new("int", name, v));
    }
    Config {
        name: x.name.clone(),
        note: x.note.clone(),
        members,
    }
}

fn sext(v: u64, bits: u32) -> i64 {
    if bits >= 64 {
        v as i64
    } else {
        let s = 64 - bits;
        ((v << s) as i64) >> s
    }
}

fn int_literal(v: i64) -> String {
    if i32::try_from(v).is_ok() {
        v.to_string()
    } else {
        format!("{v}LL")
    }
}

/// Values in lines of at most about 100 characters.
fn lines(vals: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for v in vals {
        if !cur.is_empty() && cur.len() + v.len() + 2 > 100 {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur += ", ";
        }
        cur += &v;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The ROM read from `file`, checked against the geometry the kernel reads.
fn rom<'a>(
    d: &'a Design,
    x: &Instance,
    file: &str,
    fields: usize,
    bits: u64,
    words: u64,
) -> Result<&'a Rom> {
    let r = d
        .rom(file)
        .ok_or_else(|| fault(x, format!("no ROM image `{file}`")))?;
    if r.fields != fields || r.field_bits as u64 != bits || r.words.len() as u64 != words {
        return Err(fault(
            x,
            format!(
                "ROM `{file}` holds {} words of {} x {} bits, expected {words} of {fields} x {bits}",
                r.words.len(),
                r.fields,
                r.field_bits
            ),
        ));
    }
    Ok(r)
}

/// How the fields of a ROM become C++ values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fields {
    /// One two's-complement field a word and PE (biases).
    Signed,
    /// One unsigned field a word and PE (codes, multipliers).
    Unsigned,
    /// `n` codes a word and PE: an array `{c0, c1, ...}` of the lanes.
    Lanes(usize),
    /// One unsigned field of any width a word and PE (threshold words),
    /// written as an `ap_uint` of its hex digits.
    Wide,
}

/// A ROM split by PE: `[pe][words]`, or `[pe][words][lanes]`.
fn split(name: String, ty: String, r: &Rom, pe: usize, fields: Fields) -> RomDecl {
    let per = match fields {
        Fields::Lanes(n) => n,
        _ => 1,
    };
    let rows = (0..pe)
        .map(|p| {
            let vals = (0..r.words.len())
                .map(|w| {
                    let f = |s: usize| r.field(w, p * per + s);
                    match fields {
                        Fields::Signed => int_literal(sext(f(0), r.field_bits)),
                        Fields::Unsigned => f(0).to_string(),
                        // C simulation holds words of up to 64 bits in
                        // built-in integers (tomatl::rom_uint)
                        Fields::Wide if r.field_bits <= 32 => f(0).to_string(),
                        Fields::Wide if r.field_bits <= 64 => format!("{}ULL", f(0)),
                        // without leading zeros: ap_int's parser takes
                        // "0b", "0o", "0d", "0x" for a base prefix
                        Fields::Wide => {
                            let h = r.field_hex(w, p);
                            let h = h.trim_start_matches('0');
                            format!("{ty}(\"{}\", 16)", if h.is_empty() { "0" } else { h })
                        }
                        Fields::Lanes(n) => {
                            let v: Vec<String> = (0..n).map(|s| f(s).to_string()).collect();
                            format!("{{{}}}", v.join(", "))
                        }
                    }
                })
                .collect();
            lines(vals)
        })
        .collect();
    RomDecl {
        name,
        ty,
        file: r.file.clone(),
        pe,
        depth: r.words.len(),
        lanes: match fields {
            Fields::Lanes(n) => format!("[{n}]"),
            _ => String::new(),
        },
        rows,
    }
}

/// What the kernel calls are made from.
struct Ctx<'a> {
    d: &'a Design,
    s: &'a Streams<'a>,
    frames: &'a BTreeMap<String, Frame>,
    reps: &'a BTreeMap<String, u64>,
    cfg_ns: String,
}

/// The kernel call of one instance (none for a FIFO), with its config and
/// ROMs.
fn call(
    c: &Ctx,
    x: &Instance,
    configs: &mut Vec<Config>,
    roms: &mut Vec<RomDecl>,
) -> Result<Option<Call>> {
    let (d, s, frames, reps, cfg_ns) = (c.d, c.s, c.frames, c.reps, c.cfg_ns.as_str());
    let ins: Vec<&str> = x.inputs.iter().map(|i| s.resolve(i)).collect();
    let outs: Vec<&str> = x.outputs.iter().map(|o| s.resolve(o)).collect();
    let len = |x: &Instance| {
        reps.get(&x.name)
            .copied()
            .ok_or_else(|| fault(x, "no call length".into()))
    };
    let cfg = format!("{cfg_ns}::{}", x.name);
    let streams = |ins: &[&str], outs: &[&str]| {
        ins.iter()
            .chain(outs.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let io = streams(&ins, &outs);
    let text = match &x.unit {
        Unit::Fifo(_) => return Ok(None),
        Unit::Dwc(c) => {
            let frame_elems = frames
                .get(&x.inputs[0])
                .map(|fr| fr.elems)
                .ok_or_else(|| fault(x, "input stream without a frame".into()))?;
            format!(
                "tomatl::dwc<{}, {}, {}, {frame_elems}>({io});",
                c.el_bits, c.in_elems, c.out_elems
            )
        }
        Unit::Fork(f) => {
            if !(2..=4).contains(&f.n_out) || outs.len() as u64 != f.n_out {
                return Err(fault(x, format!("{} branches", outs.len())));
            }
            format!("tomatl::fork<{}, {}>({io});", f.width, len(x)?)
        }
        Unit::Swu(_) => {
            configs.push(config(x, None));
            format!("tomatl::swu<{cfg}>({io});")
        }
        Unit::Mvau(m) => {
            configs.push(config(x, Some(("REPS", len(x)?))));
            let (pe, simd) = (m.pe as usize, m.simd as usize);
            let w = rom(d, x, &m.weight_file, pe * simd, m.w_bits, m.nf * m.sf)?;
            let b = rom(d, x, &m.bias_file, pe, m.acc_bits, m.nf)?;
            let wname = format!("{}_weights", x.name);
            let bname = format!("{}_bias", x.name);
            roms.push(split(
                wname.clone(),
                format!("tomatl::rom_uint<{}>::type", m.w_bits),
                w,
                pe,
                Fields::Lanes(simd),
            ));
            roms.push(split(
                bname.clone(),
                format!("tomatl::rom_int<{}>::type", m.acc_bits),
                b,
                pe,
                Fields::Signed,
            ));
            let mut args = format!("{io}, {wname}, {bname}");
            // the per-channel ROM, read with the biases: the threshold
            // words or the multipliers, as the kernel's last argument
            let chan = match (m.th_count, &m.th_file, m.mult_bits, &m.mult_file) {
                (Some(n), Some(file), _, _) => Some((
                    crate::hw::rom::threshold_word_bits(n, m.acc_bits),
                    file,
                    "thresholds",
                    Fields::Wide,
                )),
                (_, _, Some(bits), Some(file)) => Some((bits, file, "mults", Fields::Unsigned)),
                _ => None,
            };
            if let Some((bits, file, what, fields)) = chan {
                let r = rom(d, x, file, pe, bits, m.nf)?;
                let name = format!("{}_{what}", x.name);
                roms.push(split(
                    name.clone(),
                    format!("tomatl::rom_uint<{bits}>::type"),
                    r,
                    pe,
                    fields,
                ));
                args += &format!(", {name}");
            }
            format!("tomatl::mvau<{cfg}>({args});")
        }
        Unit::Vvau(v) => {
            configs.push(config(x, Some(("REPS", len(x)?))));
            let pe = v.pe as usize;
            let groups = v.ch / v.pe.max(1);
            let w = rom(d, x, &v.weight_file, pe, v.w_bits, groups * v.k)?;
            let b = rom(d, x, &v.bias_file, pe, v.acc_bits, groups)?;
            let wname = format!("{}_weights", x.name);
            let bname = format!("{}_bias", x.name);
            roms.push(split(
                wname.clone(),
                format!("tomatl::rom_uint<{}>::type", v.w_bits),
                w,
                pe,
                Fields::Unsigned,
            ));
            roms.push(split(
                bname.clone(),
                format!("tomatl::rom_int<{}>::type", v.acc_bits),
                b,
                pe,
                Fields::Signed,
            ));
            format!("tomatl::vvau<{cfg}>({io}, {wname}, {bname});")
        }
        Unit::Pool(_) => {
            configs.push(config(x, Some(("REPS", len(x)?))));
            format!("tomatl::pool<{cfg}>({io});")
        }
        Unit::Gap(_) => {
            configs.push(config(x, None));
            format!("tomatl::gap<{cfg}>({io});")
        }
        Unit::Add(_) => {
            configs.push(config(x, Some(("BEATS", len(x)?))));
            format!("tomatl::add<{cfg}>({io});")
        }
    };
    Ok(Some(Call {
        text,
        note: format!("{}: {}", x.name, x.note),
    }))
}

/// The widest ap_uint the top and its kernels use.
fn widest(d: &Design) -> usize {
    let mut w = d.input.tdata_bits.max(d.output.tdata_bits);
    for s in &d.streams {
        w = w.max(s.bits());
    }
    let th_files: Vec<&str> = d
        .instances
        .iter()
        .filter_map(|x| match &x.unit {
            Unit::Mvau(m) => m.th_file.as_deref(),
            _ => None,
        })
        .collect();
    for r in &d.roms {
        // a threshold ROM is read a channel's word at a time
        w = w.max(if th_files.contains(&r.file.as_str()) {
            r.field_bits as usize
        } else {
            r.word_bits()
        });
    }
    for x in &d.instances {
        if let Unit::Dwc(c) = &x.unit {
            // the converter's buffer
            w = w.max(((c.in_elems + c.out_elems) * c.el_bits) as usize);
        }
    }
    w
}

/// `frames N len L` and one line of codes a frame.
fn vectors(x: &Array2<i64>) -> String {
    let mut t = format!("frames {} len {}\n", x.nrows(), x.ncols());
    for row in x.rows() {
        let line: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        t += &line.join(" ");
        t.push('\n');
    }
    t
}

/// Every file under `hls/`: the library, the top, its ROMs, the testbench
/// with golden vectors (`inputs` and the golden model's `expected`
/// outputs) and the Vitis HLS script.
pub fn emit(d: &Design, inputs: &Array2<i64>, expected: &Array2<i64>) -> Result<Vec<Artifact>> {
    let version = d.tomatl_version.as_str();
    let top = d.top.as_str();
    let (part, period_ns) = part_and_clock(d)?;
    let streams = Streams::new(d)?;
    let (frame, reps) = frames(d)?;
    let ctx = Ctx {
        d,
        s: &streams,
        frames: &frame,
        reps: &reps,
        cfg_ns: format!("{top}_cfg"),
    };
    let mut configs = Vec::new();
    let mut roms = Vec::new();
    let mut calls = Vec::new();
    let in_s = streams.resolve(&d.input.stream);
    let out_s = streams.resolve(&d.output.stream);
    calls.push(Call {
        text: format!(
            "tomatl::axis_in<{}, {}, {}>(s_axis, {in_s});",
            d.input.tdata_bits,
            d.input.data_bits(),
            d.input.beats_per_frame
        ),
        note: "the input port: TDATA to the first stream".into(),
    });
    for x in &d.instances {
        if let Some(c) = call(&ctx, x, &mut configs, &mut roms)? {
            calls.push(c);
        }
    }
    calls.push(Call {
        text: format!(
            "tomatl::axis_out<{}, {}, {}>({out_s}, m_axis);",
            d.output.data_bits(),
            d.output.tdata_bits,
            d.output.beats_per_frame
        ),
        note: "the output port: TLAST on the last beat of a frame".into(),
    });
    let max_w = widest(d);
    if max_w > AP_INT_LIMIT_W {
        return Err(Error::Internal(format!(
            "a {max_w}-bit word is wider than ap_int allows ({AP_INT_LIMIT_W} bits)"
        )));
    }
    let mut headers: Vec<&'static str> = vec!["tomatl_axis.h"];
    for x in &d.instances {
        let h = match x.unit {
            Unit::Fifo(_) => continue,
            Unit::Dwc(_) => "tomatl_dwc.h",
            Unit::Fork(_) => "tomatl_fork.h",
            Unit::Swu(_) => "tomatl_swu.h",
            Unit::Mvau(_) => "tomatl_mvau.h",
            Unit::Vvau(_) => "tomatl_vvau.h",
            Unit::Pool(_) => "tomatl_pool.h",
            Unit::Gap(_) => "tomatl_gap.h",
            Unit::Add(_) => "tomatl_add.h",
        };
        if !headers.contains(&h) {
            headers.push(h);
        }
    }
    headers.sort();
    let guard = |suffix: &str| format!("{}_{suffix}", top.to_ascii_uppercase());
    let render = |what: &str, r: std::result::Result<String, askama::Error>| {
        r.map(|t| t + "\n")
            .map_err(|e| Error::Internal(format!("rendering {what}: {e}")))
    };
    let header = TopHeader {
        top,
        guard: guard("H"),
        name: &d.name,
        version,
        max_w: (max_w > AP_INT_DEFAULT_MAX_W).then(|| max_w.div_ceil(1024) * 1024),
        in_elems: d.input.elems_per_beat,
        in_bits: d.input.ty.bits,
        in_signed: d.input.ty.signed,
        in_beats: d.input.beats_per_frame,
        in_tdata: d.input.tdata_bits,
        in_type: d.input.ty.short(),
        out_elems: d.output.elems_per_beat,
        out_bits: d.output.ty.bits,
        out_signed: d.output.ty.signed,
        out_beats: d.output.beats_per_frame,
        out_tdata: d.output.tdata_bits,
        out_type: d.output.ty.short(),
    };
    let source = TopSource {
        top,
        name: &d.name,
        version,
        interval: d.interval_cycles,
        headers,
        configs,
        has_roms: !roms.is_empty(),
        streams: streams.chans(),
        calls,
    };
    let rom_header = RomHeader {
        top,
        guard: guard("ROMS_H"),
        version,
        roms,
    };
    let tb = Testbench { top, version };
    let mut tb_files = vec![format!("{top}_tb.cpp"), "tb_data".to_string()];
    tb_files.sort();
    let script = Script {
        top,
        name: &d.name,
        version,
        part,
        period: format!("{period_ns:.3}"),
        board: d
            .board
            .as_ref()
            .map_or_else(|| "none (default part)".to_string(), |b| b.board.clone()),
        sources: vec![format!("{top}.cpp")],
        tb_files,
    };
    let mut files = vec![
        Artifact::new(format!("{DIR}/{top}.h"), render("top.h", header.render())?),
        Artifact::new(top_source(d), render("top.cpp", source.render())?),
        Artifact::new(
            format!("{DIR}/{top}_roms.h"),
            render("roms.h", rom_header.render())?,
        ),
        Artifact::new(testbench(d), render("tb.cpp", tb.render())?),
        Artifact::new(
            format!("{DIR}/run_hls.tcl"),
            render("run_hls.tcl", script.render())?,
        ),
        Artifact::new(format!("{DIR}/tb_data/input.txt"), vectors(inputs)),
        Artifact::new(format!("{DIR}/tb_data/expected.txt"), vectors(expected)),
    ];
    for (name, src) in embedded::HLS_LIBRARY {
        files.push(Artifact::new(format!("{DIR}/{name}"), *src));
    }
    for (name, src) in embedded::HLS_SIM_FILES {
        files.push(Artifact::new(format!("{DIR}/sim/{name}"), *src));
    }
    Ok(files)
}
