//! `cachesim plan`: capacity planning. For each policy, the smallest cache that meets every target
//! (hit ratio, backend load, and p99 read latency for workloads on the discrete-event engine)
//! between 0.1% and 100% of the working set: 32 log-spaced sizes first, then the bracket around the
//! first size that meets the targets is narrowed to 1% of the answer (hit ratio grows with size for
//! the stack policies and, in practice, for the rest). Plain LRU on a replay is evaluated with the
//! exact one-pass curve (every 1% step of the bracket in a second pass); other policies by
//! bisection, each round's simulations of all policies in parallel, so the answer never depends on
//! the thread count. With a cost model it also finds the cost-optimal size among the sizes evaluated.

use crate::cli::PlanArgs;
use crate::config::RunConfig;
use crate::error::input_error;
use crate::report::{self, chart};
use crate::run::{self, WorkingSet};
use crate::sim::{RunResult, SizeUnit};
use crate::units::Bytes;
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;

/// What a plan must meet.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Targets {
    /// Minimum read hit ratio.
    pub hit_ratio: Option<f64>,
    /// Maximum backend (miss) requests per second.
    pub max_backend_rps: Option<f64>,
    /// Maximum p99 read latency in milliseconds (needs the engine).
    pub p99_ms: Option<f64>,
}

/// The answer for one policy.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyPlan {
    /// Policy label.
    pub policy: String,
    /// Smallest size meeting every target (None: not reachable within the working set).
    pub size: Option<u64>,
    /// The result at that size (or at the whole working set when unreachable).
    pub at: RunResult,
    /// Backend requests per second at that size.
    pub backend_rps: Option<f64>,
    /// The cost-optimal size and its monthly cost, with a cost model.
    pub cost_optimal: Option<(u64, f64)>,
    /// Every size simulated, for the chart.
    #[serde(skip)]
    pub curve: Vec<RunResult>,
}

/// The whole plan.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Targets.
    pub targets: Targets,
    /// Size unit.
    pub size_unit: SizeUnit,
    /// Seconds of traffic in the stream (for rates).
    pub span_secs: f64,
    /// One entry per policy.
    pub policies: Vec<PolicyPlan>,
}

fn backend_rps(r: &RunResult, span: f64) -> f64 {
    match (&r.backend, r.duration_s) {
        // Engine runs count real backend reads (stampedes included) over simulated time.
        (Some(b), Some(d)) if d > 0.0 => b.reads as f64 / d,
        _ if span > 0.0 => r.misses as f64 / span,
        _ => f64::INFINITY,
    }
}

fn meets(r: &RunResult, t: &Targets, span: f64) -> bool {
    t.hit_ratio.is_none_or(|h| r.hit_ratio >= h)
        && t.max_backend_rps.is_none_or(|m| backend_rps(r, span) <= m)
        && t.p99_ms
            .is_none_or(|p| r.read_latency_ms.as_ref().is_some_and(|l| l.p99 <= p))
}

/// Results at `todo[i]` sizes for policy `i`: the one-pass LRU curve where `stack[i]` (cleared,
/// with a note, when the stream has no exact curve), else simulations, all in one parallel grid.
fn evaluate(
    cfg: &mut RunConfig,
    policies: &[crate::policy::PolicySpec],
    stack: &mut [bool],
    todo: &[Vec<u64>],
) -> Result<Vec<Vec<RunResult>>> {
    let mut out = vec![Vec::new(); policies.len()];
    let mut jobs: Vec<run::Job> = Vec::new();
    let mut owner = Vec::new();
    for (i, p) in policies.iter().enumerate() {
        if !stack[i] {
            for &s in &todo[i] {
                jobs.push((p.clone(), s.to_string(), s));
                owner.push(i);
            }
        }
    }
    run::prepare(cfg, &jobs)?;
    // The one-pass curves run on their own thread beside the simulations.
    let cfg: &RunConfig = cfg;
    let (exact, simulated) = std::thread::scope(|scope| {
        let exact = scope.spawn(|| {
            let mut got = Vec::new();
            for i in (0..policies.len()).filter(|&i| stack[i] && !todo[i].is_empty()) {
                let labels: Vec<String> = todo[i].iter().map(u64::to_string).collect();
                got.push((i, crate::sweep::exact_lru(cfg, &todo[i], &labels)));
            }
            got
        });
        let simulated = if jobs.is_empty() {
            Ok(Vec::new())
        } else {
            run::run_prepared(cfg, &jobs)
        };
        (exact.join().expect("the LRU curve thread does not panic"), simulated)
    });
    for (r, i) in simulated?.into_iter().zip(owner) {
        out[i].push(r);
    }
    let (mut fallback, mut fallback_owner) = (Vec::new(), Vec::new());
    for (i, got) in exact {
        match got? {
            Ok(rs) => out[i] = rs,
            Err(e) => {
                eprintln!("note: {e}; simulating lru at each size instead");
                stack[i] = false;
                for &s in &todo[i] {
                    fallback.push((policies[i].clone(), s.to_string(), s));
                    fallback_owner.push(i);
                }
            }
        }
    }
    if !fallback.is_empty() {
        for (r, i) in run::run_prepared(cfg, &fallback)?.into_iter().zip(fallback_owner) {
            out[i].push(r);
        }
    }
    Ok(out)
}

