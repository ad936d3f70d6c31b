//! `cachesim compare`.

use crate::cli::CompareArgs;
use anyhow::Result;

/// Compares two summary files.
pub fn run(a: &CompareArgs) -> Result<()> {
    crate::check::compare::execute(&a.a, &a.b, &a.tolerance, a.format)
}
