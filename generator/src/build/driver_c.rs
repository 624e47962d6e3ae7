//! The C host driver of a deployment package for a board with a processor,
//! `driver/c/`: the verbatim C99 sources of `templates/driver_c/` (the
//! driver over a small HAL, the DMA back end of the board, the Linux HAL
//! and on Zynq the bare-metal one, the selftest, the Makefile) and two
//! files made from the design and the board:
//!
//! - `tomatl_design.h`: the input and output streams' geometry (word bits,
//!   elements per beat, beats per frame, element bits and signedness,
//!   frame bytes), the register offsets, the network's hash, and the
//!   board's DMA and accelerator (which DMA, instance names, UIO names,
//!   physical addresses for `/dev/mem` and bare metal, the length width;
//!   for the mSGDMAs the offsets of their windows and the bridges Linux
//!   must have enabled);
//! - `tomatl.dtso`: a device-tree overlay with `generic-uio` nodes for the
//!   DMA and the accelerator and an `ikwzm,u-dma-buf` buffer.
//!
//! A Zynq processing system (`zynq-ps`, `zynqmp-ps`) drives the
//! accelerator through an AXI DMA (`tomatl_dma_axi.c`); the Intel SoC's
//! HPS (`intel-hps`) through two mSGDMAs on the lightweight bridge
//! (`tomatl_dma_msgdma.c`, `tomatl_bridges.c`).

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{InputError, Result};
use crate::hw::{Design, IoStream};
use crate::plan::Board;

/// The AXI DMA instance of the block design.
pub const DMA_NAME: &str = super::vivado::DMA_CELL;
/// The accelerator's instance of the block design.
pub const ACCEL_NAME: &str = super::vivado::IP_CELL;
/// The DMA's length register width (`c_sg_length_width`): 26 bits, so a
/// transfer may be up to 64 MiB (the IP's default, 14, stops at 16 KiB).
pub const DMA_LENGTH_WIDTH: u32 = 26;
/// UIO device names (the overlay's node names).
pub const UIO_DMA: &str = "tomatl_dma";
pub const UIO_ACCEL: &str = "tomatl_accel";
/// The u-dma-buf device and its size.
pub const UDMABUF: &str = "udmabuf0";
pub const UDMABUF_BYTES: u64 = 4 << 20;
/// Each register window's span.
pub const WINDOW_BYTES: u64 = 0x1_0000;

/// Which DMA the package drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DmaKind {
    Axi,
    Msgdma,
}

/// Where a board's processing system sees the DMA, the accelerator and
/// the reserved memory of the `/dev/mem` fallback.
struct AddressMap {
    kind: DmaKind,
    dma: u64,
    dma_span: u64,
    accel: u64,
    accel_span: u64,
    mem: u64,
    /// Device-tree address cells (1 on Zynq-7000 and Cyclone V, 2 on Zynq
    /// UltraScale+).
    cells: u32,
    /// The device-tree node the overlay's nodes go under.
    target: &'static str,
}

/// The C files of `templates/driver_c/` that are not for this DMA.
fn other_dma_files(kind: DmaKind) -> &'static [&'static str] {
    match kind {
        DmaKind::Axi => &["tomatl_dma_msgdma.c", "tomatl_bridges.c"],
        DmaKind::Msgdma => &["tomatl_dma_axi.c", "hal_baremetal.c"],
    }
}

