//! The engine's metrics: latency summaries from HDR histograms, backend, stampede and write-behind
//! counters, and the time series. Every type is part of the JSON contract of `RunResult`.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// A latency distribution in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Requests measured.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
}

/// A latency histogram in nanoseconds (3 significant digits, growing as needed).
#[derive(Clone, Debug)]
pub struct LatencyHistogram(Histogram<u64>);

impl Default for LatencyHistogram {
    fn default() -> Self {
        let mut h = Histogram::new(3).expect("3 significant digits are valid");
        h.auto(true);
        LatencyHistogram(h)
    }
}

impl LatencyHistogram {
    /// Records one latency in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        // Auto-resizing: only a value beyond the histogram's u64 range could fail; none is that large.
        let _ = self.0.record(ns);
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets every value.
    pub fn clear(&mut self) {
        self.0.reset();
    }

    /// A percentile in ms (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            0.0
        } else {
            self.0.value_at_quantile(q) as f64 / 1e6
        }
    }

    /// The summary in ms.
    pub fn summary(&self) -> LatencySummary {
        if self.0.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            count: self.0.len(),
            mean: self.0.mean() / 1e6,
            p50: self.quantile_ms(0.5),
            p90: self.quantile_ms(0.9),
            p95: self.quantile_ms(0.95),
            p99: self.quantile_ms(0.99),
            p999: self.quantile_ms(0.999),
            max: self.0.max() as f64 / 1e6,
        }
    }
}

/// Backend load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BackendStats {
    /// Reads sent to the backend.
    pub reads: u64,
    /// Keys written to the backend (a write-behind batch counts each key).
    pub writes: u64,
    /// Engine: most backend requests in service at once.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub peak_concurrency: Option<u64>,
    /// Engine: longest queue of requests waiting for a server.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub peak_queue: Option<u64>,
    /// Engine: time-average number of requests in the backend (queued or in service).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mean_in_flight: Option<f64>,
    /// Engine: mean time a request spends in the backend (queue + service), ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mean_time_ms: Option<f64>,
    /// Reads made by warming (not in `reads`, which counts request misses).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warming_reads: Option<u64>,
    /// Reads of keys the backend does not have, answered "not found" (in `reads`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub absent_reads: Option<u64>,
}

/// One node of a cluster (`[cluster]`): a cache of the tier's policy holding its share of the
/// tier's size.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeStats {
    /// The node's number, from 0.
    pub node: u32,
    /// Lookups that reached it.
    pub requests: u64,
    /// Lookups it served.
    pub hits: u64,
    /// hits / requests (0 when it got none).
    pub hit_ratio: f64,
    /// Values stored in it: fills after misses, writes, demotions and warming.
    pub sets: u64,
    /// The most objects it held at once.
    pub keys_peak: u64,
    /// Its peak occupancy in bytes (objects, when sizes are ignored).
    pub bytes_peak: u64,
    /// Engine: operations it served (gets, sets, deletes; primary and replicas).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ops: Option<u64>,
    /// Engine: those per second of the run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ops_per_s: Option<f64>,
    /// Engine: its operations' latency (round trip, queueing, service), ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency_ms: Option<NodeLatency>,
    /// Engine: the most operations waiting at once (primary or one replica).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub queue_peak: Option<u64>,
}

/// A node's operation latency, ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeLatency {
    /// Mean (exact).
    pub mean: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// Hot keys on the engine's cluster (`[hot_keys]` local or replicate).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HotKeyStats {
    /// `local` or `replicate`.
    pub mitigation: String,
    /// Reads of hot keys.
    pub reads: u64,
    /// Of those, served by the instance's local cache (`local`).
    pub local_hits: u64,
    /// Cache operations on hot keys that reached the nodes.
    pub node_ops: u64,
}

/// A cluster node's failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FailureStats {
    /// The node.
    pub node: u32,
    /// When it failed, seconds.
    pub at: f64,
    /// Share of the tier's resident keys whose node changed.
    pub remapped_share: f64,
}

