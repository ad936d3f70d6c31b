//! How far a metric may move from its baseline before it counts as a regression: absolute
//! percentage points (`0.5pt`, for ratios), relative percent (`10%`), or an absolute amount in the
//! metric's own unit (`2`, e.g. milliseconds). Whether up or down is worse follows the metric's name.

use std::fmt;

/// A tolerance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// Percentage points: `0.5pt` allows a ratio to worsen by 0.005.
    Points(f64),
    /// Percent of the baseline value: `10%`.
    Percent(f64),
    /// An absolute amount in the metric's unit.
    Absolute(f64),
}

/// Standard metrics compared against a baseline, and their default tolerances. A metric absent
/// from both the run and the baseline (latency, before the engine reports it) is skipped.
pub const DEFAULTS: &[(&str, Tolerance)] = &[
    ("miss_ratio", Tolerance::Points(0.5)),
    ("byte_miss_ratio", Tolerance::Points(0.5)),
    ("hit_ratio", Tolerance::Points(0.5)),
    ("read_latency_ms.p99", Tolerance::Percent(10.0)),
];

/// Whether a larger value is better: hit ratios and throughputs; for everything else (misses,
/// latencies, evictions, lost writes, concurrency) larger is worse.
pub fn higher_is_better(metric: &str) -> bool {
    let last = metric.rsplit('.').next().unwrap_or(metric);
    last.contains("hit") || last.contains("throughput")
}

impl Tolerance {
    /// Parses `0.5pt`, `10%` or `2`.
    pub fn parse(s: &str) -> Result<Tolerance, String> {
        let t = s.trim();
        let num = |x: &str| x.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let tol = if let Some(p) = t.strip_suffix("pt") {
            num(p).map(Tolerance::Points)
        } else if let Some(p) = t.strip_suffix('%') {
            num(p).map(Tolerance::Percent)
        } else {
            num(t).map(Tolerance::Absolute)
        };
        tol.ok_or_else(|| {
            format!(
                "tolerance `{t}` must be points (0.5pt), percent of the baseline (10%) or an amount (2), not negative"
            )
        })
    }

    /// How far the value may worsen from `base`.
    pub fn allowed(self, base: f64) -> f64 {
        match self {
            Tolerance::Points(p) => p / 100.0,
            Tolerance::Percent(p) => base.abs() * p / 100.0,
            Tolerance::Absolute(a) => a,
        }
    }

    /// Whether going from `base` to `cur` worsens `metric` by more than the tolerance (a tiny
    /// epsilon keeps a change exactly at the tolerance inside it despite rounding).
    pub fn exceeded(self, metric: &str, base: f64, cur: f64) -> bool {
        worsening(metric, base, cur) > self.allowed(base) + 1e-12
    }

    /// `cur - base` in this tolerance's unit, signed: `+0.40pt`, `-3.1%`, `+2`.
    pub fn delta(self, base: f64, cur: f64) -> String {
        let d = cur - base;
        match self {
            Tolerance::Points(_) => format!("{}pt", signed(d * 100.0, 2)),
            Tolerance::Percent(_) if base != 0.0 => format!("{}%", signed(d / base.abs() * 100.0, 1)),
            _ => {
                let s = signed(d, 4);
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
    }
}

/// `x` with a sign and `decimals` places; a value that rounds to zero is `+0.00`, never `-0.00`
/// (a baseline read back from JSON can differ from the same number by one unit in the last place).
fn signed(x: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let r = (x * scale).round() / scale + 0.0;
    format!("{r:+.decimals$}")
}

/// How much worse `cur` is than `base` (negative when better).
pub fn worsening(metric: &str, base: f64, cur: f64) -> f64 {
    if higher_is_better(metric) {
        base - cur
    } else {
        cur - base
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Points(p) => write!(f, "{p}pt"),
            Tolerance::Percent(p) => write!(f, "{p}%"),
            Tolerance::Absolute(a) => write!(f, "{a}"),
        }
    }
}

/// The standard metrics and their default tolerances.
pub fn defaults() -> Vec<(String, Tolerance)> {
    DEFAULTS.iter().map(|(m, t)| (m.to_string(), *t)).collect()
}

/// Overrides or extends `list` with `given` (`METRIC=TOL` pairs; later ones win). `what` names
/// the flag or field for messages.
pub fn apply(list: &mut Vec<(String, Tolerance)>, given: &[(String, String)], what: &str) -> Result<(), String> {
    for (m, t) in given {
        let m = m.trim();
        if m.is_empty() || m.split('.').any(str::is_empty) {
            return Err(format!("{what}: `{m}={t}` needs a metric name, e.g. miss_ratio=0.5pt"));
        }
        let tol = Tolerance::parse(t).map_err(|e| format!("{what}: {m}: {e}"))?;
        match list.iter_mut().find(|(k, _)| k == m) {
            Some(slot) => slot.1 = tol,
            None => list.push((m.to_string(), tol)),
        }
    }
    Ok(())
}

/// Splits `--tolerance` values (`miss_ratio=1pt,read_latency_ms.p99=5%`, repeatable) into pairs.
pub fn split_flags(flags: &[String]) -> Result<Vec<(String, String)>, String> {
    flags
        .iter()
        .flat_map(|f| f.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.split_once('=')
                .map(|(m, t)| (m.trim().to_string(), t.trim().to_string()))
                .ok_or_else(|| {
                    format!("--tolerance `{item}`: write METRIC=TOL, e.g. miss_ratio=0.5pt or read_latency_ms.p99=10%")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(Tolerance::parse("0.5pt"), Ok(Tolerance::Points(0.5)));
        assert_eq!(Tolerance::parse(" 10% "), Ok(Tolerance::Percent(10.0)));
        assert_eq!(Tolerance::parse("2"), Ok(Tolerance::Absolute(2.0)));
        for bad in ["-1pt", "x%", "", "nan"] {
            assert!(Tolerance::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn direction_follows_the_name() {
        let t = Tolerance::Points(0.5);
        assert!(!t.exceeded("miss_ratio", 0.300, 0.305));
        assert!(t.exceeded("miss_ratio", 0.300, 0.3051));
        assert!(!t.exceeded("miss_ratio", 0.300, 0.1));
        assert!(t.exceeded("hit_ratio", 0.700, 0.6949));
        assert!(!t.exceeded("hit_ratio", 0.700, 0.9));
        let p = Tolerance::Percent(10.0);
        assert!(!p.exceeded("read_latency_ms.p99", 20.0, 22.0));
        assert!(p.exceeded("read_latency_ms.p99", 20.0, 22.1));
        assert_eq!(t.delta(0.3, 0.304), "+0.40pt");
        assert_eq!(t.delta(0.1892, 0.1892 - 1e-10), "+0.00pt");
        assert_eq!(Tolerance::Absolute(1.0).delta(2.0, 1.5), "-0.5");
        assert_eq!(Tolerance::Absolute(1.0).delta(10.0, 22.0), "+12");
    }

    #[test]
    fn given_tolerances_override_and_extend_defaults() {
        let mut r = defaults();
        let given = split_flags(&["miss_ratio=1pt,backend.peak_concurrency=5".into()]).unwrap();
        apply(&mut r, &given, "--tolerance").unwrap();
        assert_eq!(r[0], ("miss_ratio".into(), Tolerance::Points(1.0)));
        assert_eq!(
            r.last().unwrap(),
            &("backend.peak_concurrency".into(), Tolerance::Absolute(5.0))
        );
        assert!(split_flags(&["miss_ratio".into()]).is_err());
    }
}
