//! libCacheSim's `lcs` binary format: a header, then fixed-size little-endian records whose layout
//! the header names. Two header generations exist, both starting with the magic
//! `0x123456789abcdef0` (u64, little-endian):
//!
//! * **Versioned** (current libCacheSim, `traceReader/customizedReader/lcs.h`): an 8192-byte header
//!   `u64 start_magic, u64 version, 8000-byte stat block (i64 version, i64 n_req, i64 n_obj, ...),
//!   21 x u64 unused, u64 end_magic`. The version fixes the record:
//!   - v1 (24 B): `u32 time, u64 id, u32 size, i64 next_access` (the oracleGeneral record)
//!   - v2 (28 B): `u32 time, u64 id, u32 size, u32 op:8|tenant:24, i64 next_access`
//!   - v3 (36 B): `u32 time, u64 id, i64 size, u32 op:8|tenant:24, u32 ttl, i64 next_access`
//!   - v4..v8 (40, 44, 52, 68, 100 B): v3 followed by 1, 2, 4, 8, 16 u32 features (ignored).
//! * **Format-string** (older libCacheSim, `traceReader/generalReader/lcs.h`): a 1024-byte header
//!   `u64 start_magic, char format[240]` (Python `struct` style, `<` then one letter per field:
//!   `c b B h H i I q Q f d`), then 1-based field numbers `u8 obj_id, obj_size, time,
//!   last_access_vtime, next_access_vtime, op, ttl, tenant, content_type` (0 = absent), reserved
//!   bytes, stats, `u32 n_fields, u32 item_size, u64 version, u64 end_magic` at byte 1016.
//!
//! Time is in seconds (as in oracleGeneral), TTL in seconds, next access the 1-based position of
//! the next request to the same object (-1 or i64::MAX: none). Operations use libCacheSim's
//! numbering (1 get, 2 gets, 3 set ... 9 delete ... 12 read, 13 write, 14 update; 0 = unset, a
//! read). The tenant is checked to be readable but not used: cachesim has no tenants.

use super::binary::{u32_at, u64_at, FixedReader, Layout};
use super::{oracle, TraceReader};
use crate::error::input_error;
use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use anyhow::Result;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The start and end magic of both header generations.
pub const MAGIC: u64 = 0x1234_5678_9abc_def0;
/// Bytes of the versioned header.
pub const HEADER: usize = 8192;
/// Bytes of the format-string header.
pub const LEGACY_HEADER: usize = 1024;
/// The highest record version libCacheSim defines.
pub const MAX_VERSION: u64 = 8;

/// Features (u32 each) after the v3 record, by version.
const FEATURES: [usize; 9] = [0, 0, 0, 0, 1, 2, 4, 8, 16];

/// Record size of a versioned record.
pub fn record_size(version: u64) -> Option<usize> {
    match version {
        1 => Some(24),
        2 => Some(28),
        3..=MAX_VERSION => Some(36 + 4 * FEATURES[version as usize]),
        _ => None,
    }
}

/// The integer type of one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    /// The upper 24 bits of a u32 (the tenant beside an 8-bit op).
    U24High,
}

impl Kind {
    fn from_char(c: u8) -> Option<(Kind, usize)> {
        Some(match c {
            b'c' | b'b' => (Kind::I8, 1),
            b'B' | b'?' => (Kind::U8, 1),
            b'h' => (Kind::I16, 2),
            b'H' => (Kind::U16, 2),
            b'i' | b'l' => (Kind::I32, 4),
            b'I' | b'L' => (Kind::U32, 4),
            b'q' => (Kind::I64, 8),
            b'Q' => (Kind::U64, 8),
            b'f' => (Kind::F32, 4),
            b'd' => (Kind::F64, 8),
            _ => return None,
        })
    }

    /// The field as a signed 128-bit integer (floats truncated; NaN is 0).
    #[inline]
    fn read(self, r: &[u8], at: usize) -> i128 {
        match self {
            Kind::I8 => r[at] as i8 as i128,
            Kind::U8 => r[at] as i128,
            Kind::I16 => i16::from_le_bytes([r[at], r[at + 1]]) as i128,
            Kind::U16 => u16::from_le_bytes([r[at], r[at + 1]]) as i128,
            Kind::I32 => u32_at(r, at) as i32 as i128,
            Kind::U32 => u32_at(r, at) as i128,
            Kind::I64 => u64_at(r, at) as i64 as i128,
            Kind::U64 => u64_at(r, at) as i128,
            Kind::F32 => f32::from_le_bytes(r[at..at + 4].try_into().unwrap()) as i128,
            Kind::F64 => f64::from_le_bytes(r[at..at + 8].try_into().unwrap()) as i128,
            Kind::U24High => (u32_at(r, at) >> 8) as i128,
        }
    }
}

