//! The one writer of network descriptions: a spec value ([`NetSpec`]) as
//! YAML text, which [`super::spec::parse`] reads back to an equal spec.
//! `tomatl import`, `quantize` and `search` build a spec and write it here.
//!
//! The text starts with [`YAML_MARK`] (the mark of a file tomatl wrote),
//! then the comment lines asked for, then `name`, `input`, `params`,
//! `policy` and `layers` in that order, each written when the spec has it.
//! Types, weights and layers are flow mappings on one line; a layer's keys
//! keep the order of [`LayerSpec::keys`]. A string is written plain when it
//! is an identifier or a simple path (`fc1`, `net.npz`, `w/net.npz`) and
//! no YAML word (`true`, `null`, ...), otherwise double-quoted with
//! escapes. The text depends on the spec alone.

use std::fmt::Write;

use super::spec::{
    Dims, InputSpec, LayerPolicySpec, LayerSpec, NamedMap, Names, NetSpec, ParamsSpec, PolicySpec,
    Spanned, TypeSpec, WeightSpec,
};
use crate::output::YAML_MARK;

/// Comments written with a description: lines at its top, and one after
/// a layer (by index in `layers`).
#[derive(Clone, Debug, Default)]
pub struct Comments {
    pub header: Vec<String>,
    pub layers: Vec<Option<String>>,
}

/// The description `spec` as YAML text.
pub fn write(spec: &NetSpec) -> String {
    write_commented(spec, &Comments::default())
}

/// [`write`] with comments.
pub fn write_commented(spec: &NetSpec, comments: &Comments) -> String {
    let mut s = String::new();
    s.push_str(YAML_MARK);
    s.push('\n');
    for h in &comments.header {
        let _ = writeln!(s, "# {}", comment_text(h));
    }
    let NetSpec {
        name,
        input,
        params,
        policy,
        layers,
    } = spec;
    if name.is_none() && input.is_none() && params.is_none() && policy.is_none() && layers.is_none()
    {
        s.push_str("{}\n");
        return s;
    }
    if let Some(n) = name {
        let _ = writeln!(s, "name: {}", scalar(&n.value));
    }
    if let Some(i) = input {
        write_input(&mut s, &i.value);
    }
    if let Some(p) = params {
        let _ = writeln!(s, "params: {}", params_flow(&p.value));
    }
    if let Some(p) = policy {
        write_policy(&mut s, &p.value);
    }
    if let Some(l) = layers {
        write_layers(&mut s, &l.value, &comments.layers);
    }
    s
}

fn write_input(s: &mut String, i: &InputSpec) {
    if i.shape.is_none() && i.ty.is_none() {
        s.push_str("input: {}\n");
        return;
    }
    s.push_str("input:\n");
    if let Some(shape) = &i.shape {
        let dims: Vec<String> = shape.value.iter().map(|d| d.value.to_string()).collect();
        let _ = writeln!(s, "  shape: [{}]", dims.join(", "));
    }
    if let Some(t) = &i.ty {
        let _ = writeln!(s, "  type: {}", type_flow(&t.value));
    }
}

fn write_policy(s: &mut String, p: &PolicySpec) {
    if p.default.is_none() && p.layers.is_none() {
        s.push_str("policy: {}\n");
        return;
    }
    s.push_str("policy:\n");
    if let Some(d) = &p.default {
        let _ = writeln!(s, "  default: {}", layer_policy_flow(&d.value));
    }
    if let Some(m) = &p.layers {
        let NamedMap(entries) = &m.value;
        if entries.is_empty() {
            s.push_str("  layers: {}\n");
        } else {
            s.push_str("  layers:\n");
            for (k, v) in entries {
                let _ = writeln!(s, "    {}: {}", scalar(&k.value), layer_policy_flow(v));
            }
        }
    }
}

fn write_layers(s: &mut String, layers: &[Spanned<LayerSpec>], notes: &[Option<String>]) {
    if layers.is_empty() {
        s.push_str("layers: []\n");
        return;
    }
    s.push_str("layers:\n");
    for (i, l) in layers.iter().enumerate() {
        let _ = write!(s, "  - {}", layer_flow(&l.value));
        if let Some(Some(note)) = notes.get(i) {
            let _ = write!(s, "  # {}", comment_text(note));
        }
        s.push('\n');
    }
}

