//! Output: the summary (the JSON/CSV contract), the table on stdout, the files under `--out`.
//! Files are written atomically (temporary name, then rename), so an interrupted run never leaves a
//! truncated file that looks complete, and `--out` is replaced as a whole ([`OutDir`]).
//!
//! The results of `run`, `sweep` and `plan` leave through one [`Exporter`] per [`OutputFormat`],
//! one file each: [`table`] (the default), [`json`], [`csv`]. An exporter turns a run's or sweep's
//! [`Summary`] or a [`Plan`] into the bytes printed on stdout (and, for JSON and CSV, the
//! summary.json and summary.csv of `--out`). Adding a format for those three commands is one new
//! file here with a unit struct implementing [`Exporter`], one variant of [`OutputFormat`] and its
//! arm in [`OutputFormat::exporter`]; the commands need no change.
//!
//! Not exporters: [`markdown`] (report.md of `--out`, with its charts from [`chart`]) and the
//! reports of `analyze` (`crate::analyze::report`), `check` and `compare` (`crate::check`), which
//! print their own kinds of document under their own format enums ([`AnalyzeFormat`],
//! [`CompareFormat`]; `check` prints its report as a table or JSON).

pub mod chart;
pub mod csv;
mod csv_row;
pub mod html;
pub mod json;
pub mod markdown;
mod outdir;
pub mod table;

use crate::model::plan::Plan;
use crate::model::result::RunResult;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub use outdir::OutDir;

/// One output format of the results of `run`, `sweep` and `plan` (see the module docs).
pub trait Exporter {
    /// A run's or sweep's summary, as printed on stdout.
    fn summary(&self, s: &Summary) -> Result<Vec<u8>>;
    /// A capacity plan, as printed on stdout.
    fn plan(&self, p: &Plan) -> Result<Vec<u8>>;
}

/// Formats `analyze` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// A plain-language summary and tables.
    Table,
    /// One JSON object (analysis.json).
    Json,
}

/// Formats `compare` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// A readable table.
    Table,
    /// JSON.
    Json,
    /// A Markdown table.
    Markdown,
}

/// Output formats for results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A readable table.
    Table,
    /// One JSON object with key `results`.
    Json,
    /// CSV, the columns of summary.csv.
    Csv,
}

impl OutputFormat {
    /// The exporter that writes this format.
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            OutputFormat::Table => &table::Table,
            OutputFormat::Json => &json::Json,
            OutputFormat::Csv => &csv::Csv,
        }
    }
}

/// What was simulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `trace` or `workload`.
    pub kind: String,
    /// The trace or workload file as given.
    pub path: String,
    /// The workload's name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// The trace format.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub format: Option<String>,
    /// Whether the trace was zstd-compressed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub zstd: Option<bool>,
    /// Distinct objects, when measured (for percentage sizes).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub objects: Option<u64>,
    /// Working-set bytes, when measured.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub working_set_bytes: Option<u64>,
}

/// The whole result of a run: summary.json, and `--format json` on stdout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The cachesim version that produced it.
    pub cachesim_version: String,
    /// The trace or workload.
    pub source: SourceInfo,
    /// The seed.
    pub seed: u64,
    /// One entry per (policy, size), policies in the order given, then sizes.
    pub results: Vec<RunResult>,
    /// Fault times (seconds, label) to mark on timeline charts; not serialized.
    #[serde(skip)]
    pub events: Vec<(f64, String)>,
    /// The alerts' thresholds, described for report.md; not serialized (each result carries its
    /// alerts).
    #[serde(skip)]
    pub alert_thresholds: Option<String>,
}

impl Summary {
    /// The keys the results' variants set (`variant` for a `[[variant]]`'s name, dotted paths for
    /// varied keys), in the order they first appear.
    pub fn variant_keys(&self) -> Vec<String> {
        variant_keys(&self.results)
    }
}

/// The keys the variants of `results` set, in the order they first appear.
pub fn variant_keys<'a>(results: impl IntoIterator<Item = &'a RunResult>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in results {
        for (k, _) in r.variant.iter().flat_map(|v| v.0.iter()) {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
    }
    out
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    make_readable(tmp.path())?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Temporary files are created private (0600); give finished outputs the usual 0644.
pub fn make_readable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
        .with_context(|| format!("setting permissions of {}", path.display()))
}

