//! The engine's cluster against the single cache, measured in the same run (ratios, not
//! absolute rates, carry from machine to machine). `cargo bench --bench cluster`:
//! benches/engine.toml's cache-aside workload cut to 1M requests (100,000 requests/s), the cache
//! 500 us away: one LRU of 45k objects; the same split over 8 nodes (ketama, 20 us of exponential
//! service each, one server); then, to compare per-node structures at an equal hit ratio, 8 and
//! 1,000 nodes holding 150k objects in all (every key fits, so both miss only on first reads).

use cachesim::model::result::SizeUnit;
use cachesim::policy::PolicySpec;
use cachesim::topology::{TieredCell, Topology};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;
use std::sync::Arc;

const LATENCY: &str = "[cache_latency]\nget = \"500us\"\nset = \"500us\"\n";

fn cluster(c: &mut Criterion) {
    let base = include_str!("engine.toml").replace("requests = 5_000_000", "requests = 1_000_000");
    let path = Path::new("benches/engine.toml");
    let single = cachesim::schema::parse(&format!("{base}{LATENCY}"), path).unwrap();
    let mut g = c.benchmark_group("cluster_engine_cache_aside_1M_req");
    g.throughput(Throughput::Elements(1_000_000));
    g.sample_size(10);
    g.bench_function("single_lru_500us", |b| {
        b.iter(|| cachesim::engine::simulate_file(&single, path, "lru", 45_000, false).unwrap())
    });
    for (nodes, size) in [(8, 45_000), (8, 150_000), (1000, 150_000)] {
        let text = format!(
            "{base}{LATENCY}[cluster]\nnodes = {nodes}\nnode_service = {{ dist = \"exponential\", mean = \"20us\" }}\n"
        );
        let f = cachesim::schema::parse(&text, path).unwrap();
        let cfg = cachesim::engine::config::EngineConfig::from_file(&f, path)
            .unwrap()
            .unwrap();
        let topo = Arc::new(Topology::from_file(&f, path, true).unwrap().unwrap());
        let mut source = cachesim::source::workload_source(&f, path).unwrap();
        source.ignore_size = true;
        let cell = TieredCell {
            specs: vec![(PolicySpec::parse("lru").unwrap(), size)],
            warm: None,
            hot: None,
        };
        g.bench_function(format!("cluster_{nodes}_nodes_{size}_lru_500us"), |b| {
            b.iter(|| {
                cachesim::engine::simulate_tiered(&source, &topo, &cell, 42, SizeUnit::Objects, &cfg, None, &|| {})
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, cluster);
criterion_main!(benches);
