//! `adaptsize`: AdaptSize (Berger, Sitaraman, Harchol-Balter, NSDI 2017). A missed object of size
//! `s` is admitted with probability `exp(-s / c)`; every `reconf_interval` lookups, `c` is tuned
//! to the value that maximizes the hit ratio predicted by the paper's Markov model of an LRU cache
//! under that admission, over request rates kept as an exponentially weighted moving average.
//!
//! As libCacheSim (PyPI 0.3.5, `cache/admission/adaptsize/`), the reference this is checked
//! against: every lookup updates the statistics (before the admission decision of a miss); the
//! first tuning waits for `reconf_interval` lookups and then for the objects seen to total more
//! than three times the capacity (checked again every 1000 lookups); each tuning decays the
//! long-term request counts by 0.3, adds 0.7 of this interval's, forgets objects whose count fell
//! below 0.1, evaluates the model at log2 c = 2, 6, 10, ... below log2 of the capacity, then
//! refines the best by golden-section search (at most `max_iteration` steps). `c` starts at 2^15.
//! The admission draws come from our seeded generator, so counts agree with libCacheSim's within
//! its own run-to-run spread, not request by request.

use super::{Admission, AdmissionInfo, BuildCtx, Params};
use crate::model::request::Request;
use crate::policy::{ParamInfo, Policy};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;

