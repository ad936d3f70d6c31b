//! libCacheSim's oracleGeneral binary format: little-endian 24-byte records
//! `u32 time (s), u64 obj_id, u32 obj_size, i64 next_access_vtime` (1-based position of the next
//! request to the same object, -1 if none). Compressed `.zst` files are decoded by the caller.

use super::{TraceReader, BATCH};
use crate::error::input_error;
use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use anyhow::{Context, Result};
use std::io::Read;
use std::path::PathBuf;

/// Size of one record.
pub const RECORD: usize = 24;

/// Streams oracleGeneral records.
pub struct OracleReader<R> {
    inner: R,
    path: PathBuf,
    buf: Vec<u8>,
    offset: u64,
    done: bool,
}

impl<R: Read> OracleReader<R> {
    /// A reader over `inner`, which holds the (decompressed) records of `path`.
    pub fn new(inner: R, path: PathBuf) -> Self {
        OracleReader {
            inner,
            path,
            buf: vec![0; BATCH * RECORD],
            offset: 0,
            done: false,
        }
    }
}

/// Decodes one record.
#[inline]
pub fn decode(rec: &[u8]) -> Request {
    let time = u32::from_le_bytes(rec[0..4].try_into().unwrap());
    let key = u64::from_le_bytes(rec[4..12].try_into().unwrap());
    let size = u32::from_le_bytes(rec[12..16].try_into().unwrap());
    let next = i64::from_le_bytes(rec[16..24].try_into().unwrap());
    Request {
        time: time as u64 * NANOS_PER_SEC,
        key,
        size: size as u64,
        op: Op::Read,
        ttl: 0,
        next_access: if next < 0 { NEVER } else { next as u64 },
        absent: false,
        instance: 0,
    }
}

/// The largest object size an oracleGeneral record holds: its size field has 32 bits.
pub const MAX_SIZE: u64 = u32::MAX as u64;

/// Encodes one record (used by `generate` and tests). A size above [`MAX_SIZE`] is refused (an
/// input error naming the limit), never truncated; nothing is written then.
pub fn encode(req: &Request, out: &mut Vec<u8>) -> Result<()> {
    let Ok(size) = u32::try_from(req.size) else {
        return Err(input_error(format!(
            "object {} has size {} bytes, above the 4,294,967,295 bytes ({MAX_SIZE}) that oracleGeneral's 32-bit size field holds; write CSV instead (an output ending in .csv, or --format csv)",
            req.key, req.size
        )));
    };
    out.extend_from_slice(&((req.time / NANOS_PER_SEC) as u32).to_le_bytes());
    out.extend_from_slice(&req.key.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    let next: i64 = if req.next_access == NEVER {
        -1
    } else {
        req.next_access as i64
    };
    out.extend_from_slice(&next.to_le_bytes());
    Ok(())
}

impl<R: Read + Send> TraceReader for OracleReader<R> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        if self.done {
            return Ok(false);
        }
        let mut filled = 0;
        while filled < self.buf.len() {
            let n = match self.inner.read(&mut self.buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(input_error(format!(
                        "{}: read failed at byte offset {}: {e}",
                        self.path.display(),
                        self.offset + filled as u64
                    )))
                }
            };
            if n == 0 {
                self.done = true;
                break;
            }
            filled += n;
        }
        let whole = filled / RECORD * RECORD;
        if whole != filled {
            return Err(input_error(format!(
                "{}: truncated oracleGeneral trace: the data ends {} bytes into the record at byte offset {} \
                 (record {}); oracleGeneral records are 24 bytes, so the file size must be a multiple of 24. \
                 Is it complete, and is it really oracleGeneral (use --trace-format to choose another format)?",
                self.path.display(),
                filled - whole,
                self.offset + whole as u64,
                (self.offset + whole as u64) / RECORD as u64 + 1
            )))
            .context("reading the trace");
        }
        out.extend(self.buf[..whole].chunks_exact(RECORD).map(decode));
        self.offset += whole as u64;
        Ok(!out.is_empty() || !self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_truncation() {
        let reqs: Vec<Request> = (0..10_000u64)
            .map(|i| Request {
                time: (i / 7) * NANOS_PER_SEC,
                key: i % 97,
                size: (i % 5) + 1,
                op: Op::Read,
                ttl: 0,
                next_access: if i % 3 == 0 { NEVER } else { i + 2 },
                absent: false,
                instance: 0,
            })
            .collect();
        let mut bytes = Vec::new();
        for r in &reqs {
            encode(r, &mut bytes).unwrap();
        }
        let mut rd = OracleReader::new(&bytes[..], "t.bin".into());
        let mut all = Vec::new();
        let mut batch = Vec::new();
        while rd.read_batch(&mut batch).unwrap() {
            all.extend_from_slice(&batch);
        }
        assert_eq!(all, reqs);

        bytes.truncate(bytes.len() - 5);
        let mut rd = OracleReader::new(&bytes[..], "t.bin".into());
        let err = loop {
            match rd.read_batch(&mut batch) {
                Ok(true) => continue,
                Ok(false) => panic!("truncation not detected"),
                Err(e) => break format!("{e:#}"),
            }
        };
        assert!(
            err.contains("t.bin") && err.contains("byte offset 239976") && err.contains("multiple of 24"),
            "{err}"
        );
    }
}