/// `{k: v, ...}` of the entries given.
fn flow(entries: &[(&str, String)]) -> String {
    let parts: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// The entries of the fields a value has.
fn fields(list: Vec<(&'static str, Option<String>)>) -> Vec<(&'static str, String)> {
    list.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

fn type_flow(t: &TypeSpec) -> String {
    flow(&fields(vec![
        ("bits", t.bits.as_ref().map(|b| b.value.to_string())),
        ("signed", t.signed.as_ref().map(|b| b.value.to_string())),
        ("frac", t.frac.as_ref().map(|b| b.value.to_string())),
        ("round", t.round.as_ref().map(|a| scalar(&a.value))),
        ("narrow", t.narrow.as_ref().map(|b| b.value.to_string())),
    ]))
}

fn weight_flow(w: &WeightSpec) -> String {
    flow(&fields(vec![
        ("arith", w.arith.as_ref().map(|a| scalar(&a.value))),
        ("bits", w.bits.as_ref().map(|b| b.value.to_string())),
        ("frac", w.frac.as_ref().map(|b| b.value.to_string())),
        ("scale", w.scale.as_ref().map(|a| scalar(&a.value))),
    ]))
}

fn params_flow(p: &ParamsSpec) -> String {
    flow(&fields(vec![
        (
            "random",
            p.random
                .as_ref()
                .map(|r| flow(&[("seed", r.value.seed.value.to_string())])),
        ),
        ("file", p.file.as_ref().map(|f| scalar(&f.value))),
    ]))
}

fn layer_policy_flow(p: &LayerPolicySpec) -> String {
    flow(&fields(vec![
        ("weights", p.weights.as_ref().map(|w| weight_flow(&w.value))),
        ("acts", p.acts.as_ref().map(|a| type_flow(&a.value))),
    ]))
}

fn dims(d: &Dims) -> String {
    match d {
        Dims::One(n) => n.to_string(),
        Dims::List(v) => {
            let parts: Vec<String> = v.iter().map(|n| n.value.to_string()).collect();
            format!("[{}]", parts.join(", "))
        }
        Dims::Word(w) => scalar(w),
    }
}

fn names(n: &Names) -> String {
    match n {
        Names::One(n) => scalar(n),
        Names::List(v) => {
            let parts: Vec<String> = v.iter().map(|n| scalar(&n.value)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// The keys a layer spec holds a value of, in the order they are read.
const LAYER_KEYS: [&str; 9] = [
    "name", "op", "from", "out", "act", "kernel", "stride", "pad", "order",
];

/// The value of key `key` of a layer: `Some(None)` for a key whose value
/// is not kept (a key no op takes), `None` for a known key without value.
fn layer_value(l: &LayerSpec, key: &str) -> Option<Option<String>> {
    let v = match key {
        "name" => l.name.as_ref().map(|v| scalar(&v.value)),
        "op" => l.op.as_ref().map(|v| scalar(&v.value)),
        "from" => l.from.as_ref().map(|v| names(&v.value)),
        "out" => l.out.as_ref().map(|v| v.value.to_string()),
        "act" => l.act.as_ref().map(|v| scalar(&v.value)),
        "kernel" => l.kernel.as_ref().map(|v| dims(&v.value)),
        "stride" => l.stride.as_ref().map(|v| dims(&v.value)),
        "pad" => l.pad.as_ref().map(|v| dims(&v.value)),
        "order" => l.order.as_ref().map(|v| scalar(&v.value)),
        // the spec keeps the key only: an empty value says as much
        _ => return Some(None),
    };
    v.map(Some)
}

/// A layer as a flow mapping: its keys in their order (a key no op takes
/// with an empty value: the spec keeps no value for it), then any value
/// whose key is not listed.
fn layer_flow(l: &LayerSpec) -> String {
    let mut written: Vec<&str> = Vec::new();
    let mut parts = Vec::new();
    let listed = l.keys.iter().map(|k| k.value.as_str());
    for key in listed.chain(LAYER_KEYS) {
        if written.contains(&key) {
            continue;
        }
        match layer_value(l, key) {
            Some(Some(v)) => parts.push(format!("{}: {v}", scalar(key))),
            Some(None) if l.keys.iter().any(|k| k.value == key) => {
                parts.push(format!("{}: null", scalar(key)))
            }
            _ => continue,
        }
        written.push(key);
    }
    format!("{{{}}}", parts.join(", "))
}

/// Words a plain scalar must not be: YAML reads them as null, booleans or
/// numbers.
const YAML_WORDS: [&str; 13] = [
    "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "infinity", "nan", "nil",
];

/// A string as a YAML scalar: plain when that reads back as the same
/// string in every place this writer puts one, double-quoted otherwise.
fn scalar(s: &str) -> String {
    let mut chars = s.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_plain = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    let word = YAML_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s));
    if starts_well && rest_plain && !word {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// Whether YAML lets `c` stand as itself in a double-quoted scalar (its
/// printable set, less the characters some readers take as line breaks
/// or a byte-order mark).
fn printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E | 0xA0..=0x2027 | 0x202A..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD | 0x10000..=0x10FFFF)
}

/// A double-quoted YAML scalar.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xFF => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Comment text on one line: what is not printable becomes a space.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if printable(c) { c } else { ' ' })
        .collect()
}
