//! `cachesim generate`: writes a workload's request stream as a trace file, so it can be replayed
//! by cachesim or by other simulators (libCacheSim reads the oracleGeneral output directly).
//!
//! oracleGeneral keeps whole-second timestamps (as the public datasets do) and fills the next-access
//! field so that Belady works on it; it has no TTL or operation field, so TTLs and deletes are lost
//! (a warning says so). CSV keeps everything, with nanosecond-exact decimal-second timestamps.

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::error::input_error;
use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use crate::progress;
use crate::source::next_access;
use crate::source::{Input, Source};
use crate::trace::{oracle, ReadProgress, BATCH};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

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

/// The layout `generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// oracleGeneral records.
    Oracle,
    /// CSV `time,key,size,op,ttl`.
    Csv,
    /// One key per line.
    Text,
}

/// The layout for `output` (with `.zst` stripped first) under `--format`; an unknown extension
/// with `auto` is an input error naming the known ones.
pub fn layout(output: &Path, format: GenerateFormat) -> Result<Layout> {
    let name = output
        .file_name()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    Ok(match format {
        GenerateFormat::Csv => Layout::Csv,
        GenerateFormat::OracleGeneral => Layout::Oracle,
        GenerateFormat::Text => Layout::Text,
        GenerateFormat::Auto => {
            let base = name.strip_suffix(".zst").unwrap_or(&name);
            if base.ends_with(".csv") {
                Layout::Csv
            } else if base.ends_with(".txt") {
                Layout::Text
            } else if base.ends_with(".bin")
                || base.ends_with(".oraclegeneral")
                || base.ends_with(".oracle")
                || base.len() < name.len()
            {
                Layout::Oracle
            } else {
                return Err(input_error(format!(
                    "-o {}: cannot tell the format from the extension; use .bin/.oracleGeneral (oracleGeneral), .csv, .txt, each optionally followed by .zst, or give --format oracle-general|csv|text",
                    output.display()
                )));
            }
        }
    })
}

/// Writes `source`'s stream to `out` in `format`; returns (requests written, TTL-or-delete requests).
pub fn write_stream(
    source: &Source,
    out: &mut dyn Write,
    format: Layout,
    progress: Option<Arc<ReadProgress>>,
) -> Result<(u64, u64)> {
    write_records(&mut *source.open(progress)?, out, format)
}

/// [`write_stream`] from an open reader.
fn write_records(
    reader: &mut dyn crate::trace::TraceReader,
    out: &mut dyn Write,
    format: Layout,
) -> Result<(u64, u64)> {
    let csv = format == Layout::Csv;
    let mut batch: Vec<Request> = Vec::with_capacity(BATCH);
    let mut buf: Vec<u8> = Vec::with_capacity(BATCH * 48);
    let (mut n, mut lossy) = (0u64, 0u64);
    if csv {
        buf.extend_from_slice(b"time,key,size,op,ttl\n");
    }
    while reader.read_batch(&mut batch)? {
        for r in &batch {
            n += 1;
            if csv {
                writeln!(
                    buf,
                    "{},{},{},{},{}",
                    decimal_seconds(r.time),
                    r.key,
                    r.size,
                    op_name(r.op),
                    decimal_seconds(r.ttl)
                )?;
            } else if format == Layout::Text {
                writeln!(buf, "{}", r.key)?;
            } else {
                if r.ttl != 0 || r.op == Op::Delete {
                    lossy += 1;
                }
                oracle::encode(r, &mut buf).with_context(|| format!("request {n}"))?;
            }
        }
        out.write_all(&buf)?;
        buf.clear();
    }
    out.write_all(&buf)?;
    Ok((n, lossy))
}

/// Writes `source`'s stream as oracleGeneral records to `file` (from offset 0), next-access
/// positions included; returns (requests written, TTL-or-delete requests).
///
/// One generation pass, then one backward pass over the file in large blocks (see
/// [`next_access`]): records go out with next access "none", and the
/// backward walk fills each block's next-access fields and writes the block back in place. Memory is
/// one block plus a position per distinct key; the output is byte-identical to computing the
/// positions first.
pub fn write_oracle(source: &Source, file: &std::fs::File, progress: Option<Arc<ReadProgress>>) -> Result<(u64, u64)> {
    use std::os::unix::fs::FileExt;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let (n, lossy) = write_records(
        &mut *source.open_without_next_access(progress)?,
        &mut out,
        Layout::Oracle,
    )?;
    out.flush()?;
    drop(out);
    let rec = oracle::RECORD as u64;
    let block = next_access::BLOCK as u64;
    let mut buf = vec![0u8; (block * rec) as usize];
    let mut next = next_access::NextAccess::default();
    let mut end = n;
    while end > 0 {
        let start = end.saturating_sub(block);
        let bytes = &mut buf[..((end - start) * rec) as usize];
        file.read_exact_at(bytes, start * rec)
            .context("reading back written records")?;
        for (i, r) in bytes.chunks_exact_mut(oracle::RECORD).enumerate().rev() {
            let key = u64::from_le_bytes(r[4..12].try_into().unwrap());
            let na = next.before(key, start + i as u64 + 1);
            let v: i64 = if na == NEVER { -1 } else { na as i64 };
            r[16..24].copy_from_slice(&v.to_le_bytes());
        }
        file.write_all_at(bytes, start * rec)
            .context("writing next-access positions")?;
        end = start;
    }
    Ok((n, lossy))
}

