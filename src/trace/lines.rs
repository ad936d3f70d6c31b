//! Line reading shared by the fixed-layout text formats (MSR, ARC, Meta): numbered lines, text
//! checked on the first read, errors naming the file and the line, `--skip-bad-lines` counting,
//! and the expansion of a block range into one request per block.

use super::{TraceFormat, BATCH};
use crate::error::input_error;
use crate::model::request::{Op, Request, NEVER};
use anyhow::Result;
use std::io::BufRead;
use std::path::PathBuf;

/// Numbered lines of a text trace.
pub struct Lines<R> {
    inner: R,
    /// The file, for messages.
    pub path: PathBuf,
    buf: Vec<u8>,
    /// 1-based number of the line last read.
    pub line_no: u64,
    checked: bool,
    format: TraceFormat,
    skip_bad: bool,
    /// Lines skipped as malformed.
    pub skipped: u64,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `path`, in `format` (for messages).
    pub fn new(inner: R, path: PathBuf, format: TraceFormat, skip_bad: bool) -> Self {
        Lines {
            inner,
            path,
            buf: Vec::new(),
            line_no: 0,
            checked: false,
            format,
            skip_bad,
            skipped: 0,
        }
    }

    /// The next line without its end of line and surrounding blanks; None at the end.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>> {
        if !self.checked {
            self.checked = true;
            let head = self
                .inner
                .fill_buf()
                .map_err(|e| input_error(format!("{}: read failed: {e}", self.path.display())))?;
            let head = &head[..head.len().min(4096)];
            super::check_text(head, &self.path, self.format)?;
        }
        self.buf.clear();
        let n = self.inner.read_until(b'\n', &mut self.buf).map_err(|e| {
            input_error(format!(
                "{}: read failed after line {}: {e}",
                self.path.display(),
                self.line_no
            ))
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        Ok(Some(self.buf.trim_ascii()))
    }

    /// A malformed line: counted and skipped with `--skip-bad-lines`, else an error naming it.
    pub fn reject(&mut self, what: &str) -> Result<()> {
        if self.skip_bad {
            self.skipped += 1;
            return Ok(());
        }
        Err(self.error(what))
    }

    /// An input error naming the file, the format and the current line.
    pub fn error(&self, what: &str) -> anyhow::Error {
        input_error(format!(
            "{}: line {}: {what} ({} trace; --skip-bad-lines skips and counts malformed lines)",
            self.path.display(),
            self.line_no,
            self.format.name()
        ))
    }
}

/// The most requests one line may expand into (a block range, or Meta's op_count): a larger
/// count is taken for a garbled line rather than replayed for hours.
pub const MAX_EXPANSION: u64 = 1 << 24;

/// Requests still to emit for the current line: `count` copies of `req`, the key advancing by
/// `step` each time (1 for block ranges, 0 for repeats).
#[derive(Clone, Copy, Debug, Default)]
pub struct Pending {
    req: Request,
    count: u64,
    step: u64,
}

impl Pending {
    /// `count` requests from `req`, keys `req.key`, `req.key + step`, ...
    pub fn new(req: Request, count: u64, step: u64) -> Self {
        Pending { req, count, step }
    }

    /// Moves as many pending requests as fit into `out` (up to [`BATCH`]).
    #[inline]
    pub fn drain(&mut self, out: &mut Vec<Request>) {
        while self.count > 0 && out.len() < BATCH {
            out.push(self.req);
            self.req.key = self.req.key.wrapping_add(self.step);
            self.count -= 1;
        }
    }

    /// Whether requests are left.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// A block request: `block_size` bytes at time `time`.
pub fn block(key: u64, block_size: u64, time: u64, op: Op) -> Request {
    Request {
        time,
        key,
        size: block_size,
        op,
        ttl: 0,
        next_access: NEVER,
        absent: false,
        instance: 0,
    }
}

/// Parses a whole unsigned decimal number (no sign, no blanks).
pub fn num(field: &[u8]) -> Option<u64> {
    if field.is_empty() || field.len() > 20 || !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(field).ok()?.parse().ok()
}
