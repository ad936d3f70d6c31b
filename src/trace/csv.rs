//! CSV traces with configurable columns (key, time, size, op, ttl), optional header, any delimiter.
//!
//! With a header, columns named key/id/obj_id (and lbn/lba/block for block traces), time/timestamp,
//! size/obj_size, op/operation and ttl are mapped without options; `--key-col` and friends take a
//! 1-based number or a header name. The same reader serves Twitter's layout (see `twitter.rs`).

use super::{peek_line, twitter, Column, CsvOptions, TraceReader, TraceSpec, BATCH};
use crate::error::input_error;
use crate::model::request::{Op, Request, NEVER};
use anyhow::Result;
use std::io::BufRead;
use std::path::PathBuf;

const KEY_NAMES: &[&str] = &[
    "key",
    "id",
    "obj_id",
    "object_id",
    "objid",
    "obj",
    "lbn",
    "lba",
    "block",
    "addr",
    "address",
];
const TIME_NAMES: &[&str] = &["time", "timestamp", "ts", "clock_time", "real_time"];
const SIZE_NAMES: &[&str] = &[
    "size",
    "obj_size",
    "object_size",
    "bytes",
    "value_size",
    "len",
    "length",
];
const OP_NAMES: &[&str] = &["op", "operation", "opcode", "type", "rw", "cmd"];
const TTL_NAMES: &[&str] = &["ttl"];

/// Column positions (0-based) after resolving names against the header.
#[derive(Clone, Debug, Default)]
struct Layout {
    key: usize,
    time: Option<usize>,
    size: Option<usize>,
    key_size: Option<usize>,
    op: Option<usize>,
    ttl: Option<usize>,
    instance: Option<usize>,
}

/// Streams CSV rows as requests.
pub struct CsvReader<R: std::io::Read> {
    rdr: csv::Reader<R>,
    path: PathBuf,
    layout: Layout,
    names: Vec<String>,
    opts: CsvOptions,
    twitter: bool,
    skip_bad: bool,
    skipped: u64,
    rec: csv::ByteRecord,
    /// Rows turned into requests so far (a bad first row means a bad column, not a bad line).
    parsed: u64,
    /// Unit of the time column, once detected from the first time value.
    time_unit: Option<super::TimeUnit>,
    /// Whether the instance column holds numbers (decided by its first value) or names.
    instance_numbers: Option<bool>,
    /// Instance names in order of first appearance, with their numbers.
    instance_names: std::collections::HashMap<Vec<u8>, u32>,
}

/// A row that could not be read, and the column option that governs the failing field.
struct RowError {
    msg: String,
    /// `key`, `time`, `size`, `op`, `ttl` or `instance`.
    col: &'static str,
    /// Not a bad row but a trace that does not fit the topology (an instance out of range):
    /// never skipped, never blamed on the column.
    fatal: bool,
}

fn col_of(what: &str) -> &'static str {
    match what {
        "time" => "time",
        "size" | "key size" => "size",
        "op" => "op",
        "ttl" => "ttl",
        "instance" => "instance",
        _ => "key",
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Parses an ISO-8601 / RFC 3339 timestamp as nanoseconds since the Unix epoch:
/// `2024-01-02T03:04:05`, `2024-01-02 03:04:05.123`, with `Z` or `+HH:MM`/`-HH:MM`/`+HHMM` (none: UTC).
pub fn parse_iso8601(s: &str) -> Option<u64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let f = b.get(r)?;
        if f.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(f).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d == 0 || d > mdays[mo as usize - 1] || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ns: u64 = 0;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                frac_ns = frac_ns * 10 + (b[i] - b'0') as u64;
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            frac_ns *= 10;
        }
    }
    let offset_secs: i64 = match &b[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [a, b2, b':', c, d2] | [a, b2, c, d2] => {
                    let p = |x: &u8, y: &u8| -> Option<i64> {
                        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| ((x - b'0') * 10 + (y - b'0')) as i64)
                    };
                    (p(a, b2)?, p(c, d2)?)
                }
                [a, b2] if a.is_ascii_digit() && b2.is_ascii_digit() => (((a - b'0') * 10 + (b2 - b'0')) as i64, 0),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y as i64, mo, d) * 86400 + (h * 3600 + mi * 60 + sec) as i64 - offset_secs;
    if secs < 0 {
        return None;
    }
    (secs as u64).checked_mul(1_000_000_000)?.checked_add(frac_ns)
}

