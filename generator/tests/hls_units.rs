//! Unit benches of the HLS kernel library (`hls/`) in C simulation, each
//! against a naive reference written here on the rules of `ir::numerics`.
//!
//! Each kernel has a bench in `testbenches/hls/` compiled with g++ against
//! `hls/`, `hls/sim/` and the open-source ap_types headers (fetched by
//! `scripts/fetch_ap_types.sh` when missing). The parameterisations of a
//! test are written as config structs into a generated `tomatl_cases.h`;
//! the random data (fixed seeds) goes in on stdin as hexadecimal words and
//! the output words come back on stdout. Compiled benches are cached under
//! `target/hls-units/`, keyed by a hash of their sources, cases and flags.

mod common_rtl;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common_rtl::{
    random_code, repo_root, sext, signed_bits_for, type_range, value_of, weight_value, Arith, Bits,
    Rng,
};
use sha2::{Digest, Sha256};
use tomatl::ir::numerics;
use tomatl::ir::{Activation, TensorType};

// ------------------------------------------------------------ the benches

const CXX_FLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Werror", "-O0"];

/// The folder with ap_int.h: `TOMATL_AP_TYPES` or `target/ap_types`,
/// fetched once when missing.
fn ap_types() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = match std::env::var_os("TOMATL_AP_TYPES") {
            Some(d) => PathBuf::from(d),
            None => repo_root().join("target").join("ap_types"),
        };
        if !dir.join("ap_int.h").is_file() {
            let st = Command::new(repo_root().join("scripts").join("fetch_ap_types.sh"))
                .env("TOMATL_AP_TYPES", &dir)
                .status()
                .unwrap_or_else(|e| panic!("running scripts/fetch_ap_types.sh: {e}"));
            assert!(st.success(), "scripts/fetch_ap_types.sh failed: {st}");
        }
        assert!(dir.join("ap_int.h").is_file(), "no ap_int.h in {}", dir.display());
        dir
    })
}

