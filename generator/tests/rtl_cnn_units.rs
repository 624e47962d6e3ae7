//! Unit benches of the convolutional engines of the RTL library
//! (`tomatl_swu`, `tomatl_vvau`, `tomatl_pool`, `tomatl_gap`, `tomatl_avg`,
//! `tomatl_fork`, `tomatl_add`), each against a naive reference written here
//! from the contract in the module's header and docs/numerics.md.
//!
//! As in `rtl_units.rs`, one Verilator build per bench holds many
//! parameterisations side by side (a generated `unit_top`), and the C++
//! benches of `testbenches/unit/` drive them with random valid/ready stalls,
//! including runs with stalls in bursts of hundreds of cycles. Modules with
//! several streams (fork, add) take several harness slots: each slot's valid
//! and ready stall on their own.

mod common_rtl;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common_rtl::*;
use tomatl::hw;
use tomatl::hw::units::{self, arith_code};
use tomatl::sim::verilator;

// ------------------------------------------------------- multi-slot wrapper

/// How a module's streams map onto harness slots.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ports {
    /// One input and one output stream: one slot.
    Stream,
    /// `tomatl_fork` with n outputs: slot 0 carries the input and output 0,
    /// slot i output i.
    Fork(usize),
    /// `tomatl_add`: slot 0 carries input a and the output, slot 1 input b.
    Add,
}

/// A module instance and its slots (a slot's `module` is unused); not the
/// generator's `hw::Unit`, whose header `module` is.
struct Unit {
    module: String,
    ports: Ports,
    slots: Vec<StreamInst>,
}

fn slot(in_bits: usize, out_bits: usize, input: Vec<Bits>, out_beats: usize) -> StreamInst {
    StreamInst {
        module: String::new(),
        in_bits,
        out_bits,
        input,
        out_beats,
    }
}

