//! The resource model: DSP, LUT, flip-flop and memory bits of each engine
//! for its arithmetic, bit widths and fold, per device family.
//!
//! First-order model: one DSP per fixed-point product wider than the
//! family's LUT-multiplier threshold, LUTs for shift/add products, adder
//! trees, accumulators and requantizers, and block memory for every ROM,
//! line buffer and FIFO above the distributed-RAM threshold. The
//! coefficients live in [`Coeffs`] per family.

use serde::Serialize;

use super::board::{Board, Family};
use crate::hw::units::{arith_of_code, Unit};
use crate::hw::{Design, Instance};
use crate::ir::numerics::MULT_BITS;
use crate::ir::Arith;

/// Resources of a design or an engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Resources {
    pub dsp: f64,
    pub lut: f64,
    pub ff: f64,
    /// Block memory bits, rounded up to whole blocks.
    pub bram_bits: f64,
}

impl std::ops::AddAssign for Resources {
    fn add_assign(&mut self, o: Resources) {
        self.dsp += o.dsp;
        self.lut += o.lut;
        self.ff += o.ff;
        self.bram_bits += o.bram_bits;
    }
}

/// Per-family coefficients, fitted to Yosys synthesis of the calibration
/// grid (`scripts/calibrate.sh`, `boards/calibration/<family>.csv`).
#[derive(Clone, Copy, Debug)]
pub struct Coeffs {
    /// A fixed-point product goes to a DSP when its exact width
    /// (`a + w + 1` bits) reaches this and both operands have 2 bits or
    /// more (Yosys `mul2dsp`'s `DSP_Y_MINWIDTH`).
    pub dsp_min_prod_bits: u32,
    /// LUTs per bit-product (`a × w`) of a LUT multiplier.
    pub lut_per_mul_bit2: f64,
    /// LUTs per bit of a pow2 product's shifter, per position it can shift.
    pub lut_per_shift_bit: f64,
    /// LUTs per bit of the conditional negate of pow2, binary and ternary
    /// products.
    pub lut_per_neg_bit: f64,
    /// LUTs per accumulator bit per product (adder tree and accumulator).
    pub lut_per_acc_bit: f64,
    /// Flip-flops per accumulator bit of each adder-tree adder, and per
    /// input bit of each product (pipeline and operand registers).
    pub ff_per_acc_bit: f64,
    pub ff_per_in_bit: f64,
    /// LUTs and flip-flops of one engine whatever its fold (control, FIFO
    /// and width converter logic, requantizer).
    pub engine_lut: f64,
    pub engine_ff: f64,
    /// LUTs per bit of the packed-DSP correction (the packed weight's
    /// adder and the high product's borrow), per pair of lanes.
    pub lut_per_pack_bit: f64,
    /// LUTs and flip-flops of a sliding-window unit.
    pub window_lut: f64,
    pub window_ff: f64,
    /// LUTs and flip-flops of the top (AXI4-Lite status, output stream).
    pub top_lut: f64,
    pub top_ff: f64,
    /// Bits of one block RAM.
    pub bram_block_bits: f64,
    /// Shapes (width, depth) one block RAM can take.
    pub bram_shapes: &'static [(u64, u64)],
    /// Memories below this many bits, or of at most
    /// [`DIST_RAM_MAX_DEPTH`] words, go to LUT RAM / registers.
    pub dist_ram_max_bits: u64,
    /// Constant ROMs up to this many bits are built from LUTs.
    pub rom_lut_max_bits: u64,
    /// Bits per LUT of distributed RAM (and of a ROM in LUTs).
    pub dist_ram_bits_per_lut: f64,
    /// LUTs and flip-flops of the board top of the open flow (`tomatl
    /// build`: the UART bridge, reset synchroniser and status LEDs), whose
    /// frame buffer is priced as a memory of bytes.
    pub bridge_lut: f64,
    pub bridge_ff: f64,
    /// Where Yosys's cost-based memory mapping (`memory_libmap`) decides,
    /// memories are priced as it prices them instead of by the thresholds
    /// above (the Lattice families, fitted on placed numbers).
    pub libmap: Option<Libmap>,
}

