//! Time-ordered statistics in bounded memory: request rate over time, per-second and per-minute
//! counts (peak, index of dispersion), and the working set per window of requests.
//!
//! The rate series starts with 1-second buckets and merges adjacent pairs (doubling the width)
//! whenever it would exceed [`MAX_POINTS`]. Working sets do not merge that way (distinct objects of
//! two windows are not the sum), so every window width `W0 * 2^j` is counted at once: a request is
//! new in its level-`j` window iff its key's previous request lies before that window's start, and
//! once that fails for one level it fails for every wider one. Only levels whose series has at most
//! [`MAX_POINTS`] windows are kept, so memory stays bounded.

use serde::Serialize;

/// Most points of any series.
pub const MAX_POINTS: usize = 2000;
const NANOS: u64 = 1_000_000_000;
/// log2 of the narrowest working-set window, in requests.
pub const WS_SHIFT0: u32 = 10;
const LEVELS: usize = 54;

/// Counts per fixed time unit (a second or a minute): mean, variance, peak, with empty units counted.
#[derive(Clone, Debug, Default)]
pub struct UnitCounts {
    unit: u64,
    cur: u64,
    count: u64,
    units: u64,
    sum: f64,
    sumsq: f64,
    peak: u64,
}

impl UnitCounts {
    fn new(unit: u64) -> Self {
        UnitCounts {
            unit,
            ..Default::default()
        }
    }

    #[inline]
    fn add(&mut self, offset: u64) {
        let u = offset / self.unit;
        if u > self.cur {
            self.close();
            self.units += u - self.cur - 1;
            self.cur = u;
        }
        self.count += 1;
    }

    fn close(&mut self) {
        let c = self.count as f64;
        self.units += 1;
        self.sum += c;
        self.sumsq += c * c;
        self.peak = self.peak.max(self.count);
        self.count = 0;
    }

    /// (mean, peak) over the whole units of the span only (the last, unfinished one left out);
    /// `None` when the span holds no whole unit.
    pub fn full_units(&self) -> Option<(f64, u64)> {
        (self.units > 0).then(|| (self.sum / self.units as f64, self.peak))
    }

    /// (mean, variance, peak) over every unit of the span, including the current one.
    pub fn summary(&self) -> (f64, f64, u64) {
        let mut s = self.clone();
        s.close();
        let n = s.units as f64;
        let mean = s.sum / n;
        (mean, (s.sumsq / n - mean * mean).max(0.0), s.peak)
    }
}

/// Distinct objects in one window of consecutive requests.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    /// 0-based index of the window's first request.
    pub start_request: u64,
    /// Requests in the window.
    pub requests: u64,
    /// Distinct objects requested in the window.
    pub objects: u64,
    /// Their bytes (each object's size at its first request in the window).
    pub bytes: u64,
}

/// Requests per time bucket.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RatePoint {
    /// Seconds since the first request (start of the bucket).
    pub t: f64,
    /// Requests per second in the bucket.
    pub rate: f64,
}

/// Everything in this module, fed one request at a time.
pub struct Series {
    t0: Option<u64>,
    last: u64,
    width: u64,
    buckets: Vec<u64>,
    /// Per second and per minute.
    pub seconds: UnitCounts,
    /// Per minute.
    pub minutes: UnitCounts,
    base: usize,
    cur: [Window; LEVELS],
    done: Vec<Vec<Window>>,
}

impl Default for Series {
    fn default() -> Self {
        Series {
            t0: None,
            last: 0,
            width: NANOS,
            buckets: Vec::new(),
            seconds: UnitCounts::new(NANOS),
            minutes: UnitCounts::new(60 * NANOS),
            base: 0,
            cur: std::array::from_fn(|_| Window {
                start_request: 0,
                requests: 0,
                objects: 0,
                bytes: 0,
            }),
            done: vec![Vec::new(); LEVELS],
        }
    }
}