fn sources(bench: &str) -> Vec<PathBuf> {
    let root = repo_root();
    let mut v = Vec::new();
    for d in ["hls", "hls/sim"] {
        let mut hs: Vec<PathBuf> = std::fs::read_dir(root.join(d))
            .unwrap_or_else(|e| panic!("reading {d}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "h"))
            .collect();
        hs.sort();
        v.extend(hs);
    }
    v.push(root.join("testbenches/hls/hls_bench.h"));
    v.push(root.join(format!("testbenches/hls/{bench}.cpp")));
    v
}

/// Compiles `testbenches/hls/{bench}.cpp` with `cases` as tomatl_cases.h
/// (cached); returns the executable.
fn build(bench: &str, cases: &str) -> PathBuf {
    let ap = ap_types();
    let srcs = sources(bench);
    let mut h = Sha256::new();
    for p in &srcs {
        h.update(p.to_string_lossy().as_bytes());
        h.update(std::fs::read(p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display())));
    }
    h.update(std::fs::read(ap.join("ap_int.h")).unwrap_or_default());
    h.update(cases.as_bytes());
    h.update(CXX_FLAGS.join(" ").as_bytes());
    let key: String = h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect();
    let dir = repo_root()
        .join("target")
        .join("hls-units")
        .join(format!("{bench}-{key}"));
    let exe = dir.join("tb");
    if exe.is_file() {
        return exe;
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    std::fs::write(dir.join("tomatl_cases.h"), cases).expect("writing tomatl_cases.h");
    let tmp = dir.join(format!("tb.{}.tmp", std::process::id()));
    let root = repo_root();
    let out = Command::new("g++")
        .args(CXX_FLAGS)
        .arg("-I")
        .arg(&dir)
        .arg("-I")
        .arg(root.join("hls"))
        .arg("-I")
        .arg(root.join("hls/sim"))
        .arg("-I")
        .arg(root.join("testbenches/hls"))
        .arg("-isystem")
        .arg(ap)
        .arg(srcs.last().expect("bench source"))
        .arg("-o")
        .arg(&tmp)
        .output()
        .unwrap_or_else(|e| panic!("running g++: {e}"));
    assert!(
        out.status.success(),
        "g++ {bench} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "g++ {bench} warned:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&tmp, &exe).expect("placing the bench");
    exe
}

/// Output of a bench: per case, its blocks of output words and the words
/// left unread.
#[derive(Default)]
struct Output {
    blocks: BTreeMap<usize, Vec<Vec<String>>>,
    left: BTreeMap<usize, usize>,
}

fn run(exe: &Path, input: &str) -> Output {
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(data.as_bytes()));
    let out = child.wait_with_output().expect("bench output");
    writer.join().expect("writer").expect("writing the bench input");
    assert!(
        out.status.success(),
        "{} failed: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut o = Output::default();
    let mut toks = text.split_whitespace();
    while let Some(t) = toks.next() {
        let id: usize = toks.next().and_then(|x| x.parse().ok()).expect("case id");
        let n: usize = toks.next().and_then(|x| x.parse().ok()).expect("count");
        match t {
            "out" => {
                let words = (0..n)
                    .map(|_| toks.next().expect("word").to_string())
                    .collect();
                o.blocks.entry(id).or_default().push(words);
            }
            "left" => {
                o.left.insert(id, n);
            }
            _ => panic!("bench output: unexpected {t}"),
        }
    }
    o
}

/// The config structs of a bench and its stdin.
#[derive(Default)]
struct Cases {
    header: String,
    list: Vec<String>,
    input: String,
}

fn member(name: &str, v: i64) -> String {
    if name.ends_with("SIGNED") || name == "DEPTHWISE" {
        format!("static const bool {name} = {};", v != 0)
    } else if name == "RELU6_MAX" || name == "AVG_DIV" {
        format!("static const long long {name} = {v}LL;")
    } else {
        format!("static const int {name} = {v};")
    }
}

fn members(ps: &[(&str, i64)]) -> String {
    ps.iter().map(|(n, v)| member(n, *v)).collect::<Vec<_>>().join(" ")
}

impl Cases {
    /// A case with config members `ps` (and the kind tag, when given);
    /// returns its id.
    fn add(&mut self, kind: Option<&str>, body: &str) -> usize {
        let id = self.list.len();
        let tag = kind.map(|k| format!("typedef {k} kind; ")).unwrap_or_default();
        writeln!(self.header, "struct case_{id} {{ {tag}{body} }};").unwrap();
        self.list.push(format!("X({id}, case_{id})"));
        write!(self.input, "case {id}").unwrap();
        id
    }
    fn words<'a>(&mut self, ws: impl IntoIterator<Item = &'a Bits>) {
        for w in ws {
            write!(self.input, " {}", w.to_hex()).unwrap();
        }
    }
    fn num(&mut self, n: i64) {
        write!(self.input, " {n}").unwrap();
    }
    fn end(&mut self) {
        self.input.push('\n');
    }
    fn header(&self) -> String {
        format!(
            "{}#define TOMATL_CASES {}\n",
            self.header,
            self.list.join(" ")
        )
    }
    fn build_and_run(&self, bench: &str) -> Output {
        let exe = build(bench, &self.header());
        run(&exe, &self.input)
    }
}

/// A word of `lanes` elements of `bits` bits (values as two's complement or
/// unsigned codes), element 0 least significant.
fn pack(vals: &[i64], bits: u32) -> Bits {
    let mut b = Bits::new(vals.len() * bits as usize);
    for (i, &v) in vals.iter().enumerate() {
        b.set(i * bits as usize, bits, (v as u64) & mask(bits));
    }
    b
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

fn word1(v: i64, bits: u32) -> Bits {
    pack(&[v], bits)
}

/// The elements of the output words of a block.
fn unpack(words: &[String], lanes: usize, bits: u32, signed: bool) -> Vec<i64> {
    let wb = lanes * bits as usize;
    words
        .iter()
        .flat_map(|w| {
            let b = Bits::from_hex(w, wb);
            (0..lanes)
                .map(|i| value_of(b.get(i * bits as usize, bits), bits, signed))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The elements of case `id`'s only output block, checked against `exp`
/// (and nothing left unread).
fn check(tag: &str, o: &Output, id: usize, lanes: usize, bits: u32, signed: bool, exp: &[i64]) {
    let blocks = o.blocks.get(&id).unwrap_or_else(|| panic!("{tag}: no output"));
    let got = unpack(&blocks[0], lanes, bits, signed);
    compare(tag, &got, exp, lanes);
    assert_eq!(o.left.get(&id).copied().unwrap_or(0), 0, "{tag}: input words left unread");
}

fn compare(tag: &str, got: &[i64], exp: &[i64], lanes: usize) {
    if got != exp {
        let i = got
            .iter()
            .zip(exp)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(exp.len()));
        panic!(
            "{tag}: {} values, expected {}; first mismatch at value {i} (word {}, lane {}): got {:?}, expected {:?}",
            got.len(),
            exp.len(),
            i / lanes.max(1),
            i % lanes.max(1),
            got.get(i),
            exp.get(i)
        );
    }
}

/// A value of a type, biased towards the extremes and small values.
fn random_value(rng: &mut Rng, bits: u32, signed: bool) -> i64 {
    let (lo, hi) = type_range(bits, signed);
    match rng.range(0, 9) {
        0 => lo,
        1 => hi,
        2 | 3 => rng.range(lo.max(-3), hi.min(3)),
        _ => rng.range(lo, hi),
    }
}

fn act_code(a: Activation) -> i64 {
    match a {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::Relu6 => 2,
    }
}

const ACTS: [Activation; 3] = [Activation::None, Activation::Relu, Activation::Relu6];

fn tt(bits: u32, signed: bool, frac: i32) -> TensorType {
    TensorType { bits, signed, frac }
}

/// RSHIFT and LSHIFT of a requantization from `frac_acc` to `frac_out`.
fn shifts(frac_acc: i32, frac_out: i32) -> (i64, i64) {
    let s = (frac_acc - frac_out) as i64;
    (s.max(0), (-s).max(0))
}

fn arith_code(a: Arith) -> i64 {
    a as i64
}

// ----------------------------------------------- requant, mul and avg

/// Accumulators for a requantization test: extremes, ties of the shift
/// (x.5 both signs), their neighbours and random values.
fn acc_values(rng: &mut Rng, acc_bits: u32, rshift: i64, n: usize) -> Vec<i64> {
    let (lo, hi) = type_range(acc_bits, true);
    let mut v = vec![lo, hi, 0, -1, 1, lo + 1, hi - 1];
    if rshift > 0 && rshift < acc_bits as i64 - 1 {
        let half = 1i64 << (rshift - 1);
        for k in [-5i64, -2, -1, 0, 1, 3] {
            let t = k * (1i64 << rshift) + half;
            v.extend([t - 1, t, t + 1]);
        }
    }
    while v.len() < n {
        v.push(random_value(rng, acc_bits, true));
    }
    v.into_iter().map(|x| x.clamp(lo, hi)).collect()
}

#[test]
fn requant_mul_and_avg_match_the_numerics() {
    let mut rng = Rng(0x5eed_0001);
    let mut cases = Cases::default();
    let mut expect: Vec<(usize, String, u32, bool, Vec<i64>)> = Vec::new();

    // requant: (acc_bits, frac_acc, out type, act) over every activation,
    // right and left shifts, 1..32-bit outputs, signed and unsigned, and
    // a 62-bit accumulator.
    let rq = [
        (10, 2, tt(8, false, 0)),
        (16, 5, tt(8, true, 2)),
        (24, 8, tt(4, false, 2)),
        (12, 1, tt(16, true, 4)),
        (20, 0, tt(2, true, 0)),
        (9, 6, tt(1, false, 1)),
        (30, 12, tt(32, true, 0)),
        (62, 20, tt(16, true, 3)),
        (14, 3, tt(8, true, 3)),
        (2, 0, tt(3, false, 1)),
        (18, 4, tt(6, false, 1)),
    ];
    for &(acc_bits, frac_acc, out) in &rq {
        for act in ACTS {
            let (rs, ls) = shifts(frac_acc, out.frac);
            let r6 = numerics::relu6_limit(out.frac);
            let body = members(&[
                ("ACC_BITS", acc_bits as i64),
                ("RSHIFT", rs),
                ("LSHIFT", ls),
                ("ACT", act_code(act)),
                ("RELU6_MAX", r6),
                ("OUT_BITS", out.bits as i64),
                ("OUT_SIGNED", out.signed as i64),
                ("MULT_BITS", 0),
            ]);
            let id = cases.add(Some("kind_requant"), &body);
            let accs = acc_values(&mut rng, acc_bits, rs, 60);
            cases.num(accs.len() as i64);
            for &a in &accs {
                cases.words([&word1(a, acc_bits), &word1(0, 1)]);
            }
            cases.end();
            let exp = accs
                .iter()
                .map(|&a| numerics::requantize(a, frac_acc, act, &out))
                .collect();
            let tag = format!("requant acc {acc_bits} frac {frac_acc} -> {out:?} {act:?}");
            expect.push((id, tag, out.bits, out.signed, exp));
        }
    }
    // the per-channel multiplier mode: 16-bit (and narrower) multipliers,
    // shifts 0..40, ties.
    let rqc = [
        (20, 16, 15, tt(8, true, 0)),
        (24, 16, 0, tt(8, false, 0)),
        (16, 16, 40, tt(16, true, 2)),
        (12, 8, 7, tt(4, false, 1)),
        (40, 16, 30, tt(8, true, 1)),
    ];
    for &(acc_bits, mb, shift, out) in &rqc {
        for act in ACTS {
            let body = members(&[
                ("ACC_BITS", acc_bits as i64),
                ("RSHIFT", shift as i64),
                ("LSHIFT", 0),
                ("ACT", act_code(act)),
                ("RELU6_MAX", numerics::relu6_limit(out.frac)),
                ("OUT_BITS", out.bits as i64),
                ("OUT_SIGNED", out.signed as i64),
                ("MULT_BITS", mb as i64),
            ]);
            let id = cases.add(Some("kind_requant"), &body);
            let accs = acc_values(&mut rng, acc_bits, 2, 60);
            let mults: Vec<i64> = (0..accs.len())
                .map(|i| match i % 5 {
                    0 => (1i64 << mb) - 1,
                    1 => rng.range(0, 3),
                    _ => rng.bits(mb) as i64,
                })
                .collect();
            cases.num(accs.len() as i64);
            for (&a, &m) in accs.iter().zip(&mults) {
                cases.words([&word1(a, acc_bits), &word1(m, mb)]);
            }
            cases.end();
            let exp = accs
                .iter()
                .zip(&mults)
                .map(|(&a, &m)| numerics::requantize_channel(a, m, shift, act, &out))
                .collect();
            let tag = format!("requant acc {acc_bits} * M{mb} >> {shift} -> {out:?} {act:?}");
            expect.push((id, tag, out.bits, out.signed, exp));
        }
    }

    // mul: every arithmetic at each of its widths, signed and unsigned
    // inputs, every weight code against extreme and random inputs; the
    // exact width and a narrower one (exact modulo 2^P).
    let muls: Vec<(Arith, u32)> = vec![
        (Arith::Fixed, 1),
        (Arith::Fixed, 2),
        (Arith::Fixed, 5),
        (Arith::Fixed, 8),
        (Arith::Fixed, 16),
        (Arith::Pow2, 2),
        (Arith::Pow2, 3),
        (Arith::Pow2, 4),
        (Arith::Pow2, 5),
        (Arith::Binary, 1),
        (Arith::Ternary, 2),
    ];
    let ins = [(1u32, false), (1, true), (4, true), (8, false), (8, true), (16, true)];
    for (k, &(arith, wb)) in muls.iter().enumerate() {
        for (j, &(ib, is)) in ins.iter().enumerate() {
            if (k + j) % 2 == 1 && !(ib == 8 || ib == 1) {
                continue;
            }
            let exact = match arith {
                Arith::Fixed => ib + 1 + wb,
                Arith::Pow2 => ib + 2 + (1 << (wb - 1)) - 2,
                _ => ib + 2,
            };
            for pb in [exact, (exact - 1).max(2)] {
                let body = members(&[
                    ("ARITH", arith_code(arith)),
                    ("W_BITS", wb as i64),
                    ("IN_BITS", ib as i64),
                    ("IN_SIGNED", is as i64),
                    ("P_BITS", pb as i64),
                ]);
                let id = cases.add(Some("kind_mul"), &body);
                let (lo, hi) = type_range(ib, is);
                let mut pairs = Vec::new();
                let codes: Vec<u64> = if wb <= 5 {
                    (0..(1u64 << wb)).collect()
                } else {
                    let mut c = vec![0, 1, mask(wb), 1 << (wb - 1), (1 << (wb - 1)) - 1];
                    c.extend((0..12).map(|_| random_code(&mut rng, arith, wb)));
                    c
                };
                for &c in &codes {
                    if arith == Arith::Ternary && c == 2 {
                        continue;
                    }
                    for a in [lo, hi, 0, random_value(&mut rng, ib, is)] {
                        pairs.push((a, c));
                    }
                }
                cases.num(pairs.len() as i64);
                for &(a, c) in &pairs {
                    cases.words([&word1(a, ib), &word1(c as i64, wb)]);
                }
                cases.end();
                let exp = pairs
                    .iter()
                    .map(|&(a, c)| sext((a * weight_value(arith, wb, c)) as u64 & mask(pb), pb))
                    .collect();
                let tag = format!("mul {arith:?} w{wb} in {ib}/{is} on {pb} bits");
                expect.push((id, tag, pb, true, exp));
            }
        }
    }

    // avg: (sum bits, n, frac_in, out): non-power-of-two counts, both
    // directions of the binary point, saturation, wide sums.
    let avgs = [
        (8, 2, 0, tt(8, true, 0)),
        (12, 9, 0, tt(8, true, 0)),
        (16, 125, 0, tt(8, true, 0)),
        (10, 3, 0, tt(8, true, 4)),
        (14, 2, 4, tt(8, true, 1)),
        (12, 4, 0, tt(4, false, 0)),
        (12, 49, 2, tt(6, true, 0)),
        (20, 1000, 0, tt(16, true, 3)),
        (40, 7, 5, tt(32, true, 0)),
        (56, 1 << 20, 0, tt(32, true, 10)),
        (6, 1, 0, tt(2, true, 0)),
    ];
    for &(sb, n, frac_in, out) in &avgs {
        let (num, den) = numerics::average_fraction(1, n, frac_in, out.frac);
        let lshift = num.trailing_zeros() as i64;
        let body = members(&[
            ("SUM_BITS", sb as i64),
            ("AVG_LSHIFT", lshift),
            ("AVG_DIV", den as i64),
            ("OUT_BITS", out.bits as i64),
            ("OUT_SIGNED", out.signed as i64),
        ]);
        let id = cases.add(Some("kind_avg"), &body);
        let (lo, hi) = type_range(sb, true);
        let sums: Vec<i64> = if sb <= 12 {
            (lo..=hi).collect()
        } else {
            let mut s = vec![lo, hi, 0, -1, 1];
            for k in -4i64..4 {
                let t = k * n as i64 + n as i64 / 2;
                s.extend([t - 1, t, t + 1]);
            }
            s.extend((0..200).map(|_| random_value(&mut rng, sb, true)));
            s.into_iter().map(|x| x.clamp(lo, hi)).collect()
        };
        cases.num(sums.len() as i64);
        for &s in &sums {
            cases.words([&word1(s, sb)]);
        }
        cases.end();
        let exp = sums
            .iter()
            .map(|&s| numerics::average(s, n, frac_in, &out))
            .collect();
        let tag = format!("avg sum {sb} / {n} frac {frac_in} -> {out:?}");
        expect.push((id, tag, out.bits, out.signed, exp));
    }

    let o = cases.build_and_run("tb_hls_requant");
    for (id, tag, bits, signed, exp) in &expect {
        check(tag, &o, *id, 1, *bits, *signed, exp);
    }
    assert!(expect.len() > 100, "{} cases", expect.len());
}
