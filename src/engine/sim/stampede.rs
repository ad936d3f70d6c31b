//! Stampede protections and the per-key accounting of loads that measures stampedes: the lock (one
//! reader loads, the others sleep and retry), request coalescing (one reader loads, the others wait
//! for its value), xfetch's early recomputation, and each key's loads, refreshes and leader in
//! flight. Stale-while-revalidate serves expired values from the cache's lookup and refreshes them
//! through `reads`.

use super::{Ev, Kind, Sim};
use crate::engine::backend::Owner;
use crate::engine::cache::Meta;
use crate::schema::engine::Stampede;
use rand::Rng;

/// Loads of one key in flight.
#[derive(Clone, Debug, Default)]
pub(super) struct KeyState {
    /// Loads in flight.
    pub(super) loads: u32,
    /// Most loads in flight at once since the key last had none.
    pub(super) peak: u32,
    /// Refreshes (background loads, xfetch recomputations) in flight.
    pub(super) refreshes: u32,
    /// A task holds the key's lock or leads its coalesced load.
    pub(super) leader: bool,
    /// A background refresh is in flight.
    pub(super) refreshing: bool,
    /// Coalesced reads waiting for the leader's value.
    pub(super) waiters: Vec<u32>,
}

impl KeyState {
    /// Nothing in flight and nobody waiting: the state can go.
    fn idle(&self) -> bool {
        self.loads == 0 && !self.leader && !self.refreshing && self.waiters.is_empty()
    }
}

impl Sim {
    /// A read `id` of `key` missed (after `retries` lock retries): it loads the value, or, under
    /// the lock or coalescing when another read leads, sleeps and retries or waits for the leader.
    pub(super) fn load_after_miss(&mut self, id: u32, key: u64, retries: u32) {
        match self.cfg.stampede {
            Stampede::Lock => {
                let ks = self.keys.entry(key).or_default();
                if !ks.leader {
                    ks.leader = true;
                    self.tasks[id as usize].leader = true;
                    self.start_load(id, false);
                } else if retries < self.cfg.lock_retries {
                    self.tasks[id as usize].retries += 1;
                    self.after(self.cfg.lock_wait, Ev::Retry(id));
                } else {
                    self.start_load(id, false);
                }
            }
            Stampede::Coalesce => {
                let ks = self.keys.entry(key).or_default();
                if ks.leader {
                    ks.waiters.push(id);
                } else {
                    ks.leader = true;
                    self.tasks[id as usize].leader = true;
                    self.start_load(id, false);
                }
            }
            _ => self.start_load(id, false),
        }
    }

    /// xfetch: whether a hit on a value with metadata `m` recomputes it early. Vattani et al.:
    /// recompute when now - delta * beta * ln(U) >= expiry (one draw from the run's generator).
    pub(super) fn xfetch_early(&mut self, m: &Meta) -> bool {
        let u = 1.0 - self.rng.random::<f64>();
        let early = -(m.load_time as f64) * self.cfg.xfetch_beta * u.ln();
        self.now as f64 + early >= m.expiry as f64
    }

    /// Starts task `id`'s backend read, counting it in its key's loads (and refreshes).
    pub(super) fn start_load(&mut self, id: u32, refresh: bool) {
        let key = self.tasks[id as usize].req.key;
        let ks = self.keys.entry(key).or_default();
        ks.loads += 1;
        ks.peak = ks.peak.max(ks.loads);
        let s = &mut self.c.stampede;
        s.max_concurrent_loads_per_key = s.max_concurrent_loads_per_key.max(ks.loads as u64);
        if refresh {
            ks.refreshes += 1;
            s.max_concurrent_refreshes_per_key = s.max_concurrent_refreshes_per_key.max(ks.refreshes as u64);
        }
        let t = &mut self.tasks[id as usize];
        t.loading = true;
        t.load_start = self.now;
        self.send(Owner::Task(id), false, key, Vec::new());
    }

    /// Ends task `id`'s load in its key's state, counting a stampede when the key's loads drop to
    /// zero after more than one ran at once.
    pub(super) fn end_load(&mut self, id: u32) {
        let t = &mut self.tasks[id as usize];
        if !t.loading {
            return;
        }
        t.loading = false;
        let refresh = t.kind == Kind::Refresh || t.recompute;
        let key = t.req.key;
        if let Some(ks) = self.keys.get_mut(&key) {
            ks.loads -= 1;
            if refresh {
                ks.refreshes -= 1;
            }
            if ks.loads == 0 {
                if ks.peak > 1 {
                    self.c.stampede.expiries_with_concurrent_loads += 1;
                }
                ks.peak = 0;
            }
        }
    }

    pub(super) fn drop_key_state_if_idle(&mut self, key: u64) {
        if self.keys.get(&key).is_some_and(KeyState::idle) {
            self.keys.remove(&key);
        }
    }

    /// Releases the lock or the coalesced load `id` leads; waiters get its value (or its failure).
    pub(super) fn release(&mut self, id: u32, ok: bool) {
        let t = self.tasks[id as usize];
        if t.leader {
            let waiters = match self.keys.get_mut(&t.req.key) {
                Some(ks) => {
                    ks.leader = false;
                    std::mem::take(&mut ks.waiters)
                }
                None => Vec::new(),
            };
            for w in waiters {
                if ok {
                    self.observe(t.req.key, t.version);
                } else {
                    self.c.errors += 1;
                }
                self.complete_read(w);
            }
        }
        self.drop_key_state_if_idle(t.req.key);
    }
}
