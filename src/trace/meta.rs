//! Meta's CacheLib traces (cachelib.org "Cachebench FB HW eval", mirrored by libCacheSim's
//! dataset list), CSV with a header row naming the columns; the columns are found by name since
//! their order changed between releases.
//!
//! **KV cache** (`--trace-format meta-kv`):
//! * 202206: `key,op,size,op_count,key_size`
//! * 202210: `op_time,key,key_size,op,op_count,size,cache_hits,ttl`
//! * 202312: `key,op,size,op_count,key_size,ttl`
//! * 202401: `op_time,key,key_size,op,op_count,size,cache_hits,ttl,usecase,sub_usecase`
//!
//! A row is `op_count` identical requests (a row with op_count 0 none). The object size is
//! `key_size + size` (the value size), as for Twitter traces; `op` is GET/GET_LEASE (read),
//! SET/SET_LEASE (write) or DELETE; `op_time` is seconds (releases without it put every request
//! at time 0; libCacheSim's converter spreads them evenly instead); `ttl` is seconds, 0 = none.
//! Keys are numbers in the older releases and hexadecimal strings in 202401 (hashed, like any
//! non-decimal key).
//!
//! **CDN** (`--trace-format meta-cdn`, 2023):
//! `timestamp,cacheKey,OpType,objectSize,responseSize,responseHeaderSize,rangeStart,rangeEnd,TTL,
//! SamplingRate,cache_hit,item_value,RequestHandler,cdn_content_type_id,vip_type`.
//! A row is one read of `cacheKey` with `objectSize` bytes at `timestamp` seconds, TTL `TTL`
//! seconds; the other columns are not used.

use super::lines::{num, Lines, Pending, MAX_EXPANSION};
use super::{parse_key, TraceFormat, TraceReader, BATCH};
use crate::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use anyhow::Result;
use std::io::BufRead;
use std::path::PathBuf;

/// Column positions (0-based) found in the header.
#[derive(Clone, Copy, Debug, Default)]
struct Cols {
    key: usize,
    op: Option<usize>,
    size: Option<usize>,
    key_size: Option<usize>,
    op_count: Option<usize>,
    time: Option<usize>,
    ttl: Option<usize>,
    /// Fields a row must have (the highest column used, plus one).
    need: usize,
}

/// Whether a header line is Meta's KV (Some(false)) or CDN (Some(true)) layout.
pub fn detect(header: &[u8]) -> Option<TraceFormat> {
    let names: Vec<String> = String::from_utf8_lossy(header)
        .trim()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("cachekey") && has("objectsize") {
        Some(TraceFormat::MetaCdn)
    } else if has("key") && has("op") && has("op_count") && has("size") {
        Some(TraceFormat::MetaKv)
    } else {
        None
    }
}

/// Streams Meta CSV rows.
pub struct MetaReader<R> {
    lines: Lines<R>,
    cdn: bool,
    cols: Option<Cols>,
    pending: Pending,
    fields: Vec<(usize, usize)>,
}

impl<R: BufRead> MetaReader<R> {
    /// A reader over `path`; `cdn` picks the CDN layout, else the KV cache one.
    pub fn new(inner: R, path: PathBuf, cdn: bool, skip_bad: bool) -> Self {
        let format = if cdn { TraceFormat::MetaCdn } else { TraceFormat::MetaKv };
        MetaReader {
            lines: Lines::new(inner, path, format, skip_bad),
            cdn,
            cols: None,
            pending: Pending::default(),
            fields: Vec::new(),
        }
    }

    /// Reads the header row (once) and returns whether the trace has a TTL column.
    pub fn has_ttl_column(&mut self) -> Result<bool> {
        self.header()?;
        Ok(self.cols.is_some_and(|c| c.ttl.is_some()))
    }

