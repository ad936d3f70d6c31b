//! The one-pass LRU curve against separate `lru` replays: random traces (proptest), libCacheSim's
//! reference numbers on cloudPhysicsIO, and the SHARDS error on a 10M-request Zipf trace.

use cachesim::model::request::{Op, Request, NEVER};
use cachesim::model::result::SizeUnit;
use cachesim::mrc::shards::{shards_mrc, ShardsConfig};
use cachesim::mrc::{lru_mrc, LruMrc, MrcPoint};
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_slice;
use cachesim::trace::{TraceFormat, TraceReader, TraceSpec, BATCH};
use proptest::prelude::*;
use std::path::PathBuf;

const SIZES: &[u64] = &[0, 1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 1000];

/// Random traces: sizes fixed per key (from `key_sizes`), some deletes, zero-size requests, TTLs
/// that vary per request, and time that stands still or jumps.
fn trace_strategy() -> impl Strategy<Value = Vec<Request>> {
    (
        prop::collection::vec(1u64..40, 24),
        prop::collection::vec((0u64..24, 0u8..40, 0u64..30, 0u8..8), 1..500),
    )
        .prop_map(|(key_sizes, v)| {
            let mut time = 0;
            v.into_iter()
                .map(|(k, op, dt, ttl)| {
                    time += dt;
                    Request {
                        time,
                        key: k,
                        size: if op == 1 { 0 } else { key_sizes[k as usize] },
                        op: match op {
                            0 => Op::Delete,
                            2 => Op::Write,
                            _ => Op::Read,
                        },
                        ttl: match ttl {
                            0 => 50,
                            1 => 200,
                            2 => 1,
                            _ => 0,
                        },
                        next_access: NEVER,
                        absent: false,
                        instance: 0,
                    }
                })
                .collect()
        })
}

fn replay_points(reqs: &[Request]) -> Vec<(u64, u64, u64, u64)> {
    let lru = PolicySpec::parse("lru").unwrap();
    SIZES
        .iter()
        .map(|&c| {
            let s = replay_slice(&lru, &BuildCtx { capacity: c, seed: 0 }, reqs);
            (s.requests, s.misses, s.bytes, s.miss_bytes)
        })
        .collect()
}

fn mrc_points(reqs: &[Request], unit: SizeUnit) -> Vec<(u64, u64, u64, u64)> {
    let mut m = LruMrc::new(SIZES, unit);
    for chunk in reqs.chunks(37) {
        m.feed(chunk).unwrap();
    }
    m.points()
        .iter()
        .map(|p| (p.requests, p.misses, p.bytes_requested, p.bytes_missed))
        .collect()
}

fn unit_sizes(reqs: &[Request]) -> Vec<Request> {
    reqs.iter()
        .map(|r| Request {
            size: r.size.min(1),
            ..*r
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn identical_to_lru_replays_bytes(reqs in trace_strategy()) {
        prop_assert_eq!(mrc_points(&reqs, SizeUnit::Bytes), replay_points(&reqs));
    }

    #[test]
    fn identical_to_lru_replays_objects(reqs in trace_strategy()) {
        let reqs = unit_sizes(&reqs);
        prop_assert_eq!(mrc_points(&reqs, SizeUnit::Objects), replay_points(&reqs));
    }

    /// Object mode ignores sizes in the requests (the lru replay sees them all as 1).
    #[test]
    fn object_mode_ignores_request_sizes(reqs in trace_strategy()) {
        let unit = unit_sizes(&reqs);
        prop_assert_eq!(mrc_points(&reqs, SizeUnit::Objects), replay_points(&unit));
    }
}

fn shared_dir(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(sub);
    p.is_dir().then_some(p)
}

/// The curve equals libCacheSim's LRU miss counts at every reference size.
fn check_reference(file: &str, unit: SizeUnit) {
    let (Some(refdir), Some(tracedir)) = (shared_dir("reference"), shared_dir("traces")) else {
        eprintln!("SKIPPED: ../shared/reference or ../shared/traces not found; MRC conformance not checked");
        return;
    };
    let trace_path = tracedir.join("cloudPhysicsIO.oracleGeneral.bin");
    if !trace_path.is_file() || !refdir.join(file).is_file() {
        eprintln!("SKIPPED: {} or {file} not found", trace_path.display());
        return;
    }
    let mut rdr = csv::Reader::from_path(refdir.join(file)).unwrap();
    let rows: Vec<(u64, u64, u64)> = rdr
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "LRU")
        .map(|r| (r[1].parse().unwrap(), r[3].parse().unwrap(), r[4].parse().unwrap()))
        .collect();
    assert!(rows.len() >= 5, "{file}: expected LRU rows");
    let mut spec = cachesim::source::Source::trace(TraceSpec::new(trace_path, TraceFormat::Auto).unwrap());
    spec.ignore_size = unit == SizeUnit::Objects;
    let sizes: Vec<u64> = rows.iter().map(|r| r.0).collect();
    let curve = lru_mrc(&mut *spec.open(None).unwrap(), &sizes, unit).unwrap();
    for (p, &(size, requests, misses)) in curve.iter().zip(&rows) {
        assert_eq!(
            (p.cache_size, p.requests, p.misses),
            (size, requests, misses),
            "{file} at {size}"
        );
    }
}

#[test]
fn reference_cloudphysics_bytes() {
    check_reference("libcachesim_cloudphysics_bytes.csv", SizeUnit::Bytes);
}

#[test]
fn reference_cloudphysics_objects() {
    check_reference("libcachesim_cloudphysics_objects.csv", SizeUnit::Objects);
}

/// Streams unit-size requests of the given keys.
struct KeyReader<'a> {
    keys: &'a [u32],
    at: usize,
}

