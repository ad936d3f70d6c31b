//! The simulation loop: the clock, arrivals, tasks, the dispatch of events and the backend round
//! trips. What the events do is split by concern into child modules: `reads` (read patterns),
//! `stampede` (stampede protections and per-key loads), `writes` (write patterns), `write_behind`
//! (dirty entries, flushes, write-backs, deferred batches, lost writes), `versions` (staleness and
//! version compaction) and `faults` (timeouts, outages as requests see them, crash and restart).
//!
//! Each request is an independent client (open loop). Its steps (a cache get, a backend request,
//! a cache set) are events on an integer-nanosecond clock, kept in an [`EventQueue`] ordered
//! by (time, sequence number), so that ties resolve in insertion order. Requests are pulled from the
//! source one batch at a time; at equal times, pending events run before the next arrival.
//!
//! Cache operations take effect when their latency has elapsed. When nothing takes time and nothing
//! is scheduled ([`EngineConfig::is_instant`]), every step runs as soon as it is asked for, with no
//! event queue: the same handlers, in the same order, so both paths count the same hits and misses.

mod faults;
mod reads;
pub mod remote;
mod stampede;
pub mod tiers;
mod versions;
mod write_behind;
mod writes;

use super::backend::{Backend, BatchEntry, Finished, Owner, Started, Submitted};
use super::cache::{Cache, Writeback};
use super::config::EngineConfig;
use super::queue::EventQueue;
use super::timeline::{Timeline, Totals};
use crate::model::metrics::{LatencyHistogram, StampedeStats, TimelinePoint, WriteBehindStats};
use crate::model::request::{Op, Request};
use crate::schema::engine::{ReadPattern, Stampede, WritePattern};
use rand::rngs::SmallRng;
use rustc_hash::FxHashMap;
use stampede::KeyState;
use std::collections::VecDeque;
use versions::COMPACT_MIN;

/// What a scheduled event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    /// A task's get reaches the cache.
    Get(u32),
    /// A task's fill (or refresh set) reaches the cache.
    Fill(u32),
    /// A write's cache operation (delete or set) reaches the cache.
    WriteCache(u32),
    /// A lock waiter wakes up and sends its get again.
    Retry(u32),
    /// A backend job completes.
    Done(u32),
    /// A backend job's owner gives up.
    Timeout {
        /// The job.
        job: u32,
        /// Its slot's generation when the timeout was armed.
        gen: u32,
    },
    /// A task's backend request failed (the backend is down).
    Fail(u32),
    /// A deferred write-back batch is sent again (the backend was down): index into `deferred`.
    Resend(u32),
    /// Write-behind: the periodic flush.
    Flush,
    /// The cache process dies.
    Crash,
    /// The cache restarts empty.
    Restart,
    /// An invalidation reaches an instance: index into `msgs`.
    Invalidate(u32),
    /// Rate-limited warming loads its next key (of this generation).
    Warm(u32),
    /// A cluster node fails: index into the configuration's failures.
    NodeDown(u32),
    /// A failed node is back.
    NodeUp(u32),
}

/// What a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A client read.
    Read,
    /// A client write.
    Write,
    /// A background refresh (stale-while-revalidate, refresh-ahead).
    Refresh,
    /// A warming load.
    Warm,
}

/// A client request or background load in progress.
#[derive(Clone, Copy, Debug)]
struct Task {
    req: Request,
    kind: Kind,
    /// The first lookup (the one that counts as hit or miss) is done.
    looked_up: bool,
    /// A hit that recomputes (xfetch): its fill replaces the value.
    recompute: bool,
    /// Holds the key's lock, or leads its coalesced load.
    leader: bool,
    /// Has a load counted in its key's state.
    loading: bool,
    version: u64,
    load_start: u64,
    retries: u32,
    /// The slot is in use (not on the free list).
    active: bool,
    /// The application instance that sent it.
    inst: u32,
    /// The tier its next cache operation goes to.
    tier: u8,
    /// Its fills copy a value found in a lower tier (no load of its own).
    fill_only: bool,
    /// Time spent in cache round trips, ns (the rest of a read's latency is the backend's).
    tier_ns: u64,
    /// Its pending cache operation goes to the remote tier (the cluster, or a cache with a
    /// `[client]`).
    on_remote: bool,
    /// That operation's outcome: 0, [`remote::FAILED`] or [`remote::SKIPPED`].
    cerr: u8,
    /// The copy of the node a read went to (0: the primary, else a replica).
    copy: u8,
    /// The cache failed this read: it is answered from the backend without filling the cache.
    no_fill: bool,
    /// A read of a hot key (`[hot_keys]` local or replicate).
    hot: bool,
    /// The cluster node its last operation on the remote tier went to.
    node: u32,
    /// The key it uses on the remote tier: its own, or the copy of a split hot key it took.
    ckey: u64,
}