/// Writes summary.json, summary.csv, timeline.csv (engine runs), the charts, report.md and
/// report.html (the same, self-contained) into `dir`.
pub fn write_dir(dir: &Path, s: &Summary, format: chart::ChartFormat) -> Result<()> {
    write_atomic(&dir.join("summary.json"), &json::Json.summary(s)?)?;
    write_atomic(&dir.join("summary.csv"), &csv::Csv.summary(s)?)?;
    if s.results.iter().any(|r| r.read_latency_ms.is_some()) {
        write_atomic(&dir.join("timeline.csv"), &csv::timeline(s)?)?;
    }
    if s.results.iter().any(|r| r.nodes.is_some()) {
        write_atomic(&dir.join("nodes.csv"), &csv::nodes(s)?)?;
    }
    let charts = write_charts(dir, s, format)?;
    let md = markdown::render(s, &charts);
    write_atomic(&dir.join("report.md"), md.as_bytes())?;
    // The page carries its charts inline as SVG (sharp at any zoom, printable, a tenth of the
    // PNGs' size), drawn again apart when the charts on disk are PNG.
    write_html(dir, &html::PageInfo::of(s), &md, &charts, format, |d, f| {
        write_charts(d, s, f).map(|_| ())
    })
}

/// Writes `report.html` into `dir`: `md` as a page whose charts (`charts`, as `md` links them)
/// are inline SVG; `draw` draws them into a directory in a format (again, apart, when the charts
/// on disk are PNG).
pub fn write_html(
    dir: &Path,
    info: &html::PageInfo,
    md: &str,
    charts: &[(String, String)],
    format: chart::ChartFormat,
    draw: impl Fn(&Path, chart::ChartFormat) -> Result<()>,
) -> Result<()> {
    let tmp;
    let svg_dir = if format == chart::ChartFormat::Svg {
        dir
    } else {
        tmp = tempfile::tempdir().context("a temporary directory for the report's charts")?;
        draw(tmp.path(), chart::ChartFormat::Svg)?;
        tmp.path()
    };
    let args: Vec<String> = std::env::args().collect();
    let page = html::render(info, md, charts, svg_dir, &html::command_line(&args));
    write_atomic(&dir.join("report.html"), page.as_bytes())
}

fn size_axis(s: &Summary) -> (String, f64) {
    match s.results.first().map(|r| r.size_unit) {
        Some(crate::model::result::SizeUnit::Objects) => ("cache size (objects)".into(), 1.0),
        _ => ("cache size (MiB)".into(), (1u64 << 20) as f64),
    }
}

fn fmt_num(x: f64) -> String {
    if x >= 100.0 || x.fract() == 0.0 {
        format!("{x:.0}")
    } else if x >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// Policies in the order they first appear.
fn policies(s: &Summary) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &s.results {
        if !out.contains(&r.label()) {
            out.push(r.label());
        }
    }
    out
}