type Field = Option<(usize, Kind)>;

/// Where each field of a record is.
#[derive(Clone, Debug)]
pub struct LcsLayout {
    name: String,
    size: usize,
    /// The record version of a versioned header (fixed offsets, decoded without the field table);
    /// 0 for a format-string header. Version 1 is the oracleGeneral record.
    version: u64,
    time: Field,
    id: Field,
    obj_size: Field,
    op: Field,
    ttl: Field,
    tenant: Field,
    next: Field,
}

impl LcsLayout {
    fn versioned(version: u64) -> Option<LcsLayout> {
        let size = record_size(version)?;
        let mut l = LcsLayout {
            name: format!("lcs v{version}"),
            size,
            version,
            time: Some((0, Kind::U32)),
            id: Some((4, Kind::U64)),
            obj_size: Some((12, Kind::U32)),
            op: None,
            ttl: None,
            tenant: None,
            next: Some((16, Kind::I64)),
        };
        if version == 2 {
            l.op = Some((16, Kind::U8));
            l.tenant = Some((16, Kind::U24High));
            l.next = Some((20, Kind::I64));
        } else if version >= 3 {
            l.obj_size = Some((12, Kind::I64));
            l.op = Some((20, Kind::U8));
            l.tenant = Some((20, Kind::U24High));
            l.ttl = Some((24, Kind::U32));
            l.next = Some((28, Kind::I64));
        }
        Some(l)
    }

    /// Whether records carry the next-access position.
    pub fn has_next_access(&self) -> bool {
        self.next.is_some()
    }

    /// Whether records carry a TTL.
    pub fn has_ttl(&self) -> bool {
        self.ttl.is_some()
    }
}

/// Maps libCacheSim's `req_op_e` to a request kind.
#[inline(always)]
pub fn op_from_code(code: i128) -> Option<Op> {
    Some(match code {
        0..=2 | 12 => Op::Read,
        3..=8 | 10 | 11 | 13 | 14 => Op::Write,
        9 => Op::Delete,
        _ => return None,
    })
}

/// Decodes a version 2-8 record at its fixed offsets.
#[inline(always)]
fn decode_versioned(rec: &[u8], version: u64) -> std::result::Result<Request, String> {
    let time = u32_at(rec, 0) as u64;
    let key = u64_at(rec, 4);
    let (size, op_tenant, ttl, next) = if version == 2 {
        (u32_at(rec, 12) as u64, u32_at(rec, 16), 0, u64_at(rec, 20) as i64)
    } else {
        let size = u64_at(rec, 12) as i64;
        if size < 0 {
            return Err(format!("negative object size {size}"));
        }
        (
            size as u64,
            u32_at(rec, 20),
            u32_at(rec, 24) as u64,
            u64_at(rec, 28) as i64,
        )
    };
    let code = op_tenant & 0xff;
    let Some(op) = op_from_code(code as i128) else {
        return Err(format!(
            "unknown operation code {code} (libCacheSim's codes are 0-14: 1 get ... 9 delete ... 13 write)"
        ));
    };
    Ok(Request {
        time: time * NANOS_PER_SEC,
        key,
        size,
        op,
        ttl: ttl * NANOS_PER_SEC,
        next_access: if next < 0 || next == i64::MAX {
            NEVER
        } else {
            next as u64
        },
        absent: false,
        instance: 0,
    })
}

impl Layout for LcsLayout {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn record_size(&self) -> usize {
        self.size
    }

