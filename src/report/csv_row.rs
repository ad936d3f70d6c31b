//! Flat CSV records. The csv crate cannot write nested structs, so the engine's metrics are
//! flattened here into one column each (`read_latency_ms_p99`, `backend_peak_queue`, ...) and
//! written after the plain columns as one `(PlainRow, EngineCols)` record. A plain replay keeps
//! exactly the columns it always had.

use crate::model::metrics::{LatencySummary, TimelinePoint};
use crate::model::result::{RunResult, SizeUnit};
use serde::Serialize;

/// The columns every result has.
#[derive(Serialize)]
pub struct PlainRow<'a> {
    policy: &'a str,
    params: &'a str,
    cache_size: u64,
    size_spec: &'a str,
    size_unit: SizeUnit,
    requests: u64,
    hits: u64,
    misses: u64,
    miss_ratio: f64,
    hit_ratio: f64,
    byte_miss_ratio: f64,
    bytes_requested: u64,
    bytes_missed: u64,
    evictions: Option<u64>,
    expirations: Option<u64>,
    method: &'a str,
    sampling_rate: Option<f64>,
    deletes: u64,
    skipped_zero_size: u64,
    skipped_bad_lines: u64,
    alerts: Option<u32>,
    /// The alerts raised, `;`-separated (`hit_ratio_below;evictions_above`).
    alerts_raised: String,
}

impl<'a> PlainRow<'a> {
    /// The plain columns of `r`.
    pub fn new(r: &'a RunResult) -> Self {
        PlainRow {
            policy: &r.policy,
            params: &r.params,
            cache_size: r.cache_size,
            size_spec: &r.size_spec,
            size_unit: r.size_unit,
            requests: r.requests,
            hits: r.hits,
            misses: r.misses,
            miss_ratio: r.miss_ratio,
            hit_ratio: r.hit_ratio,
            byte_miss_ratio: r.byte_miss_ratio,
            bytes_requested: r.bytes_requested,
            bytes_missed: r.bytes_missed,
            evictions: r.evictions,
            expirations: r.expirations,
            method: r.method.as_str(),
            sampling_rate: r.sampling_rate,
            deletes: r.deletes,
            skipped_zero_size: r.skipped_zero_size,
            skipped_bad_lines: r.skipped_bad_lines,
            alerts: r.alerts,
            alerts_raised: r
                .alerts_raised
                .iter()
                .flatten()
                .map(|a| a.alert.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        }
    }
}

/// The engine's columns, flattened; written after the plain ones (`(PlainRow, EngineCols)`).
#[derive(Serialize)]
pub struct EngineCols {
    writes: u64,
    read_latency_ms_mean: f64,
    read_latency_ms_p50: f64,
    read_latency_ms_p90: f64,
    read_latency_ms_p95: f64,
    read_latency_ms_p99: f64,
    read_latency_ms_p999: f64,
    read_latency_ms_max: f64,
    write_latency_ms_mean: f64,
    write_latency_ms_p50: f64,
    write_latency_ms_p90: f64,
    write_latency_ms_p95: f64,
    write_latency_ms_p99: f64,
    write_latency_ms_p999: f64,
    write_latency_ms_max: f64,
    backend_reads: u64,
    backend_writes: u64,
    backend_peak_concurrency: Option<u64>,
    backend_peak_queue: Option<u64>,
    backend_mean_in_flight: Option<f64>,
    backend_mean_time_ms: Option<f64>,
    stampede_max_concurrent_loads_per_key: u64,
    stampede_expiries_with_concurrent_loads: u64,
    stampede_max_concurrent_refreshes_per_key: u64,
    write_behind_lost_writes: Option<u64>,
    write_behind_max_dirty: Option<u64>,
    write_behind_flushes: Option<u64>,
    write_behind_coalesced_writes: Option<u64>,
    stale_reads: u64,
    stale_served: u64,
    errors: u64,
    duration_s: f64,
}

impl EngineCols {
    /// The engine columns of `r` (fields missing from a plain result are zero).
    pub fn new(r: &RunResult) -> Self {
        let rl = r.read_latency_ms.unwrap_or_default();
        let wl: LatencySummary = r.write_latency_ms.unwrap_or_default();
        let b = r.backend.unwrap_or_default();
        let s = r.stampede.unwrap_or_default();
        let wb = r.write_behind;
        EngineCols {
            writes: r.writes.unwrap_or(0),
            read_latency_ms_mean: rl.mean,
            read_latency_ms_p50: rl.p50,
            read_latency_ms_p90: rl.p90,
            read_latency_ms_p95: rl.p95,
            read_latency_ms_p99: rl.p99,
            read_latency_ms_p999: rl.p999,
            read_latency_ms_max: rl.max,
            write_latency_ms_mean: wl.mean,
            write_latency_ms_p50: wl.p50,
            write_latency_ms_p90: wl.p90,
            write_latency_ms_p95: wl.p95,
            write_latency_ms_p99: wl.p99,
            write_latency_ms_p999: wl.p999,
            write_latency_ms_max: wl.max,
            backend_reads: b.reads,
            backend_writes: b.writes,
            backend_peak_concurrency: b.peak_concurrency,
            backend_peak_queue: b.peak_queue,
            backend_mean_in_flight: b.mean_in_flight,
            backend_mean_time_ms: b.mean_time_ms,
            stampede_max_concurrent_loads_per_key: s.max_concurrent_loads_per_key,
            stampede_expiries_with_concurrent_loads: s.expiries_with_concurrent_loads,
            stampede_max_concurrent_refreshes_per_key: s.max_concurrent_refreshes_per_key,
            write_behind_lost_writes: wb.map(|w| w.lost_writes),
            write_behind_max_dirty: wb.map(|w| w.max_dirty),
            write_behind_flushes: wb.map(|w| w.flushes),
            write_behind_coalesced_writes: wb.map(|w| w.coalesced_writes),
            stale_reads: r.stale_reads.unwrap_or(0),
            stale_served: r.stale_served.unwrap_or(0),
            errors: r.errors.unwrap_or(0),
            duration_s: r.duration_s.unwrap_or(0.0),
        }
    }
}

/// One row of timeline.csv.
#[derive(Serialize)]
pub struct TimelineRow<'a> {
    policy: String,
    cache_size: u64,
    size_spec: &'a str,
    time_s: f64,
    hit_ratio: f64,
    requests_per_s: f64,
    backend_reads_per_s: f64,
    read_p99_ms: f64,
    dirty: u64,
    requests: u64,
    hits: u64,
    writes: u64,
    deletes: u64,
    backend_reads: u64,
    backend_writes: u64,
    errors: u64,
    stale_reads: u64,
}

