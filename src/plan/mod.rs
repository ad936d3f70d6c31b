//! Capacity planning (`cachesim plan`). For each policy, the smallest cache that meets every target
//! (hit ratio, backend load, and p99 read latency for workloads on the discrete-event engine)
//! between 0.1% and 100% of the working set: 32 log-spaced sizes first, then the bracket around the
//! first size that meets the targets is narrowed to 1% of the answer (hit ratio grows with size for
//! the stack policies and, in practice, for the rest). Plain LRU on a replay is evaluated with the
//! exact one-pass curve (every 1% step of the bracket in a second pass); other policies by
//! bisection, each round's simulations of all policies in parallel, so the answer never depends on
//! the thread count. With a cost model it also finds the cost-optimal size among the sizes evaluated
//! that meet the targets; with a cost model and no target, that is the one answer.
//!
//! What is counted: the hit ratio is `run`'s `hit_ratio` (hits / requests: reads and writes in a
//! plain replay, reads only on the engine, where writes take the write pattern). Backend load is
//! backend reads: read misses in a plain replay (a write miss fetches nothing), the backend's reads
//! on the engine; the engine's backend writes are reported beside them, never added.

use crate::config::RunConfig;
use crate::error::input_error;
use crate::model::result::{RunResult, SizeUnit};
use crate::replay::grid::{self, WorkingSet};
use crate::report::table::show;
use crate::report::{self, chart, Exporter};
use anyhow::Result;

pub use crate::model::plan::{CostModel, CostOptimal, Evaluated, Plan, PolicyPlan, Targets};

/// Backend reads per second: the engine's backend reads over simulated time, else the replay's
/// read misses over the stream's span (writes in a plain replay never reach a backend).
fn backend_read_rps(r: &RunResult, span: f64) -> f64 {
    match (&r.backend, r.duration_s) {
        // Engine runs count real backend reads (stampedes included) over simulated time.
        (Some(b), Some(d)) if d > 0.0 => b.reads as f64 / d,
        (Some(_), _) => f64::INFINITY,
        _ if span > 0.0 => r.read_misses.unwrap_or(r.misses) as f64 / span,
        _ => f64::INFINITY,
    }
}

/// Backend writes per second on the engine (None in a plain replay).
fn backend_write_rps(r: &RunResult) -> Option<f64> {
    match (&r.backend, r.duration_s) {
        (Some(b), Some(d)) if d > 0.0 => Some(b.writes as f64 / d),
        _ => None,
    }
}

fn meets(r: &RunResult, t: &Targets, span: f64) -> bool {
    t.hit_ratio.is_none_or(|h| r.hit_ratio >= h)
        && t.max_backend_read_rps.is_none_or(|m| backend_read_rps(r, span) <= m)
        && t.p99_ms
            .is_none_or(|p| r.read_latency_ms.as_ref().is_some_and(|l| l.p99 <= p))
}

/// `--target-hit-ratio`: `0.9` or `90%`, in (0, 1].
pub fn parse_hit_ratio(s: &str) -> Result<f64> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        _ => Err(input_error(format!(
            "--target-hit-ratio `{s}` must be a ratio in (0, 1] or a percentage in (0%, 100%], e.g. 0.9 or 90%"
        ))),
    }
}

/// Results at `todo[i]` sizes for policy `i`, from one [`grid::evaluate`] of all policies: the
/// one-pass LRU curve where `stack[i]` (cleared, with a note, when the stream has no exact curve),
/// else simulations.
fn evaluate(
    cfg: &mut RunConfig,
    policies: &[crate::policy::PolicySpec],
    stack: &mut [bool],
    todo: &[Vec<u64>],
) -> Result<Vec<Vec<RunResult>>> {
    let mut cells = Vec::new();
    let mut owner = Vec::new();
    for (i, p) in policies.iter().enumerate() {
        for &s in &todo[i] {
            cells.push(grid::Cell {
                policy: p.clone(),
                label: s.to_string(),
                capacity: s,
                eval: if stack[i] {
                    grid::Eval::LruCurve
                } else {
                    grid::Eval::Simulate
                },
            });
            owner.push(i);
        }
    }
    let ev = grid::evaluate(cfg, &cells, &grid::Curve::Exact)?;
    for note in &ev.notes {
        if let grid::Note::Fallback { policy, error } = note {
            eprintln!("note: {error}; simulating lru at each size instead");
            for (i, p) in policies.iter().enumerate() {
                if p.label() == *policy {
                    stack[i] = false;
                }
            }
        }
    }
    let mut out = vec![Vec::new(); policies.len()];
    for (r, i) in ev.results.into_iter().zip(owner) {
        out[i].push(r);
    }
    Ok(out)
}

