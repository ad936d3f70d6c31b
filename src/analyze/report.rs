//! How an analysis is shown: the plain-language summary, the table on stdout, and under `--out`
//! analysis.json, the charts and analysis.md.

use super::model::Analysis;
use crate::model::result::SizeUnit;
use crate::model::units::Bytes;
use crate::mrc::MrcPoint;
use crate::report::chart::{self, BarChart, ChartFormat, LineChart, Series};
use crate::report::write_atomic;
use anyhow::Result;
use std::fmt::Write;
use std::path::Path;

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// One sentence that says what the numbers mean; wording by thresholds.
pub fn summary(a: &Analysis, lru_at_5pct: Option<&MrcPoint>) -> String {
    let skew = match a.zipf_alpha {
        None => "no measurable popularity skew".to_string(),
        Some(z) => {
            let w = if z < 0.5 {
                "nearly uniform popularity"
            } else if z < 0.8 {
                "moderately skewed"
            } else if z < 1.0 {
                "skewed"
            } else if z < 1.3 {
                "highly skewed"
            } else {
                "extremely skewed"
            };
            format!("{w} (Zipf {z:.2})")
        }
    };
    let mut s = format!(
        "{skew}: the top 1% of objects take {} of requests; {} of objects are requested once",
        pct(a.top_1pct_request_share),
        pct(a.one_hit_wonder_ratio)
    );
    if let Some(p) = lru_at_5pct {
        let _ = write!(
            s,
            "; an LRU cache of 5% of the working set hits about {}",
            pct(1.0 - p.miss_ratio)
        );
    }
    let scanned = a.scans.sequential_requests + a.scans.never_reused_requests;
    if scanned as f64 > 0.01 * a.requests as f64 {
        let _ = write!(
            s,
            "; scans cover {} of requests",
            pct(scanned as f64 / a.requests as f64)
        );
    }
    if let Some(d) = a.time.index_of_dispersion {
        if d > 10.0 {
            let _ = write!(s, "; traffic is bursty (dispersion {d:.0})");
        }
    }
    s
}