/// Draws the charts for a run; returns (title, file name) of each.
pub fn write_charts(dir: &Path, s: &Summary, format: chart::ChartFormat) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let sizes = markdown::sizes(s);
    let pols = policies(s);
    let (x_label, scale) = size_axis(s);
    if sizes.len() >= 2 {
        let series: Vec<chart::Series> = pols
            .iter()
            .map(|p| chart::Series {
                name: p.clone(),
                points: s
                    .results
                    .iter()
                    .filter(|r| &r.label() == p)
                    .map(|r| (r.cache_size as f64 / scale, r.miss_ratio))
                    .collect(),
            })
            .collect();
        let (lo, hi) = (
            *sizes.iter().min().unwrap_or(&1) as f64,
            *sizes.iter().max().unwrap_or(&1) as f64,
        );
        let title = titled(s, "miss ratio by cache size");
        let file = format!("mrc.{}", format.ext());
        chart::line(
            &dir.join(&file),
            format,
            &chart::LineChart {
                title: title.clone(),
                x_label: x_label.clone(),
                y_label: "miss ratio".into(),
                log_x: hi > 10.0 * lo,
                series,
                x_fmt: fmt_num,
                points_only: true,
                y_max: Some(1.0),
                ..Default::default()
            },
        )?;
        out.push((title, file));
    }
    let cats: Vec<String> = sizes
        .iter()
        .map(|&z| match s.results.first().map(|r| r.size_unit) {
            Some(crate::model::result::SizeUnit::Objects) => format!("{z} objects"),
            _ => crate::model::units::Bytes(z).to_string(),
        })
        .collect();
    let series: Vec<(String, Vec<f64>)> = pols
        .iter()
        .map(|p| {
            let vals = sizes
                .iter()
                .map(|&z| {
                    s.results
                        .iter()
                        .find(|r| &r.label() == p && r.cache_size == z)
                        .map(|r| r.hit_ratio)
                        .unwrap_or(0.0)
                })
                .collect();
            (p.clone(), vals)
        })
        .collect();
    if s.results.iter().any(|r| r.read_latency_ms.is_some()) {
        out.extend(engine_charts(dir, s, format)?);
    }
    let title = titled(s, "hit ratio by policy at each cache size");
    let file = format!("hit_ratio.{}", format.ext());
    chart::bars(
        &dir.join(&file),
        format,
        &chart::BarChart {
            title: title.clone(),
            x_label: "cache size".into(),
            y_label: "hit ratio".into(),
            categories: cats,
            series,
        },
    )?;
    out.push((title, file));
    out.extend(node_charts(dir, s, format)?);
    // Multi-level caches: each tier's hit ratio (of the lookups that reached it) per result.
    let names: Vec<String> = s
        .results
        .iter()
        .find_map(|r| r.tiers.as_ref())
        .map(|ts| ts.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default();
    if !names.is_empty() {
        let cats = s
            .results
            .iter()
            .map(|r| format!("{} @ {}", r.label(), r.size_spec))
            .collect();
        let series = names
            .iter()
            .enumerate()
            .map(|(t, n)| {
                let v = s
                    .results
                    .iter()
                    .map(|r| r.tiers.as_ref().and_then(|ts| ts.get(t)).map_or(0.0, |x| x.hit_ratio))
                    .collect();
                (n.clone(), v)
            })
            .collect();
        let title = titled(s, "hit ratio of each tier");
        let file = format!("tiers.{}", format.ext());
        chart::bars(
            &dir.join(&file),
            format,
            &chart::BarChart {
                title: title.clone(),
                x_label: "bottom tier's policy @ size".into(),
                y_label: "hit ratio of the lookups reaching the tier".into(),
                categories: cats,
                series,
            },
        )?;
        out.push((title, file));
    }
    Ok(out)
}

/// A cluster's charts: each node's load for every result (up to 8), and the first result's
/// per-node latency percentiles (the engine).
fn node_charts(dir: &Path, s: &Summary, format: chart::ChartFormat) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Some(first) = s.results.iter().find(|r| r.nodes.is_some()) else {
        return Ok(out);
    };
    let shown: Vec<u32> = markdown::shown_nodes(first).iter().map(|n| n.node).collect();
    let cats: Vec<String> = shown.iter().map(|n| n.to_string()).collect();
    let engine = first.nodes.iter().flatten().any(|n| n.ops.is_some());
    let load = |n: &crate::model::metrics::NodeStats| match n.ops_per_s {
        Some(x) => x,
        None => (n.requests + n.sets) as f64,
    };
    let series = s
        .results
        .iter()
        .filter(|r| r.nodes.is_some())
        .take(8)
        .map(|r| {
            let nodes = r.nodes.as_deref().unwrap_or_default();
            let v = shown.iter().map(|&i| nodes.get(i as usize).map_or(0.0, load)).collect();
            (format!("{} @ {}", r.label(), r.size_spec), v)
        })
        .collect();
    let title = titled(s, "load per node");
    let file = format!("nodes.{}", format.ext());
    chart::bars(
        &dir.join(&file),
        format,
        &chart::BarChart {
            title: title.clone(),
            x_label: if shown.len() < first.nodes.as_ref().map_or(0, |n| n.len()) {
                "node (the busiest of the first result)".into()
            } else {
                "node".into()
            },
            y_label: if engine {
                "operations per second".into()
            } else {
                "operations (lookups and sets)".into()
            },
            categories: cats.clone(),
            series,
        },
    )?;
    out.push((title, file));
    if engine {
        let nodes = first.nodes.as_deref().unwrap_or_default();
        let pick = |f: fn(&crate::model::metrics::NodeLatency) -> f64| -> Vec<f64> {
            shown
                .iter()
                .map(|&i| nodes.get(i as usize).and_then(|n| n.latency_ms).map_or(0.0, |l| f(&l)))
                .collect()
        };
        let title = titled(
            s,
            &format!(
                "cache operation latency per node ({} @ {})",
                first.label(),
                first.size_spec
            ),
        );
        let file = format!("node_latency.{}", format.ext());
        chart::bars(
            &dir.join(&file),
            format,
            &chart::BarChart {
                title: title.clone(),
                x_label: "node".into(),
                y_label: "latency (ms)".into(),
                categories: cats,
                series: vec![
                    ("mean".into(), pick(|l| l.mean)),
                    ("p95".into(), pick(|l| l.p95)),
                    ("p99".into(), pick(|l| l.p99)),
                ],
            },
        )?;
        out.push((title, file));
    }
    Ok(out)
}

