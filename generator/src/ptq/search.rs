//! Mixed-precision search: per-layer arithmetic and bits that keep top-1
//! accuracy within a bound of the float network at the least resources.
//!
//! Every candidate is a whole quantized network (binary points from
//! calibration, [`super::calibrate`]), loaded through the frontend like any
//! description, run by the golden model on the labelled data, and planned
//! for the board at one common rate: the rate all-`fixed:8` reaches there.
//!
//! Greedy descent: starting from the baseline (every layer `fixed:8`),
//! layers are visited by MACs, largest first; each layer's menu options are
//! ordered by the resources of the whole design with that option (DSP, then
//! LUT) and the cheapest one that keeps accuracy within the bound is kept.
//! Every evaluated network is a point; the Pareto front is the set of
//! points no other point beats on accuracy, DSP and LUT at once.

use std::fmt::Write;
use std::path::Path;

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use super::calibrate::{choose, Rule};
use super::describe::{current, describe};
use super::eval::{float_classes, quant_classes};
use crate::error::Result;
use crate::frontend::spec::ParamsSpec;
use crate::frontend::{self, ArithSpec};
use crate::golden;
use crate::ir::{Arith, Graph};
use crate::plan::{self, Board, Fold};
use crate::progress::Progress;

/// What to search over and under which bound.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Arithmetics each layer may take.
    pub menu: Vec<ArithSpec>,
    /// Points of top-1 accuracy the quantized network may lose against
    /// the float one.
    pub max_drop: f64,
    pub board: Board,
    pub clock_mhz: Option<f64>,
}

/// The default menu: from 4-bit powers of two to 8-bit fixed point.
pub fn default_menu() -> Vec<ArithSpec> {
    [
        (Arith::Ternary, 2),
        (Arith::Pow2, 4),
        (Arith::Pow2, 5),
        (Arith::Fixed, 4),
        (Arith::Fixed, 6),
        (Arith::Fixed, 8),
    ]
    .into_iter()
    .map(|(arith, bits)| ArithSpec { arith, bits })
    .collect()
}

/// One evaluated network.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// Per layer with weights: `name=spec` (`fc1=pow2:4`).
    pub layers: Vec<String>,
    /// Quantized top-1 accuracy, percent.
    pub top1: f64,
    pub dsp: f64,
    pub lut: f64,
    pub bram_kbit: f64,
    /// Planned cycles per frame.
    pub interval: u64,
    /// Within the accuracy bound.
    pub within: bool,
    /// The description, as written (marked as tomatl's).
    #[serde(skip)]
    pub text: String,
}

impl Point {
    fn dominates(&self, o: &Point) -> bool {
        self.top1 >= o.top1
            && self.dsp <= o.dsp
            && self.lut <= o.lut
            && (self.top1 > o.top1 || self.dsp < o.dsp || self.lut < o.lut)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SearchResult {
    pub board: String,
    pub frames: usize,
    pub float_top1: f64,
    /// Accuracy every accepted network must reach.
    pub bound: f64,
    /// Cycles per frame every candidate is planned for.
    pub target_cycles: u64,
    pub baseline: Point,
    pub best: Point,
    pub front: Vec<Point>,
    pub evaluated: usize,
}

/// Labelled data for the search: real values for the float network and
/// codes for the quantized ones.
pub struct Data<'a> {
    pub reals: ArrayView2<'a, f64>,
    pub codes: ArrayView2<'a, i64>,
    pub labels: &'a [usize],
}

struct Searcher<'a, 'd> {
    graph: &'a Graph,
    trace: Vec<Array2<f64>>,
    params: ParamsSpec,
    out: &'a Path,
    data: &'a Data<'d>,
    opts: &'a SearchOptions,
    target: u64,
    bound: f64,
    evaluated: Vec<Point>,
    progress: Progress,
}

impl Searcher<'_, '_> {
    fn label(&self, specs: &[Option<ArithSpec>]) -> Vec<String> {
        self.graph
            .layers
            .iter()
            .zip(specs)
            .filter_map(|(l, s)| s.map(|s| format!("{}={s}", l.name)))
            .collect()
    }

    /// The network with per-layer specs, as description text and graph;
    /// `None` when it cannot be built (an accumulator too wide, say).
    fn build(&self, specs: &[Option<ArithSpec>]) -> Option<(String, Graph)> {
        let rule = Rule {
            layers: specs.to_vec(),
            ..Rule::default()
        };
        let choices = choose(self.graph, &self.trace, &rule);
        let header = vec![format!(
            "{} from `tomatl search`: {}",
            self.graph.name,
            self.label(specs).join(" ")
        )];
        let text = describe(self.graph, &choices, self.params.clone(), &header);
        let g = frontend::load_str(&text, self.out).ok()?;
        Some((text, g))
    }

    fn cost(&self, g: &Graph) -> Result<(plan::Resources, u64)> {
        let p = plan::plan(
            g,
            Fold::Auto {
                target_cycles: Some(self.target),
            },
        )?;
        Ok((
            plan::design_cost(g, &p, self.opts.board.family)?,
            p.interval,
        ))
    }

