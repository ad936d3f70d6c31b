//! VMware vscsi block traces (CloudPhysics; libCacheSim `vscsi.h`): headerless little-endian
//! records in one of two versions, told apart by a version byte in the first two records:
//!
//! * v1 (32 B): `u32 serial, u32 len, u32 nSG, u16 cmd, u16 ver, u64 lbn, u64 ts`
//! * v2 (40 B): `u16 cmd, u16 ver, u32 serial, u32 len, u32 nSG, u64 lbn, u64 ts, u64 response time`
//!
//! `ver >> 8` is the version. A request is the record's logical block number (the key) with `len`
//! bytes; `ts` is in microseconds (libCacheSim truncates it to seconds; cachesim keeps the
//! microseconds as nanoseconds). `cmd` is the SCSI opcode: READ(6/10/12/16) 0x08 0x28 0xa8 0x88
//! are reads, WRITE(6/10/12/16) 0x0a 0x2a 0xaa 0x8a writes, anything else a read.

use super::binary::{u16_at, u32_at, u64_at, FixedReader, Layout};
use super::TraceReader;
use crate::error::input_error;
use crate::model::request::{Op, Request, NEVER};
use anyhow::Result;
use std::io::{Cursor, Read};
use std::path::PathBuf;

/// Bytes per v1 record.
pub const V1: usize = 32;
/// Bytes per v2 record.
pub const V2: usize = 40;

/// The SCSI opcode as a request kind.
pub fn op(cmd: u16) -> Op {
    match cmd as u8 {
        0x0a | 0x2a | 0xaa | 0x8a => Op::Write,
        _ => Op::Read,
    }
}

/// A vscsi record layout (its version).
pub struct Vscsi {
    version: u8,
}

impl Layout for Vscsi {
    fn name(&self) -> String {
        format!("vscsi v{}", self.version)
    }

    fn record_size(&self) -> usize {
        if self.version == 1 {
            V1
        } else {
            V2
        }
    }

    #[inline(always)]
    fn decode(&self, r: &[u8]) -> std::result::Result<Request, String> {
        let (cmd, len) = if self.version == 1 {
            (u16_at(r, 12), u32_at(r, 4))
        } else {
            (u16_at(r, 0), u32_at(r, 8))
        };
        Ok(Request {
            time: u64_at(r, 24).saturating_mul(1000),
            key: u64_at(r, 16),
            size: len as u64,
            op: op(cmd),
            ttl: 0,
            next_access: NEVER,
            absent: false,
            instance: 0,
        })
    }
}

/// The version the first records' version bytes agree on (checks the records that are present,
/// up to two).
pub fn detect(head: &[u8]) -> Option<u8> {
    let agree = |size: usize, at: usize, want: u8| {
        let n = (head.len() / size).min(2);
        n > 0 && (0..n).all(|i| head[i * size + at] == want)
    };
    // The high byte of the little-endian u16 `ver`.
    if agree(V2, 3, 2) {
        Some(2)
    } else if agree(V1, 15, 1) {
        Some(1)
    } else {
        None
    }
}

/// Writes records (tests and benchmarks): `(cmd, lbn, len, ts_us)`.
pub fn write(version: u8, recs: &[(u16, u64, u32, u64)], out: &mut Vec<u8>) {
    for &(cmd, lbn, len, ts) in recs {
        if version == 1 {
            out.extend_from_slice(&7u32.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&cmd.to_le_bytes());
            out.extend_from_slice(&0x0100u16.to_le_bytes());
        } else {
            out.extend_from_slice(&cmd.to_le_bytes());
            out.extend_from_slice(&0x0200u16.to_le_bytes());
            out.extend_from_slice(&7u32.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(&lbn.to_le_bytes());
        out.extend_from_slice(&ts.to_le_bytes());
        if version != 1 {
            out.extend_from_slice(&250u64.to_le_bytes());
        }
    }
}

/// Opens a reader: the version from the first two records, then the records.
pub fn open<R: Read + Send + 'static>(mut raw: R, path: PathBuf) -> Result<Box<dyn TraceReader>> {
    let mut head = vec![0u8; 2 * V2];
    let (got, _) = super::binary::fill(&mut raw, &mut head)
        .map_err(|e| input_error(format!("{}: read failed: {e}", path.display())))?;
    head.truncate(got);
    let Some(version) = detect(&head) else {
        return Err(input_error(format!(
            "{}: not a vscsi trace: the first records carry no vscsi version (byte 3 of 40-byte v2 records = 2, \
             or byte 15 of 32-byte v1 records = 1){}; use --trace-format to choose another format",
            path.display(),
            if got < V1 {
                format!(" (the file has only {got} bytes)")
            } else {
                String::new()
            }
        )));
    };
    let chained = Cursor::new(head).chain(raw);
    Ok(Box::new(FixedReader::new(chained, path, Vscsi { version }, 0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: Vec<u8>) -> Result<Vec<Request>> {
        let mut r = open(Cursor::new(bytes), "t.vscsi".into())?;
        crate::trace::drain(&mut *r)
    }

    #[test]
    fn both_versions() {
        let recs: Vec<(u16, u64, u32, u64)> = (0..5000u64)
            .map(|i| {
                (
                    [0x28u16, 0x2a, 0x88, 0x12][(i % 4) as usize],
                    i * 8 % 333,
                    4096 * (1 + (i % 3) as u32),
                    1_000_000 + i * 17,
                )
            })
            .collect();
        for v in [1u8, 2] {
            let mut bytes = Vec::new();
            write(v, &recs, &mut bytes);
            let got = read_all(bytes.clone()).unwrap();
            assert_eq!(got.len(), recs.len());
            for (g, &(cmd, lbn, len, ts)) in got.iter().zip(&recs) {
                assert_eq!(
                    (g.key, g.size, g.time, g.op),
                    (lbn, len as u64, ts * 1000, op(cmd)),
                    "v{v}"
                );
            }
            let e = format!("{:#}", read_all(bytes[..bytes.len() - 3].to_vec()).unwrap_err());
            assert!(
                e.contains("t.vscsi") && e.contains(&format!("truncated vscsi v{v}")) && e.contains("record 5000"),
                "{e}"
            );
        }
        let e = format!("{:#}", read_all(vec![0xffu8; 100]).unwrap_err());
        assert!(e.contains("not a vscsi trace"), "{e}");
        assert!(read_all(vec![1, 2, 3]).is_err());
    }
}
