//! Cacheus (Rodriguez et al., "Learning Cache Replacement with CACHEUS", USENIX FAST 2021), as
//! libCacheSim's `Cacheus` runs it.
//!
//! Two experts share one set of cached objects, and each eviction asks one of them, drawn at random
//! with probability `w_lru` and `w_lfu = 1 - w_lru`:
//! - **SR-LRU** (scan-resistant LRU): a list SR for objects seen once (new objects enter at its
//!   head), a list R for objects seen again (a hit in SR moves the object to R's head, and R's
//!   overflow is demoted to SR's head), and a history H of objects that left the cache (a miss found
//!   in H goes straight to R). Its victim is SR's tail, or R's tail when SR is empty.
//! - **CR-LFU** (churn-resistant LFU): frequency buckets whose victim is the object that most
//!   recently reached the lowest count (MRU among the least frequent). An object coming back from H
//!   resumes the count it had when it left, plus one.
//!
//! Each expert has a ghost list (LRU, half the cache) of the objects evicted on its advice. A miss
//! found in a ghost is a regret: that expert's weight is multiplied by `exp(-lr)` and the weights are
//! renormalised. The learning rate `lr` starts at a random value in [0.001, 1] and every
//! `capacity` requests moves by gradient-based hill climbing on the hit rate.
//!
//! libCacheSim 0.3.5's details, followed here (read from its source and, where the shipped
//! library differs from the source, from the library itself):
//! - SR and R start at `C/2` (integer division) and H is `C`. An object that entered SR as new
//!   and comes back from H grows SR by `max(1, ⌊C_demoted / C_new⌋ + 0.5)` (truncated to whole
//!   bytes, and kept below the bytes cached); R gets `C - SR`. The shrinking half of the paper's
//!   rule (an SR hit on an object demoted from R) never fires in libCacheSim, because it reads the
//!   flag of the freshly created R entry; it does not fire here either.
//! - An SR hit moves the object to R's head, then R's tail objects move to SR's head while R is
//!   over its size; only the next insertion trims SR.
//! - When both experts name the same victim it goes to H and to no ghost list. Otherwise the chosen
//!   victim goes to H and to the chooser's ghost list.
//! - A new object is inserted into SR; if SR is then over its size its tail objects leave the
//!   cache for H at once (these evictions consult no expert and feed no ghost list).
//! - H keeps under `C` bytes; each ghost list at most `C/2` bytes (LRU).
//! - An object larger than `C` is refused before any eviction. After evicting, one larger than SR
//!   (R if it comes back from H) is refused too, as libCacheSim refuses it only then.
//! - The draw is `r = (rand % 100) / 100` and the LRU expert is chosen when `r < w_lru`; the
//!   learning rate starts at `0.001 + (rand % 1000) / 1000`.
//! - Every `C` requests (C in bytes in byte mode, so practically never there) the learning rate
//!   is updated: with `h` = hits in the interval divided by `C` in integer arithmetic (0 unless
//!   every request hit), `lr += sign(Δh/Δlr)·|lr·Δlr|` (set to 0.0001 when not above 0.001);
//!   when `lr` did not move, ten non-improving intervals followed by an improving one redraw it.
//!
//! Randomness: libCacheSim draws from a thread-local lehmer64 generator whose state carries over
//! from everything run before in the same thread, so its own results for one trace and size
//! differ from run to run (on cloudPhysicsIO by up to 3.6 points between a fresh process and its
//! published numbers). Here the numbers come from a `SmallRng` seeded from the run's seed. With
//! libCacheSim's generator substituted (a check kept out of the repository, as the rules allow only
//! `SmallRng`), this implementation gives libCacheSim 0.3.5's miss counts on cloudPhysicsIO
//! exactly at all 15 reference sizes, in bytes and in objects (and the same hit/miss sequence
//! where that was compared); with `SmallRng` it agrees statistically.
//!
//! All resident and history entries share one [`Table`]: a node's `meta` says which of SR, R, H
//! holds it and carries its LFU count and links into its frequency bucket. The ghost lists share a
//! second table.

