//! `report.md`: a self-contained Markdown report of a run (what was run, results, the best policy
//! per size and its distance from Belady, warnings) with the charts embedded by relative path.

use super::Summary;
use crate::model::result::{RunResult, SizeUnit};
use crate::model::units::Bytes;
use std::fmt::Write;

fn size_label(r: &RunResult) -> String {
    let s = match r.size_unit {
        SizeUnit::Bytes => Bytes(r.cache_size).to_string(),
        SizeUnit::Objects => format!("{} objects", r.cache_size),
    };
    if r.size_spec.ends_with('%') {
        format!("{s} ({})", r.size_spec)
    } else {
        s
    }
}

/// Sizes in the order they first appear.
pub fn sizes(s: &Summary) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for r in &s.results {
        if !out.contains(&r.cache_size) {
            out.push(r.cache_size);
        }
    }
    out
}

/// Whether `r` is of an offline policy (one that reads the future: Belady's optimum), the bound
/// the online policies are measured against rather than a choice.
fn offline(r: &RunResult) -> bool {
    crate::policy::info(&r.policy).is_some_and(|i| i.caps.needs_future)
}

/// Warnings about the results beyond the alerts, one line each.
pub fn warnings(s: &Summary) -> Vec<String> {
    let mut w = Vec::new();
    for r in s.results.iter().filter(|r| !offline(r)) {
        if let Some(wb) = r.write_behind.as_ref().filter(|wb| wb.lost_writes > 0) {
            w.push(format!(
                "{} at {}: {} acknowledged writes were lost in a crash",
                r.label(),
                size_label(r),
                wb.lost_writes
            ));
        }
    }
    w
}