/// Prints the summary on stdout in `format`, and warns on stderr when many lines were skipped.
pub fn print(s: &Summary, format: OutputFormat) -> Result<()> {
    let bytes = format.exporter().summary(s)?;
    warn_skipped(&s.results);
    print_bytes(&bytes)
}

/// Writes `bytes` to stdout and flushes.
pub fn print_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Bad lines skipped with `--skip-bad-lines` and the lines read, from the results of one stream
/// (every result read the same stream; the largest count is the whole stream's).
pub fn skipped_lines(results: &[RunResult]) -> (u64, u64) {
    results
        .iter()
        .max_by_key(|r| r.skipped_bad_lines)
        .map(|r| {
            let bad = r.skipped_bad_lines;
            (
                bad,
                bad + r.requests + r.writes.unwrap_or(0) + r.deletes + r.skipped_zero_size,
            )
        })
        .unwrap_or((0, 0))
}

/// The line under a table that says rows were skipped (empty when none were).
pub fn skipped_note(bad: u64) -> String {
    if bad == 0 {
        String::new()
    } else {
        format!("skipped {bad} bad lines\n")
    }
}

/// Warns on stderr, once per process, when more than 1% of the stream's lines were skipped.
pub fn warn_skipped(results: &[RunResult]) {
    let (bad, lines) = skipped_lines(results);
    warn_skipped_lines(bad, lines);
}

/// [`warn_skipped`] from the counts themselves.
pub fn warn_skipped_lines(bad: u64, lines: u64) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if bad as f64 > 0.01 * lines as f64 && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!(
            "warning: {bad} of {lines} lines ({:.1}%) were skipped as bad lines (--skip-bad-lines); the results describe the rest only",
            100.0 * bad as f64 / lines as f64
        );
    }
}

/// `-log10(1 - p)`: spreads the tail percentiles evenly (p50 -> 0.3, p99 -> 2, p99.9 -> 3).
/// Where the latency chart puts the maximum: one step past p99.9.
const MAX_AT: f64 = 4.0;

/// A chart title naming the workload (or trace) and the metric: `zipf: miss ratio by cache size`.
fn titled(s: &Summary, metric: &str) -> String {
    source_titled(&s.source, metric)
}

/// A chart title: the workload's name (or the trace's file name), then the metric.
pub fn source_titled(src: &SourceInfo, metric: &str) -> String {
    let name = src.name.clone().unwrap_or_else(|| {
        Path::new(&src.path)
            .file_name()
            .map_or_else(|| src.path.clone(), |n| n.to_string_lossy().to_string())
    });
    format!("{name}: {metric}")
}

fn nines(p: f64) -> f64 {
    -(1.0 - p).log10()
}

fn nines_label(x: f64) -> String {
    let p = (1.0 - 10f64.powf(-x)) * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("p{:.0}", p)
    } else {
        format!("p{p:.1}")
    }
}