impl Series {
    /// Request number `i` (0-based) at `time`; `prev` is the index of the key's previous request
    /// shifted right by [`WS_SHIFT0`] (all that windows need).
    #[inline]
    pub fn add(&mut self, i: u64, time: u64, prev: Option<u64>, size: u64) {
        let t0 = *self.t0.get_or_insert(time);
        let off = time.saturating_sub(t0);
        self.last = self.last.max(time);
        let mut b = (off / self.width) as usize;
        while b >= MAX_POINTS {
            for j in 0..self.buckets.len() / 2 {
                self.buckets[j] = self.buckets[2 * j] + self.buckets.get(2 * j + 1).copied().unwrap_or(0);
            }
            self.buckets.truncate(self.buckets.len().div_ceil(2));
            self.width *= 2;
            b = (off / self.width) as usize;
        }
        if b >= self.buckets.len() {
            self.buckets.resize(b + 1, 0);
        }
        self.buckets[b] += 1;
        self.seconds.add(off);
        self.minutes.add(off);
        if i & ((1 << (WS_SHIFT0 + self.base as u32)) - 1) == 0 && i > 0 {
            self.close_windows(i);
        }
        for j in self.base..LEVELS {
            let start = (i >> (WS_SHIFT0 + j as u32)) << (WS_SHIFT0 + j as u32);
            let w = &mut self.cur[j];
            w.requests += 1;
            if prev.is_none_or(|p| p < start >> WS_SHIFT0) {
                w.objects += 1;
                w.bytes += size;
            } else {
                for w in &mut self.cur[j + 1..] {
                    w.requests += 1;
                }
                break;
            }
        }
    }

    /// Closes the windows that end before request `i`.
    fn close_windows(&mut self, i: u64) {
        for j in self.base..LEVELS {
            let shift = WS_SHIFT0 + j as u32;
            if i & ((1 << shift) - 1) != 0 {
                break;
            }
            let next = Window {
                start_request: i,
                requests: 0,
                objects: 0,
                bytes: 0,
            };
            let w = std::mem::replace(&mut self.cur[j], next);
            self.done[j].push(w);
        }
        while self.done[self.base].len() > MAX_POINTS {
            self.done[self.base] = Vec::new();
            self.base += 1;
        }
    }

    /// Seconds from the first to the last request.
    pub fn span_seconds(&self) -> f64 {
        self.t0.map_or(0.0, |t0| (self.last - t0) as f64 / NANOS as f64)
    }

    /// The request rate over time.
    pub fn rate(&self) -> Vec<RatePoint> {
        let w = self.width as f64 / NANOS as f64;
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, &c)| RatePoint {
                t: i as f64 * w,
                rate: c as f64 / w,
            })
            .collect()
    }

    /// Working set per window (the last one may be partial) and the window width in requests.
    pub fn windows(&self) -> (u64, Vec<Window>) {
        let j = self.base;
        let mut out = self.done[j].clone();
        if self.cur[j].requests > 0 {
            out.push(self.cur[j].clone());
        }
        (1 << (WS_SHIFT0 + j as u32), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_minute_figures_use_whole_minutes_only() {
        // 150 s: 100 requests a second for the first minute, 200 in the second, 1,000 in the
        // last 30 s (half a minute, left out of both the mean and the peak).
        let mut m = UnitCounts::new(60 * NANOS);
        for s in 0..150u64 {
            let n = match s {
                0..60 => 100,
                60..120 => 200,
                _ => 1000,
            };
            for _ in 0..n {
                m.add(s * NANOS);
            }
        }
        assert_eq!(m.full_units(), Some(((6000.0 + 12000.0) / 2.0, 12000)));
        let mut short = UnitCounts::new(60 * NANOS);
        short.add(0);
        short.add(59 * NANOS);
        assert_eq!(short.full_units(), None, "under a minute: no whole minute");
    }

    #[test]
    fn windows_count_distinct_objects_at_every_width() {
        let mut s = Series::default();
        let mut last = std::collections::HashMap::new();
        let keys: Vec<u64> = (0..300_000u64)
            .map(|i| (i * 7919) % 5000 + (i / 100_000) * 3000)
            .collect();
        for (i, &k) in keys.iter().enumerate() {
            let prev = last.insert(k, i as u64 >> WS_SHIFT0);
            s.add(i as u64, i as u64 * 1_000_000, prev, 2);
        }
        let (w, wins) = s.windows();
        assert!(wins.len() <= MAX_POINTS);
        for win in &wins {
            let a = win.start_request as usize;
            let slice = &keys[a..(a + w as usize).min(keys.len())];
            let distinct: std::collections::HashSet<_> = slice.iter().collect();
            assert_eq!(win.objects, distinct.len() as u64, "window at {a}");
            assert_eq!(win.bytes, 2 * distinct.len() as u64);
            assert_eq!(win.requests, slice.len() as u64);
        }
        // 1 ms apart: 300 s, 1000 requests per second.
        let (mean, var, peak) = s.seconds.summary();
        assert_eq!(peak, 1000);
        assert!((mean - 1000.0).abs() < 1e-9 && var < 1e-6, "{mean} {var}");
        assert!(s.rate().len() <= MAX_POINTS);
    }
}
