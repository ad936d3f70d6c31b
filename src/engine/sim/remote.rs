//! The remote cache tier as the client sees it: the shared tier split over a cluster's nodes, or
//! the single cache. Each node is its own cache of the tier's policy, reached by the placement;
//! its primary and each replica are `node_concurrency` servers with a FIFO queue. A cache
//! operation's latency is the tier's round trip plus the node's queueing and service. Node
//! failures move keys by the hashing (the node comes back empty); outages make the whole tier
//! unreachable; the client times out, falls back to the backend or fails the request, and a
//! circuit breaker skips the cache while it keeps failing.
//!
//! Queues are computed, not simulated: an operation joins its node when it is sent, and with
//! FIFO service the earliest free server takes it, so its start time is known at once. No event is
//! scheduled per node; the operation's own completion event is the only one.

use super::{Ev, Sim};
use crate::engine::cache::{Lookup, Meta};
use crate::engine::config::Remote;
use crate::model::metrics::LatencyHistogram;
use crate::schema::topology::ReadFrom;
use crate::topology::cluster::Placement;
use hdrhistogram::Histogram;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// A cache operation ended in a failure (timeout, outage, no node up).
pub const FAILED: u8 = 1;
/// A cache operation the open circuit breaker skipped.
pub const SKIPPED: u8 = 2;

/// One primary or replica of a node: `c` servers and a FIFO queue.
#[derive(Clone, Debug)]
struct Servers {
    /// When the first server is next free, ns (kept inline: most nodes have one).
    free0: u64,
    /// When each further server is next free, ns.
    free: Vec<u64>,
    /// Start times of the operations waiting (not yet in service), in order.
    waiting: VecDeque<u64>,
    /// The most operations waiting at once.
    queue_peak: u64,
}

impl Servers {
    fn new(c: u32) -> Servers {
        Servers {
            free0: 0,
            free: vec![0; c.saturating_sub(1) as usize],
            waiting: VecDeque::new(),
            queue_peak: 0,
        }
    }

    /// An operation arriving at `now` that takes `service` ns: when it completes. FIFO: starts
    /// are in arrival order, each on the server that frees first.
    #[inline]
    fn serve(&mut self, now: u64, service: u64) -> u64 {
        // The server that frees first (the first of equals): the inline one, or one of `free`.
        let mut best: Option<usize> = None;
        let mut at = self.free0;
        for (j, &f) in self.free.iter().enumerate() {
            if f < at {
                at = f;
                best = Some(j);
            }
        }
        let start = at.max(now);
        match best {
            None => self.free0 = start + service,
            Some(j) => self.free[j] = start + service,
        }
        while self.waiting.front().is_some_and(|&s| s <= now) {
            // Started by now: no longer waiting.
            self.waiting.pop_front();
        }
        if start > now {
            self.waiting.push_back(start);
            self.queue_peak = self.queue_peak.max(self.waiting.len() as u64);
        }
        start + service
    }
}

/// What one node counted.
#[derive(Clone, Debug)]
pub struct NodeCounts {
    /// Operations it served (primary and replicas).
    pub ops: u64,
    /// Of those, gets.
    pub gets: u64,
    /// First lookups of reads that reached it.
    pub requests: u64,
    /// Those it served.
    pub hits: u64,
    /// Its operations' latency (round trip, queueing, service), ns: 1 significant digit.
    pub latency: Histogram<u64>,
    /// The sum of those latencies (the exact mean), ns.
    pub latency_sum: u128,
}

impl NodeCounts {
    fn new() -> NodeCounts {
        // One significant digit (about 3% at the bucket's middle) keeps a thousand nodes'
        // histograms small; the mean is exact.
        let mut latency = Histogram::new(1).expect("1 significant digit is valid");
        latency.auto(true);
        NodeCounts {
            ops: 0,
            gets: 0,
            requests: 0,
            hits: 0,
            latency,
            latency_sum: 0,
        }
    }
}

/// One node failure as it happened.
#[derive(Clone, Copy, Debug)]
pub struct FailureRecord {
    /// The node.
    pub node: u32,
    /// When, ns.
    pub at: u64,
    /// Share of the tier's resident keys whose node changed.
    pub remapped_share: f64,
}