/// The mSGDMAs' windows inside the DMA region: (define, slave).
fn msgdma_windows() -> [(&'static str, String); 5] {
    use super::quartus::{DMA_IN, DMA_OUT};
    [
        ("MM2S_CSR", format!("{DMA_IN}.csr")),
        ("MM2S_DESC", format!("{DMA_IN}.descriptor_slave")),
        ("S2MM_CSR", format!("{DMA_OUT}.csr")),
        ("S2MM_DESC", format!("{DMA_OUT}.descriptor_slave")),
        ("S2MM_RESPONSE", format!("{DMA_OUT}.response")),
    ]
}

/// The offset of an mSGDMA window on the lightweight bridge.
fn lw_offset(slave: &str) -> Result<u64> {
    super::quartus::region_offset(slave)
        .map(u64::from)
        .ok_or_else(|| crate::error::Error::Internal(format!("no region {slave} on the bridge")))
}

/// The bridges of the Intel SoC the driver goes through: the lightweight
/// HPS-to-FPGA bridge (registers) and the FPGA-to-SDRAM port (the DMAs'
/// data), as Linux's FPGA bridge class names them.
pub const HPS_BRIDGES: &str = "lwhps2fpga fpga2sdram";

fn address_map(board: &Board) -> Result<AddressMap> {
    // the reserved memory of the `/dev/mem` fallback and the device tree's
    // address cells
    let (mem, cells) = match board.host.as_str() {
        // the top 16 MiB of a 512 MiB DDR
        "zynq-ps" => (0x1f00_0000, 1),
        // 16 MiB below 2 GiB
        "zynqmp-ps" => (0x7f00_0000, 2),
        // the top 16 MiB of the DE10-Nano's 1 GiB DDR3
        "intel-hps" => (0x3f00_0000, 1),
        other => {
            return Err(InputError::new(
                Path::new(&board.name),
                format!(
                    "the C driver drives an AXI DMA from a Zynq processing system or two mSGDMAs from an Intel SoC's HPS; board `{}` has host `{other}`",
                    board.name
                ),
            )
            .expected("a board with host zynq-ps, zynqmp-ps or intel-hps (pynq-z2, zcu104, kv260, ultra96v2, de10-nano)")
            .into())
        }
    };
    if board.host == "intel-hps" {
        // the accelerator and the mSGDMAs on the lightweight bridge
        // (soc_system.tcl): the DMA region spans every mSGDMA window
        let lw = u64::from(super::quartus::LW_BRIDGE_BASE);
        let windows = msgdma_windows();
        let first = lw_offset(&windows[0].1)?;
        let mut end = first;
        for r in super::quartus::regions() {
            if windows.iter().any(|(_, w)| *w == r.slave) {
                end = end.max(u64::from(r.offset) + u64::from(r.span));
            }
        }
        let page = 0x1000;
        return Ok(AddressMap {
            kind: DmaKind::Msgdma,
            dma: lw + first,
            dma_span: (end - first).div_ceil(page) * page,
            accel: lw + lw_offset(&format!("{}.s_axil", super::quartus::ACCEL))?,
            accel_span: page,
            mem,
            cells,
            target: "/soc",
        });
    }
    // the registers where bd.tcl puts them on the PS master's window
    // (M_AXI_GP0 on Zynq-7000, M_AXI_HPM0_FPD on UltraScale+)
    let base = super::vivado::zynq_board(board)?.ctrl_base;
    Ok(AddressMap {
        kind: DmaKind::Axi,
        dma: base,
        dma_span: WINDOW_BYTES,
        accel: base + super::vivado::IP_OFFSET,
        accel_span: WINDOW_BYTES,
        mem,
        cells,
        target: "&amba",
    })
}

fn stream(h: &mut String, side: &str, s: &IoStream) {
    let elems: usize = s.shape.iter().product();
    let frame_bytes = s.tdata_bits / 8 * s.beats_per_frame;
    let rows: [(&str, String, &str); 9] = [
        ("TDATA_BITS", s.tdata_bits.to_string(), "stream word"),
        (
            "WORD_BYTES",
            (s.tdata_bits / 8).to_string(),
            "bytes per beat",
        ),
        (
            "ELEMS_PER_BEAT",
            s.elems_per_beat.to_string(),
            "elements per beat",
        ),
        (
            "BEATS_PER_FRAME",
            s.beats_per_frame.to_string(),
            "beats per frame, TLAST on the last",
        ),
        ("ELEM_BITS", s.ty.bits.to_string(), "bits per element"),
        (
            "SIGNED",
            u8::from(s.ty.signed).to_string(),
            "two's complement",
        ),
        ("FRAC", s.ty.frac.to_string(), "value = code * 2^-FRAC"),
        ("ELEMS", elems.to_string(), "elements per frame (HWC)"),
        ("FRAME_BYTES", frame_bytes.to_string(), "bytes per frame"),
    ];
    for (name, value, doc) in rows {
        let unsigned = if name == "FRAC" { "" } else { "u" };
        let _ = writeln!(
            h,
            "#define TOMATL_{side}_{name} {value}{unsigned} /* {doc} */"
        );
    }
    let shape: Vec<String> = s.shape.iter().map(|d| d.to_string()).collect();
    let _ = writeln!(h, "#define TOMATL_{side}_SHAPE \"[{}]\"", shape.join(", "));
    if let Some([ih, iw, ic]) = s.chw {
        let _ = writeln!(
            h,
            "/* the [{ih}, {iw}, {ic}] image, streamed HWC, delivered in ONNX's (c, h, w) order */"
        );
        for (name, v) in [("H", ih), ("W", iw), ("C", ic)] {
            let _ = writeln!(h, "#define TOMATL_{side}_CHW_{name} {v}u");
        }
    }
}

/// `tomatl_design.h`.
fn design_header(design: &Design, board: &Board, map: &AddressMap) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "/* The design the tomatl C driver runs: {} (top {}), for {} ({}).\n * Generated by tomatl {} from design.json; do not edit. */",
        design.name, design.top, board.name, board.part, design.tomatl_version
    );
    h.push_str("#ifndef TOMATL_DESIGN_H\n#define TOMATL_DESIGN_H\n\n");
    let _ = writeln!(h, "#define TOMATL_NET_NAME \"{}\"", design.name);
    let _ = writeln!(h, "#define TOMATL_TOP \"{}\"", design.top);
    let _ = writeln!(h, "#define TOMATL_NET_HASH 0x{:08x}u", design.net_hash);
    let _ = writeln!(h, "#define TOMATL_BOARD \"{}\"", board.name);
    let _ = writeln!(h, "#define TOMATL_PART \"{}\"", board.part);
    h.push_str("\n/* input stream (MM2S -> s_axis) */\n");
    stream(&mut h, "IN", &design.input);
    h.push_str("\n/* output stream (m_axis -> S2MM) */\n");
    stream(&mut h, "OUT", &design.output);
    h.push_str("\n/* the accelerator's AXI4-Lite registers: byte offsets */\n");
    for r in &design.registers {
        let name = r.name.to_uppercase();
        let _ = writeln!(
            h,
            "#define TOMATL_REG_{name} 0x{:02x}u /* {} */",
            r.offset,
            r.doc.replace("*/", "* /")
        );
        if let Some(v) = r.value {
            let _ = writeln!(h, "#define TOMATL_REG_{name}_VALUE 0x{v:08x}u");
        }
    }
    match map.kind {
        DmaKind::Axi => {
            h.push_str("\n/* the block design; override with -D for another address map */\n");
            h.push_str(
                "#define TOMATL_DMA_AXI 1 /* Xilinx AXI DMA, simple mode (tomatl_dma_axi.c) */\n",
            );
            let _ = writeln!(h, "#define TOMATL_DMA_NAME \"{DMA_NAME}\"");
            let _ = writeln!(h, "#define TOMATL_ACCEL_NAME \"{ACCEL_NAME}\"");
            let _ = writeln!(
                h,
                "#define TOMATL_DMA_LENGTH_WIDTH {DMA_LENGTH_WIDTH}u /* c_sg_length_width */"
            );
        }
        DmaKind::Msgdma => {
            h.push_str("\n/* the Platform Designer system (soc_system.tcl); override with -D for another address map */\n");
            h.push_str(
                "#define TOMATL_DMA_MSGDMA 1 /* two Intel mSGDMAs (tomatl_dma_msgdma.c) */\n",
            );
            let _ = writeln!(h, "#define TOMATL_DMA_NAME \"{}\"", super::quartus::DMA_IN);
            let _ = writeln!(
                h,
                "#define TOMATL_DMA_OUT_NAME \"{}\"",
                super::quartus::DMA_OUT
            );
            let _ = writeln!(h, "#define TOMATL_ACCEL_NAME \"{}\"", super::quartus::ACCEL);
            let _ = writeln!(
                h,
                "#define TOMATL_DMA_LENGTH_WIDTH {}u /* log2 of the smaller MAX_BYTE */",
                super::quartus::dma_length_width(design)
            );
            let _ = writeln!(
                h,
                "#define TOMATL_LW_BRIDGE_PHYS 0x{:08x}u /* the lightweight HPS-to-FPGA bridge */",
                super::quartus::LW_BRIDGE_BASE
            );
            let lw = u64::from(super::quartus::LW_BRIDGE_BASE);
            for (name, slave) in msgdma_windows() {
                let at = lw_offset(&slave).map(|o| lw + o).unwrap_or(map.dma);
                let _ = writeln!(
                    h,
                    "#define TOMATL_MSGDMA_{name} 0x{:04x}u /* {slave}, in the DMA region */",
                    at - map.dma
                );
            }
            let _ = writeln!(
                h,
                "#ifndef TOMATL_FPGA_BRIDGES\n#define TOMATL_FPGA_BRIDGES \"{HPS_BRIDGES}\" /* must be enabled */\n#endif"
            );
        }
    }
    let defs: [(&str, String); 9] = [
        ("UIO_DMA", format!("\"{UIO_DMA}\"")),
        ("UIO_ACCEL", format!("\"{UIO_ACCEL}\"")),
        ("UDMABUF", format!("\"{UDMABUF}\"")),
        ("DMA_PHYS", format!("0x{:08x}u", map.dma)),
        ("DMA_SPAN", format!("0x{:x}u", map.dma_span)),
        ("ACCEL_PHYS", format!("0x{:08x}u", map.accel)),
        ("ACCEL_SPAN", format!("0x{:x}u", map.accel_span)),
        ("MEM_PHYS", format!("0x{:08x}u", map.mem)),
        ("MEM_BYTES", format!("0x{UDMABUF_BYTES:x}u")),
    ];
    for (name, value) in defs {
        let _ = writeln!(
            h,
            "#ifndef TOMATL_{name}\n#define TOMATL_{name} {value}\n#endif"
        );
    }
    h.push_str("#ifndef TOMATL_TIMEOUT_US\n#define TOMATL_TIMEOUT_US 1000000u /* per output frame */\n#endif\n");
    h.push_str("\n#endif\n");
    h
}