/// Everything counted by a run.
#[derive(Clone, Debug, Default)]
pub struct EngineCounters {
    /// Reads counted (non-zero size).
    pub reads: u64,
    /// Reads that hit (including stale values served).
    pub hits: u64,
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes of reads that missed.
    pub miss_bytes: u64,
    /// Writes.
    pub writes: u64,
    /// Deletes.
    pub deletes: u64,
    /// Zero-size requests skipped.
    pub skipped: u64,
    /// Reads that returned a version older than the latest acknowledged write.
    pub stale_reads: u64,
    /// Expired values served by stale-while-revalidate.
    pub stale_served: u64,
    /// Client requests that failed (timeout, outage).
    pub errors: u64,
    /// Read latencies, ns.
    pub read_latency: LatencyHistogram,
    /// Write latencies, ns.
    pub write_latency: LatencyHistogram,
    /// Stampede counters.
    pub stampede: StampedeStats,
    /// Write-behind counters.
    pub write_behind: WriteBehindStats,
    /// The time series.
    pub timeline: Vec<TimelinePoint>,
    /// Multi-level caches: each interval's hit ratio of every tier (aligned with `timeline`).
    pub tier_timeline: Vec<Vec<f64>>,
    /// Time of the last arrival.
    pub last_arrival: u64,
    /// Time of the last event.
    pub end: u64,
}

/// The state of one simulation.
pub struct Sim {
    cfg: EngineConfig,
    instant: bool,
    /// Every hit needs the value's metadata (xfetch, refresh-ahead).
    hit_meta: bool,
    /// The clock, ns.
    now: u64,
    /// Pending events.
    queue: EventQueue<Ev>,
    /// Task slots, indexed by task id.
    tasks: Vec<Task>,
    /// Free slots of `tasks`.
    free_tasks: Vec<u32>,
    /// Loads in flight per key (`stampede`).
    keys: FxHashMap<u64, KeyState>,
    /// The latest version acknowledged to a writer, per key (`versions`).
    acked: FxHashMap<u64, u64>,
    /// Every copy of every tier (a single cache is one).
    pub caches: Vec<Cache>,
    /// The tiers, from the application down to the backend.
    pub levels: Vec<tiers::Level>,
    /// The multi-level settings (`None`: a plain single cache).
    tiers: Option<tiers::TierSetup>,
    /// The remote tier's nodes, client and faults (`None`: none configured).
    pub remote: Option<remote::RemoteState>,
    /// Its index (`usize::MAX` when none).
    remote_tier: usize,
    /// The node of the cluster operation being answered, as (key, node): the placement is
    /// computed once per operation.
    node_memo: Option<(u64, u32)>,
    /// Requests routed so far (round-robin).
    routed: u64,
    /// Random routing's own generator.
    route_rng: SmallRng,
    /// Invalidations in flight: (instance, key); free slots in `free_msgs`.
    msgs: Vec<(u32, u64)>,
    free_msgs: Vec<u32>,
    /// Entries an exclusive tier evicted, being demoted (a buffer kept across calls).
    demoted: Vec<(u64, super::cache::Meta)>,
    /// Rate-limited warming: its generation and the next key.
    warm_gen: u32,
    warm_pos: usize,
    /// Counts of the multi-level features.
    pub tier_counts: tiers::TierCounts,
    /// Read time in cache round trips and outside them (multi-level caches).
    pub read_tier_time: LatencyHistogram,
    /// See `read_tier_time`.
    pub read_backend_time: LatencyHistogram,
    /// The backend.
    pub backend: Backend,
    rng: SmallRng,
    /// Dirty entries in the cache (`write_behind`).
    dirty: u64,
    /// Keys in the order they became dirty; flushes skip those no longer dirty.
    dirty_queue: VecDeque<u64>,
    /// Background write batches waiting for the backend to come back (`None`: a free slot).
    deferred: Vec<Option<Vec<BatchEntry>>>,
    /// Write-backs taken from the cache, being sent (a buffer kept across calls).
    writebacks: Vec<Writeback>,
    /// Free slots of `deferred`.
    deferred_free: Vec<u32>,
    /// Size of the version maps that triggers [`Sim::compact_versions`].
    compact_at: usize,
    /// The least `compact_at` may be.
    compact_min: usize,
    /// The last request arrived: periodic flushes stop.
    arrivals_done: bool,
    /// The per-interval series being built.
    timeline: Timeline,
    /// Counters.
    pub c: EngineCounters,
}