/// Yosys's `memory_libmap` costs: a bit of soft logic costs 1 in a RAM and
/// 1/16 in a ROM, a block RAM `block_cost`, LUT RAM (ECP5's 16×4
/// TRELLIS_DPR16X4, never used for ROMs) `lutram_cost` per cell; the
/// cheapest wins, soft logic on a tie (yosys share/ice40/brams.txt,
/// share/lattice/brams_16kd.txt and lutrams_trellis.txt).
#[derive(Clone, Copy, Debug)]
pub struct Libmap {
    pub block_cost: f64,
    /// (width, depth, cost) of one LUT RAM cell, where the family has one.
    pub lutram: Option<(u64, u64, f64)>,
    /// LUTs of one LUT RAM cell as placed.
    pub lutram_luts: f64,
    /// A LUT RAM more than one cell deep reads through a multiplexer:
    /// its cost per data bit per cell beyond the first, as memory_libmap
    /// counts it (which puts an 8-bit memory of 192 words, 24 cells, in a
    /// block RAM, and a 16-bit one of 96 words, also 24 cells, in LUT RAM:
    /// a sweep of widths and depths with synth_ecp5 puts it between 0.36
    /// and 0.40), and its LUTs as placed.
    pub lutram_mux_cost: f64,
    pub lutram_mux_luts: f64,
    /// LUTs per bit of a RAM in soft logic (its read multiplexer; the bits
    /// themselves are flip-flops).
    pub logic_ram_lut_per_bit: f64,
}