    #[inline(always)]
    fn decode(&self, rec: &[u8]) -> std::result::Result<Request, String> {
        match self.version {
            1 => return Ok(oracle::decode(rec)),
            2.. => return decode_versioned(rec, self.version),
            0 => {}
        }
        let get = |f: Field| f.map(|(at, k)| k.read(rec, at));
        let time = get(self.time).unwrap_or(0);
        if time < 0 {
            return Err(format!("negative time {time}"));
        }
        let size = get(self.obj_size).unwrap_or(1);
        if size < 0 {
            return Err(format!("negative object size {size}"));
        }
        let op = match get(self.op) {
            None => Op::Read,
            Some(c) => op_from_code(c).ok_or_else(|| {
                format!("unknown operation code {c} (libCacheSim's codes are 0-14: 1 get ... 9 delete ... 13 write)")
            })?,
        };
        let ttl = get(self.ttl).unwrap_or(0);
        if ttl < 0 {
            return Err(format!("negative TTL {ttl}"));
        }
        let next = get(self.next).unwrap_or(-1);
        let _tenant = get(self.tenant);
        Ok(Request {
            time: (time as u64).saturating_mul(NANOS_PER_SEC),
            key: get(self.id).unwrap_or(0) as u64,
            size: size.min(u64::MAX as i128) as u64,
            op,
            ttl: (ttl as u64).saturating_mul(NANOS_PER_SEC),
            next_access: if next < 0 || next >= i64::MAX as i128 {
                NEVER
            } else {
                next as u64
            },
            absent: false,
            instance: 0,
        })
    }
}

/// A parsed header: the record layout, the header's length and the announced request count.
#[derive(Clone, Debug)]
pub struct Header {
    /// The record layout.
    pub layout: LcsLayout,
    /// Bytes before the first record.
    pub len: usize,
    /// Requests the header announces (None when it gives none).
    pub n_req: Option<u64>,
}

fn bad(path: &Path, what: String) -> anyhow::Error {
    input_error(format!(
        "{}: bad lcs header: {what}; is it an lcs trace (use --trace-format to choose another format)?",
        path.display()
    ))
}

/// Reads and checks the header from the start of `r`.
pub fn read_header(r: &mut impl Read, path: &Path) -> Result<Header> {
    let mut h = vec![0u8; HEADER];
    let (got, _) = super::binary::fill(r, &mut h[..LEGACY_HEADER])
        .map_err(|e| input_error(format!("{}: read failed: {e}", path.display())))?;
    if got < 16 {
        return Err(bad(path, format!("the file has {got} bytes, less than a header")));
    }
    let start = u64_at(&h, 0);
    if start != MAGIC {
        return Err(bad(
            path,
            format!("the start magic is {start:#018x}, not {MAGIC:#018x}"),
        ));
    }
    if h[8] == b'<' || h[8] == b'@' || h[8] == b'=' {
        if got < LEGACY_HEADER {
            return Err(bad(
                path,
                format!("truncated: a format-string header is {LEGACY_HEADER} bytes, the file has {got}"),
            ));
        }
        return legacy(&h[..LEGACY_HEADER], path);
    }
    let version = u64_at(&h, 8);
    let Some(layout) = LcsLayout::versioned(version) else {
        return Err(bad(
            path,
            format!("unknown version {version} (libCacheSim defines versions 1 to {MAX_VERSION})"),
        ));
    };
    let (more, _) = super::binary::fill(r, &mut h[got..])
        .map_err(|e| input_error(format!("{}: read failed: {e}", path.display())))?;
    if got + more < HEADER {
        return Err(bad(
            path,
            format!(
                "truncated: a version {version} header is {HEADER} bytes, the file has {}",
                got + more
            ),
        ));
    }
    let end = u64_at(&h, HEADER - 8);
    if end != MAGIC {
        return Err(bad(path, format!("the end magic is {end:#018x}, not {MAGIC:#018x}")));
    }
    // stat: i64 version, i64 n_req, i64 n_obj ...
    let n_req = u64_at(&h, 24) as i64;
    let n_obj = u64_at(&h, 32) as i64;
    if n_req < 0 || n_obj < 0 {
        return Err(bad(path, format!("negative counts (n_req {n_req}, n_obj {n_obj})")));
    }
    Ok(Header {
        layout,
        len: HEADER,
        n_req: (n_req > 0).then_some(n_req as u64),
    })
}

