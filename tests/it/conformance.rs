//! Conformance with libCacheSim: replay ../shared/traces/cloudPhysicsIO.oracleGeneral.bin and compare
//! miss counts with ../shared/reference at every size, in bytes and in objects.
//!
//! Files are found through CACHESIM_REFERENCE_DIR and CACHESIM_TRACE_DIR, else ../shared next to the
//! repository. Where they are absent the test says so and passes, unless CACHESIM_REQUIRE_REFERENCE=1
//! (set by .ci/run), which makes absence a failure.

use cachesim::model::result::SizeUnit;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_trace;
use cachesim::source::Source;
use cachesim::trace::{TraceFormat, TraceSpec};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How close a policy must come to libCacheSim.
#[derive(Clone, Copy, Debug)]
enum Tolerance {
    /// Identical miss counts.
    Exact,
    /// Miss ratio within this many percentage points (used as policies that are not yet exact are added).
    Points(f64),
}

/// (libCacheSim name, cachesim policy, required agreement).
const POLICIES: &[(&str, &str, Tolerance)] = &[
    ("LRU", "lru", Tolerance::Exact),
    ("FIFO", "fifo", Tolerance::Exact),
    ("Clock", "clock", Tolerance::Exact),
    ("LFU", "lfu", Tolerance::Exact),
    ("Sieve", "sieve", Tolerance::Exact),
    ("Belady", "belady", Tolerance::Exact),
    ("ARC", "arc", Tolerance::Exact),
    ("SLRU", "slru", Tolerance::Exact),
    ("TwoQ", "twoq", Tolerance::Exact),
    ("LIRS", "lirs", Tolerance::Exact),
    ("S3FIFO", "s3fifo", Tolerance::Exact),
    ("GDSF", "gdsf", Tolerance::Exact),
    ("LFUDA", "lfuda", Tolerance::Exact),
    // The default sketch is sized by cached objects; in bytes libCacheSim's is sized per byte and
    // never collides, which `sketch=exact` reproduces (UNIT_SPECIFIC below).
    ("WTinyLFU", "tinylfu", Tolerance::Points(0.5)),
    ("MQ", "mq", Tolerance::Exact),
    // LeCaR draws its expert at random. The reference's draws came from libCacheSim's generator in a
    // state carried over from earlier runs in its process (a fresh process gives up to 1.7 points
    // more or less), so no seed reproduces it. Over seeds 1-24 the worst deviation per seed was 0.10
    // to 1.78 points (0.64 at the seed used here, 42): the bound is the spread, not this seed's luck.
    ("LeCaR", "lecar", Tolerance::Points(2.0)),
    // Random samples: seed 42 is within 0.09 points of libCacheSim, seeds 1..8 within 0.12.
    ("Hyperbolic", "hyperbolic", Tolerance::Points(0.15)),
    // Random samples and explorers: seed 42 is within 0.15 points of libCacheSim, seeds 1..8 within 0.11.
    ("LHD", "lhd", Tolerance::Points(0.2)),
];

/// Rows checked in one unit only: (libCacheSim name, cachesim policy, unit, required agreement).
const UNIT_SPECIFIC: &[(&str, &str, SizeUnit, Tolerance)] = &[
    ("WTinyLFU", "tinylfu", SizeUnit::Objects, Tolerance::Exact),
    ("WTinyLFU", "tinylfu:sketch=exact", SizeUnit::Bytes, Tolerance::Exact),
    // Cacheus draws its expert and its first learning rate at random. libCacheSim's own results
    // move by up to 3.6 points in bytes with its generator's state (the rows come from a state left
    // by earlier runs in its process), and over 20 of its seeds the median worst deviation from
    // these rows was 2.36 points. With libCacheSim's generator in place of ours (a local check, not
    // kept) this model matched libCacheSim's counts. So: 4 points in bytes (2.61 at seed 42,
    // 384 MiB), 1 in objects (0.30 at seed 42).
    ("Cacheus", "cacheus", SizeUnit::Bytes, Tolerance::Points(4.0)),
    ("Cacheus", "cacheus", SizeUnit::Objects, Tolerance::Points(1.0)),
];