use super::core::freq::{FreqLink, FreqList, FreqNode};
use super::core::list::List;
use super::core::queues::{InQueue, QueueId, Queues};
use super::core::resident::{self, Keeper, Store};
use super::core::table::Table;
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "cacheus",
    aliases: &[],
    summary: "Cacheus (Rodriguez et al., FAST 2021): SR-LRU and CR-LFU experts weighted by regret.",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Cacheus::new(ctx.capacity, ctx.seed)))
}

/// The resident lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Id {
    /// Resident, seen once (scan-resistant list).
    #[default]
    SR,
    /// Resident, seen again.
    R,
    /// History: left the cache, remembered with its LFU count.
    H,
}
use Id::{H, R, SR};

impl QueueId for Id {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// The two experts, each with a ghost list of the objects evicted on its advice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expert {
    /// SR-LRU.
    #[default]
    Lru,
    /// CR-LFU.
    Lfu,
}
use Expert::{Lfu as G_LFU, Lru as G_LRU};

/// Flag: inserted into SR as a new object and not moved since (kept in H when it leaves).
const NEW: u8 = 1;
/// Flag: demoted from R to SR.
const DEMOTED: u8 = 2;

/// Per-node metadata in the main table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// SR, R or H.
    list: Id,
    /// [`NEW`] and [`DEMOTED`].
    flags: u8,
    /// The place in CR-LFU's frequency list (resident nodes).
    freq: FreqLink,
    /// The LFU count the object had when it left (H nodes).
    left_freq: u64,
}

impl InQueue<Id> for Meta {
    #[inline]
    fn queue(&self) -> Id {
        self.list
    }
    #[inline]
    fn set_queue(&mut self, q: Id) {
        self.list = q;
    }
}

impl FreqNode for Meta {
    #[inline]
    fn link(&self) -> &FreqLink {
        &self.freq
    }
    #[inline]
    fn link_mut(&mut self) -> &mut FreqLink {
        &mut self.freq
    }
}

/// The Cacheus cache.
pub type Cacheus = Keeper<CacheusState>;

impl Cacheus {
    /// An empty cache (the state: [`CacheusState::new`]).
    pub fn new(capacity: u64, seed: u64) -> Self {
        Keeper::with_policy(capacity, CacheusState::new(capacity, seed))
    }
}

/// The state of [`Cacheus`].
pub struct CacheusState {
    lists: Queues<Id, 3>,
    /// CR-LFU: the resident objects by count.
    lfu: FreqList,
    /// Ghost entries; meta says which ghost list.
    ghosts: Table<Expert>,
    /// Indexed by G_LRU, G_LFU.
    ghost_lists: [List; 2],
    /// Target size of SR (starts at `C/2`, grows when new objects come back from H).
    sr_size: i64,
    /// Target size of R: `C - sr_size`.
    r_size: i64,
    /// Objects that left SR for H while flagged [`NEW`] (never decreases, as in libCacheSim).
    c_new: u64,
    /// Objects flagged [`DEMOTED`] that are still in SR (libCacheSim's count, which an SR hit on
    /// a demoted object does not decrease).
    c_demoted: u64,
    /// Size of each ghost list (`C/2`).
    half: u64,
    w_lru: f64,
    w_lfu: f64,
    lr: f64,
    lr_prev: f64,
    hit_rate_prev: f64,
    unlearn: u64,
    hits: u64,
    requests: u64,
    rng: SmallRng,
}

impl CacheusState {
    /// An empty Cacheus cache of `capacity` bytes (or objects); `seed` drives its random draws.
    pub fn new(capacity: u64, seed: u64) -> Self {
        let mut rng = SmallRng::seed_from_u64(seed);
        let lr = 0.001 + rng.random_range(0..1000u64) as f64 / 1000.0;
        CacheusState {
            lists: Queues::default(),
            lfu: FreqList::indexed(),
            ghosts: Table::new(),
            ghost_lists: [List::default(); 2],
            sr_size: (capacity / 2) as i64,
            r_size: (capacity / 2) as i64,
            c_new: 0,
            c_demoted: 0,
            half: capacity / 2,
            w_lru: 0.5,
            w_lfu: 0.5,
            lr,
            lr_prev: 0.0,
            hit_rate_prev: 0.0,
            unlearn: 0,
            hits: 0,
            requests: 0,
            rng,
        }
    }