/// The wrapper `unit_top` of the units; returns the Verilog, every slot
/// (in order) and the slots' (in, out) bit offsets.
fn slot_wrapper(units: &[Unit]) -> (String, Vec<(usize, usize)>) {
    let mut offs = Vec::new();
    let (mut io, mut oo) = (0, 0);
    for s in units.iter().flat_map(|u| &u.slots) {
        offs.push((io, oo));
        io += s.in_bits;
        oo += s.out_bits;
    }
    let n = offs.len();
    let (iw, ow, np) = (pad65(io), pad65(oo), pad65(n));
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
    let mut k = 0;
    for (ui, u) in units.iter().enumerate() {
        let (a, b) = offs[k];
        let s0 = &u.slots[0];
        match u.ports {
            Ports::Stream => {
                let _ = writeln!(
                    v,
                    "  {} u{ui} (.clk(clk), .rst(rst), .s_axis_tdata(s_tdata[{a} +: {}]), \
                     .s_axis_tvalid(s_tvalid[{k}]), .s_axis_tready(s_tready[{k}]), \
                     .m_axis_tdata(m_tdata[{b} +: {}]), .m_axis_tvalid(m_tvalid[{k}]), \
                     .m_axis_tready(m_tready[{k}]));",
                    u.module, s0.in_bits, s0.out_bits
                );
            }
            Ports::Fork(nout) => {
                let w = s0.out_bits;
                // the outputs of the slots are contiguous: one part-select
                let _ = writeln!(
                    v,
                    "  {} u{ui} (.clk(clk), .rst(rst), .s_axis_tdata(s_tdata[{a} +: {}]), \
                     .s_axis_tvalid(s_tvalid[{k}]), .s_axis_tready(s_tready[{k}]), \
                     .m_axis_tdata(m_tdata[{b} +: {}]), .m_axis_tvalid(m_tvalid[{k} +: {nout}]), \
                     .m_axis_tready(m_tready[{k} +: {nout}]));",
                    u.module,
                    s0.in_bits,
                    w * nout
                );
                let _ = writeln!(
                    v,
                    "  assign s_tready[{} +: {}] = {{{}{{1'b0}}}};",
                    k + 1,
                    nout - 1,
                    nout - 1
                );
            }
            Ports::Add => {
                let (a2, _) = offs[k + 1];
                let _ = writeln!(
                    v,
                    "  {} u{ui} (.clk(clk), .rst(rst), \
                     .s_axis_a_tdata(s_tdata[{a} +: {}]), .s_axis_a_tvalid(s_tvalid[{k}]), \
                     .s_axis_a_tready(s_tready[{k}]), \
                     .s_axis_b_tdata(s_tdata[{a2} +: {}]), .s_axis_b_tvalid(s_tvalid[{}]), \
                     .s_axis_b_tready(s_tready[{}]), \
                     .m_axis_tdata(m_tdata[{b} +: {}]), .m_axis_tvalid(m_tvalid[{k}]), \
                     .m_axis_tready(m_tready[{k}]));",
                    u.module,
                    s0.in_bits,
                    u.slots[1].in_bits,
                    k + 1,
                    k + 1,
                    s0.out_bits
                );
                let _ = writeln!(v, "  assign m_tvalid[{}] = 1'b0;", k + 1);
            }
        }
        k += u.slots.len();
    }
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

/// Builds the bench `cpp` around the units (cached): the executable and the
/// slot offsets.
fn build_units(
    name: &str,
    cpp: &str,
    modules: &[&str],
    units: &[Unit],
) -> (PathBuf, Vec<(usize, usize)>) {
    let dir = work(name);
    let (top, offs) = slot_wrapper(units);
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

/// Every slot of the units, in order (the runner's view).
fn all_slots(units: &[Unit]) -> Vec<StreamInst> {
    units
        .iter()
        .flat_map(|u| &u.slots)
        .map(|s| slot(s.in_bits, s.out_bits, s.input.clone(), s.out_beats))
        .collect()
}

/// Stall scenarios of the new benches: per-cycle stalls as in
/// `rtl_units.rs`, and one run with stalls in bursts of up to 300 cycles.
fn scenarios() -> Vec<(&'static str, Stalls)> {
    let s = |seed, p_valid, p_ready, burst| Stalls {
        seed,
        p_valid,
        p_ready,
        burst,
        max_cycles: 20_000_000,
    };
    vec![
        ("nostall", s(1, 0.0, 0.0, 0)),
        ("both", s(2, 0.3, 0.3, 0)),
        ("slow_sink", s(3, 0.1, 0.7, 0)),
        ("slow_source", s(4, 0.7, 0.1, 0)),
        ("bursts", s(5, 0.5, 0.5, 300)),
    ]
}

/// Packs lanes of `bits` bits into a beat.
fn pack(lanes: &[u64], bits: u32) -> Bits {
    let mut b = Bits::new(lanes.len() * bits as usize);
    for (i, &v) in lanes.iter().enumerate() {
        b.set(i * bits as usize, bits, v);
    }
    b
}

/// Requantization of docs/numerics.md, with i128.
#[allow(clippy::too_many_arguments)]
fn requant(
    acc: i128,
    rshift: u32,
    lshift: u32,
    act: u32,
    relu6_max: i64,
    out_bits: u32,
    out_signed: bool,
) -> i64 {
    let mut r = if rshift > 0 {
        (acc + (1i128 << (rshift - 1))) >> rshift
    } else {
        acc << lshift
    };
    if act >= 1 {
        r = r.max(0);
    }
    if act == 2 {
        r = r.min(relu6_max as i128);
    }
    let (lo, hi) = type_range(out_bits, out_signed);
    r.clamp(lo as i128, hi as i128) as i64
}

/// The average of docs/numerics.md: saturate(floor((2*num + den) / (2*den)))
/// with num = sum << lshift, den = div.
fn average(sum: i128, lshift: u32, div: u64, out_bits: u32, out_signed: bool) -> i64 {
    let num = sum << lshift;
    let den = div as i128;
    let q = (2 * num + den).div_euclid(2 * den);
    let (lo, hi) = type_range(out_bits, out_signed);
    q.clamp(lo as i128, hi as i128) as i64
}

/// Compares the output beats of one slot with the expected lane values.
fn check_lanes(tag: &str, r: &StreamResult, lanes: usize, bits: u32, signed: bool, exp: &[i64]) {
    let got: Vec<i64> = r
        .out
        .iter()
        .flat_map(|b| lanes_of(b, lanes, bits, signed))
        .collect();
    assert_lanes(tag, &got, exp, lanes, "beat");
}

// --------------------------------------------------------------------- SWU

#[derive(Clone, Debug)]
struct SwuCfg {
    in_h: usize,
    in_w: usize,
    ch: usize,
    simd: usize,
    el_bits: u32,
    k: (usize, usize),
    s: (usize, usize),
    /// (top, left, bottom, right)
    pad: (usize, usize, usize, usize),
    dw: bool,
}

impl SwuCfg {
    fn out_h(&self) -> usize {
        (self.in_h + self.pad.0 + self.pad.2 - self.k.0) / self.s.0 + 1
    }
    fn out_w(&self) -> usize {
        (self.in_w + self.pad.1 + self.pad.3 - self.k.1) / self.s.1 + 1
    }
    fn in_beats(&self) -> usize {
        self.in_h * self.in_w * self.ch / self.simd
    }
    fn out_beats(&self) -> usize {
        self.out_h() * self.out_w() * self.k.0 * self.k.1 * self.ch / self.simd
    }
    fn params(&self) -> units::Swu {
        units::Swu {
            in_h: self.in_h as u64,
            in_w: self.in_w as u64,
            ch: self.ch as u64,
            simd: self.simd as u64,
            el_bits: self.el_bits as u64,
            k_h: self.k.0 as u64,
            k_w: self.k.1 as u64,
            s_h: self.s.0 as u64,
            s_w: self.s.1 as u64,
            pad_t: self.pad.0 as u64,
            pad_l: self.pad.1 as u64,
            pad_b: self.pad.2 as u64,
            pad_r: self.pad.3 as u64,
            out_h: self.out_h() as u64,
            out_w: self.out_w() as u64,
            depthwise: self.dw,
        }
    }
    fn module(&self) -> String {
        header(&hw::Unit::Swu(self.params()))
    }
}

/// TensorFlow 'same' padding of one axis: (before, after); the odd pixel
/// goes after.
fn same(n: usize, k: usize, s: usize) -> (usize, usize) {
    let out = n.div_ceil(s);
    let total = ((out - 1) * s + k).saturating_sub(n);
    (total / 2, total - total / 2)
}

#[allow(clippy::too_many_arguments)]
fn swu(
    (in_h, in_w, ch, simd): (usize, usize, usize, usize),
    el_bits: u32,
    k: (usize, usize),
    s: (usize, usize),
    pad: (usize, usize, usize, usize),
    dw: bool,
) -> SwuCfg {
    SwuCfg {
        in_h,
        in_w,
        ch,
        simd,
        el_bits,
        k,
        s,
        pad,
        dw,
    }
}

/// 'same' padding of both axes as (top, left, bottom, right).
fn same2(h: usize, w: usize, k: (usize, usize), s: (usize, usize)) -> (usize, usize, usize, usize) {
    let (t, b) = same(h, k.0, s.0);
    let (l, r) = same(w, k.1, s.1);
    (t, l, b, r)
}

fn swu_configs() -> Vec<SwuCfg> {
    vec![
        // 3x3 'same', SIMD 1 (the MVAU's order)
        swu((6, 5, 3, 1), 8, (3, 3), (1, 1), (1, 1, 1, 1), false),
        // 3x3 'same', SIMD = CH, depthwise order
        swu((6, 5, 4, 4), 8, (3, 3), (1, 1), (1, 1, 1, 1), true),
        // 2x2 stride 2 pooling windows, prime CH
        swu((8, 6, 5, 5), 8, (2, 2), (2, 2), (0, 0, 0, 0), true),
        // 5x5 padded, 4-bit elements
        swu((7, 9, 2, 1), 4, (5, 5), (1, 1), (2, 2, 2, 2), false),
        // 7x7 stride 2 'same' on an even image: pads 2 before, 3 after
        swu(
            (10, 10, 3, 3),
            8,
            (7, 7),
            (2, 2),
            same2(10, 10, (7, 7), (2, 2)),
            false,
        ),
        // 1x1 stride 2: subsampling
        swu((7, 6, 6, 3), 8, (1, 1), (2, 2), (0, 0, 0, 0), false),
        // 1x1 stride 1: identity, prime CH
        swu((4, 4, 7, 7), 8, (1, 1), (1, 1), (0, 0, 0, 0), false),
        // 1x1 stride 4, depthwise order
        swu((9, 9, 2, 1), 8, (1, 1), (4, 4), (0, 0, 0, 0), true),
        // DS-CNN's first layer: 10x4 stride 2 'same'
        swu(
            (16, 10, 1, 1),
            8,
            (10, 4),
            (2, 2),
            same2(16, 10, (10, 4), (2, 2)),
            false,
        ),
        // 3x1 kernel, strides (2, 1)
        swu((5, 4, 4, 2), 8, (3, 1), (2, 1), (1, 0, 1, 0), true),
        // 3x3 stride 2 'same' on an even image: only bottom/right padding
        swu(
            (8, 8, 3, 1),
            8,
            (3, 3),
            (2, 2),
            same2(8, 8, (3, 3), (2, 2)),
            false,
        ),
        // 4x4 'same': pads 1 before, 2 after
        swu(
            (6, 7, 2, 2),
            8,
            (4, 4),
            (1, 1),
            same2(6, 7, (4, 4), (1, 1)),
            false,
        ),
        // 2x2 'same': pads 0 before, 1 after
        swu(
            (6, 6, 3, 1),
            8,
            (2, 2),
            (1, 1),
            same2(6, 6, (2, 2), (1, 1)),
            true,
        ),
        // stride 3, no padding
        swu((10, 11, 3, 1), 8, (3, 3), (3, 3), (0, 0, 0, 0), true),
        // non-square, prime CH = SIMD, 2-bit elements
        swu((5, 12, 13, 13), 2, (3, 3), (1, 1), (1, 1, 1, 1), true),
        // a 1x1 image, all padding around
        swu((1, 1, 4, 2), 8, (3, 3), (1, 1), (1, 1, 1, 1), false),
        // a 2x1 image
        swu((2, 1, 3, 1), 8, (3, 3), (1, 1), (1, 1, 1, 1), true),
        // kernel smaller than the stride: rows and columns skipped
        swu((9, 8, 3, 1), 8, (2, 2), (4, 4), (0, 0, 0, 0), false),
        // asymmetric padding, 16-bit elements
        swu((7, 7, 4, 2), 16, (3, 3), (2, 1), (1, 0, 1, 2), false),
        // 1-bit elements
        swu((12, 12, 1, 1), 1, (3, 3), (1, 1), (1, 1, 1, 1), false),
        // mixed rectangular kernel, strides and padding
        swu((5, 3, 6, 2), 8, (3, 2), (3, 2), (2, 1, 1, 0), true),
        // 3x3 stride 2 pad 1 (PyTorch style)
        swu((6, 6, 5, 1), 8, (3, 3), (2, 2), (1, 1, 1, 1), false),
        // 7x7 kernel larger than the image
        swu((4, 4, 3, 3), 8, (7, 7), (1, 1), (3, 3, 3, 3), true),
        // stride 4 with a kernel of 3, padding
        swu((11, 9, 2, 2), 8, (3, 3), (4, 4), (1, 2, 1, 0), false),
        // 'valid' 3x3: the next frame's first window needs rows the line
        // buffer cannot prefetch
        swu((8, 8, 2, 1), 8, (3, 3), (1, 1), (0, 0, 0, 0), false),
        // 'valid' 5x5, depthwise order
        swu((9, 9, 1, 1), 8, (5, 5), (1, 1), (0, 0, 0, 0), true),
        // 'valid' 3x3 stride 2
        swu((9, 9, 4, 4), 8, (3, 3), (2, 2), (0, 0, 0, 0), false),
        // as many output as input beats: 2x2 stride 2, 3x3 stride 3
        swu((6, 10, 8, 2), 8, (2, 2), (2, 2), (0, 0, 0, 0), true),
        swu((9, 9, 3, 1), 8, (3, 3), (3, 3), (0, 0, 0, 0), true),
    ]
}

/// Cycles per frame of a SWU with frames back to back, the input always
/// valid and the output always ready (what the planner models):
/// `max(in beats, out beats + stall rows * ROW)`. The line buffer holds
/// NROWS = K_H + S_H rows; during the frame's last output row it can take
/// the first NROWS - (IN_H - L_last) rows of the next frame, and the next
/// frame's first window needs min(K_H - PAD_T, IN_H) rows: the rest is a stall of the
/// output side, one row of ROW = IN_W*CH/SIMD beats at a time.
fn swu_cycles_per_frame(c: &SwuCfg) -> usize {
    let nrows = c.k.0 + c.s.0;
    let l_last = ((c.out_h() - 1) * c.s.0).saturating_sub(c.pad.0);
    let prefetch = nrows - (c.in_h - l_last);
    let stall_rows = (c.k.0 - c.pad.0).min(c.in_h).saturating_sub(prefetch);
    let row = c.in_w * c.ch / c.simd;
    c.in_beats().max(c.out_beats() + stall_rows * row)
}

/// The windows of one frame as beats of SIMD codes, from the contract.
fn swu_reference(c: &SwuCfg, img: &[u64]) -> Vec<Vec<u64>> {
    let cb_n = c.ch / c.simd;
    let mut out = Vec::new();
    let beat = |oy: usize, ox: usize, ky: usize, kx: usize, cb: usize| -> Vec<u64> {
        let iy = (oy * c.s.0 + ky) as i64 - c.pad.0 as i64;
        let ix = (ox * c.s.1 + kx) as i64 - c.pad.1 as i64;
        let inside = iy >= 0 && ix >= 0 && (iy as usize) < c.in_h && (ix as usize) < c.in_w;
        (0..c.simd)
            .map(|s| {
                if inside {
                    img[(iy as usize * c.in_w + ix as usize) * c.ch + cb * c.simd + s]
                } else {
                    0
                }
            })
            .collect()
    };
    for oy in 0..c.out_h() {
        for ox in 0..c.out_w() {
            if c.dw {
                for cb in 0..cb_n {
                    for ky in 0..c.k.0 {
                        for kx in 0..c.k.1 {
                            out.push(beat(oy, ox, ky, kx, cb));
                        }
                    }
                }
            } else {
                for ky in 0..c.k.0 {
                    for kx in 0..c.k.1 {
                        for cb in 0..cb_n {
                            out.push(beat(oy, ox, ky, kx, cb));
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn swu_windows_padding_stride_and_rate() {
    let report = run_swu_bench("swu", &swu_configs(), 101);
    eprintln!("{report}");
}

/// Random geometries (seeded): image sizes 1..9, kernels 1..7, strides 1..4,
/// any legal padding, channel folds, element widths and window orders.
#[test]
fn swu_random_geometries() {
    let mut rng = Rng(111);
    let mut cfgs = Vec::new();
    while cfgs.len() < 60 {
        let k = (rng.range(1, 7) as usize, rng.range(1, 7) as usize);
        let s = (rng.range(1, 4) as usize, rng.range(1, 4) as usize);
        let pad = (
            rng.range(0, k.0 as i64 - 1) as usize,
            rng.range(0, k.1 as i64 - 1) as usize,
            rng.range(0, k.0 as i64 - 1) as usize,
            rng.range(0, k.1 as i64 - 1) as usize,
        );
        let (in_h, in_w) = (rng.range(1, 9) as usize, rng.range(1, 9) as usize);
        if in_h + pad.0 + pad.2 < k.0 || in_w + pad.1 + pad.3 < k.1 {
            continue;
        }
        let ch = [1usize, 2, 3, 4, 5, 6][rng.range(0, 5) as usize];
        let divisors: Vec<usize> = (1..=ch).filter(|d| ch.is_multiple_of(*d)).collect();
        let simd = divisors[rng.range(0, divisors.len() as i64 - 1) as usize];
        let el_bits = rng.range(1, 9) as u32;
        let dw = rng.range(0, 1) == 1;
        cfgs.push(swu((in_h, in_w, ch, simd), el_bits, k, s, pad, dw));
    }
    let report = run_swu_bench("swu_random", &cfgs, 112);
    eprintln!("{report}");
}

/// Builds one bench of the SWU configurations, checks every window beat in
/// every stall scenario, and with no stalls the latency and the cycles per
/// frame; returns the rate report.
fn run_swu_bench(bench: &str, cfgs: &[SwuCfg], seed: u64) -> String {
    require_verilator();
    let frames = 5;
    let mut rng = Rng(seed);
    let mut expected: Vec<Vec<Bits>> = Vec::new();
    let units: Vec<Unit> = cfgs
        .iter()
        .map(|c| {
            let mut input = Vec::new();
            let mut exp = Vec::new();
            for _ in 0..frames {
                let img: Vec<u64> = (0..c.in_h * c.in_w * c.ch)
                    .map(|_| rng.bits(c.el_bits))
                    .collect();
                for px in img.chunks(c.simd) {
                    input.push(pack(px, c.el_bits));
                }
                for b in swu_reference(c, &img) {
                    exp.push(pack(&b, c.el_bits));
                }
            }
            let w = c.simd * c.el_bits as usize;
            expected.push(exp);
            Unit {
                module: c.module(),
                ports: Ports::Stream,
                slots: vec![slot(w, w, input, frames * c.out_beats())],
            }
        })
        .collect();
    let (exe, offs) = build_units(
        bench,
        "tb_swu.cpp",
        &["tomatl_swu", "tomatl_credit_out", "tomatl_fifo"],
        &units,
    );
    let slots = all_slots(&units);
    let mut report = String::new();
    for (name, st) in scenarios() {
        let res = run_stream_with(&exe, name, &slots, &offs, &st);
        for (k, ((c, r), exp)) in cfgs.iter().zip(&res).zip(&expected).enumerate() {
            if &r.out != exp {
                let i = r
                    .out
                    .iter()
                    .zip(exp)
                    .position(|(a, b)| a != b)
                    .unwrap_or(r.out.len().min(exp.len()));
                panic!(
                    "swu #{k} {c:?} {name}: {} beats, expected {}; first mismatch at beat {i} \
                     (frame {}, beat {} of the frame): got {:?}, expected {:?}",
                    r.out.len(),
                    exp.len(),
                    i / c.out_beats(),
                    i % c.out_beats(),
                    r.out.get(i).map(Bits::to_hex),
                    exp.get(i).map(Bits::to_hex)
                );
            }
            if name == "nostall" {
                // steady state: the mean interval between the output frames
                // 1..frames-1 (the side that is not the bottleneck may
                // jitter from frame to frame)
                let (ib, ob) = (c.in_beats(), c.out_beats());
                let out_start = |f: usize| r.out_cycles[f * ob];
                let interval = (out_start(frames - 1) - out_start(1)) as f64 / (frames - 2) as f64;
                let row = c.in_w * c.ch / c.simd;
                let first = r.out_cycles[0];
                let predicted = swu_cycles_per_frame(c);
                // latency: the last input beat of the rows the first window
                // needs -> the first output beat
                let need = (c.k.0 - c.pad.0).min(c.in_h) * row;
                assert_eq!(first - r.in_cycles[need - 1], 4, "swu #{k} {c:?}: latency");
                let win = c.k.0 * c.k.1 * c.ch / c.simd;
                let bound = ib.max(ob) + row * (c.k.0 + 1) + win;
                let _ = writeln!(
                    report,
                    "swu #{k:2} {:>2}x{:<2} ch {:>2}/{:<2} k {}x{} s {}x{} pad {:?} dw {}: \
                     in {ib:4} out {ob:5} beats, frame every {interval:7.1} cycles (+{:.1}, \
                     predicted {predicted}), first output at {first}",
                    c.in_h,
                    c.in_w,
                    c.ch,
                    c.simd,
                    c.k.0,
                    c.k.1,
                    c.s.0,
                    c.s.1,
                    c.pad,
                    c.dw as u32,
                    interval - ib.max(ob) as f64
                );
                assert!(
                    interval <= bound as f64,
                    "swu #{k} {c:?}: a frame takes {interval} cycles, more than {bound}"
                );
                assert!(
                    (interval - predicted as f64).abs() <= 1.0,
                    "swu #{k} {c:?}: {interval} cycles per frame, the planner's model says \
                     {predicted}"
                );
            }
        }
    }
    report
}

// -------------------------------------------------------------------- VVAU

#[derive(Clone, Debug)]
struct VvauCfg {
    ch: usize,
    pe: usize,
    k: usize,
    in_bits: u32,
    in_signed: bool,
    arith: Arith,
    w_bits: u32,
    rshift: u32,
    lshift: u32,
    act: u32,
    relu6_max: i64,
    out_bits: u32,
    out_signed: bool,
    bias_scale: f64,
}

#[allow(clippy::too_many_arguments)]
fn vvau(
    (ch, pe, k): (usize, usize, usize),
    (in_bits, in_signed): (u32, bool),
    (arith, w_bits): (Arith, u32),
    (rshift, lshift): (u32, u32),
    act: u32,
    relu6_max: i64,
    (out_bits, out_signed): (u32, bool),
    bias_scale: f64,
) -> VvauCfg {
    VvauCfg {
        ch,
        pe,
        k,
        in_bits,
        in_signed,
        arith,
        w_bits,
        rshift,
        lshift,
        act,
        relu6_max,
        out_bits,
        out_signed,
        bias_scale,
    }
}

fn vvau_configs() -> Vec<VvauCfg> {
    use Arith::*;
    vec![
        vvau(
            (6, 2, 9),
            (8, true),
            (Fixed, 8),
            (6, 0),
            1,
            0,
            (8, false),
            0.5,
        ),
        vvau(
            (5, 5, 9),
            (8, true),
            (Pow2, 4),
            (3, 0),
            0,
            0,
            (8, true),
            0.5,
        ),
        vvau(
            (4, 1, 4),
            (4, false),
            (Binary, 1),
            (0, 1),
            2,
            24,
            (6, false),
            0.5,
        ),
        vvau(
            (7, 7, 25),
            (8, false),
            (Ternary, 2),
            (2, 0),
            2,
            6 << 2,
            (8, true),
            0.5,
        ),
        vvau(
            (8, 4, 1),
            (16, true),
            (Fixed, 16),
            (12, 0),
            2,
            6 << 3,
            (8, true),
            0.5,
        ),
        vvau(
            (3, 1, 40),
            (8, true),
            (Fixed, 3),
            (0, 0),
            0,
            0,
            (4, true),
            0.5,
        ),
        vvau(
            (12, 6, 9),
            (2, true),
            (Pow2, 5),
            (10, 0),
            0,
            0,
            (8, true),
            0.5,
        ),
        vvau(
            (4, 4, 2),
            (8, true),
            (Ternary, 2),
            (0, 2),
            1,
            0,
            (8, true),
            1.0,
        ),
    ]
}

/// A random depthwise layer: codes and values `w[c][k]`, biases, the exact
/// accumulator width.
struct DwLayer {
    cfg: VvauCfg,
    codes: Vec<Vec<u64>>,
    w: Vec<Vec<i64>>,
    bias: Vec<i64>,
    acc_bits: u32,
}

fn make_dw_layer(c: &VvauCfg, rng: &mut Rng) -> DwLayer {
    let codes = random_codes(rng, c.arith, c.w_bits, c.ch, c.k);
    let w = weight_values(c.arith, c.w_bits, &codes);
    let (amin, amax) = type_range(c.in_bits, c.in_signed);
    let span = |row: &Vec<i64>| -> (i128, i128) {
        let (mut lo, mut hi) = (0i128, 0i128);
        for &wv in row {
            let a = wv as i128 * amin as i128;
            let b = wv as i128 * amax as i128;
            lo += a.min(b);
            hi += a.max(b);
        }
        (lo, hi)
    };
    let biggest = w
        .iter()
        .map(|r| {
            let (lo, hi) = span(r);
            lo.abs().max(hi.abs())
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let b = ((biggest as f64 * c.bias_scale) as i64).max(1);
    let bias: Vec<i64> = (0..c.ch).map(|_| rng.range(-b, b)).collect();
    let (mut lo, mut hi) = (0i128, 0i128);
    for (r, &bv) in w.iter().zip(&bias) {
        let (l, h) = span(r);
        lo = lo.min(l + bv as i128);
        hi = hi.max(h + bv as i128);
    }
    DwLayer {
        cfg: c.clone(),
        codes,
        w,
        bias,
        acc_bits: signed_bits_for(lo, hi).max(2),
    }
}

/// Writes the ROM images of a depthwise layer; returns the parameters of its
/// `tomatl_vvau`.
fn vvau_roms(l: &DwLayer, dir: &Path, k: usize) -> units::Vvau {
    let c = &l.cfg;
    let ng = c.ch / c.pe;
    let mut wtext = String::new();
    for g in 0..ng {
        for kk in 0..c.k {
            let lanes: Vec<u64> = (0..c.pe).map(|p| l.codes[g * c.pe + p][kk]).collect();
            wtext += &pack(&lanes, c.w_bits).to_hex();
            wtext.push('\n');
        }
    }
    let mut btext = String::new();
    for g in 0..ng {
        let lanes: Vec<u64> = (0..c.pe)
            .map(|p| code_of(l.bias[g * c.pe + p], l.acc_bits, true))
            .collect();
        btext += &pack(&lanes, l.acc_bits).to_hex();
        btext.push('\n');
    }
    let wp = dir.join(format!("dw_w{k}.mem"));
    let bp = dir.join(format!("dw_b{k}.mem"));
    write(&wp, &wtext);
    write(&bp, &btext);
    units::Vvau {
        ch: c.ch as u64,
        pe: c.pe as u64,
        k: c.k as u64,
        in_bits: c.in_bits as u64,
        in_signed: c.in_signed,
        arith: arith_code(c.arith),
        w_bits: c.w_bits as u64,
        acc_bits: l.acc_bits as u64,
        requant: units::Requant {
            rshift: c.rshift as u64,
            lshift: c.lshift as u64,
            act: c.act as u64,
            relu6_max: c.relu6_max as u64,
            out_bits: c.out_bits as u64,
            out_signed: c.out_signed,
            ..Default::default()
        },
        weight_file: abs_path(&wp),
        bias_file: abs_path(&bp),
    }
}

/// ROM images of a depthwise layer; returns the module instantiation header.
fn vvau_module(l: &DwLayer, dir: &Path, k: usize) -> String {
    header(&hw::Unit::Vvau(vvau_roms(l, dir, k)))
}

#[test]
fn vvau_matches_reference() {
    require_verilator();
    let dir = work("vvau");
    let mut rng = Rng(202);
    let pixels = 12; // output pixels streamed back to back
    let mut expected = Vec::new();
    let mut layers = Vec::new();
    let (mut sat_lo, mut sat_hi, mut clip6) = (false, false, false);
    let units: Vec<Unit> = vvau_configs()
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let l = make_dw_layer(c, &mut rng);
            let ng = c.ch / c.pe;
            let mut input = Vec::new();
            let mut exp = Vec::new();
            for _ in 0..pixels {
                // x[k][c]
                let x: Vec<Vec<i64>> = (0..c.k)
                    .map(|_| {
                        (0..c.ch)
                            .map(|_| random_value(&mut rng, c.in_bits, c.in_signed))
                            .collect()
                    })
                    .collect();
                for g in 0..ng {
                    for xk in &x {
                        let lanes: Vec<u64> = (0..c.pe)
                            .map(|p| code_of(xk[g * c.pe + p], c.in_bits, c.in_signed))
                            .collect();
                        input.push(pack(&lanes, c.in_bits));
                    }
                }
                let (omin, omax) = type_range(c.out_bits, c.out_signed);
                for (ch, (&b, wrow)) in l.bias.iter().zip(&l.w).enumerate() {
                    let acc = b as i128
                        + x.iter()
                            .zip(wrow)
                            .map(|(xk, &wv)| xk[ch] as i128 * wv as i128)
                            .sum::<i128>();
                    let y = requant(
                        acc,
                        c.rshift,
                        c.lshift,
                        c.act,
                        c.relu6_max,
                        c.out_bits,
                        c.out_signed,
                    );
                    sat_lo |= y == omin && c.act == 0 && omin < 0;
                    sat_hi |= y == omax;
                    clip6 |= c.act == 2 && y == c.relu6_max.min(omax) && y > 0;
                    exp.push(y);
                }
            }
            let module = vvau_module(&l, &dir, k);
            expected.push(exp);
            layers.push(l);
            Unit {
                module,
                ports: Ports::Stream,
                slots: vec![slot(
                    c.pe * c.in_bits as usize,
                    c.pe * c.out_bits as usize,
                    input,
                    pixels * ng,
                )],
            }
        })
        .collect();
    assert!(
        sat_lo && sat_hi && clip6,
        "test data must saturate and clip relu6"
    );
    let (exe, offs) = build_units(
        "vvau",
        "tb_vvau.cpp",
        &[&["tomatl_vvau"], VVAU_DEPS].concat(),
        &units,
    );
    let slots = all_slots(&units);
    for (name, st) in scenarios() {
        let res = run_stream_with(&exe, name, &slots, &offs, &st);
        for (k, ((l, r), exp)) in layers.iter().zip(&res).zip(&expected).enumerate() {
            let c = &l.cfg;
            check_lanes(
                &format!("vvau #{k} {c:?} ACC_BITS {} {name}", l.acc_bits),
                r,
                c.pe,
                c.out_bits,
                c.out_signed,
                exp,
            );
            if name == "nostall" {
                // one input beat per cycle
                assert!(
                    gaps(&r.in_cycles).iter().all(|&g| g == 1),
                    "vvau #{k}: input gaps {:?}",
                    gaps(&r.in_cycles)
                );
                // latency: the last beat of the first group -> its output
                assert_eq!(
                    r.out_cycles[0] - r.in_cycles[c.k - 1],
                    4,
                    "vvau #{k}: latency"
                );
            }
        }
    }
}

// ----------------------------------------------------- pool, GAP, divider

#[derive(Clone, Debug)]
struct PoolCfg {
    ch: usize,
    pe: usize,
    k: usize,
    avg: bool,
    in_bits: u32,
    in_signed: bool,
    out_bits: u32,
    out_signed: bool,
    lshift: u32,
    div: u64,
}

impl PoolCfg {
    fn params(&self) -> units::Pool {
        units::Pool {
            ch: self.ch as u64,
            pe: self.pe as u64,
            k: self.k as u64,
            kind: self.avg as u64,
            in_bits: self.in_bits as u64,
            in_signed: self.in_signed,
            avg: units::Average {
                out_bits: self.out_bits as u64,
                out_signed: self.out_signed,
                avg_lshift: self.lshift as u64,
                avg_div: self.div,
                ..Default::default()
            },
        }
    }
    fn module(&self) -> String {
        header(&hw::Unit::Pool(self.params()))
    }
}

#[allow(clippy::too_many_arguments)]
fn pool(
    (ch, pe, k): (usize, usize, usize),
    avg: bool,
    (in_bits, in_signed): (u32, bool),
    (out_bits, out_signed): (u32, bool),
    lshift: u32,
    div: u64,
) -> PoolCfg {
    PoolCfg {
        ch,
        pe,
        k,
        avg,
        in_bits,
        in_signed,
        out_bits,
        out_signed,
        lshift,
        div,
    }
}

fn pool_configs() -> Vec<PoolCfg> {
    vec![
        // max 2x2, signed
        pool((6, 2, 4), false, (8, true), (8, true), 0, 1),
        // max 3x3, unsigned, PE = CH
        pool((5, 5, 9), false, (8, false), (8, false), 0, 1),
        // max 3x3, 4-bit signed, PE 1
        pool((3, 1, 9), false, (4, true), (4, true), 0, 1),
        // avg 2x2, signed, ties both ways
        pool((4, 2, 4), true, (8, true), (8, true), 0, 4),
        // avg 3x3, signed
        pool((6, 3, 9), true, (8, true), (8, true), 0, 9),
        // avg 3x3, unsigned in and out
        pool((2, 2, 9), true, (8, false), (8, false), 0, 9),
        // avg 2x2 into a finer output (frac_out = frac_in + 2)
        pool((3, 3, 4), true, (6, true), (8, true), 2, 4),
        // avg 3x3 into a coarser output (frac_in = frac_out + 2): saturating 4 bits
        pool((4, 4, 9), true, (8, true), (4, true), 0, 36),
        // avg 2x2, signed in, unsigned out (saturates negatives to 0)
        pool((2, 1, 4), true, (5, true), (5, false), 0, 4),
    ]
}

#[derive(Clone, Debug)]
struct GapCfg {
    ch: usize,
    pe: usize,
    n_pix: usize,
    in_bits: u32,
    in_signed: bool,
    out_bits: u32,
    out_signed: bool,
    lshift: u32,
    div: u64,
}

impl GapCfg {
    fn params(&self) -> units::Gap {
        units::Gap {
            ch: self.ch as u64,
            pe: self.pe as u64,
            n_pix: self.n_pix as u64,
            in_bits: self.in_bits as u64,
            in_signed: self.in_signed,
            avg: units::Average {
                out_bits: self.out_bits as u64,
                out_signed: self.out_signed,
                avg_lshift: self.lshift as u64,
                avg_div: self.div,
                ..Default::default()
            },
        }
    }
    fn module(&self) -> String {
        header(&hw::Unit::Gap(self.params()))
    }
}

fn gap_configs() -> Vec<GapCfg> {
    let g = |(ch, pe, n_pix), (in_bits, in_signed), (out_bits, out_signed), lshift, div| GapCfg {
        ch,
        pe,
        n_pix,
        in_bits,
        in_signed,
        out_bits,
        out_signed,
        lshift,
        div,
    };
    vec![
        // DS-CNN: 25x5 pixels, 64 channels
        g((64, 8, 125), (8, true), (8, true), 0, 125),
        g((6, 2, 125), (8, false), (8, false), 0, 125),
        // 8x8 pixels
        g((5, 5, 64), (8, true), (8, true), 0, 64),
        g((4, 1, 64), (8, true), (10, true), 2, 64),
        // coarser output, one channel group
        g((3, 3, 64), (8, true), (6, true), 0, 256),
        // 1 pixel, 1 channel
        g((1, 1, 1), (4, true), (4, true), 0, 1),
        // 3x3 pixels, CH/PE = 7
        g((7, 1, 9), (8, true), (8, true), 0, 9),
    ]
}

/// The divider alone, over every possible sum: `tomatl_pool` with K = 1 and
/// IN_BITS = SUM_BITS - 1 instantiates `tomatl_avg` exactly as a pooling or
/// GAP unit with that sum width does (SUM_BITS = IN_BITS + 1 + clog2(K)).
fn avg_exhaustive_configs() -> Vec<PoolCfg> {
    vec![
        // 3x3 average pooling of 8-bit codes: SUM_BITS 13, den 9
        pool((8, 8, 1), true, (12, true), (8, true), 0, 9),
        // 2x2 of 8-bit codes: SUM_BITS 11, den 4
        pool((8, 8, 1), true, (10, true), (8, true), 0, 4),
        // GAP over 64 pixels of 8-bit codes: SUM_BITS 15, den 64
        pool((8, 8, 1), true, (14, true), (8, true), 0, 64),
        // GAP over 125 pixels of 8-bit codes: SUM_BITS 16, den 125
        pool((8, 8, 1), true, (15, true), (8, true), 0, 125),
        // ... into a finer 16-bit output
        pool((8, 8, 1), true, (15, true), (16, true), 3, 125),
        // ... into a coarser output (den 125 * 4)
        pool((8, 8, 1), true, (15, true), (8, true), 0, 500),
        // ... unsigned output
        pool((8, 8, 1), true, (15, true), (8, false), 0, 125),
        // 7x7 average of 8-bit codes, den 49
        pool((8, 8, 1), true, (14, true), (8, true), 0, 49),
    ]
}

#[test]
fn pool_gap_and_divider_match_reference() {
    require_verilator();
    let mut rng = Rng(303);
    let mut units = Vec::new();
    // (tag, lanes, out bits, out signed, expected, the input beat that
    // completes the first output) per unit
    let mut checks: Vec<(String, usize, u32, bool, Vec<i64>, usize)> = Vec::new();
    let (mut ties_neg, mut ties_pos) = (false, false);

    let windows = 20;
    for c in pool_configs() {
        let ng = c.ch / c.pe;
        let mut input = Vec::new();
        let mut exp = Vec::new();
        for _ in 0..windows {
            // x[k][ch]; sometimes a window of small values (ties)
            let small = rng.range(0, 2) == 0;
            let x: Vec<Vec<i64>> = (0..c.k)
                .map(|_| {
                    (0..c.ch)
                        .map(|_| {
                            if small {
                                let (lo, hi) = type_range(c.in_bits, c.in_signed);
                                rng.range(lo.max(-4), hi.min(4))
                            } else {
                                random_value(&mut rng, c.in_bits, c.in_signed)
                            }
                        })
                        .collect()
                })
                .collect();
            for g in 0..ng {
                for xk in &x {
                    let lanes: Vec<u64> = (0..c.pe)
                        .map(|p| code_of(xk[g * c.pe + p], c.in_bits, c.in_signed))
                        .collect();
                    input.push(pack(&lanes, c.in_bits));
                }
            }
            for ch in 0..c.ch {
                let col = x.iter().map(|xk| xk[ch]);
                if c.avg {
                    let sum: i128 = col.map(|v| v as i128).sum();
                    let num = sum << c.lshift;
                    let den = c.div as i128;
                    if (2 * num) % (2 * den) == den || (2 * num) % (2 * den) == -den {
                        ties_neg |= num < 0;
                        ties_pos |= num > 0;
                    }
                    exp.push(average(sum, c.lshift, c.div, c.out_bits, c.out_signed));
                } else {
                    exp.push(col.max().unwrap_or(0));
                }
            }
        }
        checks.push((
            format!("pool {c:?}"),
            c.pe,
            c.out_bits,
            c.out_signed,
            exp,
            c.k - 1,
        ));
        units.push(Unit {
            module: c.module(),
            ports: Ports::Stream,
            slots: vec![slot(
                c.pe * c.in_bits as usize,
                c.pe * c.out_bits as usize,
                input,
                windows * ng,
            )],
        });
    }
    assert!(
        ties_neg && ties_pos,
        "averages must include ties of both signs"
    );

    let frames = 3;
    for c in gap_configs() {
        let ng = c.ch / c.pe;
        let mut input = Vec::new();
        let mut exp = Vec::new();
        let (lo, hi) = type_range(c.in_bits, c.in_signed);
        for f in 0..frames {
            // frame 0 at the largest sums, frame 1 at the smallest, then random
            let img: Vec<Vec<i64>> = (0..c.n_pix)
                .map(|_| {
                    (0..c.ch)
                        .map(|_| match f {
                            0 => hi,
                            1 => lo,
                            _ => random_value(&mut rng, c.in_bits, c.in_signed),
                        })
                        .collect()
                })
                .collect();
            for px in &img {
                for g in 0..ng {
                    let lanes: Vec<u64> = (0..c.pe)
                        .map(|p| code_of(px[g * c.pe + p], c.in_bits, c.in_signed))
                        .collect();
                    input.push(pack(&lanes, c.in_bits));
                }
            }
            for ch in 0..c.ch {
                let sum: i128 = img.iter().map(|px| px[ch] as i128).sum();
                exp.push(average(sum, c.lshift, c.div, c.out_bits, c.out_signed));
            }
        }
        checks.push((
            format!("gap {c:?}"),
            c.pe,
            c.out_bits,
            c.out_signed,
            exp,
            (c.n_pix - 1) * ng,
        ));
        units.push(Unit {
            module: c.module(),
            ports: Ports::Stream,
            slots: vec![slot(
                c.pe * c.in_bits as usize,
                c.pe * c.out_bits as usize,
                input,
                frames * ng,
            )],
        });
    }

    let n_stream = units.len();
    for c in avg_exhaustive_configs() {
        // every code of the IN_BITS-bit input, PE of them per beat
        let (lo, hi) = type_range(c.in_bits, c.in_signed);
        let all: Vec<i64> = (lo..=hi).collect();
        let input: Vec<Bits> = all
            .chunks(c.pe)
            .map(|ch| {
                let mut lanes: Vec<u64> = ch
                    .iter()
                    .map(|&v| code_of(v, c.in_bits, c.in_signed))
                    .collect();
                lanes.resize(c.pe, 0);
                pack(&lanes, c.in_bits)
            })
            .collect();
        let mut exp: Vec<i64> = all
            .iter()
            .map(|&v| average(v as i128, c.lshift, c.div, c.out_bits, c.out_signed))
            .collect();
        let tail = (c.pe - all.len() % c.pe) % c.pe;
        exp.extend(std::iter::repeat_n(
            average(0, c.lshift, c.div, c.out_bits, c.out_signed),
            tail,
        ));
        checks.push((format!("avg {c:?}"), c.pe, c.out_bits, c.out_signed, exp, 0));
        units.push(Unit {
            module: c.module(),
            ports: Ports::Stream,
            slots: vec![slot(
                c.pe * c.in_bits as usize,
                c.pe * c.out_bits as usize,
                input.clone(),
                input.len(),
            )],
        });
    }

    let (exe, offs) = build_units(
        "pool",
        "tb_pool.cpp",
        &[
            "tomatl_pool",
            "tomatl_gap",
            "tomatl_avg",
            "tomatl_requant",
            "tomatl_credit_out",
            "tomatl_loop_counter",
            "tomatl_fifo",
        ],
        &units,
    );
    let slots = all_slots(&units);
    for (name, st) in scenarios() {
        // the exhaustive divider checks once, without stalls
        let run: Vec<StreamInst> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i >= n_stream && name != "nostall" {
                    slot(s.in_bits, s.out_bits, Vec::new(), 0)
                } else {
                    slot(s.in_bits, s.out_bits, s.input.clone(), s.out_beats)
                }
            })
            .collect();
        let res = run_stream_with(&exe, name, &run, &offs, &st);
        for (i, (r, (tag, lanes, bits, signed, exp, done_beat))) in
            res.iter().zip(&checks).enumerate()
        {
            if i >= n_stream && name != "nostall" {
                continue;
            }
            check_lanes(&format!("{tag} {name}"), r, *lanes, *bits, *signed, exp);
            if name == "nostall" {
                assert!(
                    gaps(&r.in_cycles).iter().all(|&g| g == 1),
                    "{tag}: input gaps {:?}",
                    gaps(&r.in_cycles)
                );
                assert_eq!(
                    r.out_cycles[0] - r.in_cycles[*done_beat],
                    3,
                    "{tag}: latency"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- fork, add

#[derive(Clone, Debug)]
struct AddCfg {
    elems: usize,
    a: (u32, bool),
    b: (u32, bool),
    a_shl: u32,
    b_shl: u32,
    rshift: u32,
    lshift: u32,
    act: u32,
    relu6_max: i64,
    out: (u32, bool),
}

impl AddCfg {
    fn params(&self) -> units::Add {
        units::Add {
            elems: self.elems as u64,
            a_bits: self.a.0 as u64,
            a_signed: self.a.1,
            b_bits: self.b.0 as u64,
            b_signed: self.b.1,
            a_shl: self.a_shl as u64,
            b_shl: self.b_shl as u64,
            requant: units::Requant {
                rshift: self.rshift as u64,
                lshift: self.lshift as u64,
                act: self.act as u64,
                relu6_max: self.relu6_max as u64,
                out_bits: self.out.0 as u64,
                out_signed: self.out.1,
                ..Default::default()
            },
        }
    }
    fn module(&self) -> String {
        header(&hw::Unit::Add(self.params()))
    }
}

fn add_configs() -> Vec<AddCfg> {
    let a = |elems, a, b, (a_shl, b_shl), (rshift, lshift), act, relu6_max, out| AddCfg {
        elems,
        a,
        b,
        a_shl,
        b_shl,
        rshift,
        lshift,
        act,
        relu6_max,
        out,
    };
    vec![
        // same types: saturation at both ends
        a(4, (8, true), (8, true), (0, 0), (0, 0), 0, 0, (8, true)),
        // a coarser by 2 fraction bits, relu, rounding by 1
        a(3, (8, false), (8, true), (2, 0), (1, 0), 1, 0, (8, false)),
        // narrow a, wide b finer by 3, relu6
        a(2, (4, true), (16, true), (0, 3), (3, 0), 2, 48, (8, true)),
        // left shift to a finer output
        a(1, (16, true), (8, false), (5, 0), (0, 2), 0, 0, (16, true)),
        // tiny types
        a(8, (2, true), (3, true), (0, 1), (1, 0), 0, 0, (3, true)),
    ]
}

fn fork(width: usize, n_out: usize) -> hw::Unit {
    hw::Unit::Fork(units::Fork {
        width: width as u64,
        n_out: n_out as u64,
    })
}

#[test]
fn fork_and_add_match_reference() {
    require_verilator();
    let mut rng = Rng(404);
    let beats = 400;
    let mut units = Vec::new();
    let forks = [(8usize, 2usize), (13, 3), (70, 4)];
    let mut fork_data = Vec::new();
    for &(w, n) in &forks {
        let data: Vec<Bits> = (0..beats)
            .map(|_| {
                let mut b = Bits::new(w);
                for off in (0..w).step_by(32) {
                    let nb = (w - off).min(32) as u32;
                    b.set(off, nb, rng.bits(nb));
                }
                b
            })
            .collect();
        let mut slots = vec![slot(w, w, data.clone(), beats)];
        for _ in 1..n {
            slots.push(slot(0, w, Vec::new(), beats));
        }
        fork_data.push(data);
        units.push(Unit {
            module: header(&fork(w, n)),
            ports: Ports::Fork(n),
            slots,
        });
    }
    let mut add_exp = Vec::new();
    let cfgs = add_configs();
    for c in &cfgs {
        let mut av = Vec::new();
        let mut bv = Vec::new();
        let mut exp = Vec::new();
        for _ in 0..beats {
            let xa: Vec<i64> = (0..c.elems)
                .map(|_| random_value(&mut rng, c.a.0, c.a.1))
                .collect();
            let xb: Vec<i64> = (0..c.elems)
                .map(|_| random_value(&mut rng, c.b.0, c.b.1))
                .collect();
            for (x, y) in xa.iter().zip(&xb) {
                let s = ((*x as i128) << c.a_shl) + ((*y as i128) << c.b_shl);
                exp.push(requant(
                    s,
                    c.rshift,
                    c.lshift,
                    c.act,
                    c.relu6_max,
                    c.out.0,
                    c.out.1,
                ));
            }
            let ca: Vec<u64> = xa.iter().map(|&v| code_of(v, c.a.0, c.a.1)).collect();
            let cb: Vec<u64> = xb.iter().map(|&v| code_of(v, c.b.0, c.b.1)).collect();
            av.push(pack(&ca, c.a.0));
            bv.push(pack(&cb, c.b.0));
        }
        let (omin, omax) = type_range(c.out.0, c.out.1);
        let top = if c.act == 2 {
            c.relu6_max.min(omax)
        } else {
            omax
        };
        assert!(
            exp.contains(&top) && (c.act > 0 || exp.contains(&omin)),
            "add {c:?}: test data must saturate"
        );
        add_exp.push(exp);
        units.push(Unit {
            module: c.module(),
            ports: Ports::Add,
            slots: vec![
                slot(
                    c.elems * c.a.0 as usize,
                    c.elems * c.out.0 as usize,
                    av,
                    beats,
                ),
                slot(c.elems * c.b.0 as usize, 0, bv, 0),
            ],
        });
    }
    let (exe, offs) = build_units(
        "fork_add",
        "tb_fork_add.cpp",
        &["tomatl_fork", "tomatl_add", "tomatl_requant", "tomatl_fifo"],
        &units,
    );
    let slots = all_slots(&units);
    for (name, st) in scenarios() {
        let res = run_stream_with(&exe, name, &slots, &offs, &st);
        let mut k = 0;
        for (fi, &(w, n)) in forks.iter().enumerate() {
            for o in 0..n {
                assert_eq!(
                    res[k + o].out,
                    fork_data[fi],
                    "fork W={w} N={n} output {o} {name}"
                );
            }
            if name == "nostall" {
                assert!(
                    gaps(&res[k].in_cycles).iter().all(|&g| g == 1),
                    "fork W={w} N={n}: input gaps {:?}",
                    gaps(&res[k].in_cycles)
                );
                for o in 0..n {
                    assert_eq!(
                        res[k + o].out_cycles[0] - res[k].in_cycles[0],
                        1,
                        "fork W={w} N={n} output {o}: latency"
                    );
                }
            }
            k += n;
        }
        for (c, exp) in cfgs.iter().zip(&add_exp) {
            check_lanes(
                &format!("add {c:?} {name}"),
                &res[k],
                c.elems,
                c.out.0,
                c.out.1,
                exp,
            );
            if name == "nostall" {
                for s in [k, k + 1] {
                    assert!(
                        gaps(&res[s].in_cycles).iter().all(|&g| g == 1),
                        "add {c:?}: input gaps {:?}",
                        gaps(&res[s].in_cycles)
                    );
                }
                assert!(
                    gaps(&res[k].out_cycles).iter().all(|&g| g == 1),
                    "add {c:?}: output gaps"
                );
                let both_in = res[k].in_cycles[0].max(res[k + 1].in_cycles[0]);
                assert_eq!(res[k].out_cycles[0] - both_in, 2, "add {c:?}: latency");
            }
            k += 2;
        }
    }
}

// ------------------------------------------------- lint, Icarus and Yosys

/// Yosys reads the files without `-defer` (every module elaborates with its
/// default parameters), sets the parameters and checks the hierarchy.
fn yosys_plain(e: &Elab) -> (bool, String) {
    let files: Vec<String> = elab_sources(e)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut chparam = String::new();
    for (k, v) in &e.params {
        let _ = write!(chparam, " -set {k} {v}");
    }
    let script = format!(
        "read_verilog {}; chparam{} {}; hierarchy -check -top {}; proc",
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

fn swu_elab(p: units::Swu) -> Elab {
    unit_elab(&hw::Unit::Swu(p), &["tomatl_credit_out", "tomatl_fifo"])
}

/// What tomatl_pool and tomatl_gap instantiate.
const AVG_ENGINE_DEPS: &[&str] = &[
    "tomatl_avg",
    "tomatl_requant",
    "tomatl_credit_out",
    "tomatl_loop_counter",
    "tomatl_fifo",
];

fn pool_elab(p: units::Pool) -> Elab {
    unit_elab(&hw::Unit::Pool(p), AVG_ENGINE_DEPS)
}

fn gap_elab(p: units::Gap) -> Elab {
    unit_elab(&hw::Unit::Gap(p), AVG_ENGINE_DEPS)
}

fn add_elab(p: units::Add) -> Elab {
    unit_elab(&hw::Unit::Add(p), &["tomatl_requant", "tomatl_fifo"])
}

/// What tomatl_vvau instantiates.
const VVAU_DEPS: &[&str] = &[
    "tomatl_mul",
    "tomatl_requant",
    "tomatl_credit_out",
    "tomatl_loop_counter",
    "tomatl_fifo",
];

fn vvau_elab(p: units::Vvau) -> Elab {
    unit_elab(&hw::Unit::Vvau(p), VVAU_DEPS)
}

#[test]
fn cnn_rtl_lints_clean_and_reads_in_icarus_and_yosys() {
    require_verilator();
    let dir = work("cnn_tools");
    let mut rng = Rng(505);
    let swus = swu_configs();
    let vvaus: Vec<DwLayer> = vvau_configs()
        .iter()
        .map(|c| make_dw_layer(c, &mut rng))
        .collect();
    let pools = pool_configs();
    let gaps_ = gap_configs();
    let adds = add_configs();
    let mut sets: Vec<Elab> = Vec::new();
    for i in [0usize, 2, 4, 5, 8, 9, 15, 17] {
        sets.push(swu_elab(swus[i].params()));
    }
    for (k, l) in vvaus.iter().enumerate().take(5) {
        sets.push(vvau_elab(vvau_roms(l, &dir, k)));
    }
    for i in [0usize, 3, 6, 7] {
        sets.push(pool_elab(pools[i].params()));
    }
    for i in [0usize, 3, 5] {
        sets.push(gap_elab(gaps_[i].params()));
    }
    for c in adds.iter().take(3) {
        sets.push(add_elab(c.params()));
    }
    sets.push(elab("tomatl_fork", &["tomatl_fifo"], &[]));
    sets.push(unit_elab(&fork(33, 4), &["tomatl_fifo"]));
    sets.push(elab(
        "tomatl_avg",
        &["tomatl_requant"],
        &[("SUM_BITS", "16"), ("AVG_DIV", "125")],
    ));
    sets.push(elab(
        "tomatl_avg",
        &["tomatl_requant"],
        &[("SUM_BITS", "5"), ("AVG_DIV", "1"), ("OUT_SIGNED", "0")],
    ));
    sets.push(elab(
        "tomatl_requant",
        &[],
        &[("ACC_BITS", "40"), ("RSHIFT", "7"), ("ACT", "2")],
    ));
    sets.push(elab(
        "tomatl_mul",
        &[],
        &[("ARITH", "1"), ("W_BITS", "5"), ("P_BITS", "12")],
    ));
    sets.push(elab(
        "tomatl_mul",
        &[],
        &[("ARITH", "3"), ("W_BITS", "2"), ("IN_SIGNED", "0")],
    ));
    let mut failures = legal_refused(&sets, &dir, yosys_plain);
    // illegal parameters must stop every tool
    let bad: Vec<Elab> = vec![
        // OUT_H does not match the padded image
        swu_elab(units::Swu {
            out_h: 5,
            ..swus[0].params()
        }),
        // SIMD does not divide CH
        swu_elab(units::Swu {
            simd: 2,
            ..swus[0].params()
        }),
        // padding as large as the kernel
        swu_elab(units::Swu {
            pad_t: 2,
            ..swus[2].params()
        }),
        // stride 5
        swu_elab(units::Swu {
            s_w: 5,
            out_w: 2,
            ..swus[5].params()
        }),
        vvau_elab(units::Vvau {
            pe: 4,
            ..vvau_roms(&vvaus[0], &dir, 100)
        }),
        vvau_elab(units::Vvau {
            arith: 4,
            ..vvau_roms(&vvaus[1], &dir, 101)
        }),
        {
            let p = pools[0].params();
            pool_elab(units::Pool {
                avg: units::Average {
                    out_bits: 6,
                    ..p.avg
                },
                ..p
            })
        },
        {
            let p = pools[3].params();
            pool_elab(units::Pool {
                avg: units::Average {
                    avg_div: 0,
                    ..p.avg
                },
                ..p
            })
        },
        gap_elab(units::Gap {
            pe: 7,
            ..gaps_[0].params()
        }),
        add_elab(units::Add {
            b_shl: 1,
            ..adds[1].params()
        }),
        unit_elab(&fork(8, 5), &["tomatl_fifo"]),
        elab("tomatl_requant", &[], &[("RSHIFT", "2"), ("LSHIFT", "1")]),
    ];
    failures.extend(illegal_accepted(&bad, &dir, yosys_plain));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// LUTs of the average divider (`tomatl_avg`) after `synth_xilinx`, for the
/// 3x3 pooling of 8-bit codes (SUM_BITS 13, den 9) and DS-CNN's global pool
/// (125 pixels of 8-bit codes: SUM_BITS 16, den 125). Run with
/// `cargo test --test rtl_cnn_units -- --ignored --nocapture`.
#[test]
#[ignore]
fn avg_divider_luts() {
    let dir = work("avg_luts");
    for (sum_bits, div) in [(13, 9), (16, 125), (15, 64)] {
        for dsp in ["-nodsp", ""] {
            let stat = dir.join("stat.txt");
            let script = format!(
                "read_verilog {} {}; chparam -set SUM_BITS {sum_bits} -set AVG_DIV {div} tomatl_avg; \
                 synth_xilinx {dsp} -top tomatl_avg; tee -q -o {} stat",
                rtl("tomatl_avg").display(),
                rtl("tomatl_requant").display(),
                stat.display()
            );
            let mut c = Command::new("yosys");
            c.args(["-q", "-p", &script]);
            let (ok, text) = run_tool(c);
            assert!(ok, "{text}");
            let text = std::fs::read_to_string(&stat).unwrap_or_default();
            // the totals of the whole hierarchy come last
            let total = text.rsplit("design hierarchy").next().unwrap_or("");
            let count = |prefix: &str| -> u64 {
                total
                    .lines()
                    .filter(|l| l.trim_start().starts_with(prefix))
                    .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
                    .sum()
            };
            eprintln!(
                "tomatl_avg SUM_BITS {sum_bits} AVG_DIV {div} {dsp:7}: {} LUTs, {} CARRY4, {} DSP48E1",
                count("LUT"),
                count("CARRY4"),
                count("DSP48E1")
            );
        }
    }
}