pub fn coeffs(f: Family) -> Coeffs {
    match f {
        // fitted on xilinx7.csv (48 designs): LUT within 0.83-1.26 of Yosys
        Family::Xilinx7 | Family::XilinxUltrascale => Coeffs {
            dsp_min_prod_bits: 9,
            lut_per_mul_bit2: 2.18,
            lut_per_shift_bit: 2.54,
            lut_per_neg_bit: 1.96,
            lut_per_acc_bit: 1.62,
            ff_per_acc_bit: 0.71,
            ff_per_in_bit: 0.72,
            engine_lut: 360.0,
            engine_ff: 273.0,
            lut_per_pack_bit: 1.0,
            window_lut: 170.0,
            window_ff: 70.0,
            top_lut: 250.0,
            top_ff: 250.0,
            bram_block_bits: 18_432.0,
            bram_shapes: &[
                (1, 16384),
                (2, 8192),
                (4, 4096),
                (9, 2048),
                (18, 1024),
                (36, 512),
            ],
            dist_ram_max_bits: 1024,
            rom_lut_max_bits: 16_384,
            dist_ram_bits_per_lut: 64.0,
            bridge_lut: 0.0,
            bridge_ff: 0.0,
            libmap: None,
        },
        // not calibrated: the Xilinx fit with ALM-sized LUTs
        Family::IntelCycloneV => Coeffs {
            dsp_min_prod_bits: 9,
            lut_per_mul_bit2: 2.4,
            lut_per_shift_bit: 2.8,
            lut_per_neg_bit: 2.0,
            lut_per_acc_bit: 1.7,
            ff_per_acc_bit: 0.71,
            ff_per_in_bit: 0.72,
            engine_lut: 400.0,
            engine_ff: 273.0,
            lut_per_pack_bit: 1.0,
            window_lut: 190.0,
            window_ff: 70.0,
            top_lut: 280.0,
            top_ff: 250.0,
            bram_block_bits: 10_240.0,
            bram_shapes: &[
                (1, 8192),
                (2, 4096),
                (5, 2048),
                (10, 1024),
                (20, 512),
                (40, 256),
            ],
            dist_ram_max_bits: 640,
            rom_lut_max_bits: 4_096,
            dist_ram_bits_per_lut: 32.0,
            bridge_lut: 0.0,
            bridge_ff: 0.0,
            libmap: None,
        },
        // fitted on nextpnr's placed numbers, lattice_ecp5_placed.csv
        // (scripts/calibrate_placed.sh, the designs built for ulx3s-85f with
        // the board top): the Yosys fit of lattice_ecp5.csv scaled (LUT
        // 0.90, FF 1.05) plus the board top (`bridge_*`); memories priced as
        // memory_libmap does. Fitted on the first 5 designs (dense,
        // fixed-point): LUT 0.93-1.05, FF 0.98-1.01 of placed (before the
        // refit LUT 0.84-0.97, FF 0.54-0.65); on 11 designs DSP and block
        // RAM exact, LUT 0.93-1.47 (the 32-lane pow2 and binary designs
        // over: 1.23, 1.47), FF 0.86-1.18. Every product with
        // operands of 2 bits or more is a MULT18X18D, so LUT multipliers
        // (`lut_per_mul_bit2`) are not calibrated. As on iCE40, the grid's
        // one engine a design could not tell an engine's fixed LUTs from
        // the design's: Yosys's cells of the small CNN of the build tests
        // (4 engines, 2 window units) give its engines 24 (pooling) to 270
        // LUTs each beside their lanes, so 786 of `engine_lut` are the
        // top's (single-layer predictions unchanged; the small CNN 7571
        // predicted for 4851 placed before, 5213 after)
        Family::LatticeEcp5 => Coeffs {
            dsp_min_prod_bits: 0,
            lut_per_mul_bit2: 2.70,
            lut_per_shift_bit: 5.78,
            lut_per_neg_bit: 1.72,
            lut_per_acc_bit: 3.59,
            ff_per_acc_bit: 0.74,
            ff_per_in_bit: 0.81,
            engine_lut: 150.0,
            engine_ff: 262.0,
            lut_per_pack_bit: 1.0,
            window_lut: 414.0,
            window_ff: 88.91,
            top_lut: 1101.0,
            top_ff: 262.0,
            bram_block_bits: 18_432.0,
            bram_shapes: &[
                (1, 16384),
                (2, 8192),
                (4, 4096),
                (9, 2048),
                (18, 1024),
                (36, 512),
            ],
            dist_ram_max_bits: 512,
            rom_lut_max_bits: 2_048,
            dist_ram_bits_per_lut: 17.78,
            bridge_lut: 457.0,
            bridge_ff: 479.0,
            libmap: Some(Libmap {
                block_cost: 128.0,
                lutram: Some((4, 16, 4.0)),
                lutram_luts: 3.60,
                lutram_mux_cost: 0.375,
                lutram_mux_luts: 0.9,
                logic_ram_lut_per_bit: 0.45,
            }),
        },
        // fitted on nextpnr's placed numbers, lattice_ice40_placed.csv
        // (the designs built for icebreaker with the board top): the Yosys
        // fit of lattice_ice40.csv scaled (LUT 1.16, FF 1.06) plus the board
        // top; LUTs are predicted as placed logic cells (ICESTORM_LC, a LUT,
        // a flip-flop or both). iCE40 has no LUT RAM: memory_libmap puts a
        // RAM of more than 64 bits per block it would take, and a ROM of
        // more than 1024, in block RAM, smaller ones in flip-flops (the old
        // thresholds kept 2-kbit ROMs and FIFOs in LUTs: 5 block RAMs
        // predicted where 17 were placed). Fitted on the first 8 designs (dense):
        // LC 0.94-1.09, FF 0.96-1.04 of placed (before the refit LC
        // 0.55-0.66, FF 0.75-0.78); on 12 designs DSP exact, block RAM
        // exact on 10 (the convolutions one over), LC 0.89-1.09, FF
        // 0.79-1.03. `synth_ice40 -dsp` maps a
        // product to SB_MAC16 when its exact width (`a + w` bits, one less
        // than the model's `a + w + 1`) reaches 11. The grid has one
        // engine a design, so its fixed costs could not tell an engine's
        // from the design's: networks of several layers (the tiny test
        // network, 2 engines: 2883 LC predicted, 2356 placed; the jet
        // tagger, 4: 4875 and 3406) put 500 LC of `engine_lut` in `top_lut`
        // (single-layer predictions unchanged; jet tagger 0.99, tiny 1.01)
        Family::LatticeIce40 => Coeffs {
            dsp_min_prod_bits: 12,
            lut_per_mul_bit2: 3.40,
            lut_per_shift_bit: 3.03,
            lut_per_neg_bit: 0.49,
            lut_per_acc_bit: 3.27,
            ff_per_acc_bit: 0.44,
            ff_per_in_bit: 2.13,
            engine_lut: 173.0,
            engine_ff: 467.0,
            lut_per_pack_bit: 1.0,
            window_lut: 669.0,
            window_ff: 135.0,
            top_lut: 906.0,
            top_ff: 265.0,
            bram_block_bits: 4_096.0,
            bram_shapes: &[(2, 2048), (4, 1024), (8, 512), (16, 256)],
            dist_ram_max_bits: 512,
            rom_lut_max_bits: 2_048,
            dist_ram_bits_per_lut: 13.79,
            bridge_lut: 743.0,
            bridge_ff: 250.0,
            libmap: Some(Libmap {
                block_cost: 64.0,
                lutram: None,
                lutram_luts: 0.00,
                lutram_mux_cost: 0.0,
                lutram_mux_luts: 0.0,
                logic_ram_lut_per_bit: 0.58,
            }),
        },
    }
}

