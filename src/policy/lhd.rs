//! LHD, Least Hit Density: evict the sampled object expected to earn the fewest hits per byte and
//! per unit of time it will still occupy the cache.
//!
//! Beckmann, Chen & Cidon, "LHD: Improving Cache Hit Rate by Maximizing Hit Density", NSDI 2018.
//! Objects are grouped into classes by the sum of their last two hit ages; for every class and
//! (coarsened) age the policy counts hits and evictions, and every 2^20 accesses it turns these
//! counts, decayed by an EWMA, into a hit density per age: hits expected from that age on, divided
//! by the expected remaining lifetime. An object's rank is the density of its class at its age
//! divided by its size; the lowest-ranked of the sampled candidates is evicted.
//!
//! This follows libCacheSim 0.3.5, which wraps the authors' simulator code (`LHD/lhd.cpp`):
//! - time is the number of accesses (hits and insertions, not misses that insert nothing); an
//!   object's age is the time since its last access shifted right by 10 bits, re-tuned from the
//!   number of cached objects at the 6th and 26th reconfigurations, and capped at 20,000 (an
//!   object that old ranks lowest of all);
//! - 16 hit-age classes (one application: libCacheSim gives every request app id 1, so only the 16
//!   classes of app 1 exist here); a new object is in class 0 (last hit ages 0 and 20,000);
//! - before the first reconfiguration densities are "GDSF-like", (class id + 1) / (age + 1) with
//!   class ids 16..31, so on short traces LHD is a frequency-and-recency-by-size heuristic;
//! - each eviction samples `samples` = 32 objects uniformly with replacement, but only 8 until more
//!   than 50 reconfigurations (53 M accesses) have passed, plus the last `admissions` = 8 inserted
//!   objects that looked worse than the running average victim (EWMA 0.9 of victim ranks);
//! - "explorers": on every access an object becomes, with probability 1/32, an explorer whose rank
//!   is raised by 1 (so it is practically never evicted) while explorers take less than 1% of the
//!   capacity and fewer than 50 reconfigurations have passed;
//! - ranks and statistics are single-precision floats, as there.
//!
//! Differences: random draws come from a seeded `SmallRng`, not libCacheSim's generator, so miss
//! counts agree only statistically (libCacheSim itself varies by tens of misses between runs). A
//! removed or expired object returns its explorer allowance (libCacheSim's `LHD_remove` keeps it,
//! and libCacheSim's LHD refuses TTLs altogether); a hit does not change the recorded size.

