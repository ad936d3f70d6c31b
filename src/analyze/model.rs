//! The analysis as a typed result (analysis.json and `--format json`), built from one pass.

use super::collect::Collector;
use super::histogram::{Bucket, Log2Histogram};
use super::scans::ScanReport;
use super::series::{RatePoint, Window};
use crate::analyze::zipf_fit::fit_zipf;
use crate::model::result::SizeUnit;
use crate::mrc::MrcPoint;
use crate::report::SourceInfo;
use serde::Serialize;

/// One point of the rank-frequency curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankCount {
    /// 1-based rank by request count.
    pub rank: u64,
    /// Requests to the object at that rank.
    pub count: u64,
}

/// Popularity details.
#[derive(Clone, Debug, Serialize)]
pub struct Popularity {
    /// Rank-frequency curve at log-spaced ranks (every rank up to 10, then about 200 points).
    pub rank_frequency: Vec<RankCount>,
    /// Leading ranks the Zipf fit used.
    pub zipf_ranks_used: usize,
    /// log10 of the fitted count at rank 1 (the fitted line is `log10 c = this - alpha log10 r`).
    pub zipf_log10_intercept: Option<f64>,
    /// Objects requested exactly once.
    pub one_hit_wonders: u64,
}

/// Reuse details.
#[derive(Clone, Debug, Serialize)]
pub struct Reuse {
    /// Distinct objects requested between two requests to the same object, log2 buckets.
    pub reuse_distance: Vec<Bucket>,
    /// Mean reuse distance.
    pub mean_reuse_distance: Option<f64>,
    /// Seconds between two requests to the same object, log2 buckets of nanoseconds.
    pub reuse_time_seconds: Vec<Bucket>,
    /// How the LRU curve was obtained: `reuse-distances`, `lru-stack` or `simulated`.
    pub lru_mrc_method: String,
}

/// Object sizes (each object's size at its first request).
#[derive(Clone, Debug, Serialize)]
pub struct Sizes {
    /// Smallest.
    pub min: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
    /// Mean.
    pub mean: f64,
    /// Log2 buckets of bytes.
    pub histogram: Vec<Bucket>,
    /// Objects requested with more than one size.
    pub objects_with_size_changes: u64,
}

/// Time behaviour.
#[derive(Clone, Debug, Serialize)]
pub struct Time {
    /// Requests per second over time.
    pub rate_over_time: Vec<RatePoint>,
    /// Index of dispersion (variance / mean) of per-second request counts: 1 for Poisson arrivals,
    /// larger for bursty traffic (null without timestamps).
    pub index_of_dispersion: Option<f64>,
    /// Width of the working-set windows, in requests.
    pub working_set_window_requests: u64,
    /// Distinct objects and bytes per window (at most 2,000 windows).
    pub working_set_windows: Vec<Window>,
}

/// TTLs of the requests that carry one.
#[derive(Clone, Debug, Serialize)]
pub struct Ttls {
    /// Requests with a TTL.
    pub requests: u64,
    /// Their share of reads and writes.
    pub share: f64,
    /// Mean TTL in seconds.
    pub mean_seconds: f64,
    /// Median (upper bound of its log2 bucket) in seconds.
    pub p50_seconds: f64,
    /// Largest TTL in seconds.
    pub max_seconds: f64,
    /// Log2 buckets of nanoseconds, in seconds.
    pub histogram_seconds: Vec<Bucket>,
}

