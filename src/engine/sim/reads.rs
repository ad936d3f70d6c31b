//! Read patterns: gets, hits and misses, loads and fills for cache-aside (the client fills the
//! cache after its backend read), read-through (the cache fills itself before answering) and
//! refresh-ahead (a hit late in its TTL starts a background refresh), and read completion. The
//! protections a miss or a hit may go through are in `stampede`.

use super::{Ev, Kind, Sim};
use crate::engine::cache::Lookup;
use crate::model::request::Request;
use crate::schema::engine::{ReadPattern, Stampede};

impl Sim {
    /// Task `id`'s get reaches the cache: a hit completes the read (and may start a refresh or an
    /// early recomputation), a miss loads the value.
    pub(super) fn on_get(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let first = !t.looked_up;
        let tier = t.tier as usize;
        let last = tier + 1 == self.levels.len();
        // Hits need the value's metadata for xfetch and refresh-ahead, and for staleness once
        // anything was written.
        let want_meta = self.hit_meta || !self.acked.is_empty() || t.hot;
        let key = t.req.key;
        let outcome = self.op_answered(id);
        let q = self.tier_req(tier, &t);
        let ci = self.cache_of(tier, t.inst, q.key);
        let r = if outcome != 0 {
            // Failed or skipped: no answer, a miss as far as this read goes.
            if outcome == super::remote::FAILED && self.remote.as_ref().is_some_and(|r| r.cfg.fail) {
                if first {
                    self.levels[tier].requests += 1;
                    self.timeline.tier_lookup(tier, false);
                    self.tasks[id as usize].looked_up = true;
                    self.timeline.lookup(false);
                    self.c.miss_bytes = self.c.miss_bytes.saturating_add(t.req.size);
                }
                self.c.errors += 1;
                self.complete_read(id);
                return;
            }
            if !self.tasks[id as usize].no_fill {
                self.tasks[id as usize].no_fill = true;
                if let Some(r) = self.remote.as_mut() {
                    r.fallback_reads += 1;
                }
            }
            Lookup::Miss
        } else if t.copy > 0 {
            self.replica_lookup(ci, q.key, t.req.size)
        } else {
            self.caches[ci].lookup(self.now, &q, want_meta)
        };
        if first {
            self.levels[tier].requests += 1;
            self.timeline
                .tier_lookup(tier, matches!(r, Lookup::Hit(_) | Lookup::Stale(_)));
            if tier == self.remote_tier && outcome == 0 {
                let first_node = self.levels[tier].first;
                if let Some(n) = self.remote.as_mut().and_then(|r| r.nodes.get_mut(ci - first_node)) {
                    n.requests += 1;
                    n.hits += u64::from(matches!(r, Lookup::Hit(_) | Lookup::Stale(_)));
                }
            }
        }
        match r {
            Lookup::Hit(m) | Lookup::Stale(m) => {
                if t.hot && t.kind == Kind::Read {
                    self.hot_keep(id, m.version);
                }
                if first {
                    self.tasks[id as usize].looked_up = true;
                    self.levels[tier].hits += 1;
                    self.tier_counts.negative_hits += u64::from(t.req.absent);
                    self.c.hits += 1;
                    self.timeline.lookup(true);
                }
                if !self.acked.is_empty() && m.version < self.acked.get(&key).copied().unwrap_or(0) {
                    self.levels[tier].stale_reads += 1;
                }
                if tier > 0 && self.levels.len() > 1 {
                    self.observe(key, m.version);
                    self.fill_above(id, tier, &m);
                    return;
                }
                if let Lookup::Stale(_) = r {
                    self.c.stale_served += 1;
                    self.spawn_refresh(&t.req);
                } else if self.cfg.stampede == Stampede::Xfetch && m.expiry != 0 && m.load_time > 0 {
                    if self.xfetch_early(&m) {
                        self.tasks[id as usize].recompute = true;
                        self.start_load(id, true);
                        return;
                    }
                } else if self.cfg.read == ReadPattern::RefreshAhead
                    && m.expiry != 0
                    && (self.now + m.ttl - m.expiry) as f64 >= self.cfg.refresh_ahead * m.ttl as f64
                {
                    self.spawn_refresh(&t.req);
                }
                self.observe(key, m.version);
                self.complete_read(id);
            }
            Lookup::Miss => {
                if !last {
                    let next = tier + 1;
                    self.tasks[id as usize].tier = next as u8;
                    self.send_op(id, next, true, Ev::Get(id));
                    return;
                }
                if first {
                    self.tasks[id as usize].looked_up = true;
                    self.timeline.lookup(false);
                    self.c.miss_bytes = self.c.miss_bytes.saturating_add(t.req.size);
                }
                self.load_after_miss(id, key, t.retries);
            }
        }
    }

