//! What the HLS tests share: the pragma lint (every `#pragma HLS` of a
//! generated top and every `TOMATL_HLS(...)` of the library in an allowed
//! form; the top's DATAFLOW region holds only stream declarations, their
//! STREAM pragmas and kernel calls; every stream has exactly one producer
//! and one consumer), the generation of a design with its HLS C++, and the
//! C-simulation benches of the library's kernels (`hls_units.rs`,
//! `hls_threshold.rs`): their cases, their compilation with g++ (cached)
//! and their runs.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use tomatl::ir::Graph;
use tomatl::plan::{Fold, HwPlan};
use tomatl::sim::{Backend, VerifyOptions, VerifyReport};

/// Generate `graph` at `fold` with its HLS C++ into `out`.
pub fn generate_hls(graph: &Graph, fold: Fold, out: &Path) -> HwPlan {
    let plan = tomatl::plan::plan(graph, fold).expect("plan");
    let files = tomatl::emit::emit_with_hls(graph, &plan).expect("emit");
    tomatl::emit::write_design(out, &files).expect("write design");
    plan
}

/// `tomatl verify --backend hls` of `out` (one process).
pub fn verify_hls(out: &Path, frames: usize, seed: u64) -> VerifyReport {
    let opts = VerifyOptions {
        frames,
        seed,
        ..Default::default()
    };
    tomatl::sim::verify_backend(out, &opts, Backend::Hls)
        .unwrap_or_else(|e| panic!("verify --backend hls {}: {e}", out.display()))
}

