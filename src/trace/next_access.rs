//! Next-access positions for traces that do not carry them (everything but oracleGeneral), so that
//! Belady can run on any trace.
//!
//! One forward pass keeps, per distinct key, the position of its last request (memory proportional
//! to distinct objects). Positions are written to a temporary file of little-endian u64s, one per
//! request: a window of recent positions is filled in memory and appended; a repeat whose previous
//! request has already left the window is patched in place in the file. The replay then reads the
//! file alongside the trace.

use super::{TraceReader, BATCH};
use crate::request::{Request, NEVER};
use crate::source::Source;
use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// Requests whose next-access slot is kept in memory before it is written out.
const WINDOW: usize = 1 << 20;

/// Computes the next-access file for `source` (opened without one).
pub fn compute(source: &Source) -> Result<tempfile::TempPath> {
    compute_with_window(source, WINDOW)
}

/// [`compute`] with a chosen in-memory window (small in tests, to exercise the in-place patching).
pub fn compute_with_window(source: &Source, window_len: usize) -> Result<tempfile::TempPath> {
    let mut reader = source.open_without_next_access(None)?;
    let tmp = tempfile::NamedTempFile::new().context("creating a temporary file for next-access positions")?;
    let file = tmp.as_file().try_clone()?;
    let mut last: FxHashMap<u64, u64> = FxHashMap::default();
    let mut window: Vec<u64> = Vec::with_capacity(window_len);
    let mut base: u64 = 0; // position of window[0]
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file.try_clone()?);
    let mut batch = Vec::with_capacity(BATCH);
    let mut pos: u64 = 0;
    let flush = |window: &mut Vec<u64>, writer: &mut std::io::BufWriter<File>| -> Result<()> {
        for v in window.iter() {
            writer.write_all(&v.to_le_bytes())?;
        }
        window.clear();
        Ok(())
    };
    while reader.read_batch(&mut batch)? {
        for r in &batch {
            if window.len() == window_len {
                flush(&mut window, &mut writer)?;
                base += window_len as u64;
            }
            window.push(NEVER);
            pos += 1; // 1-based position of this request
            if let Some(prev) = last.insert(r.key, pos) {
                let idx = prev - 1;
                if idx >= base {
                    window[(idx - base) as usize] = pos;
                } else {
                    writer.flush()?;
                    file.write_all_at(&pos.to_le_bytes(), idx * 8)?;
                }
            }
        }
    }
    flush(&mut window, &mut writer)?;
    writer.flush()?;
    Ok(tmp.into_temp_path())
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
        source.next_access = Some(Arc::new(compute_with_window(&source, 64).unwrap()));
        let mut rd = source.open(None).unwrap();
        let mut got = Vec::new();
        let mut b = Vec::new();
        while rd.read_batch(&mut b).unwrap() {
            got.extend(b.iter().map(|r| r.next_access));
        }
        let want: Vec<u64> = (0..keys.len())
            .map(|i| {
                (i + 1..keys.len())
                    .find(|&j| keys[j] == keys[i])
                    .map(|j| j as u64 + 1)
                    .unwrap_or(NEVER)
            })
            .collect();
        assert_eq!(got, want);
    }
}