use super::core::resident::{Ordering, Resident, Store};
use super::core::table::{Table, NIL};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lhd",
    aliases: &["least-hit-density"],
    summary: "Least Hit Density (Beckmann et al., NSDI 2018): of sampled objects, evict the one with \
              the lowest modelled hits per byte-lifetime (the authors' code, as in libCacheSim).",
    params: &[
        ParamInfo {
            name: "samples",
            default: "32",
            help: "objects sampled per eviction once more than 50 reconfigurations have passed, 8 \
                   before (libCacheSim associativity = 32), at least 1",
        },
        ParamInfo {
            name: "admissions",
            default: "8",
            help: "recently inserted low-density objects also considered at every eviction \
                   (libCacheSim admission = 8), at least 1",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let samples = p.get("samples", ("an integer of at least 1", |v: &u32| *v >= 1))?;
    let admissions = p.get(
        "admissions",
        ("an integer from 1 to 65536", |v: &usize| (1..=65536).contains(v)),
    )?;
    Ok(Box::new(Lhd::new(ctx.capacity, ctx.seed, samples, admissions)))
}

/// Hit-age classes (`HIT_AGE_CLASSES`).
const CLASSES: usize = 16;
/// The application id every request has in libCacheSim (`DEFAULT_APP_ID`), which offsets class ids.
const APP: usize = 1;
/// Ages are capped below this (`MAX_AGE`).
const MAX_AGE: u64 = 20_000;
/// Accesses between reconfigurations (`ACCS_PER_RECONFIGURATION`).
const ACCESSES_PER_RECONFIGURATION: u64 = 1 << 20;
/// Decay of the statistics at every reconfiguration, and of the victim-rank average.
const EWMA_DECAY: f32 = 0.9;
/// One access in this many makes an explorer (`EXPLORE_INVERSE_PROBABILITY`).
const EXPLORE_INVERSE_PROBABILITY: u32 = 32;
/// Share of the capacity explorers may hold.
const EXPLORER_BUDGET_FRACTION: f32 = 0.01;
/// Target share of objects whose age reaches `MAX_AGE` when choosing the age coarsening.
const AGE_COARSENING_ERROR_TOLERANCE: f32 = 0.01;
/// Candidates sampled while the model is young (50 reconfigurations or fewer).
const WARMUP_SAMPLES: u32 = 8;
/// Explorers are made, and `WARMUP_SAMPLES` used, until this many reconfigurations.
const WARMUP_RECONFIGURATIONS: u32 = 50;

/// Per-object state, kept in a dense array for sampling (libCacheSim's `Tag`).
#[derive(Clone, Copy, Debug)]
struct Tag {
    /// The object's slot in the table.
    slot: u32,
    /// Its size, as a float (the rank divides by it).
    size: f32,
    /// Access count at its last access.
    timestamp: u64,
    /// Coarsened age at its last hit (0 until the first).
    last_hit_age: u32,
    /// Coarsened age at the hit before (`MAX_AGE` until the second hit).
    last_last_hit_age: u32,
    /// Hit-age class, from the two ages above (cached: they change only on access).
    class: u8,
    /// Exempt from eviction (its rank is raised by 1).
    explorer: bool,
}

/// `hitAgeClass`: 15 for a sum of 0, else how many doublings bring it to `MAX_AGE` (at most 15).
fn hit_age_class(mut age: u64) -> u8 {
    if age == 0 {
        return (CLASSES - 1) as u8;
    }
    let mut log = 0;
    while age < MAX_AGE && log < CLASSES as u8 - 1 {
        age <<= 1;
        log += 1;
    }
    log
}

/// Decayed hit and eviction counts by age, and the hit densities derived from them, for one class.
struct Class {
    hits: Vec<f32>,
    evictions: Vec<f32>,
    densities: Vec<f32>,
}

/// The LHD cache.
pub type Lhd = Resident<LhdOrder>;

/// LHD's state: the objects' tags in a dense array for sampling (node meta: the position), and
/// the hit-density model.
pub struct LhdOrder {
    tags: Vec<Tag>,
    classes: Vec<Class>,
    samples: u32,
    /// Ring of (key, slot) of objects recently inserted with a rank below the average victim's.
    recently_admitted: Vec<(u64, u32)>,
    admitted_head: usize,
    ewma_victim_density: f32,
    /// Accesses so far (libCacheSim's `timestamp`).
    timestamp: u64,
    next_reconfiguration: u64,
    reconfigurations: u32,
    age_shift: u32,
    ewma_objects: f32,
    ewma_objects_mass: f32,
    explorer_budget: i64,
    rng: SmallRng,
}

impl Lhd {
    /// An empty cache: `samples` candidates per eviction (after warm-up), `admissions` recent
    /// insertions tracked, random draws seeded by `seed`.
    pub fn new(capacity: u64, seed: u64, samples: u32, admissions: usize) -> Self {
        let classes = (0..CLASSES)
            .map(|h| {
                // The initial "GDSF-like" model: (class id + 1) / (age + 1), computed in double.
                let c = (APP * CLASSES + h) as f64;
                Class {
                    hits: vec![0.0; MAX_AGE as usize],
                    evictions: vec![0.0; MAX_AGE as usize],
                    densities: (0..MAX_AGE).map(|a| ((c + 1.0) / (a as f64 + 1.0)) as f32).collect(),
                }
            })
            .collect();
        let order = LhdOrder {
            tags: Vec::new(),
            classes,
            samples,
            recently_admitted: vec![(0, NIL); admissions],
            admitted_head: 0,
            ewma_victim_density: 0.0,
            timestamp: 0,
            next_reconfiguration: ACCESSES_PER_RECONFIGURATION,
            reconfigurations: 0,
            age_shift: 10,
            ewma_objects: 0.0,
            ewma_objects_mass: 0.0,
            explorer_budget: (capacity as f32 * EXPLORER_BUDGET_FRACTION) as i64,
            rng: SmallRng::seed_from_u64(seed),
        };
        Resident::with_order(capacity, order)
    }
}

impl LhdOrder {
    /// Coarsened age of `tag` now, capped at `MAX_AGE - 1`.
    #[inline]
    fn age(&self, tag: &Tag) -> u64 {
        ((self.timestamp - tag.timestamp) >> self.age_shift).min(MAX_AGE - 1)
    }

    /// `getHitDensity`: the class density at the object's age over its size, +1 for explorers;
    /// the lowest rank of all at the age cap.
    #[inline]
    fn rank(&self, tag: &Tag) -> f32 {
        let age = self.age(tag);
        if age == MAX_AGE - 1 {
            return f32::MIN;
        }
        let mut d = self.classes[tag.class as usize].densities[age as usize] / tag.size;
        if tag.explorer {
            d += 1.0;
        }
        d
    }

    /// Where `key`, remembered in `slot`, now is in `tags`, if still cached. Usually the slot
    /// tells without a hash lookup: a live slot is one its tag points back to. A freed slot is in
    /// no tag and a reused one holds another key; then the key may still have been evicted and
    /// inserted again elsewhere, so the index is asked.
    #[inline]
    fn position(&self, t: &Table<u32>, key: u64, slot: u32) -> Option<usize> {
        if slot == NIL {
            return None;
        }
        let node = t.node(slot);
        let pos = node.meta as usize;
        if node.key == key && pos < self.tags.len() && self.tags[pos].slot == slot {
            return Some(pos);
        }
        t.find(key).map(|s| t.node(s).meta as usize)
    }

    /// `LHD::rank`: the position in `tags` of the lowest-ranked candidate.
    fn pick(&mut self, t: &Table<u32>) -> usize {
        let n = self.tags.len();
        let candidates = if self.reconfigurations > WARMUP_RECONFIGURATIONS {
            self.samples
        } else {
            WARMUP_SAMPLES
        };
        let (mut victim, mut best) = (usize::MAX, f32::MAX);
        for _ in 0..candidates {
            let i = self.rng.random_range(0..n);
            let r = self.rank(&self.tags[i]);
            if r < best {
                (victim, best) = (i, r);
            }
        }
        for &(key, slot) in &self.recently_admitted {
            let Some(i) = self.position(t, key, slot) else {
                continue;
            };
            let r = self.rank(&self.tags[i]);
            if r < best {
                (victim, best) = (i, r);
            }
        }
        if victim == usize::MAX {
            // Only when every rank is NaN, which sizes of at least 1 rule out.
            victim = 0;
        }
        self.ewma_victim_density = EWMA_DECAY * self.ewma_victim_density + (1.0 - EWMA_DECAY) * best;
        victim
    }

    /// `LHD::update` for the object at `pos`, after a hit (`inserted` false) or an insertion.
    fn update(&mut self, t: &Table<u32>, pos: usize, inserted: bool) {
        let mut tag = self.tags[pos];
        if !inserted {
            let age = self.age(&tag);
            self.classes[tag.class as usize].hits[age as usize] += 1.0;
            if tag.explorer {
                self.explorer_budget += tag.size as i64;
            }
            tag.last_last_hit_age = tag.last_hit_age;
            tag.last_hit_age = age as u32;
            tag.class = hit_age_class(tag.last_hit_age as u64 + tag.last_last_hit_age as u64);
        }
        tag.timestamp = self.timestamp;
        let explore = self.rng.random_range(0..EXPLORE_INVERSE_PROBABILITY) == 0;
        tag.explorer = explore && self.explorer_budget > 0 && self.reconfigurations < WARMUP_RECONFIGURATIONS;
        if tag.explorer {
            self.explorer_budget -= tag.size as i64;
        }
        self.tags[pos] = tag;
        if inserted && !explore && self.rank(&tag) < self.ewma_victim_density {
            let ring = self.recently_admitted.len();
            self.recently_admitted[self.admitted_head % ring] = (t.node(tag.slot).key, tag.slot);
            self.admitted_head = (self.admitted_head + 1) % ring;
        }
        self.timestamp += 1;
        self.next_reconfiguration -= 1;
        if self.next_reconfiguration == 0 {
            self.reconfigure();
            self.next_reconfiguration = ACCESSES_PER_RECONFIGURATION;
            self.reconfigurations += 1;
        }
    }

    /// Takes the object at `slot` out of `tags`; `evicted` records the eviction in its class's
    /// statistics.
    fn detach(&mut self, t: &mut Table<u32>, slot: u32, evicted: bool) {
        let pos = t.node(slot).meta as usize;
        let tag = self.tags[pos];
        if evicted {
            let age = self.age(&tag);
            self.classes[tag.class as usize].evictions[age as usize] += 1.0;
        }
        if tag.explorer {
            self.explorer_budget += tag.size as i64;
        }
        self.tags.swap_remove(pos);
        if pos < self.tags.len() {
            let moved = self.tags[pos].slot;
            t.node_mut(moved).meta = pos as u32;
        }
    }

    /// Every 2^20 accesses: decay the statistics, maybe re-tune the age coarsening, and recompute
    /// the densities.
    fn reconfigure(&mut self) {
        for cl in &mut self.classes {
            for v in cl.hits.iter_mut().chain(cl.evictions.iter_mut()) {
                *v *= EWMA_DECAY;
            }
        }
        self.adapt_age_coarsening();
        for cl in &mut self.classes {
            model_hit_density(cl);
        }
    }

    /// `adaptAgeCoarsening`: track the number of cached objects, and at the 6th and 26th
    /// reconfigurations choose the shift that keeps ages of about numObjects / 200 per step,
    /// rescaling the statistics to the new unit.
    fn adapt_age_coarsening(&mut self) {
        self.ewma_objects *= EWMA_DECAY;
        self.ewma_objects_mass *= EWMA_DECAY;
        self.ewma_objects += self.tags.len() as f32;
        self.ewma_objects_mass += 1.0;
        let objects = self.ewma_objects / self.ewma_objects_mass;
        let optimal = (objects as f64 / (AGE_COARSENING_ERROR_TOLERANCE * MAX_AGE as f32) as f64) as f32;
        if self.reconfigurations != 5 && self.reconfigurations != 25 {
            return;
        }
        let mut log2 = 1u32;
        while ((1u64 << log2) as f32) < optimal {
            log2 += 1;
        }
        let delta = log2 as i32 - self.age_shift as i32;
        self.age_shift = log2;
        self.ewma_objects *= 8.0;
        self.ewma_objects_mass *= 8.0;
        for cl in &mut self.classes {
            rescale(&mut cl.hits, delta);
            rescale(&mut cl.evictions, delta);
        }
    }
}

/// Re-bins per-age counts after the age unit changed by 2^delta (positive: coarser).
fn rescale(v: &mut [f32], delta: i32) {
    let m = v.len();
    if delta < 0 {
        // Stretch: counts beyond the new range pile into the last bucket, the rest spread out.
        let k = (-delta) as u32;
        for a in (m >> k)..m - 1 {
            v[m - 1] += v[a];
        }
        for a in (0..m - 1).rev() {
            v[a] = v[a >> k] / (1u32 << k) as f32;
        }
    } else if delta > 0 {
        // Compress: merge 2^delta buckets into one.
        let k = delta as u32;
        for a in 0..(m >> k) {
            let mut s = v[a << k];
            for i in 1..(1usize << k) {
                s += v[(a << k) + i];
            }
            v[a] = s;
        }
        for x in &mut v[(m >> k)..m - 1] {
            *x = 0.0;
        }
    }
}

/// `modelHitDensity`: from the oldest age down, density(a) = hits at ages >= a divided by the sum
/// over ages >= a of the events at or beyond each (the expected remaining lifetime).
fn model_hit_density(cl: &mut Class) {
    let m = MAX_AGE as usize;
    let mut events = cl.hits[m - 1] + cl.evictions[m - 1];
    let mut hits = cl.hits[m - 1];
    let mut lifetime = events;
    for a in (0..m - 1).rev() {
        hits += cl.hits[a];
        events += cl.hits[a] + cl.evictions[a];
        lifetime += events;
        cl.densities[a] = if events as f64 > 1e-5 { hits / lifetime } else { 0.0 };
    }
}

impl Ordering for LhdOrder {
    type Meta = u32;

    #[inline]
    fn hit(&mut self, s: &mut Store<u32>, slot: u32, _: &Request) {
        let pos = s.table.node(slot).meta as usize;
        self.update(&s.table, pos, false);
    }

    fn admit(&mut self, s: &mut Store<u32>, slot: u32, req: &Request) {
        let pos = self.tags.len();
        s.table.node_mut(slot).meta = pos as u32;
        self.tags.push(Tag {
            slot,
            size: req.size as f32,
            timestamp: self.timestamp,
            last_hit_age: 0,
            last_last_hit_age: MAX_AGE as u32,
            class: hit_age_class(MAX_AGE),
            explorer: false,
        });
        self.update(&s.table, pos, true);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<u32>, slot: u32) {
        self.detach(&mut s.table, slot, false);
    }

    fn victim(&mut self, s: &mut Store<u32>, _: &Request) -> u32 {
        let pos = self.pick(&s.table);
        self.tags[pos].slot
    }

    /// As the default, but the eviction enters the victim's class statistics.
    fn evict(&mut self, s: &mut Store<u32>, req: &Request) {
        let v = self.victim(s, req);
        self.detach(&mut s.table, v, true);
        s.evict(v);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::pattern;
    use super::*;
    use crate::policy::PolicySpec;

    fn sized(key: u64, size: u64) -> Request {
        Request::get(key, size)
    }

    #[test]
    fn hit_age_classes() {
        // Doublings needed to reach 20,000, at most 15; a sum of 0 (two immediate re-hits) is 15.
        for (sum, class) in [
            (0, 15),
            (1, 15),
            (2, 14),
            (4, 13),
            (9_999, 2),
            (10_000, 1),
            (19_999, 1),
            (20_000, 0),
        ] {
            assert_eq!(hit_age_class(sum), class, "sum {sum}");
        }
    }

    #[test]
    fn initial_model_prefers_reused_objects() {
        // Objects, capacity 3 (explorer budget 3 * 0.01 rounds to 0: no explorers). Fewer than
        // 1024 accesses, so every age is 0 and a rank is (class id + 1) / 1: a new object is in
        // class 0 (id 16, rank 17); an object hit at age 0 has hit ages 0 + 0, class 15 (rank 32).
        // 1 2 3 fill, 1 and 3 hit, 4 must evict 2 (the only rank 17) unless all 8 samples miss
        // it, chance (2/3)^8 = 4%. Over 64 seeds the kept objects are 1 and 3 nearly always;
        // LRU evicts 2 as well, so then 5 (after 4) distinguishes: LHD evicts 4 (rank 17),
        // LRU evicts 1.
        let keys = [1, 2, 3, 1, 3, 4, 5];
        let mut kept = 0;
        for seed in 0..64 {
            let spec = PolicySpec::parse("lhd").unwrap();
            let mut p = spec.build(&BuildCtx { capacity: 3, seed }).unwrap();
            assert_eq!(pattern(&mut *p, &keys), "mmmHHmm");
            kept += (p.contains(1) && p.contains(3) && p.contains(5)) as u32;
        }
        assert!(kept >= 55, "1 and 3 kept in {kept} of 64 runs");
        let mut lru = super::super::testkit::build("lru", 3);
        pattern(&mut *lru, &keys);
        assert!(!lru.contains(1) && lru.contains(4));
    }

    #[test]
    fn rank_divides_by_size() {
        // Bytes, capacity 99 (explorer budget 0.99 rounds to 0). B (30 bytes) then A (60): no
        // hits, ages 0, ranks 17/30 and 17/60. C (10 bytes) must evict: A, the larger, has the
        // lower density and goes unless all 8 samples draw B (1/256). LRU would evict B.
        let mut evicted_a = 0;
        for seed in 0..64 {
            let spec = PolicySpec::parse("lhd").unwrap();
            let mut p = spec.build(&BuildCtx { capacity: 99, seed }).unwrap();
            for r in [sized(2, 30), sized(1, 60), sized(3, 10)] {
                assert!(!p.access(&r));
            }
            evicted_a += (!p.contains(1) && p.contains(2) && p.contains(3)) as u32;
            assert!(p.used() <= 99);
        }
        assert!(evicted_a >= 62, "A evicted in {evicted_a} of 64 runs");
    }

    #[test]
    fn explorers_and_old_objects() {
        let mut p = Lhd::new(1000, 7, 32, 8);
        p.insert(&sized(1, 10));
        let mut tag = p.order().tags[0];
        tag.explorer = false;
        tag.timestamp = p.order().timestamp;
        // Age 0, class 0 (id 16): 17 / 10.
        assert_eq!(p.order().rank(&tag), 17.0 / 10.0);
        tag.explorer = true;
        assert_eq!(p.order().rank(&tag), 17.0 / 10.0 + 1.0);
        // 3 * 1024 accesses later: age 3, density 17 / 4.
        p.order_mut().timestamp += 3 << 10;
        tag.explorer = false;
        assert_eq!(p.order().rank(&tag), (17.0f64 / 4.0) as f32 / 10.0);
        // At the age cap (20,000 << 10 accesses) an object ranks below everything, explorers too.
        p.order_mut().timestamp = tag.timestamp + (MAX_AGE << 10);
        tag.explorer = true;
        assert_eq!(p.order().rank(&tag), f32::MIN);
    }

    #[test]
    fn hit_density_from_hits_and_evictions() {
        // One hit at age 2 and one eviction at age 5. From age 0 the object either is hit at 2
        // (lifetime 3) or evicted at 5 (lifetime 6): 1 hit over 9 age units, 1/9. From age 1:
        // 1 / (2 + 5) = 1/7; from 2: 1 / (1 + 4) = 1/5; from 3 on only the eviction is left: 0.
        let m = MAX_AGE as usize;
        let mut cl = Class {
            hits: vec![0.0; m],
            evictions: vec![0.0; m],
            densities: vec![9.0; m],
        };
        cl.hits[2] = 1.0;
        cl.evictions[5] = 1.0;
        model_hit_density(&mut cl);
        assert_eq!(&cl.densities[..7], &[1.0 / 9.0, 1.0 / 7.0, 0.2, 0.0, 0.0, 0.0, 0.0]);
        // The oldest bucket is never remodelled (its objects rank lowest regardless).
        assert_eq!(cl.densities[m - 1], 9.0);
    }

    #[test]
    fn rescaling_counts() {
        // Coarser by 2: buckets pair up; the upper half empties, except the last bucket.
        let mut v: Vec<f32> = (0..8).map(|i| i as f32).collect();
        rescale(&mut v, 1);
        assert_eq!(v, [1.0, 5.0, 9.0, 13.0, 0.0, 0.0, 0.0, 7.0]);
        // Finer by 2: buckets 4..6 move into the last; each bucket spreads over two, halved.
        let mut v: Vec<f32> = (0..8).map(|i| i as f32).collect();
        rescale(&mut v, -1);
        assert_eq!(v, [0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 1.5, 22.0]);
    }

    #[test]
    fn reconfiguration_learns_the_reuse_age() {
        // 3,000 objects in a loop, a cache of 4,000: after the first round every access is a hit
        // 3,000 accesses after the last, age 3000 >> 10 = 2. A first hit is in class 0 (ages
        // 0 + 20,000); later ones in class 14 (0 + 2), then class 13 (2 + 2) for good. No
        // evictions, so class 13's density after the first reconfiguration (at 2^20 accesses) is
        // hits from age a on over the lifetime left: 1/3 at 0, 1/2 at 1, 1 at 2, 0 after.
        let mut p = Lhd::new(4000, 7, 32, 8);
        let n = ACCESSES_PER_RECONFIGURATION;
        for i in 0..n {
            let r = Request::get(i % 3000, 1);
            if !p.get(&r) {
                p.insert(&r);
            }
            assert_eq!(p.order().reconfigurations, (i + 1 == n) as u32);
        }
        assert_eq!(p.counters().evictions, 0);
        let d = &p.order().classes[13].densities;
        let close = |x: f32, y: f32| (x - y).abs() < 1e-6;
        assert!(
            close(d[0], 1.0 / 3.0) && close(d[1], 0.5) && close(d[2], 1.0),
            "{:?}",
            &d[..4]
        );
        assert!(d[3..MAX_AGE as usize - 1].iter().all(|&x| x == 0.0));
        // Statistics decayed by 0.9: class 0 saw one first hit per object.
        assert!(close(p.order().classes[0].hits[2], 3000.0 * 0.9));
        // An object idle past age 2 now ranks 0 (no hits expected), below a new object's 1/3.
        let mut idle = p.order().tags[0];
        idle.class = 13;
        idle.timestamp = p.order().timestamp - (3 << 10);
        idle.explorer = false;
        assert_eq!(p.order().rank(&idle), 0.0);
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            "lhd:samples=0",
            "lhd:admissions=0",
            "lhd:samples=x",
            "lhd:admissions=-2",
        ] {
            assert!(PolicySpec::parse(bad).is_err(), "{bad}");
        }
    }
}
