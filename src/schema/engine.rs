//! The engine's workload-file sections: `[pattern]`, `[backend]`, `[cache_latency]`, `[faults]`
//! (checked into [`EngineConfig`](crate::engine::config::EngineConfig)).

use super::latency::LatencySpec;
use super::values::{Count, Delay, Dur, OpenRatio, Positive};
use serde::Deserialize;

/// How reads reach the backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadPattern {
    /// The client reads the cache; on a miss it reads the backend and sets the key.
    #[default]
    CacheAside,
    /// The cache loads the key from the backend on a miss (no extra client round trip).
    ReadThrough,
    /// Cache-aside, plus a hit late in an entry's life refreshes it in the background.
    RefreshAhead,
}

/// How writes reach the backend and the cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WritePattern {
    /// Write the backend, then delete the key from the cache.
    #[default]
    Invalidate,
    /// Write the backend, then set the key in the cache, then acknowledge.
    WriteThrough,
    /// Acknowledge after the cache write; dirty keys are flushed to the backend in batches.
    WriteBehind,
    /// Write only the backend.
    WriteAround,
}

/// What happens when many requests miss the same key at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stampede {
    /// Every miss loads from the backend.
    #[default]
    None,
    /// The first miss takes a lock; the others sleep and retry.
    Lock,
    /// Misses share the in-flight load.
    Coalesce,
    /// Probabilistic early recomputation (Vattani, Chierichetti, Lowenstein, VLDB 2015).
    Xfetch,
    /// Serve the expired value while one background load refreshes it.
    StaleWhileRevalidate,
}

/// `write_behind = { flush_interval = "5s", batch_size = 100 }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteBehindSection {
    /// Time between flushes (default 5s).
    pub flush_interval: Option<Dur>,
    /// Dirty keys that trigger a flush, and the most keys in one backend batch (default 100).
    pub batch_size: Option<Count>,
}

/// `[pattern]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSection {
    /// Read pattern (default cache-aside).
    pub read: Option<ReadPattern>,
    /// Write pattern (default invalidate).
    pub write: Option<WritePattern>,
    /// Stampede protection (default none).
    pub stampede: Option<Stampede>,
    /// refresh-ahead: fraction of the TTL after which a hit refreshes (default 0.8).
    pub refresh_ahead: Option<OpenRatio>,
    /// xfetch: beta (default 1.0; larger recomputes earlier).
    pub xfetch_beta: Option<Positive>,
    /// lock: how long a waiter sleeps before retrying (default 50ms; 0 retries at once).
    pub lock_wait: Option<Delay>,
    /// lock: retries before going to the backend anyway (default 5).
    pub lock_retries: Option<u32>,
    /// write-behind: flushing.
    pub write_behind: Option<WriteBehindSection>,
    /// stale-while-revalidate: how long past its TTL a value may be served (default: the TTL).
    pub stale_window: Option<Delay>,
    /// Cache "not found" answers this long (reads of absent keys, `[workload] absent_ratio`);
    /// omitted: never cached.
    pub negative_ttl: Option<Dur>,
}

impl PatternSection {
    /// Whether the section selects the discrete-event engine: it does unless `negative_ttl`,
    /// which applies to plain replay too, is all it sets.
    pub fn selects_engine(&self) -> bool {
        let PatternSection {
            read,
            write,
            stampede,
            refresh_ahead,
            xfetch_beta,
            lock_wait,
            lock_retries,
            write_behind,
            stale_window,
            negative_ttl,
        } = self;
        negative_ttl.is_none()
            || read.is_some()
            || write.is_some()
            || stampede.is_some()
            || refresh_ahead.is_some()
            || xfetch_beta.is_some()
            || lock_wait.is_some()
            || lock_retries.is_some()
            || write_behind.is_some()
            || stale_window.is_some()
    }
}

/// `[backend]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSection {
    /// Read service time.
    pub read_latency: Option<LatencySpec>,
    /// Write service time.
    pub write_latency: Option<LatencySpec>,
    /// Servers; requests beyond wait in a FIFO queue (default: unlimited).
    pub concurrency: Option<Count>,
    /// A request not done this long after it was sent fails (never zero: omit it for none).
    pub timeout: Option<Delay>,
}

/// `[cache_latency]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheLatencySection {
    /// Round trip of a get (0, like omitting it, is none).
    pub get: Option<Delay>,
    /// Round trip of a set or delete (0, like omitting it, is none).
    pub set: Option<Delay>,
}

/// One backend outage.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageSpec {
    /// Start (0 is the start of the run).
    pub at: Delay,
    /// Length.
    #[serde(rename = "for")]
    pub length: Dur,
}

/// `[faults]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSection {
    /// Times at which the cache restarts empty (dirty data is flushed first).
    #[serde(default)]
    pub cache_restart_at: Vec<Delay>,
    /// Time at which the cache process dies: unflushed write-behind data is lost, the cache is empty.
    pub crash_at: Option<Delay>,
    /// Backend outages.
    #[serde(default)]
    pub backend_outages: Vec<OutageSpec>,
    /// Cluster nodes that fail (and come back empty).
    #[serde(default)]
    pub node_failures: Vec<NodeFailureSpec>,
    /// Windows in which the whole cache tier is unreachable.
    #[serde(default)]
    pub cache_outages: Vec<OutageSpec>,
}

/// One node failure.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFailureSpec {
    /// The node, from 0.
    pub node: u64,
    /// When it fails.
    pub at: Delay,
    /// How long it stays down (omitted: for good).
    #[serde(rename = "for")]
    pub length: Option<Dur>,
}

/// What a client does when a cache operation fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnCacheError {
    /// Treat it as a miss and read the backend.
    #[default]
    Fallback,
    /// The request fails.
    Fail,
}

/// A circuit breaker in front of the cache.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// Opens when the share of failed cache operations in the window reaches this.
    pub error_ratio: f64,
    /// The window the ratio is measured over.
    pub window: Dur,
    /// How long it stays open before letting one operation through.
    pub open_for: Dur,
    /// Operations the window needs before the ratio counts (default 10).
    pub min_ops: Option<Count>,
}

/// `[client]`: how the application talks to the cache.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    /// A cache operation not answered this long after it was sent fails.
    pub timeout: Option<Delay>,
    /// What a failed cache operation does to its request.
    #[serde(default)]
    pub on_cache_error: OnCacheError,
    /// Skip the cache while it keeps failing.
    pub circuit_breaker: Option<BreakerSpec>,
}
