//! Synthetic workload generation throughput, single-threaded: requests per second streamed from a
//! Zipf(1.0) workload over 1M keys with fixed sizes and Poisson arrivals (seeded; the Zipf table is
//! built once, outside the measurement); and the oracleGeneral writer (records plus the backward
//! next-access pass) on the Zipf stream, into a temporary file. `cargo bench --bench generate`.

use cachesim::model::request::Request;
use cachesim::schema::parse;
use cachesim::source::Source;
use cachesim::workload::Workload;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use std::sync::Arc;

const REQUESTS: u64 = 2_000_000;

fn workload(popularity: &str) -> Arc<Workload> {
    let text = format!(
        "seed = 1\n[workload]\nrequests = {REQUESTS}\nkeys = 1_000_000\npopularity = {popularity}\narrival = {{ process = \"poisson\", rate = 100_000 }}\nsize = {{ dist = \"fixed\", value = \"4KiB\" }}\n"
    );
    let p = Path::new("bench.toml");
    Arc::new(Workload::compile(&parse(&text, p).unwrap(), p).unwrap())
}

/// Streams the whole workload; returns a checksum so nothing is optimized away.
fn drain(source: &Source) -> u64 {
    let mut r = source.open(None).unwrap();
    let mut batch: Vec<Request> = Vec::with_capacity(cachesim::trace::BATCH);
    let mut sum = 0u64;
    while r.read_batch(&mut batch).unwrap() {
        sum = sum.wrapping_add(batch.iter().fold(0, |a, q| a ^ q.key ^ q.time));
    }
    sum
}

fn generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("generate_1M_keys_fixed_size_poisson");
    g.throughput(Throughput::Elements(REQUESTS));
    g.sample_size(10);
    for (name, pop) in [
        ("zipf1.0", "{ dist = \"zipf\", alpha = 1.0 }"),
        ("uniform", "{ dist = \"uniform\" }"),
    ] {
        let source = Source::workload(workload(pop));
        drain(&source); // builds the shared Zipf table
        g.bench_with_input(BenchmarkId::from_parameter(name), &source, |b, s| b.iter(|| drain(s)));
    }
    g.finish();
}

fn write_oracle(c: &mut Criterion) {
    let mut g = c.benchmark_group("write_oracle_general_1M_keys");
    g.throughput(Throughput::Elements(REQUESTS));
    g.sample_size(10);
    let source = Source::workload(workload("{ dist = \"zipf\", alpha = 1.0 }"));
    drain(&source);
    g.bench_function("zipf1.0", |b| {
        b.iter(|| {
            let f = tempfile::tempfile().unwrap();
            cachesim::source::write::write_oracle(&source, &f, None).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, generate, write_oracle);
criterion_main!(benches);
