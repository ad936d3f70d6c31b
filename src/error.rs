//! Errors that carry their exit code: usage and input errors exit with 2, failures while running with 1.

use std::fmt;

/// A problem with what the user gave us (flags, files, values): exit code 2.
///
/// Wrapped inside `anyhow::Error`; `main` looks for it in the chain to choose the exit code.
#[derive(Debug)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Builds an `anyhow::Error` that exits with code 2.
pub fn input_error(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(InputError(msg.into()))
}

/// Returns early with an input error (exit code 2), formatted like `format!`.
#[macro_export]
macro_rules! bail_input {
    ($($arg:tt)*) => {
        return Err($crate::error::input_error(format!($($arg)*)))
    };
}

/// The exit code for an error: 2 when any cause is an [`InputError`], else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.is::<InputError>()) {
        2
    } else {
        1
    }
}
