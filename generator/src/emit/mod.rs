//! emit stage.