fn monthly_cost(r: &RunResult, a: &PlanArgs, span: f64, unit: SizeUnit) -> Option<f64> {
    let mem = a.memory_cost_per_gib_month?;
    let backend = a.backend_cost_per_million_reads.unwrap_or(0.0);
    let gib = match unit {
        SizeUnit::Bytes => r.cache_size as f64 / (1u64 << 30) as f64,
        // Objects: the mean object size turns counts into bytes.
        SizeUnit::Objects => {
            r.cache_size as f64 * (r.bytes_requested as f64 / r.requests.max(1) as f64) / (1u64 << 30) as f64
        }
    };
    let rps = backend_rps(r, span);
    let reads_per_month = if rps.is_finite() { rps * 30.0 * 86_400.0 } else { 0.0 };
    Some(mem * gib + backend * reads_per_month / 1e6)
}

/// `cachesim plan`.
pub fn run(a: &PlanArgs) -> Result<()> {
    let p99_ms = match &a.target_p99 {
        Some(t) => {
            Some(crate::units::parse_duration(t).map_err(|e| input_error(format!("--target-p99: {e}")))? as f64 / 1e6)
        }
        None => None,
    };
    let targets = Targets {
        hit_ratio: a.target_hit_ratio,
        max_backend_rps: a.max_backend_rps,
        p99_ms,
    };
    if targets.hit_ratio.is_none()
        && targets.max_backend_rps.is_none()
        && p99_ms.is_none()
        && a.memory_cost_per_gib_month.is_none()
    {
        return Err(input_error(
            "plan needs a target: --target-hit-ratio 0.9, --max-backend-rps 2000, or a cost model (--memory-cost-per-gib-month)",
        ));
    }
    if let Some(h) = targets.hit_ratio {
        if !(0.0..=1.0).contains(&h) {
            return Err(input_error("--target-hit-ratio must be between 0 and 1"));
        }
    }
    if targets.max_backend_rps.is_some_and(|m| m.is_nan() || m <= 0.0) {
        return Err(input_error("--max-backend-rps must be greater than 0"));
    }
    let mut cfg = RunConfig::from_args(&a.run)?;
    if p99_ms.is_some() && cfg.engine.is_none() {
        return Err(input_error(
            "--target-p99 needs latencies: give the workload a [backend] section (and [cache_latency]) so it runs on the discrete-event engine",
        ));
    }
    let ws: WorkingSet = crate::progress::counted(cfg.quiet, cfg.source.progress_total(), "measuring", |c| {
        run::working_set_counting(&cfg.source, Some(c))
    })?;
    if ws.objects == 0 {
        return Err(input_error("the source has no requests"));
    }
    let span = ws.span_secs();
    if targets.max_backend_rps.is_some() && span <= 0.0 {
        return Err(input_error(
            "--max-backend-rps needs request times, and this stream has none",
        ));
    }
    let total = match cfg.unit {
        SizeUnit::Bytes => ws.bytes,
        SizeUnit::Objects => ws.objects,
    };
    let lo = (total / 1000).max(1);
    let grid: Vec<u64> = (0..32)
        .map(|i| ((lo as f64) * ((total as f64 / lo as f64).powf(i as f64 / 31.0))).round() as u64)
        .collect();
    let policies = cfg.policies.clone();
    let n = policies.len();
    // Plain LRU on a replay gets exact results from one pass over the stream per round (the
    // one-pass curve) instead of a simulation per size; the other policies' sizes of a round are
    // simulated together, in parallel.
    let mut stack: Vec<bool> = policies
        .iter()
        .map(|p| cfg.engine.is_none() && crate::sweep::is_plain_lru(p))
        .collect();
    let mut curves: Vec<Vec<RunResult>> = vec![Vec::new(); n];
    // The smallest size found to meet the targets, and the largest found below it that does not.
    let mut pass: Vec<Option<RunResult>> = vec![None; n];
    let mut fail: Vec<u64> = vec![0; n];
    let mut todo: Vec<Vec<u64>> = vec![grid.clone(); n];
    while todo.iter().any(|t| !t.is_empty()) {
        let got = evaluate(&mut cfg, &policies, &mut stack, &todo)?;
        for (i, rs) in got.into_iter().enumerate() {
            for r in rs.iter().filter(|r| meets(r, &targets, span)) {
                if pass[i].as_ref().is_none_or(|p| r.cache_size < p.cache_size) {
                    pass[i] = Some(r.clone());
                }
            }
            todo[i].clear();
            if let Some(p) = pass[i].as_ref().map(|p| p.cache_size) {
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
        let best = pass[i].take();
        curve.sort_by_key(|r| r.cache_size);
        let cost_optimal = curve
            .iter()
            .filter(|r| meets(r, &targets, span))
            .filter_map(|r| monthly_cost(r, a, span, cfg.unit).map(|c| (r.cache_size, c)))
            .min_by(|x, y| x.1.total_cmp(&y.1));
        let at = best
            .clone()
            .unwrap_or_else(|| curve.last().expect("grid is not empty").clone());
        plans.push(PolicyPlan {
            policy: p.label(),
            size: best.as_ref().map(|b| b.cache_size),
            backend_rps: Some(backend_rps(&at, span)).filter(|r| r.is_finite()),
            at,
            cost_optimal,
            curve,
        });
    }
    let plan = Plan {
        targets,
        size_unit: cfg.unit,
        span_secs: span,
        policies: plans,
    };
    let text = render(&plan);
    if let Some(dir) = &cfg.out {
        let out = report::OutDir::create(dir)?;
        write_report(out.path(), &plan, &text, cfg.chart_format)?;
        out.commit()?;
    }
    let out = match cfg.format {
        crate::cli::OutputFormat::Json => serde_json::to_string_pretty(&plan)? + "\n",
        _ => text,
    };
    use std::io::Write;
    let mut so = std::io::stdout().lock();
    so.write_all(out.as_bytes())?;
    so.flush()?;
    Ok(())
}

fn show(size: u64, unit: SizeUnit) -> String {
    match unit {
        SizeUnit::Bytes => Bytes(size).to_string(),
        SizeUnit::Objects => format!("{size} objects"),
    }
}

fn describe_targets(t: &Targets) -> String {
    let mut parts = Vec::new();
    if let Some(h) = t.hit_ratio {
        parts.push(format!("a hit ratio of at least {:.1}%", h * 100.0));
    }
    if let Some(m) = t.max_backend_rps {
        parts.push(format!("at most {m} backend reads per second"));
    }
    if let Some(p) = t.p99_ms {
        parts.push(format!("a p99 read latency of at most {p} ms"));
    }
    if parts.is_empty() {
        "the lowest cost".into()
    } else {
        parts.join(" and ")
    }
}

/// The plan as sentences and a table.
pub fn render(p: &Plan) -> String {
    let mut o = String::new();
    let want = describe_targets(&p.targets);
    for pp in &p.policies {
        match pp.size {
            Some(s) => {
                let _ = write!(
                    o,
                    "{}: the smallest cache with {want} is {} (hit ratio {:.2}%",
                    pp.policy,
                    show(s, p.size_unit),
                    pp.at.hit_ratio * 100.0
                );
                if let Some(r) = pp.backend_rps {
                    let _ = write!(o, ", {r:.0} backend reads/s");
                }
                if let Some(l) = &pp.at.read_latency_ms {
                    let _ = write!(o, ", read p99 {:.2} ms", l.p99);
                }
                let _ = writeln!(o, ").");
            }
            None => {
                let _ = writeln!(
                    o,
                    "{}: no cache up to the whole working set ({}) reaches {want}: at that size the hit ratio is {:.2}% (the rest are compulsory misses).",
                    pp.policy,
                    show(pp.at.cache_size, p.size_unit),
                    pp.at.hit_ratio * 100.0
                );
            }
        }
        if let Some((s, c)) = pp.cost_optimal {
            let _ = writeln!(o, "    cost-optimal: {} at {c:.2} per month", show(s, p.size_unit));
        }
    }
    let _ = writeln!(
        o,
        "\n{:<12} {:>14} {:>10} {:>14} {:>18}",
        "policy", "size", "hit ratio", "backend rps", "cost-optimal size"
    );
    for pp in &p.policies {
        let _ = writeln!(
            o,
            "{:<12} {:>14} {:>9.2}% {:>14} {:>18}",
            pp.policy,
            pp.size
                .map(|s| show(s, p.size_unit))
                .unwrap_or_else(|| "unreachable".into()),
            pp.at.hit_ratio * 100.0,
            pp.backend_rps.map(|r| format!("{r:.0}")).unwrap_or_else(|| "-".into()),
            pp.cost_optimal
                .map(|(s, _)| show(s, p.size_unit))
                .unwrap_or_else(|| "-".into())
        );
    }
    o
}

fn write_report(dir: &std::path::Path, p: &Plan, text: &str, format: chart::ChartFormat) -> Result<()> {
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
    let highlights = p
        .policies
        .iter()
        .filter_map(|pp| {
            pp.size.map(|s| {
                (
                    s as f64 / scale,
                    pp.at.hit_ratio,
                    format!("  {} {}", pp.policy, show(s, p.size_unit)),
                )
            })
        })
        .collect();
    let file = format!("plan.{}", format.ext());
    chart::line(
        &dir.join(&file),
        format,
        &chart::LineChart {
            title: "Hit ratio by cache size, with the planned sizes".into(),
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
            markers: vec![],
            highlights,
        },
    )?;
    let md = format!("# cachesim capacity plan\n\n```\n{text}```\n\n![Hit ratio by cache size]({file})\n");
    report::write_atomic(&dir.join("plan.md"), md.as_bytes())?;
    report::write_atomic(
        &dir.join("plan.json"),
        (serde_json::to_string_pretty(p)? + "\n").as_bytes(),
    )
}
