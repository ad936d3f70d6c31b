//! Assertions: `[POLICY[:PARAMS][@SIZE].]METRIC OP NUMBER`, e.g. `hit_ratio >= 0.8`,
//! `s3fifo.read_latency_ms.p99 <= 20`, `lru@64MiB.miss_ratio < 0.3`. Without a policy the assertion
//! applies to every result. METRIC is a dotted path into the result's JSON (see `metrics.rs`).
//!
//! Parsing checks the syntax and the policy name before any work; evaluation, after the run,
//! reports an unknown metric, a policy or size that was not run, as input errors listing what
//! exists, and gives one outcome per matching result, so a failing result never hides another.

use super::metrics::{self, Entry, Metric};
use crate::model::units::{parse_size_spec, SizeSpec};
use crate::policy::PolicySpec;
use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        })
    }
}

/// Which results an assertion is about.
#[derive(Clone, Debug)]
pub struct Selector {
    /// Canonical policy name.
    pub policy: &'static str,
    /// Parameters, when given (`clock:bits=2`); without them every variant of the policy matches.
    pub params: Option<String>,
    /// The size as written after `@`, and its parsed form.
    pub size: Option<(String, SizeSpec)>,
}

impl Selector {
    fn matches(&self, e: &Entry) -> bool {
        e.key.policy == self.policy
            && self
                .params
                .as_ref()
                .is_none_or(|p| metrics::same_params(p, &e.key.params))
            && self.size.as_ref().is_none_or(|(_, s)| match s {
                SizeSpec::Absolute(n) => e.key.cache_size == *n,
                SizeSpec::WorkingSet(f) => {
                    matches!(parse_size_spec(&e.key.size_spec), Ok(SizeSpec::WorkingSet(g)) if (f - g).abs() < 1e-12)
                }
            })
    }
}

/// A parsed assertion.
#[derive(Clone, Debug)]
pub struct Assertion {
    /// As written.
    pub text: String,
    /// Which results; `None` means all.
    pub selector: Option<Selector>,
    /// Dotted metric path.
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The right-hand side.
    pub threshold: f64,
}

/// One assertion checked against one result.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The result, e.g. `lru @ 64MiB`.
    pub target: String,
    /// The metric's value there.
    pub value: Metric,
    /// Whether it holds (never for a null or missing value).
    pub pass: bool,
}

/// Splits at the first `.` that is followed by something other than a digit, so `@1.5GiB.x` and
/// `:window=0.01.x` keep their decimal points.
fn split_selector(lhs: &str) -> Option<(&str, &str)> {
    let b = lhs.as_bytes();
    (0..b.len())
        .find(|&i| b[i] == b'.' && b.get(i + 1).is_some_and(|c| !c.is_ascii_digit()))
        .map(|i| (&lhs[..i], &lhs[i + 1..]))
}

fn parse_selector(s: &str) -> Result<Selector, String> {
    let (pol, size) = match s.split_once('@') {
        Some((p, z)) => (p, Some(z.trim())),
        None => (s, None),
    };
    let spec = PolicySpec::parse(pol.trim())?;
    let params = pol.contains(':').then(|| spec.params.to_label());
    let size = size
        .map(|z| parse_size_spec(z).map(|p| (z.to_string(), p)))
        .transpose()
        .map_err(|e| format!("size after @: {e}"))?;
    Ok(Selector {
        policy: spec.info.name,
        params,
        size,
    })
}

