//! Fixed-size histograms on log2 buckets: 65 counters whatever the trace length.

use serde::Serialize;

/// Counts of values on log2 buckets: bucket 0 holds 0, bucket `i > 0` holds `[2^(i-1), 2^i)`.
#[derive(Clone, Debug)]
pub struct Log2Histogram {
    counts: [u64; 65],
    total: u64,
    sum: f64,
    max: u64,
}

impl Default for Log2Histogram {
    fn default() -> Self {
        Log2Histogram {
            counts: [0; 65],
            total: 0,
            sum: 0.0,
            max: 0,
        }
    }
}

/// One non-empty bucket, as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    /// Smallest value in the bucket (in the histogram's unit).
    pub lo: f64,
    /// One past the largest value in the bucket.
    pub hi: f64,
    /// Values counted.
    pub count: u64,
}

impl Log2Histogram {
    /// Counts `v`.
    #[inline]
    pub fn add(&mut self, v: u64) {
        self.counts[(64 - v.leading_zeros()) as usize] += 1;
        self.total += 1;
        self.sum += v as f64;
        self.max = self.max.max(v);
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Mean value (NaN when empty).
    pub fn mean(&self) -> f64 {
        self.sum / self.total as f64
    }

    /// Largest value.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The buckets from the first to the last non-empty one, bounds multiplied by `scale` (e.g.
    /// 1e-9 to turn nanoseconds into seconds).
    pub fn buckets(&self, scale: f64) -> Vec<Bucket> {
        let Some(first) = self.counts.iter().position(|&c| c > 0) else {
            return Vec::new();
        };
        let last = self.counts.iter().rposition(|&c| c > 0).unwrap_or(first);
        (first..=last)
            .map(|i| {
                let (lo, hi) = if i == 0 {
                    (0.0, 1.0)
                } else {
                    ((1u128 << (i - 1)) as f64, (1u128 << i) as f64)
                };
                Bucket {
                    lo: lo * scale,
                    hi: hi * scale,
                    count: self.counts[i],
                }
            })
            .collect()
    }

    /// Approximate quantile `q` in [0, 1]: the upper bound of the bucket that holds it (NaN when empty).
    pub fn quantile(&self, q: f64) -> f64 {
        let want = (q * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want && c > 0 {
                return if i == 0 { 0.0 } else { ((1u128 << i) - 1) as f64 };
            }
        }
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_log2() {
        let mut h = Log2Histogram::default();
        for v in [0, 1, 2, 3, 4, 7, 8, 1000] {
            h.add(v);
        }
        let b = h.buckets(1.0);
        assert_eq!(
            b[0],
            Bucket {
                lo: 0.0,
                hi: 1.0,
                count: 1
            }
        );
        assert_eq!(
            b[1],
            Bucket {
                lo: 1.0,
                hi: 2.0,
                count: 1
            }
        );
        assert_eq!(
            b[2],
            Bucket {
                lo: 2.0,
                hi: 4.0,
                count: 2
            }
        );
        assert_eq!(
            b[3],
            Bucket {
                lo: 4.0,
                hi: 8.0,
                count: 2
            }
        );
        assert_eq!(b.last().unwrap().count, 1);
        assert_eq!(h.total(), 8);
        assert_eq!(h.max(), 1000);
        assert_eq!(h.quantile(0.5), 3.0);
    }
}
