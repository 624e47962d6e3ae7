//! C-simulation benches of the threshold mode of the HLS library
//! (`hls/tomatl_threshold.h`, and `tomatl::mvau` with `CFG::TH_COUNT > 0`),
//! against `ir::numerics::threshold` bit for bit.
//!
//! As in `hls_units`, the parameterisations are config structs in a
//! generated `tomatl_cases.h` and the data goes in on stdin; the bench
//! source is written here (`BENCH`). The per-channel ROM of a matrix-vector
//! case is a `static const` array in `tomatl_cases.h`, written the way a
//! generated top writes it: `tomatl::rom_uint<N>::type` elements, an
//! unsigned `ULL` literal for words of up to 64 bits and
//! `tomatl::rom_uint<N>::type("<hex>", 16)` for wider ones (hexadecimal
//! digits without leading zeros: ap_int's parser takes a string beginning
//! `0b`, `0o`, `0d` or `0x` for a base prefix). Configs without
//! `TH_COUNT`/`TH_STEP` (the requantizer, with and without multipliers)
//! share the bench, so the defaults are compiled too. Every bench is built
//! twice, with the ap_int sums (`-DTOMATL_CSIM_AP_ARITH`, as synthesised)
//! and with the built-in integer ones (`TOMATL_CSIM_FAST`, whose thresholds
//! are decoded once from the ROM), and both must print the same. Compiled
//! benches are cached under `target/hls-units/` (`common_hls`' bench
//! helpers); the thresholds and their random draws are `common_threshold`'s,
//! as `rtl_threshold`'s.

mod common_hls;
mod common_rtl;
mod common_threshold;

use std::fmt::Write as _;
use std::path::PathBuf;

use common_hls::{build_bench, members, parse, run_text, BenchSource, Cases, Output};
use common_rtl::{random_codes, random_value, type_range, unpack, weight_value, Arith, Bits, Rng};
use common_threshold::{dot_channel, out_type, th_word, th_word_bits, unit_test, Channel, Seen};
use tomatl::ir::numerics;
use tomatl::ir::{Activation, TensorType};

// ------------------------------------------------------------ the bench

/// The bench: `kind_unit` cases call `tomatl::threshold` on N (acc,
/// threshold word) pairs; `kind_dense` cases run `tomatl::mvau` with the
/// per-channel ROM `chan_rom<CFG>::data` of `tomatl_cases.h`, `kind_plain`
/// ones without a per-channel ROM (input: the weight and bias ROMs as in
/// `tb_hls_mvau.cpp`, FRAMES, the input words).
const BENCH: &str = r#"// C-simulation bench of tomatl::threshold and of tomatl::mvau in the
// threshold mode (generator/tests/hls_threshold.rs writes it).
#include "hls_bench.h"

#include "tomatl_mvau.h"
#include "tomatl_threshold.h"

struct kind_unit {};
struct kind_dense {};
struct kind_plain {};

// The per-channel ROM of a dense case (tomatl_cases.h specialises it).
template <class CFG>
struct chan_rom;

#include "tomatl_cases.h"

template <class CFG>
void run_kind(kind_unit, int id, std::istream &is, std::ostream &os) {
    const int TW = tomatl::th_word_bits(CFG::ACC_BITS, CFG::TH_COUNT);
    const long long n = bench::number(is);
    hls::stream<ap_uint<CFG::OUT_BITS> > out;
    for (long long i = 0; i < n; i++) {
        const ap_int<CFG::ACC_BITS> acc = bench::word<CFG::ACC_BITS>(is);
        const ap_uint<TW> th = bench::word<TW>(is);
        out.write(tomatl::threshold<CFG::ACC_BITS, CFG::TH_COUNT, CFG::TH_STEP, CFG::OUT_BITS,
                                    CFG::OUT_SIGNED, CFG::NARROW>(acc, th));
    }
    bench::drain(os, id, out);
}

