//! Plain text traces: one key per line (numbers used as they are, other strings hashed), every
//! object of size 1. Blank lines and lines starting with `#` are skipped.
//!
//! The same reader serves LIRS-style traces (Jiang and Zhang, SIGMETRICS 2002: `2_pools.trc`,
//! `cpp.trc`, `sprite.trc` ...; `--trace-format lirs`): one block number per line, where a line
//! `*` separates parts and is skipped, every key must be a whole number (a word is an error, not
//! a hashed key) and every request has `--block-size` bytes. There is no time (0).

use super::{parse_key, TraceReader, BATCH};
use crate::error::input_error;
use crate::model::request::{Request, NEVER};
use anyhow::Result;
use std::io::BufRead;
use std::path::PathBuf;

/// Streams keys, one per line.
pub struct TextReader<R> {
    inner: R,
    path: PathBuf,
    line: Vec<u8>,
    line_no: u64,
    checked: bool,
    skip_bad: bool,
    skipped: u64,
    /// LIRS mode: the block size of every request.
    lirs: Option<u64>,
}

impl<R: BufRead> TextReader<R> {
    /// A reader over the lines of `path`.
    pub fn new(inner: R, path: PathBuf, skip_bad_lines: bool) -> Self {
        TextReader {
            inner,
            path,
            line: Vec::new(),
            line_no: 0,
            checked: false,
            skip_bad: skip_bad_lines,
            skipped: 0,
            lirs: None,
        }
    }

    /// A reader over a LIRS-style trace of `path` whose requests have `block_size` bytes.
    pub fn lirs(inner: R, path: PathBuf, skip_bad_lines: bool, block_size: u64) -> Self {
        TextReader {
            lirs: Some(block_size.max(1)),
            ..TextReader::new(inner, path, skip_bad_lines)
        }
    }
}

impl<R: BufRead + Send> TraceReader for TextReader<R> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        if !self.checked {
            // Binary content read as text gives nonsense keys: refuse it from its first bytes.
            self.checked = true;
            let head = self
                .inner
                .fill_buf()
                .map_err(|e| input_error(format!("{}: read failed: {e}", self.path.display())))?;
            let head = &head[..head.len().min(4096)];
            let format = if self.lirs.is_some() {
                super::TraceFormat::Lirs
            } else {
                super::TraceFormat::Txt
            };
            super::check_text(head, &self.path, format)?;
        }
        while out.len() < BATCH {
            self.line.clear();
            let n = self.inner.read_until(b'\n', &mut self.line).map_err(|e| {
                input_error(format!(
                    "{}: read failed after line {}: {e}",
                    self.path.display(),
                    self.line_no
                ))
            })?;
            if n == 0 {
                return Ok(!out.is_empty());
            }
            self.line_no += 1;
            let key = self.line.trim_ascii();
            if key.is_empty() || key[0] == b'#' {
                continue;
            }
            if key.contains(&0) {
                if self.skip_bad {
                    self.skipped += 1;
                    continue;
                }
                return Err(input_error(format!(
                    "{}: line {}: the key contains a NUL byte; is this a binary trace (--trace-format oracle-general)? \
                     --skip-bad-lines skips and counts such lines",
                    self.path.display(),
                    self.line_no
                )));
            }
            let (key, size) = match self.lirs {
                None => (parse_key(key), 1),
                Some(_) if key == b"*" => continue,
                Some(bs) => match super::lines::num(key) {
                    Some(k) => (k, bs),
                    None if self.skip_bad => {
                        self.skipped += 1;
                        continue;
                    }
                    None => {
                        return Err(input_error(format!(
                            "{}: line {}: {:?} is not a block number (LIRS traces hold one whole number per line; \
                             --trace-format txt reads any word as a key; --skip-bad-lines skips and counts such lines)",
                            self.path.display(),
                            self.line_no,
                            String::from_utf8_lossy(key)
                        )))
                    }
                },
            };
            out.push(Request {
                time: 0,
                key,
                size,
                next_access: NEVER,
                ..Default::default()
            });
        }
        Ok(true)
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_per_line() {
        let data = b"1\n2\r\n\n# comment\nuser:7\n2";
        let mut r = TextReader::new(&data[..], "t.txt".into(), false);
        let mut b = Vec::new();
        assert!(r.read_batch(&mut b).unwrap());
        let keys: Vec<u64> = b.iter().map(|r| r.key).collect();
        assert_eq!(keys, vec![1, 2, parse_key(b"user:7"), 2]);
        assert!(!r.read_batch(&mut b).unwrap());
    }

    #[test]
    fn lirs_blocks() {
        let data = b"12\n*\n13\n\n12\n";
        let mut r = TextReader::lirs(&data[..], "t.trc".into(), false, 512);
        let mut b = Vec::new();
        assert!(r.read_batch(&mut b).unwrap());
        assert_eq!(
            b.iter().map(|q| (q.key, q.size)).collect::<Vec<_>>(),
            vec![(12, 512), (13, 512), (12, 512)]
        );
        let mut r = TextReader::lirs(&b"1\nx7\n"[..], "t.trc".into(), false, 512);
        let e = r.read_batch(&mut b).unwrap_err().to_string();
        assert!(e.contains("t.trc: line 2") && e.contains("\"x7\""), "{e}");
        let mut r = TextReader::lirs(&b"1\nx7\n"[..], "t.trc".into(), true, 512);
        assert!(r.read_batch(&mut b).unwrap());
        assert_eq!((b.len(), r.skipped()), (1, 1));
    }

    #[test]
    fn binary_content_is_refused() {
        let data = [0x01u8, 0, 0, 0, 0x2a, 0, 0, 0, 0, 0, 0, 0, 0x64, 0, 0, 0, 0xff, 0xff];
        let mut r = TextReader::new(&data[..], "x.txt".into(), false);
        let e = r.read_batch(&mut Vec::new()).unwrap_err().to_string();
        assert!(
            e.contains("x.txt") && e.contains("looks binary") && e.contains("oracle-general"),
            "{e}"
        );
    }
}
