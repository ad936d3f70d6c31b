//! One-pass LRU miss-ratio curve at 8 sizes against 8 separate `lru` replays, on the same seeded
//! in-memory Zipf(1.0) trace (1M requests, 100k objects, unit sizes); and the exact curve at 10
//! against 10,000 byte sizes on a seeded 100k-request trace with varied object sizes (the cost must
//! not grow with the number of sizes: issue 12, item 15). `cargo bench --bench mrc`.

use cachesim::model::request::Request;
use cachesim::model::result::SizeUnit;
use cachesim::mrc::LruMrc;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_slice;
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

/// 100k requests, Zipf(0.9) over 20k objects, sizes 1 B..1 MiB fixed per object (seeded).
fn sized_trace() -> Vec<Request> {
    let mut rng = SmallRng::seed_from_u64(7);
    let z = Zipf::new(20_000.0, 0.9).unwrap();
    (0..100_000u64)
        .map(|i| {
            let k = z.sample(&mut rng) as u64;
            let size = 1 + (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44);
            let mut r = Request::get(k, size);
            r.time = i * 1_000_000;
            r
        })
        .collect()
}

fn many_sizes(c: &mut Criterion) {
    let trace = sized_trace();
    let mut g = c.benchmark_group("exact_lru_curve_100k_req_sized");
    g.throughput(Throughput::Elements(trace.len() as u64));
    g.sample_size(10);
    for n in [10u64, 10_000] {
        // Log-spaced from 1 KiB to 20 GiB, as `-s 1KiB..20GiB:N`.
        let sizes: Vec<u64> = (0..n)
            .map(|i| (1024.0 * (20.0 * 1024.0 * 1024.0f64).powf(i as f64 / (n - 1) as f64)) as u64)
            .collect();
        g.bench_function(format!("{n}_sizes"), |b| {
            b.iter(|| {
                let mut m = LruMrc::new(&sizes, SizeUnit::Bytes);
                m.feed(&trace).unwrap();
                m.points()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, mrc, many_sizes);
criterion_main!(benches);
