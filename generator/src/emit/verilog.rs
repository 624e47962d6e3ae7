//! The Verilog of a design: the top (rendered from templates/top.v), the
//! library modules it instantiates, and the ROM images, all read from
//! [`hw::Design`]: this backend only instantiates and parameterises
//! `rtl/` modules and joins them with the design's streams.

use askama::Template;

use super::Artifact;
use crate::embedded;
use crate::error::{Error, Result};
use crate::hw::{Design, Instance, Unit, Value};

/// `name(value)`: a port connection.
struct Conn {
    name: String,
    value: String,
}

struct Stage {
    module: &'static str,
    /// `module #(...)`, one parameter a line ([`instance_header`]).
    header: String,
    inst: String,
    ports: Vec<Conn>,
    note: String,
}

/// The template's view of a stream.
struct Wire {
    name: String,
    bits: usize,
}

#[derive(Template)]
#[template(path = "top.v", escape = "none")]
struct TopTemplate<'a> {
    top: &'a str,
    name: &'a str,
    version: &'a str,
    interval: u64,
    in_elems: usize,
    in_beats: usize,
    in_type: String,
    out_elems: usize,
    out_beats: usize,
    out_type: String,
    in_data_bits: usize,
    in_tdata_bits: usize,
    out_data_bits: usize,
    out_tdata_bits: usize,
    stages: Vec<Stage>,
    streams: Vec<Wire>,
    first_stream: &'a str,
    last_stream: &'a str,
    id_hex: String,
    version_hex: String,
    hash_hex: String,
}

/// The three wires of stream `s` on ports `<port>_tdata/_tvalid/_tready`.
fn stream_ports(port: &str, s: &str, out: &mut Vec<Conn>) {
    for suffix in ["tdata", "tvalid", "tready"] {
        out.push(Conn {
            name: format!("{port}_{suffix}"),
            value: format!("{s}_{suffix}"),
        });
    }
}

/// The port connections of an instance: its input streams on the slave
/// ports, its outputs on the master port (a fork's branches concatenated,
/// branch 0 in the low bits).
fn ports(x: &Instance) -> Vec<Conn> {
    let mut out = Vec::new();
    match &x.unit {
        Unit::Add(_) => {
            stream_ports("s_axis_a", &x.inputs[0], &mut out);
            stream_ports("s_axis_b", &x.inputs[1], &mut out);
        }
        _ => stream_ports("s_axis", &x.inputs[0], &mut out),
    }
    if let Unit::Fork(_) = &x.unit {
        for suffix in ["tdata", "tvalid", "tready"] {
            let parts: Vec<String> = x
                .outputs
                .iter()
                .rev()
                .map(|o| format!("{o}_{suffix}"))
                .collect();
            out.push(Conn {
                name: format!("m_axis_{suffix}"),
                value: format!("{{{}}}", parts.join(", ")),
            });
        }
    } else {
        stream_ports("m_axis", &x.outputs[0], &mut out);
    }
    out
}

/// A parameter's value as Verilog: an integer as a sized 32-bit signed
/// literal (the width and signedness of a plain Verilog integer, never an
/// unsized literal that a tool may read differently), a file name as a
/// string literal. Also a valid `-G`/`-P`/`chparam` value for Verilator,
/// Icarus and Yosys.
pub fn param_literal(v: &Value) -> String {
    match v {
        Value::Int(v) => format!("32'sd{v}"),
        Value::File(f) => format!("\"{f}\""),
    }
}

/// The parameters of a unit as `(NAME, literal)`, in the module's order
/// ([`Unit::params`], [`param_literal`]).
pub fn param_literals(unit: &Unit) -> Vec<(String, String)> {
    unit.params()
        .into_iter()
        .map(|p| {
            let value = param_literal(&p.value);
            (p.name, value)
        })
        .collect()
}

/// The instantiation header of a unit, `module #(.NAME(literal), ...)`:
/// the one rendering of [`Unit::params`] as Verilog, for the top and the
/// unit benches. With `indent`, one parameter a line, indented four spaces
/// past `indent` spaces, and the closing parenthesis at `indent` spaces (the
/// header itself is not indented); without, all on one line.
pub fn instance_header(unit: &Unit, indent: Option<usize>) -> String {
    let params: Vec<String> = param_literals(unit)
        .into_iter()
        .map(|(name, value)| format!(".{name}({value})"))
        .collect();
    let body = match indent {
        Some(n) => {
            let (outer, inner) = (" ".repeat(n), " ".repeat(n + 4));
            format!("\n{inner}{}\n{outer}", params.join(&format!(",\n{inner}")))
        }
        None => params.join(", "),
    };
    format!("{} #({body})", unit.module())
}

fn stage(x: &Instance) -> Stage {
    Stage {
        header: instance_header(&x.unit, Some(4)),
        inst: x.name.clone(),
        ports: ports(x),
        note: x.note.clone(),
        module: x.unit.module(),
    }
}

pub fn emit(d: &Design) -> Result<Vec<Artifact>> {
    let reg = |name: &str| {
        d.registers
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.value)
            .ok_or_else(|| Error::Internal(format!("register map without a constant {name}")))
    };
    let t = TopTemplate {
        top: &d.top,
        name: &d.name,
        version: &d.tomatl_version,
        interval: d.interval_cycles,
        in_elems: d.input.elems_per_beat,
        in_beats: d.input.beats_per_frame,
        in_type: d.input.ty.short(),
        out_elems: d.output.elems_per_beat,
        out_beats: d.output.beats_per_frame,
        out_type: d.output.ty.short(),
        in_data_bits: d.input.data_bits(),
        in_tdata_bits: d.input.tdata_bits,
        out_data_bits: d.output.data_bits(),
        out_tdata_bits: d.output.tdata_bits,
        stages: d.instances.iter().map(stage).collect(),
        streams: d
            .streams
            .iter()
            .map(|s| Wire {
                name: s.name.clone(),
                bits: s.bits(),
            })
            .collect(),
        first_stream: &d.input.stream,
        last_stream: &d.output.stream,
        id_hex: format!("{:08x}", reg("ID")?),
        version_hex: format!("{:08x}", reg("VERSION")?),
        hash_hex: format!("{:08x}", reg("NET_HASH")?),
    };
    let text = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering top.v: {e}")))?
        + "\n";
    let mut files: Vec<Artifact> = d
        .roms
        .iter()
        .map(|r| Artifact::new(format!("rtl/{}", r.file), r.mem_text()))
        .collect();
    files.push(Artifact::new(format!("rtl/{}.v", d.top), text));
    for (name, src) in embedded::RTL_LIBRARY {
        files.push(Artifact::new(format!("rtl/{name}"), *src));
    }
    Ok(files)
}