/// The circuit breaker's state.
#[derive(Clone, Debug, Default)]
struct BreakerState {
    /// Open until then, ns (`Some`: open, or half-open once passed).
    open_until: Option<u64>,
    /// When it last opened.
    opened_at: u64,
    /// Time spent open so far, ns (closed periods only).
    open_ns: u64,
    /// Half-open: the one operation let through is in flight.
    probing: bool,
    /// (bucket index, operations, failures) over the window, oldest first.
    buckets: VecDeque<(u64, u64, u64)>,
}

/// Hot keys on the engine: found by the oracle or online, served from instances' local caches
/// (`local`) or spread over the replicas (`replicate`).
pub struct HotState {
    /// The settings.
    pub cfg: crate::topology::HotEngine,
    /// The oracle's hot keys.
    set: Option<std::sync::Arc<rustc_hash::FxHashSet<u64>>>,
    /// Online: the current window's start, its read counts, its hot keys and the last window's.
    window_start: u64,
    counts: FxHashMap<u64, u64>,
    hot_now: rustc_hash::FxHashSet<u64>,
    hot_before: rustc_hash::FxHashSet<u64>,
    /// Local: each instance's hot keys, key -> (version, expiry).
    local: Vec<FxHashMap<u64, (u64, u64)>>,
    /// Reads of hot keys.
    pub reads: u64,
    /// Of those, served by the instance's local cache.
    pub local_hits: u64,
    /// Cache operations on hot keys that reached the nodes.
    pub node_ops: u64,
}

impl HotState {
    /// The state for `instances` instances; `set`: the oracle's hot keys.
    pub fn new(
        cfg: crate::topology::HotEngine,
        set: Option<std::sync::Arc<rustc_hash::FxHashSet<u64>>>,
        instances: u32,
    ) -> HotState {
        HotState {
            cfg,
            set,
            window_start: 0,
            counts: FxHashMap::default(),
            hot_now: Default::default(),
            hot_before: Default::default(),
            local: if cfg.local {
                (0..instances).map(|_| FxHashMap::default()).collect()
            } else {
                Vec::new()
            },
            reads: 0,
            local_hits: 0,
            node_ops: 0,
        }
    }

    /// Whether `key` is hot now.
    #[inline]
    pub fn is_hot(&self, key: u64) -> bool {
        match &self.set {
            Some(s) => s.contains(&key),
            None => self.hot_now.contains(&key) || self.hot_before.contains(&key),
        }
    }

    /// A read of `key` at `now`: counted by online detection; whether the key is hot.
    pub fn read(&mut self, now: u64, key: u64) -> bool {
        if let crate::topology::HotDetect::Online { window, threshold } = self.cfg.detect {
            if now >= self.window_start + window {
                let passed = (now - self.window_start) / window;
                self.hot_before = if passed == 1 {
                    std::mem::take(&mut self.hot_now)
                } else {
                    Default::default()
                };
                self.hot_now.clear();
                self.counts.clear();
                self.window_start += passed * window;
            }
            let c = self.counts.entry(key).or_insert(0);
            *c += 1;
            if *c >= threshold {
                self.hot_now.insert(key);
            }
        }
        let hot = self.is_hot(key);
        self.reads += u64::from(hot);
        hot
    }

    /// Local: the version instance `inst` holds for `key` at `now`, if fresh.
    pub fn local_get(&self, inst: u32, now: u64, key: u64) -> Option<u64> {
        self.local
            .get(inst as usize)?
            .get(&key)
            .filter(|&&(_, exp)| exp > now)
            .map(|&(v, _)| v)
    }

    /// Local: instance `inst` keeps `key` at `version` from `now` for `local_ttl`.
    pub fn local_put(&mut self, inst: u32, now: u64, key: u64, version: u64) {
        let ttl = self.cfg.local_ttl;
        if let Some(m) = self.local.get_mut(inst as usize) {
            m.insert(key, (version, now + ttl));
            if m.len() > 4096 && m.len().is_power_of_two() {
                m.retain(|_, &mut (_, exp)| exp > now);
            }
        }
    }

