//! `report.md`: a self-contained Markdown report of a run (what was run, results, the best policy
//! per size and its distance from Belady, warnings) with the charts embedded by relative path.

use super::Summary;
use crate::sim::{RunResult, SizeUnit};
use crate::units::Bytes;
use std::fmt::Write;

/// Thresholds for warnings.
pub const LOW_HIT_RATIO: f64 = 0.70;
/// Evictions above this share of requests are flagged.
pub const HIGH_EVICTIONS: f64 = 0.10;

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

/// Warnings about the results, one line each.
pub fn warnings(s: &Summary) -> Vec<String> {
    let mut w = Vec::new();
    for r in s.results.iter().filter(|r| r.policy != "belady") {
        if r.requests > 0 && r.hit_ratio < LOW_HIT_RATIO {
            w.push(format!(
                "{} at {}: hit ratio {:.1}% is below {:.0}%",
                r.label(),
                size_label(r),
                r.hit_ratio * 100.0,
                LOW_HIT_RATIO * 100.0
            ));
        }
        let ev = r.evictions.unwrap_or(0);
        if r.requests > 0 && ev as f64 > HIGH_EVICTIONS * r.requests as f64 {
            w.push(format!(
                "{} at {}: {} evictions are {:.1}% of requests (above {:.0}%): the cache churns",
                r.label(),
                size_label(r),
                ev,
                ev as f64 / r.requests as f64 * 100.0,
                HIGH_EVICTIONS * 100.0
            ));
        }
    }
    w
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
    let _ = writeln!(
        o,
        "| policy | cache size | hit ratio | byte hit ratio | hits | misses | evictions |"
    );
    let _ = writeln!(o, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for r in &s.results {
        let _ = writeln!(
            o,
            "| {} | {} | {:.2}% | {:.2}% | {} | {} | {} |",
            r.label(),
            size_label(r),
            r.hit_ratio * 100.0,
            (1.0 - r.byte_miss_ratio) * 100.0,
            r.hits,
            r.misses,
            r.evictions.map(|e| e.to_string()).unwrap_or_else(|| "—".into())
        );
    }
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
            .filter(|r| r.policy != "belady")
            .max_by(|a, b| a.hit_ratio.total_cmp(&b.hit_ratio));
        let opt = at.iter().find(|r| r.policy == "belady");
        if let Some(b) = best {
            let tied: Vec<String> = at
                .iter()
                .filter(|r| r.policy != "belady" && r.hits == b.hits)
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
    let w = warnings(s);
    let _ = writeln!(o, "\n## Warnings\n");
    if w.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
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