/// Memories this shallow (FIFOs of a few beats) stay in LUTs and registers
/// however wide they are.
pub const DIST_RAM_MAX_DEPTH: u64 = 32;

/// A memory of `depth` words of `width` bits.
fn memory(c: &Coeffs, width: u64, depth: u64) -> Resources {
    if let Some(m) = c.libmap {
        return libmap(c, &m, width, depth, false);
    }
    let bits = width * depth;
    if bits <= c.dist_ram_max_bits || depth <= DIST_RAM_MAX_DEPTH {
        // the output register is in the engine's fitted flip-flops
        Resources {
            lut: bits as f64 / c.dist_ram_bits_per_lut,
            ..Default::default()
        }
    } else {
        // the cheapest aspect ratio of the block for this memory
        let blocks = c
            .bram_shapes
            .iter()
            .map(|&(w, d)| width.div_ceil(w) * depth.div_ceil(d))
            .min()
            .unwrap_or(1);
        Resources {
            bram_bits: blocks as f64 * c.bram_block_bits,
            ff: width as f64,
            ..Default::default()
        }
    }
}

/// Words of a memory of `n` entries as rtl/ declares it: rounded up to a
/// power of two when that is at most 16.
fn pow2_words(n: u64) -> u64 {
    let p = n.max(1).next_power_of_two();
    if p <= 16 {
        p
    } else {
        n
    }
}

/// A constant ROM (weights, biases). Yosys builds small or shallow ROMs
/// from LUTs, a LUT holding `dist_ram_bits_per_lut` bits; larger ROMs take
/// block RAM.
fn rom(c: &Coeffs, width: u64, depth: u64) -> Resources {
    if let Some(m) = c.libmap {
        return libmap(c, &m, width, depth, true);
    }
    if width * depth <= c.rom_lut_max_bits || depth <= DIST_RAM_MAX_DEPTH {
        Resources {
            lut: (width * depth) as f64 / c.dist_ram_bits_per_lut,
            ..Default::default()
        }
    } else {
        memory(c, width, depth)
    }
}

/// The block RAMs a memory of `depth` words of `width` bits takes, in the
/// cheapest aspect ratio of the block.
fn blocks(c: &Coeffs, width: u64, depth: u64) -> u64 {
    c.bram_shapes
        .iter()
        .map(|&(w, d)| width.div_ceil(w) * depth.div_ceil(d))
        .min()
        .unwrap_or(1)
}