impl TraceReader for KeyReader<'_> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> anyhow::Result<bool> {
        out.clear();
        let end = (self.at + BATCH).min(self.keys.len());
        out.extend(self.keys[self.at..end].iter().map(|&k| Request::get(k as u64, 1)));
        self.at = end;
        Ok(!out.is_empty())
    }
}

fn mae(a: &[MrcPoint], b: &[MrcPoint]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x.miss_ratio - y.miss_ratio).abs())
        .sum::<f64>()
        / a.len() as f64
}

/// SHARDS at 1% on 10M Zipf(1.0) requests over 1M objects: mean absolute error below 0.01 over
/// cache sizes of 1% to 100% of the objects (scaled caches of 100 to 10,000 sampled objects; below
/// about 100 the estimate is dominated by which of the few hottest keys were sampled).
#[test]
fn shards_error_on_zipf() {
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Zipf};
    let t0 = std::time::Instant::now();
    let mut rng = SmallRng::seed_from_u64(2015);
    let z = Zipf::new(1_000_000.0, 1.0).unwrap();
    let keys: Vec<u32> = (0..10_000_000).map(|_| z.sample(&mut rng) as u32).collect();
    let gen = t0.elapsed();
    let sizes: Vec<u64> = vec![10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];
    let t1 = std::time::Instant::now();
    let exact = lru_mrc(&mut KeyReader { keys: &keys, at: 0 }, &sizes, SizeUnit::Objects).unwrap();
    let exact_t = t1.elapsed();
    let t2 = std::time::Instant::now();
    let rate = shards_mrc(
        &mut KeyReader { keys: &keys, at: 0 },
        &sizes,
        SizeUnit::Objects,
        &ShardsConfig::rate(0.01),
    )
    .unwrap();
    let rate_t = t2.elapsed();
    let fixed = shards_mrc(
        &mut KeyReader { keys: &keys, at: 0 },
        &sizes,
        SizeUnit::Objects,
        &ShardsConfig::fixed_size(8_000),
    )
    .unwrap();
    let (e_rate, e_fixed) = (mae(&exact, &rate.points), mae(&exact, &fixed.points));
    eprintln!(
        "generate {gen:?}, exact {exact_t:?}, shards 1% {rate_t:?}; MAE rate {e_rate:.5} ({:?}), fixed-size {e_fixed:.5} ({:?})",
        rate.sampling, fixed.sampling
    );
    for (x, (r, f)) in exact.iter().zip(rate.points.iter().zip(&fixed.points)) {
        eprintln!(
            "{:>8} exact {:.4} shards-1% {:.4} fixed-8k {:.4}",
            x.cache_size, x.miss_ratio, r.miss_ratio, f.miss_ratio
        );
    }
    assert!(e_rate < 0.01, "SHARDS 1% MAE {e_rate}");
    assert!(e_fixed < 0.01, "SHARDS fixed-size MAE {e_fixed}");
    assert!((rate.sampling.sampled_requests as f64) < 0.02 * 10_000_000.0);
    assert!(fixed.sampling.sampled_objects <= 8_000);
}

/// Miniature simulations (the SHARDS key sample through a cache scaled by the rate) of policies
/// other than LRU, against simulating the whole stream: 2M Zipf(0.9) requests over 200k keys, 5%
/// of the keys, caches of 5k to 80k objects (scaled: 250 to 4,000).
#[test]
fn miniature_simulations_track_full_simulations() {
    use cachesim::replay::{replay_sampled, replay_trace};
    let text = r#"
seed = 7
[workload]
requests = 2_000_000
keys = 200_000
popularity = { dist = "zipf", alpha = 0.9 }
size = { dist = "fixed", value = 1 }
"#;
    let path = std::path::Path::new("mini.toml");
    let f = cachesim::schema::parse(text, path).unwrap();
    let mut source = cachesim::source::workload_source(&f, path).unwrap();
    source.ignore_size = true;
    for policy in ["s3fifo", "arc", "sieve", "clock", "twoq", "lfu"] {
        let spec = PolicySpec::parse(policy).unwrap();
        let mut errors = Vec::new();
        for capacity in [5_000, 20_000, 80_000] {
            let ctx = BuildCtx { capacity, seed: 1 };
            let full = replay_trace(&source, &spec, &ctx, SizeUnit::Objects, None, &|| {}).unwrap();
            let mini = replay_sampled(&source, &spec, &ctx, SizeUnit::Objects, 0.05, None, &|| {}).unwrap();
            assert_eq!(mini.requests, full.requests, "requests are the whole stream's");
            assert_eq!(mini.sampling_rate, Some(0.05));
            errors.push((mini.miss_ratio - full.miss_ratio).abs());
            eprintln!(
                "{policy} {capacity}: full {:.4} mini {:.4}",
                full.miss_ratio, mini.miss_ratio
            );
        }
        let mean = errors.iter().sum::<f64>() / errors.len() as f64;
        assert!(mean < 0.01, "{policy}: mean absolute error {mean} ({errors:?})");
        assert!(errors.iter().all(|e| *e < 0.02), "{policy}: {errors:?}");
    }
}
