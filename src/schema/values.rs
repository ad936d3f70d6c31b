//! Checked values for workload files. Each one validates while it is deserialized, so the TOML or
//! JSON parser reports a bad value with its line and column, and the message says what is valid.

use crate::model::units::{parse_bytes, parse_duration};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

macro_rules! float_value {
    ($name:ident, $doc:literal, $check:expr, $expect:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name(pub f64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = f64::deserialize(d)?;
                let ok: fn(f64) -> bool = $check;
                if v.is_finite() && ok(v) {
                    Ok($name(v))
                } else {
                    Err(de::Error::custom(format!(
                        "{v} is out of range: expected {}",
                        $expect
                    )))
                }
            }
        }
    };
}

float_value!(
    Positive,
    "A finite number greater than zero (rates, alpha, weights).",
    |v| v > 0.0,
    "a number greater than 0"
);
float_value!(
    NonNegative,
    "A finite number at least zero.",
    |v| v >= 0.0,
    "a number at least 0"
);
float_value!(
    Ratio,
    "A fraction in [0, 1].",
    |v| (0.0..=1.0).contains(&v),
    "a fraction between 0 and 1"
);

float_value!(
    OpenRatio,
    "A fraction strictly between 0 and 1.",
    |v| v > 0.0 && v < 1.0,
    "a fraction strictly between 0 and 1"
);

float_value!(
    BelowOne,
    "A fraction at least 0 and less than 1.",
    |v| (0.0..1.0).contains(&v),
    "a fraction at least 0 and less than 1"
);

/// A count greater than zero (requests, keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        if v > 0 {
            Ok(Count(v as u64))
        } else {
            Err(de::Error::custom(format!(
                "{v} is out of range: expected a whole number greater than 0"
            )))
        }
    }
}

/// A size in bytes: a string with a unit (`4KiB`, `1.5MB`) or a whole number of bytes; never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"4KiB\", \"64MiB\" or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ByteSize, E> {
                match parse_bytes(s) {
                    Ok(0) => Err(E::custom(format!(
                        "size `{s}` is zero; sizes must be greater than zero"
                    ))),
                    Ok(b) => Ok(ByteSize(b)),
                    Err(e) => Err(E::custom(e)),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                if v > 0 {
                    Ok(ByteSize(v as u64))
                } else {
                    Err(E::custom(format!("size {v} must be greater than zero")))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                self.visit_i64(v.min(i64::MAX as u64) as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ByteSize, E> {
                if v >= 1.0 && v.is_finite() {
                    Ok(ByteSize(v.round() as u64))
                } else {
                    Err(E::custom(format!("size {v} must be at least 1 byte")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads a duration with a unit into nanoseconds; `zero_ok` says whether zero is a valid value.
struct DurVisitor(bool);

impl Visitor<'_> for DurVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration with a unit, such as \"250us\", \"5ms\", \"2s\", \"5m\" or \"1h\"")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<u64, E> {
        match parse_duration(s) {
            Ok(0) if !self.0 => Err(E::custom(format!(
                "duration `{s}` is zero; this field needs a duration greater than zero"
            ))),
            Ok(ns) => Ok(ns),
            Err(e) => Err(E::custom(e)),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        if v == 0 && self.0 {
            return Ok(0);
        }
        Err(E::custom(format!(
            "duration {v} needs a unit: write e.g. \"{v}s\" or \"{v}ms\""
        )))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        self.visit_i64(v.min(i64::MAX as u64) as i64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        Err(E::custom(format!("duration {v} needs a unit: write e.g. \"{v}s\"")))
    }
}

/// A duration with a unit (`250us`, `5ms`, `2s`, `5m`, `1h`), in nanoseconds; never zero. For
/// rates' companions, where zero has no meaning: intervals (`timeline_interval`, a flush interval,
/// a diurnal `period`), lengths (`duration`, an outage's `for`, a burst), the backend `timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dur(pub u64);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurVisitor(false)).map(Dur)
    }
}

/// A duration that may be zero, where zero means "none": latencies and delays (a zero latency is
/// the same as an omitted one) and points in time (`crash_at = "0s"` is the start of the run).
/// A bare `0` is accepted too, as zero needs no unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay(pub u64);

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurVisitor(true)).map(Delay)
    }
}

/// A cache size in a workload file: `"64MiB"`, `"5%"` or a number (bytes, or objects with
/// `ignore_obj_size`).
#[derive(Clone, Debug, PartialEq)]
pub struct CacheSizeValue(pub String);

impl<'de> Deserialize<'de> for CacheSizeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CacheSizeValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a cache size such as \"64MiB\", \"5%\" or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<CacheSizeValue, E> {
                if crate::model::units::parse_size_range(s).map_err(E::custom)?.is_none() {
                    crate::model::units::parse_size_spec(s).map_err(E::custom)?;
                }
                Ok(CacheSizeValue(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CacheSizeValue, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CacheSizeValue, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}
