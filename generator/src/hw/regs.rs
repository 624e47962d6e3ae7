//! The AXI4-Lite register map of a design (`rtl/tomatl_axil_status.v`):
//! what drivers read and write, with the constant values of this design.

use serde::{Deserialize, Serialize};

/// The magic in the ID register: "TMTL".
pub const ID_WORD: u32 = 0x544D_544C;

/// Byte address width of the control port.
pub const ADDR_BITS: u32 = 6;

/// `major.minor.patch` packed as 0x00MMmmpp for the VERSION register.
pub fn version_word() -> u32 {
    let v: Vec<u32> = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    (v.first().copied().unwrap_or(0) << 16)
        | (v.get(1).copied().unwrap_or(0) << 8)
        | v.get(2).copied().unwrap_or(0)
}

/// How software may use a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    ReadOnly,
    /// Read a status; writing 1 to a bit acts (a pulse), the value is not
    /// stored.
    ReadPulse,
}

/// One 32-bit register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub name: String,
    /// Byte offset.
    pub offset: u32,
    pub access: Access,
    /// The value, for constant registers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
    pub doc: String,
}

/// The register map of a design with network hash `net_hash`.
pub fn register_map(net_hash: u32) -> Vec<Register> {
    let r = |name: &str, offset, access, value, doc: &str| Register {
        name: name.into(),
        offset,
        access,
        value,
        doc: doc.into(),
    };
    use Access::*;
    vec![
        r(
            "ID",
            0x00,
            ReadOnly,
            Some(ID_WORD),
            "\"TMTL\": a tomatl accelerator",
        ),
        r(
            "VERSION",
            0x04,
            ReadOnly,
            Some(version_word()),
            "tomatl version, 0x00MMmmpp",
        ),
        r(
            "NET_HASH",
            0x08,
            ReadOnly,
            Some(net_hash),
            "hash of the network the design computes",
        ),
        r(
            "CONTROL",
            0x0C,
            ReadPulse,
            None,
            "read: bit 0 busy (frames in flight); write 1 to bit 0: clear the counters",
        ),
        r(
            "FRAMES_IN",
            0x10,
            ReadOnly,
            None,
            "frames accepted at the input",
        ),
        r(
            "FRAMES_OUT",
            0x14,
            ReadOnly,
            None,
            "frames delivered at the output",
        ),
        r(
            "CYCLES_LO",
            0x18,
            ReadOnly,
            None,
            "cycle counter, bits 31:0",
        ),
        r(
            "CYCLES_HI",
            0x1C,
            ReadOnly,
            None,
            "cycle counter, bits 63:32 (read HI, LO, HI; retry if HI changed)",
        ),
    ]
}