impl<'a> TimelineRow<'a> {
    /// The point `p` of result `r`.
    pub fn new(r: &'a RunResult, p: &TimelinePoint) -> Self {
        TimelineRow {
            policy: r.policy_label(),
            cache_size: r.cache_size,
            size_spec: &r.size_spec,
            time_s: p.time_s,
            hit_ratio: p.hit_ratio,
            requests_per_s: p.requests_per_s,
            backend_reads_per_s: p.backend_reads_per_s,
            read_p99_ms: p.read_p99_ms,
            dirty: p.dirty,
            requests: p.requests,
            hits: p.hits,
            writes: p.writes,
            deletes: p.deletes,
            backend_reads: p.backend_reads,
            backend_writes: p.backend_writes,
            errors: p.errors,
            stale_reads: p.stale_reads,
        }
    }
}

/// The remote tier's columns (a cluster on the engine, or `[client]`), after the multi-level ones.
#[derive(Serialize)]
pub struct RemoteCols {
    cache_latency_ms_mean: Option<f64>,
    cache_latency_ms_p50: Option<f64>,
    cache_latency_ms_p90: Option<f64>,
    cache_latency_ms_p95: Option<f64>,
    cache_latency_ms_p99: Option<f64>,
    cache_latency_ms_p999: Option<f64>,
    cache_latency_ms_max: Option<f64>,
    cache_errors: Option<u64>,
    fallback_reads: Option<u64>,
    breaker_open_s: Option<f64>,
    /// Node failures, and the largest share of keys one of them remapped.
    node_failures: Option<u64>,
    remapped_share_max: Option<f64>,
    hot_reads: Option<u64>,
    hot_local_hits: Option<u64>,
    hot_node_ops: Option<u64>,
}

impl RemoteCols {
    /// The remote tier's columns of `r` (empty cells when it has none).
    pub fn new(r: &RunResult) -> Self {
        let l = r.cache_latency_ms.as_ref();
        let h = r.hot_keys.as_ref();
        RemoteCols {
            cache_latency_ms_mean: l.map(|l| l.mean),
            cache_latency_ms_p50: l.map(|l| l.p50),
            cache_latency_ms_p90: l.map(|l| l.p90),
            cache_latency_ms_p95: l.map(|l| l.p95),
            cache_latency_ms_p99: l.map(|l| l.p99),
            cache_latency_ms_p999: l.map(|l| l.p999),
            cache_latency_ms_max: l.map(|l| l.max),
            cache_errors: r.cache_errors,
            fallback_reads: r.fallback_reads,
            breaker_open_s: r.breaker_open_s,
            node_failures: r.failures.as_ref().map(|f| f.len() as u64),
            remapped_share_max: r
                .failures
                .as_ref()
                .and_then(|f| f.iter().map(|x| x.remapped_share).reduce(f64::max)),
            hot_reads: h.map(|h| h.reads),
            hot_local_hits: h.map(|h| h.local_hits),
            hot_node_ops: h.map(|h| h.node_ops),
        }
    }

