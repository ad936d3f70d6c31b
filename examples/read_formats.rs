//! Reader-only throughput of the binary trace formats against oracleGeneral on the same requests:
//! writes N requests (default 5,000,000) in each format into a temporary directory, then times a
//! loop that only reads batches (best of 3 passes, files in the page cache).
//!
//! `cargo run --release --example read_formats [N]`

use cachesim::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use cachesim::trace::{lcs, oracle, twrbin, vscsi, wiki, TraceFormat, TraceSpec};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args().nth(1).map_or(5_000_000, |s| s.parse().expect("N"));
    let dir = tempfile::tempdir()?;
    let reqs: Vec<Request> = (0..n)
        .map(|i| {
            let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
            Request {
                time: (i / 1000) * NANOS_PER_SEC,
                key: x % 1_000_000,
                size: 100 + x % 4000,
                op: if i % 10 == 0 { Op::Write } else { Op::Read },
                ttl: 0,
                next_access: if i % 3 == 0 { NEVER } else { i + 10 },
                absent: false,
                instance: 0,
            }
        })
        .collect();
    let mut files: Vec<(&str, TraceFormat, std::path::PathBuf)> = Vec::new();
    let mut put = |name: &'static str, format: TraceFormat, bytes: Vec<u8>| -> anyhow::Result<()> {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes)?;
        files.push((name, format, p));
        Ok(())
    };
    let mut b = Vec::with_capacity(reqs.len() * 24);
    for r in &reqs {
        oracle::encode(r, &mut b)?;
    }
    put("oracleGeneral", TraceFormat::OracleGeneral, b)?;
    for v in [1u64, 2, 3, 8] {
        let mut b = Vec::new();
        lcs::write(v, &reqs, &mut b)?;
        put(
            ["", "lcs v1", "lcs v2", "lcs v3", "", "", "", "", "lcs v8"][v as usize],
            TraceFormat::Lcs,
            b,
        )?;
    }
    let mut b = Vec::new();
    for r in &reqs {
        twrbin::encode(
            (r.time / NANOS_PER_SEC) as u32,
            r.key,
            20,
            r.size as u32,
            twrbin::code(r.op),
            0,
            &mut b,
        );
    }
    put("twr-bin", TraceFormat::TwrBin, b)?;
    let mut b = Vec::new();
    let recs: Vec<(u16, u64, u32, u64)> = reqs
        .iter()
        .map(|r| {
            (
                if r.op == Op::Write { 0x2a } else { 0x28 },
                r.key,
                r.size as u32,
                r.time / 1000,
            )
        })
        .collect();
    vscsi::write(2, &recs, &mut b);
    put("vscsi v2", TraceFormat::Vscsi, b)?;
    let mut b = Vec::new();
    for r in &reqs {
        wiki::encode(
            wiki::Wiki::Text2019,
            (r.time / NANOS_PER_SEC) as u32,
            r.key,
            r.size as u32,
            0,
            &mut b,
        );
    }
    put("wiki19t", TraceFormat::Wiki19t, b)?;

    let mut base = 0.0;
    println!("{n} requests, reader-only loop, best of 3");
    println!("{:<14} {:>10} {:>12} {:>8}", "format", "MB", "ns/request", "vs oracle");
    for (name, format, path) in &files {
        let spec = TraceSpec::new(path, *format)?;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let mut r = spec.open(None)?;
            let (mut batch, mut count, mut sum) = (Vec::new(), 0u64, 0u64);
            while r.read_batch(&mut batch)? {
                count += batch.len() as u64;
                sum = batch.iter().fold(sum, |s, q| s.wrapping_add(q.key ^ q.size ^ q.time));
            }
            let ns = t.elapsed().as_nanos() as f64 / count as f64;
            assert_eq!(count, n, "{name}");
            std::hint::black_box(sum);
            best = best.min(ns);
        }
        if base == 0.0 {
            base = best;
        }
        let mb = std::fs::metadata(path)?.len() as f64 / 1e6;
        println!("{name:<14} {mb:>10.1} {best:>12.2} {:>8.2}x", best / base);
    }
    Ok(())
}
