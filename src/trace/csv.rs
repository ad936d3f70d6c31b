//! CSV traces with configurable columns (key, time, size, op, ttl), optional header, any delimiter.
//!
//! With a header, columns named key/id/obj_id (and lbn/lba/block for block traces), time/timestamp,
//! size/obj_size, op/operation and ttl are mapped without options; `--key-col` and friends take a
//! 1-based number or a header name. The same reader serves Twitter's layout (see `twitter.rs`).

use super::{peek_line, twitter, Column, CsvOptions, TraceReader, TraceSpec, BATCH};
use crate::error::input_error;
use crate::request::{Op, Request, NEVER};
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
        })
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
                format!("line {line}: {what} {s} is larger than {} bytes, the largest size cachesim holds", u64::MAX)
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

    fn parse_row(&self, line: u64) -> Result<Request, String> {
        let l = &self.layout;
        let key_field = self.field(l.key, line, "key")?;
        if key_field.is_empty() {
            return Err(format!("line {line}: the key in {} is empty", self.col_name(l.key)));
        }
        let key = super::parse_key(key_field);
        let time = match l.time {
            Some(i) => self.nanos(i, line, "time", self.opts.time_unit)?,
            None => 0,
        };
        let mut size = match l.size {
            Some(i) => self.bytes(i, line, "size")?,
            None => 1,
        };
        if let Some(i) = l.key_size {
            let k = self.bytes(i, line, "key size")?;
            size = size.checked_add(k).ok_or_else(|| {
                format!("line {line}: size plus key size passes {} bytes, the largest size cachesim holds", u64::MAX)
            })?;
        }
        let op = match l.op {
            Some(i) => {
                let f = self.field(i, line, "op")?;
                let s = String::from_utf8_lossy(f);
                op_of(&s).ok_or_else(|| {
                    format!(
                        "line {line}: unknown operation `{s}` in {}; valid: get/read, set/write (add, replace, cas, append, prepend, incr, decr, put, update), delete/del, or SCSI opcodes 28/2a",
                        self.col_name(i)
                    )
                })?
            }
            None => Op::Read,
        };
        let ttl = match l.ttl {
            Some(i) => self.nanos(i, line, "ttl", self.opts.ttl_unit)?,
            None => 0,
        };
        Ok(Request {
            time,
            key,
            size,
            op,
            ttl,
            next_access: NEVER,
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
                Ok(r) => out.push(r),
                Err(_) if self.skip_bad => self.skipped += 1,
                Err(msg) => {
                    let fmt = if self.twitter { "Twitter trace" } else { "CSV trace" };
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
        }
    }

    fn read_all(data: &[u8], s: &TraceSpec, twitter: bool) -> Result<Vec<Request>> {
        let mut r = CsvReader::new(data, s, twitter)?;
        let mut all = Vec::new();
        let mut b = Vec::new();
        while r.read_batch(&mut b)? {
            all.extend_from_slice(&b);
        }
        Ok(all)
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