/// A memory (or ROM) as `memory_libmap` maps it: soft logic, LUT RAM or
/// block RAM, whichever costs least.
fn libmap(c: &Coeffs, m: &Libmap, width: u64, depth: u64, rom: bool) -> Resources {
    let bits = (width * depth) as f64;
    if bits == 0.0 {
        return Resources::default();
    }
    let logic = if rom { bits / 16.0 } else { bits };
    let n_blocks = blocks(c, width, depth);
    let block = n_blocks as f64 * m.block_cost;
    // (cells, cost, multiplexed bits)
    let lutram = match m.lutram {
        Some((w, d, cost)) if !rom => {
            let deep = depth.div_ceil(d);
            let cells = width.div_ceil(w) * deep;
            let muxed = (width * (deep - 1)) as f64;
            Some((
                cells,
                cells as f64 * cost + muxed * m.lutram_mux_cost,
                muxed,
            ))
        }
        _ => None,
    };
    let soft = lutram.map_or(logic, |(_, l, _)| l.min(logic));
    if block < soft {
        Resources {
            bram_bits: n_blocks as f64 * c.bram_block_bits,
            ..Default::default()
        }
    } else if let Some((cells, _, muxed)) = lutram.filter(|&(_, l, _)| l < logic) {
        Resources {
            lut: cells as f64 * m.lutram_luts + muxed * m.lutram_mux_luts,
            ..Default::default()
        }
    } else if rom {
        Resources {
            lut: bits / c.dist_ram_bits_per_lut,
            ..Default::default()
        }
    } else {
        Resources {
            lut: bits * m.logic_ram_lut_per_bit,
            ff: bits,
            ..Default::default()
        }
    }
}

/// One product of an `a_bits` input with a weight of type `arith`/`w_bits`.
fn product(c: &Coeffs, arith: Arith, a_bits: u32, w_bits: u32) -> Resources {
    let lut = |l: f64| Resources {
        lut: l,
        ..Default::default()
    };
    match arith {
        Arith::Fixed if a_bits.min(w_bits) >= 2 && a_bits + w_bits + 1 >= c.dsp_min_prod_bits => {
            Resources {
                dsp: 1.0,
                ..Default::default()
            }
        }
        Arith::Fixed => lut(c.lut_per_mul_bit2 * (a_bits * w_bits) as f64),
        // a shifter of the input over the magnitude range, then negate
        Arith::Pow2 => {
            let span = (a_bits + (1 << (w_bits - 1))) as f64;
            lut(c.lut_per_shift_bit * span * (w_bits - 1) as f64 * 0.5
                + c.lut_per_neg_bit * (a_bits + 2) as f64)
        }
        Arith::Binary | Arith::Ternary => lut(c.lut_per_neg_bit * (a_bits + 2) as f64),
    }
}

/// Whether a product of these operands takes a DSP on `family`.
pub fn product_on_dsp(family: Family, arith: Arith, a_bits: u32, w_bits: u32) -> bool {
    product(&coeffs(family), arith, a_bits, w_bits).dsp > 0.0
}

