//! report.html: the design report as one self-contained page (inline CSS and
//! SVG, nothing fetched): rate and efficiency, the layers with their folds
//! and predicted resources, the pipeline balance, the board's resources, and
//! what `tomatl verify` measured once it has run.
//!
//! A pure function of design.json (`hw::Design`) and (optionally)
//! verify.json and a build's build.json (predicted against synthesised and
//! placed), so `tomatl verify` and `tomatl build` refresh the page without
//! the plan.

use askama::Template;

use super::report::REPORT_CLOCK_MHZ;
use crate::error::{Error, Result};
use crate::hw::Design as DesignInfo;
use crate::implemented::Implementation;
use crate::ir::display::{opt, shape, si, weights};
use crate::verdict::VerifyReport;

/// Width of the label column and of the bar area of the charts, in pixels.
const LABEL_W: f64 = 150.0;
const BAR_W: f64 = 560.0;
const VALUE_W: f64 = 190.0;
const ROW_H: f64 = 22.0;
const BAR_H: f64 = 14.0;
const TOP_PAD: f64 = 24.0;
const AXIS_H: f64 = 22.0;

struct Row {
    name: String,
    op: String,
    in_shape: String,
    out_shape: String,
    macs: String,
    weights: String,
    acc_bits: String,
    out_type: String,
    fold: String,
    cycles: String,
    share: String,
    bottleneck: bool,
    dsp: String,
    lut: String,
    ff: String,
    bram_kbit: String,
}

/// One horizontal bar of a chart, geometry in pixels.
struct Bar {
    label: String,
    value: String,
    y: String,
    text_y: String,
    w: String,
    value_x: String,
    class: &'static str,
}

/// A vertical marker across a chart.
struct Marker {
    x: String,
    /// Baseline of the label.
    y: String,
    label: String,
    class: &'static str,
}

struct Chart {
    width: String,
    height: String,
    title: String,
    bars: Vec<Bar>,
    markers: Vec<Marker>,
    bar_x: String,
    bar_w: String,
    bar_h: String,
    axis_y: String,
    marker_y0: String,
    marker_y1: String,
    label_x: String,
}

struct Fact {
    key: String,
    value: String,
}

struct Measured {
    pass: bool,
    facts: Vec<Compare>,
    first_mismatch: Option<String>,
    problems: Vec<String>,
    conditions: String,
}

/// One resource as predicted, synthesised and placed (`tomatl build`).
struct BuiltRow {
    resource: String,
    cell: String,
    predicted: String,
    synthesised: String,
    placed: String,
    available: String,
    ratio: String,
}

/// What `tomatl build` measured.
struct Built {
    title: String,
    rows: Vec<BuiltRow>,
    clocks: Vec<Compare>,
    timing_met: bool,
}

