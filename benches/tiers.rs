//! Multi-level caches against the single cache, measured in the same run (ratios, not absolute
//! rates, carry from machine to machine). `cargo bench --bench tiers`:
//! - `tiers_replay`: plain replay of an in-memory Zipf(1.0) trace (1M requests, 100k objects)
//!   through one cache of 10k objects, and through 4 instances' 1k-object L1s in front of it
//!   (round-robin), for lru and s3fifo; and the tiers' own work apart (`l1s_alone`: each L1 on
//!   its quarter of the trace; `l2_alone_on_l1_misses`), whose sum bounds what two tiers can cost;
//! - `tiers_engine`: benches/engine.toml's cache-aside workload cut to 1M requests, single LRU of
//!   45k objects (no cache latency, and 500us), and with 4 instances' 5k-object LRU L1s (2us) in
//!   front of it (500us).

use cachesim::model::request::Request;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_slice;
use cachesim::replay::tiers::Hierarchy;
use cachesim::topology::{TieredCell, Topology};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Zipf};
use std::path::Path;
use std::sync::Arc;

const REQUESTS: usize = 1_000_000;
const OBJECTS: u64 = 100_000;

fn zipf_trace() -> Vec<Request> {
    let mut rng = SmallRng::seed_from_u64(42);
    let z = Zipf::new(OBJECTS as f64, 1.0).unwrap();
    (0..REQUESTS)
        .map(|i| {
            let mut r = Request::get((z.sample(&mut rng) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15), 1);
            r.time = i as u64 * 1_000_000;
            r
        })
        .collect()
}

const TOPOLOGY: &str = r#"[workload]
requests = 1
keys = 1
[topology]
instances = 4
[[tier]]
name = "l1"
scope = "instance"
policy = "lru"
size = 1000
[[tier]]
name = "l2"
"#;

fn replay(c: &mut Criterion) {
    let trace = zipf_trace();
    let path = Path::new("tiers.toml");
    let f = cachesim::schema::parse(TOPOLOGY, path).unwrap();
    let topo = Topology::from_file(&f, path, false).unwrap().unwrap();
    let mut g = c.benchmark_group("tiers_replay_zipf1.0_1M_req");
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.sample_size(10);
    for name in ["lru", "s3fifo"] {
        let spec = PolicySpec::parse(name).unwrap();
        g.bench_with_input(BenchmarkId::new("single", name), &trace, |b, t| {
            b.iter(|| {
                replay_slice(
                    &spec,
                    &BuildCtx {
                        capacity: 10_000,
                        seed: 1,
                    },
                    t,
                )
            })
        });
        let specs = [(PolicySpec::parse("lru").unwrap(), 1_000), (spec.clone(), 10_000)];
        // The two tiers' own work, apart: the four L1s each replaying its share of the trace,
        // and the L2 alone on their misses. Their sum is what two tiers cost without any
        // hierarchy overhead.
        let mut l1s: Vec<_> = (0..4)
            .map(|_| {
                specs[0]
                    .0
                    .build(&BuildCtx {
                        capacity: 1_000,
                        seed: 1,
                    })
                    .unwrap()
            })
            .collect();
        let mut shares: Vec<Vec<Request>> = vec![Vec::new(); 4];
        let mut l1_misses = Vec::new();
        for (i, r) in trace.iter().enumerate() {
            shares[i % 4].push(*r);
            if !l1s[i % 4].access(r) {
                l1_misses.push(*r);
            }
        }
        g.bench_with_input(BenchmarkId::new("l1s_alone", name), &shares, |b, shares| {
            b.iter(|| {
                shares
                    .iter()
                    .map(|t| {
                        replay_slice(
                            &specs[0].0,
                            &BuildCtx {
                                capacity: 1_000,
                                seed: 1,
                            },
                            t,
                        )
                        .misses
                    })
                    .sum::<u64>()
            })
        });
        g.bench_with_input(BenchmarkId::new("l2_alone_on_l1_misses", name), &l1_misses, |b, t| {
            b.iter(|| {
                replay_slice(
                    &spec,
                    &BuildCtx {
                        capacity: 10_000,
                        seed: 1,
                    },
                    t,
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("two_tier", name), &trace, |b, t| {
            b.iter(|| {
                let mut h = Hierarchy::new(&topo, &specs, 1).unwrap();
                for chunk in t.chunks(cachesim::trace::BATCH) {
                    h.replay(chunk);
                }
                h.tier_hits()
            })
        });
    }
    g.finish();
}

const ENGINE_TIERS: &str = r#"
[topology]
instances = 4
[[tier]]
name = "l1"
scope = "instance"
policy = "lru"
size = 5000
latency = "2us"
[[tier]]
name = "l2"
latency = "500us"
"#;

fn engine(c: &mut Criterion) {
    let base = include_str!("engine.toml").replace("requests = 5_000_000", "requests = 1_000_000");
    let path = Path::new("benches/engine.toml");
    let single = cachesim::schema::parse(&base, path).unwrap();
    let tiered_text = format!("{base}{ENGINE_TIERS}");
    let tiered = cachesim::schema::parse(&tiered_text, path).unwrap();
    let cfg = cachesim::engine::config::EngineConfig::from_file(&tiered, path)
        .unwrap()
        .unwrap();
    let topo = Arc::new(Topology::from_file(&tiered, path, true).unwrap().unwrap());
    let mut source = cachesim::source::workload_source(&tiered, path).unwrap();
    source.ignore_size = true;
    let cell = TieredCell {
        specs: vec![
            (PolicySpec::parse("lru").unwrap(), 5_000),
            (PolicySpec::parse("lru").unwrap(), 45_000),
        ],
        warm: None,
        hot: None,
    };
    let unit = cachesim::model::result::SizeUnit::Objects;
    let mut g = c.benchmark_group("tiers_engine_cache_aside_1M_req");
    g.throughput(Throughput::Elements(1_000_000));
    g.sample_size(10);
    g.bench_function("single_lru", |b| {
        b.iter(|| cachesim::engine::simulate_file(&single, path, "lru", 45_000, false).unwrap())
    });
    let slow_text = format!("{base}[cache_latency]\nget = \"500us\"\nset = \"500us\"\n");
    let slow = cachesim::schema::parse(&slow_text, path).unwrap();
    g.bench_function("single_lru_500us", |b| {
        b.iter(|| cachesim::engine::simulate_file(&slow, path, "lru", 45_000, false).unwrap())
    });
    g.bench_function("two_tier_lru", |b| {
        b.iter(|| cachesim::engine::simulate_tiered(&source, &topo, &cell, 42, unit, &cfg, None, &|| {}).unwrap())
    });
    g.finish();
}

criterion_group!(benches, replay, engine);
criterion_main!(benches);