impl Sim {
    /// A simulation at time 0; `instant` selects the path with no event queue.
    pub fn new(
        cfg: &EngineConfig,
        caches: Vec<Cache>,
        levels: Vec<tiers::Level>,
        setup: Option<tiers::TierSetup>,
        seed: u64,
        instant: bool,
    ) -> Sim {
        let rng = rand::SeedableRng::seed_from_u64(seed ^ 0x5EED_E1E1_C0DE_0005);
        let tiers_followed = setup
            .as_ref()
            .filter(|x| x.topo.explicit)
            .map_or(0, |x| x.topo.tiers.len());
        let remote = cfg
            .remote
            .clone()
            .map(|rc| match setup.as_ref().and_then(|x| x.topo.cluster) {
                Some(c) => {
                    let p = crate::topology::cluster::Placement::new(c.hashing, c.nodes)
                        .expect("the cluster was checked: at least one node and one vnode");
                    let mut r = remote::RemoteState::new(rc, c.tier, Some(p));
                    if let (Some(h), Some(x)) = (c.hot, setup.as_ref()) {
                        r.hot = Some(remote::HotState::new(h, x.hot.clone(), x.topo.instances));
                    }
                    if let (Some(s), Some(hot)) = (c.split, setup.as_ref().and_then(|x| x.hot.as_ref())) {
                        r.split_hot_keys(hot, s.copies);
                    }
                    r
                }
                None => remote::RemoteState::new(rc, levels.len() - 1, None),
            });
        let remote_tier = remote.as_ref().map_or(usize::MAX, |r| r.tier);
        let mut s = Sim {
            cfg: cfg.clone(),
            instant,
            hit_meta: cfg.stampede == Stampede::Xfetch || cfg.read == ReadPattern::RefreshAhead,
            now: 0,
            queue: EventQueue::new(),
            tasks: Vec::new(),
            free_tasks: Vec::new(),
            keys: FxHashMap::default(),
            acked: FxHashMap::default(),
            caches,
            levels,
            tiers: setup,
            remote,
            remote_tier,
            node_memo: None,
            routed: 0,
            route_rng: rand::SeedableRng::seed_from_u64(crate::topology::routing_seed(seed)),
            msgs: Vec::new(),
            free_msgs: Vec::new(),
            demoted: Vec::new(),
            warm_gen: 0,
            warm_pos: 0,
            tier_counts: tiers::TierCounts::default(),
            read_tier_time: LatencyHistogram::default(),
            read_backend_time: LatencyHistogram::default(),
            backend: Backend::new(cfg),
            rng,
            dirty: 0,
            dirty_queue: VecDeque::new(),
            deferred: Vec::new(),
            writebacks: Vec::new(),
            deferred_free: Vec::new(),
            compact_at: COMPACT_MIN,
            compact_min: COMPACT_MIN,
            arrivals_done: false,
            timeline: Timeline::new(cfg.timeline_interval, tiers_followed),
            c: EngineCounters::default(),
        };
        if !instant {
            // Constant cache and tier round trips and the lock's sleep: a lane each.
            let constants = s
                .levels
                .iter()
                .flat_map(|l| [l.get, l.set])
                .filter_map(|l| match l {
                    super::latency::Latency::Constant(d) => Some(d),
                    _ => None,
                })
                .chain([cfg.lock_wait])
                .collect::<Vec<u64>>();
            for d in constants {
                s.queue.add_lane(d);
            }
            if let Some(wb) = cfg.write_behind {
                s.push(wb.flush_interval, Ev::Flush);
            }
            if let Some(t) = cfg.crash_at {
                s.push(t, Ev::Crash);
            }
            for &t in &cfg.restarts {
                s.push(t, Ev::Restart);
            }
            if let Some(r) = &cfg.remote {
                for (i, f) in r.failures.iter().enumerate() {
                    s.push(f.start, Ev::NodeDown(i as u32));
                }
            }
        }
        s
    }