template <class M>
struct roms {
    typename tomatl::rom_uint<M::W_BITS>::type w[M::PE][M::NF * M::SF][M::SIMD];
    typename tomatl::rom_int<M::ACC_BITS>::type b[M::PE][M::NF];
    void read(std::istream &is) {
        for (int p = 0; p < M::PE; p++)
            for (int i = 0; i < M::NF * M::SF; i++) {
                ap_uint<M::W_BITS> lanes[M::SIMD];
                tomatl::unpack<M::W_BITS, M::SIMD>(bench::word<M::SIMD * M::W_BITS>(is), lanes);
                for (int s = 0; s < M::SIMD; s++)
                    w[p][i][s] = lanes[s].to_uint64();
            }
        for (int p = 0; p < M::PE; p++)
            for (int i = 0; i < M::NF; i++)
                b[p][i] = ap_int<M::ACC_BITS>(bench::word<M::ACC_BITS>(is)).to_int64();
    }
};

template <class CFG>
void call(hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out, const roms<CFG> &r, kind_dense) {
    tomatl::mvau<CFG>(in, out, r.w, r.b, chan_rom<CFG>::data);
}
template <class CFG>
void call(hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out, const roms<CFG> &r, kind_plain) {
    tomatl::mvau<CFG>(in, out, r.w, r.b);
}

