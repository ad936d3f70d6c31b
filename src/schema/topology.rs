//! The multi-level sections of a workload file, as written: `[topology]` (application instances,
//! routing, inclusion), `[[tier]]` (the caches from the application down to the backend),
//! `[coherence]` (how writes reach other instances' copies) and `[warming]` (keys loaded before
//! traffic and after restarts). Checked into [`crate::topology::Topology`].

use super::latency::LatencySpec;
use super::values::{CacheSizeValue, Count, Delay, Dur, Positive, Ratio};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// How requests are spread over the application instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// Request i (0-based, counting every request of the stream) goes to instance i mod N.
    #[default]
    RoundRobin,
    /// Each request goes to an instance drawn uniformly (seeded).
    Random,
    /// Every request of a key goes to the same instance (sticky sessions, consistent hashing).
    ByKey,
    /// A column of the trace names the instance (`instance_col`).
    Trace,
}

/// Whether an object may be held by several tiers of one path at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Inclusion {
    /// A miss fills every tier above the one that served it (and all of them from the backend).
    #[default]
    Inclusive,
    /// An object lives in one tier of a path: hits below move it to the top, evictions demote it.
    Exclusive,
}

/// `[topology]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologySection {
    /// Application instances (default 1).
    pub instances: Option<Count>,
    /// How requests are routed to instances.
    #[serde(default)]
    pub routing: Routing,
    /// Inclusive or exclusive tiers.
    #[serde(default)]
    pub inclusion: Inclusion,
    /// With `routing = "trace"`: the trace column holding the instance (a 1-based number or a header name).
    pub instance_col: Option<super::file::ColumnValue>,
}

/// Whether a tier is private to each application instance or shared by all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// One copy per application instance (an in-process cache).
    Instance,
    /// One copy for all instances (Redis, memcached).
    #[default]
    Shared,
}

impl Scope {
    /// Whether each instance has a copy.
    pub fn per_instance(self) -> bool {
        self == Scope::Instance
    }

    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Instance => "instance",
            Scope::Shared => "shared",
        }
    }
}

/// A latency as written for a tier or a delay: a constant (`"2us"`) or a distribution table.
#[derive(Clone, Debug)]
pub struct LatencyValue(pub LatencySpec);

impl<'de> Deserialize<'de> for LatencyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::String(_) | serde_json::Value::Number(_) => {
                let value = Delay::deserialize(v).map_err(de::Error::custom)?;
                Ok(LatencyValue(LatencySpec::Constant { value }))
            }
            v @ serde_json::Value::Object(_) => {
                LatencySpec::deserialize(v).map(LatencyValue).map_err(de::Error::custom)
            }
            _ => Err(de::Error::custom(
                "a latency is a duration (\"2us\") or a distribution ({ dist = \"exponential\", mean = \"1ms\" })",
            )),
        }
    }
}

/// `[[tier]]`: one cache level, listed from the application down to the backend.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSection {
    /// A name used in reports (unique).
    pub name: String,
    /// One copy per instance, or one shared copy (default shared).
    #[serde(default)]
    pub scope: Scope,
    /// The eviction policy (any policy spec). The tier nearest the backend may leave it to `[cache] policies`.
    pub policy: Option<String>,
    /// The size of each copy. The tier nearest the backend may leave it to `[cache] sizes`.
    pub size: Option<CacheSizeValue>,
    /// A cap on an entry's TTL in this tier (also for entries whose TTL is none).
    pub ttl: Option<Dur>,
    /// Get/set round trip (the discrete-event engine).
    pub latency: Option<LatencyValue>,
    /// An admission policy in front of this tier's policy (for the tier nearest the backend
    /// without a policy: in front of each of `[cache] policies`).
    pub admission: Option<String>,
}

/// How invalidations travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Invalidation {
    /// No messages: other instances keep their copies until their TTL.
    None,
    /// Every write is published to every other instance.
    #[default]
    Broadcast,
}

/// `[coherence]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoherenceSection {
    /// none | broadcast (default broadcast).
    #[serde(default)]
    pub invalidation: Invalidation,
    /// Time from a write's acknowledgement to an instance receiving its invalidation (the engine).
    pub delay: Option<LatencyValue>,
    /// Probability that one instance never receives one message.
    pub loss: Option<Ratio>,
}

