//! The readable table printed by `run`.

use super::Summary;
use crate::model::result::SizeUnit;
use crate::model::units::Bytes;

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
    let mut rows: Vec<Vec<String>> = vec![header];
    for r in &s.results {
        let mut size = match r.size_unit {
            SizeUnit::Bytes => Bytes(r.cache_size).to_string(),
            SizeUnit::Objects => format!("{} objects", r.cache_size),
        };
        if r.size_spec.ends_with('%') {
            size = format!("{size} ({})", r.size_spec);
        }
        let mut row = vec![
            r.label(),
            size,
            r.requests.to_string(),
            r.hits.to_string(),
            r.misses.to_string(),
            format!("{:.4}", r.miss_ratio),
            format!("{:.4}", r.byte_miss_ratio),
        ];
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
                    .map(|b| b.peak_concurrency.to_string())
                    .unwrap_or_else(dash),
            );
            row.push(r.stale_reads.map(|n| n.to_string()).unwrap_or_else(dash));
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
            if j < 2 {
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