/// The monthly cost of `r` under `m`: memory at its size plus backend reads over a 30-day month.
fn monthly_cost(r: &RunResult, m: &CostModel, span: f64, unit: SizeUnit) -> f64 {
    let gib = match unit {
        SizeUnit::Bytes => r.cache_size as f64 / (1u64 << 30) as f64,
        // Objects: the mean object size turns counts into bytes.
        SizeUnit::Objects => {
            r.cache_size as f64 * (r.bytes_requested as f64 / r.requests.max(1) as f64) / (1u64 << 30) as f64
        }
    };
    let rps = backend_read_rps(r, span);
    let reads_per_month = if rps.is_finite() { rps * 30.0 * 86_400.0 } else { 0.0 };
    m.memory_per_gib_month * gib + m.backend_per_million_reads * reads_per_month / 1e6
}

pub fn price(x: Option<f64>, flag: &str) -> Result<Option<f64>> {
    match x {
        Some(v) if !(v.is_finite() && v >= 0.0) => {
            Err(input_error(format!("{flag} must be a price of at least 0, e.g. 3.5")))
        }
        v => Ok(v),
    }
}

/// `cachesim plan`.
/// The plan for `cfg`'s policies over its source (working set `ws`): for each policy the smallest
/// size meeting `targets` and, with a cost model, the cost-optimal size (see the module docs).
pub fn plan(cfg: &mut RunConfig, ws: &WorkingSet, targets: Targets, cost_model: Option<CostModel>) -> Result<Plan> {
    let span = ws.span_secs();
    let total = match cfg.unit {
        SizeUnit::Bytes => ws.bytes,
        SizeUnit::Objects => ws.objects,
    };
    // A cluster splits the size over its nodes: each needs at least one byte (object).
    let least = cfg
        .topology
        .as_ref()
        .and_then(|t| t.cluster.filter(|c| c.tier == t.bottom()))
        .map_or(1, |c| u64::from(c.nodes));
    let lo = (total / 1000).max(least);
    let mut grid: Vec<u64> = (0..32)
        .map(|i| ((lo as f64) * ((total as f64 / lo as f64).powf(i as f64 / 31.0))).round() as u64)
        .collect();
    grid.dedup();
    let policies = cfg.policies.clone();
    let n = policies.len();
    // Plain LRU on a replay without writes gets exact results from one pass over the stream per
    // round (the one-pass curve) instead of a simulation per size; the other policies' sizes of a
    // round are simulated together, in parallel. With writes, the one-pass curve cannot tell read
    // misses (backend reads) from write misses, so LRU is simulated too.
    let mut stack: Vec<bool> = policies
        .iter()
        .map(|p| cfg.engine.is_none() && ws.writes == 0 && crate::replay::curve::is_plain_lru(p))
        .collect();
    let mut curves: Vec<Vec<RunResult>> = vec![Vec::new(); n];
    // The smallest size found to meet the targets, and the largest found below it that does not.
    let mut pass: Vec<Option<RunResult>> = vec![None; n];
    let mut fail: Vec<u64> = vec![0; n];
    let mut todo: Vec<Vec<u64>> = vec![grid.clone(); n];
    while todo.iter().any(|t| !t.is_empty()) {
        let got = evaluate(cfg, &policies, &mut stack, &todo)?;
        for (i, mut rs) in got.into_iter().enumerate() {
            if stack[i] {
                // No writes in the stream: every miss of the one-pass curve is a read miss.
                for r in &mut rs {
                    r.read_misses = Some(r.misses);
                }
            }
            for r in rs.iter().filter(|r| meets(r, &targets, span)) {
                if pass[i].as_ref().is_none_or(|p| r.cache_size < p.cache_size) {
                    pass[i] = Some(r.clone());
                }
            }
            todo[i].clear();
            // Without targets every size "meets" them: nothing to narrow.
            if let Some(p) = pass[i].as_ref().map(|p| p.cache_size).filter(|_| targets.any()) {
                for r in rs.iter().filter(|r| r.cache_size < p && !meets(r, &targets, span)) {
                    fail[i] = fail[i].max(r.cache_size);
                }
                let f = fail[i];
                // Narrow the bracket to 1% of the answer: bisection, or every 1% step at once.
                if p > f + 1 && (p - f) as f64 > 0.01 * p as f64 {
                    todo[i] = if stack[i] {
                        let step = ((0.01 * p as f64) as u64).max(1);
                        (1..).map(|k| f + k * step).take_while(|s| *s < p).collect()
                    } else {
                        // Bisection (not a split by thread count: the answer must not depend on -j).
                        vec![f + (p - f) / 2]
                    };
                }
            }
            curves[i].extend(rs);
        }
    }
    let mut plans = Vec::new();
    for (i, p) in policies.iter().enumerate() {
        let mut curve = std::mem::take(&mut curves[i]);
        curve.sort_by_key(|r| r.cache_size);
        curve.dedup_by_key(|r| r.cache_size);
        let evaluated: Vec<Evaluated> = curve
            .iter()
            .map(|r| {
                let rps = backend_read_rps(r, span);
                Evaluated {
                    size: r.cache_size,
                    hit_ratio: r.hit_ratio,
                    backend_read_rps: Some(rps).filter(|x| x.is_finite()),
                    meets_targets: meets(r, &targets, span),
                    cost_per_month: cost_model.as_ref().map(|m| monthly_cost(r, m, span, cfg.unit)),
                }
            })
            .collect();
        // The first of equal costs is the smallest size.
        let cost_optimal = evaluated
            .iter()
            .filter(|e| e.meets_targets)
            .filter_map(|e| e.cost_per_month.map(|c| (e.size, c)))
            .reduce(|best, x| if x.1 < best.1 { x } else { best })
            .map(|(size, cost_per_month)| CostOptimal { size, cost_per_month });
        let best = if targets.any() { pass[i].take() } else { None };
        let at = match (&best, cost_optimal) {
            (Some(b), _) => b.clone(),
            (None, Some(c)) if !targets.any() => curve
                .iter()
                .find(|r| r.cache_size == c.size)
                .expect("the cost-optimal size was evaluated")
                .clone(),
            _ => curve.last().expect("grid is not empty").clone(),
        };
        plans.push(PolicyPlan {
            policy: p.label(),
            size: best.as_ref().map(|b| b.cache_size),
            backend_read_rps: Some(backend_read_rps(&at, span)).filter(|r| r.is_finite()),
            backend_write_rps: backend_write_rps(&at),
            at,
            cost_optimal,
            evaluated,
            curve,
        });
    }
    Ok(Plan {
        targets,
        cost_model,
        size_unit: cfg.unit,
        span_secs: span,
        policies: plans,
    })
}

