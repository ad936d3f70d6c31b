//! Discrete-event engine throughput: cache-aside with Poisson arrivals, a log-normal backend, LRU,
//! single-threaded (the request generator included), at a 90% and an 85% hit ratio (more misses
//! mean more backend events). `cargo bench --bench engine`.

use cachesim::engine::simulate_file;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

const REQUESTS: u64 = 5_000_000;

const WORKLOAD: &str = include_str!("engine.toml");

fn engine(c: &mut Criterion) {
    let path = Path::new("benches/engine.toml");
    let file = cachesim::schema::parse(WORKLOAD, path).unwrap();
    let mut g = c.benchmark_group("engine_cache_aside_lognormal");
    g.throughput(Throughput::Elements(REQUESTS));
    g.sample_size(10);
    for (name, capacity) in [("lru_hit90", 45_000), ("lru_hit85", 29_000)] {
        let warm = simulate_file(&file, path, "lru", capacity, false).unwrap();
        eprintln!("{name}: hit ratio {:.4}", warm.hit_ratio);
        g.bench_function(name, |b| {
            b.iter(|| simulate_file(&file, path, "lru", capacity, false).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
