//! The description writer (`frontend::write`) against the reader
//! (`frontend::spec::parse`): parse → write → parse gives the same spec,
//! for every example, for random descriptions and for random spec values,
//! and the text is deterministic. Written descriptions load to the same
//! network as the text they were read from.

mod common;
#[path = "common/netgen.rs"]
mod netgen;

use std::path::Path;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use tomatl::frontend::spec::{
    self, Dims, InputSpec, LayerPolicySpec, LayerSpec, NamedMap, Names, NetSpec, ParamsSpec,
    PolicySpec, RandomSpec, Spanned, TypeSpec, WeightSpec,
};
use tomatl::frontend::write::{write, write_commented, Comments};
use tomatl::output::YAML_MARK;

fn parse(text: &str) -> NetSpec {
    match spec::parse(text, Path::new("net.yaml")) {
        Ok(s) => s.value,
        Err(e) => panic!("the text does not parse: {:?}\n{text}", e.0),
    }
}

/// Write `s`, read it back; the spec, and the text written again, are the
/// same. Returns the text.
fn round_trip(s: &NetSpec) -> String {
    let text = write(s);
    assert_eq!(text.lines().next(), Some(YAML_MARK), "{text}");
    let back = parse(&text);
    assert_eq!(&back, s, "written as\n{text}");
    assert_eq!(write(&back), text, "the text is not deterministic");
    text
}

/// What a load gives, for comparison: the graph, or the error's wording
/// (locations differ between two texts).
fn loaded(text: &str, path: &Path) -> Result<tomatl::ir::Graph, String> {
    tomatl::frontend::load_str(text, path).map_err(|e| match e {
        tomatl::Error::Input(e) => format!("{:?}: {} / {:?}", e.layer, e.what, e.expected),
        e => e.to_string(),
    })
}

#[test]
fn every_example_round_trips_and_loads_the_same() {
    let dir = common::repo_root().join("examples");
    let mut seen = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let original = std::fs::read_to_string(&path).expect("read");
        let text = round_trip(&parse(&original));
        assert_eq!(parse(&original), parse(&text), "{}", path.display());
        let (a, b) = (loaded(&original, &path), loaded(&text, &path));
        assert!(a.is_ok(), "{}: {:?}", path.display(), a.err());
        assert!(a == b, "{} loads differently once written", path.display());
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} examples");
}

