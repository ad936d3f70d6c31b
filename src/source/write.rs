//! Writing a source's request stream as a trace file (`cachesim generate`), so it can be replayed by
//! cachesim or by other simulators (libCacheSim reads the oracleGeneral output directly). The
//! records are encoded by the writers of [`crate::trace::write`]; this adds what needs the source:
//! oracleGeneral's next-access positions, zstd, progress, and the atomic replacement of the file.
//!
//! oracleGeneral keeps whole-second timestamps (as the public datasets do) and fills the next-access
//! field so that Belady works on it; it has no TTL or operation field, so TTLs and deletes are lost
//! (a warning says so). CSV keeps everything, with nanosecond-exact decimal-second timestamps.

use super::next_access;
use super::Source;
use crate::model::request::NEVER;
use crate::trace::write::{write_records, Layout};
use crate::trace::{oracle, ReadProgress};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A checked `generate`: what to write where.
pub struct GenerateConfig {
    /// The synthetic workload.
    pub source: Source,
    /// The file to write (replaced atomically).
    pub output: PathBuf,
    /// Its layout.
    pub layout: Layout,
    /// Whether to compress with zstd.
    pub zstd: bool,
    /// No progress bar and no closing line.
    pub quiet: bool,
}

/// Writes `source`'s stream to `out` in `layout`; returns (requests written, TTL-or-delete requests).
pub fn write_stream(
    source: &Source,
    out: &mut dyn Write,
    layout: Layout,
    progress: Option<Arc<ReadProgress>>,
) -> Result<(u64, u64)> {
    write_records(&mut *source.open(progress)?, out, layout)
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

/// Runs a checked `generate`: writes the trace to a temporary file beside the output (under a
/// progress bar unless quiet), renames it into place unless interrupted, and says on stderr what
/// was written and what the layout lost.
pub fn generate(cfg: &GenerateConfig) -> Result<()> {
    let dir = cfg
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| crate::error::input_error(format!("-o {}: cannot write there: {e}", cfg.output.display())))?;
    let source = &cfg.source;
    let total = source.progress_total();
    let bar = crate::progress::bar(cfg.quiet, total, "generating");
    let counter = Arc::new(ReadProgress::default());
    let ticker = {
        let (bar, counter) = (bar.clone(), counter.clone());
        move || bar.set_position(counter.units.load(Ordering::Relaxed))
    };
    let file = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file().try_clone()?);
    let oracle = cfg.layout == Layout::Oracle;
    let (n, lossy) = if oracle && !cfg.zstd {
        write_oracle(source, tmp.as_file(), Some(counter.clone()))?
    } else if oracle {
        let scratch = tempfile::tempfile().context("creating a temporary file for the records")?;
        let r = write_oracle(source, &scratch, Some(counter.clone()))?;
        std::io::Seek::rewind(&mut &scratch)?;
        let mut enc = zstd::stream::write::Encoder::new(file, 3)?;
        std::io::copy(&mut std::io::BufReader::with_capacity(1 << 20, &scratch), &mut enc)?;
        enc.finish()?.flush()?;
        r
    } else if cfg.zstd {
        let mut enc = zstd::stream::write::Encoder::new(file, 3)?;
        let r = write_stream(source, &mut enc, cfg.layout, Some(counter.clone()))?;
        enc.finish()?.flush()?;
        r
    } else {
        let mut w = file;
        let r = write_stream(source, &mut w, cfg.layout, Some(counter.clone()))?;
        w.flush()?;
        r
    };
    ticker();
    bar.finish_and_clear();
    {
        // Temporary files are created private (0600); give the trace the usual 0644.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("setting permissions of {}", tmp.path().display()))?;
    }
    crate::interrupt::check()?;
    tmp.persist(&cfg.output)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", cfg.output.display()))?;
    if cfg.layout == Layout::Text && n > 0 {
        eprintln!("note: a text trace keeps only the keys (no times, sizes, operations or TTLs)");
    }
    if lossy > 0 {
        eprintln!(
            "warning: {lossy} of {n} requests carry a TTL or are deletes, which oracleGeneral cannot record; write a .csv to keep them"
        );
    }
    if !cfg.quiet {
        eprintln!("wrote {n} requests to {} ({})", cfg.output.display(), cfg.layout.name());
    }
    Ok(())
}
