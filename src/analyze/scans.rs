//! Scan detection: long runs of requests to sequential keys (`k, k+1, k+2, ...`) or to keys that
//! are never requested again. Scans flush LRU caches, which is why scan-resistant policies exist.
//!
//! Sequential runs are found as they happen. Never-reused runs need the future, so runs of keys
//! seen for the first time are kept (their keys: one per distinct object, so memory follows the
//! number of objects) and split at the end into the stretches whose keys were requested once.

use serde::Serialize;

/// Shortest run reported as a scan.
pub const MIN_SCAN: u64 = 256;
/// Longest runs listed one by one.
const LISTED: usize = 20;

/// What made a run a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanKind {
    /// Each key is the previous key plus one.
    Sequential,
    /// Every key is requested only this once.
    NeverReused,
}

/// One scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scan {
    /// Sequential or never-reused keys.
    pub kind: ScanKind,
    /// 0-based index of its first request.
    pub start_request: u64,
    /// Seconds from the trace's first request to the scan's first.
    pub start_seconds: f64,
    /// Requests in the run.
    pub requests: u64,
}

/// Scans found, by kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScanReport {
    /// Shortest run counted.
    pub min_requests: u64,
    /// Sequential runs of at least `min_requests`.
    pub sequential_runs: u64,
    /// Requests in them.
    pub sequential_requests: u64,
    /// Never-reused runs of at least `min_requests`.
    pub never_reused_runs: u64,
    /// Requests in them.
    pub never_reused_requests: u64,
    /// The longest runs, longest first.
    pub longest: Vec<Scan>,
}

/// A run of first requests in progress or kept.
struct Candidate {
    start: u64,
    keys: Vec<u64>,
    times: Vec<u64>,
}

/// Finds scans in a stream.
#[derive(Default)]
pub struct ScanDetector {
    prev: Option<u64>,
    seq_start: u64,
    seq_time: u64,
    seq_len: u64,
    seq: Vec<Scan>,
    fresh: Option<Candidate>,
    kept: Vec<Candidate>,
    t0: Option<u64>,
}

impl ScanDetector {
    /// Request `i` to `key` at `time`; `first` when the key was never seen before.
    #[inline]
    pub fn add(&mut self, i: u64, key: u64, time: u64, first: bool) {
        let t0 = *self.t0.get_or_insert(time);
        let secs = |t: u64| t.saturating_sub(t0) as f64 * 1e-9;
        if self.prev.is_some_and(|p| p.wrapping_add(1) == key) {
            self.seq_len += 1;
        } else {
            if self.seq_len >= MIN_SCAN {
                self.seq.push(Scan {
                    kind: ScanKind::Sequential,
                    start_request: self.seq_start,
                    start_seconds: secs(self.seq_time),
                    requests: self.seq_len,
                });
            }
            self.seq_start = i;
            self.seq_time = time;
            self.seq_len = 1;
        }
        self.prev = Some(key);
        if first {
            let c = self.fresh.get_or_insert_with(|| Candidate {
                start: i,
                keys: Vec::new(),
                times: Vec::new(),
            });
            c.keys.push(key);
            c.times.push(time);
        } else if let Some(c) = self.fresh.take() {
            self.keep(c);
        }
    }

    fn keep(&mut self, c: Candidate) {
        if c.keys.len() as u64 >= MIN_SCAN {
            self.kept.push(c);
        }
    }

    /// The report; `count(key)` gives each key's number of requests.
    pub fn finish(mut self, count: impl Fn(u64) -> u64) -> ScanReport {
        self.add(u64::MAX, u64::MAX, 0, false);
        let t0 = self.t0.unwrap_or(0);
        let mut r = ScanReport {
            min_requests: MIN_SCAN,
            ..Default::default()
        };
        let mut all = std::mem::take(&mut self.seq);
        r.sequential_runs = all.len() as u64;
        r.sequential_requests = all.iter().map(|s| s.requests).sum();
        for c in std::mem::take(&mut self.kept) {
            let mut run_start = None;
            for j in 0..=c.keys.len() {
                let once = j < c.keys.len() && count(c.keys[j]) == 1;
                match (once, run_start) {
                    (true, None) => run_start = Some(j),
                    (false, Some(s)) => {
                        let n = (j - s) as u64;
                        if n >= MIN_SCAN {
                            r.never_reused_runs += 1;
                            r.never_reused_requests += n;
                            all.push(Scan {
                                kind: ScanKind::NeverReused,
                                start_request: c.start + s as u64,
                                start_seconds: c.times[s].saturating_sub(t0) as f64 * 1e-9,
                                requests: n,
                            });
                        }
                        run_start = None;
                    }
                    _ => {}
                }
            }
        }
        all.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.start_request.cmp(&b.start_request)));
        all.truncate(LISTED);
        r.longest = all;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sequential_and_never_reused_runs() {
        let mut d = ScanDetector::default();
        let mut counts = std::collections::HashMap::new();
        let mut keys: Vec<u64> = Vec::new();
        keys.extend((0..100).map(|i| i % 10)); // hot keys
        keys.extend(1000..1600); // sequential, each once
        keys.extend((0..100).map(|i| i % 10));
        keys.extend((0..400).map(|i| 1_000_000 + i * 37)); // fresh, never reused
        keys.extend((0..100).map(|i| i % 10));
        for &k in &keys {
            *counts.entry(k).or_insert(0u64) += 1;
        }
        let mut seen = std::collections::HashSet::new();
        for (i, &k) in keys.iter().enumerate() {
            d.add(i as u64, k, i as u64, seen.insert(k));
        }
        let r = d.finish(|k| counts[&k]);
        assert_eq!(r.sequential_runs, 1);
        assert_eq!(r.sequential_requests, 600);
        assert_eq!(r.never_reused_runs, 2);
        assert_eq!(r.never_reused_requests, 1000);
        assert_eq!(r.longest[0].kind, ScanKind::Sequential);
        assert_eq!(r.longest[0].start_request, 100);
        assert_eq!(r.longest[2].start_request, 800);
        assert_eq!(r.longest[2].requests, 400);
    }
}
