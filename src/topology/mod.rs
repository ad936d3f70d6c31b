//! Multi-level caches, checked: application instances with their own tiers in front of shared
//! tiers, inclusion, coherence, warming and negative caching. A workload file's `[topology]`,
//! `[[tier]]`, `[coherence]`, `[warming]`, `[pattern] negative_ttl` and `[workload] absent_ratio`
//! become one [`Topology`], used by the plain replay ([`crate::replay::tiers`]) and the engine.
//! Without any of them a workload has no topology and runs exactly as a single cache always did.

pub mod cluster;
pub mod warming;

use crate::error::input_error;
use crate::model::units::{parse_size_spec, SizeSpec};
use crate::policy::PolicySpec;
use crate::schema::file::WorkloadFile;
use crate::schema::latency::LatencySpec;
pub use crate::schema::topology::{Inclusion, Invalidation, Routing, Scope, WarmKeys};
use crate::schema::topology::{TierSection, WarmWhen};
use anyhow::Result;
use std::path::Path;

/// One tier, checked.
#[derive(Clone, Debug)]
pub struct Tier {
    /// Its name (unique).
    pub name: String,
    /// One copy per instance, or one shared copy.
    pub scope: Scope,
    /// Its policy (`None`: the tier nearest the backend, whose policy the grid supplies).
    pub policy: Option<PolicySpec>,
    /// Its size as written and parsed (`None`: the grid supplies it, as for `policy`).
    pub size: Option<(String, SizeSpec)>,
    /// A cap on an entry's TTL, ns.
    pub ttl: Option<u64>,
    /// Get/set round trip, for the engine to compile.
    pub latency: Option<LatencySpec>,
    /// The admission policy as written, for a tier whose policies the grid supplies (a tier with
    /// its own policy has it in front of that policy already).
    pub admission: Option<String>,
}

impl Tier {
    /// The TTL an entry gets in this tier: the entry's own (0: none), capped by the tier's.
    #[inline]
    pub fn cap_ttl(&self, ttl: u64) -> u64 {
        match self.ttl {
            Some(cap) if ttl == 0 || ttl > cap => cap,
            _ => ttl,
        }
    }
}

/// How writes reach other instances' copies, checked.
#[derive(Clone, Debug)]
pub struct Coherence {
    /// None or broadcast.
    pub invalidation: Invalidation,
    /// Delay from acknowledgement to delivery (the engine; plain replay delivers at once).
    pub delay: Option<LatencySpec>,
    /// Probability that one instance never receives one message.
    pub loss: f64,
}

/// Warming, checked.
#[derive(Clone, Debug)]
pub struct Warming {
    /// Which keys.
    pub keys: WarmKeys,
    /// Before traffic starts.
    pub at_start: bool,
    /// After each restart or crash.
    pub at_restart: bool,
    /// Indices of the tiers it loads.
    pub tiers: Vec<usize>,
    /// Keys per second (the engine); `None`: all at once.
    pub rate: Option<f64>,
}

/// A tier split over the nodes of a cluster, checked.
#[derive(Clone, Copy, Debug)]
pub struct ClusterSpec {
    /// The index of the tier.
    pub tier: usize,
    /// Its nodes; each holds the tier's size divided by this.
    pub nodes: u32,
    /// How keys map to nodes.
    pub hashing: cluster::Hashing,
    /// Hot keys split over this many keys each (`[hot_keys] mitigation = "split"`): the `top`
    /// most read keys, found by a pass over the workload.
    pub split: Option<HotSplit>,
    /// Hot keys served by instances' local caches or spread over replicas (the engine).
    pub hot: Option<HotEngine>,
}

/// `[hot_keys] mitigation = "local"` or `"replicate"`, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HotEngine {
    /// Local caches (else: reads spread over the replicas).
    pub local: bool,
    /// How hot keys are found.
    pub detect: HotDetect,
    /// How long an instance keeps a hot key, ns (local).
    pub local_ttl: u64,
}

