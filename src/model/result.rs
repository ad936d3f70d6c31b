//! Results: the counts of one replay and the (policy, size) record every output format writes.

use super::metrics::{BackendStats, LatencySummary, StampedeStats, TierStats, TimelinePoint, WriteBehindStats};
use serde::{Deserialize, Serialize};
use std::ops::AddAssign;

/// Counts from a replay. `AddAssign` so that partial results sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Requests counted (reads and writes of non-zero size).
    pub requests: u64,
    /// Requests that missed.
    pub misses: u64,
    /// Bytes requested.
    pub bytes: u64,
    /// Bytes of the requests that missed.
    pub miss_bytes: u64,
    /// Delete requests (not counted in `requests`).
    pub deletes: u64,
    /// Zero-size requests skipped, as libCacheSim skips them.
    pub skipped: u64,
    /// Reads counted (in `requests`; the rest are writes).
    pub reads: u64,
    /// Reads that missed (in `misses`): what a backend would serve.
    pub read_misses: u64,
}

impl AddAssign for ReplayStats {
    fn add_assign(&mut self, o: Self) {
        self.requests += o.requests;
        self.misses += o.misses;
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.miss_bytes = self.miss_bytes.saturating_add(o.miss_bytes);
        self.deletes += o.deletes;
        self.skipped += o.skipped;
        self.reads += o.reads;
        self.read_misses += o.read_misses;
    }
}

/// How a result was obtained (`method` in every output format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The policy replayed at this size (plain replay or the discrete-event engine).
    Simulation,
    /// The exact one-pass LRU curve (`lru-stack`).
    LruStack,
    /// A sampled estimate: SHARDS for LRU, a miniature simulation for other policies.
    Shards,
}

impl Method {
    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Simulation => "simulation",
            Method::LruStack => "lru-stack",
            Method::Shards => "shards",
        }
    }
}

/// Whether cache sizes count bytes or objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SizeUnit {
    /// Sizes are bytes; objects have their trace sizes.
    Bytes,
    /// Sizes count objects (`--ignore-obj-size`).
    Objects,
}