fn size_text(v: u64, unit: SizeUnit) -> String {
    match unit {
        SizeUnit::Bytes => Bytes(v).to_string(),
        SizeUnit::Objects => format!("{v} objects"),
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// The table on stdout.
pub fn table(a: &Analysis) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} {}: {}\n", a.source.kind, a.source.path, a.summary);
    if a.skipped_bad_lines > 0 {
        let _ = writeln!(o, "skipped {} bad lines\n", a.skipped_bad_lines);
    }
    let rows: Vec<(&str, String)> = vec![
        ("requests", a.requests.to_string()),
        ("objects", a.objects.to_string()),
        (
            "reads / writes / deletes",
            format!("{} / {} / {}", a.reads, a.writes, a.deletes),
        ),
        ("bytes requested", Bytes(a.bytes_requested).to_string()),
        ("working set", Bytes(a.working_set_bytes).to_string()),
        ("time span", format!("{:.1} s", a.time_span_seconds)),
        (
            "rate per second (mean / peak)",
            format!(
                "{} / {}",
                opt(a.mean_rate_per_second, 1),
                a.peak_rate_per_second.map_or("-".into(), |v| v.to_string())
            ),
        ),
        (
            "rate per minute (mean / peak)",
            format!(
                "{} / {}",
                opt(a.mean_rate_per_minute, 1),
                a.peak_rate_per_minute.map_or("-".into(), |v| v.to_string())
            ),
        ),
        ("index of dispersion (per second)", opt(a.time.index_of_dispersion, 2)),
        (
            "zipf alpha (R², ranks)",
            format!(
                "{} ({}, {})",
                opt(a.zipf_alpha, 3),
                opt(a.zipf_r2, 3),
                a.popularity.zipf_ranks_used
            ),
        ),
        (
            "requests to top 1% / 10% objects",
            format!("{} / {}", pct(a.top_1pct_request_share), pct(a.top_10pct_request_share)),
        ),
        (
            "one-hit wonders (objects / requests)",
            format!(
                "{} / {}",
                pct(a.one_hit_wonder_ratio),
                pct(a.one_hit_wonder_request_ratio)
            ),
        ),
        ("compulsory miss ratio", format!("{:.4}", a.compulsory_miss_ratio)),
        ("mean reuse distance (objects)", opt(a.reuse.mean_reuse_distance, 1)),
        (
            "object size (min / p50 / p90 / p99 / max)",
            format!(
                "{} / {} / {} / {} / {}",
                a.sizes.min, a.sizes.p50, a.sizes.p90, a.sizes.p99, a.sizes.max
            ),
        ),
        (
            "objects whose size changes",
            a.sizes.objects_with_size_changes.to_string(),
        ),
        (
            "scans (sequential / never-reused runs)",
            format!(
                "{} / {} (>= {} requests)",
                a.scans.sequential_runs, a.scans.never_reused_runs, a.scans.min_requests
            ),
        ),
    ];
    let w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    for (k, v) in &rows {
        let _ = writeln!(o, "{k:<w$}  {v}");
    }
    if let Some(t) = &a.ttl {
        let _ = writeln!(
            o,
            "{:<w$}  {} of requests; mean {:.1} s, median <= {:.1} s, max {:.1} s",
            "TTLs",
            pct(t.share),
            t.mean_seconds,
            t.p50_seconds,
            t.max_seconds
        );
    }
    let _ = writeln!(o, "\nLRU miss-ratio curve ({}):", a.reuse.lru_mrc_method);
    let _ = writeln!(
        o,
        "{:>16}  {:>10}  {:>15}",
        "cache size", "miss ratio", "byte miss ratio"
    );
    for p in &a.lru_mrc {
        let _ = writeln!(
            o,
            "{:>16}  {:>10.4}  {:>15.4}",
            size_text(p.cache_size, a.size_unit),
            p.miss_ratio,
            p.byte_miss_ratio
        );
    }
    if !a.scans.longest.is_empty() {
        let _ = writeln!(o, "\nlongest scans:");
        for s in a.scans.longest.iter().take(5) {
            let _ = writeln!(
                o,
                "  {:?} run of {} requests from request {} ({:.1} s)",
                s.kind, s.requests, s.start_request, s.start_seconds
            );
        }
    }
    o
}