/// Which keys warming loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarmKeys {
    /// The N keys read most often in the workload.
    Top(u64),
    /// Every key the workload reads (that the backend has).
    All,
}

impl<'de> Deserialize<'de> for WarmKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::String(s) if s == "all" => Ok(WarmKeys::All),
            serde_json::Value::Number(_) => Count::deserialize(v)
                .map(|c| WarmKeys::Top(c.0))
                .map_err(de::Error::custom),
            _ => Err(de::Error::custom(
                "keys must be a number of keys greater than 0 (the most popular ones) or \"all\"",
            )),
        }
    }
}

/// When warming runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarmWhen {
    /// Before traffic starts.
    Start,
    /// After each restart or crash of a warmed tier.
    Restart,
}

fn default_when() -> Vec<WarmWhen> {
    vec![WarmWhen::Start]
}

/// `[warming]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmingSection {
    /// The N most popular keys, or "all".
    pub keys: WarmKeys,
    /// When it runs (default `["start"]`).
    #[serde(default = "default_when")]
    pub when: Vec<WarmWhen>,
    /// Tiers it loads (default: the shared tiers).
    pub tiers: Option<Vec<String>>,
    /// Keys per second loaded from the backend (the engine); omitted: all before traffic starts.
    pub rate: Option<Positive>,
}

/// How a cluster spreads keys over its nodes (see [`crate::topology::cluster`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashingName {
    /// Consistent hashing with `vnodes` points per node.
    #[default]
    Ketama,
    /// The key's hash modulo the nodes that are up.
    Modulo,
    /// Highest random weight.
    Rendezvous,
    /// Redis Cluster: CRC16 mod 16384 slots in contiguous ranges.
    RedisSlots,
}

/// `[cluster]`: the shared tier (or the single cache) as nodes, each a cache of the tier's policy
/// holding an even share of its size.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// The tier it splits (default: the only shared tier, or the single cache).
    pub tier: Option<String>,
    /// Nodes (at least 1).
    pub nodes: Count,
    /// How keys map to nodes (default ketama).
    #[serde(default)]
    pub hashing: HashingName,
    /// Ring points per node, with ketama (default 160).
    pub vnodes: Option<Count>,
    /// Time a node spends on one operation (the engine; default none).
    pub node_service: Option<LatencyValue>,
    /// Operations a node serves at once; the rest wait FIFO (default 1, like Redis).
    pub node_concurrency: Option<Count>,
    /// Read replicas per node (default 0).
    pub replicas: Option<u64>,
    /// How much later a replica applies each write (default 0).
    pub replica_lag: Option<Delay>,
    /// Which copies serve reads (default primary).
    pub read_from: Option<ReadFrom>,
}

/// Which copies of a node serve reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFrom {
    /// The primary only.
    #[default]
    Primary,
    /// The replicas only, in turn.
    Replicas,
    /// The primary and the replicas, in turn.
    Any,
}

/// What is done about hot keys on a cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mitigation {
    /// Nothing: a hot key's node serves all its traffic.
    #[default]
    None,
    /// A small per-instance cache for hot keys only (the engine).
    Local,
    /// Each hot key is stored as `copies` keys; reads pick one, writes update all.
    Split,
    /// Reads of hot keys spread over the node's primary and replicas (the engine).
    Replicate,
}

/// `[hot_keys]`: which keys are hot and what is done about them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotKeysSection {
    /// The mitigation (default none).
    #[serde(default)]
    pub mitigation: Mitigation,
    /// Hot keys: the `top` most read keys of the workload.
    pub top: Option<Count>,
    /// How they are found: "oracle" (a pass over the workload before the run), or online.
    pub detect: Option<HotDetectValue>,
    /// Copies of each hot key, with split (default 8).
    pub copies: Option<Count>,
    /// How long an instance keeps a hot key, with local (default 1s).
    pub local_ttl: Option<Dur>,
}

/// `detect` as written: `"oracle"`, or `{ window = "1s", threshold = 1000 }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum HotDetectValue {
    /// A name (only "oracle").
    Name(String),
    /// Online detection from request counts.
    Online {
        /// The counting window.
        window: Dur,
        /// Reads of a key in one window that make it hot.
        threshold: Count,
    },
}