/// The generated top of a design folder.
pub fn top_source(out: &Path) -> (String, String) {
    let d: tomatl::hw::Design = serde_json::from_str(
        &std::fs::read_to_string(out.join("design.json")).expect("design.json"),
    )
    .expect("design.json");
    let p: PathBuf = out.join(tomatl::emit::hls::top_source(&d));
    (
        d.top.clone(),
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
}

/// `X = Y` written `X=Y`, runs of blanks as one.
fn normalise(p: &str) -> String {
    let t = p.replace(" = ", "=").replace("= ", "=").replace(" =", "=");
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn int(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// `key=value` with a value that `ok` accepts.
fn kv(tok: &str, key: &str, ok: impl Fn(&str) -> bool) -> bool {
    tok.strip_prefix(key)
        .and_then(|r| r.strip_prefix('='))
        .is_some_and(ok)
}

/// Whether the text of one pragma (after `HLS`) is an allowed form.
pub fn allowed(pragma: &str) -> bool {
    let n = normalise(pragma);
    let t: Vec<&str> = n.split(' ').collect();
    match t.as_slice() {
        ["DATAFLOW"] | ["UNROLL"] | ["INLINE"] | ["INLINE", "off"] => true,
        ["INTERFACE", "axis", port] => kv(port, "port", ident),
        ["INTERFACE", "ap_ctrl_none", "port=return"] => true,
        ["STREAM", var, depth] => kv(var, "variable", ident) && kv(depth, "depth", int),
        ["PIPELINE", ii] => kv(ii, "II", int),
        ["ARRAY_PARTITION", var, "complete"] => kv(var, "variable", ident),
        ["ARRAY_PARTITION", var, "complete", dim] | ["ARRAY_RESHAPE", var, "complete", dim] => {
            kv(var, "variable", ident) && kv(dim, "dim", int)
        }
        ["LOOP_TRIPCOUNT", rest @ ..] => {
            // max=<an integer expression of constants>
            let e = rest.join(" ");
            e.strip_prefix("max=").is_some_and(|x| {
                !x.is_empty()
                    && x.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_:*+ ".contains(c))
            })
        }
        _ => false,
    }
}

/// Every pragma of a source: `#pragma HLS X` lines and `TOMATL_HLS(X)`
/// uses (not the macro's definition), with their line numbers.
pub fn pragmas(text: &str) -> Vec<(usize, String)> {
    let mut v = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(p) = l.strip_prefix("#pragma HLS ") {
            v.push((i + 1, p.trim().to_string()));
        } else if l.starts_with("#pragma") && l.contains("HLS") {
            v.push((i + 1, l.to_string()));
        } else if !l.starts_with("#define") && !l.starts_with("//") {
            let mut rest = l;
            while let Some(k) = rest.find("TOMATL_HLS(") {
                let after = &rest[k + "TOMATL_HLS(".len()..];
                let end = after.rfind(')').unwrap_or(after.len());
                v.push((i + 1, after[..end].trim().to_string()));
                rest = &after[end..];
            }
        }
    }
    v
}

/// The pragmas of `text` that are not in an allowed form.
pub fn bad_pragmas(name: &str, text: &str) -> Vec<String> {
    pragmas(text)
        .into_iter()
        .filter(|(_, p)| !allowed(p))
        .map(|(l, p)| format!("{name}:{l}: pragma `{p}` is not an allowed form"))
        .collect()
}

/// The streams a kernel reads and writes, by argument position.
fn directions(kernel: &str, args: usize) -> Option<(Vec<usize>, Vec<usize>)> {
    match kernel {
        "axis_in" | "axis_out" | "dwc" | "swu" | "mvau" | "vvau" | "pool" | "gap" => {
            Some((vec![0], vec![1]))
        }
        "add" => Some((vec![0, 1], vec![2])),
        "fork" => Some((vec![0], (1..args).collect())),
        _ => None,
    }
}

/// The problems of a generated top: its pragmas, its DATAFLOW region
/// (only stream declarations, their STREAM pragmas and kernel calls), its
/// ports, and the streams' producers and consumers (exactly one each).
pub fn lint_top(top: &str, text: &str) -> Vec<String> {
    let mut bad = bad_pragmas(&format!("{top}.cpp"), text);
    let head = format!("void {top}(");
    let Some(start) = text.find(&head) else {
        return vec![format!("no function `{top}`")];
    };
    let body = &text[start..];
    let Some(open) = body.find('{') else {
        return vec!["the top has no body".into()];
    };
    let Some(close) = body.rfind('}') else {
        return vec!["the top has no end".into()];
    };
    let lines: Vec<&str> = body[open + 1..close]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    let df = lines.iter().position(|l| *l == "#pragma HLS DATAFLOW");
    let Some(df) = df else {
        bad.push("the top has no DATAFLOW region".into());
        return bad;
    };
    let mut ifaces: Vec<String> = lines[..df].iter().map(|l| normalise(l)).collect();
    ifaces.sort();
    let want = [
        "#pragma HLS INTERFACE ap_ctrl_none port=return",
        "#pragma HLS INTERFACE axis port=m_axis",
        "#pragma HLS INTERFACE axis port=s_axis",
    ];
    if ifaces != want {
        bad.push(format!(
            "before DATAFLOW: {ifaces:?}, expected the two axis ports and ap_ctrl_none"
        ));
    }
    let mut depth: BTreeMap<String, usize> = BTreeMap::new();
    let mut declared: Vec<String> = Vec::new();
    let mut reads: BTreeMap<String, usize> = BTreeMap::new();
    let mut writes: BTreeMap<String, usize> = BTreeMap::new();
    for l in &lines[df + 1..] {
        if let Some(p) = l.strip_prefix("#pragma HLS STREAM ") {
            let n = normalise(p);
            let var = n
                .split(' ')
                .find_map(|t| t.strip_prefix("variable="))
                .unwrap_or("");
            *depth.entry(var.to_string()).or_default() += 1;
            if !declared.iter().any(|d| d == var) {
                bad.push(format!(
                    "STREAM pragma for `{var}` before or without its declaration"
                ));
            }
        } else if l.starts_with("hls::stream<") && l.ends_with(");") {
            // hls::stream<ap_uint<N> > NAME("NAME");
            let decl = l.rsplit("> ").next().unwrap_or("");
            let name = decl.split('(').next().unwrap_or("").to_string();
            if !ident(&name) || decl != format!("{name}(\"{name}\");") {
                bad.push(format!(
                    "stream declaration `{l}` is not `hls::stream<T> NAME(\"NAME\");`"
                ));
            }
            if declared.contains(&name) {
                bad.push(format!("stream `{name}` declared twice"));
            }
            declared.push(name);
        } else if let Some(call) = l.strip_prefix("tomatl::") {
            let kernel: String = call
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let (Some(a), Some(b)) = (call.rfind('('), call.rfind(')')) else {
                bad.push(format!("not a call: `{l}`"));
                continue;
            };
            if !call.ends_with(");") {
                bad.push(format!("not one call: `{l}`"));
            }
            let args: Vec<String> = call[a + 1..b]
                .split(',')
                .map(|s| s.trim().to_string())
                .collect();
            let Some((ins, outs)) = directions(&kernel, args.len()) else {
                bad.push(format!("unknown kernel `{kernel}`"));
                continue;
            };
            for (i, arg) in args.iter().enumerate() {
                let is_port = arg == "s_axis" || arg == "m_axis";
                let is_stream = is_port || declared.contains(arg);
                if ins.contains(&i) || outs.contains(&i) {
                    if !is_stream {
                        bad.push(format!("`{kernel}` argument {i} `{arg}` is not a stream"));
                    }
                    let m = if ins.contains(&i) {
                        &mut reads
                    } else {
                        &mut writes
                    };
                    *m.entry(arg.clone()).or_default() += 1;
                } else if is_stream {
                    bad.push(format!(
                        "`{kernel}` argument {i} `{arg}` is a stream where a ROM goes"
                    ));
                }
            }
        } else {
            bad.push(format!(
                "DATAFLOW region holds `{l}`: only streams and kernel calls belong there"
            ));
        }
    }
    for s in &declared {
        let (r, w) = (
            reads.get(s).copied().unwrap_or(0),
            writes.get(s).copied().unwrap_or(0),
        );
        if r != 1 || w != 1 {
            bad.push(format!(
                "stream `{s}` has {w} producer(s) and {r} consumer(s)"
            ));
        }
        if depth.get(s).copied().unwrap_or(0) != 1 {
            bad.push(format!("stream `{s}` has no single STREAM depth pragma"));
        }
    }
    for (port, m, what) in [("s_axis", &reads, "read"), ("m_axis", &writes, "written")] {
        if m.get(port).copied().unwrap_or(0) != 1 {
            bad.push(format!("port `{port}` is not {what} exactly once"));
        }
    }
    if reads.contains_key("m_axis") || writes.contains_key("s_axis") {
        bad.push("a port is used in the wrong direction".into());
    }
    bad
}

/// [`lint_top`] of a design folder, and of the library it carries.
pub fn lint_design(out: &Path) -> Vec<String> {
    let (top, text) = top_source(out);
    let mut bad = lint_top(&top, &text);
    for (name, src) in tomatl::embedded::HLS_LIBRARY {
        bad.extend(bad_pragmas(name, src));
    }
    bad
}

// ------------------------------------------------ the C-simulation benches

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The folder with ap_int.h: `TOMATL_AP_TYPES` or `target/ap_types`,
/// fetched once when missing.
pub fn ap_types() -> &'static PathBuf {
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
        assert!(
            dir.join("ap_int.h").is_file(),
            "no ap_int.h in {}",
            dir.display()
        );
        dir
    })
}

