//! Next-access positions for traces that do not carry them (everything but oracleGeneral), so that
//! Belady can run on any trace, and for the records `generate` writes.
//!
//! Why backward: a request's next access is only known once the trace has moved past it, so a
//! forward pass must go back and patch earlier slots; done one write per patch, that cost one
//! system call per repeated key (most of a 20M-request `generate`). Walking the requests *backward*
//! instead, the next access of every request is known when it is reached (the last position seen of
//! its key), so every slot is written once, in large blocks.
//!
//! How: a forward pass appends each request's key to an unnamed temporary file (8 bytes a request,
//! sequential); a backward pass reads that file in blocks of [`BLOCK`] keys from the end, keeps per
//! distinct key the position of its next request (memory proportional to distinct objects, as
//! before), and writes each block of positions (little-endian u64s, one per request) to the
//! next-access file with one positioned write. The replay then reads the file alongside the trace.

use crate::model::request::{Request, NEVER};
use crate::source::Source;
use crate::trace::{TraceReader, BATCH};
use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// Requests handled per block of the backward pass (8 MiB of keys, 8 MiB of positions).
pub const BLOCK: usize = 1 << 20;

/// Computes the next-access file for `source` (opened without one).
pub fn compute(source: &Source) -> Result<tempfile::TempPath> {
    compute_with_block(source, BLOCK)
}

/// [`compute`] with a chosen block length (small in tests, to cross many block boundaries).
pub fn compute_with_block(source: &Source, block: usize) -> Result<tempfile::TempPath> {
    let mut reader = source.open_without_next_access(None)?;
    let keys = tempfile::tempfile().context("creating a temporary file for keys")?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, &keys);
    let mut batch = Vec::with_capacity(BATCH);
    let mut n: u64 = 0;
    while reader.read_batch(&mut batch)? {
        for r in &batch {
            writer.write_all(&r.key.to_le_bytes())?;
        }
        n += batch.len() as u64;
    }
    writer.flush()?;
    drop(writer);
    let tmp = tempfile::NamedTempFile::new().context("creating a temporary file for next-access positions")?;
    let out = tmp.as_file();
    out.set_len(n * 8)?;
    let mut next = NextAccess::default();
    let mut buf = vec![0u8; block.max(1) * 8];
    let mut end = n;
    while end > 0 {
        let start = end.saturating_sub(block.max(1) as u64);
        let bytes = &mut buf[..((end - start) * 8) as usize];
        keys.read_exact_at(bytes, start * 8)
            .context("reading back the key file")?;
        for (i, slot) in bytes.chunks_exact_mut(8).enumerate().rev() {
            let key = u64::from_le_bytes(slot.try_into().unwrap());
            slot.copy_from_slice(&next.before(key, start + i as u64 + 1).to_le_bytes());
        }
        out.write_all_at(bytes, start * 8)
            .context("writing next-access positions")?;
        end = start;
    }
    Ok(tmp.into_temp_path())
}

/// The backward walk: fed requests from the last to the first, gives each its next access.
#[derive(Default)]
pub struct NextAccess {
    seen: FxHashMap<u64, u64>,
}

impl NextAccess {
    /// The next access of the request to `key` at 1-based position `pos`, given that every later
    /// request has been fed already: the position of the following request to `key`, or [`NEVER`].
    #[inline]
    pub fn before(&mut self, key: u64, pos: u64) -> u64 {
        self.seen.insert(key, pos).unwrap_or(NEVER)
    }
}

/// Fills `next_access` of each request from the file made by [`compute`].
pub struct WithNextAccess {
    inner: Box<dyn TraceReader>,
    file: BufReader<File>,
    _keep: Arc<tempfile::TempPath>,
}

impl WithNextAccess {
    /// Wraps `inner`, reading positions from `path`.
    pub fn new(inner: Box<dyn TraceReader>, path: &Arc<tempfile::TempPath>) -> Result<Self> {
        let f = File::open(path.as_ref() as &std::path::Path).context("opening the next-access file")?;
        Ok(WithNextAccess {
            inner,
            file: BufReader::with_capacity(1 << 16, f),
            _keep: path.clone(),
        })
    }
}

impl TraceReader for WithNextAccess {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        let more = self.inner.read_batch(out)?;
        let mut b = [0u8; 8];
        for r in out.iter_mut() {
            self.file
                .read_exact(&mut b)
                .context("the next-access file is shorter than the trace")?;
            r.next_access = u64::from_le_bytes(b);
        }
        Ok(more)
    }

    fn skipped(&self) -> u64 {
        self.inner.skipped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{TraceFormat, TraceSpec};
    use std::io::Write;

    #[test]
    fn matches_brute_force() {
        let mut f = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
        let keys: Vec<u64> = (0..5000u64).map(|i| (i * i + 7 * i) % 301).collect();
        for k in &keys {
            writeln!(f, "{k}").unwrap();
        }
        f.flush().unwrap();
        let spec = TraceSpec::new(f.path(), TraceFormat::Auto).unwrap();
        assert_eq!(spec.format, TraceFormat::Txt);
        let mut source = Source::trace(spec);
        for block in [1, 64, 4999, 5000, 1 << 20] {
            source.next_access = Some(Arc::new(compute_with_block(&source, block).unwrap()));
            let mut rd = source.open(None).unwrap();
            let mut got = Vec::new();
            let mut b = Vec::new();
            while rd.read_batch(&mut b).unwrap() {
                got.extend(b.iter().map(|r| r.next_access));
            }
            assert_eq!(got, brute_force(&keys), "block {block}");
        }
    }

    /// Next access by a scan forward from every request: O(n^2), independent of the backward walk.
    fn brute_force(keys: &[u64]) -> Vec<u64> {
        (0..keys.len())
            .map(|i| {
                (i + 1..keys.len())
                    .find(|&j| keys[j] == keys[i])
                    .map(|j| j as u64 + 1)
                    .unwrap_or(NEVER)
            })
            .collect()
    }
}
