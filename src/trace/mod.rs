//! Trace readers: one file per format behind one trait, all streaming (memory does not grow with
//! the trace length). `open` picks the reader from `--trace-format` or, with `auto`, from the file
//! name and its first bytes. The writers `generate` uses, one per format it writes, are in
//! [`mod@write`].

pub mod arc;
pub mod binary;
pub mod csv;
pub mod lcs;
pub mod lines;
pub mod meta;
pub mod msr;
pub mod oracle;
pub mod sample;
pub mod text;
pub mod twitter;
pub mod twrbin;
pub mod vscsi;
pub mod wiki;
pub mod write;

use crate::error::input_error;
use crate::model::request::Request;
use anyhow::{Context, Result};
use clap::ValueEnum;
use serde::Serialize;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Requests per batch handed to a policy.
pub const BATCH: usize = 4096;

/// A streaming source of requests.
pub trait TraceReader: Send {
    /// Clears `out` and fills it with up to [`BATCH`] requests. Returns false at the end of the trace.
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool>;

    /// Malformed rows skipped so far (only with `--skip-bad-lines`).
    fn skipped(&self) -> u64 {
        0
    }
}

/// Every request `r` yields, batch after batch (for tests).
#[cfg(test)]
pub(crate) fn drain(r: &mut dyn TraceReader) -> Result<Vec<Request>> {
    let (mut all, mut b) = (Vec::new(), Vec::new());
    while r.read_batch(&mut b)? {
        all.extend_from_slice(&b);
    }
    Ok(all)
}

/// Supported trace formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TraceFormat {
    /// Pick by extension and content.
    Auto,
    /// libCacheSim oracleGeneral: 24-byte records (u32 time, u64 id, u32 size, i64 next access), optionally zstd-compressed.
    #[value(alias = "oracle", alias = "oraclegeneral")]
    #[serde(alias = "oracle", alias = "oraclegeneral")]
    OracleGeneral,
    /// CSV with configurable columns (key, time, size, op, ttl).
    Csv,
    /// Plain text, one key per line.
    #[value(alias = "text")]
    #[serde(alias = "text")]
    Txt,
    /// Twitter's cache trace CSV (timestamp, key, key size, value size, client id, op, ttl).
    #[value(alias = "twr")]
    #[serde(alias = "twr")]
    Twitter,
    /// libCacheSim lcs: a header naming the record layout (versions 1-8, or a format string), then records.
    Lcs,
    /// VMware vscsi block trace (CloudPhysics), binary v1 (32-byte) or v2 (40-byte) records.
    Vscsi,
    /// Twitter's trace in libCacheSim's binary form: 20-byte records (time, id, key/value size, op/ttl).
    #[value(alias = "twrbin")]
    #[serde(alias = "twrbin")]
    TwrBin,
    /// Wikipedia CDN 2016 upload, binary 14-byte records (id, size, content type; no time).
    #[value(alias = "wiki2016u")]
    #[serde(alias = "wiki2016u")]
    Wiki16u,
    /// Wikipedia CDN 2019 upload, binary 18-byte records (time, id, size, content type).
    #[value(alias = "wiki2019u")]
    #[serde(alias = "wiki2019u")]
    Wiki19u,
    /// Wikipedia CDN 2019 text, binary 16-byte records (time, id, size).
    #[value(alias = "wiki2019t")]
    #[serde(alias = "wiki2019t")]
    Wiki19t,
    /// Meta CacheLib kvcache CSV with header (op_time,key,key_size,op,op_count,size,...); op_count repeats a row.
    #[value(alias = "metakv")]
    #[serde(alias = "metakv")]
    MetaKv,
    /// Meta CacheLib CDN CSV with header (timestamp,cacheKey,OpType,objectSize,...,TTL,...).
    #[value(alias = "metacdn")]
    #[serde(alias = "metacdn")]
    MetaCdn,
    /// MSR Cambridge block I/O CSV (Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime), one request per --block-size block.
    Msr,
    /// ARC traces (.lis): `start_block count ...` per line, one request per block.
    #[value(alias = "lis")]
    #[serde(alias = "lis")]
    Arc,
    /// LIRS traces (.trc): one block number per line, `*` lines skipped.
    #[value(alias = "trc")]
    #[serde(alias = "trc")]
    Lirs,
}