    /// Local: instance `inst` drops `key` (it wrote or deleted it).
    pub fn local_drop(&mut self, inst: u32, key: u64) {
        if let Some(m) = self.local.get_mut(inst as usize) {
            m.remove(&key);
        }
    }
}

/// Split hot keys on the engine: each stored under several keys on different nodes.
pub struct SplitState {
    /// Each hot key's copies (see [`crate::topology::cluster::split_copies`]).
    keys: FxHashMap<u64, Vec<u64>>,
    /// Hot requests so far: the next takes copy `turn % copies`.
    turn: u64,
}

/// The keys a key is stored under in one tier: itself (no allocation), or a split key's copies.
pub enum KeysOn {
    /// The key itself (until taken).
    One(Option<u64>),
    /// A split hot key's copies.
    Copies(std::vec::IntoIter<u64>),
}

impl Iterator for KeysOn {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        match self {
            KeysOn::One(k) => k.take(),
            KeysOn::Copies(c) => c.next(),
        }
    }
}

/// The remote tier's run state.
pub struct RemoteState {
    /// The settings.
    pub cfg: Remote,
    /// The tier's index.
    pub tier: usize,
    /// The cluster's placement (`None`: the single cache).
    pub placement: Option<Placement>,
    /// Each node's primary then replicas: node * (1 + replicas) + copy.
    servers: Vec<Servers>,
    /// Per node.
    pub nodes: Vec<NodeCounts>,
    /// Replica reads taken in turn.
    turn: u64,
    /// Every operation's latency as the client saw it (failed ones up to the timeout).
    pub latency: LatencyHistogram,
    /// Operations that failed.
    pub errors: u64,
    /// Reads sent to the backend because the cache failed or was skipped.
    pub fallback_reads: u64,
    breaker: BreakerState,
    /// Node failures so far.
    pub failures: Vec<FailureRecord>,
    /// Replicas: per key, the changes of the last `replica_lag` (time, version before).
    recent: FxHashMap<u64, VecDeque<(u64, Option<u64>)>>,
    /// Changes since `recent` was last pruned.
    since_prune: usize,
    /// Hot keys, when `[hot_keys]` serves them locally or from replicas.
    pub hot: Option<HotState>,
    /// Hot keys split over several nodes (`[hot_keys] mitigation = "split"`).
    pub split: Option<SplitState>,
}

impl RemoteState {
    /// The state of tier `tier`, with `nodes` nodes placed by `placement`.
    pub fn new(cfg: Remote, tier: usize, placement: Option<Placement>) -> RemoteState {
        let nodes = placement.as_ref().map_or(0, |p| p.nodes() as usize);
        let per = 1 + cfg.replicas as usize;
        RemoteState {
            servers: (0..nodes * per).map(|_| Servers::new(cfg.concurrency)).collect(),
            nodes: (0..nodes).map(|_| NodeCounts::new()).collect(),
            cfg,
            tier,
            placement,
            turn: 0,
            latency: LatencyHistogram::default(),
            errors: 0,
            fallback_reads: 0,
            breaker: BreakerState::default(),
            failures: Vec::new(),
            recent: FxHashMap::default(),
            since_prune: 0,
            hot: None,
            split: None,
        }
    }

    /// Splits each of `hot` over `copies` keys on different nodes.
    pub fn split_hot_keys(&mut self, hot: &rustc_hash::FxHashSet<u64>, copies: u32) {
        let Some(p) = &self.placement else { return };
        let keys = hot
            .iter()
            .map(|&k| (k, crate::topology::cluster::split_copies(p, k, copies)))
            .collect();
        self.split = Some(SplitState { keys, turn: 0 });
    }

    /// The copies of `key` when it is a split hot key.
    #[inline]
    pub fn copies_of(&self, key: u64) -> Option<&[u64]> {
        self.split.as_ref()?.keys.get(&key).map(Vec::as_slice)
    }