    /// CR-LFU's victim: the newest object of the lowest count.
    #[inline]
    fn lfu_victim(&self) -> u32 {
        self.lfu.newest_of_lowest()
    }

    // ---- SR-LRU ----

    /// Moves resident `slot` to the head of H (libCacheSim's SR-LRU evict/remove; CR-LFU's count
    /// stays on the node as the count it offloads to H), then trims H below `C`. Returns the
    /// object's size.
    fn send_to_history(&mut self, st: &mut Store<Meta>, slot: u32) -> u64 {
        let freq = self.lfu.count(&st.table.nodes, slot);
        self.lfu.unlink(&mut st.table.nodes, slot);
        let n = st.table.node_mut(slot);
        let flags = n.meta.flags;
        n.meta.left_freq = freq;
        n.meta.flags = flags & NEW;
        let size = n.size;
        if flags & NEW != 0 {
            self.c_new += 1;
        }
        if flags & DEMOTED != 0 {
            self.c_demoted -= 1;
        }
        self.lists.move_to(&mut st.table, slot, H);
        while self.lists.bytes(H) >= st.tally.capacity() {
            let t = self.lists.tail(H);
            self.lists.drop(&mut st.table, t);
        }
        size
    }

    /// Moves R's tail objects to SR's head (flagged as demoted) while R plus `extra` bytes is over
    /// R's target size.
    fn demote_r(&mut self, st: &mut Store<Meta>, extra: u64) {
        while (self.lists.bytes(R) + extra) as i64 > self.r_size {
            let t = self.lists.tail(R);
            // Objects in R are never flagged, so every demotion counts.
            self.c_demoted += 1;
            st.table.node_mut(t).meta.flags = DEMOTED;
            self.lists.move_to(&mut st.table, t, SR);
        }
    }

    /// A new object came back from H: SR was too small, so it grows by
    /// `max(1, ⌊C_demoted / C_new⌋ + 0.5)`, truncated to whole bytes, but stays below the bytes
    /// cached; R gets the rest of `C`.
    fn grow_sr(&mut self, st: &mut Store<Meta>) {
        let ratio = self.c_demoted.checked_div(self.c_new).unwrap_or(0);
        // libCacheSim casts the quotient to a C `int`.
        let delta = (ratio as u32 as i32 as f64 + 0.5).max(1.0);
        let grown = self.sr_size as f64 + delta;
        let limit = st.tally.used() as i64 - 1;
        self.sr_size = if grown > limit as f64 { limit } else { grown as i64 };
        self.r_size = st.tally.capacity() as i64 - self.sr_size;
    }

    // ---- experts' ghost lists ----

    /// Remembers an evicted object in ghost list `g` (LRU, at most `C/2` bytes).
    fn ghost_insert(&mut self, g: Expert, key: u64, size: u64) {
        let size64 = size;
        if size64 > self.half {
            return;
        }
        while self.ghost_lists[g as usize].bytes + size64 > self.half {
            let t = self.ghost_lists[g as usize].tail;
            self.ghost_lists[g as usize].unlink(&mut self.ghosts.nodes, t);
            self.ghosts.remove(t);
        }
        let s = self.ghosts.insert(key, size, 0, g);
        self.ghost_lists[g as usize].push_head(&mut self.ghosts.nodes, s);
    }

    /// A miss: regret for the expert whose ghost holds `key`, then forget it in both ghosts.
    fn regret(&mut self, key: u64) {
        if let Some(s) = self.ghosts.find(key) {
            let g = self.ghosts.node(s).meta;
            let decay = (-self.lr).exp();
            if g == G_LRU {
                self.w_lru *= decay;
            } else {
                self.w_lfu *= decay;
            }
            self.ghost_lists[g as usize].unlink(&mut self.ghosts.nodes, s);
            self.ghosts.remove(s);
        }
        self.w_lru /= self.w_lru + self.w_lfu;
        self.w_lfu = 1.0 - self.w_lru;
    }