/// How hot keys are found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HotDetect {
    /// The `top` most read keys, found by a pass over the workload.
    Oracle {
        /// How many.
        top: u64,
    },
    /// A key read `threshold` times within one `window` (ns) is hot for the rest of it and the
    /// next one.
    Online {
        /// ns.
        window: u64,
        /// Reads.
        threshold: u64,
    },
}

impl ClusterSpec {
    /// How many of the most read keys are hot, when a pass over the workload finds them.
    pub fn oracle_top(&self) -> Option<u64> {
        match (self.split, self.hot) {
            (Some(s), _) => Some(s.top),
            (
                None,
                Some(HotEngine {
                    detect: HotDetect::Oracle { top },
                    ..
                }),
            ) => Some(top),
            _ => None,
        }
    }
}

/// `[hot_keys] mitigation = "split"`, checked.
#[derive(Clone, Copy, Debug)]
pub struct HotSplit {
    /// How many keys are hot: the most read ones.
    pub top: u64,
    /// Copies of each (at least 2).
    pub copies: u32,
}

/// A checked multi-level cache.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Application instances.
    pub instances: u32,
    /// How requests reach instances.
    pub routing: Routing,
    /// Inclusive or exclusive.
    pub inclusion: Inclusion,
    /// The tiers, from the application down to the backend; never empty. Without `[[tier]]` one
    /// shared tier named `cache` stands for the workload's single cache.
    pub tiers: Vec<Tier>,
    /// The tiers were given (`[[tier]]`); false for the single cache.
    pub explicit: bool,
    /// Coherence.
    pub coherence: Coherence,
    /// Warming.
    pub warming: Option<Warming>,
    /// How long "not found" answers are cached, ns (`None`: never).
    pub negative_ttl: Option<u64>,
    /// The workload reads absent keys (`[workload] absent_ratio` > 0).
    pub absent: bool,
    /// A tier split over a cluster's nodes (`[cluster]`).
    pub cluster: Option<ClusterSpec>,
}

impl Topology {
    /// The index of the tier nearest the backend, whose policy and size the grid varies.
    pub fn bottom(&self) -> usize {
        self.tiers.len() - 1
    }

    /// Copies of tier `t` (a cluster's tier: one per node).
    pub fn copies(&self, t: usize) -> u32 {
        if let Some(c) = self.cluster.filter(|c| c.tier == t) {
            return c.nodes;
        }
        match self.tiers[t].scope {
            Scope::Instance => self.instances,
            Scope::Shared => 1,
        }
    }

    /// Whether a value older than the latest write can stay in a copy (so versions must be
    /// tracked): several instances with tiers of their own, and invalidations that may not arrive.
    pub fn may_go_stale(&self) -> bool {
        self.instances > 1
            && self.tiers.iter().any(|t| t.scope == Scope::Instance)
            && (self.coherence.invalidation == Invalidation::None || self.coherence.loss > 0.0)
    }

