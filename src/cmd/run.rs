//! `cachesim run`.

use crate::config::RunConfig;
use crate::report;
use anyhow::Result;

/// `cachesim run`: run the grid (of each variant of the workload, one after the other), print,
/// write the output directory.
pub fn run(cfgs: Vec<RunConfig>) -> Result<()> {
    let Some(first) = cfgs.first() else {
        return Err(crate::error::input_error("no variant to run"));
    };
    let (out, format, chart_format) = (first.out.clone(), first.format, first.chart_format);
    let out = out.as_deref().map(report::OutDir::create).transpose()?;
    let summary = crate::replay::grid::run_all(cfgs)?;
    if let Some(out) = out {
        report::write_dir(out.path(), &summary, chart_format)?;
        out.commit()?;
    }
    report::print(&summary, format)
}