    fn header(&mut self) -> Result<()> {
        if self.cols.is_some() {
            return Ok(());
        }
        let cdn = self.cdn;
        let line = self.lines.next_line()?.map(|l| l.to_vec()).unwrap_or_default();
        let names: Vec<String> = String::from_utf8_lossy(&line)
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let find = |alts: &[&str]| names.iter().position(|n| alts.contains(&n.as_str()));
        let (key, example) = if cdn {
            (
                find(&["cachekey", "key"]),
                "timestamp,cacheKey,OpType,objectSize,responseSize,...,TTL,...",
            )
        } else {
            (find(&["key"]), "op_time,key,key_size,op,op_count,size,cache_hits,ttl")
        };
        let mut c = Cols {
            key: 0,
            op: if cdn { None } else { find(&["op"]) },
            size: find(if cdn { &["objectsize", "size"] } else { &["size"] }),
            key_size: if cdn { None } else { find(&["key_size"]) },
            op_count: if cdn { None } else { find(&["op_count"]) },
            time: find(&["op_time", "timestamp", "time"]),
            ttl: find(&["ttl"]),
            need: 0,
        };
        let missing = match (key, c.size, c.op) {
            (None, _, _) => Some(if cdn { "cacheKey" } else { "key" }),
            (_, None, _) => Some(if cdn { "objectSize" } else { "size" }),
            (_, _, None) if !cdn => Some("op"),
            _ => None,
        };
        if let Some(m) = missing {
            return Err(self.lines.error(&format!(
                "the header has no {m} column: a Meta {} trace starts with a header row such as {example}",
                if cdn { "CDN" } else { "kvcache" }
            )));
        }
        c.key = key.unwrap_or(0);
        c.need = [Some(c.key), c.op, c.size, c.key_size, c.op_count, c.time, c.ttl]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0)
            + 1;
        self.cols = Some(c);
        Ok(())
    }
}

fn kv_op(s: &[u8]) -> Option<Op> {
    Some(match s {
        b"GET" | b"GET_LEASE" | b"get" | b"get_lease" => Op::Read,
        b"SET" | b"SET_LEASE" | b"set" | b"set_lease" => Op::Write,
        b"DELETE" | b"delete" => Op::Delete,
        _ => return None,
    })
}

fn parse(line: &[u8], c: &Cols, fields: &mut Vec<(usize, usize)>) -> std::result::Result<Option<Pending>, String> {
    if line.is_empty() {
        return Ok(None);
    }
    fields.clear();
    let mut at = 0;
    for part in line.split(|&b| b == b',') {
        fields.push((at, at + part.len()));
        at += part.len() + 1;
    }
    if fields.len() < c.need {
        return Err(format!("{} fields, the header names {}", fields.len(), c.need));
    }
    let get = |i: usize| line[fields[i].0..fields[i].1].trim_ascii();
    let int = |i: Option<usize>, name: &str, default: u64| -> std::result::Result<u64, String> {
        match i {
            None => Ok(default),
            Some(i) => {
                let f = get(i);
                if f.is_empty() {
                    return Ok(default);
                }
                num(f).ok_or_else(|| format!("{name} is {:?}, not a whole number", String::from_utf8_lossy(f)))
            }
        }
    };
    let key = get(c.key);
    if key.is_empty() {
        return Err("empty key".into());
    }
    let op = match c.op {
        None => Op::Read,
        Some(i) => kv_op(get(i)).ok_or_else(|| {
            format!(
                "op is {:?}, not GET, GET_LEASE, SET, SET_LEASE or DELETE",
                String::from_utf8_lossy(get(i))
            )
        })?,
    };
    let size = int(c.size, "size", 0)?.saturating_add(int(c.key_size, "key_size", 0)?);
    let count = int(c.op_count, "op_count", 1)?;
    if count > MAX_EXPANSION {
        return Err(format!(
            "op_count {count} is above {MAX_EXPANSION}; is the line garbled?"
        ));
    }
    let time = int(c.time, "time", 0)?.saturating_mul(NANOS_PER_SEC);
    let ttl = int(c.ttl, "ttl", 0)?.saturating_mul(NANOS_PER_SEC);
    let req = Request {
        time,
        key: parse_key(key),
        size,
        op,
        ttl,
        next_access: NEVER,
        absent: false,
        instance: 0,
    };
    Ok(Some(Pending::new(req, count, 0)))
}