/// Everything `cachesim analyze` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// The cachesim version that produced it.
    pub cachesim_version: String,
    /// The trace or workload.
    pub source: SourceInfo,
    /// `bytes`, or `objects` with --ignore-obj-size (the unit of sizes and of the curve).
    pub size_unit: SizeUnit,
    /// The plain-language summary.
    pub summary: String,
    /// Requests of every operation.
    pub requests: u64,
    /// Malformed trace lines skipped with `--skip-bad-lines` (not in `requests`).
    #[serde(default)]
    pub skipped_bad_lines: u64,
    /// Distinct objects.
    pub objects: u64,
    /// Bytes of reads and writes.
    pub bytes_requested: u64,
    /// Sum of each object's size (at its first request).
    pub working_set_bytes: u64,
    /// Reads.
    pub reads: u64,
    /// Writes.
    pub writes: u64,
    /// Deletes.
    pub deletes: u64,
    /// Seconds from the first request to the last.
    pub time_span_seconds: f64,
    /// Mean requests per second (null without timestamps).
    pub mean_rate_per_second: Option<f64>,
    /// Busiest second.
    pub peak_rate_per_second: Option<u64>,
    /// Mean requests per minute, over whole minutes (none when the span is under a minute).
    pub mean_rate_per_minute: Option<f64>,
    /// Busiest whole minute.
    pub peak_rate_per_minute: Option<u64>,
    /// Fitted Zipf exponent of the rank-frequency head (null when undefined).
    pub zipf_alpha: Option<f64>,
    /// R² of the log-log line over the same ranks.
    pub zipf_r2: Option<f64>,
    /// Share of requests to the most requested 1% of objects.
    pub top_1pct_request_share: f64,
    /// Share of requests to the most requested 10% of objects.
    pub top_10pct_request_share: f64,
    /// Objects requested once, as a share of objects.
    pub one_hit_wonder_ratio: f64,
    /// Requests to objects requested once, as a share of requests.
    pub one_hit_wonder_request_ratio: f64,
    /// First requests of objects / reads and writes: the miss ratio of an infinite cache.
    pub compulsory_miss_ratio: f64,
    /// Exact LRU miss-ratio curve.
    pub lru_mrc: Vec<MrcPoint>,
    /// Popularity details.
    pub popularity: Popularity,
    /// Reuse details.
    pub reuse: Reuse,
    /// Object sizes.
    pub sizes: Sizes,
    /// Time behaviour.
    pub time: Time,
    /// Scans.
    pub scans: ScanReport,
    /// TTLs (absent when no request carries one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Ttls>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Log-spaced ranks 1..=n: all up to 10, then about 200 more.
fn sample_ranks(n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (1..=n.min(10)).collect();
    if n > 10 {
        let steps = 200;
        for i in 0..=steps {
            let r = (10f64 * (n as f64 / 10.0).powf(i as f64 / steps as f64)).round() as usize;
            if r > *v.last().unwrap_or(&0) && r <= n {
                v.push(r);
            }
        }
    }
    v
}