    /// Whether any result has these columns.
    pub fn applies(results: &[RunResult]) -> bool {
        results.iter().any(|r| r.cache_latency_ms.is_some())
    }
}

/// One node of a cluster for nodes.csv.
#[derive(Serialize)]
pub struct NodeRow<'a> {
    policy: String,
    cache_size: u64,
    size_spec: &'a str,
    node: u32,
    requests: u64,
    hits: u64,
    hit_ratio: f64,
    sets: u64,
    keys_peak: u64,
    bytes_peak: u64,
    ops: Option<u64>,
    ops_per_s: Option<f64>,
    latency_ms_mean: Option<f64>,
    latency_ms_p95: Option<f64>,
    latency_ms_p99: Option<f64>,
    queue_peak: Option<u64>,
}

impl<'a> NodeRow<'a> {
    /// Node `n` of result `r`.
    pub fn new(r: &'a RunResult, n: &crate::model::metrics::NodeStats) -> Self {
        NodeRow {
            policy: r.policy_label(),
            cache_size: r.cache_size,
            size_spec: &r.size_spec,
            node: n.node,
            requests: n.requests,
            hits: n.hits,
            hit_ratio: n.hit_ratio,
            sets: n.sets,
            keys_peak: n.keys_peak,
            bytes_peak: n.bytes_peak,
            ops: n.ops,
            ops_per_s: n.ops_per_s,
            latency_ms_mean: n.latency_ms.map(|l| l.mean),
            latency_ms_p95: n.latency_ms.map(|l| l.p95),
            latency_ms_p99: n.latency_ms.map(|l| l.p99),
            queue_peak: n.queue_peak,
        }
    }
}

/// The columns of a multi-level cache (tiers, warming, negative caching), written after the plain
/// (and engine) ones; then seven columns per tier, `tier_<name>_<field>`.
#[derive(Serialize)]
pub struct TopologyCols {
    /// Plain replay (the engine's columns carry them otherwise).
    backend_reads: Option<u64>,
    backend_writes: Option<u64>,
    backend_warming_reads: Option<u64>,
    backend_absent_reads: Option<u64>,
    negative_hits: Option<u64>,
    /// Plain replay (the engine's columns carry it otherwise).
    stale_reads: Option<u64>,
    memory_bytes_total: Option<u64>,
    /// A cluster: its nodes, the busiest node's operations over the mean's, and its share.
    nodes: Option<u64>,
    imbalance: Option<f64>,
    hot_node_share: Option<f64>,
}

impl TopologyCols {
    /// The multi-level columns of `r`; `engine` when the engine's columns precede them.
    pub fn new(r: &RunResult, engine: bool) -> Self {
        let b = r.backend;
        let plain = |x: Option<u64>| if engine { None } else { x };
        TopologyCols {
            backend_reads: plain(b.map(|b| b.reads)),
            backend_writes: plain(b.map(|b| b.writes)),
            backend_warming_reads: b.and_then(|b| b.warming_reads),
            backend_absent_reads: b.and_then(|b| b.absent_reads),
            negative_hits: r.negative_hits,
            stale_reads: plain(r.stale_reads),
            memory_bytes_total: r.memory_bytes_total,
            nodes: r.nodes.as_ref().map(|n| n.len() as u64),
            imbalance: r.imbalance,
            hot_node_share: r.hot_node_share,
        }
    }

    /// Whether `r` has anything for these columns.
    pub fn applies(r: &RunResult) -> bool {
        r.tiers.is_some()
            || r.nodes.is_some()
            || r.cache_latency_ms.is_some()
            || r.negative_hits.is_some()
            || r.backend
                .is_some_and(|b| b.warming_reads.is_some() || b.absent_reads.is_some())
            || (r.backend.is_some() && r.read_latency_ms.is_none())
    }

    /// The per-tier column names for tiers named `names`.
    pub fn tier_header(names: &[String]) -> Vec<String> {
        names
            .iter()
            .flat_map(|n| {
                [
                    "requests",
                    "hits",
                    "misses",
                    "hit_ratio",
                    "evictions",
                    "stale_reads",
                    "bytes_peak",
                ]
                .map(|f| format!("tier_{n}_{f}"))
            })
            .collect()
    }

    /// The per-tier values of `r`, in [`TopologyCols::tier_header`]'s order (empty cells when `r`
    /// has no tiers).
    pub fn tier_values(r: &RunResult, tiers: usize) -> Vec<String> {
        match &r.tiers {
            Some(ts) => ts
                .iter()
                .flat_map(|t| {
                    [
                        t.requests.to_string(),
                        t.hits.to_string(),
                        t.misses.to_string(),
                        t.hit_ratio.to_string(),
                        t.evictions.to_string(),
                        t.stale_reads.to_string(),
                        t.bytes_peak.to_string(),
                    ]
                })
                .collect(),
            None => vec![String::new(); tiers * 7],
        }
    }
}
