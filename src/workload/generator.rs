//! The synthetic request stream: phases of popularity x arrivals x read/write mix, streamed in
//! batches like a trace. One seeded generator; the same seed gives the same stream in every job.

use super::arrival::Arrivals;
use super::popularity::{scatter, SamplerState};
use super::{PhaseEnd, Workload};
use crate::model::request::{Op, Request, NEVER};
use crate::trace::{ReadProgress, TraceReader, BATCH};
use anyhow::Result;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Streams the requests of a [`Workload`].
pub struct Generator {
    w: Arc<Workload>,
    rng: SmallRng,
    phase: usize,
    in_phase: u64,
    phase_start: u64,
    now: u64,
    arrivals: Option<Arrivals>,
    state: SamplerState,
    resized: FxHashMap<u64, u64>,
    writes: u64,
    done: bool,
    progress: Option<Arc<ReadProgress>>,
}

impl Generator {
    /// A generator at the start of the stream.
    pub fn new(w: Arc<Workload>, progress: Option<Arc<ReadProgress>>) -> Result<Generator> {
        let mut rng = SmallRng::seed_from_u64(w.seed);
        let arrivals = Some(Arrivals::start(&w.phases[0].arrival, 0, &mut rng)?);
        Ok(Generator {
            w,
            rng,
            phase: 0,
            in_phase: 0,
            phase_start: 0,
            now: 0,
            arrivals,
            state: SamplerState::default(),
            resized: FxHashMap::default(),
            writes: 0,
            done: false,
            progress,
        })
    }

    /// Moves to the next phase starting at `start`; false when there is none.
    fn next_phase(&mut self, start: u64) -> Result<bool> {
        self.phase += 1;
        if self.phase >= self.w.phases.len() {
            self.done = true;
            return Ok(false);
        }
        self.in_phase = 0;
        self.phase_start = start;
        self.now = start;
        self.state = SamplerState::default();
        self.arrivals = Some(Arrivals::start(
            &self.w.phases[self.phase].arrival,
            start,
            &mut self.rng,
        )?);
        Ok(true)
    }

    /// The next request, or None at the end.
    #[inline]
    fn next_request(&mut self) -> Result<Option<Request>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let p = &self.w.phases[self.phase];
            if let PhaseEnd::Requests(n) = p.end {
                if self.in_phase >= n {
                    let start = self.now;
                    self.next_phase(start)?;
                    continue;
                }
            }
            let arrivals = self.arrivals.as_mut().expect("started");
            let t = match arrivals.next(&mut self.rng, self.now)? {
                Some(t) => t,
                None => {
                    // Trace timestamps ran out: the phase ends here.
                    let start = self.now;
                    self.next_phase(start)?;
                    continue;
                }
            };
            if let PhaseEnd::Duration(d) = p.end {
                let end = self.phase_start.saturating_add(d);
                if t >= end {
                    self.next_phase(end)?;
                    continue;
                }
            }
            self.now = t;
            self.in_phase += 1;
            let rank = p
                .popularity
                .sample(&mut self.rng, &mut self.state, t - self.phase_start);
            let key = scatter(rank);
            let op = if p.read_ratio >= 1.0 {
                Op::Read
            } else {
                let u: f64 = self.rng.random();
                if u < p.read_ratio {
                    Op::Read
                } else if u < p.read_ratio + p.delete_ratio {
                    Op::Delete
                } else {
                    Op::Write
                }
            };
            let w = &self.w;
            let size = if w.resize_on_write {
                if op == Op::Write {
                    self.writes += 1;
                    let s = w.sizes.size_of(key, w.salt ^ scatter(self.writes));
                    self.resized.insert(key, s);
                    s
                } else {
                    self.resized
                        .get(&key)
                        .copied()
                        .unwrap_or_else(|| w.sizes.size_of(key, w.salt))
                }
            } else {
                w.sizes.size_of(key, w.salt)
            };
            let ttl = w.ttls.ttl_of(key, w.salt);
            return Ok(Some(Request {
                time: t,
                key,
                size,
                op,
                ttl,
                next_access: NEVER,
            }));
        }
    }
}

impl TraceReader for Generator {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        while out.len() < BATCH {
            match self.next_request()? {
                Some(r) => out.push(r),
                None => break,
            }
        }
        if let Some(p) = &self.progress {
            p.units.fetch_add(out.len() as u64, Ordering::Relaxed);
        }
        Ok(!out.is_empty())
    }
}