    /// Keys whose versions must be kept (replica logs, local copies): see
    /// `Sim::compact_versions`.
    pub fn busy_keys(&self, out: &mut rustc_hash::FxHashSet<u64>) {
        out.extend(self.recent.keys().copied());
        if let Some(h) = &self.hot {
            for m in &h.local {
                out.extend(m.keys().copied());
            }
        }
    }

    /// The most operations waiting at `node` (primary or a replica).
    pub fn queue_peak(&self, node: usize) -> u64 {
        let per = 1 + self.cfg.replicas as usize;
        self.servers[node * per..(node + 1) * per]
            .iter()
            .map(|s| s.queue_peak)
            .max()
            .unwrap_or(0)
    }

    /// Time the breaker was open up to `end`, ns (a probe in flight counts as open).
    pub fn breaker_open_ns(&self, end: u64) -> u64 {
        let b = &self.breaker;
        let until = |u: u64| if b.probing { end } else { u.min(end) };
        b.open_ns + b.open_until.map_or(0, |u| until(u).saturating_sub(b.opened_at))
    }

    /// Whether the tier is unreachable at `now`.
    fn in_outage(&self, now: u64) -> bool {
        self.cfg.outages.iter().any(|o| o.start <= now && now < o.end)
    }

    /// Whether the breaker skips an operation sent at `now`: while open, and while half-open
    /// once its one probe is out (the first operation after `open_for` is the probe).
    fn breaker_skips(&mut self, now: u64) -> bool {
        let b = &mut self.breaker;
        match b.open_until {
            None => false,
            Some(u) if now < u || b.probing => true,
            Some(_) => {
                b.probing = true;
                false
            }
        }
    }

    /// Counts an operation's outcome, learned at `now`, in the breaker.
    pub fn breaker_record(&mut self, now: u64, failed: bool) {
        let Some(cfg) = self.cfg.breaker else { return };
        let b = &mut self.breaker;
        if b.open_until.is_some() {
            if !b.probing {
                // Sent before it opened: the breaker has decided already.
                return;
            }
            // Half-open: the probe decides. Its round trip counts as open time (the client skips
            // every other operation meanwhile).
            b.probing = false;
            b.open_ns += now - b.opened_at;
            if failed {
                b.opened_at = now;
                b.open_until = Some(now + cfg.open_for);
            } else {
                b.open_until = None;
                b.buckets.clear();
            }
            return;
        }
        let width = (cfg.window / 10).max(1);
        let idx = now / width;
        match b.buckets.back_mut() {
            Some(last) if last.0 == idx => {
                last.1 += 1;
                last.2 += u64::from(failed);
            }
            _ => b.buckets.push_back((idx, 1, u64::from(failed))),
        }
        let oldest = idx.saturating_sub(9);
        while b.buckets.front().is_some_and(|x| x.0 < oldest) {
            b.buckets.pop_front();
        }
        if failed {
            let (ops, errs) = b.buckets.iter().fold((0, 0), |(o, e), x| (o + x.1, e + x.2));
            if ops >= cfg.min_ops && errs as f64 >= cfg.ratio * ops as f64 {
                b.opened_at = now;
                b.open_until = Some(now + cfg.open_for);
                b.buckets.clear();
            }
        }
    }

    /// Replicas: notes that `key`'s value on its primary changes at `now` from `before`.
    pub fn note_change(&mut self, now: u64, key: u64, before: Option<u64>) {
        let lag = self.cfg.replica_lag;
        let log = self.recent.entry(key).or_default();
        log.push_back((now, before));
        while log.front().is_some_and(|&(t, _)| t + lag < now) {
            log.pop_front();
        }
        self.since_prune += 1;
        if self.since_prune > 4 * self.recent.len().max(1024) {
            self.since_prune = 0;
            self.recent
                .retain(|_, l| l.back().is_some_and(|&(t, _)| t + lag >= now));
        }
    }

    /// Replicas: the version a replica holds for `key` at `now` when the primary's changes of the
    /// last `replica_lag` have not reached it: `Some(before)` of the first of them (`before` is
    /// `None` when the key was not cached), or `None` when none is that recent.
    pub fn replica_view(&self, now: u64, key: u64) -> Option<Option<u64>> {
        let lag = self.cfg.replica_lag;
        self.recent
            .get(&key)?
            .iter()
            .find(|&&(t, _)| t + lag > now)
            .map(|&(_, before)| before)
    }
}