fn legacy(h: &[u8], path: &Path) -> Result<Header> {
    let end = u64_at(h, 1016);
    if end != MAGIC {
        return Err(bad(path, format!("the end magic is {end:#018x}, not {MAGIC:#018x}")));
    }
    let n_fields = u32_at(h, 1000) as usize;
    let item_size = u32_at(h, 1004) as usize;
    if n_fields == 0 || n_fields > 239 {
        return Err(bad(path, format!("{n_fields} fields (1 to 239 expected)")));
    }
    if h[8] != b'<' {
        return Err(bad(
            path,
            format!("byte order '{}': only little-endian ('<') is supported", h[8] as char),
        ));
    }
    let mut offsets = Vec::with_capacity(n_fields);
    let mut at = 0usize;
    for (i, &c) in h[9..9 + n_fields].iter().enumerate() {
        let Some((kind, len)) = Kind::from_char(c) else {
            return Err(bad(
                path,
                format!(
                    "field {} of the format string has type {:?}, not one of c b B h H i I q Q f d",
                    i + 1,
                    c as char
                ),
            ));
        };
        offsets.push((at, kind));
        at += len;
    }
    if at != item_size {
        return Err(bad(
            path,
            format!("the format string gives {at}-byte records, the header says {item_size}"),
        ));
    }
    // Field numbers past n_fields are taken as absent: the converter that writes this header
    // leaves the numbers of the fields it does not use uninitialized.
    let field = |pos: usize| -> Field {
        match h[248 + pos] as usize {
            n @ 1.. if n <= n_fields => Some(offsets[n - 1]),
            _ => None,
        }
    };
    let id = field(0);
    if id.is_none() {
        return Err(bad(
            path,
            format!("the obj_id field is {}, not one of the {n_fields} fields", h[248]),
        ));
    }
    let n_req = u64_at(h, 488) as i64;
    Ok(Header {
        layout: LcsLayout {
            name: "lcs (format string)".into(),
            size: item_size,
            version: 0,
            id,
            obj_size: field(1),
            time: field(2),
            next: field(4),
            op: field(5),
            ttl: field(6),
            tenant: field(7),
        },
        len: LEGACY_HEADER,
        n_req: (n_req > 0).then_some(n_req as u64),
    })
}

/// Opens a reader: reads the header, then streams the records.
pub fn open<R: Read + Send + 'static>(mut raw: R, path: PathBuf) -> Result<Box<dyn TraceReader>> {
    let h = read_header(&mut raw, &path)?;
    Ok(Box::new(
        FixedReader::new(raw, path, h.layout, h.len as u64).expect_records(h.n_req),
    ))
}

