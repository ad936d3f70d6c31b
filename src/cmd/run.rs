//! `cachesim run`.

use crate::config::RunConfig;
use crate::replay::grid::run_grid;
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
    let mut summary: Option<report::Summary> = None;
    for mut cfg in cfgs {
        let mut s = run_grid(&mut cfg)?;
        for r in &mut s.results {
            r.variant = cfg.variant.clone();
        }
        match summary.as_mut() {
            None => summary = Some(s),
            Some(all) => {
                all.results.append(&mut s.results);
                for e in s.events {
                    if !all.events.contains(&e) {
                        all.events.push(e);
                    }
                }
            }
        }
    }
    let summary = summary.expect("at least one variant ran");
    if let Some(out) = out {
        report::write_dir(out.path(), &summary, chart_format)?;
        out.commit()?;
    }
    report::print(&summary, format)
}