fn shared_dir(var: &str, sub: &str) -> Option<PathBuf> {
    let p = match std::env::var_os(var) {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join(sub),
    };
    p.is_dir().then_some(p)
}

struct RefRow {
    policy: String,
    cache_size: u64,
    requests: u64,
    misses: u64,
}

fn load(path: &PathBuf) -> Vec<RefRow> {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|c| c == n)
            .unwrap_or_else(|| panic!("{}: no column {n}", path.display()))
    };
    let (p, c, r, m) = (col("policy"), col("cache_size"), col("requests"), col("misses"));
    rdr.records()
        .map(|rec| {
            let rec = rec.unwrap();
            RefRow {
                policy: rec[p].to_string(),
                cache_size: rec[c].parse().unwrap(),
                requests: rec[r].parse().unwrap(),
                misses: rec[m].parse().unwrap(),
            }
        })
        .collect()
}

fn check(file: &str, unit: SizeUnit) {
    let (Some(refdir), Some(tracedir)) = (
        shared_dir("CACHESIM_REFERENCE_DIR", "reference"),
        shared_dir("CACHESIM_TRACE_DIR", "traces"),
    ) else {
        if std::env::var("CACHESIM_REQUIRE_REFERENCE").as_deref() == Ok("1") {
            panic!("CACHESIM_REQUIRE_REFERENCE=1 but ../shared/reference or ../shared/traces is missing (set CACHESIM_REFERENCE_DIR and CACHESIM_TRACE_DIR)");
        }
        eprintln!("SKIPPED: libCacheSim reference files not found (../shared or CACHESIM_REFERENCE_DIR); conformance not checked");
        return;
    };
    let rows = load(&refdir.join(file));
    let mut trace =
        Source::trace(TraceSpec::new(tracedir.join("cloudPhysicsIO.oracleGeneral.bin"), TraceFormat::Auto).unwrap());
    trace.ignore_size = unit == SizeUnit::Objects;
    let mut by_policy: BTreeMap<&str, usize> = BTreeMap::new();
    let jobs: Vec<(&RefRow, &str, Tolerance)> = rows
        .iter()
        .flat_map(|r| {
            let general = POLICIES
                .iter()
                .filter(|(l, _, _)| *l == r.policy)
                .map(move |&(_, ours, tol)| (r, ours, tol));
            let specific = UNIT_SPECIFIC
                .iter()
                .filter(move |(l, _, u, _)| *l == r.policy && *u == unit)
                .map(move |&(_, ours, _, tol)| (r, ours, tol));
            general.chain(specific)
        })
        .collect();
    for (_, ours, _) in &jobs {
        *by_policy.entry(ours).or_default() += 1;
    }
    for (lcs, ours, _) in POLICIES {
        assert!(by_policy.contains_key(ours), "{file} has no rows for {lcs}");
    }
    let failures: Vec<String> = jobs
        .par_iter()
        .filter_map(|(r, ours, tol)| {
            let spec = PolicySpec::parse(ours).unwrap();
            let got = replay_trace(
                &trace,
                &spec,
                &BuildCtx {
                    capacity: r.cache_size,
                    seed: 42,
                },
                unit,
                None,
                &|| {},
            )
            .unwrap();
            assert_eq!(got.requests, r.requests, "{ours} at {}: request count", r.cache_size);
            let ok = match tol {
                Tolerance::Exact => got.misses == r.misses,
                Tolerance::Points(p) => ((got.misses as f64 - r.misses as f64) / r.requests as f64 * 100.0).abs() <= *p,
            };
            (!ok).then(|| {
                format!(
                    "{ours} at {} {:?}: cachesim {} misses, libCacheSim {} ({:+.3} points, required {:?})",
                    r.cache_size,
                    unit,
                    got.misses,
                    r.misses,
                    (got.misses as f64 - r.misses as f64) / r.requests as f64 * 100.0,
                    tol
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{file}: {} (policy, size) pairs checked against libCacheSim",
        jobs.len()
    );
}

#[test]
fn cloudphysics_bytes_match_libcachesim() {
    check("libcachesim_cloudphysics_bytes.csv", SizeUnit::Bytes);
}

#[test]
fn cloudphysics_objects_match_libcachesim() {
    check("libcachesim_cloudphysics_objects.csv", SizeUnit::Objects);
}
