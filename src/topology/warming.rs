//! Which keys warming loads: the N keys read most often in the workload (or all of them), found by
//! one pass over the source before the simulations start.

use super::WarmKeys;
use crate::error::input_error;
use crate::model::request::{Op, Request};
use crate::source::Source;
use crate::trace::{ReadProgress, BATCH};
use anyhow::Result;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The keys to warm, most popular first, each as the read that loads it (the key's size and TTL
/// at its first read, time 0), and the time of the stream's first request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WarmSet {
    /// Most popular first (ties: the key read first comes first).
    pub keys: Vec<Request>,
    /// Time of the first request of the stream, ns (warming before traffic happens then).
    pub start: u64,
}

/// Counts the reads of every key the backend has (absent keys are never warmed), and keeps the
/// `keys` most read. Errors when more keys are asked for than the workload reads.
pub fn popular_keys(source: &Source, keys: WarmKeys, progress: Option<Arc<ReadProgress>>) -> Result<WarmSet> {
    // key -> (reads, first read's index in `first`)
    let mut count: FxHashMap<u64, (u64, u32)> = FxHashMap::default();
    let mut first: Vec<Request> = Vec::new();
    let mut start = None;
    let mut r = source.open_without_next_access(progress)?;
    let mut batch = Vec::with_capacity(BATCH);
    while r.read_batch(&mut batch)? {
        for q in &batch {
            start.get_or_insert(q.time);
            if q.op != Op::Read || q.size == 0 || super::is_absent(q) {
                continue;
            }
            let e = count.entry(q.key).or_insert_with(|| {
                first.push(Request {
                    time: 0,
                    next_access: crate::model::request::NEVER,
                    ..*q
                });
                (0, (first.len() - 1) as u32)
            });
            e.0 += 1;
        }
    }
    let mut ranked: Vec<(u64, u32)> = count.into_values().collect();
    ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = match keys {
        WarmKeys::All => ranked.len(),
        WarmKeys::Top(n) => {
            if n > ranked.len() as u64 {
                return Err(input_error(format!(
                    "warming.keys = {n}, but the workload reads only {} distinct keys (that the backend has); give at most {} or \"all\"",
                    ranked.len(),
                    ranked.len()
                )));
            }
            n as usize
        }
    };
    Ok(WarmSet {
        keys: ranked[..n].iter().map(|&(_, i)| first[i as usize]).collect(),
        start: start.unwrap_or(0),
    })
}
