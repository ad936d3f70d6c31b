//! Parsing and printing of sizes (`64MiB`, `5%`) and durations (`250us`, `5m`).

use std::fmt;

/// A cache size as the user wrote it, before the trace is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SizeSpec {
    /// An absolute amount: bytes, or objects with `--ignore-obj-size`.
    Absolute(u64),
    /// A fraction of the trace's working set (0 < f <= 1 typically; `5%` is 0.05).
    WorkingSet(f64),
}

const UNITS: &[(&str, u64)] = &[
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("k", 1 << 10),
    ("m", 1 << 20),
    ("g", 1 << 30),
    ("t", 1 << 40),
    ("b", 1),
];

/// Parses a byte amount such as `4096`, `4KiB`, `1.5GB`, `64m`. Returns a message saying what is valid.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let lower = t.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let unit = unit.trim();
    let mult = if unit.is_empty() {
        1
    } else {
        match UNITS.iter().find(|(u, _)| *u == unit) {
            Some((_, m)) => *m,
            None => {
                return Err(format!(
                    "`{s}` has an unknown unit `{unit}`; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)"
                ))
            }
        }
    };
    if num.is_empty() {
        return Err(format!(
            "`{s}` is not a size; write a number with an optional unit, e.g. 64MiB or 1000"
        ));
    }
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; write a number with an optional unit, e.g. 64MiB or 1000"))?;
    let bytes = v * mult as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{s}` is too large"));
    }
    Ok(bytes.round() as u64)
}

/// Parses a cache size: an amount with units (`64MiB`), a plain count, or a percentage of the working set (`5%`).
pub fn parse_size_spec(s: &str) -> Result<SizeSpec, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("cache size `{s}` is negative; sizes must be greater than zero"));
    }
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a percentage; write e.g. 5% or 0.5%"))?;
        if !(v > 0.0 && v.is_finite()) {
            return Err(format!("cache size `{s}` must be a percentage greater than zero"));
        }
        return Ok(SizeSpec::WorkingSet(v / 100.0));
    }
    let b = parse_bytes(t)?;
    if b == 0 {
        return Err(format!("cache size `{s}` is zero; sizes must be greater than zero"));
    }
    Ok(SizeSpec::Absolute(b))
}

/// Expands a size range `LO..HI:N` into N log-spaced sizes (both ends included): absolute sizes
/// (`1MiB..1GiB:32`, rounded to whole units and de-duplicated) or percentages (`1%..50%:10`).
/// Returns `Ok(None)` when `s` is not a range.
pub fn parse_size_range(s: &str) -> Result<Option<Vec<(String, SizeSpec)>>, String> {
    let Some((range, count)) = s.split_once(':') else {
        return if s.contains("..") {
            Err(format!("size range `{s}` needs a count: LO..HI:N, e.g. 1MiB..1GiB:32"))
        } else {
            Ok(None)
        };
    };
    let Some((lo, hi)) = range.split_once("..") else {
        return Ok(None);
    };
    let n: usize = count
        .trim()
        .parse()
        .ok()
        .filter(|n| (2..=10_000).contains(n))
        .ok_or_else(|| format!("size range `{s}`: the count after `:` must be a whole number from 2 to 10000"))?;
    let (a, b) = (parse_size_spec(lo)?, parse_size_spec(hi)?);
    let (x0, x1, pct) = match (a, b) {
        (SizeSpec::Absolute(x), SizeSpec::Absolute(y)) => (x as f64, y as f64, false),
        (SizeSpec::WorkingSet(x), SizeSpec::WorkingSet(y)) => (x, y, true),
        _ => {
            return Err(format!(
                "size range `{s}`: both ends must be sizes, or both percentages"
            ))
        }
    };
    if x0 >= x1 {
        return Err(format!("size range `{s}`: the low end must be below the high end"));
    }
    let mut out: Vec<(String, SizeSpec)> = Vec::new();
    for i in 0..n {
        let v = x0 * (x1 / x0).powf(i as f64 / (n - 1) as f64);
        let item = if pct {
            (format!("{}%", (v * 100.0 * 1e6).round() / 1e6), SizeSpec::WorkingSet(v))
        } else {
            let b = (v.round() as u64).max(1);
            (b.to_string(), SizeSpec::Absolute(b))
        };
        if out.last().map(|l| l.1) != Some(item.1) {
            out.push(item);
        }
    }
    Ok(Some(out))
}

/// Parses a duration with a unit: `250ns`, `250us`, `5ms`, `2s`, `5m`, `1h`, `1d`; returns nanoseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: f64 = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        "d" => 86400e9,
        "" => {
            return Err(format!(
                "duration `{s}` needs a unit: ns, us, ms, s, m, h or d (e.g. 5ms)"
            ))
        }
        u => {
            return Err(format!(
                "duration `{s}` has an unknown unit `{u}`; use ns, us, ms, s, m, h or d"
            ))
        }
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration; write e.g. 250us, 5ms, 2s, 5m"))?;
    let ns = v * mult;
    if !ns.is_finite() || ns >= u64::MAX as f64 {
        return Err(format!("duration `{s}` is too large"));
    }
    Ok(ns.round() as u64)
}

/// Displays a byte count with a binary unit: exactly when it is a multiple under 10,000 of the unit
/// (`64MiB`, `1536MiB`), else to one decimal in the largest unit (`7.6GiB`), or plainly (`512B`).
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        for (unit, m) in [
            ("TiB", 1u64 << 40),
            ("GiB", 1 << 30),
            ("MiB", 1 << 20),
            ("KiB", 1 << 10),
        ] {
            // Exact when short (`64MiB`, `1536KiB`... not `8000000KiB`, which reads as 7.6GiB).
            if v >= m && v.is_multiple_of(m) && v / m < 10_000 {
                return write!(f, "{}{}", v / m, unit);
            }
        }
        for (unit, m) in [
            ("TiB", 1u64 << 40),
            ("GiB", 1 << 30),
            ("MiB", 1 << 20),
            ("KiB", 1 << 10),
        ] {
            if v >= m {
                return write!(f, "{:.1}{}", v as f64 / m as f64, unit);
            }
        }
        write!(f, "{v}B")
    }
}

/// A duration in ns as the shortest exact text `parse_duration` reads back (`1.5s`, `250us`,
/// `100001ns`): seconds, milliseconds, microseconds or nanoseconds, at most three decimals.
pub fn format_duration(ns: u64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    for (unit, m) in [("s", 1_000_000_000u64), ("ms", 1_000_000), ("us", 1_000)] {
        if ns >= m && ns.is_multiple_of(m / 1000) {
            let whole = ns / m;
            let frac = ns % m / (m / 1000);
            return if frac == 0 {
                format!("{whole}{unit}")
            } else {
                format!("{whole}.{}{unit}", format!("{frac:03}").trim_end_matches('0'))
            };
        }
    }
    format!("{ns}ns")
}

/// `ns` rounded up to three significant digits, as [`format_duration`] text: a readable value
/// that is never below `ns` (for "at least" advice).
pub fn format_duration_up(ns: u64) -> String {
    let mut step = 1u64;
    while ns / step >= 1000 {
        step *= 10;
    }
    format_duration(ns.div_ceil(step).saturating_mul(step))
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_counts_read_as_people_write_them() {
        use super::Bytes;
        for (b, text) in [
            (64u64 << 20, "64MiB"),
            (1536 << 20, "1536MiB"),
            (8_192_000_000, "7.6GiB"),
            (3 << 40, "3TiB"),
            (1500, "1.5KiB"),
            (512, "512B"),
        ] {
            assert_eq!(Bytes(b).to_string(), text);
        }
    }

    #[test]
    fn durations_print_exactly_and_read_back() {
        for (ns, text) in [
            (1_500_000_000u64, "1.5s"),
            (250_000, "250us"),
            (100_001_000, "100.001ms"),
            (100_001, "100.001us"),
            (7, "7ns"),
            (1_000_000_000_000, "1000s"),
        ] {
            assert_eq!(format_duration(ns), text);
            assert_eq!(parse_duration(text), Ok(ns));
        }
        assert_eq!(format_duration_up(100_001_000), "101ms");
        assert_eq!(format_duration_up(999), "999ns");
        assert_eq!(format_duration_up(1_000_001), "1.01ms");
    }
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("4096").unwrap(), 4096);
        assert_eq!(parse_bytes("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_bytes("64mb").unwrap(), 64_000_000);
        assert_eq!(parse_bytes("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_bytes("1_000").unwrap(), 1000);
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("MiB").is_err());
        assert_eq!(parse_size_spec("5%").unwrap(), SizeSpec::WorkingSet(0.05));
        assert!(parse_size_spec("0").is_err());
        assert!(parse_size_spec("-5MiB").is_err());
        assert!(parse_size_spec("0%").is_err());
        assert!(parse_size_spec("abc").is_err());
    }

    #[test]
    fn ranges() {
        let r = parse_size_range("1MiB..1GiB:11").unwrap().unwrap();
        assert_eq!(r.len(), 11);
        assert_eq!(r[0].1, SizeSpec::Absolute(1 << 20));
        assert_eq!(r[10].1, SizeSpec::Absolute(1 << 30));
        assert_eq!(
            r[1].1,
            SizeSpec::Absolute(2 << 20),
            "log-spaced: x2 per step over 10 steps"
        );
        let p = parse_size_range("1%..100%:3").unwrap().unwrap();
        assert_eq!(
            p.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
            vec!["1%", "10%", "100%"]
        );
        assert!(parse_size_range("64MiB").unwrap().is_none());
        assert!(parse_size_range("1GiB..1MiB:4").is_err());
        assert!(parse_size_range("1MiB..1GiB").is_err());
        assert!(parse_size_range("1MiB..5%:4").is_err());
        // Small integer ranges de-duplicate after rounding.
        assert_eq!(parse_size_range("1..4:10").unwrap().unwrap().len(), 4);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250us").unwrap(), 250_000);
        assert_eq!(parse_duration("5ms").unwrap(), 5_000_000);
        assert_eq!(parse_duration("2s").unwrap(), 2_000_000_000);
        assert_eq!(parse_duration("5m").unwrap(), 300_000_000_000);
        assert_eq!(parse_duration("1h").unwrap(), 3_600_000_000_000);
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5 fortnights").is_err());
    }

    #[test]
    fn display() {
        assert_eq!(Bytes(64 << 20).to_string(), "64MiB");
        assert_eq!(Bytes(1000).to_string(), "1000B");
        assert_eq!(Bytes(1536).to_string(), "1.5KiB");
    }
}