    /// Starts one background refresh of `req`'s key unless one is in flight.
    pub(super) fn spawn_refresh(&mut self, req: &Request) {
        let ks = self.keys.entry(req.key).or_default();
        if ks.refreshing {
            return;
        }
        ks.refreshing = true;
        let id = self.new_task(Request { time: self.now, ..*req }, Kind::Refresh);
        self.start_load(id, true);
    }

    /// A load's backend read returned `version`.
    pub(super) fn on_loaded(&mut self, id: u32, version: u64) {
        self.end_load(id);
        let t = &mut self.tasks[id as usize];
        t.version = version;
        let t = *t;
        if t.kind == Kind::Read {
            self.observe(t.req.key, version);
            if t.hot {
                self.hot_keep(id, version);
            }
        }
        if t.no_fill {
            // The cache failed this read: answered from the backend, the cache left alone.
            self.release(id, true);
            self.complete_read(id);
            return;
        }
        if t.req.absent {
            self.tier_counts.absent_reads += 1;
            if self.tiers.as_ref().is_none_or(|s| s.topo.negative_ttl.is_none()) {
                // "Not found", and not cached.
                if t.kind == Kind::Read {
                    self.release(id, true);
                    self.complete_read(id);
                } else {
                    self.free(id);
                }
                return;
            }
        }
        // Fills go bottom first (exclusive: into the top tier only).
        let first_fill = if self.exclusive() { 0 } else { self.levels.len() - 1 };
        self.tasks[id as usize].tier = first_fill as u8;
        if self.cfg.read == ReadPattern::ReadThrough && t.kind == Kind::Read && !t.recompute {
            self.on_fill(id);
        } else {
            self.send_op(id, first_fill, false, Ev::Fill(id));
        }
    }

    /// Task `id`'s fill (or a refresh's set) reaches the cache.
    pub(super) fn on_fill(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let key = t.req.key;
        let replace = t.recompute || t.kind == Kind::Refresh;
        let tier = t.tier as usize;
        if self.op_answered(id) == 0 {
            let q = self.tier_req(tier, &t);
            self.store_in(tier, t.inst, &q, t.version, replace, self.now - t.load_start);
        }
        self.process_writebacks();
        if t.kind == Kind::Refresh {
            if let Some(ks) = self.keys.get_mut(&key) {
                ks.refreshing = false;
            }
            self.drop_key_state_if_idle(key);
            self.free(id);
            return;
        }
        if tier > 0 && !self.exclusive() {
            let next = tier - 1;
            self.tasks[id as usize].tier = next as u8;
            self.send_op(id, next, false, Ev::Fill(id));
            return;
        }
        if !t.fill_only {
            self.release(id, true);
        }
        self.complete_read(id);
    }

    /// Read `id` is answered: records its latency and frees it.
    pub(super) fn complete_read(&mut self, id: u32) {
        let t = &self.tasks[id as usize];
        let lat = self.now - t.req.time;
        if self.tiers.is_some() {
            let tier = t.tier_ns.min(lat);
            self.read_tier_time.record(tier);
            self.read_backend_time.record(lat - tier);
        }
        self.c.read_latency.record(lat);
        self.timeline.read_latency(lat);
        self.free(id);
    }
}