#[test]
fn random_descriptions_round_trip_and_load_the_same() {
    let cases = std::env::var("TOMATL_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300u64);
    let mut accepted = 0;
    for case in 0..cases {
        let mode = if case % 2 == 0 {
            netgen::Mode::Build
        } else {
            netgen::Mode::Extreme
        };
        let original = netgen::network(0x3e17_0000 + case, mode);
        let text = round_trip(&parse(&original));
        let path = Path::new("net.yaml");
        let (a, b) = (loaded(&original, path), loaded(&text, path));
        accepted += usize::from(a.is_ok());
        assert!(
            a == b,
            "case {case} loads differently once written: {:?} against {:?}\n{original}\n{text}",
            a.as_ref().err(),
            b.as_ref().err()
        );
    }
    assert!(accepted > 0, "no random description loads");
}

#[test]
fn strings_that_yaml_would_read_otherwise_are_quoted() {
    let names = [
        "true",
        "False",
        "null",
        "~",
        "",
        " a",
        "a ",
        "1",
        "-1",
        "0x1F",
        "1e3",
        ".inf",
        "NaN",
        "yes",
        "a:b",
        "a: b",
        "#x",
        "a #b",
        "[a]",
        "{b}",
        "a,b",
        "&a",
        "*a",
        "!t",
        "|",
        ">",
        "'q'",
        "\"q\"",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "cr\rx",
        "nul\0x",
        "é",
        "\u{85}",
        "\u{2028}",
        "\u{FEFF}x",
        "\u{1F600}",
        "\u{7F}",
        "\u{FFFE}",
        "<<",
        "-",
        "- a",
        "?",
        "? a",
        "%x",
        "@x",
        "`x",
    ];
    for n in names {
        let mut l = LayerSpec::new(n, n).with_act(n);
        l = l.with_kernel(Dims::Word(n.to_string()));
        l = l.with_from(Names::One(n.to_string()));
        let s = NetSpec {
            name: spec::some(n.to_string()),
            params: spec::some(ParamsSpec::file(n)),
            policy: spec::some(PolicySpec::per_layer(vec![(
                n.to_string(),
                LayerPolicySpec::new(
                    Some(WeightSpec {
                        arith: spec::some(n.to_string()),
                        scale: spec::some(n.to_string()),
                        ..WeightSpec::default()
                    }),
                    None,
                ),
            )])),
            layers: spec::some(vec![Spanned::new(l)]),
            ..NetSpec::default()
        };
        round_trip(&s);
    }
}

#[test]
fn plain_strings_stay_plain() {
    let s = NetSpec {
        name: spec::some("jet_tagger".to_string()),
        params: spec::some(ParamsSpec::file("w/net-1.npz")),
        ..NetSpec::default()
    };
    let text = round_trip(&s);
    assert!(text.contains("\nname: jet_tagger\n"), "{text}");
    assert!(text.contains("\nparams: {file: w/net-1.npz}\n"), "{text}");
    let s = NetSpec {
        params: spec::some(ParamsSpec::file("../w.npz")),
        ..NetSpec::default()
    };
    assert!(round_trip(&s).contains("params: {file: \"../w.npz\"}"));
}

#[test]
fn comments_stay_comments() {
    let s = parse(common::TINY_NET);
    let comments = Comments {
        header: vec!["two\nlines: [".into(), "x\u{2028}y #".into()],
        layers: vec![None, Some("the last\r\n- {name: c}".into())],
    };
    let text = write_commented(&s, &comments);
    assert_eq!(parse(&text), s, "{text}");
    assert!(
        text.starts_with(&format!("{YAML_MARK}\n# two lines: [\n")),
        "{text}"
    );
    assert!(
        text.contains("out: 2}  # the last  - {name: c}\n"),
        "{text}"
    );
}

#[test]
fn the_empty_spec_round_trips() {
    round_trip(&NetSpec::default());
    round_trip(&NetSpec {
        input: spec::some(InputSpec::default()),
        params: spec::some(ParamsSpec::default()),
        policy: spec::some(PolicySpec {
            default: spec::some(LayerPolicySpec::default()),
            layers: spec::some(NamedMap(Vec::new())),
        }),
        layers: spec::some(Vec::new()),
        ..NetSpec::default()
    });
}

// random spec values: every field, any string, any number

/// Strings: identifiers, YAML look-alikes and anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,6}",
        "[a-z0-9 :#,.\\-\\[\\]{}\"'\\\\]{0,6}",
        ".{0,6}",
        any::<String>(),
    ]
}

fn opt<T: Clone + std::fmt::Debug>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Spanned<T>>> {
    proptest::option::of(s.prop_map(Spanned::new))
}

fn type_spec() -> impl Strategy<Value = TypeSpec> {
    (
        opt(any::<i64>()),
        opt(any::<bool>()),
        opt(any::<i64>()),
        opt(proptest::sample::select(vec![
            "half_even",
            "floor",
            "any word",
        ])),
        opt(any::<bool>()),
    )
        .prop_map(|(bits, signed, frac, round, narrow)| TypeSpec {
            bits,
            signed,
            frac,
            round: round.map(|r| Spanned::new(r.value.to_string())),
            narrow,
        })
}

fn weight_spec() -> impl Strategy<Value = WeightSpec> {
    (
        opt(text()),
        opt(any::<i64>()),
        opt(any::<i64>()),
        opt(text()),
    )
        .prop_map(|(arith, bits, frac, scale)| WeightSpec {
            arith,
            bits,
            frac,
            scale,
        })
}

fn layer_policy() -> impl Strategy<Value = LayerPolicySpec> {
    (opt(weight_spec()), opt(type_spec()))
        .prop_map(|(weights, acts)| LayerPolicySpec { weights, acts })
}

