//! The sim stage: build a generated design with Verilator (its RTL, or
//! the netlist Yosys synthesises from it, `netlist`; or its HLS C++ with
//! g++, `hls`), stream frames through it (with random stalls in
//! Verilator), and compare with the golden model.

pub mod hls;
pub mod netlist;
pub mod verify;
pub mod verilator;
pub mod yosys;

use crate::progress;

pub use verify::{verify, verify_backend, verify_netlist, Backend, VerifyOptions, VerifyReport};