/// The unit of epoch timestamps, from the size of a value written in seconds: epoch seconds stay
/// below 1e11 until the year 5138, so larger values are milliseconds, microseconds or nanoseconds.
fn detect_epoch_unit(int_part: &str) -> super::TimeUnit {
    use super::TimeUnit;
    match int_part.len() {
        0..=11 => TimeUnit::S,
        12..=14 => TimeUnit::Ms,
        15..=17 => TimeUnit::Us,
        _ => TimeUnit::Ns,
    }
}

fn guess_delimiter(line: &[u8]) -> u8 {
    let mut best = (0, b',');
    for d in [b',', b'\t', b';', b'|', b' '] {
        let n = line.iter().filter(|&&b| b == d).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

fn is_number(s: &[u8]) -> bool {
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .is_some()
}

fn op_of(field: &str) -> Option<Op> {
    let f = field.trim().to_ascii_lowercase();
    let f = f.strip_prefix("0x").unwrap_or(&f);
    if let Some(op) = twitter::op(f) {
        return Some(op);
    }
    match f {
        "read" | "r" | "load" | "lookup" => Some(Op::Read),
        "write" | "w" | "put" | "update" | "store" | "insert" => Some(Op::Write),
        "del" | "d" | "remove" | "invalidate" => Some(Op::Delete),
        // SCSI opcodes, as in block traces (cloudPhysics): READ(6/10/12/16), WRITE(6/10/12/16).
        "08" | "28" | "a8" | "88" => Some(Op::Read),
        "0a" | "2a" | "aa" | "8a" => Some(Op::Write),
        _ => None,
    }
}

impl<R: BufRead + Send> CsvReader<R> {
    /// Opens a CSV (or Twitter, when `twitter`) reader and resolves its columns.
    pub fn new(mut inner: R, spec: &TraceSpec, twitter: bool) -> Result<Self> {
        let path = spec.path.clone();
        let opts = if twitter { twitter::options() } else { spec.csv.clone() };
        {
            let head = inner
                .fill_buf()
                .map_err(|e| input_error(format!("{}: read failed: {e}", path.display())))?;
            let fmt = if twitter {
                super::TraceFormat::Twitter
            } else {
                super::TraceFormat::Csv
            };
            super::check_text(&head[..head.len().min(4096)], &path, fmt)?;
        }
        let first = peek_line(&mut inner).map_err(|e| input_error(format!("{}: read failed: {e}", path.display())))?;
        let delimiter = opts.delimiter.unwrap_or_else(|| guess_delimiter(&first));
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(inner);
        let mut names = Vec::new();
        let mut rec = csv::ByteRecord::new();
        let header = match opts.header {
            Some(h) => h,
            None => {
                let fields: Vec<&[u8]> = first.split(|&b| b == delimiter).map(|f| f.trim_ascii()).collect();
                let known = |f: &&[u8]| {
                    let s = String::from_utf8_lossy(f).to_ascii_lowercase();
                    [KEY_NAMES, TIME_NAMES, SIZE_NAMES, OP_NAMES, TTL_NAMES]
                        .iter()
                        .any(|l| l.contains(&s.as_str()))
                };
                fields.iter().any(known) || (fields.len() > 1 && !fields.iter().any(|f| is_number(f)))
            }
        };
        if header
            && rdr
                .read_byte_record(&mut rec)
                .map_err(|e| input_error(format!("{}: {e}", path.display())))?
        {
            names = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
                .collect();
        }
        let resolve = |c: &Option<Column>, auto: &[&str], what: &str| -> Result<Option<usize>> {
            match c {
                Some(Column::Off) => Ok(None),
                Some(Column::Index(i)) => Ok(Some(i - 1)),
                Some(Column::Name(n)) => {
                    let n = n.to_ascii_lowercase();
                    match names.iter().position(|h| *h == n) {
                        Some(i) => Ok(Some(i)),
                        None if names.is_empty() => Err(input_error(format!(
                            "{}: --{what}-col `{n}` names a column, but the file has no header row; give a 1-based column number",
                            path.display()
                        ))),
                        None => Err(input_error(format!(
                            "{}: --{what}-col `{n}` is not in the header; columns are: {}",
                            path.display(),
                            names.join(", ")
                        ))),
                    }
                }
                None => Ok(auto.iter().find_map(|a| names.iter().position(|h| h == a))),
            }
        };
        if opts.key == Some(Column::Off) {
            return Err(input_error(format!(
                "{}: --key-col none: every request needs a key; give a 1-based column number or a header name",
                path.display()
            )));
        }
        let key = match resolve(&opts.key, KEY_NAMES, "key")? {
            Some(k) => k,
            None if names.is_empty() => 0,
            None => {
                return Err(input_error(format!(
                    "{}: no key column: the header ({}) has none of {}; choose one with --key-col NAME or NUMBER",
                    path.display(),
                    names.join(", "),
                    KEY_NAMES.join(", ")
                )))
            }
        };
        let layout = Layout {
            key,
            time: resolve(&opts.time, TIME_NAMES, "time")?,
            size: resolve(&opts.size, SIZE_NAMES, "size")?,
            key_size: if twitter {
                Some(twitter::KEY_SIZE_COLUMN - 1)
            } else {
                None
            },
            op: resolve(&opts.op, OP_NAMES, "op")?,
            ttl: resolve(&opts.ttl, TTL_NAMES, "ttl")?,
            instance: resolve(&opts.instance, &[], "instance")?,
        };
        Ok(CsvReader {
            rdr,
            path,
            layout,
            names,
            opts,
            twitter,
            skip_bad: spec.skip_bad_lines,
            skipped: 0,
            rec,
            parsed: 0,
            time_unit: None,
            instance_numbers: None,
            instance_names: Default::default(),
        })
    }

    /// Whether a TTL column was resolved (named, numbered, or found in the header).
    pub fn has_ttl_column(&self) -> bool {
        self.layout.ttl.is_some()
    }

    fn col_name(&self, i: usize) -> String {
        match self.names.get(i) {
            Some(n) => format!("column {} ({n})", i + 1),
            None => format!("column {}", i + 1),
        }
    }

    fn field(&self, i: usize, line: u64, what: &str) -> Result<&[u8], String> {
        self.rec.get(i).ok_or_else(|| {
            format!(
                "line {line}: missing {what} field: {} does not exist, the row has {} fields",
                self.col_name(i),
                self.rec.len()
            )
        })
    }

    fn number(&self, i: usize, line: u64, what: &str) -> Result<f64, String> {
        let f = self.field(i, line, what)?;
        let s = std::str::from_utf8(f).unwrap_or("");
        match s.parse::<f64>() {
            Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
            _ => Err(format!(
                "line {line}: {what} in {} is `{}`, not a non-negative number",
                self.col_name(i),
                String::from_utf8_lossy(f)
            )),
        }
    }

    /// A whole number of bytes: exact up to `u64::MAX` when written as digits (`5368709120`), else
    /// any non-negative number without a fraction (`5.36870912e9`).
    fn bytes(&self, i: usize, line: u64, what: &str) -> Result<u64, String> {
        let f = self.field(i, line, what)?;
        if !f.is_empty() && f.iter().all(u8::is_ascii_digit) {
            let s = std::str::from_utf8(f).unwrap_or("");
            return s.parse::<u64>().map_err(|_| {
                format!(
                    "line {line}: {what} {s} is larger than {} bytes, the largest size cachesim holds",
                    u64::MAX
                )
            });
        }
        let v = self.number(i, line, what)?;
        if v.fract() != 0.0 || v >= u64::MAX as f64 {
            return Err(format!(
                "line {line}: {what} {v} is not a whole number of bytes from 0 to {}",
                u64::MAX
            ));
        }
        Ok(v as u64)
    }

    /// A non-negative decimal number of `unit`s as exact nanoseconds (`12.000123456` s).
    fn nanos(&self, i: usize, line: u64, what: &str, unit: super::TimeUnit) -> Result<u64, String> {
        let f = self.field(i, line, what)?;
        let s = std::str::from_utf8(f).unwrap_or("");
        if what == "time" {
            if let Some(ns) = parse_iso8601(s) {
                return Ok(ns);
            }
        }
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if digits(int) && (frac.is_empty() || digits(frac)) && frac.len() <= 18 && int.len() <= 19 {
            let per = unit.nanos() as u128;
            let i: u128 = int.parse().unwrap_or(0);
            let fr: u128 = if frac.is_empty() { 0 } else { frac.parse().unwrap_or(0) };
            let ns = i * per + fr * per / 10u128.pow(frac.len() as u32);
            return u64::try_from(ns).map_err(|_| format!("line {line}: {what} `{s}` is too large"));
        }
        // Other spellings (exponents): through floating point.
        Ok((self.number(i, line, what)? * unit.nanos()) as u64)
    }

    /// The time column's unit: as given, or detected once from the first numeric time value.
    fn time_unit(&mut self, i: usize) -> super::TimeUnit {
        if self.opts.time_unit_given {
            return self.opts.time_unit;
        }
        if let Some(u) = self.time_unit {
            return u;
        }
        let f = self.rec.get(i).unwrap_or(b"");
        let s = std::str::from_utf8(f).unwrap_or("");
        let int = s.split_once('.').map_or(s, |(a, _)| a);
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return self.opts.time_unit; // not a plain number: decided on a later row
        }
        let u = detect_epoch_unit(int);
        if u != super::TimeUnit::S {
            eprintln!(
                "note: {}: the time column holds epoch {} (e.g. `{s}`); pass --time-unit to choose another unit",
                self.path.display(),
                match u {
                    super::TimeUnit::Ms => "milliseconds",
                    super::TimeUnit::Us => "microseconds",
                    _ => "nanoseconds",
                }
            );
        }
        self.time_unit = Some(u);
        u
    }

    fn parse_row(&mut self, line: u64) -> Result<Request, RowError> {
        let time_unit = match self.layout.time {
            Some(i) => self.time_unit(i),
            None => self.opts.time_unit,
        };
        let mut r = self.parse_fields(line, time_unit)?;
        if let Some(i) = self.layout.instance {
            r.instance = self.instance(i, line)?;
        }
        Ok(r)
    }

    /// The instance in column `i`: a whole number below `topology.instances`, or a name numbered
    /// in order of first appearance. The column's first value decides which of the two it holds.
    fn instance(&mut self, i: usize, line: u64) -> Result<u32, RowError> {
        let bad = |msg: String| RowError {
            msg,
            col: "instance",
            fatal: false,
        };
        // The field borrows `rec` alone, so the instance maps below can change meanwhile.
        let Some(f) = self.rec.get(i) else {
            return Err(bad(self.field(i, line, "instance").err().unwrap_or_default()));
        };
        if f.is_empty() {
            return Err(bad(format!(
                "line {line}: the instance in {} is empty",
                self.col_name(i)
            )));
        }
        let digits = f.iter().all(u8::is_ascii_digit);
        let numbers = *self.instance_numbers.get_or_insert(digits);
        let limit = self.opts.instances;
        let fatal = |msg: String| RowError {
            msg,
            col: "instance",
            fatal: true,
        };
        if numbers {
            if !digits {
                return Err(bad(format!(
                    "line {line}: instance `{}` in {} is not a whole number (the column's first value is a number, so every value must be an instance number)",
                    String::from_utf8_lossy(f),
                    self.col_name(i)
                )));
            }
            let s = std::str::from_utf8(f).unwrap_or("");
            let v = s.parse::<u64>().unwrap_or(u64::MAX);
            let n = limit.map_or(u32::MAX as u64, |n| n as u64);
            if v >= n {
                return Err(fatal(format!(
                    "line {line}: instance_col: instance {s} in {} is not below topology.instances = {n}: instance numbers run from 0 to {}; raise topology.instances or check instance_col",
                    self.col_name(i),
                    n.saturating_sub(1)
                )));
            }
            return Ok(v as u32);
        }
        if let Some(&k) = self.instance_names.get(f) {
            return Ok(k);
        }
        let k = self.instance_names.len() as u64;
        let n = limit.map_or(u32::MAX as u64, |n| n as u64);
        if k >= n {
            let mut first: Vec<(&Vec<u8>, &u32)> = self.instance_names.iter().collect();
            first.sort_by_key(|(_, &k)| k);
            let first: Vec<String> = first
                .iter()
                .take(8)
                .map(|(name, _)| String::from_utf8_lossy(name).into_owned())
                .collect();
            return Err(fatal(format!(
                "line {line}: instance_col: `{}` in {} is the instance name number {}, but topology.instances = {n} (names are numbered in order of first appearance; the first: {}); raise topology.instances or check instance_col",
                String::from_utf8_lossy(f),
                self.col_name(i),
                k + 1,
                first.join(", ")
            )));
        }
        self.instance_names.insert(f.to_vec(), k as u32);
        Ok(k as u32)
    }

    fn parse_fields(&self, line: u64, time_unit: super::TimeUnit) -> Result<Request, RowError> {
        let l = &self.layout;
        let err = |what: &'static str| {
            move |msg: String| RowError {
                msg,
                col: col_of(what),
                fatal: false,
            }
        };
        let key_field = self.field(l.key, line, "key").map_err(err("key"))?;
        if key_field.is_empty() {
            return Err(RowError {
                msg: format!("line {line}: the key in {} is empty", self.col_name(l.key)),
                col: "key",
                fatal: false,
            });
        }
        let key = super::parse_key(key_field);
        let time = match l.time {
            Some(i) => self.nanos(i, line, "time", time_unit).map_err(err("time"))?,
            None => 0,
        };
        let mut size = match l.size {
            Some(i) => self.bytes(i, line, "size").map_err(err("size"))?,
            None => 1,
        };
        if let Some(i) = l.key_size {
            let k = self.bytes(i, line, "key size").map_err(err("size"))?;
            size = size.checked_add(k).ok_or_else(|| RowError {
                msg: format!(
                    "line {line}: size plus key size passes {} bytes, the largest size cachesim holds",
                    u64::MAX
                ),
                col: "size",
                fatal: false,
            })?;
        }
        let op = match l.op {
            Some(i) => {
                let f = self.field(i, line, "op").map_err(err("op"))?;
                let s = String::from_utf8_lossy(f);
                op_of(&s).ok_or_else(|| RowError {
                    msg: format!(
                        "line {line}: unknown operation `{s}` in {}; valid: get/read, set/write (add, replace, cas, append, prepend, incr, decr, put, update), delete/del, or SCSI opcodes 28/2a",
                        self.col_name(i)
                    ),
                    col: "op",
                    fatal: false,
                })?
            }
            None => Op::Read,
        };
        let ttl = match l.ttl {
            Some(i) => self.nanos(i, line, "ttl", self.opts.ttl_unit).map_err(err("ttl"))?,
            None => 0,
        };
        Ok(Request {
            time,
            key,
            size,
            op,
            ttl,
            next_access: NEVER,
            absent: false,
            instance: 0,
        })
    }
}

