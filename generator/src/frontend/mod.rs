//! frontend stage.
