//! Key samplers: which rank each request asks for. Ranks become keys through [`scatter`], a
//! bijection on u64, so popular keys are spread over the id space instead of being adjacent.

use super::zipf::ZipfTable;
use crate::schema::file::{Every, PopularitySpec};
use rand::rngs::SmallRng;
use rand::Rng;
use std::sync::Arc;

/// Maps a rank to a key: the SplitMix64 finalizer, a bijection, so distinct ranks give distinct keys.
#[inline]
pub fn scatter(rank: u64) -> u64 {
    let mut z = rank.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A compiled popularity (shared, read-only tables are behind `Arc`).
#[derive(Clone, Debug)]
pub enum Popularity {
    /// Uniform over `keys`.
    Uniform { keys: u64 },
    /// Zipf over the table's ranks.
    Zipf(Arc<ZipfTable>),
    /// Sequential loop.
    Scan { start: u64, length: u64 },
    /// Hot and cold groups.
    Hotspot { keys: u64, hot: u64, p_hot: f64 },
    /// Zipf with a moving ranking.
    Shifting {
        zipf: Arc<ZipfTable>,
        keys: u64,
        every: Every,
        shift: u64,
    },
    /// Weighted mixture: cumulative weights (ending at 1) and parts.
    Mix {
        cumulative: Vec<f64>,
        parts: Vec<Popularity>,
    },
}

impl Popularity {
    /// Compiles a spec over `keys` keys.
    pub fn compile(spec: &PopularitySpec, keys: u64, path: &str) -> Result<Popularity, String> {
        Ok(match spec {
            PopularitySpec::Uniform => Popularity::Uniform { keys },
            PopularitySpec::Zipf { alpha } => Popularity::Zipf(ZipfTable::shared(keys, alpha.0)),
            PopularitySpec::Scan { start, length } => Popularity::Scan {
                start: *start,
                length: length.map(|c| c.0).unwrap_or(keys),
            },
            PopularitySpec::Hotspot { hot_keys, hot_traffic } => {
                let hot = ((keys as f64 * hot_keys.0).round() as u64).clamp(1, keys);
                if hot == keys && hot_traffic.0 < 1.0 {
                    return Err(format!("{path}.hot_keys: every key is hot, so hot_traffic must be 1"));
                }
                Popularity::Hotspot {
                    keys,
                    hot,
                    p_hot: hot_traffic.0,
                }
            }
            PopularitySpec::Shifting { alpha, every, shift } => Popularity::Shifting {
                zipf: ZipfTable::shared(keys, alpha.map(|a| a.0).unwrap_or(1.0)),
                keys,
                every: *every,
                shift: shift.map(|s| s.0).unwrap_or((keys / 10).max(1)),
            },
            PopularitySpec::Mix { components } => {
                if components.is_empty() {
                    return Err(format!("{path}.components: a mix needs at least one component"));
                }
                let total: f64 = components.iter().map(|c| c.weight).sum();
                let mut acc = 0.0;
                let mut cumulative = Vec::new();
                let mut parts = Vec::new();
                for (i, c) in components.iter().enumerate() {
                    if matches!(c.popularity, PopularitySpec::Mix { .. }) {
                        return Err(format!("{path}.components[{i}]: a mix cannot contain another mix"));
                    }
                    acc += c.weight / total;
                    cumulative.push(acc);
                    parts.push(Popularity::compile(
                        &c.popularity,
                        keys,
                        &format!("{path}.components[{i}]"),
                    )?);
                }
                *cumulative.last_mut().expect("non-empty") = 1.0;
                Popularity::Mix { cumulative, parts }
            }
        })
    }

    /// The rank of the next request. `index` counts this sampler's requests, `now` is the arrival time.
    #[inline]
    pub fn sample(&self, rng: &mut SmallRng, state: &mut SamplerState, now: u64) -> u64 {
        match self {
            Popularity::Uniform { keys } => rng.random_range(0..*keys),
            Popularity::Zipf(z) => z.sample(rng),
            Popularity::Scan { start, length } => {
                let r = start + state.counter % length;
                state.counter += 1;
                r
            }
            Popularity::Hotspot { keys, hot, p_hot } => {
                if rng.random::<f64>() < *p_hot {
                    rng.random_range(0..*hot)
                } else {
                    rng.random_range(*hot..*keys)
                }
            }
            Popularity::Shifting {
                zipf,
                keys,
                every,
                shift,
            } => {
                let epoch = match every {
                    Every::Requests(n) => state.counter / n,
                    Every::Time(t) => now / t,
                };
                state.counter += 1;
                (zipf.sample(rng) + (epoch % keys).wrapping_mul(*shift) % keys) % keys
            }
            Popularity::Mix { cumulative, parts } => {
                let u: f64 = rng.random();
                let i = cumulative.iter().position(|&c| u < c).unwrap_or(parts.len() - 1);
                parts[i].sample(rng, &mut state.parts_mut(parts.len())[i], now)
            }
        }
    }
}

/// Per-generator mutable state of a sampler (scan positions, shift counters).
#[derive(Clone, Debug, Default)]
pub struct SamplerState {
    counter: u64,
    parts: Vec<SamplerState>,
}

impl SamplerState {
    fn parts_mut(&mut self, n: usize) -> &mut [SamplerState] {
        if self.parts.len() < n {
            self.parts.resize(n, SamplerState::default());
        }
        &mut self.parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_is_injective_on_a_range() {
        let mut v: Vec<u64> = (0..100_000).map(scatter).collect();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 100_000);
        // Adjacent ranks are far apart.
        assert!(scatter(1).abs_diff(scatter(2)) > 1 << 20);
    }
}