fn cells(value: u64, n: u32) -> String {
    if n == 2 {
        format!("0x{:x} 0x{:x}", value >> 32, value & 0xffff_ffff)
    } else {
        format!("0x{value:x}")
    }
}

/// `tomatl.dtso`.
fn overlay(design: &Design, map: &AddressMap) -> String {
    let n = map.cells;
    let node = |name: &str, at: u64, span: u64| {
        format!(
            "            {name}@{at:x} {{\n                compatible = \"generic-uio\";\n                reg = <{} {}>;\n            }};\n",
            cells(at, n),
            cells(span, n)
        )
    };
    let (dma_what, target) = match map.kind {
        DmaKind::Axi => (
            format!("the AXI DMA ({DMA_NAME})"),
            format!("target = <{}>;", map.target),
        ),
        DmaKind::Msgdma => (
            format!(
                "the mSGDMAs ({}, {})",
                super::quartus::DMA_IN,
                super::quartus::DMA_OUT
            ),
            format!("target-path = \"{}\";", map.target),
        ),
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// Device-tree overlay of {}: {dma_what} and the accelerator\n\
         // as UIO devices named {UIO_DMA} and {UIO_ACCEL} (boot with\n\
         // uio_pdrv_genirq.of_id=generic-uio), and a {UDMABUF} buffer of {} KiB\n\
         // (the u-dma-buf module). Build: dtc -@ -I dts -O dtb -o tomatl.dtbo tomatl.dtso",
        design.name,
        UDMABUF_BYTES / 1024
    );
    let _ = write!(
        s,
        "/dts-v1/;\n/plugin/;\n\n/ {{\n    fragment@0 {{\n        {target}\n        __overlay__ {{\n"
    );
    let _ = writeln!(
        s,
        "            #address-cells = <{n}>;\n            #size-cells = <{n}>;"
    );
    s.push_str(&node(UIO_DMA, map.dma, map.dma_span));
    s.push_str(&node(UIO_ACCEL, map.accel, map.accel_span));
    let _ = writeln!(
        s,
        "            {UDMABUF} {{\n                compatible = \"ikwzm,u-dma-buf\";\n                device-name = \"{UDMABUF}\";\n                size = <0x{UDMABUF_BYTES:x}>;\n            }};"
    );
    s.push_str("        };\n    };\n};\n");
    s
}