impl<R: BufRead + Send> TraceReader for CsvReader<R> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        while out.len() < BATCH {
            let more = match self.rdr.read_byte_record(&mut self.rec) {
                Ok(m) => m,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    if self.skip_bad && !matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.skipped += 1;
                        continue;
                    }
                    return Err(input_error(format!("{}: line {line}: {e}", self.path.display())));
                }
            };
            if !more {
                return Ok(!out.is_empty());
            }
            let line = self.rec.position().map(|p| p.line()).unwrap_or(0);
            if self.rec.len() == 1 && self.rec[0].is_empty() {
                continue; // blank line
            }
            match self.parse_row(line) {
                Ok(r) => {
                    self.parsed += 1;
                    out.push(r)
                }
                Err(RowError { msg, fatal: true, .. }) => {
                    return Err(input_error(format!("{}: {msg}", self.path.display())));
                }
                Err(_) if self.skip_bad => self.skipped += 1,
                Err(RowError { msg, col, .. }) if self.parsed == 0 && !self.twitter => {
                    // The first data row fails: the column itself is of the wrong kind (a whole
                    // column of ISO dates in --time-unit, names in a size column): skipping lines
                    // would skip them all, so name the column and the option that fixes it.
                    let fix = match col {
                        "key" => "choose the key column with --key-col NAME or NUMBER".to_string(),
                        "instance" => "choose the instance column with topology.instance_col (or --instance-col) NAME or NUMBER".to_string(),
                        "time" => "timestamps may be numbers (epoch s/ms/us/ns: --time-unit s|ms|us|ns) or ISO-8601 (2024-01-02T03:04:05Z); choose another column with --time-col, or ignore it with --time-col none".to_string(),
                        c => format!("choose another column with --{c}-col, or ignore it with --{c}-col none"),
                    };
                    return Err(input_error(format!(
                        "{}: {msg}. The {col} column cannot be read from its first data row: {fix}",
                        self.path.display()
                    )));
                }
                Err(RowError { msg, col, .. }) => {
                    let fmt = if self.twitter { "Twitter trace" } else { "CSV trace" };
                    if !self.twitter {
                        // Good rows first, then a column that turns bad for good (a second
                        // section, a changed export): skipping lines would drop everything after,
                        // so look ahead before suggesting it.
                        let (bad, seen) = self.failing_ahead(col, LOOK_AHEAD);
                        if seen >= 2 && bad == seen {
                            return Err(input_error(format!(
                                "{}: {msg}. The {col} column fails from line {line} on (also the next {seen} rows): after {} good rows the file changes; split it, or choose another column with --{col}-col",
                                self.path.display(),
                                self.parsed
                            )));
                        }
                    }
                    return Err(input_error(format!(
                        "{}: {msg}. The {fmt} could not be read; fix the row, choose columns with --key-col/--time-col/--size-col/--op-col/--ttl-col, or pass --skip-bad-lines to skip and count such rows",
                        self.path.display()
                    )));
                }
            }
        }
        Ok(true)
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// Rows read past a bad one to tell a bad line from a column that turned bad.
const LOOK_AHEAD: usize = 100;

