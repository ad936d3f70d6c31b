//! MSR Cambridge block I/O traces (SNIA IOTTA, Narayanan et al., FAST 2008), CSV without a header:
//! `Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime`, e.g.
//! `128166372003061629,src1,0,Read,7014609920,24576,41286`.
//!
//! * `Timestamp` is a Windows FILETIME: 100 ns ticks since 1601-01-01 UTC; it becomes Unix-epoch
//!   nanoseconds (values below the 1970 epoch are taken as relative ticks, times 100).
//! * `Offset` and `Size` are bytes: the range is cut into `--block-size` blocks (default 4096) and
//!   each block touched is one request of block-size bytes, keyed by its block number with the
//!   disk number in the top 16 bits (`disk << 48 | block`). A zero-size I/O touches no block.
//! * `Type` is `Read` or `Write` (any case); hostname and response time are not used.
//!
//! A line whose first field is not a number (a header some copies add) is skipped when it is the
//! first line.

use super::lines::{block, num, Lines, Pending, MAX_EXPANSION};
use super::{TraceFormat, TraceReader, BATCH};
use crate::model::request::{Op, Request};
use anyhow::Result;
use std::io::BufRead;
use std::path::PathBuf;

/// 1601-01-01 to 1970-01-01 in 100 ns ticks.
pub const EPOCH_TICKS: u64 = 116_444_736_000_000_000;

/// Streams MSR lines as block requests.
pub struct MsrReader<R> {
    lines: Lines<R>,
    block_size: u64,
    pending: Pending,
}

impl<R: BufRead> MsrReader<R> {
    /// A reader over `path` cutting I/Os into `block_size`-byte blocks (at least 1).
    pub fn new(inner: R, path: PathBuf, skip_bad: bool, block_size: u64) -> Self {
        MsrReader {
            lines: Lines::new(inner, path, TraceFormat::Msr, skip_bad),
            block_size: block_size.max(1),
            pending: Pending::default(),
        }
    }
}

/// FILETIME ticks as nanoseconds (Unix epoch when the value is past it).
pub fn filetime_ns(ticks: u64) -> u64 {
    if ticks >= EPOCH_TICKS {
        (ticks - EPOCH_TICKS).saturating_mul(100)
    } else {
        ticks.saturating_mul(100)
    }
}

/// The blocks `[first, first + count)` an I/O of `size` bytes at `offset` touches.
pub fn blocks(offset: u64, size: u64, block_size: u64) -> (u64, u64) {
    if size == 0 {
        return (offset / block_size, 0);
    }
    let first = offset / block_size;
    let last = offset.saturating_add(size - 1) / block_size;
    (first, last - first + 1)
}

/// One line as requests; Ok(None) for a line to pass over, Err for a malformed one.
fn parse(line: &[u8], first_line: bool, bs: u64) -> std::result::Result<Option<Pending>, String> {
    if line.is_empty() {
        return Ok(None);
    }
    let f: Vec<&[u8]> = line.split(|&b| b == b',').map(|s| s.trim_ascii()).collect();
    if first_line && num(f[0]).is_none() && f[0].first().is_some_and(u8::is_ascii_alphabetic) {
        return Ok(None);
    }
    if f.len() < 6 {
        return Err(format!(
            "{} fields, expected 7 (Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime)",
            f.len()
        ));
    }
    let mut v = [0u64; 4];
    for (j, (i, name)) in [(0, "Timestamp"), (2, "DiskNumber"), (4, "Offset"), (5, "Size")]
        .into_iter()
        .enumerate()
    {
        v[j] = num(f[i]).ok_or_else(|| format!("{name} is {:?}, not a whole number", String::from_utf8_lossy(f[i])))?;
    }
    let [ts, disk, offset, size] = v;
    let op = if f[3].eq_ignore_ascii_case(b"read") {
        Op::Read
    } else if f[3].eq_ignore_ascii_case(b"write") {
        Op::Write
    } else {
        return Err(format!(
            "Type is {:?}, not Read or Write",
            String::from_utf8_lossy(f[3])
        ));
    };
    if disk > 0xffff {
        return Err(format!("DiskNumber {disk} is above 65535"));
    }
    let (first, count) = blocks(offset, size, bs);
    if count > MAX_EXPANSION {
        return Err(format!(
            "an I/O of {size} bytes spans {count} blocks of {bs} bytes, more than {MAX_EXPANSION}; is the line garbled?"
        ));
    }
    let key = (disk << 48) | (first & ((1 << 48) - 1));
    Ok(Some(Pending::new(block(key, bs, filetime_ns(ts), op), count, 1)))
}

impl<R: BufRead + Send> TraceReader for MsrReader<R> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        loop {
            self.pending.drain(out);
            if out.len() >= BATCH {
                return Ok(true);
            }
            let first_line = self.lines.line_no == 0;
            let parsed = match self.lines.next_line()? {
                None => return Ok(!out.is_empty()),
                Some(line) => parse(line, first_line, self.block_size),
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

    fn read_all(data: &[u8], bs: u64) -> Result<Vec<Request>> {
        let mut r = MsrReader::new(data, "m.csv".into(), false, bs);
        crate::trace::drain(&mut r)
    }

    #[test]
    fn splits_into_blocks() {
        let data = b"128166372003061629,src1,0,Read,7014609920,24576,41286\n\
                     128166372016382155,src1,1,Write,4096,4097,100\n\
                     128166372016382156,src1,0,Read,100,0,1\n";
        let r = read_all(data, 4096).unwrap();
        // 7014609920 is 1024 bytes into block 1712551: 24576 bytes touch 7 blocks.
        assert_eq!(r.len(), 7 + 2);
        let t0 = (128166372003061629 - EPOCH_TICKS) * 100;
        for (i, q) in r[..7].iter().enumerate() {
            assert_eq!((q.key, q.size, q.time, q.op), (1712551 + i as u64, 4096, t0, Op::Read));
        }
        assert_eq!(r[7].key, (1 << 48) | 1);
        assert_eq!((r[8].key, r[8].op), ((1 << 48) | 2, Op::Write));
        // Unaligned: 100..=8291 with 8 KiB blocks touches blocks 0 and 1.
        let r = read_all(b"5,h,0,write,100,8192,1\n", 8192).unwrap();
        assert_eq!(
            r.iter().map(|q| (q.key, q.size, q.time)).collect::<Vec<_>>(),
            vec![(0, 8192, 500), (1, 8192, 500)]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = read_all(b"1,h,0,Read,0,10,1\n2,h,0,Trim,0,10,1\n", 4096)
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.csv: line 2") && e.contains("\"Trim\""), "{e}");
        let e = read_all(b"1,h,0,Read,x,10,1\n", 4096).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("Offset is \"x\""), "{e}");
        let e = read_all(b"1,h,0\n", 4096).unwrap_err().to_string();
        assert!(e.contains("3 fields"), "{e}");
        let e = read_all(b"1,h,0,Read,0,99999999999999999,1\n", 512)
            .unwrap_err()
            .to_string();
        assert!(e.contains("spans"), "{e}");
        // A header line is skipped.
        assert_eq!(
            read_all(
                b"Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n1,h,0,Read,0,1,1\n",
                4096
            )
            .unwrap()
            .len(),
            1
        );
    }
}