/// The files of `driver/c/` (path in the package, contents), sorted.
pub fn files(design: &Design, board: &Board) -> Result<Vec<(String, Vec<u8>)>> {
    let map = address_map(board)?;
    let skip = other_dma_files(map.kind);
    let mut out: Vec<(String, Vec<u8>)> = crate::embedded::DRIVER_C_FILES
        .iter()
        .filter(|(name, _)| !skip.contains(name))
        .map(|(name, text)| (format!("driver/c/{name}"), text.as_bytes().to_vec()))
        .collect();
    out.push((
        "driver/c/tomatl_design.h".to_string(),
        design_header(design, board, &map).into_bytes(),
    ));
    out.push((
        "driver/c/tomatl.dtso".to_string(),
        overlay(design, &map).into_bytes(),
    ));
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_boards_are_refused_and_zynq_boards_get_their_address_map() {
        let ulx3s = crate::plan::load_board("ulx3s-85f").expect("board");
        let e = address_map(&ulx3s).err().expect("refused");
        assert!(e.to_string().contains("zynq-ps"), "{e}");
        let de10 = crate::plan::load_board("de10-nano").expect("board");
        let m = address_map(&de10).expect("de10-nano");
        assert_eq!(m.kind, DmaKind::Msgdma);
        assert_eq!(m.accel, u64::from(super::super::quartus::LW_BRIDGE_BASE));
        assert!(m.dma > m.accel && m.dma_span >= 0x1048, "{:x}", m.dma_span);
        let z7 = crate::plan::load_board("pynq-z2").expect("board");
        let us = crate::plan::load_board("zcu104").expect("board");
        let (a, b) = (
            address_map(&z7).expect("z7"),
            address_map(&us).expect("us+"),
        );
        assert_eq!((a.cells, b.cells), (1, 2));
        assert_ne!(a.dma, b.dma);
    }
}