impl TraceFormat {
    /// Lower-case name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            TraceFormat::Auto => "auto",
            TraceFormat::OracleGeneral => "oracle-general",
            TraceFormat::Csv => "csv",
            TraceFormat::Txt => "txt",
            TraceFormat::Twitter => "twitter",
            TraceFormat::Lcs => "lcs",
            TraceFormat::Vscsi => "vscsi",
            TraceFormat::TwrBin => "twr-bin",
            TraceFormat::Wiki16u => "wiki16u",
            TraceFormat::Wiki19u => "wiki19u",
            TraceFormat::Wiki19t => "wiki19t",
            TraceFormat::MetaKv => "meta-kv",
            TraceFormat::MetaCdn => "meta-cdn",
            TraceFormat::Msr => "msr",
            TraceFormat::Arc => "arc",
            TraceFormat::Lirs => "lirs",
        }
    }

    /// Whether the format is binary (fixed records), not text.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            TraceFormat::OracleGeneral
                | TraceFormat::Lcs
                | TraceFormat::Vscsi
                | TraceFormat::TwrBin
                | TraceFormat::Wiki16u
                | TraceFormat::Wiki19u
                | TraceFormat::Wiki19t
        )
    }
}

/// Default `--block-size`: bytes per request of block traces (MSR, ARC, LIRS).
pub const DEFAULT_BLOCK_SIZE: u64 = 4096;

/// A reference to a CSV column: a 1-based position or a header name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// 1-based column number.
    Index(usize),
    /// Name in the header row.
    Name(String),
    /// `none`: the column is not read, even when the header names it (turns auto-detection off).
    Off,
}

impl std::str::FromStr for Column {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("a column is a 1-based number or a header name".into());
        }
        if t.eq_ignore_ascii_case("none") {
            return Ok(Column::Off);
        }
        match t.parse::<usize>() {
            Ok(0) => Err("columns are numbered from 1".into()),
            Ok(n) => Ok(Column::Index(n)),
            Err(_) => Ok(Column::Name(t.to_string())),
        }
    }
}

/// Time unit of numeric timestamps and TTLs in text formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Seconds.
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds.
    Us,
    /// Nanoseconds.
    Ns,
}

impl TimeUnit {
    /// Nanoseconds per unit.
    pub fn nanos(self) -> f64 {
        match self {
            TimeUnit::S => 1e9,
            TimeUnit::Ms => 1e6,
            TimeUnit::Us => 1e3,
            TimeUnit::Ns => 1.0,
        }
    }
}

/// Options for CSV-like formats.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    /// Key column (default: from the header: key, id, obj_id, ...; else column 1).
    pub key: Option<Column>,
    /// Time column.
    pub time: Option<Column>,
    /// Size column.
    pub size: Option<Column>,
    /// Operation column.
    pub op: Option<Column>,
    /// TTL column.
    pub ttl: Option<Column>,
    /// Instance column (`[topology] routing = "trace"`): whole numbers 0..N-1, or names numbered
    /// in order of first appearance. Never found from the header: only when named or numbered.
    pub instance: Option<Column>,
    /// `topology.instances`: an instance number at or above it, or more distinct instance names,
    /// stops the read with an error (None: unchecked).
    pub instances: Option<u32>,
    /// Field delimiter (default: guessed from the first line among `,` tab `;` `|` space).
    pub delimiter: Option<u8>,
    /// Whether the first row is a header (default: guessed).
    pub header: Option<bool>,
    /// Unit of the time column.
    pub time_unit: TimeUnit,
    /// Whether the time unit was given (else epoch ms/us/ns are detected from the values).
    pub time_unit_given: bool,
    /// Unit of the TTL column.
    pub ttl_unit: TimeUnit,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            key: None,
            time: None,
            size: None,
            op: None,
            ttl: None,
            instance: None,
            instances: None,
            delimiter: None,
            header: None,
            time_unit: TimeUnit::S,
            time_unit_given: false,
            ttl_unit: TimeUnit::S,
        }
    }
}

/// Everything needed to open a trace, any number of times (each job streams its own copy).
#[derive(Clone, Debug)]
pub struct TraceSpec {
    /// The file.
    pub path: PathBuf,
    /// Its format, resolved (never `Auto`).
    pub format: TraceFormat,
    /// Whether the file is zstd-compressed.
    pub zstd: bool,
    /// Options for CSV-like formats.
    pub csv: CsvOptions,
    /// Skip (and count) malformed rows instead of failing.
    pub skip_bad_lines: bool,
    /// Bytes per block of block traces (MSR, ARC, LIRS): each block is one request of this size.
    pub block_size: u64,
}

