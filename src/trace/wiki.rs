//! Wikipedia CDN traces in libCacheSim's binary forms (`wikiBin.h`), headerless little-endian
//! records; the layout is chosen by name since nothing in the bytes tells them apart:
//!
//! * `wiki16u` (2016 upload, 14 B): `u64 id, u32 size, u16 content_type` — no time (every
//!   request at time 0)
//! * `wiki19u` (2019 upload, 18 B): `u32 time (s), u64 id, u32 size, u16 content_type`
//! * `wiki19t` (2019 text, 16 B): `u32 time (s), u64 id, u32 size`
//!
//! Every request is a read; the content type is not used.

use super::binary::{u32_at, u64_at, Layout};
use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};

/// Which of the three layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wiki {
    /// 2016 upload: id, size, content type.
    Upload2016,
    /// 2019 upload: time, id, size, content type.
    Upload2019,
    /// 2019 text: time, id, size.
    Text2019,
}

impl Layout for Wiki {
    fn name(&self) -> String {
        match self {
            Wiki::Upload2016 => "wiki16u",
            Wiki::Upload2019 => "wiki19u",
            Wiki::Text2019 => "wiki19t",
        }
        .into()
    }

    fn record_size(&self) -> usize {
        match self {
            Wiki::Upload2016 => 14,
            Wiki::Upload2019 => 18,
            Wiki::Text2019 => 16,
        }
    }

    #[inline(always)]
    fn decode(&self, r: &[u8]) -> std::result::Result<Request, String> {
        let (time, key, size) = match self {
            Wiki::Upload2016 => (0, u64_at(r, 0), u32_at(r, 8)),
            _ => (u32_at(r, 0), u64_at(r, 4), u32_at(r, 12)),
        };
        Ok(Request {
            time: time as u64 * NANOS_PER_SEC,
            key,
            size: size as u64,
            op: Op::Read,
            ttl: 0,
            next_access: NEVER,
            absent: false,
            instance: 0,
        })
    }
}

/// Encodes one record (tests and benchmarks).
pub fn encode(layout: Wiki, time_s: u32, id: u64, size: u32, content_type: u16, out: &mut Vec<u8>) {
    if layout != Wiki::Upload2016 {
        out.extend_from_slice(&time_s.to_le_bytes());
    }
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    if layout != Wiki::Text2019 {
        out.extend_from_slice(&content_type.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::super::binary::FixedReader;
    use super::super::TraceReader;
    use super::*;

    #[test]
    fn three_layouts() {
        for w in [Wiki::Upload2016, Wiki::Upload2019, Wiki::Text2019] {
            let mut bytes = Vec::new();
            for i in 0..5000u32 {
                encode(
                    w,
                    100 + i / 4,
                    (i % 313) as u64 * 7919,
                    1 + i * 13 % 90_000,
                    3,
                    &mut bytes,
                );
            }
            assert_eq!(bytes.len(), 5000 * w.record_size());
            let mut r = FixedReader::new(&bytes[..], "w.bin".into(), w, 0);
            let mut all = Vec::new();
            let mut b = Vec::new();
            while r.read_batch(&mut b).unwrap() {
                all.extend_from_slice(&b);
            }
            assert_eq!(all.len(), 5000);
            for (i, g) in all.iter().enumerate() {
                let i = i as u32;
                let t = if w == Wiki::Upload2016 {
                    0
                } else {
                    (100 + i / 4) as u64 * NANOS_PER_SEC
                };
                assert_eq!(
                    (g.time, g.key, g.size, g.op),
                    (t, (i % 313) as u64 * 7919, (1 + i * 13 % 90_000) as u64, Op::Read)
                );
            }
            let mut r = FixedReader::new(&bytes[..bytes.len() - 2], "w.bin".into(), w, 0);
            let e = loop {
                match r.read_batch(&mut b) {
                    Ok(true) => continue,
                    Ok(false) => panic!("no error"),
                    Err(e) => break e.to_string(),
                }
            };
            assert!(
                e.contains(&format!("truncated {}", w.name())) && e.contains("record 5000"),
                "{e}"
            );
        }
    }
}
