//! `cachesim check`.

use crate::check::{self, CheckConfig};
use crate::cli::CheckArgs;
use crate::config::RunConfig;
use crate::error::input_error;
use crate::report::OutputFormat;
use anyhow::Result;

/// Arguments -> checked configuration -> the checks.
pub fn run(a: &CheckArgs) -> Result<()> {
    if a.run.format == OutputFormat::Csv {
        return Err(input_error("check prints a table or JSON; --format csv does not apply"));
    }
    let runs = RunConfig::all_from_args(&a.run)?;
    let cfg = CheckConfig::new(
        runs,
        a.run.workload.as_deref(),
        &a.asserts,
        &a.tolerance,
        a.baseline.clone(),
        a.update_baseline,
        a.summary.clone(),
    )?;
    check::execute(cfg)
}