    /// The topology of a workload file: `None` when it uses none of the multi-level features
    /// (its single cache runs exactly as before). `engine` says whether the file runs on the
    /// discrete-event engine (timed settings need it). Errors name the file and the field.
    pub fn from_file(f: &WorkloadFile, path: &Path, engine: bool) -> Result<Option<Topology>> {
        let negative_ttl = f.pattern.as_ref().and_then(|p| p.negative_ttl).map(|d| d.0);
        let absent = absent_ratio(f) > 0.0;
        let has_tiers = f.tier.as_ref().is_some_and(|t| !t.is_empty());
        if f.topology.is_none()
            && !has_tiers
            && f.coherence.is_none()
            && f.warming.is_none()
            && negative_ttl.is_none()
            && !absent
            && f.cluster.is_none()
            && f.hot_keys.is_none()
        {
            return Ok(None);
        }
        let file = path.display().to_string();
        let bad = |msg: String| input_error(format!("{file}: {msg}"));
        if f.tier.as_ref().is_some_and(|t| t.is_empty()) {
            return Err(bad("tier is empty: give [[tier]] sections, one per cache level".into()));
        }
        if !has_tiers {
            if f.topology.is_some() {
                return Err(bad(
                    "[topology] describes application instances in front of cache tiers; add [[tier]] sections (name, scope, policy, size), or remove [topology]".into(),
                ));
            }
            if f.coherence.is_some() {
                return Err(bad(
                    "[coherence] applies to instance tiers ([[tier]] with scope = \"instance\"); a single cache has no copies to keep coherent; remove it".into(),
                ));
            }
        }
        let top = f.topology.clone().unwrap_or_default();
        let instances = match top.instances {
            Some(n) if n.0 > u32::MAX as u64 => {
                return Err(bad(format!(
                    "topology.instances = {} is more than {} instances",
                    n.0,
                    u32::MAX
                )))
            }
            Some(n) => n.0 as u32,
            None => 1,
        };
        if top.routing == Routing::Trace {
            if f.workload.trace.is_none() {
                return Err(bad(
                    "topology.routing = \"trace\" reads the instance from a column of a recorded trace, but this workload is synthetic; use \"round-robin\", \"random\" or \"by-key\"".into(),
                ));
            }
            if top.instance_col.is_none() {
                return Err(bad(
                    "topology.routing = \"trace\" needs topology.instance_col: the trace column that holds the instance (a 1-based number or a header name)".into(),
                ));
            }
        } else if top.instance_col.is_some() {
            return Err(bad("topology.instance_col applies only with routing = \"trace\"".into()));
        }
        let tiers = match &f.tier {
            Some(ts) if !ts.is_empty() => check_tiers(ts, &bad)?,
            _ => vec![Tier {
                name: "cache".into(),
                scope: Scope::Shared,
                policy: None,
                size: None,
                ttl: None,
                latency: None,
                admission: None,
            }],
        };
        if top.inclusion == Inclusion::Exclusive && tiers.len() < 2 {
            return Err(bad(
                "topology.inclusion = \"exclusive\" needs at least two tiers: with one there is nothing to be exclusive of; use \"inclusive\" or add a [[tier]]".into(),
            ));
        }
        if !engine {
            if let Some(t) = tiers.iter().find(|t| t.latency.is_some()) {
                return Err(bad(format!(
                    "tier \"{}\": latency applies on the discrete-event engine, which runs when the file has a [backend], [cache_latency], [faults] or [pattern] section; add one (e.g. [backend] read_latency = \"5ms\") or remove latency",
                    t.name
                )));
            }
        }
        let coherence = match &f.coherence {
            None => Coherence {
                invalidation: Invalidation::Broadcast,
                delay: None,
                loss: 0.0,
            },
            Some(c) => {
                if c.invalidation == Invalidation::None && (c.delay.is_some() || c.loss.is_some()) {
                    return Err(bad(
                        "coherence.delay and coherence.loss describe invalidation messages, but invalidation = \"none\" sends none; remove them or use invalidation = \"broadcast\"".into(),
                    ));
                }
                if c.delay.is_some() && !engine {
                    return Err(bad(
                        "coherence.delay applies on the discrete-event engine (plain replay has no time: invalidations arrive at once); add a [backend] or [cache_latency] section, or remove delay".into(),
                    ));
                }
                Coherence {
                    invalidation: c.invalidation,
                    delay: c.delay.clone().map(|d| d.0),
                    loss: c.loss.map_or(0.0, |l| l.0),
                }
            }
        };
        let restarts = f
            .faults
            .as_ref()
            .is_some_and(|x| !x.cache_restart_at.is_empty() || x.crash_at.is_some());
        let warming = match &f.warming {
            None => None,
            Some(w) => {
                if w.when.is_empty() {
                    return Err(bad(
                        "warming.when is empty: give [\"start\"], [\"restart\"] or both".into()
                    ));
                }
                let at_start = w.when.contains(&WarmWhen::Start);
                let at_restart = w.when.contains(&WarmWhen::Restart);
                if at_restart && !at_start && !restarts {
                    return Err(bad(
                        "warming.when = [\"restart\"], but nothing restarts: restarts are [faults] cache_restart_at or crash_at (the engine); add one, or warm at \"start\"".into(),
                    ));
                }
                if w.rate.is_some() && !engine {
                    return Err(bad(
                        "warming.rate applies on the discrete-event engine (plain replay has no time: warming loads every key before traffic starts); add a [backend] section, or remove rate".into(),
                    ));
                }
                if let (WarmKeys::Top(n), Some(k)) = (w.keys, f.workload.keys) {
                    if n > k.0 {
                        return Err(bad(format!(
                            "warming.keys = {n} is more than the workload's {} keys; give at most {} or \"all\"",
                            k.0, k.0
                        )));
                    }
                }
                let idx = match &w.tiers {
                    None => {
                        let shared: Vec<usize> =
                            (0..tiers.len()).filter(|&i| tiers[i].scope == Scope::Shared).collect();
                        if shared.is_empty() {
                            return Err(bad(
                                "warming.tiers is not given and there is no shared tier to warm by default; name the tiers to warm, e.g. tiers = [\"l1\"]".into(),
                            ));
                        }
                        shared
                    }
                    Some(names) => {
                        if names.is_empty() {
                            return Err(bad("warming.tiers is empty: name at least one tier".into()));
                        }
                        let mut idx = Vec::new();
                        for n in names {
                            match tiers.iter().position(|t| &t.name == n) {
                                Some(i) if idx.contains(&i) => {
                                    return Err(bad(format!("warming.tiers names \"{n}\" twice")))
                                }
                                Some(i) => idx.push(i),
                                None => {
                                    let valid: Vec<String> = tiers.iter().map(|t| format!("\"{}\"", t.name)).collect();
                                    return Err(bad(format!(
                                        "warming.tiers: no tier is named \"{n}\"; the tiers are {}",
                                        valid.join(", ")
                                    )));
                                }
                            }
                        }
                        idx.sort_unstable();
                        idx
                    }
                };
                Some(Warming {
                    keys: w.keys,
                    at_start,
                    at_restart,
                    tiers: idx,
                    rate: w.rate.map(|r| r.0),
                })
            }
        };
        let mut cluster = match &f.cluster {
            None => None,
            Some(c) => Some(check_cluster(c, &tiers, &bad)?),
        };
        if let Some(h) = &f.hot_keys {
            let Some(c) = cluster.as_mut() else {
                return Err(bad(
                    "[hot_keys] spreads hot keys over a cluster's nodes; add a [cluster] section (nodes, hashing) or remove [hot_keys]".into(),
                ));
            };
            (c.split, c.hot) = check_hot_keys(h, f, engine, &bad)?;

            if c.split.is_some() && top.inclusion == Inclusion::Exclusive {
                return Err(bad(
                    "hot_keys.mitigation = \"split\" works with inclusive tiers only (an exclusive hierarchy would demote the copies as keys of their own); use inclusion = \"inclusive\" or mitigation = \"none\"".into(),
                ));
            }
        }
        Ok(Some(Topology {
            cluster,
            instances,
            routing: top.routing,
            inclusion: top.inclusion,
            explicit: has_tiers,
            tiers,
            coherence,
            warming,
            negative_ttl,
            absent,
        }))
    }

