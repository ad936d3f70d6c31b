//! `cachesim analyze`: what a trace or a workload's stream looks like, and what caching it will
//! give — totals, popularity (Zipf fit), reuse distances and times, the exact LRU miss-ratio curve,
//! sizes, rate over time, burstiness, working sets, scans and TTLs — in one streaming pass whose
//! memory follows the number of distinct objects (see `collect`).
//!
//! References: libCacheSim's traceAnalyzer and PyMimircache compute the same statistics.

mod collect;
pub mod curve;
mod histogram;
pub mod model;
pub mod report;
mod scans;
mod series;
mod stack;
pub mod zipf_fit;

use crate::error::input_error;
use crate::model::result::SizeUnit;
use crate::model::units::SizeSpec;
use crate::replay::grid::WorkingSet;
use crate::report::SourceInfo;
use crate::source::{Input, Source};
use crate::trace::{ReadProgress, BATCH};
use anyhow::Result;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// How the analysis names its source (`path` as the user gave it).
pub fn source_info(s: &Source, path: &Path) -> SourceInfo {
    let (kind, format, zstd, name) = match &s.input {
        Input::Trace(t) => ("trace", Some(t.format.name().to_string()), Some(t.zstd), None),
        Input::Workload(w) => ("workload", None, None, Some(w.name.clone())),
    };
    SourceInfo {
        kind: kind.into(),
        path: path.display().to_string(),
        name,
        format,
        zstd,
        objects: None,
        working_set_bytes: None,
    }
}

/// Analyzes `source`: one pass, plus a second for the LRU curve when sizes vary or the stream has
/// deletes or TTLs. `sizes` overrides the default curve sizes.
pub fn analyze(source: &Source, sizes: Option<&[(String, SizeSpec)]>, quiet: bool) -> Result<model::Analysis> {
    let read = Arc::new(ReadProgress::default());
    let bar = crate::progress::bar(quiet, source.progress_total(), "analyzing");
    let mut reader = source.open(Some(read.clone()))?;
    let mut c = collect::Collector::default();
    let mut batch = Vec::with_capacity(BATCH);
    while reader.read_batch(&mut batch)? {
        c.feed(&batch);
        bar.set_position(read.units.load(Ordering::Relaxed));
    }
    bar.finish_and_clear();
    let skipped = reader.skipped();
    crate::report::warn_skipped_lines(skipped, skipped + c.requests);
    if c.requests == 0 {
        return Err(input_error("the source has no requests; nothing to analyze"));
    }
    let unit = if source.ignore_size {
        SizeUnit::Objects
    } else {
        SizeUnit::Bytes
    };
    let ws = WorkingSet {
        requests: c.requests,
        objects: c.objects,
        bytes: c.working_set_bytes,
        ..Default::default()
    };
    let total = match unit {
        SizeUnit::Bytes => ws.bytes,
        SizeUnit::Objects => ws.objects,
    };
    let mut caps = match sizes {
        Some(s) => curve::resolve(s, unit, &ws),
        None => curve::default_sizes(total),
    };
    // The summary quotes 5% of the working set.
    caps.push(crate::replay::grid::capacity(
        SizeSpec::WorkingSet(0.05),
        unit,
        Some(&ws),
    ));
    let (mut points, method) = match curve::from_distances(&c, &caps) {
        Some(p) => (p, curve::FROM_DISTANCES),
        None => curve::second_pass(source, &caps, unit, quiet)?,
    };
    let five = points.pop();
    let scans = std::mem::take(&mut c.scans).finish(|k| c.keys.get(k).map_or(0, |e| e.count()));
    let mut a = model::build(&c, scans, points, method, unit);
    a.skipped_bad_lines = skipped;
    a.summary = report::summary(&a, five.as_ref());
    Ok(a)
}