impl Assertion {
    /// Parses `[POLICY[:PARAMS][@SIZE].]METRIC OP NUMBER`; NUMBER may end in `%` (80% is 0.8).
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let t = text.trim();
        let usage = "write METRIC OP NUMBER, e.g. `hit_ratio >= 0.8` or `s3fifo@64MiB.miss_ratio < 0.3`, with OP one of <, <=, >, >=, ==, !=";
        // A lone `=` belongs to policy parameters (`clock:bits=2`); operators are <, >, == and !=.
        let b = t.as_bytes();
        let at = (0..b.len())
            .find(|&i| matches!(b[i], b'<' | b'>') || (matches!(b[i], b'=' | b'!') && b.get(i + 1) == Some(&b'=')))
            .ok_or_else(|| format!("assertion `{t}` has no comparison; {usage}"))?;
        let (op, len) = match (b[at], b.get(at + 1)) {
            (b'<', Some(b'=')) => (Op::Le, 2),
            (b'>', Some(b'=')) => (Op::Ge, 2),
            (b'<', _) => (Op::Lt, 1),
            (b'>', _) => (Op::Gt, 1),
            (b'=', _) => (Op::Eq, 2),
            _ => (Op::Ne, 2),
        };
        let lhs = t[..at].trim();
        let rhs = t[at + len..].trim();
        if lhs.is_empty() {
            return Err(format!("assertion `{t}` names no metric; {usage}"));
        }
        let threshold = match rhs.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
            None => rhs.parse::<f64>(),
        }
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("assertion `{t}`: `{rhs}` is not a number; {usage}"))?;
        let (selector, metric) = match split_selector(lhs) {
            Some((first, path)) if first.contains(['@', ':']) || crate::policy::lookup(first).is_some() => {
                let sel = parse_selector(first).map_err(|e| format!("assertion `{t}`: {e}"))?;
                (Some(sel), path.to_string())
            }
            _ if lhs.contains('@') => {
                return Err(format!(
                    "assertion `{t}`: write POLICY@SIZE.METRIC, e.g. lru@64MiB.miss_ratio"
                ))
            }
            _ => (None, lhs.to_string()),
        };
        if metric.is_empty() || metric.split('.').any(str::is_empty) || metric.contains(char::is_whitespace) {
            return Err(format!("assertion `{t}`: `{metric}` is not a metric path; {usage}"));
        }
        Ok(Assertion {
            text: t.to_string(),
            selector,
            metric,
            op,
            threshold,
        })
    }

    /// Checks the assertion against every matching result. Errors (input errors) when the policy
    /// or size was not run or no result has the metric; a result lacking the metric, or holding
    /// null or NaN, fails.
    pub fn evaluate(&self, entries: &[Entry]) -> Result<Vec<Outcome>, String> {
        let t = &self.text;
        let chosen: Vec<&Entry> = match &self.selector {
            None => entries.iter().collect(),
            Some(sel) => {
                let chosen: Vec<&Entry> = entries.iter().filter(|e| sel.matches(e)).collect();
                if chosen.is_empty() {
                    let of_policy: Vec<&Entry> = entries.iter().filter(|e| e.key.policy == sel.policy).collect();
                    return Err(if of_policy.is_empty() || sel.size.is_none() {
                        format!(
                            "assertion `{t}`: no result for policy `{}`; policies in this run: {}",
                            sel.policy,
                            metrics::policy_labels(entries).join(", ")
                        )
                    } else {
                        format!(
                            "assertion `{t}`: {} was not run at size {}; its sizes: {}",
                            sel.policy,
                            sel.size.as_ref().map(|s| s.0.as_str()).unwrap_or(""),
                            of_policy
                                .iter()
                                .map(|e| e.key.size_label())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                }
                chosen
            }
        };
        let values = chosen
            .iter()
            .map(|e| metrics::metric(&e.value, &self.metric))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("assertion `{t}`: {e}"))?;
        if values.iter().all(|v| *v == Metric::Missing) {
            let mut msg = format!(
                "assertion `{t}`: unknown metric `{}`; metrics: {}",
                self.metric,
                metrics::all_metric_paths(entries).join(", ")
            );
            if self.selector.is_none() {
                msg.push_str(&format!(
                    "; to name a policy write POLICY.METRIC, policies in this run: {}",
                    metrics::policy_labels(entries).join(", ")
                ));
            }
            return Err(msg);
        }
        Ok(chosen
            .iter()
            .zip(values)
            .map(|(e, value)| Outcome {
                target: e.key.label(),
                value,
                pass: value.number().is_some_and(|x| self.op.holds(x, self.threshold)),
            })
            .collect())
    }

    /// The right-hand side for reports: `>= 0.8`.
    pub fn expected(&self) -> String {
        format!("{} {}", self.op, self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entries() -> Vec<Entry> {
        let s = json!({"results": [
            {"policy": "lru", "params": "", "cache_size": 1024, "size_unit": "bytes", "size_spec": "1KiB",
             "hit_ratio": 0.9, "lat": {"p99": 10.0}},
            {"policy": "lru", "params": "", "cache_size": 2048, "size_unit": "bytes", "size_spec": "5%",
             "hit_ratio": 0.95, "lat": {"p99": null}},
            {"policy": "clock", "params": "bits=2", "cache_size": 1024, "size_unit": "bytes", "size_spec": "1KiB",
             "hit_ratio": 0.7},
        ]});
        metrics::entries(&s).unwrap()
    }

    #[test]
    fn parses_selectors_operators_and_percentages() {
        let a = Assertion::parse("lru@1.5KiB.lat.p99 <= 20").unwrap();
        assert_eq!(a.metric, "lat.p99");
        assert_eq!(a.op, Op::Le);
        let s = a.selector.unwrap();
        assert_eq!((s.policy, s.size.unwrap().1), ("lru", SizeSpec::Absolute(1536)));
        let a = Assertion::parse("tinylfu:window=0.01.hit_ratio>80%").unwrap();
        assert_eq!((a.metric.as_str(), a.op, a.threshold), ("hit_ratio", Op::Gt, 0.8));
        assert_eq!(a.selector.unwrap().params.as_deref(), Some("window=0.01"));
        let a = Assertion::parse("backend.peak_concurrency != 3").unwrap();
        assert!(a.selector.is_none());
        assert_eq!(a.metric, "backend.peak_concurrency");
        assert_eq!(
            Assertion::parse("OPT.hit_ratio == 1").unwrap().selector.unwrap().policy,
            "belady"
        );
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "hit_ratio 0.8",
            "hit_ratio = 0.8",
            ">= 1",
            "hit_ratio >= x",
            "hit_ratio >= nan",
            "lru@.x < 1",
        ] {
            assert!(Assertion::parse(bad).is_err(), "{bad}");
        }
        assert!(Assertion::parse("lru@64MiB.x < 1").is_ok());
        let e = Assertion::parse("lru:bogus=1.hit_ratio > 0").unwrap_err();
        assert!(e.contains("unknown parameter"), "{e}");
    }

    #[test]
    fn every_result_gets_an_outcome() {
        let o = Assertion::parse("hit_ratio >= 0.9")
            .unwrap()
            .evaluate(&entries())
            .unwrap();
        assert_eq!(o.iter().map(|o| o.pass).collect::<Vec<_>>(), [true, true, false]);
        let o = Assertion::parse("clock.hit_ratio < 0.8")
            .unwrap()
            .evaluate(&entries())
            .unwrap();
        assert_eq!(o.len(), 1);
        assert!(o[0].pass);
        let o = Assertion::parse("lru@5%.hit_ratio > 0.9")
            .unwrap()
            .evaluate(&entries())
            .unwrap();
        assert_eq!((o.len(), o[0].pass), (1, true));
    }

    #[test]
    fn null_and_missing_fail_instead_of_passing() {
        let o = Assertion::parse("lat.p99 <= 20").unwrap().evaluate(&entries()).unwrap();
        assert_eq!(
            o.iter().map(|o| (o.value, o.pass)).collect::<Vec<_>>(),
            [
                (Metric::Number(10.0), true),
                (Metric::Null, false),
                (Metric::Missing, false)
            ]
        );
        // `!=` must not pass on NaN either.
        let o = Assertion::parse("lat.p99 != 5").unwrap().evaluate(&entries()).unwrap();
        assert!(!o[1].pass && !o[2].pass);
    }

    #[test]
    fn unknown_metric_policy_or_size_lists_what_exists() {
        let e = Assertion::parse("hit_rate > 0")
            .unwrap()
            .evaluate(&entries())
            .unwrap_err();
        assert!(
            e.contains("unknown metric `hit_rate`") && e.contains("hit_ratio") && e.contains("lat.p99"),
            "{e}"
        );
        assert!(e.contains("clock:bits=2"), "{e}");
        let e = Assertion::parse("arc.hit_ratio > 0")
            .unwrap()
            .evaluate(&entries())
            .unwrap_err();
        assert!(
            e.contains("no result for policy `arc`") && e.contains("lru, clock:bits=2"),
            "{e}"
        );
        let e = Assertion::parse("lru@3KiB.hit_ratio > 0")
            .unwrap()
            .evaluate(&entries())
            .unwrap_err();
        assert!(e.contains("1KiB") && e.contains("2KiB (5%)"), "{e}");
        let e = Assertion::parse("nosuch.hit_ratio > 0")
            .unwrap()
            .evaluate(&entries())
            .unwrap_err();
        assert!(
            e.contains("unknown metric `nosuch.hit_ratio`") && e.contains("policies in this run"),
            "{e}"
        );
    }
}