/// Registry entry.
pub const INFO: AdmissionInfo = AdmissionInfo {
    name: "adaptsize",
    aliases: &["adapt-size"],
    summary: "AdaptSize (NSDI 2017): admit with probability exp(-size/c), c tuned by its Markov model of the cache.",
    params: &[
        ParamInfo {
            name: "reconf_interval",
            default: "30000",
            help: "lookups between tunings of c, at least 1",
        },
        ParamInfo {
            name: "max_iteration",
            default: "15",
            help: "golden-section steps per tuning, 0 to 1000",
        },
    ],
    build,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Admission>, String> {
    let interval: u64 = p.get("reconf_interval", ("an integer of at least 1", |v: &u64| *v >= 1))?;
    let iterations: u64 = p.get("max_iteration", ("an integer from 0 to 1000", |v: &u64| *v <= 1000))?;
    Ok(Box::new(AdaptSize::new(ctx.capacity, interval, iterations, ctx.seed)))
}

/// Decay of the long-term request counts at each tuning.
const EWMA_DECAY: f64 = 0.3;
/// The golden ratio's conjugate, and its complement.
const GSS_R: f64 = 0.618_033_99;
const GSS_V: f64 = 1.0 - GSS_R;
/// Relative tolerance of the golden-section search.
const TOL: f64 = 3.0e-8;

/// Requests seen (a count, or its moving average) and the last size of one object.
#[derive(Clone, Copy, Default)]
struct Seen {
    times: f64,
    size: u64,
}

/// AdaptSize's state.
pub struct AdaptSize {
    capacity: u64,
    interval: u64,
    max_iteration: u64,
    next_reconf: u64,
    /// Bytes of the distinct objects in the statistics (libCacheSim's wrapping arithmetic).
    stat_size: u64,
    /// The current c.
    c: f64,
    this_interval: FxHashMap<u64, Seen>,
    long_term: FxHashMap<u64, Seen>,
    rng: SmallRng,
}

impl AdaptSize {
    /// An AdaptSize in front of a cache of `capacity`, tuning every `interval` lookups.
    pub fn new(capacity: u64, interval: u64, max_iteration: u64, seed: u64) -> Self {
        AdaptSize {
            capacity,
            interval,
            max_iteration,
            next_reconf: interval,
            stat_size: 0,
            c: (1u64 << 15) as f64,
            this_interval: FxHashMap::default(),
            long_term: FxHashMap::default(),
            rng: SmallRng::seed_from_u64(seed ^ 0x6164_6170_7473_697a),
        }
    }

    /// The current c.
    pub fn c(&self) -> f64 {
        self.c
    }

    /// Every `interval` lookups, once the statistics cover more than three capacities: decay
    /// the long-term counts, fold this interval's in, and tune c.
    fn maybe_tune(&mut self) {
        self.next_reconf -= 1;
        if self.next_reconf > 0 {
            return;
        }
        if self.stat_size <= self.capacity.wrapping_mul(3) {
            self.next_reconf += 1000;
            return;
        }
        self.next_reconf = self.interval;
        for s in self.long_term.values_mut() {
            s.times *= EWMA_DECAY;
        }
        for (k, s) in self.this_interval.drain() {
            match self.long_term.get_mut(&k) {
                None => {
                    self.long_term.insert(k, s);
                }
                Some(l) => {
                    l.times += (1.0 - EWMA_DECAY) * s.times;
                    l.size = s.size;
                }
            }
        }
        let mut objects = Vec::with_capacity(self.long_term.len());
        let stat = &mut self.stat_size;
        self.long_term.retain(|_, s| {
            if s.times < 0.1 {
                *stat = stat.wrapping_sub(s.size);
                false
            } else {
                objects.push((s.times, s.size as f64));
                true
            }
        });
        if let Some(c) = best_c(&objects, self.capacity as f64, self.max_iteration) {
            self.c = c;
        }
    }
}

impl Admission for AdaptSize {
    fn looked_up(&mut self, req: &Request, _: bool) {
        self.maybe_tune();
        let size = req.size;
        let (a, b) = (
            self.this_interval.get(&req.key).copied(),
            self.long_term.get(&req.key).copied(),
        );
        if a.is_none() && b.is_none() {
            self.stat_size = self.stat_size.wrapping_add(size);
        } else {
            for old in [a, b].into_iter().flatten() {
                if old.size != size {
                    self.stat_size = self.stat_size.wrapping_sub(old.size).wrapping_add(size);
                }
            }
        }
        let s = self.this_interval.entry(req.key).or_default();
        s.times += 1.0;
        s.size = size;
    }

    fn admit(&mut self, req: &Request, _: &dyn Policy) -> bool {
        let p = (-(req.size as f64) / self.c).exp();
        self.rng.random::<f64>() < p
    }
}

/// The c that maximizes [`model_hit_rate`] for `objects` (request rate, size) in a cache of
/// `capacity`: log2 c = 2, 6, 10, ... below log2 capacity, then golden-section refinement.
/// None when the model gives NaN (c is then left as it was).
pub fn best_c(objects: &[(f64, f64)], capacity: f64, max_iteration: u64) -> Option<f64> {
    let (mut x0, mut x1) = (0.0, capacity.log2());
    let mut x3 = x1;
    let mut best = 0.0;
    let mut i = 2.0;
    while i < x3 {
        let h = model_hit_rate(objects, capacity, i);
        if h > best {
            best = h;
            x1 = i;
        }
        i += 4.0;
    }
    let mut h1 = best;
    let (mut x2, mut h2);
    if x3 - x1 > x1 - x0 {
        x2 = x1 + GSS_V * (x3 - x1);
        h2 = model_hit_rate(objects, capacity, x2);
    } else {
        x2 = x1;
        h2 = h1;
        x1 = x0 + GSS_V * (x1 - x0);
        h1 = model_hit_rate(objects, capacity, x1);
    }
    let mut it = 0;
    while it < max_iteration && (x3 - x0).abs() > TOL * (x1.abs() + x2.abs()) {
        it += 1;
        if h1.is_nan() || h2.is_nan() {
            break;
        }
        if h2 > h1 {
            x0 = x1;
            x1 = x2;
            x2 = GSS_R * x1 + GSS_V * x3;
            h1 = h2;
            h2 = model_hit_rate(objects, capacity, x2);
        } else {
            x3 = x2;
            x2 = x1;
            x1 = GSS_R * x2 + GSS_V * x0;
            h2 = h1;
            h1 = model_hit_rate(objects, capacity, x1);
        }
    }
    if h1.is_nan() || h2.is_nan() {
        None
    } else if h1 > h2 {
        Some(2f64.powf(x1))
    } else {
        Some(2f64.powf(x2))
    }
}

/// The paper's model: the request-weighted hit count of an LRU cache of `capacity` bytes whose
/// admission is `exp(-size / 2^log2c)`, for objects given as (request rate, size). The
/// characteristic time T solves sum(size x admitted-and-resident probability) = capacity (20
/// fixed-point steps from a first guess); each object's hit probability is the paper's rational
/// approximation in T, rate and admission probability.
pub fn model_hit_rate(objects: &[(f64, f64)], capacity: f64, log2c: f64) -> f64 {
    let c = 2f64.powf(log2c);
    let sum: f64 = objects.iter().map(|&(l, s)| l * (-s / c).exp() * s).sum();
    if sum <= 0.0 {
        return 0.0;
    }
    let adm: Vec<f64> = objects.iter().map(|&(_, s)| (-s / c).exp()).collect();
    let mut t = capacity / sum;
    for _ in 0..20 {
        if t > 1e70 {
            break;
        }
        let mut filled = 0.0;
        for (&(l, s), &p) in objects.iter().zip(&adm) {
            let lt = l * t;
            if lt > 150.0 {
                filled += s;
            } else {
                let e = p * (lt.exp() - 1.0);
                filled += s * e / (1.0 + e);
            }
        }
        t = capacity * t / filled;
    }
    objects
        .iter()
        .zip(&adm)
        .map(|(&(l, _), &p)| {
            let (a, b) = (o_p1(t, l, p), o_p2(t, l, p));
            let h = if a != 0.0 && b == 0.0 { 0.0 } else { a / b };
            l * h.clamp(0.0, 1.0)
        })
        .sum()
}

fn o_p1(t: f64, l: f64, p: f64) -> f64 {
    l * p * t * (840.0 + 60.0 * l * t + 20.0 * l * l * t * t + l * l * l * t * t * t)
}

fn o_p2(t: f64, l: f64, p: f64) -> f64 {
    840.0
        + 120.0 * l * (-3.0 + 7.0 * p) * t
        + 60.0 * l * l * (1.0 + p) * t * t
        + 4.0 * l * l * l * (-1.0 + 5.0 * p) * t * t * t
        + l * l * l * l * p * t * t * t * t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes of objects: many small popular ones and a few large unpopular ones. Admitting
    /// the large ones costs hits, so the best c is well below their size.
    fn mix() -> Vec<(f64, f64)> {
        let mut v = Vec::new();
        for i in 0..400 {
            v.push((20.0 / (1.0 + i as f64), 1000.0));
        }
        for _ in 0..100 {
            v.push((0.5, 200_000.0));
        }
        v
    }

    #[test]
    fn the_tuned_c_is_a_maximum_of_the_model_no_worse_than_the_coarse_grid() {
        // The search starts from the best of log2 c = 2, 6, 10, ... and refines it by
        // golden-section search, so it ends on a maximum of the model (found here by brute force
        // over log2 c in steps of 1/256 around it) and never below the best grid point.
        let objects = mix();
        let cap = 1_000_000.0;
        let c = best_c(&objects, cap, 40).unwrap();
        let got = model_hit_rate(&objects, cap, c.log2());
        let grid_best = (0..5)
            .map(|i| model_hit_rate(&objects, cap, 2.0 + 4.0 * i as f64))
            .fold(f64::MIN, f64::max);
        assert!(got >= grid_best, "tuned {got} below the grid's best {grid_best}");
        let near_best = (-256..=256)
            .map(|k| model_hit_rate(&objects, cap, c.log2() + k as f64 / 256.0))
            .fold(f64::MIN, f64::max);
        assert!(
            got >= near_best * (1.0 - 1e-6),
            "log2 c {} gives {got}, a neighbour gives {near_best}",
            c.log2()
        );
        assert!(c < 200_000.0, "large unpopular objects are kept out: c = {c}");
    }

    #[test]
    fn one_size_class_finds_the_global_best() {
        // Equal sizes, Zipf-like rates, a cache of a tenth of the objects: the model is unimodal
        // in c, and the tuned c is its global maximum over the whole range.
        let objects: Vec<(f64, f64)> = (0..1000).map(|i| (100.0 / (1.0 + i as f64), 4096.0)).collect();
        let cap = 100.0 * 4096.0;
        let c = best_c(&objects, cap, 40).unwrap();
        let got = model_hit_rate(&objects, cap, c.log2());
        let brute = (0..(cap.log2() * 64.0) as i32)
            .map(|k| model_hit_rate(&objects, cap, k as f64 / 64.0))
            .fold(f64::MIN, f64::max);
        assert!(got >= brute * (1.0 - 1e-4), "tuned {got}, brute force {brute}");
    }

    #[test]
    fn the_model_is_a_hit_count_bounded_by_the_requests() {
        // Everything fits: (almost) every request hits when everything is admitted (c huge).
        let objects: Vec<(f64, f64)> = (0..100).map(|i| (1.0 + i as f64, 10.0)).collect();
        let total: f64 = objects.iter().map(|o| o.0).sum();
        let h = model_hit_rate(&objects, 1e9, 60.0);
        assert!(h > 0.99 * total && h <= total, "{h} of {total}");
        // Admitting nothing (c tiny against the sizes) gives no hits.
        assert_eq!(model_hit_rate(&objects, 1e9, -20.0), 0.0);
    }

    #[test]
    fn tuning_waits_for_enough_statistics() {
        let mut a = AdaptSize::new(1000, 10, 15, 1);
        // 10 lookups of one 10-byte object: 10 bytes seen, not more than 3 x 1000: no tuning.
        for _ in 0..10 {
            a.looked_up(&Request::get(1, 10), false);
        }
        assert_eq!(a.c(), 32768.0);
        assert_eq!(a.next_reconf, 1000, "checked again after 1000 lookups");
    }
}
