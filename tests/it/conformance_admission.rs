//! Admission policies against libCacheSim's native CLI (built from source; see
//! ../shared/reference/README.md): lru, fifo, sieve and clock behind `bloom-filter`, `size` (16384
//! and 65536) and `prob` (p = 0.5) on cloudPhysicsIO, in bytes and in objects.
//! bloom and size must give identical miss counts. prob draws at random, and libCacheSim's draws
//! come from its own generator: its count must lie within our own spread over seeds, widened by
//! half that spread (8 seeds; on this trace our 8-seed range is 0.1 to 1.0 points wide and
//! libCacheSim's count lies at most 0.25 points outside it).
//!
//! Files are found as in `conformance.rs` (CACHESIM_REFERENCE_DIR / CACHESIM_TRACE_DIR, else
//! ../shared); absent, the test says so and passes unless CACHESIM_REQUIRE_REFERENCE=1.

use cachesim::model::result::SizeUnit;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_trace;
use cachesim::source::Source;
use cachesim::trace::{TraceFormat, TraceSpec};
use rayon::prelude::*;
use std::path::PathBuf;

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

/// One reference row: libCacheSim's policy, admission and its parameters, and its counts.
struct Row {
    policy: String,
    admission: String,
    params: String,
    cache_size: u64,
    unit: SizeUnit,
    requests: u64,
    misses: u64,
}

fn load(path: &PathBuf) -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|c| c == n)
            .unwrap_or_else(|| panic!("{}: no column {n}", path.display()))
    };
    let (p, a, ap, c, u, r, m) = (
        col("policy"),
        col("admission"),
        col("admission_params"),
        col("cache_size"),
        col("size_unit"),
        col("requests"),
        col("misses"),
    );
    rdr.records()
        .map(|rec| {
            let rec = rec.unwrap();
            Row {
                policy: rec[p].to_string(),
                admission: rec[a].to_string(),
                params: rec[ap].to_string(),
                cache_size: rec[c].parse().unwrap(),
                unit: if &rec[u] == "objects" {
                    SizeUnit::Objects
                } else {
                    SizeUnit::Bytes
                },
                requests: rec[r].parse().unwrap(),
                misses: rec[m].parse().unwrap(),
            }
        })
        .collect()
}

/// Our spelling of a row's cache: `lru+size:size=16384`.
fn ours(r: &Row) -> Option<String> {
    let adm = match (r.admission.as_str(), r.params.as_str()) {
        ("bloom-filter", "") => "bloom".to_string(),
        ("size", p) => format!("size:{p}"),
        ("prob", p) => format!("prob:{}", p.replace("prob=", "p=")),
        _ => return None,
    };
    matches!(r.policy.as_str(), "lru" | "fifo" | "sieve" | "clock").then(|| format!("{}+{adm}", r.policy))
}

fn misses(trace: &Source, spec: &str, r: &Row, seed: u64) -> u64 {
    let got = replay_trace(
        trace,
        &PolicySpec::parse(spec).unwrap(),
        &BuildCtx {
            capacity: r.cache_size,
            seed,
        },
        r.unit,
        None,
        &|| {},
    )
    .unwrap();
    assert_eq!(got.requests, r.requests, "{spec} at {}: request count", r.cache_size);
    got.misses
}

