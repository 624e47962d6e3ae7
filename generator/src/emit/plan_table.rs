//! The table `tomatl plan` prints: per engine fold, cycles and predicted
//! resources, then the totals against the board.

use std::fmt::Write as _;

use crate::hw::Design;
use crate::ir::display::{shape, si};
use crate::ir::Graph;
use crate::plan::HwPlan;

pub fn plan_table(graph: &Graph, plan: &HwPlan, design: &Design) -> String {
    let mut r = String::new();
    let family = plan.board.as_ref().map(|b| b.family);
    let _ = writeln!(
        r,
        "{:<14} {:<9} {:>12} {:>10} {:>9} {:>6} {:>7} {:>8} {:>9}",
        "layer", "op", "out", "PE x SIMD", "cycles", "share", "DSP", "LUT", "BRAM kb"
    );
    for e in &plan.engines {
        let l = &graph.layers[e.layer];
        let (dsp, lut, bram) = match family.map(|f| crate::plan::layer_cost(design, e.layer, f)) {
            Some(c) => (
                format!("{:.0}", c.dsp),
                format!("{:.0}", c.lut),
                format!("{:.0}", c.bram_bits / 1024.0),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            r,
            "{:<14} {:<9} {:>12} {:>10} {:>9} {:>5.0}% {:>7} {:>8} {:>9}",
            e.name,
            l.op.kind(),
            shape(&l.out_shape),
            format!(
                "{} x {}{}",
                e.pe,
                e.simd,
                if e.dsp_pack { " p" } else { "" }
            ),
            e.cycles,
            100.0 * e.cycles as f64 / plan.interval as f64,
            dsp,
            lut,
            bram
        );
    }
    if plan.engines.iter().any(|e| e.dsp_pack) {
        let _ = writeln!(
            r,
            "p: two products per DSP (pairs of PEs share each lane's multiplier)"
        );
    }
    let macs = graph.total_macs();
    let _ = writeln!(
        r,
        "interval {} cycles/frame, {} MACs/frame, {} multipliers, efficiency {:.3}",
        plan.interval,
        si(macs),
        plan.multipliers(),
        macs as f64 / (plan.multipliers().max(1) as f64 * plan.interval as f64)
    );
    if let Some(b) = &plan.board {
        let p = &b.predicted;
        let c = &b.capacity;
        let _ = writeln!(
            r,
            "board {} ({}) at {} MHz: {:.0} frames/s, latency >= {:.3} ms",
            b.board,
            b.part,
            b.clock_mhz,
            b.fps,
            plan.interval as f64 / (b.clock_mhz * 1e3)
        );
        let pct = |a: f64, cap: u64| 100.0 * a / cap.max(1) as f64;
        let _ = writeln!(
            r,
            "predicted: DSP {:.0}/{} ({:.0}%), LUT {:.0}/{} ({:.0}%), FF {:.0}/{} ({:.0}%), on-chip memory {:.0}/{} kbit ({:.0}%)",
            p.dsp,
            c.dsp,
            pct(p.dsp, c.dsp),
            p.lut,
            c.lut,
            pct(p.lut, c.lut),
            p.ff,
            c.ff,
            pct(p.ff, c.ff),
            p.bram_bits / 1024.0,
            c.bram_kbit + c.uram_kbit,
            pct(p.bram_bits / 1024.0, c.bram_kbit + c.uram_kbit)
        );
    }
    r
}