impl<R: BufRead + Send> CsvReader<R> {
    /// Of up to `n` following data rows, how many fail in column `col`, and how many were read.
    fn failing_ahead(&mut self, col: &str, n: usize) -> (usize, usize) {
        let (mut bad, mut seen) = (0, 0);
        while seen < n {
            match self.rdr.read_byte_record(&mut self.rec) {
                Ok(true) => {}
                _ => break,
            }
            if self.rec.len() == 1 && self.rec[0].is_empty() {
                continue;
            }
            let line = self.rec.position().map(|p| p.line()).unwrap_or(0);
            seen += 1;
            if matches!(self.parse_row(line), Err(RowError { col: c, .. }) if c == col) {
                bad += 1;
            }
        }
        (bad, seen)
    }
}

/// A `--delimiter` or `workload.delimiter` value: one ASCII character, `tab` or `space`.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "space" | " " => Ok(b' '),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(input_error(format!(
            "delimiter `{s}` must be one ASCII character, `tab` or `space`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::TraceFormat;

    fn spec(format: TraceFormat, csv: CsvOptions) -> TraceSpec {
        TraceSpec {
            path: "mem.csv".into(),
            format,
            zstd: false,
            csv,
            skip_bad_lines: false,
            block_size: 4096,
        }
    }

    fn read_all(data: &[u8], s: &TraceSpec, twitter: bool) -> Result<Vec<Request>> {
        let mut r = CsvReader::new(data, s, twitter)?;
        crate::trace::drain(&mut r)
    }

    #[test]
    fn header_names_map_columns() {
        let data = b"time,obj_id,obj_size,op,ttl\n1,10,100,get,0\n2,user:1,200,set,60\n3,10,100,delete,0\n";
        let r = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            (r[0].time, r[0].key, r[0].size, r[0].op),
            (1_000_000_000, 10, 100, Op::Read)
        );
        assert_eq!(
            (r[1].key, r[1].op, r[1].ttl),
            (super::super::parse_key(b"user:1"), Op::Write, 60_000_000_000)
        );
        assert_eq!(r[2].op, Op::Delete);
    }

    #[test]
    fn cloudphysics_layout_needs_only_key_column() {
        let data = b"version,time,op,size,lbn\n1,5633898,2a,512,42932745\n1,5633899,28,4096,7\n";
        let mut o = CsvOptions::default();
        // lbn is recognised; this also works with --key-col lbn.
        let r = read_all(data, &spec(TraceFormat::Csv, o.clone()), false).unwrap();
        assert_eq!((r[0].key, r[0].size, r[0].op), (42932745, 512, Op::Write));
        assert_eq!((r[1].key, r[1].op), (7, Op::Read));
        o.key = Some(Column::Name("lbn".into()));
        assert_eq!(read_all(data, &spec(TraceFormat::Csv, o), false).unwrap(), r);
    }

    #[test]
    fn headerless_tab_delimited_with_columns() {
        let data = b"7\t100\tk1\n8\t200\tk2\n";
        let o = CsvOptions {
            key: Some(Column::Index(3)),
            size: Some(Column::Index(2)),
            ..Default::default()
        };
        let r = read_all(data, &spec(TraceFormat::Csv, o), false).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].size, 200);
    }

    #[test]
    fn bad_rows_name_the_line() {
        let data = b"key,size\n1,10\n2,abc\n";
        let e = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mem.csv") && e.contains("line 3") && e.contains("abc"),
            "{e}"
        );
        let data = b"key,size\n1,10\n2\n";
        let e = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("missing size"), "{e}");
        let mut s = spec(TraceFormat::Csv, CsvOptions::default());
        s.skip_bad_lines = true;
        let mut r = CsvReader::new(&b"key,size\n1,10\n2,abc\n3,5\n"[..], &s, false).unwrap();
        let mut b = Vec::new();
        r.read_batch(&mut b).unwrap();
        assert_eq!((b.len(), r.skipped()), (2, 1));
    }

    #[test]
    fn twitter_layout() {
        let data = b"0,abc,10,90,1,get,0\n5,abc,10,190,1,set,3600\n6,abd,4,0,2,delete,0\n";
        let r = read_all(data, &spec(TraceFormat::Twitter, CsvOptions::default()), true).unwrap();
        assert_eq!((r[0].size, r[0].op), (100, Op::Read));
        assert_eq!(
            (r[1].size, r[1].op, r[1].ttl, r[1].time),
            (200, Op::Write, 3_600_000_000_000, 5_000_000_000)
        );
        assert_eq!(r[2].op, Op::Delete);
        assert_eq!(r[0].key, r[1].key);
    }

    #[test]
    fn iso8601_timestamps() {
        // 2024-01-02T03:04:05Z = 1704164645 s (date -u -d 2024-01-02T03:04:05Z +%s).
        assert_eq!(parse_iso8601("2024-01-02T03:04:05Z"), Some(1_704_164_645_000_000_000));
        assert_eq!(
            parse_iso8601("2024-01-02T03:04:05.123Z"),
            Some(1_704_164_645_123_000_000)
        );
        assert_eq!(parse_iso8601("2024-01-02 03:04:05"), Some(1_704_164_645_000_000_000));
        assert_eq!(
            parse_iso8601("2024-01-02T05:04:05+02:00"),
            Some(1_704_164_645_000_000_000)
        );
        assert_eq!(
            parse_iso8601("2024-01-02T01:04:05-0200"),
            Some(1_704_164_645_000_000_000)
        );
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_iso8601("2024/01/02 03:04:05"), None);
        assert_eq!(parse_iso8601("12345"), None);
        let data = b"time,key\n2024-01-02T03:04:05Z,1\n2024-01-02T03:04:06.5Z,2\n";
        let r = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false).unwrap();
        assert_eq!(r[1].time - r[0].time, 1_500_000_000);
    }

    #[test]
    fn epoch_units_detected() {
        let cases: [(&[u8], u64); 4] = [
            (b"time,key\n1704164645,1\n1704164646,2\n", 1_000_000_000),
            (b"time,key\n1704164645000,1\n1704164646000,2\n", 1_000_000_000),
            (b"time,key\n1704164645000000,1\n1704164645000500,2\n", 500_000),
            (b"time,key\n1704164645000000000,1\n1704164645000000007,2\n", 7),
        ];
        for (data, gap) in cases {
            let r = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false).unwrap();
            assert_eq!(r[1].time - r[0].time, gap, "{}", String::from_utf8_lossy(data));
        }
        // An explicit unit wins.
        let o = CsvOptions {
            time_unit: crate::trace::TimeUnit::S,
            time_unit_given: true,
            ..Default::default()
        };
        let ms = b"time,key\n1704164645000,1\n1704164646000,2\n";
        let e = read_all(ms, &spec(TraceFormat::Csv, o.clone()), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too large"), "{e}");
        let o = CsvOptions {
            time_unit: crate::trace::TimeUnit::Us,
            ..o
        };
        let r = read_all(ms, &spec(TraceFormat::Csv, o), false).unwrap();
        assert_eq!(r[1].time - r[0].time, 1_000_000);
    }

    #[test]
    fn a_bad_column_is_named_not_skipped() {
        let data = b"time,key,size\n01/02/2024,1,10\n01/02/2024,2,10\n";
        let e = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--time-col none") && e.contains("--time-unit") && !e.contains("--skip-bad-lines"),
            "{e}"
        );
        let o = CsvOptions {
            time: Some(Column::Off),
            ..Default::default()
        };
        let r = read_all(data, &spec(TraceFormat::Csv, o), false).unwrap();
        assert_eq!((r.len(), r[0].time, r[0].size), (2, 0, 10));
        // A bad row after good ones still suggests --skip-bad-lines.
        let data = b"key,size\n1,10\n2,abc\n";
        let e = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--skip-bad-lines"), "{e}");
        // Good rows, then a column that is bad from there on: named, not skipped.
        let data = b"key,size\n1,10\n2,20\n3,big\n4,big\n5,big\n";
        let e = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("size column fails from line 4 on")
                && e.contains("--size-col")
                && !e.contains("--skip-bad-lines"),
            "{e}"
        );
        // One bad row among good ones still suggests skipping.
        let data = b"key,size\n1,10\n2,x\n3,30\n4,40\n";
        let e = read_all(data, &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--skip-bad-lines"), "{e}");
    }

    #[test]
    fn binary_csv_is_refused() {
        let data = [b'1', b',', 0, 0, 0xff, b'\n'];
        let e = CsvReader::new(&data[..], &spec(TraceFormat::Csv, CsvOptions::default()), false)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("looks binary"), "{e}");
    }

    #[test]
    fn instance_column_numbers_and_names() {
        let o = CsvOptions {
            instance: Some(Column::Name("inst".into())),
            instances: Some(3),
            ..Default::default()
        };
        let s = spec(TraceFormat::Csv, o);
        let inst =
            |data: &[u8]| -> Result<Vec<u32>> { Ok(read_all(data, &s, false)?.iter().map(|r| r.instance).collect()) };
        assert_eq!(inst(b"key,inst\n1,2\n2,0\n3,1\n").unwrap(), [2, 0, 1]);
        // Names: numbered in order of first appearance; a number among names is a name.
        assert_eq!(inst(b"key,inst\n1,b\n2,a\n3,b\n4,7\n").unwrap(), [0, 1, 0, 2]);
        let e = inst(b"key,inst\n1,0\n2,3\n").unwrap_err().to_string();
        assert!(
            e.contains("mem.csv: line 3") && e.contains("instance_col") && e.contains("topology.instances = 3"),
            "{e}"
        );
        let e = inst(b"key,inst\n1,a\n2,b\n3,c\n4,a\n5,d\n").unwrap_err().to_string();
        assert!(
            e.contains("line 6") && e.contains("`d`") && e.contains("topology.instances = 3"),
            "{e}"
        );
        // Out of range is not a bad line: --skip-bad-lines does not skip it.
        let mut skipping = s.clone();
        skipping.skip_bad_lines = true;
        assert!(read_all(b"key,inst\n1,0\n2,5\n", &skipping, false).is_err());
        // A name after numbers is a bad row.
        let e = inst(b"key,inst\n1,0\n2,x\n3,1\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("not a whole number"), "{e}");
        // Without an instance column every request is instance 0.
        let r = read_all(
            b"key,inst\n1,2\n",
            &spec(TraceFormat::Csv, CsvOptions::default()),
            false,
        )
        .unwrap();
        assert_eq!(r[0].instance, 0);
    }

    #[test]
    fn unknown_key_column() {
        let data = b"a,b\n1,2\n";
        let o = CsvOptions {
            key: Some(Column::Name("lbn".into())),
            ..Default::default()
        };
        let e = CsvReader::new(&data[..], &spec(TraceFormat::Csv, o), false)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not in the header") && e.contains("a, b"), "{e}");
    }
}