template <class CFG, class KIND>
void run_kind(KIND kind, int id, std::istream &is, std::ostream &os) {
    static roms<CFG> r;
    r.read(is);
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > in("mvau.in");
    hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > out("mvau.out");
    bench::fill(is, in, frames * CFG::REPS * CFG::SF);
    for (long long f = 0; f < frames; f++) {
        call<CFG>(in, out, r, kind);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    run_kind<CFG>(typename CFG::kind(), id, is, os);
}

TOMATL_BENCH_MAIN
"#;

/// As the generated designs are compiled (`sim::hls`: C++14).
const CXX_FLAGS: &[&str] = &["-std=c++14", "-Wall", "-Wextra", "-Werror", "-O0"];
const AP_ARITH: &str = "-DTOMATL_CSIM_AP_ARITH";

/// Compiles [`BENCH`] with `cases` as tomatl_cases.h and the extra `flags`
/// (cached); returns the executable.
fn build(name: &str, cases: &str, flags: &[String]) -> PathBuf {
    let flags: Vec<&str> = CXX_FLAGS
        .iter()
        .copied()
        .chain(flags.iter().map(String::as_str))
        .collect();
    let src = BenchSource::Text("tb_hls_threshold.cpp", BENCH);
    build_bench(name, src, cases, &flags, |out| {
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "g++ {name} failed or warned:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    })
}

impl Cases {
    /// The per-channel ROM `rom[p][nf]` of case `id`, words of `bits` bits,
    /// as a generated top writes it.
    fn chan_rom(&mut self, id: usize, bits: usize, rom: &[Vec<Bits>]) {
        self.widest = self.widest.max(bits);
        let ty = format!("tomatl::rom_uint<{bits}>::type");
        let rows: Vec<String> = rom
            .iter()
            .map(|row| {
                let vals: Vec<String> = row
                    .iter()
                    .map(|w| {
                        // no leading zeros: the string must not begin
                        // like a base prefix (`0b`, `0d`, ...)
                        let hex = w.to_hex();
                        let digits = match hex.trim_start_matches('0') {
                            "" => "0",
                            d => d,
                        };
                        if bits <= 64 {
                            format!("0x{digits}ULL")
                        } else {
                            format!("{ty}(\"{digits}\", 16)")
                        }
                    })
                    .collect();
                format!("{{{}}}", vals.join(", "))
            })
            .collect();
        let (pe, nf) = (rom.len(), rom[0].len());
        writeln!(
            self.header,
            "template <> struct chan_rom<case_{id}> {{ static const {ty} data[{pe}][{nf}]; }};\n\
             const {ty} chan_rom<case_{id}>::data[{pe}][{nf}] = {{{}}};",
            rows.join(",\n    ")
        )
        .unwrap();
    }
    /// Builds the bench both ways (in parallel), runs both, requires the
    /// same output.
    fn build_and_run(&self, name: &str) -> Output {
        let header = self.header();
        let mut flags = Vec::new();
        if self.widest > 1024 {
            flags.push(format!(
                "-DAP_INT_MAX_W={}",
                self.widest.div_ceil(1024) * 1024
            ));
        }
        let (ap, fast) = std::thread::scope(|s| {
            let ap = s.spawn(|| {
                let mut f = flags.clone();
                f.push(AP_ARITH.into());
                build(name, &header, &f)
            });
            let fast = build(name, &header, &flags);
            (ap.join().expect("g++ thread"), fast)
        });
        let text = run_text(&ap, &self.input);
        assert!(
            run_text(&fast, &self.input) == text,
            "{name}: the built-in-integer form differs from the ap_int form"
        );
        parse(&text)
    }
}

/// A word of one `bits`-bit field.
fn word1(v: i64, bits: u32) -> Bits {
    let mut b = Bits::new(bits as usize);
    b.set(0, bits, v as u64);
    b
}

/// The elements of case `id`'s output, checked against `exp` (nothing left
/// unread).
fn check(tag: &str, o: &Output, id: usize, lanes: usize, out: &TensorType, exp: &[i64]) {
    let got = unpack(&o.blocks_of(tag, id).concat(), lanes, out.bits, out.signed);
    common_rtl::assert_lanes(tag, &got, exp, lanes, "word");
    o.assert_read(tag, id);
}

// ------------------------------------------------------- the thresholds

#[test]
fn threshold_function_matches_the_numerics() {
    // (ACC_BITS, TH_COUNT, TH_STEP, (OUT_BITS, OUT_SIGNED, NARROW))
    type Shape = (u32, usize, i64, (u32, bool, bool));
    let shapes: [Shape; 17] = [
        (2, 2, 1, (2, false, false)),
        (2, 3, 1, (2, true, false)),
        // bipolar
        (10, 1, 2, (2, true, true)),
        (3, 1, 2, (2, true, true)),
        (6, 1, 1, (1, false, false)),
        // unsigned 4-bit with 15 thresholds (narrow: 14)
        (12, 15, 1, (4, false, false)),
        (9, 14, 1, (4, false, true)),
        // signed 8-bit with 255 thresholds (narrow: 254)
        (16, 255, 1, (8, true, false)),
        (20, 254, 1, (8, true, true)),
        (14, 7, 2, (4, false, false)),
        (13, 15, 2, (5, true, true)),
        (24, 3, 1, (3, true, false)),
        (32, 31, 1, (5, false, false)),
        (40, 255, 1, (8, false, false)),
        (40, 5, 1, (32, true, true)),
        (62, 6, 1, (32, false, false)),
        (18, 2, 2, (16, true, false)),
    ];
    let mut rng = Rng(0x4854);
    let mut cases = Cases::default();
    let mut expect = Vec::new();
    let n = 300;
    for &(acc_bits, count, step, (ob, os, narrow)) in &shapes {
        let id = cases.add(
            Some("kind_unit"),
            &members(&[
                ("ACC_BITS", acc_bits as i64),
                ("TH_COUNT", count as i64),
                ("TH_STEP", step),
                ("OUT_BITS", ob as i64),
                ("OUT_SIGNED", os as i64),
                ("NARROW", narrow as i64),
            ]),
        );
        let out = out_type(ob, os, narrow);
        cases.num(n);
        let mut exp = Vec::new();
        let mut seen: Seen = [false; 5];
        for i in 0..n {
            let (acc, ch, y) = unit_test(&mut rng, i, (acc_bits, count, step), &out, &mut seen);
            cases.words(&[word1(acc, acc_bits), th_word(&ch, acc_bits)]);
            exp.push(y);
        }
        assert!(
            seen.iter().all(|&b| b),
            "ACC_BITS {acc_bits} x {count}: the data must reach both ends, ties, descending \
             channels and thresholds beyond the range ({seen:?})"
        );
        cases.end();
        expect.push((
            id,
            format!("threshold {acc_bits} x {count} step {step} -> {out:?}"),
            out,
            exp,
        ));
    }
    let o = cases.build_and_run("tb_hls_threshold_fn");
    for (id, tag, out, exp) in &expect {
        check(tag, &o, *id, 1, out, exp);
    }
}

// -------------------------------------------------- the matrix-vector unit

/// How a dense case requantizes.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// TH_COUNT thresholds a channel, TH_STEP.
    Thresholds(usize, i64),
    /// The requantizer with a right shift and, when `Some`, per-channel
    /// multipliers of that many bits (a config without TH_COUNT/TH_STEP).
    Requant(u32, Option<u32>),
}

/// A dense layer with its ROMs.
struct Dense {
    simd: usize,
    pe: usize,
    sf: usize,
    nf: usize,
    reps: usize,
    in_t: (u32, bool),
    arith: Arith,
    w_bits: u32,
    mode: Mode,
    out: TensorType,
    codes: Vec<Vec<u64>>,
    bias: Vec<i64>,
    /// Per channel: thresholds (threshold mode) or a multiplier.
    ch: Vec<Channel>,
    mults: Vec<i64>,
    acc_bits: u32,
}

#[allow(clippy::too_many_arguments)]
fn dense(
    rng: &mut Rng,
    (simd, pe, sf, nf, reps): (usize, usize, usize, usize, usize),
    in_t: (u32, bool),
    (arith, w_bits): (Arith, u32),
    mode: Mode,
    out: TensorType,
    min_acc_bits: u32,
) -> Dense {
    let (n_in, n_out) = (simd * sf, pe * nf);
    let codes = random_codes(rng, arith, w_bits, n_out, n_in);
    let (amin, amax) = type_range(in_t.0, in_t.1);
    let w = |o: usize| -> Vec<i64> {
        codes[o]
            .iter()
            .map(|&c| weight_value(arith, w_bits, c))
            .collect()
    };
    let bias: Vec<i64> = (0..n_out)
        .map(|o| {
            let (l, h) = numerics::dot_range(0, w(o), amin, amax);
            let b = (l.abs().max(h.abs()) / 4).max(1) as i64;
            rng.range(-b, b)
        })
        .collect();
    let (mut lo, mut hi) = (0i128, 0i128);
    for (o, &b) in bias.iter().enumerate() {
        let (l, h) = numerics::dot_range(b, w(o), amin, amax);
        lo = lo.min(l);
        hi = hi.max(h);
    }
    let acc_bits = numerics::acc_bits_for(lo, hi)
        .expect("fits")
        .max(min_acc_bits);
    let mut ch = Vec::new();
    let mut mults = vec![0; n_out];
    match mode {
        Mode::Thresholds(count, _) => {
            for (o, &b) in bias.iter().enumerate() {
                ch.push(dot_channel(rng, (acc_bits, count), &w(o), b, (amin, amax)));
            }
        }
        Mode::Requant(_, Some(mb)) => {
            mults = (0..n_out).map(|_| rng.bits(mb) as i64).collect();
        }
        Mode::Requant(_, None) => {}
    }
    Dense {
        simd,
        pe,
        sf,
        nf,
        reps,
        in_t,
        arith,
        w_bits,
        mode,
        out,
        codes,
        bias,
        ch,
        mults,
        acc_bits,
    }
}

impl Dense {
    fn add(&self, cases: &mut Cases, frames: &[Vec<i64>]) -> usize {
        let (rshift, mult_bits) = match self.mode {
            Mode::Thresholds(..) => (0, 0),
            Mode::Requant(s, m) => (s, m.unwrap_or(0)),
        };
        let mut ps = vec![
            ("SIMD", self.simd as i64),
            ("PE", self.pe as i64),
            ("SF", self.sf as i64),
            ("NF", self.nf as i64),
            ("REPS", self.reps as i64),
            ("IN_BITS", self.in_t.0 as i64),
            ("IN_SIGNED", self.in_t.1 as i64),
            ("ARITH", tomatl::hw::units::arith_code(self.arith) as i64),
            ("W_BITS", self.w_bits as i64),
            ("ACC_BITS", self.acc_bits as i64),
            ("RSHIFT", rshift as i64),
            ("LSHIFT", 0),
            ("ACT", 0),
            ("RELU6_MAX", 0),
            ("OUT_BITS", self.out.bits as i64),
            ("OUT_SIGNED", self.out.signed as i64),
            ("MULT_BITS", mult_bits as i64),
        ];
        if self.out.narrow {
            ps.push(("NARROW", 1));
        }
        if let Mode::Thresholds(count, step) = self.mode {
            ps.push(("TH_COUNT", count as i64));
            ps.push(("TH_STEP", step));
        }
        let kind = match self.mode {
            Mode::Requant(_, None) => "kind_plain",
            _ => "kind_dense",
        };
        let id = cases.add(Some(kind), &members(&ps));
        // the per-channel ROM [p][nf], in the cases header
        let chan: Option<(usize, Vec<Vec<Bits>>)> = match self.mode {
            Mode::Thresholds(count, _) => Some((
                th_word_bits(self.acc_bits, count),
                (0..self.pe)
                    .map(|p| {
                        (0..self.nf)
                            .map(|n| th_word(&self.ch[n * self.pe + p], self.acc_bits))
                            .collect()
                    })
                    .collect(),
            )),
            Mode::Requant(_, Some(mb)) => Some((
                mb as usize,
                (0..self.pe)
                    .map(|p| {
                        (0..self.nf)
                            .map(|n| word1(self.mults[n * self.pe + p], mb))
                            .collect()
                    })
                    .collect(),
            )),
            Mode::Requant(_, None) => None,
        };
        if let Some((bits, rom)) = chan {
            cases.chan_rom(id, bits, &rom);
        }
        // the weight and bias ROMs, PE by PE, then the frames
        let mut ws = Vec::new();
        for p in 0..self.pe {
            for n in 0..self.nf {
                for s in 0..self.sf {
                    let o = n * self.pe + p;
                    let mut b = Bits::new(self.simd * self.w_bits as usize);
                    for l in 0..self.simd {
                        b.set(
                            l * self.w_bits as usize,
                            self.w_bits,
                            self.codes[o][s * self.simd + l],
                        );
                    }
                    ws.push(b);
                }
            }
        }
        for p in 0..self.pe {
            for n in 0..self.nf {
                ws.push(word1(self.bias[n * self.pe + p], self.acc_bits));
            }
        }
        cases.words(&ws);
        cases.num(frames.len() / self.reps);
        let (ib, _) = self.in_t;
        let mut xs = Vec::new();
        for x in frames {
            for s in 0..self.sf {
                let mut b = Bits::new(self.simd * ib as usize);
                for l in 0..self.simd {
                    b.set(l * ib as usize, ib, x[s * self.simd + l] as u64);
                }
                xs.push(b);
            }
        }
        cases.words(&xs);
        cases.end();
        id
    }

    fn reference(&self, x: &[i64]) -> Vec<i64> {
        (0..self.pe * self.nf)
            .map(|o| {
                let acc = self.bias[o]
                    + x.iter()
                        .zip(&self.codes[o])
                        .map(|(&a, &c)| a * weight_value(self.arith, self.w_bits, c))
                        .sum::<i64>();
                match self.mode {
                    Mode::Thresholds(_, step) => {
                        numerics::threshold(acc, &self.ch[o].t, self.ch[o].desc, step, &self.out)
                    }
                    Mode::Requant(s, Some(_)) => numerics::requantize_channel(
                        acc,
                        self.mults[o],
                        s,
                        Activation::None,
                        &self.out,
                    ),
                    Mode::Requant(s, None) => {
                        numerics::requantize(acc, s as i32, Activation::None, &self.out)
                    }
                }
            })
            .collect()
    }
}

#[test]
fn mvau_with_thresholds_matches_reference() {
    use Arith::*;
    let mut rng = Rng(0x6d76_6175);
    let layers = [
        // unsigned 4-bit, 15 thresholds: a word of more than 64 bits
        dense(
            &mut rng,
            (3, 2, 2, 3, 1),
            (4, false),
            (Fixed, 4),
            Mode::Thresholds(15, 1),
            out_type(4, false, false),
            0,
        ),
        // binary weights, bipolar output: a word of a few bits
        dense(
            &mut rng,
            (4, 4, 2, 2, 1),
            (1, false),
            (Binary, 1),
            Mode::Thresholds(1, 2),
            out_type(2, true, true),
            0,
        ),
        // ternary, signed 8-bit output from 255 thresholds (above 1024 bits)
        dense(
            &mut rng,
            (2, 1, 3, 1, 1),
            (8, true),
            (Ternary, 2),
            Mode::Thresholds(255, 1),
            out_type(8, true, false),
            0,
        ),
        // pow2, step 2 into a narrow 4-bit code, two vectors a call
        dense(
            &mut rng,
            (1, 3, 4, 2, 2),
            (6, false),
            (Pow2, 4),
            Mode::Thresholds(7, 2),
            out_type(4, true, true),
            0,
        ),
        // one threshold of 62-bit accumulators: a 64-bit word (ULL literal)
        dense(
            &mut rng,
            (2, 2, 1, 2, 1),
            (8, true),
            (Fixed, 8),
            Mode::Thresholds(1, 1),
            out_type(1, false, false),
            62,
        ),
        // two thresholds of 31-bit accumulators: a 65-bit word
        dense(
            &mut rng,
            (2, 2, 2, 1, 1),
            (8, false),
            (Fixed, 6),
            Mode::Thresholds(2, 1),
            out_type(2, true, false),
            31,
        ),
        // configs without TH_COUNT/TH_STEP: multipliers, and no per-channel ROM
        dense(
            &mut rng,
            (2, 2, 2, 2, 1),
            (8, true),
            (Fixed, 8),
            Mode::Requant(9, Some(8)),
            out_type(8, true, false),
            0,
        ),
        dense(
            &mut rng,
            (3, 1, 2, 2, 1),
            (4, false),
            (Fixed, 4),
            Mode::Requant(3, None),
            out_type(4, true, true),
            0,
        ),
    ];
    let frames = 6;
    let mut cases = Cases::default();
    let mut expect = Vec::new();
    for (k, l) in layers.iter().enumerate() {
        let xs: Vec<Vec<i64>> = (0..frames * l.reps)
            .map(|_| {
                (0..l.simd * l.sf)
                    .map(|_| random_value(&mut rng, l.in_t.0, l.in_t.1))
                    .collect()
            })
            .collect();
        let id = l.add(&mut cases, &xs);
        let exp: Vec<i64> = xs.iter().flat_map(|x| l.reference(x)).collect();
        if let Mode::Thresholds(..) = l.mode {
            let (lo, hi) = (exp.iter().min(), exp.iter().max());
            assert!(
                lo < hi,
                "dense #{k}: every output is {lo:?}; the data must vary"
            );
        }
        expect.push((
            id,
            format!("dense #{k} {:?} ACC_BITS {}", l.mode, l.acc_bits),
            l.pe,
            l.out,
            exp,
        ));
    }
    let o = cases.build_and_run("tb_hls_threshold_mvau");
    for (id, tag, pe, out, exp) in &expect {
        check(tag, &o, *id, *pe, out, exp);
    }
}
