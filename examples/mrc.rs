//! Streams a trace file through the one-pass LRU curve and prints the curve and the elapsed time:
//! `cargo run --release --example mrc -- TRACE [--objects] [--shards RATE] SIZE...`
//! (there is no `cachesim` subcommand for it yet).

use cachesim::model::result::SizeUnit;
use cachesim::mrc::lru_mrc;
use cachesim::mrc::shards::{shards_mrc, ShardsConfig};
use cachesim::trace::{TraceFormat, TraceSpec};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: mrc TRACE [--objects] [--shards RATE] SIZE..."))?;
    let (mut unit, mut rate, mut sizes) = (SizeUnit::Bytes, None, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--objects" => unit = SizeUnit::Objects,
            "--shards" => rate = Some(args.next().unwrap_or_default().parse::<f64>()?),
            s => sizes.push(s.parse::<u64>()?),
        }
    }
    let mut spec = cachesim::source::Source::trace(TraceSpec::new(&path, TraceFormat::Auto)?);
    spec.ignore_size = unit == SizeUnit::Objects;
    let mut reader = spec.open(None)?;
    let start = Instant::now();
    let points = match rate {
        None => lru_mrc(&mut *reader, &sizes, unit)?,
        Some(r) => {
            let c = shards_mrc(&mut *reader, &sizes, unit, &ShardsConfig::rate(r))?;
            eprintln!("{:?}", c.sampling);
            c.points
        }
    };
    let secs = start.elapsed().as_secs_f64();
    println!("cache_size,requests,misses,miss_ratio,byte_miss_ratio");
    for p in &points {
        println!(
            "{},{},{},{:.6},{:.6}",
            p.cache_size, p.requests, p.misses, p.miss_ratio, p.byte_miss_ratio
        );
    }
    let n = points.first().map_or(0, |p| p.requests);
    eprintln!(
        "{n} requests, {} sizes in {secs:.3} s: {:.2} M requests/s",
        sizes.len(),
        n as f64 / secs / 1e6
    );
    Ok(())
}