impl Sim {
    /// Tier `t`'s cache operation on `key` for task `id`, sent now with a round trip of `base`
    /// ns: its latency, and whether it fails or is skipped. A read picks the copy (primary or a
    /// replica) it goes to.
    pub(super) fn remote_op(&mut self, id: u32, key: u64, base: u64, get: bool) -> u64 {
        let now = self.now;
        let Some(r) = self.remote.as_mut() else { return base };
        let task = &mut self.tasks[id as usize];
        task.on_remote = true;
        task.copy = 0;
        if r.breaker_skips(now) {
            task.cerr = SKIPPED;
            return 0;
        }
        let timeout = r.cfg.timeout;
        let fail = |task: &mut super::Task, r: &mut RemoteState| {
            task.cerr = FAILED;
            let d = timeout.unwrap_or(base);
            r.latency.record(d);
            d
        };
        if r.in_outage(now) {
            return fail(task, r);
        }
        let Some(p) = &r.placement else {
            // The single cache: no node queueing.
            return match timeout {
                Some(to) if base > to => fail(task, r),
                _ => {
                    r.latency.record(base);
                    base
                }
            };
        };
        let Some(node) = p.node_of(key) else {
            return fail(task, r);
        };
        task.node = node;
        let per = 1 + r.cfg.replicas;
        let hot = r.hot.as_ref().is_some_and(|h| h.is_hot(key));
        if hot {
            if let Some(h) = r.hot.as_mut() {
                h.node_ops += 1;
            }
        }
        let spread = hot && r.hot.as_ref().is_some_and(|h| !h.cfg.local);
        let copy = if !get || per == 1 {
            0
        } else if spread {
            // replicate: hot reads take the primary and the replicas in turn.
            r.turn += 1;
            (r.turn % u64::from(per)) as u32
        } else {
            match r.cfg.read_from {
                ReadFrom::Primary => 0,
                ReadFrom::Replicas => {
                    r.turn += 1;
                    1 + (r.turn % u64::from(per - 1)) as u32
                }
                ReadFrom::Any => {
                    r.turn += 1;
                    (r.turn % u64::from(per)) as u32
                }
            }
        };
        task.copy = copy as u8;
        let service = r.cfg.service.sample(&mut self.rng);
        let done = r.servers[(node * per + copy) as usize].serve(now, service);
        let d = base + (done - now);
        let n = &mut r.nodes[node as usize];
        n.ops += 1;
        n.gets += u64::from(get);
        let _ = n.latency.record(d);
        n.latency_sum += u128::from(d);
        match timeout {
            Some(to) if d > to => fail(task, r),
            _ => {
                r.latency.record(d);
                d
            }
        }
    }

    /// Split hot keys: the request of task `id` takes the next copy of its key.
    pub(super) fn pick_copy(&mut self, id: u32) {
        let Some(s) = self.remote.as_mut().and_then(|r| r.split.as_mut()) else {
            return;
        };
        let key = self.tasks[id as usize].req.key;
        if let Some(c) = s.keys.get(&key) {
            self.tasks[id as usize].ckey = c[(s.turn % c.len() as u64) as usize];
            s.turn += 1;
        }
    }

    /// The keys `key` is stored under in tier `t`: every copy of a split hot key in the cluster's
    /// tier, else the key.
    pub(super) fn keys_on(&self, t: usize, key: u64) -> KeysOn {
        match self
            .remote
            .as_ref()
            .filter(|r| r.tier == t)
            .and_then(|r| r.copies_of(key))
        {
            // Owned: callers change the caches while they walk the copies.
            #[allow(clippy::unnecessary_to_owned)]
            Some(c) => KeysOn::Copies(c.to_vec().into_iter()),
            None => KeysOn::One(Some(key)),
        }
    }

