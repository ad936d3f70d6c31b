//! The synthetic request stream: phases of popularity x arrivals x read/write mix, streamed in
//! batches like a trace. One seeded generator; the same seed gives the same stream in every job.
//!
//! Absent reads (`absent_ratio`, negative lookups) take their coin flips from a second RNG of their
//! own, made only when the ratio is above 0: the main RNG draws exactly what it draws without them,
//! so turning `absent_ratio` on keeps every request's time, rank and operation and only turns some
//! reads into reads of keys the backend does not have.

use super::arrival::Arrivals;
use super::popularity::{scatter, SamplerState};
use super::{PhaseEnd, Workload};
use crate::model::request::{Op, Request, NEGATIVE_ENTRY_BYTES, NEVER};
use crate::trace::{ReadProgress, TraceReader, BATCH};
use anyhow::Result;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Set in the rank of an absent read before it is scattered: ranks of present keys stay below it,
/// and [`scatter`] is a bijection, so an absent key is never a present one.
pub const ABSENT_RANK_BIT: u64 = 1 << 62;

/// Seeds the absent-read RNG apart from the main one.
const ABSENT_SEED: u64 = 0xAB5E_17D0_0D1E_5EED;

/// Streams the requests of a [`Workload`].
pub struct Generator {
    w: Arc<Workload>,
    rng: SmallRng,
    /// Draws which reads are absent; only when `absent_ratio > 0`.
    absent_rng: Option<SmallRng>,
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
        let absent_rng = (w.absent_ratio > 0.0).then(|| SmallRng::seed_from_u64(w.seed ^ ABSENT_SEED));
        Ok(Generator {
            w,
            rng,
            absent_rng,
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
            if op == Op::Read {
                if let Some(arng) = &mut self.absent_rng {
                    if arng.random::<f64>() < w.absent_ratio {
                        return Ok(Some(Request {
                            time: t,
                            key: scatter(rank | ABSENT_RANK_BIT),
                            size: NEGATIVE_ENTRY_BYTES,
                            op,
                            ttl: 0,
                            next_access: NEVER,
                            absent: true,
                            instance: 0,
                        }));
                    }
                }
            }
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
                absent: false,
                instance: 0,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse;
    use std::path::Path;

    fn stream(text: &str) -> Vec<Request> {
        let p = Path::new("w.toml");
        let w = Arc::new(Workload::compile(&parse(text, p).unwrap(), p).unwrap());
        let mut g = Generator::new(w, None).unwrap();
        let (mut all, mut batch) = (Vec::new(), Vec::new());
        while g.read_batch(&mut batch).unwrap() {
            all.extend_from_slice(&batch);
        }
        all
    }

    #[test]
    fn only_reads_are_absent_and_their_keys_are_absent_ranks() {
        let head = "[workload]\nrequests = 5000\nkeys = 50\nread_ratio = 0.5\ndelete_ratio = 0.2\nttl = \"1m\"\n";
        let all = stream(&format!("{head}absent_ratio = 0.5\n"));
        let absent_keys: Vec<u64> = (0..50).map(|r| scatter(r | ABSENT_RANK_BIT)).collect();
        let present_keys: Vec<u64> = (0..50).map(scatter).collect();
        let absent = all.iter().filter(|r| r.absent).count();
        assert!((1000..1500).contains(&absent), "{absent} absent of ~1250 expected");
        for r in &all {
            if r.absent {
                assert_eq!((r.op, r.size, r.ttl), (Op::Read, NEGATIVE_ENTRY_BYTES, 0));
                assert!(absent_keys.contains(&r.key), "{r:?}");
            } else {
                assert!(present_keys.contains(&r.key), "{r:?}");
            }
        }
        // 0 makes no absent reads and no second RNG.
        let zero = stream(&format!("{head}absent_ratio = 0\n"));
        assert_eq!(zero, stream(head));
        assert!(zero.iter().all(|r| !r.absent));
    }
}