/// Resources of one instance of the design.
pub fn instance_cost(x: &Instance, family: Family) -> Resources {
    let c = coeffs(family);
    let engine = Resources {
        lut: c.engine_lut,
        ff: c.engine_ff,
        ..Default::default()
    };
    let r = match &x.unit {
        // rtl/tomatl_fifo.v: an output register and DEPTH - 1 words of
        // memory, rounded up to a power of two up to 16
        Unit::Fifo(f) if c.libmap.is_some() => match f.depth.saturating_sub(1) {
            0 | 1 => Resources {
                ff: (f.width * f.depth) as f64,
                ..Default::default()
            },
            words => memory(&c, f.width, pow2_words(words)),
        },
        Unit::Fifo(f) => memory(&c, f.width, f.depth),
        // the converters' and forks' logic is in the engines' fitted LUTs
        Unit::Dwc(_) | Unit::Fork(_) => Resources::default(),
        Unit::Swu(s) => {
            let lanes = s.simd * s.el_bits;
            let mut r = memory(&c, lanes, (s.k_h + s.s_h) * s.in_w * s.ch / s.simd);
            r.lut += c.window_lut;
            r.ff += c.window_ff;
            r
        }
        Unit::Mvau(m) => {
            let mut r = engine;
            let mults = m.pe * m.simd;
            r += lanes(
                &c,
                Lanes {
                    mults,
                    pe: m.pe,
                    in_bits: m.in_bits as u32,
                    arith: arith_of_code(m.arith).unwrap_or(Arith::Fixed),
                    w_bits: m.w_bits as u32,
                    acc_bits: m.acc_bits as u32,
                    pack: m.pack,
                },
            );
            if m.mult_file.is_some() {
                // a per-channel multiplier (accumulator × 16 bits) per PE,
                // split over 25-bit DSP operands, and its ROM
                let p = product(&c, Arith::Fixed, m.acc_bits as u32, MULT_BITS);
                let parts = (m.acc_bits as f64 / 25.0).ceil();
                r.dsp += m.pe as f64 * p.dsp * parts;
                r.lut += m.pe as f64 * p.lut;
                r += rom(&c, m.pe * MULT_BITS as u64, m.nf);
            }
            if let (Some(n), Some(_)) = (m.th_count, &m.th_file) {
                // per PE: n comparators of the accumulator (subtractors of
                // acc_bits + 1 bits, priced as adder bits) and the count of
                // those that hold (an adder tree of about n LUTs); the ROM
                // of n thresholds and a flag per channel
                let tb = m.acc_bits + 1;
                r.lut += (m.pe * n * tb) as f64 * c.lut_per_acc_bit + (m.pe * n) as f64;
                r += rom(
                    &c,
                    m.pe * crate::hw::rom::threshold_word_bits(n, m.acc_bits),
                    m.nf,
                );
            }
            if c.libmap.is_some() && m.nf > 1 {
                // the input vector, kept for the passes after the first
                r += memory(&c, m.simd * m.in_bits, pow2_words(m.sf));
            }
            r += rom(&c, mults * m.w_bits, (m.nf * m.sf).max(1));
            r += rom(&c, m.pe * m.acc_bits, m.nf);
            r
        }
        Unit::Vvau(v) => {
            let mut r = engine;
            r += lanes(
                &c,
                Lanes {
                    mults: v.pe,
                    pe: v.pe,
                    in_bits: v.in_bits as u32,
                    arith: arith_of_code(v.arith).unwrap_or(Arith::Fixed),
                    w_bits: v.w_bits as u32,
                    acc_bits: v.acc_bits as u32,
                    pack: false,
                },
            );
            r += rom(&c, v.pe * v.w_bits, (v.ch / v.pe * v.k).max(1));
            r += rom(&c, v.pe * v.acc_bits, v.ch / v.pe);
            r
        }
        Unit::Pool(p) => {
            let mut r = engine_without_products(engine, p.pe, p.in_bits, p.avg.out_bits);
            if p.kind == 1 {
                r.lut += p.pe as f64 * average_rounding_lut(&p.avg);
            }
            r
        }
        Unit::Gap(g) => {
            let mut r = engine_without_products(engine, g.pe, g.in_bits, g.avg.out_bits);
            r.lut += g.pe as f64 * average_rounding_lut(&g.avg);
            r
        }
        Unit::Add(a) => {
            let mut r = engine_without_products(engine, a.elems, a.a_bits, a.requant.out_bits);
            r.lut += a.elems as f64 * rounding_lut(&a.requant);
            r
        }
    };
    r.with_rounding(x)
}

