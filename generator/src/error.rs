//! Errors of every stage. Bad input (exit code 2) always names the file, the
//! place in it and what was expected; internal faults exit with code 1.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with what the user gave: a file, a layer, a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: PathBuf,
    /// 1-based line and column inside `file`, when known.
    pub line: Option<u64>,
    pub col: Option<u64>,
    /// The layer concerned, when there is one.
    pub layer: Option<String>,
    /// What is wrong.
    pub what: String,
    /// What would be right.
    pub expected: Option<String>,
}

impl InputError {
    pub fn new(file: &Path, what: impl Into<String>) -> Self {
        InputError {
            file: file.to_path_buf(),
            line: None,
            col: None,
            layer: None,
            what: what.into(),
            expected: None,
        }
    }

    pub fn at(mut self, line: u64, col: u64) -> Self {
        if line > 0 {
            self.line = Some(line);
            self.col = Some(col);
        }
        self
    }

    pub fn layer(mut self, name: impl Into<String>) -> Self {
        self.layer = Some(name.into());
        self
    }

    pub fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(l), Some(c)) = (self.line, self.col) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(layer) = &self.layer {
            write!(f, "layer `{layer}`: ")?;
        }
        write!(f, "{}", self.what)?;
        if let Some(e) = &self.expected {
            write!(f, "\n  expected: {e}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(Box<InputError>),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
    /// An external tool (Yosys, nextpnr, a compiler) failed on a design.
    #[error("{0}")]
    Tool(String),
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(Box::new(e))
    }
}

impl Error {
    /// Process exit code: 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            _ => 1,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
