//! The ARC traces (Megiddo and Modha, FAST 2003: `P1.lis` ... `S3.lis`, `DS1.lis`, `OLTP.lis`),
//! text lines `start_block count ignored request_number`, blank-separated, e.g. `5386 8 0 1`.
//! Each of the `count` blocks from `start_block` is one request of `--block-size` bytes (default
//! 4096), keyed by its block number. Only the first two fields are read. The traces carry no
//! time: every request is at time 0, as in plain-text traces.

use super::lines::{block, num, Lines, Pending, MAX_EXPANSION};
use super::{TraceFormat, TraceReader, BATCH};
use crate::model::request::{Op, Request};
use anyhow::Result;
use std::io::BufRead;
use std::path::PathBuf;

/// Streams ARC lines as block requests.
pub struct ArcReader<R> {
    lines: Lines<R>,
    block_size: u64,
    pending: Pending,
}

impl<R: BufRead> ArcReader<R> {
    /// A reader over `path` whose requests have `block_size` bytes.
    pub fn new(inner: R, path: PathBuf, skip_bad: bool, block_size: u64) -> Self {
        ArcReader {
            lines: Lines::new(inner, path, TraceFormat::Arc, skip_bad),
            block_size: block_size.max(1),
            pending: Pending::default(),
        }
    }
}

fn parse(line: &[u8], bs: u64) -> std::result::Result<Option<Pending>, String> {
    if line.is_empty() || line[0] == b'#' {
        return Ok(None);
    }
    let mut f = line.split(|b| b.is_ascii_whitespace()).filter(|s| !s.is_empty());
    let (Some(start), Some(count)) = (f.next(), f.next()) else {
        return Err("one field, expected `start_block count ...`".into());
    };
    let start =
        num(start).ok_or_else(|| format!("start block {:?} is not a whole number", String::from_utf8_lossy(start)))?;
    let count =
        num(count).ok_or_else(|| format!("count {:?} is not a whole number", String::from_utf8_lossy(count)))?;
    if count > MAX_EXPANSION {
        return Err(format!("count {count} is above {MAX_EXPANSION}; is the line garbled?"));
    }
    Ok(Some(Pending::new(block(start, bs, 0, Op::Read), count, 1)))
}

impl<R: BufRead + Send> TraceReader for ArcReader<R> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        loop {
            self.pending.drain(out);
            if out.len() >= BATCH {
                return Ok(true);
            }
            let parsed = match self.lines.next_line()? {
                None => return Ok(!out.is_empty()),
                Some(line) => parse(line, self.block_size),
            };
            match parsed {
                Ok(Some(p)) => self.pending = p,
                Ok(None) => {}
                Err(why) => self.lines.reject(&why)?,
            }
        }
    }

    fn skipped(&self) -> u64 {
        self.lines.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8], skip: bool) -> Result<(Vec<Request>, u64)> {
        let mut r = ArcReader::new(data, "P1.lis".into(), skip, 4096);
        let all = crate::trace::drain(&mut r)?;
        Ok((all, r.skipped()))
    }

    #[test]
    fn blocks_per_line() {
        let (r, _) = read_all(b"5386 3 0 1\n\n10  1 0 2\r\n7 0 0 3\n", false).unwrap();
        let keys: Vec<u64> = r.iter().map(|q| q.key).collect();
        assert_eq!(keys, vec![5386, 5387, 5388, 10]);
        assert!(r.iter().all(|q| q.size == 4096 && q.time == 0 && q.op == Op::Read));
        // More than a batch from one line.
        let (r, _) = read_all(b"0 10000 0 1\n", false).unwrap();
        assert_eq!(r.len(), 10000);
        assert_eq!(r[9999].key, 9999);
    }

    #[test]
    fn bad_lines() {
        let e = read_all(b"1 2 0 1\nabc 2 0 2\n", false).unwrap_err().to_string();
        assert!(e.contains("P1.lis: line 2") && e.contains("\"abc\""), "{e}");
        let e = read_all(b"17\n", false).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("one field"), "{e}");
        let (r, skipped) = read_all(b"1 2 0 1\nabc 2 0 2\n3 1\n", true).unwrap();
        assert_eq!((r.len(), skipped), (3, 1));
        let e = read_all(&[0u8, 1, 2, 3, 0xff, 10], false).unwrap_err().to_string();
        assert!(e.contains("looks binary"), "{e}");
    }
}
