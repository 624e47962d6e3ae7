//! Building [`InputError`]s that point into the network description.

use std::path::Path;

use serde_saphyr::Location;

use super::spec::Spanned;

use crate::error::InputError;

/// An [`InputError`] being built (boxed: the error is large and travels
/// through many `Result`s).
#[derive(Debug)]
pub struct Fail(pub Box<InputError>);

impl Fail {
    pub fn layer(self, name: impl Into<String>) -> Self {
        Fail(Box::new(self.0.layer(name)))
    }

    pub fn expected(self, e: impl Into<String>) -> Self {
        Fail(Box::new(self.0.expected(e)))
    }

    /// Whether an `expected:` text is already set.
    pub fn has_expected(&self) -> bool {
        self.0.expected.is_some()
    }
}

impl From<InputError> for Fail {
    fn from(e: InputError) -> Self {
        Fail(Box::new(e))
    }
}

impl From<Fail> for crate::error::Error {
    fn from(f: Fail) -> Self {
        crate::error::Error::Input(f.0)
    }
}

/// Results of the frontend's checks.
pub type Res<T> = Result<T, Fail>;

/// An error about file `file` as a whole.
pub fn fail(file: &Path, what: impl Into<String>) -> Fail {
    InputError::new(file, what).into()
}

/// An error at a YAML location of `file` (no line:col when the location is
/// unknown).
pub fn at(file: &Path, loc: &Location, what: impl Into<String>) -> Fail {
    InputError::new(file, what)
        .at(loc.line(), loc.column())
        .into()
}

/// An error at the place where a YAML value was written.
pub fn at_value<T>(file: &Path, v: &Spanned<T>, what: impl Into<String>) -> Fail {
    at(file, &v.referenced, what)
}

/// `[a, b, c]`, the way shapes are written in messages.
pub fn shape_str(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Whether `s` is an identifier `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Check that a name is an identifier; `what` says whose name it is.
pub fn check_identifier(file: &Path, name: &Spanned<String>, what: &str) -> Res<()> {
    if is_identifier(&name.value) {
        Ok(())
    } else {
        Err(at_value(
            file,
            name,
            format!("{what} `{}` is not an identifier", name.value),
        )
        .expected("a name made of letters, digits and `_`, not starting with a digit ([A-Za-z_][A-Za-z0-9_]*)"))
    }
}