/// The alerts of each result that raised any, one line per (policy, size, variant).
pub fn alert_lines(s: &Summary) -> Vec<String> {
    s.results
        .iter()
        .filter_map(|r| {
            let raised = r.alerts_raised.as_deref().filter(|a| !a.is_empty())?;
            Some(format!(
                "{} at {}: {}",
                r.label(),
                size_label(r),
                raised
                    .iter()
                    .map(crate::alerts::sentence)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })
        .collect()
}

/// Nodes shown in a report's per-node table and charts: all up to this many, else the busiest.
pub const NODES_SHOWN: usize = 32;

/// The nodes of `r` to show: every node when there are few, else the [`NODES_SHOWN`] busiest, in
/// node order.
pub fn shown_nodes(r: &RunResult) -> Vec<&crate::model::metrics::NodeStats> {
    let Some(nodes) = &r.nodes else { return Vec::new() };
    let load = |n: &crate::model::metrics::NodeStats| n.ops.unwrap_or(n.requests + n.sets);
    let mut v: Vec<&crate::model::metrics::NodeStats> = nodes.iter().collect();
    if v.len() > NODES_SHOWN {
        v.sort_by_key(|n| std::cmp::Reverse(load(n)));
        v.truncate(NODES_SHOWN);
        v.sort_by_key(|n| n.node);
    }
    v
}

/// The cluster and client figures: per result, then the first result's nodes.
fn cluster_section(o: &mut String, s: &Summary) {
    let remote = s.results.iter().any(|r| r.cache_latency_ms.is_some());
    let cluster = s.results.iter().any(|r| r.nodes.is_some());
    if !remote && !cluster {
        return;
    }
    let dash = || "—".to_string();
    let _ = writeln!(o, "\n## Cache tier: nodes, latency, errors\n");
    let _ = writeln!(
        o,
        "| policy | cache size | nodes | imbalance | busiest node's share | cache p50 ms | cache p99 ms | cache errors | fallback reads | breaker open s | hot reads served locally |"
    );
    let _ = writeln!(
        o,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for r in &s.results {
        let l = r.cache_latency_ms.as_ref();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.label(),
            size_label(r),
            r.nodes.as_ref().map_or_else(dash, |n| n.len().to_string()),
            r.imbalance.map_or_else(dash, |x| format!("{x:.3}")),
            r.hot_node_share.map_or_else(dash, |x| format!("{:.1}%", x * 100.0)),
            l.map_or_else(dash, |l| format!("{:.3}", l.p50)),
            l.map_or_else(dash, |l| format!("{:.3}", l.p99)),
            r.cache_errors.map_or_else(dash, |n| n.to_string()),
            r.fallback_reads.map_or_else(dash, |n| n.to_string()),
            r.breaker_open_s.map_or_else(dash, |x| format!("{x:.2}")),
            r.hot_keys
                .as_ref()
                .filter(|h| h.mitigation == "local")
                .map_or_else(dash, |h| format!("{} of {}", h.local_hits, h.reads)),
        );
    }
    let failures: Vec<String> = s
        .results
        .iter()
        .flat_map(|r| {
            r.failures.iter().flatten().map(move |f| {
                format!(
                    "- {}: node {} failed at {:.1} s; {:.1}% of the tier's resident keys changed node",
                    r.label(),
                    f.node,
                    f.at,
                    f.remapped_share * 100.0
                )
            })
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(o, "\nNode failures:\n");
        for f in failures {
            let _ = writeln!(o, "{f}");
        }
    }
    if let Some(r) = s.results.iter().find(|r| r.nodes.is_some()) {
        let nodes = shown_nodes(r);
        let all = r.nodes.as_ref().map_or(0, |n| n.len());
        let which = if nodes.len() < all {
            format!("the {} busiest of {all} nodes", nodes.len())
        } else {
            "every node".to_string()
        };
        let _ = writeln!(
            o,
            "\nNodes of {} at {} ({which}; all in nodes.csv):\n",
            r.label(),
            size_label(r)
        );
        let _ = writeln!(
            o,
            "| node | operations/s | hit ratio | keys peak | latency mean ms | p95 ms | p99 ms | queue peak |"
        );
        let _ = writeln!(o, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for n in nodes {
            let lat = |f: fn(&crate::model::metrics::NodeLatency) -> f64| {
                n.latency_ms.as_ref().map_or_else(dash, |l| format!("{:.3}", f(l)))
            };
            let _ = writeln!(
                o,
                "| {} | {} | {:.2}% | {} | {} | {} | {} | {} |",
                n.node,
                n.ops_per_s.map_or_else(dash, |x| format!("{x:.0}")),
                n.hit_ratio * 100.0,
                n.keys_peak,
                lat(|l| l.mean),
                lat(|l| l.p95),
                lat(|l| l.p99),
                n.queue_peak.map_or_else(dash, |q| q.to_string()),
            );
        }
    }
}

/// Renders the report; `charts` are (title, relative file name).
pub fn render(s: &Summary, charts: &[(String, String)]) -> String {
    let mut o = String::new();
    let src = &s.source;
    let title = src.name.clone().unwrap_or_else(|| src.path.clone());
    let _ = writeln!(o, "# cachesim report: {title}\n");
    let _ = writeln!(o, "| | |\n| --- | --- |");
    let _ = writeln!(o, "| {} | `{}` |", src.kind, src.path);
    if let Some(f) = &src.format {
        let _ = writeln!(
            o,
            "| format | {f}{} |",
            if src.zstd == Some(true) { " (zstd)" } else { "" }
        );
    }
    let _ = writeln!(o, "| seed | {} |", s.seed);
    let _ = writeln!(o, "| cachesim | {} |", s.cachesim_version);
    if let (Some(obj), Some(b)) = (src.objects, src.working_set_bytes) {
        let _ = writeln!(o, "| working set | {obj} objects, {} |", Bytes(b));
    }
    if let Some(r) = s.results.first() {
        let _ = writeln!(o, "| requests | {} |", r.requests);
    }
    let _ = writeln!(o, "\n## Results\n");
    let engine = s.results.iter().any(|r| r.read_latency_ms.is_some());
    let wb = s.results.iter().any(|r| r.write_behind.is_some());
    let mut head = "| policy | cache size | hit ratio | byte hit ratio | hits | misses | evictions |".to_string();
    let mut align = "| --- | --- | ---: | ---: | ---: | ---: | ---: |".to_string();
    if engine {
        head.push_str(" read p50 ms | read p99 ms | backend reads/s | stale reads |");
        align.push_str(" ---: | ---: | ---: | ---: |");
    }
    if wb {
        head.push_str(" lost writes |");
        align.push_str(" ---: |");
    }
    let _ = writeln!(o, "{head}\n{align}");
    for r in &s.results {
        let mut row = format!(
            "| {} | {} | {:.2}% | {:.2}% | {} | {} | {} |",
            r.label(),
            size_label(r),
            r.hit_ratio * 100.0,
            (1.0 - r.byte_miss_ratio) * 100.0,
            r.hits,
            r.misses,
            r.evictions.map(|e| e.to_string()).unwrap_or_else(|| "—".into())
        );
        if engine {
            let lat = |f: fn(&crate::model::metrics::LatencySummary) -> f64| {
                r.read_latency_ms
                    .as_ref()
                    .map(|l| format!("{:.3}", f(l)))
                    .unwrap_or_else(|| "—".into())
            };
            let rps = match (&r.backend, r.duration_s) {
                (Some(b), Some(d)) if d > 0.0 => format!("{:.0}", b.reads as f64 / d),
                _ => "—".into(),
            };
            let stale = r.stale_reads.map(|n| n.to_string()).unwrap_or_else(|| "—".into());
            let _ = write!(row, " {} | {} | {rps} | {stale} |", lat(|l| l.p50), lat(|l| l.p99));
        }
        if wb {
            let lost = r
                .write_behind
                .as_ref()
                .map(|w| w.lost_writes.to_string())
                .unwrap_or_else(|| "—".into());
            let _ = write!(row, " {lost} |");
        }
        let _ = writeln!(o, "{row}");
    }
    cluster_section(&mut o, s);
    let _ = writeln!(o, "\n## Best policy per size\n");
    let _ = writeln!(
        o,
        "| cache size | best policy | hit ratio | Belady bound | distance from Belady |"
    );
    let _ = writeln!(o, "| --- | --- | ---: | ---: | ---: |");
    for size in sizes(s) {
        let at: Vec<&RunResult> = s.results.iter().filter(|r| r.cache_size == size).collect();
        let best = at
            .iter()
            .filter(|r| !offline(r))
            .max_by(|a, b| a.hit_ratio.total_cmp(&b.hit_ratio));
        let opt = at.iter().find(|r| offline(r));
        if let Some(b) = best {
            let tied: Vec<String> = at
                .iter()
                .filter(|r| !offline(r) && r.hits == b.hits)
                .map(|r| r.label())
                .collect();
            let names = if tied.len() > 1 {
                format!("{} (tie)", tied.join(", "))
            } else {
                b.label()
            };
            let (bound, dist) = match opt {
                Some(x) => (
                    format!("{:.2}%", x.hit_ratio * 100.0),
                    format!("{:.2} points", (x.hit_ratio - b.hit_ratio) * 100.0),
                ),
                None => ("not run".into(), "—".into()),
            };
            let _ = writeln!(
                o,
                "| {} | {names} | {:.2}% | {bound} | {dist} |",
                size_label(b),
                b.hit_ratio * 100.0
            );
        }
    }
    if s.results.iter().any(|r| r.alerts.is_some()) {
        let a = alert_lines(s);
        let _ = writeln!(o, "\n## Alerts\n");
        if let Some(t) = &s.alert_thresholds {
            let _ = writeln!(o, "Thresholds (`[alerts]`): {t}.\n");
        }
        if a.is_empty() {
            let _ = writeln!(o, "None raised.");
        } else {
            for line in a {
                let _ = writeln!(o, "- {line}");
            }
        }
    }
    let w = warnings(s);
    if !w.is_empty() {
        let _ = writeln!(o, "\n## Warnings\n");
        for line in w {
            let _ = writeln!(o, "- {line}");
        }
    }
    if !charts.is_empty() {
        let _ = writeln!(o, "\n## Charts\n");
        for (t, f) in charts {
            let _ = writeln!(o, "![{t}]({f})\n");
        }
    }
    o
}
