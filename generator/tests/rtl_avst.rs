//! The Avalon-ST adapters of the Intel SoC project (`rtl/tomatl_axis_to_avst.v`,
//! `rtl/tomatl_avst_to_axis.v`):
//!
//! - a unit bench (`testbenches/unit/tb_avst.cpp`) with instances side by
//!   side: AXI4-Stream to Avalon-ST, Avalon-ST to AXI4-Stream (good and
//!   broken framing), and the two in a row, at several widths, fed packets
//!   of random lengths with random stalls on both sides; every beat, its
//!   startofpacket / endofpacket / TLAST / empty and the framing error
//!   checked against what the packets say, none lost or repeated;
//! - the symbol order: a frame packed as tomatl's contract puts it in
//!   memory (element i at bits [i*b, (i+1)*b) of a beat, beats
//!   little-endian), read by a model of the mSGDMA for an interface with
//!   `firstSymbolInHighOrderBits false` (symbol k = memory byte k of the
//!   beat = bits [8k, 8k+8)), passes the adapters so that memory byte 0 is
//!   element 0's low byte on the accelerator's side, and back;
//! - lint, Icarus and Yosys on legal parameters, and the illegal ones
//!   refused by all three.

mod common_rtl;

use std::path::PathBuf;

use common_rtl::*;
use tomatl::sim::verilator;

/// One instance of the bench.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// AXI4-Stream in, Avalon-ST out: in = {tlast, data}, out = {sop, eop, empty, data}.
    ToAvst,
    /// Avalon-ST in, AXI4-Stream out: in = {sop, eop, empty, data}, out = {error, tlast, data}.
    ToAxis,
    /// Avalon-ST to AXI4-Stream to Avalon-ST: in and out = {sop, eop, empty, data}.
    RoundTrip,
}

fn empty_bits(data_bits: usize) -> usize {
    let s = data_bits / 8;
    if s > 1 {
        (usize::BITS - (s - 1).leading_zeros()) as usize
    } else {
        1
    }
}

fn in_bits(k: Kind, w: usize) -> usize {
    match k {
        Kind::ToAvst => w + 1,
        Kind::ToAxis | Kind::RoundTrip => w + 2 + empty_bits(w),
    }
}

fn out_bits(k: Kind, w: usize) -> usize {
    match k {
        Kind::ToAxis => w + 2,
        Kind::ToAvst | Kind::RoundTrip => w + 2 + empty_bits(w),
    }
}

