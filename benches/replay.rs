//! Per-policy replay throughput on an in-memory Zipf(1.0) trace (seeded): requests per second for
//! every registered policy, the cache warmed by the same stream. `cargo bench --bench replay`.

use cachesim::model::request::{Request, NEVER};
use cachesim::policy::{BuildCtx, PolicySpec, REGISTRY};
use cachesim::replay::replay_slice;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Zipf};

const REQUESTS: usize = 1_000_000;
const OBJECTS: u64 = 100_000;
const CACHE: u64 = 10_000;

fn zipf_trace() -> Vec<Request> {
    let mut rng = SmallRng::seed_from_u64(42);
    let z = Zipf::new(OBJECTS as f64, 1.0).unwrap();
    let mut reqs: Vec<Request> = (0..REQUESTS)
        .map(|i| {
            let mut r = Request::get((z.sample(&mut rng) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15), 1);
            r.time = i as u64 * 1_000_000;
            r
        })
        .collect();
    let mut next = std::collections::HashMap::new();
    for i in (0..reqs.len()).rev() {
        reqs[i].next_access = next.insert(reqs[i].key, i as u64 + 1).unwrap_or(NEVER);
    }
    reqs
}

fn replay(c: &mut Criterion) {
    let trace = zipf_trace();
    let mut g = c.benchmark_group("replay_zipf1.0_1M_req_10k_cache");
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.sample_size(10);
    for info in REGISTRY {
        let spec = PolicySpec::parse(info.name).unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(info.name), &trace, |b, t| {
            b.iter(|| {
                replay_slice(
                    &spec,
                    &BuildCtx {
                        capacity: CACHE,
                        seed: 1,
                    },
                    t,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
