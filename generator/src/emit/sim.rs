//! The simulation harness of a design: the generic C++ harness and the
//! header that tells it the design's stream geometry.

use askama::Template;

use super::Artifact;
use crate::embedded;
use crate::error::{Error, Result};
use crate::hw::Design as DesignInfo;

#[derive(Template)]
#[template(path = "design.h", escape = "none")]
struct DesignHeader<'a> {
    top: &'a str,
    version: &'static str,
    in_elems: usize,
    in_bits: u32,
    in_beats: usize,
    out_elems: usize,
    out_bits: u32,
    out_signed: u8,
    out_beats: usize,
}

pub fn emit(info: &DesignInfo) -> Result<Vec<Artifact>> {
    let h = DesignHeader {
        top: &info.top,
        version: env!("CARGO_PKG_VERSION"),
        in_elems: info.input.elems_per_beat,
        in_bits: info.input.ty.bits,
        in_beats: info.input.beats_per_frame,
        out_elems: info.output.elems_per_beat,
        out_bits: info.output.ty.bits,
        out_signed: info.output.ty.signed as u8,
        out_beats: info.output.beats_per_frame,
    }
    .render()
    .map_err(|e| Error::Internal(format!("rendering design.h: {e}")))?
        + "\n";
    let mut files = vec![Artifact::new("sim/design.h", h)];
    for (name, src) in embedded::HARNESS_FILES {
        files.push(Artifact::new(format!("sim/{name}"), *src));
    }
    Ok(files)
}