    fn evaluate(&mut self, specs: &[Option<ArithSpec>]) -> Result<Option<Point>> {
        let Some((text, g)) = self.build(specs) else {
            return Ok(None);
        };
        let (r, interval) = self.cost(&g)?;
        let classes = quant_classes(&g, self.data.codes);
        let hits = classes
            .iter()
            .zip(self.data.labels)
            .filter(|(a, b)| a == b)
            .count();
        let top1 = 100.0 * hits as f64 / self.data.labels.len().max(1) as f64;
        let p = Point {
            layers: self.label(specs),
            top1,
            dsp: r.dsp,
            lut: r.lut,
            bram_kbit: r.bram_bits / 1024.0,
            interval,
            within: top1 >= self.bound,
            text,
        };
        self.evaluated.push(p.clone());
        self.progress.set(self.evaluated.len() as u64);
        self.progress
            .note(&format!("networks evaluated, last top-1 {top1:.2}%"));
        Ok(Some(p))
    }
}

/// Search per-layer arithmetic for `graph` (loaded from `net`, with float
/// weights); descriptions are written for `out` (their weight path is
/// relative to it).
pub fn search(
    graph: &Graph,
    net: &Path,
    out: &Path,
    calib: ArrayView2<f64>,
    data: &Data,
    opts: &SearchOptions,
) -> Result<SearchResult> {
    let params = super::quantize::params_spec(net, out)?;
    let fc = float_classes(graph, data.reals);
    let n = data.labels.len().max(1);
    let float_top1 =
        100.0 * fc.iter().zip(data.labels).filter(|(a, b)| a == b).count() as f64 / n as f64;
    let bound = float_top1 - opts.max_drop;

    let with_weights: Vec<usize> = (0..graph.layers.len())
        .filter(|&i| current(&graph.layers[i]).weights.is_some())
        .collect();
    let fixed8 = ArithSpec {
        arith: Arith::Fixed,
        bits: 8,
    };
    let mut specs: Vec<Option<ArithSpec>> = (0..graph.layers.len())
        .map(|i| with_weights.contains(&i).then_some(fixed8))
        .collect();

    let mut s = Searcher {
        graph,
        trace: golden::float::trace(graph, calib),
        params,
        out,
        data,
        opts,
        target: 1,
        bound,
        evaluated: Vec::new(),
        progress: Progress::new("search", None),
    };
    // the common rate: the fastest all-fixed:8 reaches on the board
    let (_, base_graph) = s.build(&specs).ok_or_else(|| {
        crate::error::Error::from(crate::error::InputError::new(
            net,
            "the network cannot be built with 8-bit fixed-point weights",
        ))
    })?;
    let base_plan = plan::plan_for_board(&base_graph, &opts.board, opts.clock_mhz, None)?;
    s.target = base_plan.interval;
    let baseline = s.evaluate(&specs)?.ok_or_else(|| {
        crate::error::Error::Internal("the baseline network does not build".into())
    })?;
    let mut best = baseline.clone();

    let mut order = with_weights.clone();
    order.sort_by_key(|&i| std::cmp::Reverse(graph.layers[i].macs()));
    for &i in &order {
        // the menu ordered by the cost of the whole design with each option
        let mut options = Vec::new();
        for &m in &opts.menu {
            if Some(m) == specs[i] {
                continue;
            }
            let mut trial = specs.clone();
            trial[i] = Some(m);
            if let Some((_, g)) = s.build(&trial) {
                let (r, _) = s.cost(&g)?;
                if (r.dsp, r.lut) < (best.dsp, best.lut) {
                    options.push((r.dsp, r.lut, trial));
                }
            }
        }
        options.sort_by(|a, b| {
            (a.0, a.1)
                .partial_cmp(&(b.0, b.1))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        for (_, _, trial) in options {
            if let Some(p) = s.evaluate(&trial)? {
                if p.within {
                    specs = trial;
                    best = p;
                    break;
                }
            }
        }
    }
    s.progress.finish();
    if !baseline.within {
        best = baseline.clone();
    }
    let mut front: Vec<Point> = s
        .evaluated
        .iter()
        .filter(|p| !s.evaluated.iter().any(|q| q.dominates(p)))
        .cloned()
        .collect();
    front.sort_by(|a, b| {
        (a.dsp, a.lut)
            .partial_cmp(&(b.dsp, b.lut))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    front.dedup_by(|a, b| a.layers == b.layers);
    Ok(SearchResult {
        board: opts.board.name.clone(),
        frames: data.labels.len(),
        float_top1,
        bound,
        target_cycles: s.target,
        baseline,
        best,
        front,
        evaluated: s.evaluated.len(),
    })
}

impl SearchResult {
    /// The Pareto front and the choice, as Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Mixed-precision search on {}\n\n{} labelled frames; float top-1 {:.2}%, bound {:.2}%; every design planned at {} cycles/frame (the rate all-fixed:8 reaches); {} networks evaluated.\n",
            self.board, self.frames, self.float_top1, self.bound, self.target_cycles, self.evaluated
        );
        let row = |s: &mut String, tag: &str, p: &Point| {
            let _ = writeln!(
                s,
                "| {tag} | {:.2} | {:.0} | {:.0} | {:.0} | {} |",
                p.top1,
                p.dsp,
                p.lut,
                p.bram_kbit,
                p.layers.join(" ")
            );
        };
        let _ = writeln!(s, "| | top-1 % | DSP | LUT | memory kbit | layers |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
        row(&mut s, "baseline (all fixed:8)", &self.baseline);
        row(&mut s, "**chosen**", &self.best);
        let _ = writeln!(s, "\n## Pareto front (accuracy against DSP and LUT)\n");
        let _ = writeln!(s, "| | top-1 % | DSP | LUT | memory kbit | layers |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
        for p in &self.front {
            row(&mut s, if p.within { "within bound" } else { "" }, p);
        }
        s
    }
}