/// Progress shared by all readers of one run, for the progress bar.
#[derive(Debug, Default)]
pub struct ReadProgress {
    /// Bytes consumed from trace files (compressed bytes for .zst), or requests generated.
    pub units: AtomicU64,
}

/// A `Read` that counts the bytes it passes through into a shared counter.
pub struct Counting<R> {
    inner: R,
    progress: Option<Arc<ReadProgress>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.units.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

fn open_file(path: &Path) -> Result<File> {
    if path.is_dir() {
        return Err(input_error(format!(
            "{} is a directory; --trace takes a trace file (oracleGeneral .bin/.zst, lcs, .csv, .txt, Twitter, ...; see --trace-format)",
            path.display()
        )));
    }
    File::open(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            " (no such file)"
        } else {
            ""
        };
        input_error(format!("cannot open trace {}: {e}{hint}", path.display()))
    })
}

/// The first bytes of a file, decompressed when it is zstd.
fn sniff(path: &Path, zstd: bool) -> Result<Vec<u8>> {
    let f = open_file(path)?;
    let mut buf = Vec::with_capacity(4096);
    if zstd {
        let dec = zstd::stream::read::Decoder::new(f)
            .map_err(|e| input_error(format!("{}: not a readable zstd file: {e}", path.display())))?;
        dec.take(4096)
            .read_to_end(&mut buf)
            .map_err(|e| input_error(format!("{}: not a readable zstd file: {e}", path.display())))?;
    } else {
        f.take(4096)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    Ok(buf)
}

/// Resolves the format of `path` (for `Auto`: extension first, then content) and checks the file opens.
pub fn resolve(path: &Path, format: TraceFormat) -> Result<(TraceFormat, bool)> {
    let mut head = [0u8; 4];
    let n = open_file(path)?
        .read(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    let zstd = n == 4 && head == ZSTD_MAGIC;
    if format != TraceFormat::Auto {
        return Ok((format, zstd));
    }
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".zst").unwrap_or(&name).to_string();
    let head = sniff(path, zstd);
    // The lcs magic is unambiguous, whatever the name. (An unreadable head is reported by the
    // content guess below, or by the reader the name picks.)
    if head
        .as_ref()
        .is_ok_and(|h| h.len() >= 8 && h[..8] == lcs::MAGIC.to_le_bytes())
    {
        return Ok((TraceFormat::Lcs, zstd));
    }
    let by_ext = if name.ends_with(".lcs") || name.contains(".lcs_") || name.contains(".lcs.") {
        Some(TraceFormat::Lcs)
    } else if name.contains("oraclegeneral") || name.ends_with(".bin") || name.ends_with(".oracle") {
        Some(TraceFormat::OracleGeneral)
    } else if name.contains("vscsi") {
        Some(TraceFormat::Vscsi)
    } else if name.ends_with(".lis") {
        Some(TraceFormat::Arc)
    } else if name.ends_with(".trc") {
        Some(TraceFormat::Lirs)
    } else if name.ends_with(".txt") {
        Some(TraceFormat::Txt)
    } else {
        None
    };
    if let Some(f) = by_ext {
        return Ok((f, zstd));
    }
    Ok((guess_from_content(&head?), zstd))
}

/// Guesses a format from a file's first bytes.
fn guess_from_content(head: &[u8]) -> TraceFormat {
    let printable = head
        .iter()
        .filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || (32..127).contains(&b))
        .count();
    if head.is_empty() || printable < head.len() * 95 / 100 {
        return TraceFormat::OracleGeneral;
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(first);
    let fields: Vec<&str> = line.trim_end().split(',').collect();
    if fields.len() == 7 && twitter::is_op(fields[5].trim()) {
        return TraceFormat::Twitter;
    }
    if fields.len() == 7
        && !fields[0].trim().is_empty()
        && fields[0].trim().bytes().all(|b| b.is_ascii_digit())
        && ["read", "write"].contains(&fields[3].trim().to_ascii_lowercase().as_str())
    {
        return TraceFormat::Msr;
    }
    if let Some(f) = meta::detect(first) {
        return f;
    }
    if line.contains([',', '\t', ';', '|']) {
        TraceFormat::Csv
    } else {
        TraceFormat::Txt
    }
}

impl TraceSpec {
    /// A spec for `path` with default options, its format resolved.
    pub fn new(path: impl Into<PathBuf>, format: TraceFormat) -> Result<Self> {
        let path = path.into();
        let (format, zstd) = resolve(&path, format)?;
        Ok(TraceSpec {
            path,
            format,
            zstd,
            csv: CsvOptions::default(),
            skip_bad_lines: false,
            block_size: DEFAULT_BLOCK_SIZE,
        })
    }

    /// Whether requests from this trace carry real next-access positions: oracleGeneral, and lcs
    /// when its header has the field (reads the header; false if it cannot be read).
    pub fn has_next_access(&self) -> bool {
        match self.format {
            TraceFormat::OracleGeneral => true,
            TraceFormat::Lcs => self.lcs_header().is_ok_and(|h| h.layout.has_next_access()),
            _ => false,
        }
    }

    fn lcs_header(&self) -> Result<lcs::Header> {
        lcs::read_header(&mut self.raw(None)?, &self.path)
    }

    fn open_text(&self, raw: Box<dyn Read + Send>) -> Result<Box<dyn TraceReader>> {
        let buffered = BufReader::with_capacity(1 << 20, raw);
        let (path, skip, bs) = (self.path.clone(), self.skip_bad_lines, self.block_size);
        Ok(match self.format {
            TraceFormat::Csv => Box::new(csv::CsvReader::new(buffered, self, false)?),
            TraceFormat::Twitter => Box::new(csv::CsvReader::new(buffered, self, true)?),
            TraceFormat::MetaKv => Box::new(meta::MetaReader::new(buffered, path, false, skip)),
            TraceFormat::MetaCdn => Box::new(meta::MetaReader::new(buffered, path, true, skip)),
            TraceFormat::Msr => Box::new(msr::MsrReader::new(buffered, path, skip, bs)),
            TraceFormat::Arc => Box::new(arc::ArcReader::new(buffered, path, skip, bs)),
            TraceFormat::Lirs => Box::new(text::TextReader::lirs(buffered, path, skip, bs)),
            _ => Box::new(text::TextReader::new(buffered, path, skip)),
        })
    }

    /// The file's bytes, decompressed when it is zstd, counted into `progress`.
    fn raw(&self, progress: Option<Arc<ReadProgress>>) -> Result<Box<dyn Read + Send>> {
        let f = open_file(&self.path)?;
        let counted = Counting { inner: f, progress };
        Ok(if self.zstd {
            Box::new(
                zstd::stream::read::Decoder::new(counted)
                    .map_err(|e| input_error(format!("{}: not a readable zstd file: {e}", self.path.display())))?,
            )
        } else {
            Box::new(counted)
        })
    }

    /// Whether the requests carry TTLs from the file: always in Twitter traces (CSV and binary), in
    /// a CSV when a TTL column is named or numbered or the header has one, in lcs v3 and later, in
    /// Meta traces whose header has a ttl column; never in the other formats. Reads the header of a
    /// CSV, Meta or lcs trace.
    pub fn has_ttl_column(&self) -> Result<bool> {
        Ok(match self.format {
            TraceFormat::Twitter | TraceFormat::TwrBin => true,
            TraceFormat::Csv => {
                let buffered = BufReader::with_capacity(64 << 10, self.raw(None)?);
                csv::CsvReader::new(buffered, self, false)?.has_ttl_column()
            }
            TraceFormat::MetaKv | TraceFormat::MetaCdn => {
                let buffered = BufReader::with_capacity(64 << 10, self.raw(None)?);
                meta::MetaReader::new(buffered, self.path.clone(), self.format == TraceFormat::MetaCdn, false)
                    .has_ttl_column()?
            }
            TraceFormat::Lcs => self.lcs_header()?.layout.has_ttl(),
            TraceFormat::OracleGeneral
            | TraceFormat::Txt
            | TraceFormat::Auto
            | TraceFormat::Vscsi
            | TraceFormat::Wiki16u
            | TraceFormat::Wiki19u
            | TraceFormat::Wiki19t
            | TraceFormat::Msr
            | TraceFormat::Arc
            | TraceFormat::Lirs => false,
        })
    }

    /// Opens a fresh reader, counting bytes into `progress`.
    pub fn open(&self, progress: Option<Arc<ReadProgress>>) -> Result<Box<dyn TraceReader>> {
        let raw = self.raw(progress)?;
        let reader: Box<dyn TraceReader> = match self.format {
            // Reads whole batches into its own buffer: no BufReader needed.
            TraceFormat::OracleGeneral => Box::new(oracle::OracleReader::new(raw, self.path.clone())),
            TraceFormat::Lcs => lcs::open(raw, self.path.clone())?,
            TraceFormat::Vscsi => vscsi::open(raw, self.path.clone())?,
            TraceFormat::TwrBin => Box::new(binary::FixedReader::new(raw, self.path.clone(), twrbin::TwrBin, 0)),
            TraceFormat::Wiki16u => Box::new(binary::FixedReader::new(
                raw,
                self.path.clone(),
                wiki::Wiki::Upload2016,
                0,
            )),
            TraceFormat::Wiki19u => Box::new(binary::FixedReader::new(
                raw,
                self.path.clone(),
                wiki::Wiki::Upload2019,
                0,
            )),
            TraceFormat::Wiki19t => Box::new(binary::FixedReader::new(
                raw,
                self.path.clone(),
                wiki::Wiki::Text2019,
                0,
            )),
            _ => self.open_text(raw)?,
        };
        Ok(reader)
    }
}

/// Refuses content that is not text: a NUL byte or bytes that are not UTF-8 (an incomplete
/// character at the very end of `head` is allowed, since `head` may stop mid-character).
pub fn check_text(head: &[u8], path: &Path, format: TraceFormat) -> Result<()> {
    let bad = head.contains(&0)
        || match std::str::from_utf8(head) {
            Ok(_) => false,
            Err(e) => e.error_len().is_some(),
        };
    if bad {
        return Err(input_error(format!(
            "{}: the content looks binary (NUL or non-UTF-8 bytes), not a {} trace; \
             for libCacheSim's binary formats use --trace-format oracle-general or lcs{}",
            path.display(),
            format.name(),
            if format == TraceFormat::Twitter {
                " (Twitter's binary traces: --trace-format twr-bin)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// Parses a key: decimal integers are used as they are, anything else is hashed (xxh3) to 64 bits.
#[inline]
pub fn parse_key(field: &[u8]) -> u64 {
    if !field.is_empty() && field.len() <= 19 && field.iter().all(u8::is_ascii_digit) {
        let mut v: u64 = 0;
        for &b in field {
            v = v * 10 + (b - b'0') as u64;
        }
        v
    } else {
        xxhash_rust::xxh3::xxh3_64(field)
    }
}

/// Reads a whole line-oriented header check: the first line of a buffered reader, without consuming it.
pub fn peek_line<R: BufRead>(r: &mut R) -> std::io::Result<Vec<u8>> {
    let buf = r.fill_buf()?;
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    Ok(buf[..end].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(parse_key(b"12345"), 12345);
        assert_ne!(parse_key(b"user:1"), parse_key(b"user:2"));
        assert_eq!(parse_key(b"user:1"), parse_key(b"user:1"));
        // Too long for u64 decimal: hashed, not overflowed.
        assert_ne!(parse_key(b"99999999999999999999999"), 0);
    }

    #[test]
    fn content_guess() {
        assert_eq!(guess_from_content(b"1,abc,10,100,1,get,0\n"), TraceFormat::Twitter);
        assert_eq!(guess_from_content(b"time,key,size\n1,2,3\n"), TraceFormat::Csv);
        assert_eq!(guess_from_content(b"42\n43\n"), TraceFormat::Txt);
        assert_eq!(
            guess_from_content(b"128166372003061629,src1,0,Read,7014609920,24576,41286\n"),
            TraceFormat::Msr
        );
        assert_eq!(
            guess_from_content(b"op_time,key,key_size,op,op_count,size,cache_hits,ttl\n1,2,3,GET,1,5,0,0\n"),
            TraceFormat::MetaKv
        );
        assert_eq!(
            guess_from_content(b"timestamp,cacheKey,OpType,objectSize,responseSize,TTL\n"),
            TraceFormat::MetaCdn
        );
        assert_eq!(
            guess_from_content(&[0u8, 1, 2, 200, 3, 0, 0, 0]),
            TraceFormat::OracleGeneral
        );
    }
}