/// A quantity as planned and as measured.
struct Compare {
    what: String,
    planned: String,
    measured: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    name: String,
    top: String,
    subtitle: String,
    headline: Vec<Fact>,
    facts: Vec<Fact>,
    has_cost: bool,
    rows: Vec<Row>,
    total: Row,
    balance: Chart,
    resources: Option<Chart>,
    board_note: String,
    built: Option<Built>,
    build_hint: String,
    measured: Option<Measured>,
    verify_hint: String,
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

fn chart(title: &str, bars: Vec<(String, String, f64, &'static str)>) -> Chart {
    let n = bars.len() as f64;
    let height = TOP_PAD + n * ROW_H + AXIS_H;
    let bars = bars
        .into_iter()
        .enumerate()
        .map(|(i, (label, value, frac, class))| {
            let y = TOP_PAD + i as f64 * ROW_H + (ROW_H - BAR_H) / 2.0;
            let w = (frac.clamp(0.0, 1.0) * BAR_W).max(if frac > 0.0 { 1.0 } else { 0.0 });
            Bar {
                label,
                value,
                y: px(y),
                text_y: px(y + BAR_H - 3.0),
                w: px(w),
                value_x: px(LABEL_W + BAR_W + 8.0),
                class,
            }
        })
        .collect();
    Chart {
        width: px(LABEL_W + BAR_W + VALUE_W),
        height: px(height),
        title: title.into(),
        bars,
        markers: Vec::new(),
        bar_x: px(LABEL_W),
        bar_w: px(BAR_W),
        bar_h: px(BAR_H),
        axis_y: px(height - AXIS_H + 14.0),
        marker_y0: px(TOP_PAD - 6.0),
        marker_y1: px(height - AXIS_H + 2.0),
        label_x: px(LABEL_W - 8.0),
    }
}

fn pct(a: f64, b: f64) -> String {
    format!("{:.0}%", 100.0 * a / b.max(f64::MIN_POSITIVE))
}

/// The page for a design, with what `tomatl verify` measured if given.
pub fn html(
    info: &DesignInfo,
    verify: Option<&VerifyReport>,
    build: Option<&Implementation>,
) -> Result<String> {
    let interval = info.interval_cycles.max(1);
    let mults = info.multipliers.max(1);
    let macs = info.macs_per_frame;
    let efficiency = macs as f64 / (mults as f64 * interval as f64);
    let (clock, clock_src) = match &info.board {
        Some(b) => (b.clock_mhz, format!("{} clock", b.board)),
        None => (REPORT_CLOCK_MHZ, "no board planned; quoted clock".into()),
    };
    let fps = clock * 1e6 / interval as f64;
    let latency_us = interval as f64 / clock;
    let params: u64 = info.layers.iter().map(|l| l.params).sum();
    let rom_bits: u64 = info.layers.iter().map(|l| l.weight_rom_bits).sum();
    let fact = |k: &str, v: String| Fact {
        key: k.into(),
        value: v,
    };

    let subtitle = match &info.board {
        Some(b) => format!(
            "planned for {} ({}, {:?}) at {} MHz",
            b.board, b.part, b.family, b.clock_mhz
        ),
        None => format!("no board: rates quoted at {REPORT_CLOCK_MHZ:.0} MHz"),
    };
    let mut headline = vec![
        fact("frames/s", format!("{fps:.0}")),
        fact("interval", format!("{interval} cycles")),
        fact("latency ≥", format!("{latency_us:.2} µs")),
        fact("efficiency", format!("{efficiency:.3}")),
        fact("MACs / frame", si(macs)),
        fact("parameters", si(params)),
    ];
    let mut facts = vec![
        fact("network", info.name.clone()),
        fact("top module", info.top.clone()),
        fact("network hash", format!("{:08x}", info.net_hash)),
        fact("tomatl", info.tomatl_version.clone()),
    ];
    if let Some(b) = &info.board {
        facts.push(fact("board", b.board.clone()));
        facts.push(fact("part", b.part.clone()));
        facts.push(fact("family", format!("{:?}", b.family)));
    }
    facts.extend([
        fact("clock", format!("{clock} MHz ({clock_src})")),
        fact(
            "input",
            format!(
                "{} {} ({} beat(s) of {} elements, TDATA {} bits)",
                shape(&info.input.shape),
                info.input.ty.short(),
                info.input.beats_per_frame,
                info.input.elems_per_beat,
                info.input.tdata_bits
            ),
        ),
        fact(
            "output",
            format!(
                "{} {} ({} beat(s) of {} elements, TDATA {} bits)",
                shape(&info.output.shape),
                info.output.ty.short(),
                info.output.beats_per_frame,
                info.output.elems_per_beat,
                info.output.tdata_bits
            ),
        ),
        fact("MACs per frame", format!("{macs} ({})", si(macs))),
        fact("parameters", format!("{params} ({})", si(params))),
        fact("weight + bias ROM", format!("{rom_bits} bits")),
        fact("multipliers (Σ PE × SIMD)", info.multipliers.to_string()),
        fact(
            "planned interval",
            format!("{interval} cycles per frame ({fps:.0} frames/s at {clock} MHz)"),
        ),
    ]);
    if let Some(t) = info.target_cycles {
        facts.push(fact("fold target", format!("{t} cycles")));
    }
    facts.push(fact(
        "planned efficiency",
        format!("{efficiency:.3} = MACs / (multipliers × interval)"),
    ));

    if let Some(v) = verify {
        headline.push(fact(
            "verified",
            if v.pass { "PASS" } else { "FAIL" }.into(),
        ));
    }
    let has_cost = info.layers.iter().any(|l| l.predicted.is_some());
    let whole = info.board.as_ref().map(|b| b.predicted);
    let total_cost = |f: fn(&crate::plan::Resources) -> f64| {
        whole
            .map(|r| format!("{:.0}", f(&r)))
            .unwrap_or_else(|| "-".into())
    };
    let total = Row {
        name: "design".into(),
        op: String::new(),
        in_shape: shape(&info.input.shape),
        out_shape: shape(&info.output.shape),
        macs: macs.to_string(),
        weights: String::new(),
        acc_bits: String::new(),
        out_type: String::new(),
        fold: format!("{} mult.", info.multipliers),
        cycles: interval.to_string(),
        share: String::new(),
        bottleneck: false,
        dsp: total_cost(|r| r.dsp),
        lut: total_cost(|r| r.lut),
        ff: total_cost(|r| r.ff),
        bram_kbit: total_cost(|r| r.bram_bits / 1024.0),
    };
    let rows = info
        .layers
        .iter()
        .map(|l| {
            let p = l.predicted;
            let cost = |f: fn(&crate::plan::Resources) -> f64| {
                p.map(|r| format!("{:.0}", f(&r)))
                    .unwrap_or_else(|| "-".into())
            };
            Row {
                name: l.name.clone(),
                op: l.op.clone(),
                in_shape: shape(&l.in_shape),
                out_shape: shape(&l.out_shape),
                macs: l.macs.to_string(),
                weights: weights(l.arith.as_deref(), l.bits),
                acc_bits: opt(l.acc_bits),
                out_type: l.out_type.short() + &l.out_type.rounding_note(),
                fold: match (l.pe, l.simd) {
                    (Some(pe), Some(simd)) => format!("{pe} × {simd}"),
                    _ => "-".into(),
                },
                cycles: opt(l.planned_cycles),
                share: l
                    .planned_cycles
                    .map(|c| pct(c as f64, interval as f64))
                    .unwrap_or_else(|| "-".into()),
                bottleneck: l.planned_cycles == Some(interval),
                dsp: cost(|r| r.dsp),
                lut: cost(|r| r.lut),
                ff: cost(|r| r.ff),
                bram_kbit: cost(|r| r.bram_bits / 1024.0),
            }
        })
        .collect();

    // Pipeline balance: each engine's cycles against the interval (and the
    // measured interval, when longer).
    let measured_interval = verify.and_then(|v| v.interval_cycles);
    let scale = measured_interval
        .unwrap_or(0.0)
        .max(interval as f64)
        .max(1.0);
    let bars = info
        .layers
        .iter()
        .filter_map(|l| {
            let c = l.planned_cycles?;
            let class = if c == interval { "bn" } else { "eng" };
            Some((
                l.name.clone(),
                format!("{c} ({})", pct(c as f64, interval as f64)),
                c as f64 / scale,
                class,
            ))
        })
        .collect();
    let mut balance = chart("cycles per frame of each engine", bars);
    let mx = |c: f64| px(LABEL_W + (c / scale).min(1.0) * BAR_W);
    balance.markers.push(Marker {
        x: mx(interval as f64),
        y: balance.axis_y.clone(),
        label: format!("planned interval {interval}"),
        class: "plan",
    });
    if let Some(m) = measured_interval {
        balance.markers.push(Marker {
            x: mx(m),
            y: px(TOP_PAD - 10.0),
            label: format!("measured {m:.1}"),
            class: "meas",
        });
    }

    let (resources, board_note) = match &info.board {
        Some(b) => {
            let (p, c) = (&b.predicted, &b.capacity);
            let mem_cap = (c.bram_kbit + c.uram_kbit) as f64;
            let item = |name: &str, used: f64, cap: f64, unit: &str| {
                let frac = used / cap.max(1.0);
                (
                    name.to_string(),
                    format!("{used:.0} / {cap:.0}{unit} ({})", pct(used, cap)),
                    frac,
                    if frac > 1.0 {
                        "over"
                    } else if frac > 0.8 {
                        "tight"
                    } else {
                        "res"
                    },
                )
            };
            let bars = vec![
                item("DSP", p.dsp, c.dsp as f64, ""),
                item("LUT", p.lut, c.lut as f64, ""),
                item("FF", p.ff, c.ff as f64, ""),
                item("on-chip memory", p.bram_bits / 1024.0, mem_cap, " kbit"),
            ];
            let mut ch = chart(&format!("predicted / capacity of {}", b.part), bars);
            ch.markers.push(Marker {
                x: px(LABEL_W + BAR_W),
                y: ch.axis_y.clone(),
                label: "100%".into(),
                class: "plan",
            });
            (
                Some(ch),
                "First-order resource model (one DSP per fixed-point product wider than the family's LUT-multiplier threshold; block memory rounded up to whole blocks). Synthesis decides the final numbers.".to_string(),
            )
        }
        None => (
            None,
            "No board: generate with --board to see predicted resources.".to_string(),
        ),
    };

    let built = build.map(|b| built(b, clock));

    let measured = verify.map(|v| {
        let per_s = |i: f64| format!("{:.0}", clock * 1e6 / i.max(1.0));
        let mi = v.interval_cycles;
        Measured {
            pass: v.pass,
            facts: vec![
                Compare {
                    what: "interval (cycles per frame)".into(),
                    planned: v.planned_interval_cycles.to_string(),
                    measured: mi.map(|i| format!("{i:.2}")).unwrap_or_else(|| "-".into()),
                },
                Compare {
                    what: format!("frames/s at {clock} MHz"),
                    planned: per_s(v.planned_interval_cycles as f64),
                    measured: mi.map(per_s).unwrap_or_else(|| "-".into()),
                },
                Compare {
                    what: "efficiency".into(),
                    planned: format!("{efficiency:.3}"),
                    measured: v
                        .efficiency
                        .map(|e| format!("{e:.3}"))
                        .unwrap_or_else(|| "-".into()),
                },
                Compare {
                    what: "latency of frame 0".into(),
                    planned: format!("≥ {interval} cycles"),
                    measured: format!(
                        "{} cycles ({:.2} µs)",
                        v.latency_cycles,
                        v.latency_cycles as f64 / clock
                    ),
                },
                Compare {
                    what: "frames out / in".into(),
                    planned: v.frames.to_string(),
                    measured: format!("{} / {}", v.frames_received, v.frames),
                },
                Compare {
                    what: "mismatching elements".into(),
                    planned: "0".into(),
                    measured: v.mismatches.to_string(),
                },
            ],
            first_mismatch: v.first_mismatch.as_ref().map(|m| {
                format!(
                    "frame {} element {}: expected {}, got {}",
                    m.frame, m.element, m.expected, m.got
                )
            }),
            problems: v.problems.clone(),
            conditions: format!(
                "Verilator, {} frames, stall probability {} on both streams, seed {}.",
                v.frames, v.stall, v.seed
            ),
        }
    });

    Page {
        name: info.name.clone(),
        top: info.top.clone(),
        subtitle,
        headline,
        facts,
        has_cost,
        rows,
        total,
        balance,
        resources,
        board_note,
        built,
        build_hint: "Synthesised and placed: not built yet. `tomatl build <this directory>` (the open flow of the Lattice boards) runs Yosys and nextpnr and refreshes this page with what they used.".into(),
        measured,
        verify_hint: format!(
            "Not measured yet: `tomatl verify <this directory>` simulates {} in Verilator, compares every output with the golden model and refreshes this page.",
            info.top
        ),
    }
    .render()
    .map(|s| s + "\n")
    .map_err(|e| Error::Internal(format!("rendering report.html: {e}")))
}

/// The build section: per resource predicted, synthesised, placed and
/// available, and each clock's Fmax against the planned clock.
fn built(b: &Implementation, planned_mhz: f64) -> Built {
    let n0 = |v: f64| format!("{v:.0}");
    let rows = b
        .resources
        .iter()
        .map(|l| BuiltRow {
            resource: l.resource.clone(),
            cell: l.cell.clone(),
            predicted: l.predicted.map(n0).unwrap_or_else(|| "-".into()),
            synthesised: l
                .synthesised
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            placed: l.used.to_string(),
            available: format!(
                "{} ({})",
                l.available,
                pct(l.used as f64, l.available as f64)
            ),
            ratio: match l.predicted {
                Some(p) if l.used > 0 => format!("{:.2}", p / l.used as f64),
                _ => "-".into(),
            },
        })
        .collect();
    let clocks = b
        .fmax
        .iter()
        .map(|(clk, f)| Compare {
            what: format!("Fmax of {clk}"),
            planned: format!("{planned_mhz} MHz"),
            measured: format!(
                "{:.1} MHz ({})",
                f.achieved,
                if f.achieved >= f.constraint {
                    "met"
                } else {
                    "missed"
                }
            ),
        })
        .collect();
    Built {
        title: format!(
            "{} ({}), clock {} MHz{}",
            b.board,
            b.part,
            b.clock_mhz,
            b.pll_mhz
                .map(|m| format!(" (PLL gives {m} MHz)"))
                .unwrap_or_default()
        ),
        rows,
        clocks,
        timing_met: b.timing_met,
    }
}