/// The wrapper `unit_top` with the instances side by side.
fn wrapper(insts: &[(Kind, usize)]) -> (String, Vec<(usize, usize)>) {
    let mut offs = Vec::new();
    let (mut io, mut oo) = (0, 0);
    for &(k, w) in insts {
        offs.push((io, oo));
        io += in_bits(k, w);
        oo += out_bits(k, w);
    }
    let (iw, ow, np) = (pad65(io), pad65(oo), pad65(insts.len()));
    let mut v = format!(
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
    for (n, (&(k, w), &(a, b))) in insts.iter().zip(&offs).enumerate() {
        let e = empty_bits(w);
        let p = format!("#(.DATA_BITS({w}), .SYMBOL_BITS(8))");
        // the avalon side of an input: data, empty, eop, sop from the low bits
        let avst_in = format!(
            ".avst_data(s_tdata[{a} +: {w}]), .avst_empty(s_tdata[{} +: {e}]), \
             .avst_endofpacket(s_tdata[{}]), .avst_startofpacket(s_tdata[{}]), \
             .avst_valid(s_tvalid[{n}]), .avst_ready(s_tready[{n}])",
            a + w,
            a + w + e,
            a + w + e + 1
        );
        let avst_out = format!(
            ".avst_data(m_tdata[{b} +: {w}]), .avst_empty(m_tdata[{} +: {e}]), \
             .avst_endofpacket(m_tdata[{}]), .avst_startofpacket(m_tdata[{}]), \
             .avst_valid(m_tvalid[{n}]), .avst_ready(m_tready[{n}])",
            b + w,
            b + w + e,
            b + w + e + 1
        );
        match k {
            Kind::ToAvst => v.push_str(&format!(
                "  tomatl_axis_to_avst {p} u{n} (.clk(clk), .rst(rst), \
                 .s_axis_tdata(s_tdata[{a} +: {w}]), .s_axis_tlast(s_tdata[{}]), \
                 .s_axis_tvalid(s_tvalid[{n}]), .s_axis_tready(s_tready[{n}]), {avst_out});\n",
                a + w
            )),
            Kind::ToAxis => v.push_str(&format!(
                "  tomatl_avst_to_axis {p} u{n} (.clk(clk), .rst(rst), {avst_in}, \
                 .m_axis_tdata(m_tdata[{b} +: {w}]), .m_axis_tlast(m_tdata[{}]), \
                 .framing_error(m_tdata[{}]), \
                 .m_axis_tvalid(m_tvalid[{n}]), .m_axis_tready(m_tready[{n}]));\n",
                b + w,
                b + w + 1
            )),
            Kind::RoundTrip => v.push_str(&format!(
                "  wire [{}:0] t{n}_data; wire t{n}_last, t{n}_valid, t{n}_ready;\n  \
                 /* verilator lint_off UNUSEDSIGNAL */ wire t{n}_err; /* verilator lint_on UNUSEDSIGNAL */\n  \
                 tomatl_avst_to_axis {p} u{n}a (.clk(clk), .rst(rst), {avst_in}, \
                 .m_axis_tdata(t{n}_data), .m_axis_tlast(t{n}_last), .framing_error(t{n}_err), \
                 .m_axis_tvalid(t{n}_valid), .m_axis_tready(t{n}_ready));\n  \
                 tomatl_axis_to_avst {p} u{n}b (.clk(clk), .rst(rst), .s_axis_tdata(t{n}_data), \
                 .s_axis_tlast(t{n}_last), .s_axis_tvalid(t{n}_valid), .s_axis_tready(t{n}_ready), {avst_out});\n",
                w - 1
            )),
        }
    }
    let n = insts.len();
    if np > n {
        v.push_str(&format!(
            "  assign s_tready[{}:{n}] = {{{}{{1'b0}}}};\n  assign m_tvalid[{}:{n}] = {{{}{{1'b0}}}};\n",
            np - 1,
            np - n,
            np - 1,
            np - n
        ));
    }
    if ow > oo {
        v.push_str(&format!(
            "  assign m_tdata[{}:{oo}] = {{{}{{1'b0}}}};\n",
            ow - 1,
            ow - oo
        ));
    }
    v.push_str("  /* verilator lint_off UNUSEDSIGNAL */\n");
    if iw > io {
        v.push_str(&format!("  wire unused_in = ^s_tdata[{}:{io}];\n", iw - 1));
    }
    v.push_str("  /* verilator lint_on UNUSEDSIGNAL */\nendmodule\n`default_nettype wire\n");
    (v, offs)
}

/// One beat of a packet stream.
#[derive(Clone, Debug, PartialEq)]
struct Beat {
    data: Bits,
    sop: bool,
    eop: bool,
    empty: u64,
}

/// `n` packets of 1..=max_len beats of random data.
fn packets(rng: &mut Rng, w: usize, n: usize, max_len: i64) -> Vec<Beat> {
    let mut v = Vec::new();
    for _ in 0..n {
        let len = rng.range(1, max_len) as usize;
        for i in 0..len {
            let mut data = Bits::new(w);
            for off in (0..w).step_by(32) {
                let nb = (w - off).min(32) as u32;
                data.set(off, nb, rng.bits(nb));
            }
            v.push(Beat {
                data,
                sop: i == 0,
                eop: i + 1 == len,
                empty: 0,
            });
        }
    }
    v
}

fn avst_word(b: &Beat, w: usize) -> Bits {
    let e = empty_bits(w);
    let mut x = Bits::new(w + 2 + e);
    for off in (0..w).step_by(32) {
        let nb = (w - off).min(32) as u32;
        x.set(off, nb, b.data.get(off, nb));
    }
    x.set(w, e as u32, b.empty);
    x.set(w + e, 1, b.eop as u64);
    x.set(w + e + 1, 1, b.sop as u64);
    x
}

fn data_of(x: &Bits, w: usize) -> Bits {
    let mut d = Bits::new(w);
    for off in (0..w).step_by(32) {
        let nb = (w - off).min(32) as u32;
        d.set(off, nb, x.get(off, nb));
    }
    d
}

fn build(name: &str, insts: &[(Kind, usize)]) -> (PathBuf, Vec<(usize, usize)>) {
    require_verilator();
    let dir = work(name);
    let (top, offs) = wrapper(insts);
    let top_path = dir.join("unit_top.v");
    write(&top_path, &top);
    let b = verilator::Build {
        top: "unit_top".into(),
        sources: vec![
            rtl("tomatl_axis_to_avst"),
            rtl("tomatl_avst_to_axis"),
            top_path,
        ],
        cpp: vec![bench_dir().join("tb_avst.cpp")],
        include_dirs: vec![bench_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    };
    let exe = verilator::build(&b).unwrap_or_else(|e| panic!("{e}"));
    (exe, offs)
}

/// Every instance kind at 8, 32 and 128 bits, with good packets (and one
/// Avalon input with broken framing), under each stall scenario.
#[test]
fn adapters_carry_every_beat_and_mark_packets() {
    let widths = [8usize, 32, 128];
    let mut insts = Vec::new();
    for &w in &widths {
        insts.push((Kind::ToAvst, w));
        insts.push((Kind::ToAxis, w));
        insts.push((Kind::RoundTrip, w));
    }
    // broken framing: a missing startofpacket, a repeated one, a bad empty
    insts.push((Kind::ToAxis, 32));
    insts.push((Kind::ToAxis, 32));
    insts.push((Kind::ToAxis, 32));
    let (exe, offs) = build("avst_adapters", &insts);
    for (scenario, seed, pv, pr) in SCENARIOS {
        let mut rng = Rng(seed * 7919 + 11);
        let mut streams: Vec<Vec<Beat>> = Vec::new();
        let mut first_bad: Vec<Option<usize>> = Vec::new();
        for (n, &(k, w)) in insts.iter().enumerate() {
            let mut p = packets(&mut rng, w, 12, 9);
            let mut bad = None;
            if k != Kind::ToAvst {
                // empty is don't-care inside a packet
                for b in p.iter_mut().filter(|b| !b.eop) {
                    b.empty = rng.bits(empty_bits(w) as u32);
                }
            }
            if n >= widths.len() * 3 {
                let i = p
                    .iter()
                    .enumerate()
                    .skip(p.len() / 2)
                    .find(|(_, b)| b.sop && b.eop)
                    .or_else(|| p.iter().enumerate().skip(p.len() / 2).find(|(_, b)| b.sop))
                    .map(|(i, _)| i)
                    .unwrap_or(p.len() - 1);
                match n - widths.len() * 3 {
                    0 => p[i].sop = false,
                    1 => {
                        let j = (i + 1).min(p.len() - 1);
                        if p[j].sop {
                            p[j].empty = 0;
                        }
                        p[j].sop = !p[j].sop;
                    }
                    _ => {
                        let j = p.iter().position(|b| b.eop).unwrap_or(0).max(i);
                        let j = p
                            .iter()
                            .skip(j)
                            .position(|b| b.eop)
                            .map(|x| x + j)
                            .unwrap_or(j);
                        p[j].empty = 1;
                    }
                }
                // the first beat that breaks the rules
                let mut inside = false;
                for (x, b) in p.iter().enumerate() {
                    if b.sop == inside || (b.eop && b.empty != 0) {
                        bad = Some(x);
                        break;
                    }
                    inside = !b.eop;
                }
                assert!(bad.is_some(), "a broken stream");
            }
            streams.push(p);
            first_bad.push(bad);
        }
        let stim: Vec<StreamInst> = insts
            .iter()
            .zip(&streams)
            .map(|(&(k, w), p)| StreamInst {
                module: String::new(),
                in_bits: in_bits(k, w),
                out_bits: out_bits(k, w),
                input: p
                    .iter()
                    .map(|b| match k {
                        Kind::ToAvst => {
                            let mut x = Bits::new(w + 1);
                            for off in (0..w).step_by(32) {
                                let nb = (w - off).min(32) as u32;
                                x.set(off, nb, b.data.get(off, nb));
                            }
                            x.set(w, 1, b.eop as u64);
                            x
                        }
                        _ => avst_word(b, w),
                    })
                    .collect(),
                out_beats: p.len(),
            })
            .collect();
        let res = run_stream(&exe, scenario, &stim, &offs, seed, pv, pr);
        for (n, ((&(k, w), p), r)) in insts.iter().zip(&streams).zip(&res).enumerate() {
            let tag = format!("{scenario}: instance {n} ({k:?}, {w} bits)");
            assert_eq!(r.out.len(), p.len(), "{tag}: beats lost or repeated");
            assert_eq!(r.in_cycles.len(), p.len(), "{tag}: beats taken");
            let e = empty_bits(w);
            for (i, (got, b)) in r.out.iter().zip(p).enumerate() {
                assert_eq!(data_of(got, w), b.data, "{tag}: beat {i} data");
                match k {
                    Kind::ToAvst | Kind::RoundTrip => {
                        assert_eq!(got.get(w, e as u32), 0, "{tag}: beat {i} empty");
                        assert_eq!(got.get(w + e, 1) == 1, b.eop, "{tag}: beat {i} eop");
                        assert_eq!(got.get(w + e + 1, 1) == 1, b.sop, "{tag}: beat {i} sop");
                    }
                    Kind::ToAxis => {
                        assert_eq!(got.get(w, 1) == 1, b.eop, "{tag}: beat {i} tlast");
                        let err = got.get(w + 1, 1) == 1;
                        let want = first_bad[n].is_some_and(|x| i > x);
                        assert_eq!(err, want, "{tag}: beat {i} framing error");
                    }
                }
            }
            if k != Kind::ToAvst {
                continue;
            }
            // a pass-through: each beat leaves in the cycle it is taken
            assert_eq!(r.in_cycles, r.out_cycles, "{tag}: readyLatency 0");
        }
    }
}

/// Memory byte 0 is element 0: a frame packed as tomatl's contract puts
/// it in memory, read and written by a model of the mSGDMA for interfaces
/// declared `firstSymbolInHighOrderBits false`, through the adapters.
#[test]
fn memory_byte_zero_is_element_zero() {
    // 32-bit words of two 16-bit elements, and 64-bit words of eight bytes
    let cases = [(32usize, 16u32), (64, 8)];
    let insts: Vec<(Kind, usize)> = cases
        .iter()
        .flat_map(|&(w, _)| [(Kind::ToAxis, w), (Kind::ToAvst, w)])
        .collect();
    let (exe, offs) = build("avst_symbols", &insts);
    let mut rng = Rng(5);
    let mut stim = Vec::new();
    let mut frames = Vec::new();
    for &(w, b) in &cases {
        let per = w / b as usize;
        let beats = 5;
        let elems: Vec<u64> = (0..per * beats).map(|_| rng.bits(b)).collect();
        // memory: element i at bits [i*b, (i+1)*b) of its beat, beats
        // little-endian (DESIGN.md section 6)
        let mut mem = vec![0u8; beats * w / 8];
        for (i, &v) in elems.iter().enumerate() {
            let bit = i * b as usize;
            for k in 0..b as usize {
                if (v >> k) & 1 == 1 {
                    mem[(bit + k) / 8] |= 1 << ((bit + k) % 8);
                }
            }
        }
        // the mSGDMA reading memory: symbol k of beat j is byte j*S + k,
        // at bits [8k, 8k+8) (symbol 0 in the low bits)
        let s = w / 8;
        let avst: Vec<Beat> = (0..beats)
            .map(|j| {
                let mut data = Bits::new(w);
                for k in 0..s {
                    data.set(8 * k, 8, mem[j * s + k] as u64);
                }
                Beat {
                    data,
                    sop: j == 0,
                    eop: j + 1 == beats,
                    empty: 0,
                }
            })
            .collect();
        // the accelerator's output side: beats with element i at [i*b, ...)
        let axis: Vec<Bits> = (0..beats)
            .map(|j| {
                let mut x = Bits::new(w + 1);
                for i in 0..per {
                    x.set(i * b as usize, b, elems[j * per + i]);
                }
                x.set(w, 1, (j + 1 == beats) as u64);
                x
            })
            .collect();
        stim.push(StreamInst {
            module: String::new(),
            in_bits: in_bits(Kind::ToAxis, w),
            out_bits: out_bits(Kind::ToAxis, w),
            input: avst.iter().map(|x| avst_word(x, w)).collect(),
            out_beats: beats,
        });
        stim.push(StreamInst {
            module: String::new(),
            in_bits: in_bits(Kind::ToAvst, w),
            out_bits: out_bits(Kind::ToAvst, w),
            input: axis,
            out_beats: beats,
        });
        frames.push((w, b, per, elems, mem));
    }
    let res = run_stream(&exe, "symbols", &stim, &offs, 9, 0.3, 0.3);
    for (c, (w, b, per, elems, mem)) in frames.iter().enumerate() {
        // into the accelerator: element i where the contract puts it
        let into = &res[2 * c];
        let got: Vec<u64> = into
            .out
            .iter()
            .flat_map(|x| (0..*per).map(move |i| x.get(i * *b as usize, *b)))
            .collect();
        assert_eq!(
            &got, elems,
            "{w}-bit words: the elements the accelerator sees"
        );
        assert_eq!(
            into.out[0].get(0, 8),
            mem[0] as u64,
            "memory byte 0 is bits [7:0] of the first beat"
        );
        // out of the accelerator: the mSGDMA writes symbol k to byte j*S + k
        let s = w / 8;
        let mut written = vec![0u8; mem.len()];
        for (j, x) in res[2 * c + 1].out.iter().enumerate() {
            for k in 0..s {
                written[j * s + k] = x.get(8 * k, 8) as u8;
            }
        }
        assert_eq!(
            &written, mem,
            "{w}-bit words: memory holds the contract's bytes"
        );
        assert_eq!(
            written[0] as u64,
            elems[0] & 0xff,
            "memory byte 0 is element 0's low byte"
        );
    }
}

/// Legal parameters pass Verilator's lint, Icarus and Yosys; illegal ones
/// are refused by all three at elaboration.
#[test]
fn adapters_lint_and_refuse_illegal_parameters() {
    let dir = work("avst_params");
    for m in ["tomatl_axis_to_avst", "tomatl_avst_to_axis"] {
        for w in ["8", "16", "64", "1024"] {
            let e = elab(m, &[], &[("DATA_BITS", w)]);
            for (tool, (ok, text)) in [
                ("verilator", verilator_lint(&e)),
                ("iverilog", icarus(&e, &dir)),
                ("yosys", yosys(&e)),
            ] {
                assert!(ok, "{m} DATA_BITS={w}: {tool}:\n{text}");
            }
        }
        let bad = vec![
            elab(m, &[], &[("DATA_BITS", "12")]),
            elab(m, &[], &[("DATA_BITS", "4")]),
            elab(m, &[], &[("DATA_BITS", "0")]),
            elab(m, &[], &[("SYMBOL_BITS", "0")]),
            elab(m, &[], &[("DATA_BITS", "64"), ("EMPTY_BITS", "2")]),
            elab(m, &[], &[("EMPTY_BITS", "0")]),
        ];
        let failures = illegal_accepted(&bad, &dir, yosys);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
