//! One-pass LRU miss-ratio curve at 8 sizes against 8 separate `lru` replays, on the same seeded
//! in-memory Zipf(1.0) trace (1M requests, 100k objects, unit sizes). `cargo bench --bench mrc`.

use cachesim::mrc::LruMrc;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::request::Request;
use cachesim::sim::{replay_slice, SizeUnit};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Zipf};

const REQUESTS: usize = 1_000_000;
const OBJECTS: u64 = 100_000;
const SIZES: [u64; 8] = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

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

fn mrc(c: &mut Criterion) {
    let trace = zipf_trace();
    let lru = PolicySpec::parse("lru").unwrap();
    let mut g = c.benchmark_group("lru_8_sizes_zipf1.0_1M_req");
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.sample_size(10);
    g.bench_function("one_pass_mrc", |b| {
        b.iter(|| {
            let mut m = LruMrc::new(&SIZES, SizeUnit::Objects);
            m.feed(&trace).unwrap();
            m.points()
        })
    });
    g.bench_function("eight_lru_replays", |b| {
        b.iter(|| {
            SIZES
                .iter()
                .map(|&capacity| replay_slice(&lru, &BuildCtx { capacity, seed: 1 }, &trace).misses)
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, mrc);
criterion_main!(benches);
