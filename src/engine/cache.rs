//! The cache as the engine sees it: an eviction policy plus per-key metadata the policy does not
//! keep (the version of the cached value, its logical expiry, how long its last load took, unflushed
//! writes). Metadata exists only for cached keys: it is dropped on eviction (the policy's eviction
//! log), on delete and on expiry, so memory follows the cache size, not the run length.

use crate::model::request::Request;
use crate::policy::{BuildCtx, Policy, PolicySpec};
use anyhow::Result;
use rustc_hash::FxHashMap;

/// What the engine knows about one cached key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// Backend version of the cached value.
    pub version: u64,
    /// When the value stops being fresh (0: never).
    pub expiry: u64,
    /// When the policy drops it (the expiry plus any stale window; 0: never).
    pub hard_expiry: u64,
    /// Its TTL when it was set.
    pub ttl: u64,
    /// Its size.
    pub size: u64,
    /// Duration of the load that produced it (xfetch's delta).
    pub load_time: u64,
    /// Acknowledged writes not yet flushed to the backend (write-behind).
    pub dirty: u32,
}

/// A result of a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Not cached (or expired and now removed).
    Miss,
    /// Cached and fresh.
    Hit(Meta),
    /// Cached, past its logical expiry, within the stale window.
    Stale(Meta),
}

/// A dirty entry that left the cache and must be written to the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Writeback {
    /// The key.
    pub key: u64,
    /// The version its last write produced.
    pub version: u64,
    /// Writes not yet flushed (counted as lost if the cache crashes).
    pub writes: u32,
}

/// Entries the cache dropped on its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removals {
    /// Evicted for space.
    pub evictions: u64,
    /// Dropped when their TTL ran out.
    pub expirations: u64,
}

/// How long stale-while-revalidate may serve a value past its TTL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaleWindow {
    /// As long again as the entry's own TTL.
    Ttl,
    /// This many ns.
    For(u64),
}

/// The policy and the engine's metadata, kept in step.
pub struct Cache {
    policy: Box<dyn Policy>,
    spec: PolicySpec,
    ctx: BuildCtx,
    meta: FxHashMap<u64, Meta>,
    evicted: Vec<u64>,
    /// Extra lifetime past the TTL, for stale-while-revalidate (`None`: off).
    stale: Option<StaleWindow>,
    /// Dirty entries evicted or expired since the last [`Cache::take_writebacks`].
    writebacks: Vec<Writeback>,
    /// Evictions and expirations of policies dropped by restarts.
    past: Removals,
    /// The most bytes (objects) held by policies dropped by restarts.
    past_peak: u64,
    /// The key of the last policy operation when it was a get that missed. Policies expect an
    /// insert right after the get that missed (ARC and LIRS keep ghost state between the two), so an
    /// insert that does not follow its own get is preceded by one.
    primed: Option<u64>,
    /// Evicted entries are kept for [`Cache::take_evicted`] (an exclusive hierarchy demotes them).
    capture: bool,
    /// Entries evicted since the last [`Cache::take_evicted`] (when `capture`).
    evicted_meta: Vec<(u64, Meta)>,
    /// The most keys held at once, over restarts.
    keys_peak: u64,
}

impl Cache {
    /// An empty cache. `stale` is the window of stale-while-revalidate, if on.
    pub fn new(spec: &PolicySpec, ctx: &BuildCtx, stale: Option<StaleWindow>) -> Result<Cache> {
        let mut policy = spec.build(ctx).map_err(crate::error::input_error)?;
        policy.record_evictions(true);
        Ok(Cache {
            policy,
            spec: spec.clone(),
            ctx: *ctx,
            meta: FxHashMap::default(),
            evicted: Vec::new(),
            stale,
            writebacks: Vec::new(),
            past: Removals::default(),
            past_peak: 0,
            primed: None,
            capture: false,
            evicted_meta: Vec::new(),
            keys_peak: 0,
        })
    }

    /// Looks `req.key` up at `now` (a get: the policy sees the access). With `want_meta` false, a
    /// hit outside stale-while-revalidate carries default metadata: the caller needs neither
    /// version nor expiry, and the hit path skips a second hash lookup.
    #[inline]
    pub fn lookup(&mut self, now: u64, req: &Request, want_meta: bool) -> Lookup {
        let q = Request { time: now, ..*req };
        let hit = self.policy.get(&q);
        self.primed = (!hit).then_some(req.key);
        if hit && !want_meta && self.stale.is_none() {
            // The policy applies the (hard = logical) expiry itself, and the metadata mirrors the
            // policy, so a hit is a fresh value. A get may still evict (ARC, LIRS).
            self.drain_evictions();
            return Lookup::Hit(Meta::default());
        }
        // The value as the get found it: some policies evict while handling a get (ARC's
        // replacement, LIRS demoting the very object it hits, as libCacheSim does).
        let found = self.meta.get(&req.key).copied();
        self.drain_evictions();
        match found {
            Some(m) if hit => {
                if self.stale.is_some() && m.expiry != 0 && now >= m.expiry {
                    Lookup::Stale(m)
                } else {
                    Lookup::Hit(m)
                }
            }
            Some(_) => {
                // Expired and just removed by the policy.
                self.forget(req.key);
                Lookup::Miss
            }
            // Absent: nothing to forget (no second probe of the map).
            None => Lookup::Miss,
        }
    }

    /// The metadata of a cached key, without touching the policy.
    pub fn peek(&self, key: u64) -> Option<&Meta> {
        self.meta.get(&key)
    }

    /// Mutable metadata of a cached key.
    pub fn meta_mut(&mut self, key: u64) -> Option<&mut Meta> {
        self.meta.get_mut(&key)
    }