    /// The request as tier `t` sees task `t`'s: under its copy's key in the cluster's tier.
    #[inline]
    pub(super) fn tier_req(&self, t: usize, task: &super::Task) -> crate::model::request::Request {
        if t == self.remote_tier {
            crate::model::request::Request {
                key: task.ckey,
                ..task.req
            }
        } else {
            task.req
        }
    }

    /// Sends task `id`'s get (`get`) or set to tier `t`, running `ev` when it is answered.
    #[inline]
    pub(super) fn send_op(&mut self, id: u32, t: usize, get: bool, ev: Ev) {
        let l = if get { self.levels[t].get } else { self.levels[t].set };
        let mut d = l.sample(&mut self.rng);
        if t == self.remote_tier {
            let task = self.tasks[id as usize];
            let key = task.ckey;
            d = match self.remote.as_ref().and_then(|r| r.copies_of(task.req.key)) {
                // A write to a split hot key goes to every copy's node; it is done when the
                // slowest is.
                Some(c) if task.kind == super::Kind::Write => {
                    let c = c.to_vec();
                    let mut worst = 0;
                    let mut failed = 0;
                    for k in c {
                        worst = worst.max(self.remote_op(id, k, d, get));
                        failed = failed.max(self.tasks[id as usize].cerr);
                    }
                    self.tasks[id as usize].cerr = failed;
                    self.tasks[id as usize].ckey = key;
                    worst
                }
                _ => self.remote_op(id, key, d, get),
            };
        }
        self.tasks[id as usize].tier_ns += d;
        self.after(d, ev);
    }

    /// Task `id`'s operation on the remote tier is answered (or failed): the breaker learns of
    /// it. Returns its outcome (0, [`FAILED`] or [`SKIPPED`]) and clears it.
    #[inline]
    pub(super) fn op_answered(&mut self, id: u32) -> u8 {
        let task = &mut self.tasks[id as usize];
        if !task.on_remote {
            self.node_memo = None;
            return 0;
        }
        task.on_remote = false;
        self.node_memo = self
            .remote
            .as_ref()
            .is_some_and(|r| r.placement.is_some() && r.split.is_none())
            .then_some((task.ckey, task.node));
        let e = std::mem::take(&mut task.cerr);
        if let Some(r) = self.remote.as_mut() {
            if e == FAILED {
                r.errors += 1;
            }
            if e != SKIPPED {
                r.breaker_record(self.now, e == FAILED);
            }
        }
        e
    }

    /// Read `id` arrives: a hot key's read is counted, and served by its instance's local cache
    /// when that holds it (returns true: the read is complete).
    pub(super) fn hot_read(&mut self, id: u32) -> bool {
        let now = self.now;
        let Some(h) = self.remote.as_mut().and_then(|r| r.hot.as_mut()) else {
            return false;
        };
        let t = self.tasks[id as usize];
        if !h.read(now, t.req.key) {
            return false;
        }
        self.tasks[id as usize].hot = true;
        let Some(v) = h.local_get(t.inst, now, t.req.key) else {
            return false;
        };
        h.local_hits += 1;
        self.tasks[id as usize].looked_up = true;
        self.c.hits += 1;
        self.timeline.lookup(true);
        self.observe(t.req.key, v);
        self.complete_read(id);
        true
    }

    /// Hot read `id` got `version`: its instance keeps it locally (`local`).
    pub(super) fn hot_keep(&mut self, id: u32, version: u64) {
        let now = self.now;
        let t = self.tasks[id as usize];
        if let Some(h) = self.remote.as_mut().and_then(|r| r.hot.as_mut()) {
            h.local_put(t.inst, now, t.req.key, version);
        }
    }

    /// A read from a replica: the primary's entry as of `replica_lag` ago.
    pub(super) fn replica_lookup(&mut self, ci: usize, key: u64, size: u64) -> Lookup {
        let now = self.now;
        let r = self.remote.as_ref().expect("replica reads need the remote tier");
        let version = match r.replica_view(now, key) {
            Some(before) => before,
            None => self.caches[ci]
                .peek(key)
                .filter(|m| m.hard_expiry == 0 || m.hard_expiry > now)
                .map(|m| m.version),
        };
        match version {
            Some(v) => {
                let m = self.caches[ci].peek(key).copied().unwrap_or(Meta {
                    size,
                    ..Meta::default()
                });
                Lookup::Hit(Meta { version: v, ..m })
            }
            None => Lookup::Miss,
        }
    }