    /// Hill climbing on the hit rate, every `capacity` requests.
    fn update_lr(&mut self, st: &mut Store<Meta>) {
        let hit_rate = (self.hits / st.tally.capacity().max(1)) as f64;
        let d_hit = hit_rate - self.hit_rate_prev;
        let d_lr = self.lr - self.lr_prev;
        self.lr_prev = self.lr;
        self.hit_rate_prev = hit_rate;
        if d_lr != 0.0 {
            let sign = if d_hit / d_lr > 0.0 { 1.0 } else { -1.0 };
            let next = self.lr + sign * (self.lr * d_lr).abs();
            self.lr = if next > 0.001 { next } else { 0.0001 };
            self.unlearn = 0;
        } else if hit_rate == 0.0 || d_hit <= 0.0 {
            self.unlearn += 1;
        } else if self.unlearn >= 10 {
            self.unlearn = 0;
            self.lr = 0.001 + self.rng.random_range(0..1000u64) as f64 / 1000.0;
        }
        self.hits = 0;
    }

    /// One eviction: draw an expert, evict its victim into H (and its ghost list when the experts
    /// disagree).
    fn evict_one(&mut self, st: &mut Store<Meta>) {
        let lru_v = if self.lists.bytes(SR) > 0 {
            self.lists.tail(SR)
        } else {
            self.lists.tail(R)
        };
        let lfu_v = self.lfu_victim();
        let r = self.rng.random_range(0..100u64) as f64 / 100.0;
        let (victim, ghost) = if lru_v == lfu_v {
            (lru_v, None)
        } else if r < self.w_lru {
            (lru_v, Some(G_LRU))
        } else {
            (lfu_v, Some(G_LFU))
        };
        let key = st.table.node(victim).key;
        let size = self.send_to_history(st, victim);
        st.tally.evicted(key, size);
        if let Some(g) = ghost {
            self.ghost_insert(g, key, size);
        }
    }

    /// A hit on resident `slot`: SR-LRU and CR-LFU both promote it.
    fn promote(&mut self, st: &mut Store<Meta>, slot: u32) {
        if st.table.node(slot).meta.list == R {
            self.lists.move_to_head(&mut st.table, slot);
        } else {
            self.lists.unlink(&mut st.table, slot);
            st.table.node_mut(slot).meta.flags = 0;
            self.lists.push_head(&mut st.table, slot, R);
            self.demote_r(st, 0);
        }
        let freq = self.lfu.count(&st.table.nodes, slot) + 1;
        self.lfu.move_to(&mut st.table.nodes, slot, freq);
    }
}