    /// Stores `req`'s value with `version` at `now`. An `add` (a fill after a miss) leaves a value
    /// that is already cached alone; a set replaces it. Returns whether the value is now cached.
    /// `dirty` counts unflushed writes carried by the value (write-behind), merged with any the
    /// old value had.
    pub fn store(&mut self, now: u64, req: &Request, version: u64, add: bool, load_time: u64, dirty: u32) -> bool {
        let key = req.key;
        let mut carried = 0;
        if let Some(m) = self.meta.get(&key).copied() {
            if m.hard_expiry != 0 && now >= m.hard_expiry {
                // Expired but not yet noticed by the policy: it is gone.
                self.policy.remove_expired(key);
                self.primed = None;
                self.forget(key);
            } else if add {
                self.primed = None;
                return false;
            } else {
                carried = m.dirty;
                self.policy.remove(key);
                self.primed = None;
                self.meta.remove(&key);
            }
        }
        let window = match self.stale {
            Some(StaleWindow::Ttl) if req.ttl != 0 => req.ttl,
            Some(StaleWindow::For(w)) if req.ttl != 0 => w,
            _ => 0,
        };
        let q = Request {
            time: now,
            ttl: if req.ttl == 0 { 0 } else { req.ttl + window },
            ..*req
        };
        if self.primed != Some(key) && self.policy.get(&q) {
            // Cached without the engine knowing: cannot happen while the metadata mirrors the
            // policy, but never insert a present key.
            self.policy.remove(key);
        }
        self.primed = None;
        self.policy.insert(&q);
        self.drain_evictions();
        let stored = self.policy.contains(key);
        let dirty = dirty + carried;
        if stored {
            let expiry = req.expiry_at(now);
            self.meta.insert(
                key,
                Meta {
                    version,
                    expiry,
                    hard_expiry: q.expiry(),
                    ttl: req.ttl,
                    size: req.size,
                    load_time,
                    dirty,
                },
            );
            self.keys_peak = self.keys_peak.max(self.meta.len() as u64);
        } else if dirty > 0 {
            self.writebacks.push(Writeback {
                key,
                version,
                writes: dirty,
            });
        }
        stored
    }

    /// Deletes `key`; returns whether it was cached. Unflushed writes are written back.
    pub fn delete(&mut self, key: u64) -> bool {
        self.primed = None;
        let was = self.policy.remove(key);
        self.drain_evictions();
        self.forget(key);
        was
    }

    fn forget(&mut self, key: u64) {
        if let Some(m) = self.meta.remove(&key) {
            if m.dirty > 0 {
                self.writebacks.push(Writeback {
                    key,
                    version: m.version,
                    writes: m.dirty,
                });
            }
        }
    }

    fn drain_evictions(&mut self) {
        self.policy.drain_evicted(&mut self.evicted);
        let mut ev = std::mem::take(&mut self.evicted);
        for k in ev.drain(..) {
            if !self.policy.contains(k) {
                if self.capture {
                    if let Some(m) = self.meta.get(&k) {
                        self.evicted_meta.push((k, *m));
                    }
                }
                self.forget(k);
            }
        }
        self.evicted = ev;
    }

    /// Keeps evicted entries for [`Cache::take_evicted`].
    pub fn capture_evictions(&mut self) {
        self.capture = true;
    }

    /// Entries evicted since the last call, with their metadata (when capturing).
    pub fn take_evicted(&mut self, out: &mut Vec<(u64, Meta)>) {
        out.append(&mut self.evicted_meta);
    }

    /// Bytes (objects, when sizes are ignored) held.
    pub fn used(&self) -> u64 {
        self.policy.used()
    }

    /// Dirty entries that left the cache since the last call.
    pub fn take_writebacks(&mut self, out: &mut Vec<Writeback>) {
        out.append(&mut self.writebacks);
    }

    /// Empties the cache (a restart or a crash): returns the unflushed writes it held, per key, in
    /// key order (so the result does not depend on hash order).
    pub fn clear(&mut self) -> Result<Vec<Writeback>> {
        let mut dirty: Vec<Writeback> = self
            .meta
            .iter()
            .filter(|(_, m)| m.dirty > 0)
            .map(|(k, m)| Writeback {
                key: *k,
                version: m.version,
                writes: m.dirty,
            })
            .collect();
        dirty.sort_unstable_by_key(|w| w.key);
        let c = self.policy.counters();
        self.past.evictions += c.evictions;
        self.past.expirations += c.expirations;
        self.past_peak = self.past_peak.max(self.policy.tally().peak());
        self.policy = self.spec.build(&self.ctx).map_err(crate::error::input_error)?;
        self.policy.record_evictions(true);
        self.meta.clear();
        self.evicted_meta.clear();
        self.primed = None;
        Ok(dirty)
    }

    /// Capacity in bytes (objects, when sizes are ignored).
    pub fn capacity(&self) -> u64 {
        self.ctx.capacity
    }

    /// The most bytes (objects, when sizes are ignored) held at once, over restarts.
    pub fn peak(&self) -> u64 {
        self.past_peak.max(self.policy.tally().peak())
    }

    /// The most keys held at once, over restarts.
    pub fn keys_peak(&self) -> u64 {
        self.keys_peak
    }

    /// The keys held now, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.meta.keys().copied()
    }

    /// Evictions and expirations so far, over restarts.
    pub fn counters(&self) -> Removals {
        let c = self.policy.counters();
        Removals {
            evictions: self.past.evictions + c.evictions,
            expirations: self.past.expirations + c.expirations,
        }
    }
}
