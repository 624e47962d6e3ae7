//! The sim stage: build a generated design with Verilator, stream frames
//! through it with random stalls, and compare with the golden model.

pub mod verify;
pub mod verilator;
pub mod yosys;

use crate::progress;

pub use verify::{verify, VerifyOptions, VerifyReport};