impl resident::TablePolicy for CacheusState {
    type Meta = Meta;

    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        // libCacheSim updates the learning rate after the request that completes an interval;
        // doing it before the next one keeps the same order of random draws.
        if self.requests > 0 && self.requests.is_multiple_of(st.tally.capacity().max(1)) {
            self.update_lr(st);
        }
        self.requests += 1;
        if let Some(s) = st.table.find(req.key) {
            let node = st.table.node(s);
            if node.meta.list == H {
                // A miss, remembered: `insert` brings it back.
            } else if node.expire != 0 && req.time >= node.expire {
                let size = self.send_to_history(st, s);
                st.tally.expired(size);
            } else {
                self.promote(st, s);
                self.hits += 1;
                return true;
            }
        }
        self.regret(req.key);
        false
    }

    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        let size = req.size;
        if size > st.tally.capacity() {
            return;
        }
        while st.tally.over(size) {
            self.evict_one(st);
        }
        let hist = st.table.find(req.key);
        debug_assert!(hist.is_none_or(|s| st.table.node(s).meta.list == H));
        // Checked only now, after evicting, as libCacheSim does.
        let limit = if hist.is_some() { self.r_size } else { self.sr_size };
        if size as i64 > limit {
            return;
        }
        let (s, freq) = match hist {
            Some(s) => {
                // Back from H: resume the LFU count, go to R's head (demoting R's overflow).
                self.lists.unlink(&mut st.table, s);
                let n = st.table.node_mut(s);
                let freq = n.meta.left_freq + 1;
                n.expire = req.expiry();
                // The object may have changed size since it left.
                n.size = req.size;
                let was_new = n.meta.flags & NEW != 0;
                n.meta.flags = 0;
                self.demote_r(st, size);
                self.lists.push_head(&mut st.table, s, R);
                st.tally.added(size);
                if was_new {
                    self.grow_sr(st);
                }
                (s, freq)
            }
            None => {
                let meta = Meta {
                    flags: NEW,
                    ..Meta::default()
                };
                let s = st.table.insert(req.key, req.size, req.expiry(), meta);
                self.lists.push_head(&mut st.table, s, SR);
                st.tally.added(size);
                (s, 1)
            }
        };
        self.lfu.push_at(&mut st.table.nodes, s, freq);
        // SR over its size: its tail objects leave for H, consulting no expert.
        while self.lists.bytes(SR) as i64 > self.sr_size {
            let t = self.lists.tail(SR);
            let key = st.table.node(t).key;
            let size = self.send_to_history(st, t);
            st.tally.evicted(key, size);
        }
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        match st.table.find(key) {
            Some(s) if st.table.node(s).meta.list != H => {
                let size = self.send_to_history(st, s);
                st.tally.removed(size);
                true
            }
            _ => false,
        }
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table.find(key).is_some_and(|s| st.table.node(s).meta.list != H)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn keys(c: &Cacheus, id: Id) -> Vec<u64> {
        c.policy().lists.keys(&c.store().table, id)
    }

    fn ghost_keys(c: &Cacheus, g: Expert) -> Vec<u64> {
        c.policy().ghost_lists[g as usize]
            .iter(&c.policy().ghosts.nodes)
            .map(|s| c.policy().ghosts.node(s).key)
            .collect()
    }

    fn freq(c: &Cacheus, key: u64) -> u64 {
        let s = c.store().table.find(key).unwrap();
        let n = c.store().table.node(s);
        if n.meta.list == H {
            n.meta.left_freq
        } else {
            c.policy().lfu.count(&c.store().table.nodes, s)
        }
    }

    #[test]
    fn new_objects_wait_in_sr_and_its_overflow_leaves_for_history() {
        // C = 4: SR and R hold 2 each, H < 4. No eviction below consults an expert.
        let mut c = Cacheus::new(4, 1);
        // 1 misses into SR and its hit moves it to R. 2 and 3 enter SR.
        assert_eq!(pattern(&mut c, &[1, 1, 2, 3]), "mHmm");
        assert_eq!(keys(&c, R), vec![1]);
        assert_eq!(keys(&c, SR), vec![3, 2]);
        // 4 fits the cache (3 + 1 = C) but SR would hold 3 > 2: its tail 2 leaves for H at once,
        // so a scan of new objects cannot push 1 out of R.
        assert_eq!(pattern(&mut c, &[4]), "m");
        assert_eq!(keys(&c, SR), vec![4, 3]);
        assert_eq!(keys(&c, H), vec![2]);
        assert!(!c.contains(2), "history entries are not cached");
        assert_eq!(c.counters().evictions, 1);
        assert_eq!((c.used(), c.len()), (3, 3));
        assert!(ghost_keys(&c, G_LRU).is_empty() && ghost_keys(&c, G_LFU).is_empty());
    }

    #[test]
    fn a_new_object_back_from_history_goes_to_r_resumes_its_count_and_grows_sr() {
        let mut c = Cacheus::new(4, 1);
        // As above: R = [1], SR = [4 3], H = [2] (left SR as a new object: C_new = 1).
        pattern(&mut c, &[1, 1, 2, 3, 4]);
        assert_eq!(c.policy().c_new, 1);
        // 2 misses; 3 + 1 = C so nothing is evicted; found in H it goes to R's head with the
        // count it left with (1) plus one. It was new, so SR grows by max(1, 0/1 + 0.5) = 1 to 3
        // (below the 4 cached bytes minus one, so not clamped) and R shrinks to C - 3 = 1.
        assert_eq!(pattern(&mut c, &[2]), "m");
        assert_eq!(keys(&c, R), vec![2, 1]);
        assert_eq!(freq(&c, 2), 2);
        assert_eq!((c.policy().sr_size, c.policy().r_size), (3, 1));
        // R (2) is over its new size but is only trimmed by the next promotion: 3 hits in SR,
        // moves to R = [3 2 1], and R's tails 1 and 2 are demoted to SR's head, flagged.
        assert_eq!(pattern(&mut c, &[3]), "H");
        assert_eq!(keys(&c, R), vec![3]);
        assert_eq!(keys(&c, SR), vec![2, 1, 4]);
        assert_eq!(c.policy().c_demoted, 2);
        assert_eq!(
            c.store().table.node(c.store().table.find(1).unwrap()).meta.flags,
            DEMOTED
        );
    }

    /// C = 4 with R = [2 1] (counts 2) and SR = [4 3] (counts 1): full.
    fn full_cache(w_lru: f64) -> Cacheus {
        let mut c = Cacheus::new(4, 3);
        assert_eq!(pattern(&mut c, &[1, 1, 2, 2, 3, 4]), "mHmHmm");
        c.policy_mut().w_lru = w_lru;
        c.policy_mut().w_lfu = 1.0 - w_lru;
        c
    }

    #[test]
    fn the_drawn_expert_picks_the_victim_and_remembers_it_in_its_ghost_list() {
        // SR-LRU's victim is SR's tail, 3. CR-LFU's is the newest object of the lowest count,
        // 4 (MRU among the least frequent: churn resistance). The draw r is in [0, 0.99]:
        // w_lru = 1 always picks SR-LRU, w_lru = 0 always CR-LFU.
        for (w_lru, gone, kept, ghost, other) in [(1.0, 3, 4, G_LRU, G_LFU), (0.0, 4, 3, G_LFU, G_LRU)] {
            let mut c = full_cache(w_lru);
            assert_eq!(pattern(&mut c, &[5]), "m");
            assert!(!c.contains(gone) && c.contains(kept) && c.contains(5), "w_lru {w_lru}");
            assert_eq!(ghost_keys(&c, ghost), vec![gone]);
            assert_eq!(ghost_keys(&c, other), Vec::<u64>::new());
            // The victim also went to SR-LRU's history, keeping its count.
            assert_eq!(keys(&c, H), vec![gone]);
            assert_eq!(freq(&c, gone), 1);
        }
    }

    #[test]
    fn a_ghost_hit_is_a_regret_for_the_expert_that_evicted_it() {
        let mut c = full_cache(1.0);
        pattern(&mut c, &[5]); // 3 evicted on SR-LRU's advice, now in its ghost list
        c.policy_mut().w_lru = 0.5;
        c.policy_mut().w_lfu = 0.5;
        let lr = c.policy().lr;
        // 3 misses: found in SR-LRU's ghost list, w_lru = 0.5 e^-lr / (0.5 e^-lr + 0.5).
        assert!(!c.get(&Request::get(3, 1)));
        let expect = 0.5 * (-lr).exp() / (0.5 * (-lr).exp() + 0.5);
        assert_eq!(c.policy().w_lru, expect);
        assert_eq!(c.policy().w_lfu, 1.0 - expect);
        assert!(c.policy().w_lru < 0.5);
        assert!(ghost_keys(&c, G_LRU).is_empty(), "a regret is counted once");
        // A miss in no ghost list only renormalises.
        assert!(!c.get(&Request::get(99, 1)));
        assert_eq!(c.policy().w_lru, expect / (expect + (1.0 - expect)));
    }

    #[test]
    fn when_both_experts_agree_no_ghost_is_kept() {
        // C = 10 bytes: SR and R 5 each. 1 (4 bytes) then 2 (4 bytes): SR holds 8 > 5, so 1
        // leaves for H. 3 (8 bytes) needs room: the only object, 2, is both experts' victim, so
        // it goes to H and to no ghost list. 3 is then larger than SR (5) and is refused, as
        // libCacheSim refuses it only after evicting.
        let mut c = Cacheus::new(10, 1);
        for (k, size) in [(1, 4), (2, 4), (3, 8)] {
            assert!(!c.access(&Request::get(k, size)));
        }
        assert_eq!(c.len(), 0);
        assert_eq!(keys(&c, H), vec![2, 1]);
        assert!(ghost_keys(&c, G_LRU).is_empty() && ghost_keys(&c, G_LFU).is_empty());
        assert_eq!(c.counters().evictions, 2);
        // Larger than the whole cache: refused before any eviction.
        assert!(!c.access(&Request::get(4, 11)));
        assert_eq!(c.counters().evictions, 2);
    }

    #[test]
    fn an_object_back_from_history_takes_its_new_size() {
        // Regression (found by tests/it/properties.rs): the H entry kept its old size, so `used()`
        // could exceed the capacity. C = 10: 1 (4 bytes) is pushed out of SR into H by 2 (4 bytes);
        // 1 comes back with 2 bytes: 4 + 2 fit without evicting, and 6 bytes are cached.
        let mut c = Cacheus::new(10, 1);
        for (k, size) in [(1, 4), (2, 4), (1, 2)] {
            assert!(!c.access(&Request::get(k, size)));
        }
        assert_eq!(keys(&c, R), vec![1]);
        assert_eq!(c.used(), 6);
    }

    #[test]
    fn learning_rate_climbs_down_while_the_hit_rate_is_flat() {
        // Every C = 2 requests the learning rate moves by -|lr·Δlr| (the hit rate, counted in
        // whole intervals, stays 0, so Δh/Δlr is never positive).
        let mut c = Cacheus::new(2, 9);
        let lr0 = c.policy().lr;
        assert!((0.001..1.001).contains(&lr0));
        pattern(&mut c, &[1, 2, 3]); // the update runs before the 3rd request
        let lr1 = lr0 - lr0 * lr0;
        let lr1 = if lr1 > 0.001 { lr1 } else { 0.0001 };
        assert_eq!(c.policy().lr, lr1);
        pattern(&mut c, &[4, 5]);
        let lr2 = lr1 - (lr1 * (lr1 - lr0)).abs();
        assert_eq!(c.policy().lr, if lr2 > 0.001 { lr2 } else { 0.0001 });
        // Once it stops moving (floored), flat intervals only count towards a redraw.
        c.policy_mut().lr = 0.0001;
        c.policy_mut().lr_prev = 0.0001;
        let (state, st) = c.parts_mut();
        state.update_lr(st);
        assert_eq!((c.policy().lr, c.policy().unlearn), (0.0001, 1));
    }

    #[test]
    fn delete_and_expiry_send_the_object_send_to_history() {
        let mut c = build("cacheus", 4);
        pattern(&mut *c, &[1, 1]);
        assert!(c.remove(1));
        assert!(!c.contains(1) && c.is_empty());
        assert!(!c.remove(1), "history entries are not cached");
        let mut r = Request::get(2, 1);
        r.ttl = 100;
        assert!(!c.access(&r));
        r.time = 100;
        assert!(!c.access(&r), "expired at insert time + ttl");
        assert_eq!(c.counters().expirations, 1);
        assert!(c.contains(2));
    }

    #[test]
    fn same_seed_same_result_and_the_draws_matter() {
        let mut rng = SmallRng::seed_from_u64(4);
        let keys: Vec<u64> = (0..20_000).map(|_| rng.random_range(0..400u64)).collect();
        let misses = |seed| {
            let mut c = Cacheus::new(50, seed);
            pattern(&mut c, &keys).matches('m').count()
        };
        assert_eq!(misses(1), misses(1));
        let distinct: std::collections::HashSet<usize> = (0..8).map(misses).collect();
        assert!(distinct.len() > 1, "the expert draws change the outcome");
    }
}
