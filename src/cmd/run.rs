//! `cachesim run`.

use crate::config::RunConfig;
use crate::replay::grid::run_grid;
use crate::report;
use anyhow::Result;

/// `cachesim run`: run the grid, print, write the output directory.
pub fn run(mut cfg: RunConfig) -> Result<()> {
    let out = cfg.out.as_deref().map(report::OutDir::create).transpose()?;
    let summary = run_grid(&mut cfg)?;
    if let Some(out) = out {
        report::write_dir(out.path(), &summary, cfg.chart_format)?;
        out.commit()?;
    }
    report::print(&summary, cfg.format)
}