/// One tier of a multi-level cache, all its copies together.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TierStats {
    /// The tier's name.
    pub name: String,
    /// `instance` (a copy per application instance) or `shared`.
    pub scope: String,
    /// Copies of the tier (the instances, or 1).
    pub copies: u64,
    /// Lookups that reached the tier.
    pub requests: u64,
    /// Lookups it served.
    pub hits: u64,
    /// Lookups it missed.
    pub misses: u64,
    /// hits / requests.
    pub hit_ratio: f64,
    /// Objects evicted (over all copies; in an exclusive hierarchy, demoted to the tier below).
    pub evictions: u64,
    /// Hits that served a value older than the latest acknowledged write.
    pub stale_reads: u64,
    /// Each copy's peak occupancy in bytes (objects, when sizes are ignored), summed over the
    /// copies: the memory the tier needs when every instance must hold its own peak.
    pub bytes_peak: u64,
}

/// Concurrent loads of one key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StampedeStats {
    /// Most backend loads of one key in flight at once.
    pub max_concurrent_loads_per_key: u64,
    /// Load episodes (a key missing or being refreshed until no load is left in flight) with more
    /// than one concurrent load: expiries (or cold misses) that stampeded.
    pub expiries_with_concurrent_loads: u64,
    /// Most early recomputes or background refreshes of one key in flight at once (loads started
    /// by a hit: xfetch, refresh-ahead, stale-while-revalidate).
    pub max_concurrent_refreshes_per_key: u64,
}

/// Write-behind durability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteBehindStats {
    /// Acknowledged writes lost in a crash before they were flushed.
    pub lost_writes: u64,
    /// Most dirty keys at once.
    pub max_dirty: u64,
    /// Flush batches sent to the backend.
    pub flushes: u64,
    /// Writes merged into an already dirty key (not written to the backend separately).
    pub coalesced_writes: u64,
}

/// One point of the time series: the interval that ends at `time_s` (the last one may be partial).
/// Each count is what happened in the interval, so over all points it sums to the summary figure
/// of the same name; the rates are two of those counts divided by `timeline_interval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelinePoint {
    /// End of the interval, seconds.
    pub time_s: f64,
    /// Read hit ratio of the reads that looked the cache up in the interval.
    pub hit_ratio: f64,
    /// `requests` (reads counted, as in the summary) per second.
    pub requests_per_s: f64,
    /// `backend_reads` per second.
    pub backend_reads_per_s: f64,
    /// 99th percentile of the read latencies completed in the interval, ms.
    pub read_p99_ms: f64,
    /// Dirty keys at the end of the interval.
    pub dirty: u64,
    /// Reads arriving (the summary's `requests`: reads of non-zero size).
    pub requests: u64,
    /// Reads whose first lookup hit (including stale values served).
    pub hits: u64,
    /// Writes arriving.
    pub writes: u64,
    /// Deletes arriving.
    pub deletes: u64,
    /// Reads the backend accepted (a read refused during an outage is an error, not a backend read).
    pub backend_reads: u64,
    /// Keys the backend accepted for writing (a write-behind batch counts each key).
    pub backend_writes: u64,
    /// Client requests that failed (timeout, outage, a failed lock or coalesced load).
    pub errors: u64,
    /// Reads that obtained a version older than the latest acknowledged write.
    pub stale_reads: u64,
}

/// An alert a result raised ([`crate::alerts`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertHit {
    /// Which: `hit_ratio_below`, `p95_above`, `evictions_above`, `memory_above`,
    /// `error_ratio_above`, `stale_ratio_above`.
    pub alert: String,
    /// The result's value (a ratio, or milliseconds for p95).
    pub value: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// For `p95_above`: whose p95, `cache` (the cache operation's) or `read` (end to end).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub of: Option<String>,
}
