//! Arrival processes on an integer nanosecond clock: constant, Poisson, bursty (on/off
//! Markov-modulated Poisson), diurnal (sinusoidal rate, by thinning) and trace timestamps.

use crate::model::request::NANOS_PER_SEC;
use crate::schema::file::ArrivalSpec;
use crate::trace::{TraceReader, TraceSpec};
use anyhow::Result;
use rand::rngs::SmallRng;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// `t + gap`, or an input error when the time would pass the largest time a request can carry
/// (u64 nanoseconds, about 584 years): a rate so low that the stream would wrap around.
#[inline]
fn later(t: u64, gap: u64) -> Result<u64> {
    t.checked_add(gap).ok_or_else(too_late)
}

fn too_late() -> anyhow::Error {
    crate::error::input_error(
        "workload.arrival: request times pass 584 years (the largest time in nanoseconds); \
         raise the arrival rate or lower the request count",
    )
}

/// A gap of `ns` nanoseconds (rounded), or an input error past u64 nanoseconds (not a saturated cast).
#[inline]
fn nanos(ns: f64) -> Result<u64> {
    let r = ns.round();
    if r < u64::MAX as f64 {
        Ok(r as u64)
    } else {
        Err(too_late())
    }
}

/// Draws an exponential gap in nanoseconds for `rate` per second (rounded to whole nanoseconds, at least 1).
#[inline]
fn exp_gap(rng: &mut SmallRng, rate: f64) -> Result<u64> {
    let e: f64 = Exp1.sample(rng);
    Ok(nanos(e * NANOS_PER_SEC as f64 / rate)?.max(1))
}

/// A running arrival process.
pub enum Arrivals {
    /// Evenly spaced: the k-th arrival of the phase at start + k / rate.
    Constant { start: u64, rate: f64, k: u64 },
    /// Exponential gaps.
    Poisson { rate: f64 },
    /// On/off MMPP.
    Bursty {
        on: f64,
        off: f64,
        mean_on: f64,
        mean_off: f64,
        in_burst: bool,
        state_end: u64,
    },
    /// Sinusoidal rate by thinning.
    Diurnal { rate: f64, amplitude: f64, period: f64 },
    /// Times from a recorded trace, relative to its first request.
    Trace {
        reader: Box<dyn TraceReader>,
        batch: Vec<crate::model::request::Request>,
        pos: usize,
        first: Option<u64>,
        start: u64,
    },
}

impl Arrivals {
    /// Starts `spec` at time `start`.
    pub fn start(spec: &ArrivalSpec, start: u64, rng: &mut SmallRng) -> Result<Arrivals> {
        Ok(match spec {
            ArrivalSpec::Constant { rate } => Arrivals::Constant {
                start,
                rate: rate.0,
                k: 0,
            },
            ArrivalSpec::Poisson { rate } => Arrivals::Poisson { rate: rate.0 },
            ArrivalSpec::Bursty {
                rate,
                rate_between,
                mean_burst,
                mean_gap,
            } => {
                let mean_on = mean_burst.0 as f64;
                let e: f64 = Exp1.sample(rng);
                Arrivals::Bursty {
                    on: rate.0,
                    off: rate_between.0,
                    mean_on,
                    mean_off: mean_gap.0 as f64,
                    in_burst: true,
                    state_end: start.saturating_add((e * mean_on).round() as u64),
                }
            }
            ArrivalSpec::Diurnal {
                rate,
                amplitude,
                period,
            } => Arrivals::Diurnal {
                rate: rate.0,
                amplitude: amplitude.0,
                period: period.0 as f64,
            },
            ArrivalSpec::Trace { path, format } => {
                let spec = TraceSpec::new(path, format.unwrap_or(crate::trace::TraceFormat::Auto))?;
                Arrivals::Trace {
                    reader: spec.open(None)?,
                    batch: Vec::new(),
                    pos: 0,
                    first: None,
                    start,
                }
            }
        })
    }

    /// The time of the next arrival after `now`; `None` when a trace of timestamps is exhausted.
    #[inline]
    pub fn next(&mut self, rng: &mut SmallRng, now: u64) -> Result<Option<u64>> {
        Ok(Some(match self {
            Arrivals::Constant { start, rate, k } => {
                let t = later(*start, nanos(*k as f64 * NANOS_PER_SEC as f64 / *rate)?)?;
                *k += 1;
                t
            }
            Arrivals::Poisson { rate } => later(now, exp_gap(rng, *rate)?)?,
            Arrivals::Bursty {
                on,
                off,
                mean_on,
                mean_off,
                in_burst,
                state_end,
            } => {
                let mut t = now;
                loop {
                    let rate = if *in_burst { *on } else { *off };
                    if rate > 0.0 {
                        let cand = later(t, exp_gap(rng, rate)?)?;
                        if cand < *state_end {
                            break cand;
                        }
                    }
                    // The state ends first: switch (exponential gaps are memoryless, so restart there).
                    t = t.max(*state_end);
                    *in_burst = !*in_burst;
                    let mean = if *in_burst { *mean_on } else { *mean_off };
                    let e: f64 = Exp1.sample(rng);
                    *state_end = later(t, ((e * mean).round() as u64).max(1))?;
                }
            }
            Arrivals::Diurnal {
                rate,
                amplitude,
                period,
            } => {
                let max = *rate * (1.0 + *amplitude);
                let mut t = now;
                loop {
                    t = later(t, exp_gap(rng, max)?)?;
                    let phase = 2.0 * std::f64::consts::PI * (t as f64 / *period);
                    let lambda = *rate * (1.0 + *amplitude * phase.sin());
                    if rng.random::<f64>() * max < lambda {
                        break t;
                    }
                }
            }
            Arrivals::Trace {
                reader,
                batch,
                pos,
                first,
                start,
            } => {
                if *pos >= batch.len() {
                    if !reader.read_batch(batch)? {
                        return Ok(None);
                    }
                    *pos = 0;
                }
                let t = batch[*pos].time;
                *pos += 1;
                let f = *first.get_or_insert(t);
                later(*start, t.saturating_sub(f))?.max(now)
            }
        }))
    }
}
