//! The timeline: the run cut into `timeline_interval`s, one [`TimelinePoint`] per closed interval,
//! and the state an interval needs while it is open.

use super::config::MAX_TIMELINE_POINTS;
use crate::model::metrics::{LatencyHistogram, TimelinePoint};

/// What only one timeline interval needs: its hit ratio's lookups and hits, its read latencies.
#[derive(Clone, Debug, Default)]
struct Interval {
    lookups: u64,
    hits: u64,
    latency: LatencyHistogram,
    /// Per tier of a multi-level cache: lookups that reached it and its hits.
    tiers: Vec<(u64, u64)>,
}

/// The run's totals at some instant. Each interval's counts are the totals' growth since the last
/// interval closed, so every count column of the timeline sums to its summary figure by
/// construction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Reads counted.
    pub requests: u64,
    /// Reads that hit.
    pub hits: u64,
    /// Writes.
    pub writes: u64,
    /// Deletes.
    pub deletes: u64,
    /// Backend reads sent.
    pub backend_reads: u64,
    /// Keys written to the backend.
    pub backend_writes: u64,
    /// Client requests that failed.
    pub errors: u64,
    /// Stale reads.
    pub stale_reads: u64,
}

/// The open interval and where the timeline stands.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// Interval length, ns.
    interval: u64,
    /// End of the open interval, ns.
    next_tick: u64,
    /// The open interval.
    open: Interval,
    /// Totals at the close of the last interval.
    closed: Totals,
    /// The timeline reached [`MAX_TIMELINE_POINTS`] with more intervals to close: the run goes
    /// on, recording no more points, to learn its length for the error.
    full: bool,
}

impl Timeline {
    /// A timeline of `interval`-ns intervals from time 0, following `tiers` tiers apart (0: a
    /// single cache, whose hit ratio is the run's).
    pub fn new(interval: u64, tiers: usize) -> Timeline {
        Timeline {
            interval,
            next_tick: interval,
            open: Interval {
                tiers: vec![(0, 0); tiers],
                ..Interval::default()
            },
            closed: Totals::default(),
            full: false,
        }
    }

    /// True when moving the clock to `t` must first close the open interval.
    #[inline]
    pub fn due(&self, t: u64) -> bool {
        t >= self.next_tick && !self.full
    }

    /// Counts a read's first lookup in the open interval.
    #[inline]
    pub fn lookup(&mut self, hit: bool) {
        if hit {
            self.open.hits += 1;
        }
        self.open.lookups += 1;
    }

    /// Counts a read's lookup in tier `t` in the open interval (multi-level caches).
    #[inline]
    pub fn tier_lookup(&mut self, t: usize, hit: bool) {
        if let Some(c) = self.open.tiers.get_mut(t) {
            c.0 += 1;
            c.1 += u64::from(hit);
        }
    }

    /// Records a read's latency in the open interval.
    #[inline]
    pub fn read_latency(&mut self, ns: u64) {
        self.open.latency.record(ns);
    }

    /// True when the open interval saw anything: totals that moved since the last close
    /// (`now`), a lookup or a read latency.
    pub fn has_activity(&self, now: &Totals) -> bool {
        *now != self.closed || self.open.lookups > 0 || !self.open.latency.is_empty()
    }

    /// Closes the open interval at its end, with the run's totals `now` and `dirty` entries,
    /// appending its point to `points` (or, past [`MAX_TIMELINE_POINTS`], marking the timeline
    /// full).
    pub fn close(&mut self, now: Totals, dirty: u64, points: &mut Vec<TimelinePoint>, tiers: &mut Vec<Vec<f64>>) {
        if points.len() as u64 >= MAX_TIMELINE_POINTS {
            self.full = true;
            return;
        }
        let secs = self.interval as f64 / 1e9;
        let fresh = Interval {
            tiers: vec![(0, 0); self.open.tiers.len()],
            ..Interval::default()
        };
        let i = std::mem::replace(&mut self.open, fresh);
        if !i.tiers.is_empty() {
            tiers.push(
                i.tiers
                    .iter()
                    .map(|&(l, h)| if l == 0 { 0.0 } else { h as f64 / l as f64 })
                    .collect(),
            );
        }
        let was = std::mem::replace(&mut self.closed, now);
        points.push(TimelinePoint {
            time_s: self.next_tick as f64 / 1e9,
            hit_ratio: if i.lookups == 0 {
                0.0
            } else {
                i.hits as f64 / i.lookups as f64
            },
            requests_per_s: (now.requests - was.requests) as f64 / secs,
            backend_reads_per_s: (now.backend_reads - was.backend_reads) as f64 / secs,
            read_p99_ms: i.latency.quantile_ms(0.99),
            dirty,
            requests: now.requests - was.requests,
            hits: now.hits - was.hits,
            writes: now.writes - was.writes,
            deletes: now.deletes - was.deletes,
            backend_reads: now.backend_reads - was.backend_reads,
            backend_writes: now.backend_writes - was.backend_writes,
            errors: now.errors - was.errors,
            stale_reads: now.stale_reads - was.stale_reads,
        });
        self.next_tick += self.interval;
    }

    /// `Some(points)` when the timeline would need more than [`MAX_TIMELINE_POINTS`] points: how
    /// many a run ending at `end` needs.
    pub fn overflow(&self, end: u64) -> Option<u64> {
        self.full.then(|| end / self.interval + 1)
    }
}