    /// Warnings about settings that are valid but have no effect.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.negative_ttl.is_some() && !self.absent {
            w.push(
                "pattern.negative_ttl caches \"not found\" answers, but this workload reads no absent keys (set [workload] absent_ratio); it changes nothing".to_string(),
            );
        }
        w
    }
}

/// Checks `[cluster]` against the tiers.
fn check_cluster(
    c: &crate::schema::topology::ClusterSection,
    tiers: &[Tier],
    bad: &dyn Fn(String) -> anyhow::Error,
) -> Result<ClusterSpec> {
    use crate::schema::topology::HashingName;
    let tier = match &c.tier {
        Some(name) => match tiers.iter().position(|t| &t.name == name) {
            Some(i) => i,
            None => {
                let valid: Vec<String> = tiers.iter().map(|t| format!("\"{}\"", t.name)).collect();
                return Err(bad(format!(
                    "cluster.tier: no tier is named \"{name}\"; the tiers are {}",
                    valid.join(", ")
                )));
            }
        },
        None => {
            let shared: Vec<usize> = (0..tiers.len()).filter(|&i| tiers[i].scope == Scope::Shared).collect();
            match shared[..] {
                [i] => i,
                [] => {
                    return Err(bad(
                        "cluster.tier is not given and there is no shared tier to split; a cluster is a shared tier's nodes: add a [[tier]] with scope = \"shared\"".into(),
                    ))
                }
                _ => {
                    let names: Vec<String> = shared.iter().map(|&i| format!("\"{}\"", tiers[i].name)).collect();
                    return Err(bad(format!(
                        "cluster.tier is not given and there are several shared tiers ({}); name the one to split",
                        names.join(", ")
                    )));
                }
            }
        }
    };
    if tiers[tier].scope != Scope::Shared {
        return Err(bad(format!(
            "cluster.tier = \"{}\" is an instance tier (one copy per application instance); a cluster splits a shared tier",
            tiers[tier].name
        )));
    }
    let nodes = c.nodes.0;
    if nodes == 0 {
        return Err(bad("cluster.nodes = 0: a cluster needs at least 1 node".into()));
    }
    let max = if c.hashing == HashingName::RedisSlots {
        cluster::redis_slots::SLOTS as u64
    } else {
        1_000_000
    };
    if nodes > max {
        return Err(bad(format!(
            "cluster.nodes = {nodes} is more than {max}{}; give at most {max}",
            if max == 1_000_000 {
                ""
            } else {
                " (redis-slots: one slot per node at least)"
            }
        )));
    }
    if c.vnodes.is_some() && c.hashing != HashingName::Ketama {
        return Err(bad(
            "cluster.vnodes applies to hashing = \"ketama\" only; remove it".into()
        ));
    }
    let hashing = match c.hashing {
        HashingName::Ketama => {
            let v = c.vnodes.map_or(160, |v| v.0);
            if v == 0 || v > 100_000 {
                return Err(bad(format!(
                    "cluster.vnodes = {v}: give a number of ring points per node from 1 to 100000 (memcached clients use 160)"
                )));
            }
            if nodes.saturating_mul(v) > 10_000_000 {
                return Err(bad(format!(
                    "cluster.nodes x cluster.vnodes = {nodes} x {v} is more than 10,000,000 ring points; give fewer vnodes (memcached clients use 160)"
                )));
            }
            cluster::Hashing::Ketama { vnodes: v as u32 }
        }
        HashingName::Modulo => cluster::Hashing::Modulo,
        HashingName::Rendezvous => cluster::Hashing::Rendezvous,
        HashingName::RedisSlots => cluster::Hashing::RedisSlots,
    };
    Ok(ClusterSpec {
        tier,
        nodes: nodes as u32,
        hashing,
        split: None,
        hot: None,
    })
}

