//! Twitter's cache trace CSV (Yang et al., OSDI 2020; github.com/twitter/cache-trace):
//! `timestamp, anonymized key, key size, value size, client id, operation, TTL`, no header.
//! The object size is key size + value size, as libCacheSim reads it; TTL 0 means none.

use super::{Column, CsvOptions, TimeUnit};
use crate::model::request::Op;

/// The fixed column layout, expressed as CSV options.
pub fn options() -> CsvOptions {
    CsvOptions {
        key: Some(Column::Index(2)),
        time: Some(Column::Index(1)),
        size: Some(Column::Index(4)),
        op: Some(Column::Index(6)),
        ttl: Some(Column::Index(7)),
        instance: None,
        instances: None,
        delimiter: Some(b','),
        header: Some(false),
        time_unit: TimeUnit::S,
        time_unit_given: true,
        ttl_unit: TimeUnit::S,
    }
}

/// 1-based column whose value is added to the size column (the key size).
pub const KEY_SIZE_COLUMN: usize = 3;

/// Maps a twemcache operation name to a request kind.
pub fn op(name: &str) -> Option<Op> {
    match name {
        "get" | "gets" => Some(Op::Read),
        "set" | "add" | "replace" | "cas" | "append" | "prepend" | "incr" | "decr" => Some(Op::Write),
        "delete" => Some(Op::Delete),
        _ => None,
    }
}

/// Whether `s` is a twemcache operation name.
pub fn is_op(s: &str) -> bool {
    op(s).is_some()
}