/// Latency percentiles per result, and timelines of hit ratio, backend load and p99 with faults and
/// stampedes (intervals whose backend read rate exceeds 3x the run's median) marked.
fn engine_charts(dir: &Path, s: &Summary, format: chart::ChartFormat) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let label = |r: &RunResult| format!("{} @ {}", r.label(), crate::model::units::Bytes(r.cache_size));
    let series: Vec<chart::Series> = s
        .results
        .iter()
        .filter_map(|r| {
            r.read_latency_ms.as_ref().map(|l| chart::Series {
                name: label(r),
                points: vec![
                    (nines(0.5), l.p50),
                    (nines(0.9), l.p90),
                    (nines(0.95), l.p95),
                    (nines(0.99), l.p99),
                    (nines(0.999), l.p999),
                    (MAX_AT, l.max),
                ],
            })
        })
        .collect();
    let title = titled(s, "read latency percentiles");
    let file = format!("latency.{}", format.ext());
    let ticks = [
        (0.5, "p50"),
        (0.9, "p90"),
        (0.95, "p95"),
        (0.99, "p99"),
        (0.999, "p99.9"),
    ]
    .iter()
    .map(|&(p, l)| (nines(p), l.to_string()))
    .chain(std::iter::once((MAX_AT, "max".to_string())))
    .collect();
    chart::line(
        &dir.join(&file),
        format,
        &chart::LineChart {
            title: title.clone(),
            x_label: "percentile".into(),
            y_label: "read latency (ms)".into(),
            series,
            x_fmt: nines_label,
            x_ticks: Some(ticks),
            ..Default::default()
        },
    )?;
    out.push((title, file));
    type Pick = fn(&crate::model::metrics::TimelinePoint) -> f64;
    // An interval without lookups has no hit ratio, and one without completed reads no p99: gaps.
    let metrics: [(&str, &str, &str, Pick); 3] = [
        ("hit ratio over time", "hit ratio", "timeline_hit_ratio", |p| {
            if p.requests == 0 {
                f64::NAN
            } else {
                p.hit_ratio
            }
        }),
        (
            "backend reads over time",
            "backend reads per second",
            "timeline_backend",
            |p| p.backend_reads_per_s,
        ),
        ("read p99 over time", "read p99 (ms)", "timeline_p99", |p| {
            if p.requests == 0 && p.read_p99_ms == 0.0 {
                f64::NAN
            } else {
                p.read_p99_ms
            }
        }),
    ];
    // Stampedes: intervals whose backend read rate is over 3x the median of the first result.
    let mut markers = s.events.clone();
    if let Some(r) = s.results.iter().find(|r| !r.timeline.is_empty()) {
        let mut rates: Vec<f64> = r.timeline.iter().map(|p| p.backend_reads_per_s).collect();
        rates.sort_by(|a, b| a.total_cmp(b));
        let median = rates[rates.len() / 2];
        let mut last = f64::NEG_INFINITY;
        for p in &r.timeline {
            if median > 0.0 && p.backend_reads_per_s > 3.0 * median && p.time_s - last > 0.5 {
                markers.push((p.time_s, "stampede".into()));
                last = p.time_s;
            }
        }
        markers.truncate(40);
    }
    // Multi-level caches: each tier's hit ratio over time, for the first result.
    if let Some(r) = s.results.iter().find(|r| !r.tier_timeline.is_empty()) {
        let names: Vec<String> = r
            .tiers
            .as_ref()
            .map(|ts| ts.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_default();
        let series = names
            .iter()
            .enumerate()
            .map(|(t, n)| chart::Series {
                name: n.clone(),
                points: r
                    .timeline
                    .iter()
                    .zip(&r.tier_timeline)
                    .map(|(p, v)| (p.time_s, v.get(t).copied().unwrap_or(f64::NAN)))
                    .collect(),
            })
            .collect();
        let title = titled(s, &format!("hit ratio per tier over time ({})", label(r)));
        let file = format!("timeline_tiers.{}", format.ext());
        chart::line(
            &dir.join(&file),
            format,
            &chart::LineChart {
                title: title.clone(),
                x_label: "simulated time (s)".into(),
                y_label: "hit ratio of the lookups reaching the tier".into(),
                log_x: false,
                series,
                x_fmt: |x| format!("{x:.0}"),
                markers: s.events.clone(),
                y_max: Some(1.0),
                ..Default::default()
            },
        )?;
        out.push((title, file));
    }
    for (title, y, stem, pick) in metrics {
        let series = s
            .results
            .iter()
            .filter(|r| !r.timeline.is_empty())
            .map(|r| chart::Series {
                name: label(r),
                points: r.timeline.iter().map(|p| (p.time_s, pick(p))).collect(),
            })
            .collect();
        let file = format!("{stem}.{}", format.ext());
        chart::line(
            &dir.join(&file),
            format,
            &chart::LineChart {
                title: titled(s, title),
                x_label: "simulated time (s)".into(),
                y_label: y.into(),
                series,
                x_fmt: |x| format!("{x:.0}"),
                markers: markers.clone(),
                y_max: (stem == "timeline_hit_ratio").then_some(1.0),
                ..Default::default()
            },
        )?;
        out.push((titled(s, title), file));
    }
    Ok(out)
}