/// The headers every bench depends on: those of `hls/` and `hls/sim/`, and
/// `testbenches/hls/hls_bench.h`.
pub fn bench_headers() -> Vec<PathBuf> {
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
    v
}

/// The source of a bench.
pub enum BenchSource<'a> {
    /// A file (a bench of `testbenches/hls/`).
    File(PathBuf),
    /// Text, written into the bench's cache folder as the named file.
    Text(&'a str, &'a str),
}

/// Compiles a bench with g++ `flags` against `hls/`, `hls/sim/`,
/// `testbenches/hls/` and the ap_types, with `cases` as the
/// `tomatl_cases.h` it includes; cached under
/// `target/hls-units/<name>-<key>`, the key a hash of the headers, ap_int.h,
/// the source, `cases` and `flags`. `check` sees g++'s output (and panics on
/// what the bench does not accept) before the executable takes its place;
/// returns the executable.
pub fn build_bench(
    name: &str,
    source: BenchSource,
    cases: &str,
    flags: &[&str],
    check: impl FnOnce(&std::process::Output),
) -> PathBuf {
    let ap = ap_types();
    let mut deps = bench_headers();
    let mut texts = Vec::new();
    match &source {
        BenchSource::File(p) => deps.push(p.clone()),
        BenchSource::Text(_, text) => texts.push(*text),
    }
    let flat = flags.join(" ");
    texts.extend([cases, &flat]);
    let mut h = Sha256::new();
    for p in &deps {
        h.update(p.to_string_lossy().as_bytes());
        h.update(std::fs::read(p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display())));
    }
    h.update(std::fs::read(ap.join("ap_int.h")).unwrap_or_default());
    for part in texts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let key: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = repo_root()
        .join("target")
        .join("hls-units")
        .join(format!("{name}-{key}"));
    let exe = dir.join("tb");
    if exe.is_file() {
        return exe;
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    std::fs::write(dir.join("tomatl_cases.h"), cases).expect("writing tomatl_cases.h");
    let src = match source {
        BenchSource::File(p) => p,
        BenchSource::Text(file, text) => {
            let p = dir.join(file);
            std::fs::write(&p, text).expect("writing the bench");
            p
        }
    };
    let tmp = dir.join(format!("tb.{}.tmp", std::process::id()));
    let root = repo_root();
    let out = Command::new("g++")
        .args(flags)
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
        .arg(&src)
        .arg("-o")
        .arg(&tmp)
        .output()
        .unwrap_or_else(|e| panic!("running g++: {e}"));
    check(&out);
    std::fs::rename(&tmp, &exe).expect("placing the bench");
    exe
}

