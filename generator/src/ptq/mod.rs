//! ptq stage: networks meet real data. Accuracy of the float reference and
//! of the quantized network (`eval`), post-training choice of every layer's
//! binary points from calibration data (`calibrate`), and the search for
//! per-layer arithmetic and bits that keeps accuracy within a bound at the
//! least resources (`search`).

pub mod calibrate;
pub mod describe;
pub mod eval;
pub mod quantize;
pub mod search;

pub use calibrate::{calibrate, Rule};
pub use describe::{describe, Choice};
pub use eval::{evaluate, Accuracy};
pub use quantize::quantize_file;