    /// Sets the size of the version maps at which they are first compacted (tests use a small one
    /// to check that compaction changes no result).
    pub fn set_compaction_threshold(&mut self, n: usize) {
        self.compact_at = n;
        self.compact_min = n;
    }

    fn push(&mut self, time: u64, ev: Ev) {
        self.queue.push(time, ev);
    }

    /// Runs `ev` after `delay`: inline on the instant path, else through the queue.
    ///
    /// Every call is the last thing its handler does, so a zero delay with no other event pending
    /// at this instant may also run inline: the queue would pop this very event next, before any
    /// arrival at the same time.
    #[inline]
    fn after(&mut self, delay: u64, ev: Ev) {
        if self.instant || (delay == 0 && self.next_event().is_none_or(|t| t > self.now)) {
            self.handle(ev);
        } else {
            self.queue.push_after(self.now, delay, ev);
        }
    }

    /// The run's totals now.
    fn totals(&self) -> Totals {
        let b = &self.backend.counters;
        Totals {
            requests: self.c.reads,
            hits: self.c.hits,
            writes: self.c.writes,
            deletes: self.c.deletes,
            backend_reads: b.reads - self.tier_counts.warming_sent.min(b.reads),
            backend_writes: b.writes,
            errors: self.c.errors,
            stale_reads: self.c.stale_reads,
        }
    }

    /// Moves the clock to `t`, closing timeline intervals on the way.
    #[inline]
    fn advance(&mut self, t: u64) {
        while self.timeline.due(t) {
            self.close_interval();
        }
        self.now = t;
    }

    /// Closes the open timeline interval.
    fn close_interval(&mut self) {
        let now = self.totals();
        self.timeline
            .close(now, self.dirty, &mut self.c.timeline, &mut self.c.tier_timeline);
    }

    /// `Some(points)` when the timeline would need more than
    /// [`MAX_TIMELINE_POINTS`](super::config::MAX_TIMELINE_POINTS) points: how many this run needs
    /// (once [`Sim::finish`] ran).
    pub fn timeline_overflow(&self) -> Option<u64> {
        self.timeline.overflow(self.c.end)
    }

    /// Time of the next pending event.
    #[inline]
    pub fn next_event(&self) -> Option<u64> {
        self.queue.next_time()
    }

    /// Runs the next pending event.
    pub fn step(&mut self) {
        if let Some(s) = self.queue.pop() {
            self.advance(s.time);
            self.handle(s.event);
        }
    }

    /// Runs every pending event (after the last arrival).
    pub fn finish(&mut self) {
        self.arrivals_done = true;
        while !self.queue.is_empty() {
            self.step();
        }
        self.c.end = self.now;
        self.backend.close(self.now);
        // The last, partial interval, if anything happened in it.
        if self.timeline.has_activity(&self.totals()) {
            self.close_interval();
        }
    }

    fn new_task(&mut self, req: Request, kind: Kind) -> u32 {
        let t = Task {
            req,
            kind,
            looked_up: false,
            recompute: false,
            leader: false,
            loading: false,
            version: 0,
            load_start: 0,
            retries: 0,
            active: true,
            inst: 0,
            tier: 0,
            fill_only: false,
            tier_ns: 0,
            on_remote: false,
            cerr: 0,
            copy: 0,
            no_fill: false,
            hot: false,
            node: 0,
            ckey: req.key,
        };
        match self.free_tasks.pop() {
            Some(id) => {
                self.tasks[id as usize] = t;
                id
            }
            None => {
                self.tasks.push(t);
                (self.tasks.len() - 1) as u32
            }
        }
    }

    #[inline]
    fn free(&mut self, id: u32) {
        self.tasks[id as usize].active = false;
        self.free_tasks.push(id);
    }

