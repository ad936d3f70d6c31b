//! Zipf sampling in O(1) per request for any alpha > 0 (including alpha = 1 and alpha < 1).
//!
//! Up to [`ALIAS_MAX`] keys: an alias table (rand_distr's `WeightedAliasIndex`) built from the exact
//! probabilities r^-alpha / H(n, alpha), shared by every generator of a run. Beyond that:
//! rand_distr's rejection-inversion `Zipf`, which needs no table.

use rand::rngs::SmallRng;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Zipf};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Largest key count sampled through an alias table (12 bytes per key).
pub const ALIAS_MAX: u64 = 1 << 24;

/// A Zipf distribution over ranks 0..n (rank 0 most popular).
#[derive(Debug)]
pub enum ZipfTable {
    /// Alias table.
    Alias(WeightedAliasIndex<f64>),
    /// Rejection-inversion.
    Rejection(Zipf<f64>),
}

impl ZipfTable {
    /// Builds the distribution for `n` keys and exponent `alpha`.
    pub fn new(n: u64, alpha: f64) -> ZipfTable {
        if n <= ALIAS_MAX {
            let w: Vec<f64> = (1..=n).map(|r| (r as f64).powf(-alpha)).collect();
            ZipfTable::Alias(WeightedAliasIndex::new(w).expect("positive finite weights"))
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
            ZipfTable::Alias(a) => a.sample(rng) as u64,
            ZipfTable::Rejection(z) => z.sample(rng) as u64 - 1,
        }
    }
}