fn fmt_num(x: f64) -> String {
    if x.abs() >= 100.0 || x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn bucket_label(lo: f64, hi: f64) -> String {
    if hi - lo <= 1.0 {
        format!("{lo:.0}")
    } else {
        format!("{lo:.0}-{:.0}", hi - 1.0)
    }
}

/// Writes analysis.json, the charts and analysis.md into `dir`.
pub fn write_dir(dir: &Path, a: &Analysis, json: &str, format: ChartFormat, seed: Option<u64>) -> Result<()> {
    write_atomic(&dir.join("analysis.json"), json.as_bytes())?;
    let charts = draw_charts(dir, a, format)?;
    let mut md = format!("# Analysis of {}\n\n{}.\n\n", a.source.path, a.summary);
    md.push_str("```\n");
    md.push_str(&table(a));
    md.push_str("```\n\n");
    for (title, file) in &charts {
        let _ = writeln!(md, "## {title}\n\n![{title}]({file})\n");
    }
    md.push_str(
        "All numbers, and more (rank-frequency, histograms, working set per window, scans), are in analysis.json.\n",
    );
    write_atomic(&dir.join("analysis.md"), md.as_bytes())?;
    let info = crate::report::html::PageInfo {
        source: &a.source,
        version: &a.cachesim_version,
        seed,
        varied: false,
    };
    crate::report::write_html(dir, &info, &md, &charts, format, |d, f| {
        draw_charts(d, a, f).map(|_| ())
    })
}

/// Draws the analysis's charts into `dir`; returns (title, file name) of each.
fn draw_charts(dir: &Path, a: &Analysis, format: ChartFormat) -> Result<Vec<(String, String)>> {
    let ext = format.ext();
    let titled = |metric: &str| crate::report::source_titled(&a.source, metric);
    let mut charts: Vec<(String, String)> = Vec::new();
    let mut add = |title: &str, file: String| charts.push((title.to_string(), file));

    let obs: Vec<(f64, f64)> = a
        .popularity
        .rank_frequency
        .iter()
        .map(|p| ((p.rank as f64).log10(), (p.count as f64).log10()))
        .collect();
    let mut series = vec![Series {
        name: "observed".into(),
        points: obs.clone(),
    }];
    if let (Some(alpha), Some(b)) = (a.zipf_alpha, a.popularity.zipf_log10_intercept) {
        let last = obs.last().map_or(1.0, |p| p.0);
        series.push(Series {
            name: format!("Zipf fit, alpha {alpha:.2}"),
            points: vec![(0.0, b), (last, b - alpha * last)],
        });
    }
    let file = format!("popularity.{ext}");
    chart::line(
        &dir.join(&file),
        format,
        &LineChart {
            title: titled("popularity (log-log)"),
            x_label: "log10 rank".into(),
            y_label: "log10 requests".into(),
            log_x: false,
            series,
            x_fmt: fmt_num,
            markers: vec![],
            highlights: vec![],
            ..Default::default()
        },
    )?;
    add("Popularity: requests by rank, log-log, with the fitted Zipf line", file);

    let rd = &a.reuse.reuse_distance;
    let file = format!("reuse_distance.{ext}");
    chart::bars(
        &dir.join(&file),
        format,
        &BarChart {
            title: titled("reuse distance"),
            x_label: "distinct objects between requests to the same object".into(),
            y_label: "share of re-requests".into(),
            categories: rd.iter().map(|b| bucket_label(b.lo, b.hi)).collect(),
            series: vec![("re-requests".into(), {
                // Each bucket's share of all re-requests (first requests have no distance).
                let total = rd.iter().map(|b| b.count).sum::<u64>().max(1) as f64;
                rd.iter().map(|b| b.count as f64 / total).collect()
            })],
        },
    )?;
    add("Reuse-distance histogram (log2 buckets)", file);

    let file = format!("rate.{ext}");
    chart::line(
        &dir.join(&file),
        format,
        &LineChart {
            title: titled("request rate over time"),
            x_label: "time since the first request (s)".into(),
            y_label: "requests per second".into(),
            log_x: false,
            series: vec![Series {
                name: String::new(),
                points: a.time.rate_over_time.iter().map(|p| (p.t, p.rate)).collect(),
            }],
            x_fmt: fmt_num,
            markers: vec![],
            highlights: vec![],
            ..Default::default()
        },
    )?;
    add("Request rate over time", file);

    let sh = &a.sizes.histogram;
    let file = format!("sizes.{ext}");
    chart::bars(
        &dir.join(&file),
        format,
        &BarChart {
            title: titled("object sizes"),
            x_label: "object size (bytes, log2 buckets from)".into(),
            y_label: "share of objects".into(),
            categories: sh.iter().map(|b| Bytes(b.lo as u64).to_string()).collect(),
            series: vec![(
                "objects".into(),
                sh.iter().map(|b| b.count as f64 / a.objects.max(1) as f64).collect(),
            )],
        },
    )?;
    add("Object-size distribution", file);

    let (x_label, scale) = match a.size_unit {
        SizeUnit::Objects => ("cache size (objects)", 1.0),
        SizeUnit::Bytes => ("cache size (MiB)", (1u64 << 20) as f64),
    };
    let file = format!("lru_mrc.{ext}");
    chart::line(
        &dir.join(&file),
        format,
        &LineChart {
            title: titled("LRU miss ratio by cache size"),
            x_label: x_label.into(),
            y_label: "miss ratio".into(),
            log_x: true,
            series: vec![Series {
                name: "lru".into(),
                points: a
                    .lru_mrc
                    .iter()
                    .map(|p| (p.cache_size as f64 / scale, p.miss_ratio))
                    .collect(),
            }],
            x_fmt: fmt_num,
            markers: vec![],
            highlights: vec![],
            ..Default::default()
        },
    )?;
    add("Exact LRU miss-ratio curve", file);
    Ok(charts)
}
