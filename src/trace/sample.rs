//! The small sample traces shipped in `traces/`, produced by cachesim itself so that anyone can
//! regenerate them (`cargo run --release --example sample_traces`) and a test checks they match.
//!
//! A seeded Zipf(0.9) stream over 10,000 objects with scattered ids, per-object log-normal sizes
//! around 4 KiB, one request every millisecond, 10% writes; written as oracleGeneral (with next-access
//! positions), CSV and plain text.

use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use crate::trace::oracle;
use anyhow::Result;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Zipf};
use std::io::Write;
use std::path::Path;

/// Requests in the sample.
pub const REQUESTS: usize = 100_000;
/// Distinct objects the sample draws from.
pub const OBJECTS: u64 = 10_000;

/// The sample request stream, with next-access positions.
pub fn requests() -> Vec<Request> {
    let mut rng = SmallRng::seed_from_u64(2026);
    let zipf = Zipf::new(OBJECTS as f64, 0.9).expect("valid zipf");
    let mut ids: Vec<u64> = (1..=OBJECTS).map(|i| i * 7919 + 1_000_000).collect();
    ids.shuffle(&mut rng);
    let sizes_dist = LogNormal::new((4096f64).ln(), 1.0).expect("valid lognormal");
    let sizes: Vec<u64> = (0..OBJECTS)
        .map(|_| (sizes_dist.sample(&mut rng) as u64).clamp(64, 1 << 20))
        .collect();
    let mut reqs: Vec<Request> = (0..REQUESTS)
        .map(|i| {
            let rank = zipf.sample(&mut rng) as usize - 1;
            Request {
                time: i as u64 * NANOS_PER_SEC / 1000,
                key: ids[rank],
                size: sizes[rank],
                op: if rng.random_bool(0.1) { Op::Write } else { Op::Read },
                ttl: 0,
                next_access: NEVER,
                absent: false,
                instance: 0,
            }
        })
        .collect();
    let mut next = std::collections::HashMap::new();
    for i in (0..reqs.len()).rev() {
        reqs[i].next_access = next.insert(reqs[i].key, i as u64 + 1).unwrap_or(NEVER);
    }
    reqs
}

/// The sample as oracleGeneral bytes.
pub fn oracle_bytes(reqs: &[Request]) -> Vec<u8> {
    let mut out = Vec::with_capacity(reqs.len() * oracle::RECORD);
    for r in reqs {
        oracle::encode(r, &mut out).expect("sample sizes are at most 1 MiB");
    }
    out
}

/// The sample as CSV (header `time,key,size,op`, time in milliseconds).
pub fn csv_bytes(reqs: &[Request]) -> Vec<u8> {
    let mut out = b"time,key,size,op\n".to_vec();
    for r in reqs {
        let op = if r.op == Op::Write { "set" } else { "get" };
        writeln!(out, "{},{},{},{}", r.time / 1_000_000, r.key, r.size, op).expect("write to Vec");
    }
    out
}

/// The sample as plain text, one key per line.
pub fn text_bytes(reqs: &[Request]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in reqs {
        writeln!(out, "{}", r.key).expect("write to Vec");
    }
    out
}

/// Writes `sample.oracleGeneral.bin`, `sample.csv` and `sample.txt` into `dir`.
pub fn write(dir: &Path) -> Result<()> {
    let reqs = requests();
    std::fs::write(dir.join("sample.oracleGeneral.bin"), oracle_bytes(&reqs))?;
    std::fs::write(dir.join("sample.csv"), csv_bytes(&reqs))?;
    std::fs::write(dir.join("sample.txt"), text_bytes(&reqs))?;
    Ok(())
}