    /// Before cache `ci` of tier `t` changes `key`: replicas note the version it had.
    #[inline]
    pub(super) fn before_change(&mut self, t: usize, ci: usize, key: u64) {
        if t != self.remote_tier {
            return;
        }
        let now = self.now;
        let before = self.caches[ci].peek(key).map(|m| m.version);
        if let Some(r) = self.remote.as_mut() {
            if r.cfg.replicas > 0 && r.cfg.replica_lag > 0 {
                r.note_change(now, key, before);
            }
        }
    }

    /// Failure `i` of the configuration starts: the node's keys move by the hashing, and what it
    /// held is gone.
    pub(super) fn on_node_down(&mut self, i: u32) {
        self.node_memo = None;
        let Some(r) = self.remote.as_mut() else { return };
        let f = r.cfg.failures[i as usize];
        let first = self.levels[r.tier].first;
        let Some(p) = r.placement.as_mut() else { return };
        let mut keys: Vec<(u64, u32)> = Vec::new();
        for n in 0..p.nodes() {
            keys.extend(self.caches[first + n as usize].keys().map(|k| (k, n)));
        }
        p.set_up(f.node, false).expect("failures name nodes that exist");
        let moved = keys.iter().filter(|&&(k, n)| p.node_of(k) != Some(n)).count();
        r.failures.push(FailureRecord {
            node: f.node,
            at: self.now,
            remapped_share: if keys.is_empty() {
                0.0
            } else {
                moved as f64 / keys.len() as f64
            },
        });
        let _ = self.caches[first + f.node as usize].clear();
        if let Some(end) = f.end {
            self.push(end, Ev::NodeUp(i));
        }
    }

    /// Failure `i` ends: the node is back, empty, and its keys move back to it.
    pub(super) fn on_node_up(&mut self, i: u32) {
        self.node_memo = None;
        let Some(r) = self.remote.as_mut() else { return };
        let f = r.cfg.failures[i as usize];
        let first = self.levels[r.tier].first;
        let Some(p) = r.placement.as_mut() else { return };
        p.set_up(f.node, true).expect("failures name nodes that exist");
        let _ = self.caches[first + f.node as usize].clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp1};

    #[test]
    fn servers_are_an_mmc_queue() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let (lam, s, c) = (37_500.0f64, 80e-6f64, 4u32);
        let mut q = Servers::new(c);
        let (mut t, mut tot) = (0f64, 0f64);
        let n = 1_000_000u32;
        for _ in 0..n {
            let g: f64 = Exp1.sample(&mut rng);
            t += g / lam;
            let now = (t * 1e9) as u64;
            let e: f64 = Exp1.sample(&mut rng);
            let done = q.serve(now, (e * s * 1e9) as u64);
            tot += (done - now) as f64;
        }
        // Erlang C: the probability of waiting, then the mean time in the system.
        let a = lam * s;
        let (mut term, mut sum) = (1.0f64, 0.0f64);
        for k in 0..c {
            if k > 0 {
                term *= a / f64::from(k);
            }
            sum += term;
        }
        let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
        let wait = top / (sum + top);
        let expected = wait / (f64::from(c) / s - lam) + s;
        let got = tot / f64::from(n) / 1e9;
        assert!(
            (got / expected - 1.0).abs() < 0.02,
            "mean {got} s, M/M/{c} {expected} s"
        );
    }

    #[test]
    fn fifo_servers_by_hand() {
        // Two servers: arrivals at 0, 1, 2 taking 10, 10, 1: the third waits for the first free.
        let mut q = Servers::new(2);
        assert_eq!(q.serve(0, 10), 10);
        assert_eq!(q.serve(1, 10), 11);
        assert_eq!(q.serve(2, 1), 11);
        assert_eq!(q.queue_peak, 1);
        // Later, both free: no wait.
        assert_eq!(q.serve(100, 5), 105);
    }
}
