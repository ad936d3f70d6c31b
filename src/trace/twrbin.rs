//! Twitter's cache traces in libCacheSim's binary form (`twrBin.h`, `--trace-format twr-bin`):
//! headerless little-endian 20-byte records
//! `u32 time (s), u64 id, u32 key_size:10|value_size:22, u32 op:8|ttl:24`, the bit fields packed
//! from the high end (`key_size = kv >> 22`, `value_size = kv & 0x3fffff`, `op = x >> 24`,
//! `ttl = x & 0xffffff`, seconds). The object size is key size + value size, as for the CSV form
//! (`--trace-format twitter`, also called `twr`). Operations use libCacheSim's numbering (1 get,
//! 2 gets, 3 set, 4 add, 5 cas, 6 replace, 7 append, 8 prepend, 9 delete, 10 incr, 11 decr).

use super::binary::{u32_at, u64_at, Layout};
use super::lcs::op_from_code;
use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};

/// Bytes per record.
pub const RECORD: usize = 20;

/// The twr binary layout.
pub struct TwrBin;

impl Layout for TwrBin {
    fn name(&self) -> String {
        "twr-bin".into()
    }

    fn record_size(&self) -> usize {
        RECORD
    }

    #[inline(always)]
    fn decode(&self, r: &[u8]) -> std::result::Result<Request, String> {
        let kv = u32_at(r, 12);
        let op_ttl = u32_at(r, 16);
        let code = op_ttl >> 24;
        let Some(op) = op_from_code(code as i128) else {
            return Err(format!(
                "unknown operation code {code} (1 get, 2 gets, 3 set ... 9 delete, 10 incr, 11 decr)"
            ));
        };
        Ok(Request {
            time: u32_at(r, 0) as u64 * NANOS_PER_SEC,
            key: u64_at(r, 4),
            size: ((kv >> 22) + (kv & 0x3f_ffff)) as u64,
            op,
            ttl: (op_ttl & 0xff_ffff) as u64 * NANOS_PER_SEC,
            next_access: NEVER,
            absent: false,
            instance: 0,
        })
    }
}

/// Encodes one record (tests and benchmarks): key size and value size are cut to their 10 and 22
/// bits, the TTL to 24 bits.
pub fn encode(time_s: u32, id: u64, key_size: u32, value_size: u32, op: u8, ttl_s: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&time_s.to_le_bytes());
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(((key_size & 0x3ff) << 22) | (value_size & 0x3f_ffff)).to_le_bytes());
    out.extend_from_slice(&(((op as u32) << 24) | (ttl_s & 0xff_ffff)).to_le_bytes());
}

/// libCacheSim's code for a request kind (get, set, delete).
pub fn code(op: Op) -> u8 {
    match op {
        Op::Read => 1,
        Op::Write => 3,
        Op::Delete => 9,
    }
}

#[cfg(test)]
mod tests {
    use super::super::binary::FixedReader;
    use super::super::TraceReader;
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut bytes = Vec::new();
        let recs: Vec<(u32, u64, u32, u32, u8, u32)> = (0..6000u32)
            .map(|i| {
                (
                    i / 3,
                    (i % 71) as u64 * 1_000_003,
                    10 + i % 1000,
                    i * 37 % 4_000_000,
                    [1u8, 2, 3, 9, 11][(i % 5) as usize],
                    i % 7 * 3600,
                )
            })
            .collect();
        for &(t, id, k, v, op, ttl) in &recs {
            encode(t, id, k, v, op, ttl, &mut bytes);
        }
        let mut r = FixedReader::new(&bytes[..], "t.twr".into(), TwrBin, 0);
        let mut all = Vec::new();
        let mut b = Vec::new();
        while r.read_batch(&mut b).unwrap() {
            all.extend_from_slice(&b);
        }
        assert_eq!(all.len(), recs.len());
        for (g, &(t, id, k, v, op, ttl)) in all.iter().zip(&recs) {
            let want_op = op_from_code(op as i128).unwrap();
            assert_eq!(
                (g.time, g.key, g.size, g.op, g.ttl),
                (
                    t as u64 * NANOS_PER_SEC,
                    id,
                    (k + v) as u64,
                    want_op,
                    ttl as u64 * NANOS_PER_SEC
                )
            );
        }
        let mut r = FixedReader::new(&bytes[..bytes.len() - 1], "t.twr".into(), TwrBin, 0);
        let e = loop {
            match r.read_batch(&mut b) {
                Ok(true) => continue,
                Ok(false) => panic!("no error"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(e.contains("truncated twr-bin") && e.contains("record 6000"), "{e}");
        let mut bad = bytes.clone();
        bad[20 * 2 + 19] = 200;
        let mut r = FixedReader::new(&bad[..], "t.twr".into(), TwrBin, 0);
        let e = r.read_batch(&mut b).unwrap_err().to_string();
        assert!(e.contains("record 3") && e.contains("operation code 200"), "{e}");
    }
}
