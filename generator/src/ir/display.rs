//! The per-layer table printed by `tomatl check`, and the cell formats it
//! shares with report.md.

use std::fmt::Write as _;

use super::Graph;

/// A shape as `HxWxC`.
pub fn shape(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

/// A weight type as `fixed 6b`, `-` for layers without weights.
pub fn weights(arith: Option<&str>, bits: Option<u32>) -> String {
    match (arith, bits) {
        (Some(a), Some(b)) => format!("{a} {b}b"),
        _ => "-".into(),
    }
}

/// A count with an SI prefix: `568.7 M`.
pub fn si(n: u64) -> String {
    let f = n as f64;
    if f >= 1e9 {
        format!("{:.1} G", f / 1e9)
    } else if f >= 1e6 {
        format!("{:.1} M", f / 1e6)
    } else if f >= 1e3 {
        format!("{:.1} k", f / 1e3)
    } else {
        n.to_string()
    }
}

/// An optional number, `-` when absent.
pub fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

pub fn check_table(graph: &Graph) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "network {}: input {} {}",
        graph.name,
        shape(&graph.input_shape),
        graph.input_type.short()
    );
    let _ = writeln!(
        r,
        "{:<16} {:<8} {:>10} {:>10} {:>12} {:>9} {:>5} {:>12} {:>8}",
        "layer", "op", "in", "out", "MACs", "weights", "acc", "param bits", "out"
    );
    for l in &graph.layers {
        let s = l.summary();
        let w = weights(s.arith, s.weight_bits);
        let _ = writeln!(
            r,
            "{:<16} {:<8} {:>10} {:>10} {:>12} {:>9} {:>5} {:>12} {:>8}",
            s.name,
            s.op,
            shape(&s.in_shape),
            shape(&s.out_shape),
            s.macs,
            w,
            opt(s.acc_bits),
            s.param_bits,
            s.out_type
        );
    }
    let bits: u64 = graph.layers.iter().map(|l| l.param_bits()).sum();
    let count: u64 = graph.layers.iter().map(|l| l.param_count()).sum();
    let _ = writeln!(
        r,
        "total: {} MACs/frame ({}), {} parameters ({}), {} parameter bits, output {} {}",
        graph.total_macs(),
        si(graph.total_macs()),
        count,
        si(count),
        bits,
        shape(graph.output_shape()),
        graph.output_type().short()
    );
    r
}
