//! Object sizes and TTLs, fixed per key: each is derived from a hash of the key and the seed, so a
//! key keeps its size for the whole run without any per-key memory (unless `resize_on_write`).

use super::popularity::scatter;
use crate::schema::file::{SizeSpec, TtlSpec};

/// A compiled size distribution.
#[derive(Clone, Debug)]
pub enum Sizes {
    /// One size.
    Fixed(u64),
    /// Uniform integers in [min, max].
    Uniform(u64, u64),
    /// exp(ln(median) + sigma * N(0,1)).
    Lognormal(f64, f64),
    /// min / U^(1/alpha).
    Pareto(f64, f64),
}

/// A uniform number in (0, 1) from 53 bits of a hash.
#[inline]
fn unit(h: u64) -> f64 {
    ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

impl Sizes {
    /// Compiles a size spec; `path` names the field in errors.
    pub fn compile(spec: &SizeSpec, path: &str) -> Result<Sizes, String> {
        Ok(match spec {
            SizeSpec::Fixed { value } => Sizes::Fixed(value.0.max(1)),
            SizeSpec::Uniform { min, max } => {
                if min.0 > max.0 {
                    return Err(format!("{path}: min ({}) is larger than max ({})", min.0, max.0));
                }
                Sizes::Uniform(min.0, max.0)
            }
            SizeSpec::Lognormal { median, sigma } => Sizes::Lognormal((median.0 as f64).ln(), sigma.0),
            SizeSpec::Pareto { min, alpha } => Sizes::Pareto(min.0 as f64, alpha.0),
        })
    }

    /// The size of `key` (version `v` counts resizing writes), in bytes, at least 1.
    #[inline]
    pub fn size_of(&self, key: u64, salt: u64) -> u64 {
        match *self {
            Sizes::Fixed(s) => s,
            Sizes::Uniform(lo, hi) => {
                let h = scatter(key ^ salt);
                match (hi - lo).checked_add(1) {
                    Some(n) => lo + h % n,
                    None => h,
                }
            }
            Sizes::Lognormal(mu, sigma) => {
                let h1 = scatter(key ^ salt);
                let h2 = scatter(h1);
                // Box-Muller from two hash-derived uniforms.
                let z = (-2.0 * unit(h1).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(h2)).cos();
                clamp((mu + sigma * z).exp())
            }
            Sizes::Pareto(min, alpha) => clamp(min / unit(scatter(key ^ salt)).powf(1.0 / alpha)),
        }
    }
}

/// A drawn size in whole bytes, at least 1 (`as` saturates at `u64::MAX`).
fn clamp(v: f64) -> u64 {
    v.round().max(1.0) as u64
}

/// Compiled TTLs.
#[derive(Clone, Debug)]
pub enum Ttls {
    /// None.
    None,
    /// One TTL for all keys (ns).
    Fixed(u64),
    /// Cumulative shares and TTLs (ns); keys past the last share have none.
    Classes(Vec<(f64, u64)>),
}

impl Ttls {
    /// Compiles a TTL spec.
    pub fn compile(spec: Option<&TtlSpec>) -> Ttls {
        match spec {
            None | Some(TtlSpec::None) => Ttls::None,
            Some(TtlSpec::Fixed(ns)) => Ttls::Fixed(*ns),
            Some(TtlSpec::Classes(cs)) => {
                let mut acc = 0.0;
                Ttls::Classes(
                    cs.iter()
                        .map(|c| {
                            acc += c.share.0;
                            (acc, c.ttl.0)
                        })
                        .collect(),
                )
            }
        }
    }

    /// The TTL of `key` in nanoseconds (0 = none).
    #[inline]
    pub fn ttl_of(&self, key: u64, salt: u64) -> u64 {
        match self {
            Ttls::None => 0,
            Ttls::Fixed(t) => *t,
            Ttls::Classes(cs) => {
                let u = unit(scatter(key ^ salt ^ 0x5EED_77E1));
                cs.iter().find(|(c, _)| u < *c).map(|(_, t)| *t).unwrap_or(0)
            }
        }
    }
}
