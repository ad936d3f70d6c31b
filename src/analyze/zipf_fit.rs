//! Statistics of request streams, shared by the generator tests and `cachesim analyze`.
//!
//! [`fit_zipf`] estimates the Zipf exponent of a stream from its rank-frequency curve: the request
//! count of every key, sorted in decreasing order.
//!
//! # Which ranks are used
//!
//! The observed curve is a *sorted* list of noisy counts. Where the expected counts of adjacent
//! ranks are far apart compared with their Poisson noise, sorting puts every key at its true rank
//! and the curve is unbiased. Further down, adjacent expected counts differ by less than the noise,
//! sorting shuffles keys between ranks, and the tail of the sorted curve flattens and then drops to
//! the keys seen once or never (which are missing altogether). A fit over the whole curve is
//! therefore biased, the more so the fewer requests per key.
//!
//! The fit keeps only the head: the longest prefix of ranks r (1-based) at which the expected gap to
//! the next rank, about `alpha * c_r / r`, exceeds [`NOISE_SIGMAS`] standard deviations of the
//! difference of two Poisson counts, `sqrt(2 c_r)`; that is `c_r > 2 z^2 r^2 / alpha^2`. The rule
//! needs alpha, so the fit starts from alpha = 1 and alternates head and fit until the head stops
//! changing (a few rounds). For 100,000 keys and 2 million requests the head is about 10 ranks at
//! alpha 0.6 and 30 at alpha 1.2; a longer stream gives a longer head.
//!
//! # Estimator
//!
//! Maximum likelihood of a Zipf law truncated to the head: with counts `c_1..c_R` summing to `M`,
//! `log L(a) = -a sum c_r ln r - M ln H(R, a)`, whose derivative is decreasing in `a`, so the root
//! is found by bisection on [0, 20]. Conditioning on the head makes the estimate independent of the
//! number of keys (which a stream does not reveal: keys never requested are absent). `r2` is the R²
//! of the least-squares line of ln c_r on ln r over the same ranks, a check that the head is a
//! straight line in log-log scale.

use serde::Serialize;

/// Standard deviations by which adjacent expected counts must differ for a rank to be in the head.
pub const NOISE_SIGMAS: f64 = 2.0;

/// The result of [`fit_zipf`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ZipfFit {
    /// Estimated exponent (NaN when fewer than two ranks have requests).
    pub alpha: f64,
    /// R² of the log-log least-squares line over the same ranks (NaN when undefined).
    pub r2: f64,
    /// Number of leading ranks the fit used.
    pub ranks_used: usize,
}

/// The head: ranks 1..=R whose counts exceed `2 z^2 r^2 / alpha^2` (at least 2 when available).
fn head_len(counts: &[u64], alpha: f64) -> usize {
    let a = alpha.max(1e-3);
    let k = 2.0 * NOISE_SIGMAS * NOISE_SIGMAS / (a * a);
    let n = counts
        .iter()
        .enumerate()
        .take_while(|(i, &c)| {
            let r = (*i + 1) as f64;
            c as f64 > k * r * r
        })
        .count();
    n.max(2).min(counts.len())
}

/// Maximum-likelihood exponent of a Zipf law truncated to ranks 1..=counts.len().
fn mle(counts: &[u64]) -> f64 {
    let m: f64 = counts.iter().map(|&c| c as f64).sum();
    let observed: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| c as f64 * ((i + 1) as f64).ln())
        .sum::<f64>()
        / m;
    // E_a[ln r] under the truncated law, decreasing in a.
    let expected = |a: f64| {
        let (mut num, mut den) = (0.0, 0.0);
        for r in 1..=counts.len() {
            let lr = (r as f64).ln();
            let w = (-a * lr).exp();
            num += w * lr;
            den += w;
        }
        num / den
    };
    let (mut lo, mut hi) = (0.0f64, 20.0f64);
    if expected(lo) <= observed {
        return 0.0;
    }
    if expected(hi) >= observed {
        return hi;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if expected(mid) > observed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// R² of the least-squares line of ln c on ln r.
fn loglog_r2(counts: &[u64]) -> f64 {
    let pts: Vec<(f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (((i + 1) as f64).ln(), (c as f64).ln()))
        .collect();
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in &pts {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if syy == 0.0 {
        // A flat head is a perfect (horizontal) line.
        return 1.0;
    }
    sxy * sxy / (sxx * syy)
}

/// Fits a Zipf exponent to per-key request counts sorted in decreasing order (see the module docs
/// for which ranks are used and why). Zero counts are ignored.
pub fn fit_zipf(counts_sorted_desc: &[u64]) -> ZipfFit {
    debug_assert!(
        counts_sorted_desc.windows(2).all(|w| w[0] >= w[1]),
        "counts must be sorted"
    );
    let counts: &[u64] = {
        let n = counts_sorted_desc.iter().take_while(|&&c| c > 0).count();
        &counts_sorted_desc[..n]
    };
    if counts.len() < 2 {
        return ZipfFit {
            alpha: f64::NAN,
            r2: f64::NAN,
            ranks_used: counts.len(),
        };
    }
    let mut alpha = 1.0;
    let mut seen = Vec::new();
    let mut len = head_len(counts, alpha);
    for _ in 0..20 {
        alpha = mle(&counts[..len]);
        seen.push(len);
        let next = head_len(counts, alpha);
        if seen.contains(&next) {
            // Converged (or cycling between two heads: keep the fit of the last one).
            break;
        }
        len = next;
    }
    ZipfFit {
        alpha,
        r2: loglog_r2(&counts[..len]),
        ranks_used: len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact expected counts of a Zipf law, rounded: the fit must return alpha itself.
    fn exact(alpha: f64, n: usize, total: f64) -> Vec<u64> {
        let h: f64 = (1..=n).map(|r| (r as f64).powf(-alpha)).sum();
        (1..=n)
            .map(|r| (total * (r as f64).powf(-alpha) / h).round() as u64)
            .collect()
    }

    #[test]
    fn recovers_alpha_from_expected_counts() {
        for alpha in [0.5, 0.8, 1.0, 1.5] {
            let f = fit_zipf(&exact(alpha, 10_000, 1e7));
            assert!((f.alpha - alpha).abs() < 0.005, "{alpha}: {f:?}");
            assert!(f.r2 > 0.999, "{f:?}");
            assert!(f.ranks_used >= 10, "{f:?}");
        }
    }

    #[test]
    fn head_stops_where_noise_wins() {
        // alpha 1, 1e5 requests at rank 1: c_r = 1e5 / r > 8 r^2 up to r = 23.
        let c: Vec<u64> = (1..=1000u64).map(|r| 100_000 / r).collect();
        let f = fit_zipf(&c);
        assert_eq!(f.ranks_used, 23, "{f:?}");
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(fit_zipf(&[]).ranks_used, 0);
        assert!(fit_zipf(&[5, 0, 0]).alpha.is_nan());
        let flat = fit_zipf(&[100; 50]);
        assert!(flat.alpha < 1e-6, "{flat:?}");
        assert_eq!(flat.ranks_used, 2);
    }
}