/// Writes plan.md, plan.json, the plan chart and report.html (plan.md as one self-contained page)
/// into `dir`. `source` and `seed` describe the run for the page.
pub fn write_report(
    dir: &std::path::Path,
    p: &Plan,
    text: &str,
    format: chart::ChartFormat,
    source: &report::SourceInfo,
    seed: u64,
) -> Result<()> {
    let file = format!("plan.{}", format.ext());
    draw_chart(dir, p, format, source)?;
    let md = format!(
        "# {}\n\n```\n{text}```\n\n![Hit ratio by cache size]({file})\n",
        report::source_titled(source, "capacity plan")
    );
    report::write_atomic(&dir.join("plan.md"), md.as_bytes())?;
    report::write_atomic(&dir.join("plan.json"), &report::json::Json.plan(p)?)?;
    let info = report::html::PageInfo {
        source,
        version: env!("CARGO_PKG_VERSION"),
        seed: Some(seed),
        varied: p.policies.iter().any(|pp| pp.at.variant.is_some()),
    };
    let charts = [("Hit ratio by cache size".to_string(), file)];
    report::write_html(dir, &info, &md, &charts, format, |d, f| draw_chart(d, p, f, source))
}

/// Draws the plan chart (`plan.png` or `plan.svg`) into `dir`.
fn draw_chart(dir: &std::path::Path, p: &Plan, format: chart::ChartFormat, source: &report::SourceInfo) -> Result<()> {
    let scale = match p.size_unit {
        SizeUnit::Bytes => (1u64 << 20) as f64,
        SizeUnit::Objects => 1.0,
    };
    let series = p
        .policies
        .iter()
        .map(|pp| chart::Series {
            name: pp.policy.clone(),
            points: pp
                .curve
                .iter()
                .map(|r| (r.cache_size as f64 / scale, r.hit_ratio))
                .collect(),
        })
        .collect();
    // The planned size of each policy, and its cost-optimal size when that is another one.
    let hit_at = |pp: &PolicyPlan, s: u64| pp.curve.iter().find(|r| r.cache_size == s).map_or(0.0, |r| r.hit_ratio);
    let mut highlights = Vec::new();
    for pp in &p.policies {
        if let Some(s) = pp.size {
            highlights.push((
                s as f64 / scale,
                hit_at(pp, s),
                format!("  {} {}", pp.policy, show(s, p.size_unit)),
            ));
        }
        if let Some(c) = pp.cost_optimal.filter(|c| Some(c.size) != pp.size) {
            highlights.push((
                c.size as f64 / scale,
                hit_at(pp, c.size),
                format!("  {} cost-optimal {}", pp.policy, show(c.size, p.size_unit)),
            ));
        }
    }
    let file = format!("plan.{}", format.ext());
    chart::line(
        &dir.join(&file),
        format,
        &chart::LineChart {
            title: report::source_titled(source, "capacity plan, hit ratio by cache size"),
            x_label: if p.size_unit == SizeUnit::Bytes {
                "cache size (MiB)".into()
            } else {
                "cache size (objects)".into()
            },
            y_label: "hit ratio".into(),
            log_x: true,
            series,
            x_fmt: |x| {
                if x >= 100.0 {
                    format!("{x:.0}")
                } else {
                    format!("{x:.2}")
                }
            },
            highlights,
            y_max: Some(1.0),
            h_lines: p
                .targets
                .hit_ratio
                .map(|t| (t, format!("target hit ratio {:.1}%", t * 100.0)))
                .into_iter()
                .collect(),
            ..Default::default()
        },
    )
}