impl Resources {
    /// The requantizers' rounding logic of a matrix-vector or vector unit
    /// (one requantizer per PE); the other engines price theirs in
    /// [`instance_cost`].
    fn with_rounding(mut self, x: &Instance) -> Resources {
        let (pe, rq) = match &x.unit {
            Unit::Mvau(m) => (m.pe, &m.requant),
            Unit::Vvau(v) => (v.pe, &v.requant),
            _ => return self,
        };
        self.lut += pe as f64 * rounding_lut(rq);
        self
    }
}

/// LUTs of one requantizer's rounding beyond the default (whose constant
/// add is in the fitted engine LUTs): half to even's tie bit enters the
/// adder's low bits (one LUT); a constant chosen by the sign (half_away,
/// half_zero, to_zero, away) makes the low `RSHIFT` bits of the add an
/// operand (a LUT a bit); floor and ceil add a constant as the default.
fn rounding_lut(rq: &crate::hw::units::Requant) -> f64 {
    if rq.rshift == 0 {
        return 0.0;
    }
    match rq.round_mode {
        1 => 1.0,
        2 | 3 | 6 | 7 => rq.rshift as f64,
        _ => 0.0,
    }
}

/// LUTs of one average's rounding beyond the default: a constant chosen by
/// the sign (a LUT a bit of the divisor), and half to even's tie test on an
/// even divisor (the low `clog2(den) + 1` bits of `q · den` against the
/// dividend, two LUTs a bit, and the decrement of the quotient).
fn average_rounding_lut(a: &crate::hw::units::Average) -> f64 {
    let l = 64 - a.avg_div.saturating_sub(1).leading_zeros() as u64;
    match a.round_mode {
        1 if a.avg_div.is_multiple_of(2) => (2 * (l + 1) + a.out_bits + 2) as f64,
        2 | 3 | 6 | 7 => l as f64,
        _ => 0.0,
    }
}

/// The lanes of a multiplying engine.
struct Lanes {
    mults: u64,
    pe: u64,
    in_bits: u32,
    arith: Arith,
    w_bits: u32,
    acc_bits: u32,
    pack: bool,
}

fn lanes(c: &Coeffs, l: Lanes) -> Resources {
    let mut r = Resources::default();
    let mults = l.mults as f64;
    let p = product(c, l.arith, l.in_bits, l.w_bits);
    if l.pack {
        // one DSP per pair of lanes, and per pair the packed weight's
        // adder and the high product's correction
        r.dsp += p.dsp * mults / 2.0;
        r.lut += mults / 2.0 * (l.w_bits + 2 * (l.in_bits + l.w_bits)) as f64 * c.lut_per_pack_bit;
    } else {
        r.dsp += p.dsp * mults;
        r.lut += p.lut * mults;
    }
    // adder trees and accumulators
    r.lut += mults * l.acc_bits as f64 * c.lut_per_acc_bit;
    // operand registers, and the adder trees' pipeline registers
    // (SIMD - 1 adders per PE)
    let adders = l.mults.saturating_sub(l.pe) as f64;
    r.ff +=
        mults * l.in_bits as f64 * c.ff_per_in_bit + adders * l.acc_bits as f64 * c.ff_per_acc_bit;
    r
}

/// Pooling, global pooling and add: per lane, comparators or adders and
/// the output stage.
fn engine_without_products(mut r: Resources, pe: u64, in_bits: u64, out_bits: u64) -> Resources {
    r.lut += pe as f64 * (in_bits as f64 * 3.0 + out_bits as f64);
    r.ff += pe as f64 * (in_bits as f64 + out_bits as f64) * 2.0;
    r
}

/// Resources of layer `i`: every instance it has (converters, FIFOs,
/// window unit, engine, ROMs).
pub fn layer_cost(design: &Design, i: usize, family: Family) -> Resources {
    let mut r = Resources::default();
    for x in design.layer_instances(i) {
        r += instance_cost(x, family);
    }
    r
}