/// Checks `[hot_keys]`: `split` (oracle detection), or `local` and `replicate`
/// (the engine, oracle or online detection).
fn check_hot_keys(
    h: &crate::schema::topology::HotKeysSection,
    f: &WorkloadFile,
    engine: bool,
    bad: &dyn Fn(String) -> anyhow::Error,
) -> Result<(Option<HotSplit>, Option<HotEngine>)> {
    use crate::schema::topology::{HotDetectValue, Mitigation};
    let online = match &h.detect {
        None => None,
        Some(HotDetectValue::Name(n)) if n == "oracle" => None,
        Some(HotDetectValue::Name(other)) => {
            return Err(bad(format!(
                "hot_keys.detect = \"{other}\": give \"oracle\" (the `top` most read keys, found by a pass over the workload) or {{ window = \"1s\", threshold = 1000 }} (online, from request counts)"
            )))
        }
        Some(HotDetectValue::Online { window, threshold }) => Some((window.0, threshold.0)),
    };
    if h.local_ttl.is_some() && h.mitigation != Mitigation::Local {
        return Err(bad(
            "hot_keys.local_ttl applies to mitigation = \"local\"; remove it".into()
        ));
    }
    if h.copies.is_some() && h.mitigation != Mitigation::Split {
        return Err(bad(
            "hot_keys.copies applies to mitigation = \"split\"; remove it".into()
        ));
    }
    match h.mitigation {
        Mitigation::None => Ok((None, None)),
        Mitigation::Local | Mitigation::Replicate => {
            let name = if h.mitigation == Mitigation::Local {
                "local"
            } else {
                "replicate"
            };
            if !engine {
                return Err(bad(format!(
                    "hot_keys.mitigation = \"{name}\" runs on the discrete-event engine (instances' local caches, replicas); add a [backend] section (e.g. read_latency = {{ dist = \"constant\", value = \"5ms\" }}), or use \"split\""
                )));
            }
            if h.mitigation == Mitigation::Replicate && f.cluster.as_ref().and_then(|c| c.replicas).unwrap_or(0) == 0 {
                return Err(bad(
                    "hot_keys.mitigation = \"replicate\" spreads hot reads over each node's replicas, but cluster.replicas is 0; give cluster.replicas = 1 or more".into(),
                ));
            }
            let detect = match (online, h.top) {
                (Some(_), Some(_)) => {
                    return Err(bad(
                        "hot_keys.top applies to detect = \"oracle\"; online detection finds hot keys by their reads (window, threshold): remove one".into(),
                    ))
                }
                (Some((window, threshold)), None) => HotDetect::Online { window, threshold },
                (None, Some(top)) => HotDetect::Oracle { top: top.0 },
                (None, None) => {
                    return Err(bad(format!(
                        "hot_keys.top is required with mitigation = \"{name}\" and detect = \"oracle\": how many of the most read keys are hot, e.g. top = 100"
                    )))
                }
            };
            Ok((
                None,
                Some(HotEngine {
                    local: h.mitigation == Mitigation::Local,
                    detect,
                    local_ttl: h.local_ttl.map_or(1_000_000_000, |d| d.0),
                }),
            ))
        }
        Mitigation::Split => {
            if online.is_some() {
                return Err(bad(
                    "hot_keys.detect: split needs the hot keys before the run (detect = \"oracle\"); online detection works with local and replicate".into(),
                ));
            }
            let Some(top) = h.top else {
                return Err(bad(
                    "hot_keys.top is required with mitigation = \"split\": how many of the most read keys are hot, e.g. top = 100".into(),
                ));
            };
            let copies = h.copies.map_or(8, |c| c.0);
            if !(2..=65_536).contains(&copies) {
                return Err(bad(format!(
                    "hot_keys.copies = {copies}: split needs 2 to 65536 copies (1 copy is no split)"
                )));
            }
            Ok((
                Some(HotSplit {
                    top: top.0,
                    copies: copies as u32,
                }),
                None,
            ))
        }
    }
}

