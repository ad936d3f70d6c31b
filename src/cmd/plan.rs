//! `cachesim plan`: arguments -> targets, cost model and run configuration -> [`crate::plan`] ->
//! printed and written.

use crate::cli::PlanArgs;
use crate::config::RunConfig;
use crate::error::input_error;
use crate::plan::{self, parse_hit_ratio, price, write_report, CostModel, Targets};
use crate::replay::grid::{self, WorkingSet};
use crate::report;
use anyhow::Result;

/// `cachesim plan`.
pub fn run(a: &PlanArgs) -> Result<()> {
    if a.run.sizes.is_some() {
        return Err(input_error(
            "--sizes does not apply to plan: it chooses the sizes itself (32 from 0.1% to 100% of the working set, then narrows); \
             use `cachesim run -s ...` or `cachesim sweep -s ...` to evaluate given sizes",
        ));
    }
    let p99_ms = match &a.target_p99 {
        Some(t) => Some(
            crate::model::units::parse_duration(t).map_err(|e| input_error(format!("--target-p99: {e}")))? as f64 / 1e6,
        ),
        None => None,
    };
    let targets = Targets {
        hit_ratio: a.target_hit_ratio.as_deref().map(parse_hit_ratio).transpose()?,
        max_backend_read_rps: a.max_backend_rps,
        p99_ms,
    };
    let cost_model = match price(a.memory_cost_per_gib_month, "--memory-cost-per-gib-month")? {
        Some(mem) => Some(CostModel {
            memory_per_gib_month: mem,
            backend_per_million_reads: price(a.backend_cost_per_million_reads, "--backend-cost-per-million-reads")?
                .unwrap_or(0.0),
        }),
        None => None,
    };
    if !targets.any() && cost_model.is_none() {
        return Err(input_error(
            "plan needs a target: --target-hit-ratio 0.9, --max-backend-rps 2000, or a cost model (--memory-cost-per-gib-month)",
        ));
    }
    if targets.max_backend_read_rps.is_some_and(|m| m.is_nan() || m <= 0.0) {
        return Err(input_error("--max-backend-rps must be greater than 0"));
    }
    let cfgs = RunConfig::all_from_args(&a.run)?;
    if p99_ms.is_some() && cfgs.iter().any(|c| c.engine.is_none()) {
        return Err(input_error(
            "--target-p99 needs latencies: give the workload a [backend] section (and [cache_latency]) so it runs on the discrete-event engine",
        ));
    }
    let first = &cfgs[0];
    let (out, format, chart_format) = (first.out.clone(), first.format, first.chart_format);
    // Each variant's plan, one after the other; its policies carry the variant.
    let mut plan: Option<plan::Plan> = None;
    let mut source = None;
    let seed = first.seed;
    for mut cfg in cfgs {
        let ws: WorkingSet = grid::working_set(&cfg.source, cfg.quiet)?;
        source.get_or_insert_with(|| grid::source_info(&cfg.source, Some(ws)));
        if ws.objects == 0 {
            return Err(input_error("the source has no requests"));
        }
        if targets.max_backend_read_rps.is_some() && ws.span_secs() <= 0.0 {
            return Err(input_error(
                "--max-backend-rps needs request times, and this stream has none",
            ));
        }
        let mut p = plan::plan(&mut cfg, &ws, targets, cost_model)?;
        if let Some(v) = cfg.variant.as_ref().filter(|v| !v.0.is_empty()) {
            for pp in &mut p.policies {
                pp.policy = format!("{} ({})", pp.policy, v.label());
                pp.at.variant = Some(v.clone());
                for r in &mut pp.curve {
                    r.variant = Some(v.clone());
                }
            }
        }
        match plan.as_mut() {
            None => plan = Some(p),
            Some(all) => all.policies.append(&mut p.policies),
        }
    }
    let plan = plan.ok_or_else(|| input_error("no variant to run"))?;
    if let Some(dir) = &out {
        let out = report::OutDir::create(dir)?;
        let source = source.ok_or_else(|| input_error("no variant to run"))?;
        write_report(
            out.path(),
            &plan,
            &report::table::render_plan(&plan),
            chart_format,
            &source,
            seed,
        )?;
        out.commit()?;
    }
    report::print_bytes(&format.exporter().plan(&plan)?)
}
