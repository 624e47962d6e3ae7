//! report.md: what the design costs and how fast it runs, per layer.

use std::fmt::Write as _;

use crate::hw::Design as DesignInfo;
use crate::ir::display::{opt, shape, si, weights};

/// Clock at which the report quotes frames per second when the design
/// was not planned for a board (a board's plan quotes its own clock).
pub const REPORT_CLOCK_MHZ: f64 = 200.0;

pub fn markdown(info: &DesignInfo) -> String {
    let mut r = String::new();
    let macs = info.macs_per_frame;
    let mults = info.multipliers;
    let interval = info.interval_cycles;
    let eff = macs as f64 / (mults as f64 * interval as f64);
    let clock = info
        .board
        .as_ref()
        .map_or(REPORT_CLOCK_MHZ, |b| b.clock_mhz);
    let fps = clock * 1e6 / interval as f64;
    let _ = writeln!(r, "# {}: design report\n", info.name);
    let _ = writeln!(
        r,
        "Top module `{}`, network hash `{:08x}`, tomatl {}.\n",
        info.top, info.net_hash, info.tomatl_version
    );
    let _ = writeln!(r, "| | |\n|---|---|");
    let _ = writeln!(
        r,
        "| input | {} {} ({} beat(s) of {} elements, TDATA {} bits) |",
        shape(&info.input.shape),
        info.input.ty.short(),
        info.input.beats_per_frame,
        info.input.elems_per_beat,
        info.input.tdata_bits
    );
    let _ = writeln!(
        r,
        "| output | {} {} ({} beat(s) of {} elements, TDATA {} bits) |",
        shape(&info.output.shape),
        info.output.ty.short(),
        info.output.beats_per_frame,
        info.output.elems_per_beat,
        info.output.tdata_bits
    );
    let _ = writeln!(r, "| MACs per frame | {macs} ({}) |", si(macs));
    let params: u64 = info.layers.iter().map(|l| l.params).sum();
    let _ = writeln!(r, "| parameters | {params} ({}) |", si(params));
    let _ = writeln!(r, "| multipliers (PE x SIMD, all engines) | {mults} |");
    let _ = writeln!(r, "| planned interval | {} cycles per frame |", interval);
    if let Some(t) = info.target_cycles {
        let _ = writeln!(r, "| fold target | {t} cycles |");
    }
    match &info.board {
        Some(b) => {
            let _ = writeln!(
                r,
                "| board | {} ({}) at {} MHz |",
                b.board,
                b.part,
                crate::output::mhz(b.clock_mhz)
            );
            let _ = writeln!(
                r,
                "| frames/s at {} MHz (the board's clock) | {fps:.0} |",
                crate::output::mhz(clock)
            );
        }
        None => {
            let _ = writeln!(
                r,
                "| frames/s at {} MHz (no board planned) | {fps:.0} |",
                crate::output::mhz(clock)
            );
        }
    }
    let _ = writeln!(r, "| planned efficiency | {eff:.3} |");
    let _ = writeln!(
        r,
        "| weight + bias ROM | {} bits |",
        info.layers.iter().map(|l| l.weight_rom_bits).sum::<u64>()
    );
    let _ = writeln!(r, "\nEfficiency is MACs / (multipliers x interval): 1.0 keeps every multiplier busy every cycle. `tomatl verify` measures the interval in simulation.\n");
    let _ = writeln!(r, "## Layers\n");
    let _ = writeln!(r, "The requantizer turns each accumulator into its output code: a shift and thresholds are exact (docs/numerics.md §4, §4.2); per-channel multipliers are within the bound given of the exact scale (§4.1).\n");
    let _ = writeln!(r, "| layer | op | in | out | MACs | weights | acc bits | out type | requantizer | PE x SIMD | cycles | share of bottleneck |");
    let _ = writeln!(r, "|---|---|---|---|---:|---|---:|---|---|---|---:|---:|");
    for l in &info.layers {
        let w = weights(l.arith.as_deref(), l.bits);
        let fold = match (l.pe, l.simd) {
            (Some(pe), Some(simd)) => format!("{pe} x {simd}"),
            _ => "-".into(),
        };
        let cycles = opt(l.planned_cycles);
        let share = l
            .planned_cycles
            .map(|c| format!("{:.0}%", 100.0 * c as f64 / interval as f64))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            l.name,
            l.op,
            shape(&l.in_shape),
            shape(&l.out_shape),
            l.macs,
            w,
            opt(l.acc_bits),
            l.out_type.short() + &l.out_type.rounding_note(),
            l.requant.as_deref().unwrap_or("-"),
            fold,
            cycles,
            share
        );
    }
    r
}
