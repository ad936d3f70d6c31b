//! The readable table printed by `run`.

use super::Summary;
use crate::sim::SizeUnit;
use crate::units::Bytes;

/// Renders a fixed-width table, one row per (policy, size).
pub fn render(s: &Summary) -> String {
    let mut rows: Vec<[String; 7]> = vec![[
        "policy".into(),
        "cache size".into(),
        "requests".into(),
        "hits".into(),
        "misses".into(),
        "miss ratio".into(),
        "byte miss ratio".into(),
    ]];
    for r in &s.results {
        let mut size = match r.size_unit {
            SizeUnit::Bytes => Bytes(r.cache_size).to_string(),
            SizeUnit::Objects => format!("{} objects", r.cache_size),
        };
        if r.size_spec.ends_with('%') {
            size = format!("{size} ({})", r.size_spec);
        }
        rows.push([
            r.label(),
            size,
            r.requests.to_string(),
            r.hits.to_string(),
            r.misses.to_string(),
            format!("{:.4}", r.miss_ratio),
            format!("{:.4}", r.byte_miss_ratio),
        ]);
    }
    let mut width = [0usize; 7];
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
            out.push_str(&"-".repeat(width.iter().sum::<usize>() + 2 * 6));
            out.push('\n');
        }
    }
    out
}
