//! Zipf sampling in O(1) per request for any alpha > 0 (including alpha = 1 and alpha < 1).
//!
//! Up to [`ALIAS_MAX`] keys: an alias table (Vose's method) built from the exact probabilities
//! r^-alpha / H(n, alpha), shared by every generator of a run. Beyond that: rand_distr's
//! rejection-inversion `Zipf`, which needs no table.
//!
//! The alias table is laid out for speed: one 8-byte entry per rank (a 32-bit acceptance threshold
//! next to a 32-bit alias), drawn with one 64-bit random number, where rand_distr's
//! `WeightedAliasIndex` keeps odds and aliases in two arrays and draws two random numbers.

use rand::rngs::SmallRng;
use rand::RngCore;
use rand_distr::{Distribution, Zipf};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Largest key count sampled through an alias table (8 bytes per key, so at most 1 MiB, which stays
/// in cache). Beyond it a table draw is a cache miss, and rejection-inversion, which computes
/// instead of reading memory, is faster: 14.6 against 10.1 million requests per second for a
/// million keys in `benches/generate.rs`.
pub const ALIAS_MAX: u64 = 1 << 17;

/// A Zipf distribution over ranks 0..n (rank 0 most popular).
#[derive(Debug)]
pub enum ZipfTable {
    /// Alias table.
    Alias(AliasTable),
    /// Rejection-inversion.
    Rejection(Zipf<f64>),
}

impl ZipfTable {
    /// Builds the distribution for `n` keys and exponent `alpha`.
    pub fn new(n: u64, alpha: f64) -> ZipfTable {
        if n <= ALIAS_MAX {
            let w: Vec<f64> = (1..=n).map(|r| (r as f64).powf(-alpha)).collect();
            ZipfTable::Alias(AliasTable::new(&w))
        } else {
            ZipfTable::Rejection(Zipf::new(n as f64, alpha).expect("n >= 1, alpha > 0"))
        }
    }

    /// The table for (n, alpha), built once per process and shared.
    pub fn shared(n: u64, alpha: f64) -> Arc<ZipfTable> {
        type Cache = Mutex<HashMap<(u64, u64), Arc<ZipfTable>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let mut c = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        c.entry((n, alpha.to_bits()))
            .or_insert_with(|| Arc::new(ZipfTable::new(n, alpha)))
            .clone()
    }

    /// A rank in 0..n.
    #[inline]
    pub fn sample(&self, rng: &mut SmallRng) -> u64 {
        match self {
            ZipfTable::Alias(a) => a.sample(rng),
            ZipfTable::Rejection(z) => z.sample(rng) as u64 - 1,
        }
    }
}

/// Walker's alias method with Vose's construction: index i is kept with probability
/// `threshold / 2^32`, else replaced by its alias.
#[derive(Debug)]
pub struct AliasTable {
    /// (threshold, alias) per index; an index that is never replaced is its own alias.
    entries: Box<[(u32, u32)]>,
}

impl AliasTable {
    /// Builds the table for positive finite weights (at most 2^32 of them).
    pub fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        assert!(n > 0 && n as u64 <= 1 << 32, "1 to 2^32 weights");
        let total: f64 = weights.iter().sum();
        let mut p: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut entries: Vec<(u32, u32)> = (0..n as u32).map(|i| (u32::MAX, i)).collect();
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (0..n as u32).partition(|&i| p[i as usize] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            entries[s as usize] = (
                ((p[s as usize] * 4_294_967_296.0) as u64).min(u32::MAX as u64) as u32,
                l,
            );
            p[l as usize] -= 1.0 - p[s as usize];
            if p[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left has probability 1 up to rounding: it keeps itself (entries' default).
        AliasTable {
            entries: entries.into_boxed_slice(),
        }
    }

    /// An index drawn with probability proportional to its weight. The high 64 bits of
    /// `random * n` pick the index; the low 64 bits are uniform within it and decide the alias.
    #[inline]
    pub fn sample(&self, rng: &mut SmallRng) -> u64 {
        let x = rng.next_u64() as u128 * self.entries.len() as u128;
        let i = (x >> 64) as usize;
        let coin = (x as u64 >> 32) as u32;
        let (threshold, alias) = self.entries[i];
        if coin < threshold {
            i as u64
        } else {
            alias as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn alias_table_draws_in_proportion_to_the_weights() {
        let w = [1.0, 2.0, 3.0, 4.0, 0.5, 9.5];
        let t = AliasTable::new(&w);
        let mut rng = SmallRng::seed_from_u64(3);
        let mut c = [0u64; 6];
        let n = 2_000_000;
        for _ in 0..n {
            c[t.sample(&mut rng) as usize] += 1;
        }
        for (i, &ci) in c.iter().enumerate() {
            let want = w[i] / 20.0;
            let got = ci as f64 / n as f64;
            // Five standard deviations of a binomial share.
            assert!(
                (got - want).abs() < 5.0 * (want * (1.0 - want) / n as f64).sqrt(),
                "{i}: {got} vs {want}"
            );
        }
    }
}
