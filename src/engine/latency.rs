//! Latency distributions for backend operations: constant, exponential, uniform, log-normal (given
//! by its median and 99th percentile, the two numbers people know about their database) and Pareto.
//! Samples are whole nanoseconds.

use crate::schema::latency::LatencySpec;
use crate::schema::values::Delay;
use rand::rngs::SmallRng;
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// The standard normal's 99th percentile: a log-normal's p99 is median * exp(Z99 * sigma).
pub const Z99: f64 = 2.326_347_874_040_841;

/// A checked distribution, ready to sample. `Zero` is what an absent latency means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Latency {
    /// No latency.
    Zero,
    /// Always this many ns.
    Constant(u64),
    /// Mean in ns.
    Exponential(f64),
    /// Between these bounds, inclusive.
    Uniform {
        /// Lower bound, ns.
        min: u64,
        /// Upper bound, ns.
        max: u64,
    },
    /// ln(median ns) and sigma.
    Lognormal { mu: f64, sigma: f64 },
    /// Scale in ns and shape.
    Pareto { scale: f64, alpha: f64 },
}

impl Latency {
    /// Checks a spec; `field` names it in the error (e.g. `backend.read_latency`).
    pub fn compile(spec: Option<&LatencySpec>, field: &str) -> Result<Latency, String> {
        Ok(match spec {
            None => Latency::Zero,
            // A zero latency, however written, is the absent one: the same run, the same draws.
            Some(LatencySpec::Constant { value: Delay(0) })
            | Some(LatencySpec::Exponential { mean: Delay(0) })
            | Some(LatencySpec::Uniform {
                min: Delay(0),
                max: Delay(0),
            }) => Latency::Zero,
            Some(LatencySpec::Constant { value }) => Latency::Constant(value.0),
            Some(LatencySpec::Exponential { mean }) => Latency::Exponential(mean.0 as f64),
            Some(LatencySpec::Uniform { min, max }) => {
                if max.0 < min.0 {
                    return Err(format!("{field}: max is below min; give min <= max"));
                }
                Latency::Uniform { min: min.0, max: max.0 }
            }
            Some(LatencySpec::Lognormal { median, p99 }) => {
                if p99.0 <= median.0 {
                    return Err(format!(
                        "{field}: p99 must be above the median (a log-normal's p99 is median * exp(2.33 sigma))"
                    ));
                }
                let mu = (median.0 as f64).ln();
                Latency::Lognormal {
                    mu,
                    sigma: ((p99.0 as f64).ln() - mu) / Z99,
                }
            }
            Some(LatencySpec::Pareto { min, alpha }) => Latency::Pareto {
                scale: min.0 as f64,
                alpha: alpha.0,
            },
        })
    }

    /// True for the zero distribution.
    pub fn is_zero(&self) -> bool {
        *self == Latency::Zero
    }

    /// One sample in nanoseconds.
    #[inline]
    pub fn sample(&self, rng: &mut SmallRng) -> u64 {
        let ns = match *self {
            Latency::Zero => return 0,
            Latency::Constant(v) => return v,
            Latency::Uniform { min, max } => return rng.random_range(min..=max),
            Latency::Exponential(mean) => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Latency::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Latency::Pareto { scale, alpha } => {
                // 1 - U is in (0, 1], so the power is finite.
                let u: f64 = 1.0 - rng.random::<f64>();
                scale * u.powf(-1.0 / alpha)
            }
        };
        ns.round().min(u64::MAX as f64 / 4.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn samples(l: Latency, n: usize) -> Vec<f64> {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut v: Vec<f64> = (0..n).map(|_| l.sample(&mut rng) as f64).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    fn spec(toml_text: &str) -> LatencySpec {
        #[derive(serde::Deserialize)]
        struct W {
            l: LatencySpec,
        }
        toml::from_str::<W>(toml_text).unwrap().l
    }

    #[test]
    fn exponential_mean() {
        let l = Latency::compile(Some(&spec("l = { dist = \"exponential\", mean = \"10ms\" }")), "x").unwrap();
        let m = mean(&samples(l, 400_000));
        assert!((m / 10e6 - 1.0).abs() < 0.01, "{m}");
    }

    #[test]
    fn uniform_mean_and_bounds() {
        let l = Latency::compile(
            Some(&spec("l = { dist = \"uniform\", min = \"2ms\", max = \"4ms\" }")),
            "x",
        )
        .unwrap();
        let v = samples(l, 200_000);
        assert!(v[0] >= 2e6 && *v.last().unwrap() <= 4e6);
        assert!((mean(&v) / 3e6 - 1.0).abs() < 0.005);
    }

    #[test]
    fn lognormal_median_and_p99() {
        let l = Latency::compile(
            Some(&spec("l = { dist = \"lognormal\", median = \"5ms\", p99 = \"50ms\" }")),
            "x",
        )
        .unwrap();
        let v = samples(l, 1_000_000);
        let median = v[v.len() / 2];
        let p99 = v[v.len() * 99 / 100];
        assert!((median / 5e6 - 1.0).abs() < 0.01, "median {median}");
        assert!((p99 / 50e6 - 1.0).abs() < 0.02, "p99 {p99}");
    }

    #[test]
    fn pareto_median_and_mean() {
        let l = Latency::compile(
            Some(&spec("l = { dist = \"pareto\", scale = \"1ms\", alpha = 3.0 }")),
            "x",
        )
        .unwrap();
        let v = samples(l, 1_000_000);
        // Median scale * 2^(1/alpha); mean scale * alpha / (alpha - 1).
        let median = v[v.len() / 2];
        assert!((median / (1e6 * 2f64.powf(1.0 / 3.0)) - 1.0).abs() < 0.01, "{median}");
        assert!((mean(&v) / 1.5e6 - 1.0).abs() < 0.02, "{}", mean(&v));
        assert!(v[0] >= 1e6);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let e = Latency::compile(
            Some(&spec("l = { dist = \"lognormal\", median = \"5ms\", p99 = \"2ms\" }")),
            "backend.read_latency",
        )
        .unwrap_err();
        assert!(e.contains("backend.read_latency") && e.contains("p99"), "{e}");
        let e = Latency::compile(
            Some(&spec("l = { dist = \"uniform\", min = \"5ms\", max = \"2ms\" }")),
            "backend.write_latency",
        )
        .unwrap_err();
        assert!(e.contains("backend.write_latency"), "{e}");
    }
}
