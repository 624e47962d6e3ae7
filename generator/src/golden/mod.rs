//! golden stage.
