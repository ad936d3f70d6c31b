//! Trace writers, one per format `cachesim generate` writes: [`OracleWriter`] (oracleGeneral
//! records, next access "none": `crate::source::write` fills it in afterwards), [`CsvWriter`]
//! (`time,key,size,op,ttl`, nanosecond-exact decimal seconds) and [`TextWriter`] (one key per
//! line). [`write_records`] streams a reader through one of them.

use super::{oracle, TraceReader, BATCH};
use crate::model::request::{Op, Request, NANOS_PER_SEC};
use anyhow::{Context, Result};
use std::io::Write;

/// The layout of a written trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// oracleGeneral records.
    Oracle,
    /// CSV `time,key,size,op,ttl`.
    Csv,
    /// One key per line.
    Text,
}

impl Layout {
    /// The layout a file name implies (`.zst` stripped first; a bare `.zst` is oracleGeneral), or
    /// None for an unknown extension.
    pub fn from_name(name: &str) -> Option<Layout> {
        let name = name.to_ascii_lowercase();
        let base = name.strip_suffix(".zst").unwrap_or(&name);
        if base.ends_with(".csv") {
            Some(Layout::Csv)
        } else if base.ends_with(".txt") {
            Some(Layout::Text)
        } else if base.ends_with(".bin")
            || base.ends_with(".oraclegeneral")
            || base.ends_with(".oracle")
            || base.len() < name.len()
        {
            Some(Layout::Oracle)
        } else {
            None
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Csv => "csv",
            Layout::Text => "text",
            Layout::Oracle => "oracleGeneral",
        }
    }

    /// A writer of this layout.
    pub fn writer(self) -> Box<dyn RecordWriter> {
        match self {
            Layout::Oracle => Box::new(OracleWriter),
            Layout::Csv => Box::new(CsvWriter),
            Layout::Text => Box::new(TextWriter),
        }
    }
}

/// Encodes requests in one trace format.
pub trait RecordWriter {
    /// Bytes before the first record (a header line).
    fn header(&self, _out: &mut Vec<u8>) {}
    /// Appends request `r` (the `n`th, from 1) to `out`; returns whether the format lost part of
    /// it (a TTL or a delete).
    fn record(&self, n: u64, r: &Request, out: &mut Vec<u8>) -> Result<bool>;
}

/// oracleGeneral records with next access "none"; TTLs and deletes are lost.
pub struct OracleWriter;

impl RecordWriter for OracleWriter {
    fn record(&self, n: u64, r: &Request, out: &mut Vec<u8>) -> Result<bool> {
        let lossy = r.ttl != 0 || r.op == Op::Delete;
        oracle::encode(r, out).with_context(|| format!("request {n}"))?;
        Ok(lossy)
    }
}

/// CSV `time,key,size,op,ttl`, times and TTLs in exact decimal seconds.
pub struct CsvWriter;

impl RecordWriter for CsvWriter {
    fn header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"time,key,size,op,ttl\n");
    }

    fn record(&self, _n: u64, r: &Request, out: &mut Vec<u8>) -> Result<bool> {
        writeln!(
            out,
            "{},{},{},{},{}",
            decimal_seconds(r.time),
            r.key,
            r.size,
            op_name(r.op),
            decimal_seconds(r.ttl)
        )?;
        Ok(false)
    }
}

/// One key per line (times, sizes, operations and TTLs are dropped).
pub struct TextWriter;

impl RecordWriter for TextWriter {
    fn record(&self, _n: u64, r: &Request, out: &mut Vec<u8>) -> Result<bool> {
        writeln!(out, "{}", r.key)?;
        Ok(false)
    }
}

/// Nanoseconds as decimal seconds, exactly (`12.000123456`).
pub fn decimal_seconds(ns: u64) -> String {
    format!("{}.{:09}", ns / NANOS_PER_SEC, ns % NANOS_PER_SEC)
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Read => "get",
        Op::Write => "set",
        Op::Delete => "delete",
    }
}

/// Writes every request of `reader` to `out` in `layout`; returns (requests written, requests the
/// layout lost part of).
pub fn write_records(reader: &mut dyn TraceReader, out: &mut dyn Write, layout: Layout) -> Result<(u64, u64)> {
    let writer = layout.writer();
    let mut batch: Vec<Request> = Vec::with_capacity(BATCH);
    let mut buf: Vec<u8> = Vec::with_capacity(BATCH * 48);
    let (mut n, mut lossy) = (0u64, 0u64);
    writer.header(&mut buf);
    while reader.read_batch(&mut batch)? {
        for r in &batch {
            n += 1;
            lossy += u64::from(writer.record(n, r, &mut buf)?);
        }
        out.write_all(&buf)?;
        buf.clear();
    }
    out.write_all(&buf)?;
    Ok((n, lossy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_extension() {
        assert_eq!(Layout::from_name("x.txt"), Some(Layout::Text));
        assert_eq!(Layout::from_name("x.csv.zst"), Some(Layout::Csv));
        assert_eq!(Layout::from_name("x.bin"), Some(Layout::Oracle));
        assert_eq!(Layout::from_name("x.zst"), Some(Layout::Oracle));
        assert_eq!(Layout::from_name("x.oracleGeneral.zst"), Some(Layout::Oracle));
        assert_eq!(Layout::from_name("x.dat"), None);
    }

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(decimal_seconds(12_000_123_456), "12.000123456");
        assert_eq!(decimal_seconds(5), "0.000000005");
    }
}