/// Everything one cell of a multi-level grid needs besides the source.
#[derive(Clone, Debug)]
pub struct TieredCell {
    /// Each tier's policy and capacity (the bottom one from the cell).
    pub specs: Vec<(PolicySpec, u64)>,
    /// The keys warming loads, when the topology warms.
    pub warm: Option<std::sync::Arc<warming::WarmSet>>,
    /// The hot keys a cluster splits, when it splits them.
    pub hot: Option<std::sync::Arc<rustc_hash::FxHashSet<u64>>>,
}

/// The instance `routing = "by-key"` sends `key` to, of `instances` (SplitMix64's finalizer of
/// the key, modulo the instances).
#[inline]
pub fn instance_of_key(key: u64, instances: u32) -> usize {
    (cluster::mix(key) % instances as u64) as usize
}

/// The seed of random routing's own generator, from the run's seed: the plain replay and the
/// engine route alike.
pub fn routing_seed(seed: u64) -> u64 {
    seed ^ 0x70D0_1067_5EED_0001
}

/// Whether `q` reads a key the backend does not have.
#[inline]
pub fn is_absent(q: &crate::model::request::Request) -> bool {
    q.absent
}

/// `[workload] absent_ratio` (0 when not set).
fn absent_ratio(f: &WorkloadFile) -> f64 {
    f.workload.absent_ratio.map_or(0.0, |r| r.0)
}