fn dims() -> impl Strategy<Value = Dims> {
    prop_oneof![
        any::<i64>().prop_map(Dims::One),
        vec(any::<i64>().prop_map(Spanned::new), 0..5).prop_map(Dims::List),
        text().prop_map(Dims::Word),
    ]
}

fn names() -> impl Strategy<Value = Names> {
    prop_oneof![
        text().prop_map(Names::One),
        vec(text().prop_map(Spanned::new), 0..4).prop_map(Names::List),
    ]
}

/// One key of a layer and its value.
#[derive(Clone, Debug)]
enum Entry {
    Name(String),
    Op(String),
    From(Names),
    Out(i64),
    Act(String),
    Kernel(Dims),
    Stride(Dims),
    Pad(Dims),
    Other(String),
}

const KNOWN: [&str; 8] = [
    "name", "op", "from", "out", "act", "kernel", "stride", "pad",
];

fn layer() -> impl Strategy<Value = LayerSpec> {
    let entry = prop_oneof![
        text().prop_map(Entry::Name),
        text().prop_map(Entry::Op),
        names().prop_map(Entry::From),
        any::<i64>().prop_map(Entry::Out),
        text().prop_map(Entry::Act),
        dims().prop_map(Entry::Kernel),
        dims().prop_map(Entry::Stride),
        dims().prop_map(Entry::Pad),
        text().prop_map(Entry::Other),
    ];
    vec(entry, 0..7).prop_map(|entries| {
        let mut l = LayerSpec::default();
        for e in entries {
            let key = match &e {
                Entry::Name(_) => "name".to_string(),
                Entry::Op(_) => "op".into(),
                Entry::From(_) => "from".into(),
                Entry::Out(_) => "out".into(),
                Entry::Act(_) => "act".into(),
                Entry::Kernel(_) => "kernel".into(),
                Entry::Stride(_) => "stride".into(),
                Entry::Pad(_) => "pad".into(),
                Entry::Other(k) => k.clone(),
            };
            let other_known = matches!(e, Entry::Other(_)) && KNOWN.contains(&key.as_str());
            if other_known || l.keys.iter().any(|k| k.value == key) {
                continue;
            }
            l.keys.push(Spanned::new(key));
            match e {
                Entry::Name(v) => l.name = spec::some(v),
                Entry::Op(v) => l.op = spec::some(v),
                Entry::From(v) => l.from = spec::some(v),
                Entry::Out(v) => l.out = spec::some(v),
                Entry::Act(v) => l.act = spec::some(v),
                Entry::Kernel(v) => l.kernel = spec::some(v),
                Entry::Stride(v) => l.stride = spec::some(v),
                Entry::Pad(v) => l.pad = spec::some(v),
                Entry::Other(_) => {}
            }
        }
        l
    })
}

fn net_spec() -> impl Strategy<Value = NetSpec> {
    let input = (
        opt(vec(any::<i64>().prop_map(Spanned::new), 0..4)),
        opt(type_spec()),
    )
        .prop_map(|(shape, ty)| InputSpec { shape, ty });
    let params = (
        opt(any::<u64>().prop_map(|s| RandomSpec {
            seed: Spanned::new(s),
        })),
        opt(text()),
    )
        .prop_map(|(random, file)| ParamsSpec { random, file });
    let policy = (
        opt(layer_policy()),
        opt(btree_map(text(), layer_policy(), 0..4)
            .prop_map(|m| NamedMap(m.into_iter().map(|(k, v)| (Spanned::new(k), v)).collect()))),
    )
        .prop_map(|(default, layers)| PolicySpec { default, layers });
    (
        opt(text()),
        opt(input),
        opt(params),
        opt(policy),
        opt(vec(layer().prop_map(Spanned::new), 0..5)),
    )
        .prop_map(|(name, input, params, policy, layers)| NetSpec {
            name,
            input,
            params,
            policy,
            layers,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_specs_round_trip(s in net_spec()) {
        round_trip(&s);
    }
}