    /// A request arrives.
    pub fn arrive(&mut self, req: &Request) {
        self.advance(req.time);
        if self.acked.len() + self.backend.versions_len() >= self.compact_at {
            self.compact_versions();
        }
        self.c.last_arrival = req.time;
        let inst = self.route(req);
        if req.op == Op::Delete {
            self.c.deletes += 1;
            for t in 0..self.levels.len() {
                for k in self.keys_on(t, req.key) {
                    let ci = self.cache_of(t, inst, k);
                    self.before_change(t, ci, k);
                    self.caches[ci].delete(k);
                }
            }
            if let Some(h) = self.remote.as_mut().and_then(|r| r.hot.as_mut()) {
                h.local_drop(inst, req.key);
            }
            self.process_writebacks();
            self.broadcast(req.key, inst);
            return;
        }
        if req.size == 0 {
            self.c.skipped += 1;
            return;
        }
        if req.op == Op::Read {
            self.c.reads += 1;
            self.c.read_bytes = self.c.read_bytes.saturating_add(req.size);
            let id = self.new_task(*req, Kind::Read);
            self.tasks[id as usize].inst = inst;
            self.pick_copy(id);
            if self.hot_read(id) {
                return;
            }
            self.send_op(id, 0, true, Ev::Get(id));
        } else {
            self.c.writes += 1;
            let id = self.new_task(*req, Kind::Write);
            self.tasks[id as usize].inst = inst;
            self.pick_copy(id);
            // Write-through sets the tiers bottom first; invalidation deletes top first.
            if self.cfg.write == WritePattern::WriteThrough {
                self.tasks[id as usize].tier = (self.levels.len() - 1) as u8;
            }
            if self.cfg.write == WritePattern::WriteBehind {
                self.send_op(id, 0, false, Ev::WriteCache(id));
            } else {
                self.send(Owner::Task(id), true, req.key, Vec::new());
            }
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Get(id) => self.on_get(id),
            Ev::Fill(id) => self.on_fill(id),
            Ev::WriteCache(id) => self.on_write_cache(id),
            Ev::Retry(id) => {
                let t = self.tasks[id as usize].tier as usize;
                self.send_op(id, t, true, Ev::Get(id))
            }
            Ev::Done(job) => self.on_done(job),
            Ev::Timeout { job, gen } => self.on_timeout(job, gen),
            Ev::Fail(id) => self.on_fail(id),
            Ev::Resend(i) => self.resend(i),
            Ev::Flush => self.on_flush(),
            Ev::Crash => self.on_crash(),
            Ev::Restart => self.on_restart(),
            Ev::Invalidate(m) => self.on_invalidate(m),
            Ev::Warm(g) => self.on_warm(g),
            Ev::NodeDown(i) => self.on_node_down(i),
            Ev::NodeUp(i) => self.on_node_up(i),
        }
    }

    /// Sends a backend request.
    fn send(&mut self, owner: Owner, write: bool, key: u64, batch: Vec<BatchEntry>) {
        match self
            .backend
            .submit(self.now, owner, write, key, batch.clone(), &mut self.rng)
        {
            Submitted::Started(Started { job, done }) => {
                if self.instant {
                    self.on_done(job);
                    return;
                }
                self.push(done, Ev::Done(job));
                self.arm_timeout(owner, job);
            }
            Submitted::Queued { job } => self.arm_timeout(owner, job),
            Submitted::Down { until } => match owner {
                Owner::Task(id) => {
                    let at = self.now + self.cfg.timeout.unwrap_or(0);
                    self.push(at, Ev::Fail(id));
                }
                // Background writes wait for the backend to come back.
                Owner::Flush => self.defer(until, key, batch),
            },
        }
    }

    fn arm_timeout(&mut self, owner: Owner, job: u32) {
        if let (Owner::Task(_), Some(t)) = (owner, self.cfg.timeout) {
            let gen = self.backend.job(job).gen;
            self.push(self.now + t, Ev::Timeout { job, gen });
        }
    }

    fn on_done(&mut self, job: u32) {
        let Finished { job: j, next } = self.backend.finish(self.now, job, &mut self.rng);
        if let Some(n) = next {
            self.push(n.done, Ev::Done(n.job));
        }
        if j.abandoned {
            return;
        }
        if let Owner::Task(id) = j.owner {
            if j.write {
                self.tasks[id as usize].version = j.version;
                if self.cfg.write == WritePattern::WriteAround {
                    self.ack(id);
                } else {
                    let t = self.tasks[id as usize].tier as usize;
                    self.send_op(id, t, false, Ev::WriteCache(id));
                }
            } else if self.tasks[id as usize].kind == Kind::Warm {
                self.on_warmed(id, j.version);
            } else {
                self.on_loaded(id, j.version);
            }
        }
    }
}
