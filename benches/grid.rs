//! Scaling of the policy x size grid with threads: 6 policies x 8 sizes on the bundled sample trace
//! with 1 and 2 worker threads (`cargo bench --bench grid`). The same comparison on the 10M-request
//! Zipf trace is a documented command in the README.

use cachesim::cli::OutputFormat;
use cachesim::config::{parse_sizes, RunConfig};
use cachesim::model::result::SizeUnit;
use cachesim::policy::PolicySpec;
use cachesim::report::chart::ChartFormat;
use cachesim::source::Source;
use cachesim::trace::{TraceFormat, TraceSpec};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn config(jobs: usize) -> RunConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/sample.oracleGeneral.bin");
    RunConfig {
        source: Source::trace(TraceSpec::new(path, TraceFormat::Auto).unwrap()),
        policies: PolicySpec::parse_list("lru,fifo,clock,sieve,s3fifo,arc").unwrap(),
        sizes: parse_sizes(&["256KiB..32MiB:8".to_string()], "sizes").unwrap(),
        unit: SizeUnit::Bytes,
        jobs,
        out: None,
        format: OutputFormat::Json,
        quiet: true,
        seed: 42,
        chart_format: ChartFormat::Png,
        engine: None,
        topology: None,
        warm: None,
        hot: None,
        sample_rate: None,
        variant: None,
        alerts: cachesim::alerts::Alerts::default(),
    }
}

fn grid(c: &mut Criterion) {
    let mut g = c.benchmark_group("grid_6_policies_x_8_sizes");
    g.sample_size(10);
    g.throughput(Throughput::Elements(48 * 100_000));
    for jobs in [1usize, 2] {
        g.bench_with_input(BenchmarkId::new("jobs", jobs), &jobs, |b, &j| {
            b.iter(|| cachesim::replay::grid::run_grid(&mut config(j)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, grid);
criterion_main!(benches);
