//! tomatl: a streaming FPGA accelerator generator with per-layer arithmetic.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! `frontend` → `ir::Graph` → `golden` and `plan` → `emit` → `sim`.

pub mod build;
pub mod embedded;
pub mod emit;
pub mod error;
pub mod frontend;
pub mod golden;
pub mod hw;
pub mod implemented;
pub mod import;
pub mod ir;
pub mod output;
pub mod plan;
pub mod progress;
pub mod ptq;
pub mod sim;
pub mod verdict;

pub use error::{Error, InputError, Result};