/// Builds the analysis from a finished pass (`scans` already finished) and the curve.
pub(crate) fn build(
    c: &Collector,
    scans: ScanReport,
    lru_mrc: Vec<MrcPoint>,
    method: &str,
    unit: SizeUnit,
) -> Analysis {
    let mut counts: Vec<u64> = Vec::with_capacity(c.objects as usize);
    let mut sizes: Vec<u64> = Vec::with_capacity(c.objects as usize);
    let mut changed = 0;
    for (k, e) in c.keys.iter() {
        counts.push(e.count());
        sizes.push(c.size_of(k, e));
        changed += e.size_changed() as u64;
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    sizes.sort_unstable();
    let fit = fit_zipf(&counts);
    let intercept = (fit.ranks_used >= 2 && fit.alpha.is_finite()).then(|| {
        let h = &counts[..fit.ranks_used];
        h.iter()
            .enumerate()
            .map(|(i, &k)| (k as f64).log10() + fit.alpha * ((i + 1) as f64).log10())
            .sum::<f64>()
            / h.len() as f64
    });
    let n = counts.len();
    let top = |f: f64| {
        let k = ((n as f64 * f).ceil() as usize).clamp(1.min(n), n);
        share(counts[..k].iter().sum(), c.requests)
    };
    let ohw = counts.iter().rev().take_while(|&&k| k == 1).count() as u64;
    let pct = |q: f64| {
        if sizes.is_empty() {
            0
        } else {
            sizes[((q * sizes.len() as f64).ceil() as usize).clamp(1, sizes.len()) - 1]
        }
    };
    let mut size_hist = Log2Histogram::default();
    for &s in &sizes {
        size_hist.add(s);
    }
    let span = c.series.span_seconds();
    let timed = span > 0.0;
    let (mean_s, var_s, peak_s) = c.series.seconds.summary();
    // Per minute: over whole minutes only (a 194 s stream has three; the 14 s left would drag the
    // mean down and could not set the peak).
    let minutes = c.series.minutes.full_units();
    let (win, windows) = c.series.windows();
    let accesses = c.reads + c.writes;
    let ttl = (c.ttl.total() > 0).then(|| Ttls {
        requests: c.ttl.total(),
        share: share(c.ttl.total(), accesses),
        mean_seconds: c.ttl.mean() * 1e-9,
        // The histogram's bucket bound, never past the largest TTL seen.
        p50_seconds: (c.ttl.quantile(0.5) * 1e-9).min(c.ttl.max() as f64 * 1e-9),
        max_seconds: c.ttl.max() as f64 * 1e-9,
        histogram_seconds: c.ttl.buckets(1e-9),
    });
    Analysis {
        skipped_bad_lines: 0,
        cachesim_version: env!("CARGO_PKG_VERSION").to_string(),
        source: SourceInfo {
            kind: String::new(),
            path: String::new(),
            name: None,
            format: None,
            zstd: None,
            objects: None,
            working_set_bytes: None,
        },
        size_unit: unit,
        summary: String::new(),
        requests: c.requests,
        objects: c.objects,
        bytes_requested: c.bytes_requested,
        working_set_bytes: c.working_set_bytes,
        reads: c.reads,
        writes: c.writes,
        deletes: c.deletes,
        time_span_seconds: span,
        mean_rate_per_second: timed.then_some(mean_s),
        peak_rate_per_second: timed.then_some(peak_s),
        mean_rate_per_minute: minutes.filter(|_| timed).map(|m| m.0),
        peak_rate_per_minute: minutes.filter(|_| timed).map(|m| m.1),
        zipf_alpha: finite(fit.alpha),
        zipf_r2: finite(fit.r2),
        top_1pct_request_share: if n == 0 { 0.0 } else { top(0.01) },
        top_10pct_request_share: if n == 0 { 0.0 } else { top(0.10) },
        one_hit_wonder_ratio: share(ohw, c.objects),
        one_hit_wonder_request_ratio: share(ohw, c.requests),
        compulsory_miss_ratio: share(c.cold, accesses),
        lru_mrc,
        popularity: Popularity {
            rank_frequency: sample_ranks(n)
                .into_iter()
                .map(|r| RankCount {
                    rank: r as u64,
                    count: counts[r - 1],
                })
                .collect(),
            zipf_ranks_used: fit.ranks_used,
            zipf_log10_intercept: intercept,
            one_hit_wonders: ohw,
        },
        reuse: Reuse {
            reuse_distance: c.reuse_distance.buckets(1.0),
            mean_reuse_distance: finite(c.reuse_distance.mean()),
            reuse_time_seconds: c.reuse_time.buckets(1e-9),
            lru_mrc_method: method.to_string(),
        },
        sizes: Sizes {
            min: sizes.first().copied().unwrap_or(0),
            p50: pct(0.5),
            p90: pct(0.9),
            p99: pct(0.99),
            max: sizes.last().copied().unwrap_or(0),
            mean: share(sizes.iter().sum(), sizes.len() as u64),
            histogram: size_hist.buckets(1.0),
            objects_with_size_changes: changed,
        },
        time: Time {
            rate_over_time: c.series.rate(),
            index_of_dispersion: (timed && mean_s > 0.0).then(|| var_s / mean_s),
            working_set_window_requests: win,
            working_set_windows: windows,
        },
        scans,
        ttl,
    }
}