/// `cachesim generate`.
pub fn run(a: &GenerateArgs) -> Result<()> {
    let mut f = crate::schema::load(&a.workload)?;
    if let Some(s) = a.seed {
        f.seed = s;
    }
    let source = crate::source::workload_source(&f, &a.workload)?;
    if let Input::Trace(_) = source.input {
        return Err(input_error(format!(
            "{}: generate writes synthetic workloads; this one replays a recorded trace (workload.trace)",
            a.workload.display()
        )));
    }
    if a.output.is_dir() {
        return Err(input_error(format!(
            "-o {} is a directory; give a file name (.bin, .oracleGeneral, .csv, .txt, optionally .zst)",
            a.output.display()
        )));
    }
    let name = a
        .output
        .file_name()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let zstd = name.ends_with(".zst");
    let format = layout(&a.output, a.format)?;
    let dir = a
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| input_error(format!("-o {}: cannot write there: {e}", a.output.display())))?;
    let total = source.progress_total();
    let bar = progress::bar(a.quiet, total, "generating");
    let counter = Arc::new(ReadProgress::default());
    let ticker = {
        let (bar, counter) = (bar.clone(), counter.clone());
        move || bar.set_position(counter.units.load(Ordering::Relaxed))
    };
    let file = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file().try_clone()?);
    let oracle = format == Layout::Oracle;
    let (n, lossy) = if oracle && !zstd {
        write_oracle(&source, tmp.as_file(), Some(counter.clone()))?
    } else if oracle {
        let scratch = tempfile::tempfile().context("creating a temporary file for the records")?;
        let r = write_oracle(&source, &scratch, Some(counter.clone()))?;
        std::io::Seek::rewind(&mut &scratch)?;
        let mut enc = zstd::stream::write::Encoder::new(file, 3)?;
        std::io::copy(&mut std::io::BufReader::with_capacity(1 << 20, &scratch), &mut enc)?;
        enc.finish()?.flush()?;
        r
    } else if zstd {
        let mut enc = zstd::stream::write::Encoder::new(file, 3)?;
        let r = write_stream(&source, &mut enc, format, Some(counter.clone()))?;
        enc.finish()?.flush()?;
        r
    } else {
        let mut w = file;
        let r = write_stream(&source, &mut w, format, Some(counter.clone()))?;
        w.flush()?;
        r
    };
    ticker();
    bar.finish_and_clear();
    crate::report::make_readable(tmp.path())?;
    crate::interrupt::check()?;
    tmp.persist(&a.output)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", a.output.display()))?;
    if format == Layout::Text && n > 0 {
        eprintln!("note: a text trace keeps only the keys (no times, sizes, operations or TTLs)");
    }
    if lossy > 0 {
        eprintln!(
            "warning: {lossy} of {n} requests carry a TTL or are deletes, which oracleGeneral cannot record; write a .csv to keep them"
        );
    }
    if !a.quiet {
        eprintln!(
            "wrote {n} requests to {} ({})",
            a.output.display(),
            match format {
                Layout::Csv => "csv",
                Layout::Text => "text",
                Layout::Oracle => "oracleGeneral",
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_extension() {
        let l = |p: &str| layout(Path::new(p), GenerateFormat::Auto).map_err(|e| e.to_string());
        assert_eq!(l("x.txt"), Ok(Layout::Text));
        assert_eq!(l("x.csv.zst"), Ok(Layout::Csv));
        assert_eq!(l("x.bin"), Ok(Layout::Oracle));
        assert_eq!(l("x.zst"), Ok(Layout::Oracle));
        assert_eq!(l("x.oracleGeneral.zst"), Ok(Layout::Oracle));
        let e = l("x.dat").unwrap_err();
        assert!(
            e.contains(".bin") && e.contains(".txt") && e.contains("--format"),
            "{e}"
        );
        assert_eq!(layout(Path::new("x.dat"), GenerateFormat::Text).unwrap(), Layout::Text);
    }

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(super::decimal_seconds(12_000_123_456), "12.000123456");
        assert_eq!(super::decimal_seconds(5), "0.000000005");
    }
}