/// One (policy, size) result: the output contract of `--format json`, summary.json and summary.csv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Canonical lower-case policy name.
    pub policy: String,
    /// Non-default policy parameters as `k=v,...` (empty for defaults).
    pub params: String,
    /// The admission policy in front of the cache (`bloom`, `size:size=16384`), empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub admission: String,
    /// Cache size, in `size_unit`.
    pub cache_size: u64,
    /// The size as the user wrote it (`64MiB`, `5%`).
    pub size_spec: String,
    /// `bytes` or `objects`.
    pub size_unit: SizeUnit,
    /// Requests replayed (deletes and zero-size requests excluded).
    pub requests: u64,
    /// Requests that hit.
    pub hits: u64,
    /// Requests that missed.
    pub misses: u64,
    /// misses / requests.
    pub miss_ratio: f64,
    /// hits / requests.
    pub hit_ratio: f64,
    /// Bytes missed / bytes requested.
    pub byte_miss_ratio: f64,
    /// Bytes requested.
    pub bytes_requested: u64,
    /// Bytes of missed requests.
    pub bytes_missed: u64,
    /// Objects evicted (absent when the result comes from a one-pass curve, which does not count them).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evictions: Option<u64>,
    /// Objects found expired (absent for one-pass curves).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expirations: Option<u64>,
    /// How the numbers were obtained.
    pub method: Method,
    /// The sampling rate, for `shards` estimates.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sampling_rate: Option<f64>,
    /// Delete requests seen.
    pub deletes: u64,
    /// Zero-size requests skipped.
    pub skipped_zero_size: u64,
    /// Malformed rows skipped with `--skip-bad-lines`.
    pub skipped_bad_lines: u64,
    /// Engine: writes (a write pattern's requests; not in `requests`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub writes: Option<u64>,
    /// Engine: read latency, ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub read_latency_ms: Option<LatencySummary>,
    /// Engine: write latency (until acknowledged), ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub write_latency_ms: Option<LatencySummary>,
    /// Engine: backend load.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub backend: Option<BackendStats>,
    /// Engine: concurrent loads of one key.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stampede: Option<StampedeStats>,
    /// Engine, write-behind: flushing and data loss.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub write_behind: Option<WriteBehindStats>,
    /// Engine: reads that returned a version older than the latest acknowledged write.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stale_reads: Option<u64>,
    /// Engine: expired values served by stale-while-revalidate.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stale_served: Option<u64>,
    /// Engine: client requests that failed (backend timeout or outage).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errors: Option<u64>,
    /// Engine: simulated time, seconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration_s: Option<f64>,
    /// Multi-level caches: each tier, from the application down to the backend.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tiers: Option<Vec<TierStats>>,
    /// Reads of absent keys served by a cached "not found" entry (in `hits`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub negative_hits: Option<u64>,
    /// Engine, multi-level caches: the part of each read's latency spent in cache round trips, ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub read_latency_tiers_ms: Option<LatencySummary>,
    /// Engine, multi-level caches: the rest of each read's latency (backend queue and service,
    /// waits for another read's load), ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub read_latency_backend_ms: Option<LatencySummary>,
    /// Multi-level caches: every tier's size times its copies, summed (objects when sizes are ignored).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memory_bytes_total: Option<u64>,
    /// A cluster (`[cluster]`): each node of the clustered tier.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nodes: Option<Vec<crate::model::metrics::NodeStats>>,
    /// A cluster: the busiest node's operations (lookups and sets) over the mean node's (1 is
    /// perfectly even).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub imbalance: Option<f64>,
    /// A cluster: the busiest node's share of all the tier's operations.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hot_node_share: Option<f64>,
    /// Engine, a cluster or `[client]`: the latency of the remote tier's operations as the client
    /// sees them (round trip, node queueing and service; a failed one up to its timeout), ms.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cache_latency_ms: Option<LatencySummary>,
    /// Engine: the cluster's node failures.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub failures: Option<Vec<crate::model::metrics::FailureStats>>,
    /// Engine, a cluster or `[client]`: cache operations that failed (timeout, outage).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cache_errors: Option<u64>,
    /// Engine, a cluster or `[client]`: reads answered from the backend because the cache failed
    /// or the breaker skipped it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fallback_reads: Option<u64>,
    /// Engine: hot keys served locally or from replicas (`[hot_keys]`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hot_keys: Option<crate::model::metrics::HotKeyStats>,
    /// What the workload ran with beyond the file: its `[[variant]]`'s name and the values of the
    /// keys varied by `--vary` / `[vary]`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<crate::model::variant::Variant>,
    /// The most memory any copy of the cache (of the tier the grid varies) held, as a share of
    /// its capacity; absent where only estimated (one-pass curves, sampling).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memory_peak_ratio: Option<f64>,
    /// How many alerts this result raised ([`crate::alerts`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alerts: Option<u32>,
    /// The alerts it raised, with values and thresholds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alerts_raised: Option<Vec<crate::model::metrics::AlertHit>>,
    /// Engine, with a circuit breaker: seconds it was open.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub breaker_open_s: Option<f64>,
    /// Engine: the time series (written to timeline.csv, not to summary.json).
    #[serde(skip)]
    pub timeline: Vec<TimelinePoint>,
    /// Engine, multi-level caches: each timeline interval's hit ratio of every tier (written to
    /// timeline.csv, not to summary.json).
    #[serde(skip)]
    pub tier_timeline: Vec<Vec<f64>>,
    /// Plain replay: reads that missed, the backend reads `plan` counts (not in summary.json; None
    /// where not counted: one-pass curves, samples, the engine, which reports `backend.reads`).
    #[serde(skip)]
    pub read_misses: Option<u64>,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl RunResult {
    /// Builds the result record from a replay's counts (`policy` is the canonical name, `params`
    /// its parameter label); bad lines skipped are set by the caller, who knows them.
    pub fn new(
        policy: &str,
        params: String,
        cache_size: u64,
        unit: SizeUnit,
        s: &ReplayStats,
        evictions: u64,
        expirations: u64,
    ) -> Self {
        RunResult {
            policy: policy.to_string(),
            params,
            admission: String::new(),
            cache_size,
            size_spec: cache_size.to_string(),
            size_unit: unit,
            requests: s.requests,
            hits: s.requests - s.misses,
            misses: s.misses,
            miss_ratio: ratio(s.misses, s.requests),
            hit_ratio: ratio(s.requests - s.misses, s.requests),
            byte_miss_ratio: ratio(s.miss_bytes, s.bytes),
            bytes_requested: s.bytes,
            bytes_missed: s.miss_bytes,
            evictions: Some(evictions),
            expirations: Some(expirations),
            method: Method::Simulation,
            sampling_rate: None,
            deletes: s.deletes,
            skipped_zero_size: s.skipped,
            skipped_bad_lines: 0,
            writes: None,
            read_latency_ms: None,
            write_latency_ms: None,
            backend: None,
            stampede: None,
            write_behind: None,
            stale_reads: None,
            stale_served: None,
            errors: None,
            duration_s: None,
            tiers: None,
            negative_hits: None,
            read_latency_tiers_ms: None,
            read_latency_backend_ms: None,
            memory_bytes_total: None,
            nodes: None,
            imbalance: None,
            hot_node_share: None,
            cache_latency_ms: None,
            failures: None,
            cache_errors: None,
            fallback_reads: None,
            breaker_open_s: None,
            variant: None,
            memory_peak_ratio: None,
            alerts: None,
            alerts_raised: None,
            hot_keys: None,
            timeline: Vec::new(),
            tier_timeline: Vec::new(),
            read_misses: None,
        }
    }

    /// `policy` or `policy:params`, then `+admission` when there is one.
    pub fn policy_label(&self) -> String {
        let base = if self.params.is_empty() {
            self.policy.clone()
        } else {
            format!("{}:{}", self.policy, self.params)
        };
        if self.admission.is_empty() {
            base
        } else {
            format!("{base}+{}", self.admission)
        }
    }

    /// `policy` or `policy:params`, then ` (variant)` for a variant of the workload.
    pub fn label(&self) -> String {
        let p = self.policy_label();
        match &self.variant {
            Some(v) if !v.0.is_empty() => format!("{p} ({})", v.label()),
            _ => p,
        }
    }
}

/// The most a cache held as a share of its capacity (0 for a capacity of 0).
pub fn peak_ratio(peak: u64, capacity: u64) -> f64 {
    if capacity == 0 {
        0.0
    } else {
        peak as f64 / capacity as f64
    }
}