fn check_tiers(ts: &[TierSection], bad: &dyn Fn(String) -> anyhow::Error) -> Result<Vec<Tier>> {
    let mut out: Vec<Tier> = Vec::new();
    let last = ts.len() - 1;
    for (i, t) in ts.iter().enumerate() {
        let name = t.name.trim();
        if name.is_empty() {
            return Err(bad(format!("tier {} has an empty name; give each tier a name", i + 1)));
        }
        if let Some(j) = out.iter().position(|o| o.name == name) {
            return Err(bad(format!(
                "tier names must be unique: \"{name}\" names tiers {} and {}",
                j + 1,
                i + 1
            )));
        }
        if t.scope == Scope::Instance && out.iter().any(|o| o.scope == Scope::Shared) {
            return Err(bad(format!(
                "tier \"{name}\" has scope = \"instance\" but comes after a shared tier; list the instance tiers (in-process caches) first, then the shared ones, from the application down to the backend"
            )));
        }
        let policy = match &t.policy {
            Some(p) => Some(
                PolicySpec::parse(p).map_err(|e| bad(format!("tier \"{name}\": policy: {e}")))?,
            ),
            None if i == last => None,
            None => {
                return Err(bad(format!(
                    "tier \"{name}\" has no policy; give one, e.g. policy = \"lru\" (only the tier nearest the backend may take its policies from [cache] policies)"
                )))
            }
        };
        let policy = match (policy, &t.admission) {
            (Some(p), Some(a)) => {
                if p.admission.is_some() {
                    return Err(bad(format!(
                        "tier \"{name}\": policy {} names its admission and admission = \"{a}\" names another; give one",
                        p.label()
                    )));
                }
                let a = crate::policy::admission::AdmissionSpec::parse(a)
                    .map_err(|e| bad(format!("tier \"{name}\": admission: {e}")))?;
                Some(p.with_admission(Some(a)))
            }
            (None, Some(a)) => {
                // Checked now; applied to each of the grid's policies.
                crate::policy::admission::AdmissionSpec::parse(a)
                    .map_err(|e| bad(format!("tier \"{name}\": admission: {e}")))?;
                None
            }
            (p, None) => p,
        };
        if let Some(p) = &policy {
            if p.info.caps.needs_future {
                return Err(bad(format!(
                    "tier \"{name}\": policy {} needs the future of the whole stream, which a tier does not see; choose an online policy",
                    p.label()
                )));
            }
        }
        let size = match &t.size {
            Some(s) => Some((
                s.0.clone(),
                parse_size_spec(&s.0).map_err(|e| bad(format!("tier \"{name}\": size: {e}")))?,
            )),
            None if i == last => None,
            None => {
                return Err(bad(format!(
                    "tier \"{name}\" has no size; give one, e.g. size = \"64MiB\" (only the tier nearest the backend may take its sizes from [cache] sizes)"
                )))
            }
        };
        out.push(Tier {
            name: name.to_string(),
            scope: t.scope,
            policy,
            size,
            ttl: t.ttl.map(|d| d.0),
            latency: t.latency.clone().map(|l| l.0),
            admission: t.admission.clone().filter(|_| t.policy.is_none()),
        });
    }
    Ok(out)
}