/// Resources of the whole design: every instance, and the top's status
/// block.
pub fn cost_of(design: &Design, family: Family) -> Resources {
    let c = coeffs(family);
    let mut r = Resources {
        lut: c.top_lut,
        ff: c.top_ff,
        ..Default::default()
    };
    for x in &design.instances {
        r += instance_cost(x, family);
    }
    r
}

/// Resources of the design as `tomatl build` places it on `board`: the
/// design, and on a board with the open flow the board top around it, whose
/// UART bridge buffers two input frames of bytes (one when a frame is over
/// 2048 bytes; rtl/tomatl_uart_bridge.v).
pub fn board_cost(design: &Design, board: &Board) -> Resources {
    let mut r = cost_of(design, board.family);
    if board.open_flow.is_some() {
        let c = coeffs(board.family);
        let frame = (design.input.tdata_bits / 8 * design.input.beats_per_frame) as u64;
        let bufs = if frame <= 2048 { 2 } else { 1 };
        r += memory(&c, 8, bufs * frame);
        r.lut += c.bridge_lut;
        r.ff += c.bridge_ff;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where synth_ecp5 (Yosys 0.5x, memory_libmap) puts a memory of
    /// `width` × `depth` with one write and one registered read port:
    /// 'L' LUT RAM, 'B' block RAM (a sweep of these shapes).
    fn check(width: u64, depth: u64, expected: char) {
        let c = coeffs(Family::LatticeEcp5);
        let m = c.libmap.expect("ECP5 prices memories as memory_libmap");
        let r = libmap(&c, &m, width, depth, false);
        let got = if r.bram_bits > 0.0 { 'B' } else { 'L' };
        assert_eq!(got, expected, "{width} x {depth}: {r:?}");
    }

    #[test]
    fn ecp5_memories_go_where_memory_libmap_puts_them() {
        for (w, d, k) in [
            (2, 384, 'L'),
            (2, 512, 'B'),
            (4, 320, 'L'),
            (4, 384, 'B'),
            (8, 48, 'L'),
            (8, 160, 'L'),
            (8, 192, 'B'),
            (16, 96, 'L'),
            (16, 128, 'B'),
            (32, 24, 'L'),
            (32, 48, 'L'),
            (32, 64, 'B'),
        ] {
            check(w, d, k);
        }
    }

    #[test]
    fn rounding_modes_with_a_tie_test_or_a_sign_choice_cost_luts() {
        use crate::hw::units::{Average, Gap, Requant};
        let gap = |round_mode: u64, avg_div: u64| Instance {
            name: "g".into(),
            layer: Some(0),
            unit: Unit::Gap(Gap {
                ch: 8,
                pe: 2,
                n_pix: 16,
                in_bits: 8,
                in_signed: true,
                avg: Average {
                    out_bits: 8,
                    out_signed: true,
                    avg_lshift: 0,
                    avg_div,
                    round_mode,
                    narrow: false,
                },
            }),
            inputs: vec![],
            outputs: vec![],
            note: String::new(),
        };
        let lut = |x: &Instance| instance_cost(x, Family::Xilinx7).lut;
        let base = lut(&gap(0, 16));
        // floor and ceil only change the constant
        assert_eq!(lut(&gap(4, 16)), base);
        assert_eq!(lut(&gap(5, 16)), base);
        // half to even tests ties of an even divisor; an odd one has none
        assert!(lut(&gap(1, 16)) > base);
        assert_eq!(lut(&gap(1, 15)), lut(&gap(0, 15)));
        // a constant chosen by the sign
        assert!(lut(&gap(2, 16)) > base);
        let rq = |round_mode: u64| Requant {
            rshift: 6,
            round_mode,
            ..Default::default()
        };
        assert_eq!(rounding_lut(&rq(0)), 0.0);
        assert_eq!(rounding_lut(&rq(1)), 1.0);
        assert_eq!(rounding_lut(&rq(6)), 6.0);
        assert_eq!(rounding_lut(&Requant { rshift: 0, ..rq(6) }), 0.0);
    }
}