impl<R: BufRead + Send> TraceReader for MetaReader<R> {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        out.clear();
        self.header()?;
        let cols = self.cols.unwrap_or_default();
        loop {
            self.pending.drain(out);
            if out.len() >= BATCH {
                return Ok(true);
            }
            let parsed = match self.lines.next_line()? {
                None => return Ok(!out.is_empty()),
                Some(line) => parse(line, &cols, &mut self.fields),
            };
            match parsed {
                Ok(Some(p)) => self.pending = p,
                Ok(None) => {}
                Err(why) => self.lines.reject(&why)?,
            }
        }
    }

    fn skipped(&self) -> u64 {
        self.lines.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8], cdn: bool) -> Result<Vec<Request>> {
        let mut r = MetaReader::new(data, "m.csv".into(), cdn, false);
        crate::trace::drain(&mut r)
    }

    #[test]
    fn kv_releases() {
        let old = b"key,op,size,op_count,key_size\n1668757755,SET,82,1,40\n1665497896,GET,169,3,78\n";
        let r = read_all(old, false).unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(
            (r[0].key, r[0].size, r[0].op, r[0].time),
            (1668757755, 122, Op::Write, 0)
        );
        assert!(r[1..]
            .iter()
            .all(|q| q.key == 1665497896 && q.size == 247 && q.op == Op::Read));

        let new = b"op_time,key,key_size,op,op_count,size,cache_hits,ttl,usecase,sub_usecase\n\
                    604038471,82131353f9ddc8c6,48,GET,2,87,1,0,366387042,3003229276\n\
                    604038473,828769c1e1ce3a29,67,SET,1,65,0,7200,2777918327,655456894\n\
                    604038474,828769c1e1ce3a29,67,DELETE,1,0,0,0,1,1\n";
        let r = read_all(new, false).unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0], r[1]);
        assert_eq!(
            (r[0].key, r[0].size, r[0].time, r[0].op),
            (parse_key(b"82131353f9ddc8c6"), 135, 604038471 * NANOS_PER_SEC, Op::Read)
        );
        assert_eq!((r[2].size, r[2].ttl, r[2].op), (132, 7200 * NANOS_PER_SEC, Op::Write));
        assert_eq!((r[3].key, r[3].op), (r[2].key, Op::Delete));
        assert_eq!(
            detect(b"op_time,key,key_size,op,op_count,size,cache_hits,ttl"),
            Some(TraceFormat::MetaKv)
        );
    }

    #[test]
    fn cdn() {
        let data = b"timestamp,cacheKey,OpType,objectSize,responseSize,responseHeaderSize,rangeStart,rangeEnd,TTL,SamplingRate,cache_hit,item_value,RequestHandler,cdn_content_type_id,vip_type\n\
                     1678838400,abc123,1,52345,52345,300,-1,-1,86400,0.2,1,0,h,3,1\n";
        let r = read_all(data, true).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].key, r[0].size, r[0].time, r[0].ttl, r[0].op),
            (
                parse_key(b"abc123"),
                52345,
                1678838400 * NANOS_PER_SEC,
                86400 * NANOS_PER_SEC,
                Op::Read
            )
        );
        assert_eq!(detect(b"timestamp,key,size"), None);
        assert_eq!(
            detect(data.split(|&b| b == b'\n').next().unwrap()),
            Some(TraceFormat::MetaCdn)
        );
    }

    #[test]
    fn errors() {
        let e = read_all(b"a,b,c\n1,2,3\n", false).unwrap_err().to_string();
        assert!(e.contains("m.csv: line 1") && e.contains("no key column"), "{e}");
        let e = read_all(b"key,op,size,op_count,key_size\n1,GET,1,1,1\n2,PUT,1,1,1\n", false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("\"PUT\""), "{e}");
        let e = read_all(b"key,op,size,op_count,key_size\n1,GET,x,1,1\n", false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("size is \"x\""), "{e}");
        let e = read_all(b"key,op,size,op_count,key_size\n1,GET\n", false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 fields"), "{e}");
        let e = read_all(b"", true).unwrap_err().to_string();
        assert!(e.contains("no cacheKey column"), "{e}");
    }
}