/// Writes a versioned header and records (tests, benchmarks and `generate`-like tools).
/// `features` are written as zeros. Fails on a version libCacheSim does not define.
pub fn write(version: u64, reqs: &[Request], out: &mut Vec<u8>) -> Result<()> {
    let Some(size) = record_size(version) else {
        return Err(input_error(format!("no lcs version {version}")));
    };
    let start = out.len();
    out.resize(start + HEADER, 0);
    out[start..start + 8].copy_from_slice(&MAGIC.to_le_bytes());
    out[start + 8..start + 16].copy_from_slice(&version.to_le_bytes());
    out[start + 16..start + 24].copy_from_slice(&1u64.to_le_bytes());
    out[start + 24..start + 32].copy_from_slice(&(reqs.len() as u64).to_le_bytes());
    out[start + HEADER - 8..start + HEADER].copy_from_slice(&MAGIC.to_le_bytes());
    let code = |op: Op| -> u32 {
        match op {
            Op::Read => 1,
            Op::Write => 3,
            Op::Delete => 9,
        }
    };
    for r in reqs {
        let at = out.len();
        out.extend_from_slice(&((r.time / NANOS_PER_SEC) as u32).to_le_bytes());
        out.extend_from_slice(&r.key.to_le_bytes());
        if version >= 3 {
            out.extend_from_slice(&r.size.to_le_bytes());
        } else {
            out.extend_from_slice(&(r.size.min(u32::MAX as u64) as u32).to_le_bytes());
        }
        if version >= 2 {
            // op in the low 8 bits, tenant 7 above it.
            out.extend_from_slice(&(code(r.op) | (7 << 8)).to_le_bytes());
        }
        if version >= 3 {
            out.extend_from_slice(&((r.ttl / NANOS_PER_SEC) as u32).to_le_bytes());
        }
        let next: i64 = if r.next_access == NEVER {
            -1
        } else {
            r.next_access as i64
        };
        out.extend_from_slice(&next.to_le_bytes());
        out.resize(at + size, 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reqs() -> Vec<Request> {
        (0..9000u64)
            .map(|i| Request {
                time: (i / 10) * NANOS_PER_SEC,
                key: i % 101,
                size: 1 + i % 977,
                op: [Op::Read, Op::Write, Op::Delete][(i % 3) as usize],
                ttl: (i % 4) * 60 * NANOS_PER_SEC,
                next_access: if i % 5 == 0 { NEVER } else { i + 3 },
                absent: false,
                instance: 0,
            })
            .collect()
    }

    fn read_all(bytes: Vec<u8>) -> Result<Vec<Request>> {
        let mut r = open(std::io::Cursor::new(bytes), "t.lcs".into())?;
        crate::trace::drain(&mut *r)
    }

    #[test]
    fn every_version_round_trips() {
        let want = reqs();
        for v in 1..=MAX_VERSION {
            let mut bytes = Vec::new();
            write(v, &want, &mut bytes).unwrap();
            assert_eq!(bytes.len(), HEADER + want.len() * record_size(v).unwrap());
            let got = read_all(bytes).unwrap();
            assert_eq!(got.len(), want.len(), "v{v}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(
                    (g.time, g.key, g.size, g.next_access),
                    (w.time, w.key, w.size, w.next_access),
                    "v{v}"
                );
                let (op, ttl) = match v {
                    1 => (Op::Read, 0),
                    2 => (w.op, 0),
                    _ => (w.op, w.ttl),
                };
                assert_eq!((g.op, g.ttl), (op, ttl), "v{v}");
            }
        }
    }

    #[test]
    fn bad_headers_and_truncation() {
        let want = reqs();
        let mut bytes = Vec::new();
        write(3, &want, &mut bytes).unwrap();
        let err = |b: Vec<u8>| format!("{:#}", read_all(b).unwrap_err());

        let mut v = bytes.clone();
        v[8] = 9;
        let e = err(v);
        assert!(e.contains("t.lcs") && e.contains("unknown version 9"), "{e}");

        let mut v = bytes.clone();
        v[0] ^= 1;
        assert!(err(v).contains("start magic"));

        let mut v = bytes.clone();
        v[HEADER - 1] ^= 1;
        assert!(err(v).contains("end magic"));

        let e = err(bytes[..100].to_vec());
        assert!(e.contains("truncated") && e.contains("8192"), "{e}");

        let e = err(bytes[..bytes.len() - 7].to_vec());
        assert!(e.contains("truncated lcs v3") && e.contains("record 9000"), "{e}");

        // Whole records missing: the header's count says so.
        let e = err(bytes[..HEADER + 36 * 10].to_vec());
        assert!(e.contains("announces 9000") && e.contains("holds 10"), "{e}");

        // A bad operation code names the record.
        let mut v = bytes.clone();
        v[HEADER + 36 * 4 + 20] = 99;
        let e = err(v);
        assert!(e.contains("record 5") && e.contains("operation code 99"), "{e}");

        assert!(err(Vec::new()).contains("0 bytes"));
    }

    #[test]
    fn format_string_header() {
        // "<IQIQ": time, id, size, next (what the older traceConv writes), plus a trailing op byte.
        let mut h = vec![0u8; LEGACY_HEADER];
        h[..8].copy_from_slice(&MAGIC.to_le_bytes());
        h[8..14].copy_from_slice(b"<IQIqB");
        h[248] = 2; // obj_id
        h[249] = 3; // obj_size
        h[250] = 1; // time
        h[252] = 4; // next access
        h[253] = 5; // op
        h[488..496].copy_from_slice(&2u64.to_le_bytes());
        h[1000..1004].copy_from_slice(&5u32.to_le_bytes());
        h[1004..1008].copy_from_slice(&25u32.to_le_bytes());
        h[1016..1024].copy_from_slice(&MAGIC.to_le_bytes());
        for (t, id, size, next, op) in [(5u32, 77u64, 100u32, 2i64, 3u8), (6, 77, 100, -1, 1)] {
            h.extend_from_slice(&t.to_le_bytes());
            h.extend_from_slice(&id.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&next.to_le_bytes());
            h.push(op);
        }
        let got = read_all(h.clone()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].time, got[0].key, got[0].size, got[0].next_access, got[0].op),
            (5 * NANOS_PER_SEC, 77, 100, 2, Op::Write)
        );
        assert_eq!((got[1].next_access, got[1].op), (NEVER, Op::Read));
        let mut bad = h.clone();
        bad[1004] = 24;
        assert!(format!("{:#}", read_all(bad).unwrap_err()).contains("25-byte records"));
        let mut bad = h.clone();
        bad[11] = b'z';
        assert!(format!("{:#}", read_all(bad).unwrap_err()).contains("field 3"));
        let mut bad = h.clone();
        bad[248] = 9;
        assert!(format!("{:#}", read_all(bad).unwrap_err()).contains("obj_id field is 9"));
        // An optional field past the fields (uninitialized by the converter) is absent.
        let mut odd = h;
        odd[254] = 200;
        assert_eq!(read_all(odd).unwrap(), got);
    }
}
