//! sim stage.
