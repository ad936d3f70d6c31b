//! Assertions checked before the simulation starts: a typo in a metric, a policy or a size that
//! this run will not produce fails in milliseconds (exit 2), not after a long run.
//!
//! The check evaluates each assertion against template results: one per (policy, size) of the run,
//! with every field the real result will have (a plain replay's, or the engine's with its optional
//! sections exactly as the engine fills them), so the early check accepts and refuses what
//! evaluation after the run would.

use super::expr::Assertion;
use super::metrics::{Entry, Key};
use crate::config::RunConfig;
use crate::engine::config::EngineConfig;
use crate::model::metrics::{BackendStats, LatencySummary, StampedeStats, TierStats, WriteBehindStats};
use crate::model::result::{ReplayStats, RunResult, SizeUnit};
use crate::model::units::SizeSpec;
use crate::schema::engine::WritePattern;
use crate::topology::Topology;

/// A result with the shape (not the numbers) of what `cfg` produces for `policy` at `cap`.
pub fn template(
    engine: Option<&EngineConfig>,
    topology: Option<&Topology>,
    policy: &crate::policy::PolicySpec,
    cap: u64,
    unit: SizeUnit,
) -> RunResult {
    let mut r = policy.result(cap, unit, &ReplayStats::default(), 0, 0, 0);
    // Every result is checked against the alerts' thresholds.
    r.alerts = Some(0);
    r.memory_peak_ratio = Some(0.0);
    if let Some(t) = topology {
        r.backend = Some(BackendStats {
            warming_reads: t.warming.as_ref().map(|_| 0),
            absent_reads: t.absent.then_some(0),
            ..Default::default()
        });
        r.negative_hits = t.absent.then_some(0);
        if t.explicit {
            r.stale_reads = Some(0);
            r.memory_bytes_total = Some(0);
            r.tiers = Some(
                t.tiers
                    .iter()
                    .map(|x| TierStats {
                        name: x.name.clone(),
                        scope: x.scope.as_str().into(),
                        ..Default::default()
                    })
                    .collect(),
            );
        }
        if engine.is_some() {
            r.read_latency_tiers_ms = Some(LatencySummary::default());
            r.read_latency_backend_ms = Some(LatencySummary::default());
        }
    }
    if let Some(e) = engine {
        r.writes = Some(0);
        r.read_latency_ms = Some(LatencySummary::default());
        r.write_latency_ms = Some(LatencySummary::default());
        let b = r.backend.unwrap_or_default();
        r.backend = Some(BackendStats {
            peak_concurrency: Some(0),
            peak_queue: Some(0),
            mean_in_flight: Some(0.0),
            mean_time_ms: Some(0.0),
            ..b
        });
        r.stampede = Some(StampedeStats::default());
        r.write_behind = (e.write == WritePattern::WriteBehind).then_some(WriteBehindStats::default());
        r.stale_reads = Some(0);
        r.stale_served = Some(0);
        r.errors = Some(0);
        r.duration_s = Some(0.0);
    }
    r
}

/// Template entries for every (policy, size) of `cfg`. Percentage sizes get a placeholder
/// capacity (the working set is not measured yet).
pub fn template_entries(cfg: &RunConfig) -> Vec<Entry> {
    let mut out = Vec::new();
    for p in &cfg.policies {
        for (label, spec) in &cfg.sizes {
            let cap = match spec {
                SizeSpec::Absolute(n) => *n,
                SizeSpec::WorkingSet(_) => 0,
            };
            let mut r = template(cfg.engine.as_deref(), cfg.topology.as_deref(), p, cap, cfg.unit);
            r.size_spec = label.clone();
            let value = serde_json::to_value(&r).expect("a result serializes");
            let key = Key {
                policy: r.policy.clone(),
                params: r.params.clone(),
                cache_size: cap,
                size_unit: match cfg.unit {
                    SizeUnit::Bytes => "bytes".into(),
                    SizeUnit::Objects => "objects".into(),
                },
                size_spec: label.clone(),
                variant: cfg.variant.as_ref().map(|v| v.label()).unwrap_or_default(),
            };
            out.push(Entry { key, value });
        }
    }
    out
}

/// Checks every assertion against what `cfg` will produce; the errors, one per line, as after the
/// run. An absolute size in an assertion is not checked when the run has percentage sizes (their
/// capacities are known only once the working set is measured).
pub fn precheck(cfg: &RunConfig, assertions: &[Assertion]) -> Result<(), String> {
    let entries = template_entries(cfg);
    let has_pct = cfg.sizes.iter().any(|(_, s)| matches!(s, SizeSpec::WorkingSet(_)));
    let mut errors = Vec::new();
    for a in assertions {
        let mut a = a.clone();
        if has_pct {
            if let Some(sel) = a.selector.as_mut() {
                if matches!(sel.size, Some((_, SizeSpec::Absolute(_)))) {
                    sel.size = None;
                }
            }
        }
        if let Err(e) = a.evaluate(&entries) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}
