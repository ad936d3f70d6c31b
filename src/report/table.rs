//! The `table` format (the default): a fixed-width table of a run's or sweep's results, and a
//! plan's sentences and table. Bad lines skipped with `--skip-bad-lines` are counted under the
//! table (JSON and CSV carry them per row).

use super::{skipped_lines, skipped_note, Exporter, Summary};
use crate::model::plan::{Plan, Targets};
use crate::model::result::{RunResult, SizeUnit};
use crate::model::units::Bytes;
use anyhow::Result;
use std::fmt::Write as _;

/// The readable table.
pub struct Table;

impl Exporter for Table {
    fn summary(&self, s: &Summary) -> Result<Vec<u8>> {
        Ok((render(s) + &skipped_note(skipped_lines(&s.results).0)).into_bytes())
    }

    fn plan(&self, p: &Plan) -> Result<Vec<u8>> {
        let at: Vec<RunResult> = p.policies.iter().map(|pp| pp.at.clone()).collect();
        Ok((render_plan(p) + &skipped_note(skipped_lines(&at).0)).into_bytes())
    }
}

/// Renders a fixed-width table, one row per (policy, size).
pub fn render(s: &Summary) -> String {
    // Engine runs add latency and backend columns.
    let engine = s.results.iter().any(|r| r.read_latency_ms.is_some());
    let mut header: Vec<String> = [
        "policy",
        "cache size",
        "requests",
        "hits",
        "misses",
        "miss ratio",
        "byte miss ratio",
    ]
    .map(String::from)
    .to_vec();
    if engine {
        header.extend(
            [
                "read p50 ms",
                "read p99 ms",
                "backend reads",
                "peak backend",
                "stale reads",
            ]
            .map(String::from),
        );
    }
    // Multi-level caches: the grid varies the bottom tier; each tier's hit ratio follows.
    let tiers: Vec<String> = s
        .results
        .iter()
        .find_map(|r| r.tiers.as_ref())
        .map(|ts| ts.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default();
    if let Some(bottom) = tiers.last() {
        header[0] = format!("{bottom} policy");
        header[1] = format!("{bottom} size");
        header.extend(tiers.iter().map(|t| format!("{t} hit ratio")));
        header.push("memory".into());
        if !engine {
            header.push("backend reads".into());
            header.push("stale reads".into());
        }
    }
    let negative = s.results.iter().any(|r| r.negative_hits.is_some());
    if negative {
        header.push("negative hits".into());
    }
    let warming = s
        .results
        .iter()
        .any(|r| r.backend.is_some_and(|b| b.warming_reads.is_some()));
    if warming {
        header.push("warming reads".into());
    }
    let cluster = s.results.iter().any(|r| r.nodes.is_some());
    if cluster {
        header.extend(["nodes", "imbalance", "hot node share"].map(String::from));
    }
    let remote = s.results.iter().any(|r| r.cache_latency_ms.is_some());
    if remote {
        header.extend(["cache p99 ms", "cache errors"].map(String::from));
    }
    // The alerts each result raised, last; a column per varied key, after the policy.
    let alerts = s.results.iter().any(|r| r.alerts.is_some());
    if alerts {
        header.push("alerts".into());
    }
    let keys = s.variant_keys();
    header.splice(1..1, keys.iter().cloned());
    let mut rows: Vec<Vec<String>> = vec![header];
    for r in &s.results {
        let mut size = match r.size_unit {
            SizeUnit::Bytes => Bytes(r.cache_size).to_string(),
            SizeUnit::Objects => format!("{} objects", r.cache_size),
        };
        if r.size_spec.ends_with('%') {
            size = format!("{size} ({})", r.size_spec);
        }
        let mut row = vec![r.policy_label()];
        row.extend(
            keys.iter()
                .map(|k| r.variant.as_ref().map(|v| v.text(k)).unwrap_or_default()),
        );
        row.extend([
            size,
            r.requests.to_string(),
            r.hits.to_string(),
            r.misses.to_string(),
            format!("{:.4}", r.miss_ratio),
            format!("{:.4}", r.byte_miss_ratio),
        ]);
        if engine {
            let dash = || "-".to_string();
            row.push(
                r.read_latency_ms
                    .as_ref()
                    .map(|l| format!("{:.3}", l.p50))
                    .unwrap_or_else(dash),
            );
            row.push(
                r.read_latency_ms
                    .as_ref()
                    .map(|l| format!("{:.3}", l.p99))
                    .unwrap_or_else(dash),
            );
            row.push(r.backend.as_ref().map(|b| b.reads.to_string()).unwrap_or_else(dash));
            row.push(
                r.backend
                    .as_ref()
                    .and_then(|b| b.peak_concurrency)
                    .map(|n| n.to_string())
                    .unwrap_or_else(dash),
            );
            row.push(r.stale_reads.map(|n| n.to_string()).unwrap_or_else(dash));
        }
        if !tiers.is_empty() {
            let ts = r.tiers.as_deref().unwrap_or_default();
            row.extend(ts.iter().map(|t| format!("{:.4}", t.hit_ratio)));
            row.push(show(r.memory_bytes_total.unwrap_or(0), r.size_unit));
            if !engine {
                row.push(r.backend.map_or("-".into(), |b| b.reads.to_string()));
                row.push(r.stale_reads.map_or("-".into(), |n| n.to_string()));
            }
        }
        if negative {
            row.push(r.negative_hits.map_or("-".into(), |n| n.to_string()));
        }
        if warming {
            row.push(
                r.backend
                    .and_then(|b| b.warming_reads)
                    .map_or("-".into(), |n| n.to_string()),
            );
        }
        if cluster {
            row.push(r.nodes.as_ref().map_or("-".into(), |n| n.len().to_string()));
            row.push(r.imbalance.map_or("-".into(), |x| format!("{x:.3}")));
            row.push(r.hot_node_share.map_or("-".into(), |x| format!("{x:.4}")));
        }
        if remote {
            row.push(
                r.cache_latency_ms
                    .as_ref()
                    .map_or("-".into(), |l| format!("{:.3}", l.p99)),
            );
            row.push(r.cache_errors.map_or("-".into(), |n| n.to_string()));
        }
        if alerts {
            let raised = r.alerts_raised.as_deref().unwrap_or_default();
            row.push(if raised.is_empty() {
                "-".into()
            } else {
                raised.iter().map(crate::alerts::compact).collect::<Vec<_>>().join(", ")
            });
        }
        rows.push(row);
    }
    let mut width = vec![0usize; rows[0].len()];
    for row in &rows {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let src = &s.source;
    let mut out = match (&src.name, &src.format) {
        (Some(name), _) => format!("workload: {name} ({}, seed {})\n", src.path, s.seed),
        (None, Some(f)) => format!(
            "trace: {} ({f}{})\n",
            src.path,
            if src.zstd == Some(true) { ", zstd" } else { "" }
        ),
        (None, None) => format!("{}: {}\n", src.kind, src.path),
    };
    if let (Some(o), Some(b)) = (src.objects, src.working_set_bytes) {
        out.push_str(&format!("working set: {o} objects, {}\n", Bytes(b)));
    }
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (j, c) in row.iter().enumerate() {
            // Names (the policy, varied keys' values, the size) and the alerts read from the left.
            if j < 2 + keys.len() || (alerts && j + 1 == row.len()) {
                line.push_str(&format!("{:<w$}  ", c, w = width[j]));
            } else {
                line.push_str(&format!("{:>w$}  ", c, w = width[j]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * (width.len() - 1)));
            out.push('\n');
        }
    }
    out
}

/// A size for people: `64.0 MiB` or `1000 objects`.
pub fn show(size: u64, unit: SizeUnit) -> String {
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
    if let Some(m) = t.max_backend_read_rps {
        parts.push(format!("at most {m} backend reads per second"));
    }
    if let Some(p) = t.p99_ms {
        parts.push(format!("a p99 read latency of at most {p} ms"));
    }
    parts.join(" and ")
}

/// A rate for people: whole numbers from 100, else three significant digits or so.
fn fmt_rate(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// `(hit ratio 91.20%, 1203 backend reads/s, read p99 1.20 ms)`.
fn figures(r: &RunResult, read_rps: Option<f64>, write_rps: Option<f64>) -> String {
    let mut o = format!("hit ratio {:.2}%", r.hit_ratio * 100.0);
    if let Some(x) = read_rps {
        let _ = write!(o, ", {} backend reads/s", fmt_rate(x));
    }
    if let Some(x) = write_rps {
        let _ = write!(o, ", {} backend writes/s", fmt_rate(x));
    }
    if let Some(l) = &r.read_latency_ms {
        let _ = write!(o, ", read p99 {:.2} ms", l.p99);
    }
    o
}

/// The plan as sentences and a table. Hit ratio is `run`'s `hit_ratio`; backend reads are read
/// misses (plain replay) or the engine's backend reads, per second.
pub fn render_plan(p: &Plan) -> String {
    let mut o = String::new();
    let want = describe_targets(&p.targets);
    let has_targets = p.targets.any();
    for pp in &p.policies {
        if has_targets {
            match pp.size {
                Some(s) => {
                    let _ = writeln!(
                        o,
                        "{}: the smallest cache with {want} is {} ({}).",
                        pp.policy,
                        show(s, p.size_unit),
                        figures(&pp.at, pp.backend_read_rps, pp.backend_write_rps)
                    );
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
        }
        match (pp.cost_optimal, has_targets) {
            (Some(c), true) => {
                let _ = writeln!(
                    o,
                    "    cost-optimal among the sizes evaluated that meet the targets: {} at {:.2} per month",
                    show(c.size, p.size_unit),
                    c.cost_per_month
                );
            }
            (Some(c), false) => {
                let _ = writeln!(
                    o,
                    "{}: the cost-optimal cache among the {} sizes evaluated is {} at {:.2} per month ({}).",
                    pp.policy,
                    pp.evaluated.len(),
                    show(c.size, p.size_unit),
                    c.cost_per_month,
                    figures(&pp.at, pp.backend_read_rps, pp.backend_write_rps)
                );
            }
            (None, true) if p.cost_model.is_some() => {
                let _ = writeln!(o, "    cost-optimal: none (no size evaluated meets the targets)");
            }
            _ => {}
        }
    }
    let w = p.policies.iter().map(|pp| pp.policy.len()).max().unwrap_or(0).max(12);
    let _ = write!(o, "\n{:<w$}", "policy");
    if has_targets {
        let _ = write!(o, " {:>14}", "smallest size");
    }
    let _ = write!(
        o,
        " {:>10} {:>16} {:>17}",
        "hit ratio", "backend reads/s", "backend writes/s"
    );
    if p.cost_model.is_some() {
        let _ = write!(o, " {:>18} {:>14}", "cost-optimal size", "cost/month");
    }
    o.push('\n');
    let rate = |x: Option<f64>| x.map(fmt_rate).unwrap_or_else(|| "-".into());
    for pp in &p.policies {
        let _ = write!(o, "{:<w$}", pp.policy);
        if has_targets {
            let size = pp
                .size
                .map(|s| show(s, p.size_unit))
                .unwrap_or_else(|| "unreachable".into());
            let _ = write!(o, " {size:>14}");
        }
        let _ = write!(
            o,
            " {:>9.2}% {:>16} {:>17}",
            pp.at.hit_ratio * 100.0,
            rate(pp.backend_read_rps),
            rate(pp.backend_write_rps)
        );
        if p.cost_model.is_some() {
            let (size, cost) = pp
                .cost_optimal
                .map(|c| (show(c.size, p.size_unit), format!("{:.2}", c.cost_per_month)))
                .unwrap_or_else(|| ("-".into(), "-".into()));
            let _ = write!(o, " {size:>18} {cost:>14}");
        }
        o.push('\n');
    }
    o
}
