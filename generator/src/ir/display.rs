//! The per-layer table printed by `tomatl check`.

use std::fmt::Write as _;

use super::Graph;

fn shape(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
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
        let w = match (s.arith, s.weight_bits) {
            (Some(a), Some(b)) => format!("{a} {b}b"),
            _ => "-".into(),
        };
        let _ = writeln!(
            r,
            "{:<16} {:<8} {:>10} {:>10} {:>12} {:>9} {:>5} {:>12} {:>8}",
            s.name,
            s.op,
            shape(&s.in_shape),
            shape(&s.out_shape),
            s.macs,
            w,
            s.acc_bits
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into()),
            s.param_bits,
            s.out_type
        );
    }
    let params: u64 = graph.layers.iter().map(|l| l.param_bits()).sum();
    let _ = writeln!(
        r,
        "total: {} MACs/frame, {} parameter bits, output {} {}",
        graph.total_macs(),
        params,
        shape(graph.output_shape()),
        graph.output_type().short()
    );
    r
}