#[test]
fn admission_matches_libcachesim_native() {
    let (Some(refdir), Some(tracedir)) = (
        shared_dir("CACHESIM_REFERENCE_DIR", "reference"),
        shared_dir("CACHESIM_TRACE_DIR", "traces"),
    ) else {
        if std::env::var("CACHESIM_REQUIRE_REFERENCE").as_deref() == Ok("1") {
            panic!("CACHESIM_REQUIRE_REFERENCE=1 but ../shared/reference or ../shared/traces is missing");
        }
        eprintln!("SKIPPED: libCacheSim reference files not found (../shared or CACHESIM_REFERENCE_DIR); admission not checked");
        return;
    };
    let rows = load(&refdir.join("libcachesim_native_cloudphysics.csv"));
    let mut bytes =
        Source::trace(TraceSpec::new(tracedir.join("cloudPhysicsIO.oracleGeneral.bin"), TraceFormat::Auto).unwrap());
    let mut objects = bytes.clone();
    bytes.ignore_size = false;
    objects.ignore_size = true;
    let jobs: Vec<(&Row, String)> = rows.iter().filter_map(|r| ours(r).map(|o| (r, o))).collect();
    for adm in ["+bloom", "+size:size=16384", "+size:size=65536", "+prob"] {
        for unit in [SizeUnit::Bytes, SizeUnit::Objects] {
            assert!(
                jobs.iter().filter(|(r, o)| o.contains(adm) && r.unit == unit).count() >= 4 * 7,
                "the reference lacks {adm} rows in {unit:?}"
            );
        }
    }
    let failures: Vec<String> = jobs
        .par_iter()
        .filter_map(|(r, spec)| {
            let trace = if r.unit == SizeUnit::Objects { &objects } else { &bytes };
            let pts = |m: u64| (m as f64 - r.misses as f64) / r.requests as f64 * 100.0;
            if spec.contains("+prob") {
                let got: Vec<u64> = (1..=8).map(|seed| misses(trace, spec, r, seed)).collect();
                let (lo, hi) = (*got.iter().min().unwrap(), *got.iter().max().unwrap());
                let slack = (hi - lo) / 2;
                let ok = r.misses + slack >= lo && r.misses <= hi + slack;
                (!ok).then(|| {
                    format!(
                        "{spec} at {} {:?}: libCacheSim {} misses outside ours over 8 seeds, {lo}..{hi} (+- {slack})",
                        r.cache_size, r.unit, r.misses
                    )
                })
            } else {
                let got = misses(trace, spec, r, 42);
                (got != r.misses).then(|| {
                    format!(
                        "{spec} at {} {:?}: cachesim {got} misses, libCacheSim {} ({:+.3} points)",
                        r.cache_size,
                        r.unit,
                        r.misses,
                        pts(got)
                    )
                })
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} (policy, admission, size, unit) rows checked against libCacheSim's native CLI",
        jobs.len()
    );
}

/// One row of libcachesim_pypi_extra_cloudphysics.csv: miss ratios of two runs.
struct PyRow {
    policy: String,
    admission: String,
    cache_size: u64,
    unit: SizeUnit,
    requests: u64,
    ratio: f64,
    ratio2: f64,
}

/// AdaptSize and bloom-filter in front of LRU and FIFO, against libCacheSim's PyPI package 0.3.5
/// (whose AdaptSize is the paper's model; the native CLI has none). bloom: identical counts.
/// AdaptSize draws at random: the mean of our miss ratios over 4 seeds must lie within 0.3 points
/// of the mean of libCacheSim's two runs (its two runs differ by up to 0.30 points on this trace;
/// measured, ours lie within 0.16 in bytes and 0.11 in objects).
#[test]
fn adaptsize_and_bloom_match_libcachesim_pypi() {
    let (Some(refdir), Some(tracedir)) = (
        shared_dir("CACHESIM_REFERENCE_DIR", "reference"),
        shared_dir("CACHESIM_TRACE_DIR", "traces"),
    ) else {
        if std::env::var("CACHESIM_REQUIRE_REFERENCE").as_deref() == Ok("1") {
            panic!("CACHESIM_REQUIRE_REFERENCE=1 but ../shared/reference or ../shared/traces is missing");
        }
        eprintln!("SKIPPED: libCacheSim reference files not found; AdaptSize not checked");
        return;
    };
    let path = refdir.join("libcachesim_pypi_extra_cloudphysics.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<PyRow> = rdr
        .records()
        .map(|r| r.unwrap())
        .filter(|r| matches!(&r[1], "adaptsize" | "bloom-filter"))
        .map(|r| PyRow {
            policy: r[0].to_ascii_lowercase(),
            admission: r[1].to_string(),
            cache_size: r[2].parse().unwrap(),
            unit: if &r[3] == "objects" {
                SizeUnit::Objects
            } else {
                SizeUnit::Bytes
            },
            requests: r[4].parse().unwrap(),
            ratio: r[5].parse().unwrap(),
            ratio2: r[7].parse().unwrap(),
        })
        .collect();
    assert!(
        rows.len() >= 4 * 15,
        "{}: expected AdaptSize and bloom-filter rows",
        path.display()
    );
    let mut bytes =
        Source::trace(TraceSpec::new(tracedir.join("cloudPhysicsIO.oracleGeneral.bin"), TraceFormat::Auto).unwrap());
    let mut objects = bytes.clone();
    bytes.ignore_size = false;
    objects.ignore_size = true;
    let failures: Vec<String> = rows
        .par_iter()
        .filter_map(|r| {
            let trace = if r.unit == SizeUnit::Objects { &objects } else { &bytes };
            let adm = if r.admission == "adaptsize" {
                "adaptsize"
            } else {
                "bloom"
            };
            let spec = format!("{}+{adm}", r.policy);
            let row = Row {
                policy: r.policy.clone(),
                admission: r.admission.clone(),
                params: String::new(),
                cache_size: r.cache_size,
                unit: r.unit,
                requests: r.requests,
                misses: (r.ratio * r.requests as f64).round() as u64,
            };
            if adm == "bloom" {
                let got = misses(trace, &spec, &row, 42);
                (got != row.misses).then(|| {
                    format!(
                        "{spec} at {} {:?}: cachesim {got}, libCacheSim {}",
                        r.cache_size, r.unit, row.misses
                    )
                })
            } else {
                let mean: f64 =
                    (1..=4).map(|s| misses(trace, &spec, &row, s) as f64).sum::<f64>() / 4.0 / r.requests as f64;
                let theirs = (r.ratio + r.ratio2) / 2.0;
                let pts = (mean - theirs) * 100.0;
                (pts.abs() > 0.3).then(|| {
                    format!(
                        "{spec} at {} {:?}: cachesim mean {:.4}, libCacheSim {theirs:.4} ({pts:+.3} points)",
                        r.cache_size, r.unit, mean
                    )
                })
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
