//! The reading loop shared by the fixed-size binary record formats (lcs, vscsi, Twitter's binary
//! `twr`, Wikipedia's binary CDN traces): whole batches are read into one buffer and decoded record
//! by record, so memory does not grow with the trace. A file that ends inside a record is an input
//! error naming the record and its byte offset.

use super::{TraceReader, BATCH};
use crate::error::input_error;
use crate::model::request::Request;
use anyhow::Result;
use std::io::Read;
use std::path::PathBuf;

/// One fixed-size record layout.
pub trait Layout: Send {
    /// The format's name in error messages (`lcs v3`, `vscsi v2`, ...).
    fn name(&self) -> String;
    /// Bytes per record.
    fn record_size(&self) -> usize;
    /// Decodes one record of exactly [`Layout::record_size`] bytes; `Err` says what is wrong with it.
    fn decode(&self, rec: &[u8]) -> std::result::Result<Request, String>;
}

/// Streams the records of one layout, after a header of `start` bytes the caller has consumed.
pub struct FixedReader<R, L> {
    inner: R,
    path: PathBuf,
    layout: L,
    size: usize,
    buf: Vec<u8>,
    /// Bytes before the first record (a header), for offsets in messages.
    start: u64,
    /// Record bytes consumed so far.
    offset: u64,
    /// Records the header announces (checked at the end when given).
    expected: Option<u64>,
    done: bool,
}

impl<R: Read, L: Layout> FixedReader<R, L> {
    /// A reader over `inner`, positioned `start` bytes into `path`, at its first record.
    pub fn new(inner: R, path: PathBuf, layout: L, start: u64) -> Self {
        let size = layout.record_size().max(1);
        FixedReader {
            inner,
            path,
            layout,
            size,
            buf: vec![0; BATCH * size],
            start,
            offset: 0,
            expected: None,
            done: false,
        }
    }

    /// Checks at the end that exactly `n` records were read (a header's request count).
    pub fn expect_records(mut self, n: Option<u64>) -> Self {
        self.expected = n;
        self
    }
}

/// Reads into `buf` until it is full or the input ends; returns the bytes read and whether it ended.
pub fn fill(inner: &mut impl Read, buf: &mut [u8]) -> std::io::Result<(usize, bool)> {
    let mut filled = 0;
    while filled < buf.len() {
        match inner.read(&mut buf[filled..]) {
            Ok(0) => return Ok((filled, true)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((filled, false))
}

impl<R: Read + Send, L: Layout> TraceReader for FixedReader<R, L> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        if self.done {
            return Ok(false);
        }
        let (filled, ended) = fill(&mut self.inner, &mut self.buf).map_err(|e| {
            input_error(format!(
                "{}: read failed at byte offset {}: {e}",
                self.path.display(),
                self.start + self.offset
            ))
        })?;
        self.done = ended;
        let size = self.size;
        let whole = filled / size * size;
        let first = self.offset / size as u64;
        if whole != filled {
            let at = self.start + self.offset + whole as u64;
            return Err(input_error(format!(
                "{}: truncated {} trace: the data ends {} bytes into record {} (byte offset {at}); its records are {size} bytes{}, \
                 so the file is incomplete or not {} (use --trace-format to choose another format)",
                self.path.display(),
                self.layout.name(),
                filled - whole,
                first + (whole / size) as u64 + 1,
                if self.start > 0 {
                    format!(" after a {}-byte header", self.start)
                } else {
                    String::new()
                },
                self.layout.name(),
            )));
        }
        out.reserve(whole / size);
        for (i, rec) in self.buf[..whole].chunks_exact(size).enumerate() {
            match self.layout.decode(rec) {
                Ok(r) => out.push(r),
                Err(why) => {
                    let n = first + i as u64;
                    return Err(input_error(format!(
                        "{}: {} record {} (byte offset {}): {why}",
                        self.path.display(),
                        self.layout.name(),
                        n + 1,
                        self.start + n * size as u64
                    )));
                }
            }
        }
        self.offset += whole as u64;
        if self.done {
            let read = self.offset / size as u64;
            if let Some(n) = self.expected.filter(|&n| n > read) {
                return Err(input_error(format!(
                    "{}: truncated {} trace: the header announces {n} requests but the file holds {read}",
                    self.path.display(),
                    self.layout.name()
                )));
            }
        }
        Ok(!out.is_empty() || !self.done)
    }
}

/// Little-endian field readers for decoders (callers pass in-bounds offsets of a whole record).
#[inline]
pub fn u16_at(r: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([r[at], r[at + 1]])
}

/// A little-endian u32 at `at`.
#[inline]
pub fn u32_at(r: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(r[at..at + 4].try_into().unwrap())
}

/// A little-endian u64 at `at`.
#[inline]
pub fn u64_at(r: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(r[at..at + 8].try_into().unwrap())
}
