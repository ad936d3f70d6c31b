//! Discrete-event engine throughput: cache-aside with Poisson arrivals, a log-normal backend and a
//! ~90% hit ratio, one policy, single-threaded (the request generator included).
//! `cargo bench --bench engine`.

use cachesim::engine::simulate_file;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

const REQUESTS: u64 = 1_000_000;

const WORKLOAD: &str = r#"
seed = 42
[workload]
requests = 1_000_000
keys = 100_000
popularity = { dist = "zipf", alpha = 1.0 }
arrival = { process = "poisson", rate = 100_000 }
size = { dist = "fixed", value = 1 }
[cache]
ignore_obj_size = true
[pattern]
read = "cache-aside"
[backend]
read_latency = { dist = "lognormal", median = "5ms", p99 = "50ms" }
concurrency = 10_000
"#;

fn engine(c: &mut Criterion) {
    let path = Path::new("bench.toml");
    let file = cachesim::workload::parse(WORKLOAD, path).unwrap();
    let warm = simulate_file(&file, path, "lru", 30_000, false).unwrap();
    eprintln!("hit ratio {:.3}", warm.hit_ratio);
    let mut g = c.benchmark_group("engine_cache_aside_lognormal");
    g.throughput(Throughput::Elements(REQUESTS));
    g.sample_size(10);
    g.bench_function("lru", |b| {
        b.iter(|| simulate_file(&file, path, "lru", 30_000, false).unwrap())
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
