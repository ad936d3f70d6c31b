//! Plain text traces: one key per line (numbers used as they are, other strings hashed), every
//! object of size 1. Blank lines and lines starting with `#` are skipped.

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
            super::check_text(head, &self.path, super::TraceFormat::Txt)?;
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
            out.push(Request {
                time: 0,
                key: parse_key(key),
                size: 1,
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