/// Runs a bench on `input` (its stdin); its stdout, checked to exit 0.
pub fn run_text(exe: &Path, input: &str) -> String {
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
    writer
        .join()
        .expect("writer")
        .expect("writing the bench input");
    assert!(
        out.status.success(),
        "{} failed: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Output of a bench: per case, its blocks of output words and the words
/// left unread.
#[derive(Default)]
pub struct Output {
    pub blocks: BTreeMap<usize, Vec<Vec<String>>>,
    pub left: BTreeMap<usize, usize>,
}

impl Output {
    /// The output blocks of case `id`; panics when it printed none.
    pub fn blocks_of(&self, tag: &str, id: usize) -> &[Vec<String>] {
        self.blocks
            .get(&id)
            .unwrap_or_else(|| panic!("{tag}: no output"))
    }

    /// Panics when case `id` left input words unread.
    pub fn assert_read(&self, tag: &str, id: usize) {
        assert_eq!(
            self.left.get(&id).copied().unwrap_or(0),
            0,
            "{tag}: input words left unread"
        );
    }
}

/// Parses a bench's stdout: `out <id> <n> <word>...` and `left <id> <n>`.
pub fn parse(text: &str) -> Output {
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

/// A config member of a case: `static const bool` for the flags,
/// `long long` for RELU6_MAX and AVG_DIV, `int` else.
pub fn member(name: &str, v: i64) -> String {
    if name.ends_with("SIGNED") || name == "DEPTHWISE" || name == "NARROW" {
        format!("static const bool {name} = {};", v != 0)
    } else if name == "RELU6_MAX" || name == "AVG_DIV" {
        format!("static const long long {name} = {v}LL;")
    } else {
        format!("static const int {name} = {v};")
    }
}

/// The config members of `ps`, in order.
pub fn members(ps: &[(&str, i64)]) -> String {
    ps.iter()
        .map(|(n, v)| member(n, *v))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cases of a bench: the config structs `case_<id>` (and what else its
/// tomatl_cases.h declares), its list of cases, its stdin, and the widest
/// word of the stdin (in bits, to whole hexadecimal digits).
#[derive(Default)]
pub struct Cases {
    pub header: String,
    pub list: Vec<String>,
    pub input: String,
    pub widest: usize,
}

impl Cases {
    /// A case with the config members `body` (and the kind tag, when
    /// given); returns its id.
    pub fn add(&mut self, kind: Option<&str>, body: &str) -> usize {
        let id = self.list.len();
        let tag = kind
            .map(|k| format!("typedef {k} kind; "))
            .unwrap_or_default();
        writeln!(self.header, "struct case_{id} {{ {tag}{body} }};").unwrap();
        self.list.push(format!("X({id}, case_{id})"));
        write!(self.input, "case {id}").unwrap();
        id
    }
    /// Input words, in hexadecimal.
    pub fn words<W: std::fmt::LowerHex>(&mut self, ws: impl IntoIterator<Item = W>) {
        for w in ws {
            let hex = format!("{w:x}");
            self.widest = self.widest.max(4 * hex.len());
            write!(self.input, " {hex}").unwrap();
        }
    }
    /// An input number.
    pub fn num(&mut self, n: impl std::fmt::Display) {
        write!(self.input, " {n}").unwrap();
    }
    /// Ends the current case's input.
    pub fn end(&mut self) {
        self.input.push('\n');
    }
    /// The text of tomatl_cases.h: the declarations and `TOMATL_CASES`.
    pub fn header(&self) -> String {
        format!(
            "{}#define TOMATL_CASES {}\n",
            self.header,
            self.list.join(" ")
        )
    }
}
