//! Baselines: a summary.json from an earlier run, matched to the current results by (policy,
//! params, cache size, unit), metric by metric, each within its tolerance. `compare` uses the same
//! pairing to show two summaries side by side.

use super::metrics::{self, Entry, Key, Metric};
use super::tolerance::{worsening, Tolerance};
use crate::error::input_error;
use crate::report::SourceInfo;
use anyhow::Result;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A summary file read as JSON (not as [`crate::report::Summary`]: an older file with fewer fields,
/// or with nulls where NaN was written, must still load).
#[derive(Clone, Debug)]
pub struct SummaryFile {
    /// Where it came from.
    pub path: PathBuf,
    /// The whole file.
    pub value: Value,
    /// Its results.
    pub entries: Vec<Entry>,
}

/// Reads a summary; `what` names the flag or argument for messages. Errors are input errors.
pub fn load(path: &Path, what: &str) -> Result<SummaryFile> {
    let p = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            input_error(format!("{what} {p}: no such file"))
        } else {
            input_error(format!("{what} {p}: cannot read: {e}"))
        }
    })?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| input_error(format!("{what} {p}: not valid JSON: {e}")))?;
    let entries = metrics::entries(&value).map_err(|e| input_error(format!("{what} {p}: {e}")))?;
    Ok(SummaryFile {
        path: path.to_path_buf(),
        value,
        entries,
    })
}

/// `workload quickstart (workloads/quickstart.toml), seed 42` for messages.
pub fn describe_source(kind: &str, name: Option<&str>, path: &str, seed: Option<u64>) -> String {
    let mut s = match name {
        Some(n) => format!("{kind} `{n}` ({path})"),
        None => format!("{kind} {path}"),
    };
    if let Some(seed) = seed {
        s.push_str(&format!(", seed {seed}"));
    }
    s
}

/// The source a summary file records.
pub fn file_source(v: &Value) -> String {
    let src = &v["source"];
    describe_source(
        src["kind"].as_str().unwrap_or("source"),
        src["name"].as_str(),
        src["path"].as_str().unwrap_or("?"),
        v["seed"].as_u64(),
    )
}

/// Refuses a baseline recorded from another workload or trace, or with another seed: its numbers
/// would say nothing about this change. Names must match when both have one, else the file names
/// (not whole paths, which differ between a laptop and CI).
pub fn check_same_source(base: &SummaryFile, cur: &SourceInfo, seed: u64) -> Result<()> {
    let src = &base.value["source"];
    let file_name = |p: &str| Path::new(p).file_name().map(|f| f.to_os_string());
    let kind = src["kind"].as_str();
    let name = src["name"].as_str();
    let path = src["path"].as_str().unwrap_or("");
    let same_name = match (name, cur.name.as_deref()) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        _ => false,
    };
    let same = kind == Some(cur.kind.as_str())
        && same_name
        && (name.is_some() || file_name(path) == file_name(&cur.path))
        && base.value["seed"].as_u64() == Some(seed);
    if !same {
        return Err(input_error(format!(
            "baseline {} was recorded from {}, but this run is {}; pass the baseline of this workload, or rewrite it with --update-baseline",
            base.path.display(),
            file_source(&base.value),
            describe_source(&cur.kind, cur.name.as_deref(), &cur.path, Some(seed)),
        )));
    }
    Ok(())
}

/// How one metric moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the tolerance (better or worse).
    Within,
    /// Worse by more than the tolerance.
    Regressed,
    /// Better by more than the tolerance.
    Improved,
    /// The baseline has no value (null or missing) but the run has one.
    NoBaseline,
    /// The run has no value (null, NaN or missing): cannot be checked.
    NoValue,
}

/// One metric of one paired result.
#[derive(Clone, Debug)]
pub struct MetricDiff {
    /// Dotted path.
    pub metric: String,
    /// In the baseline (A).
    pub base: Metric,
    /// In the run (B).
    pub cur: Metric,
    /// Its tolerance.
    pub tolerance: Tolerance,
    /// The judgement.
    pub verdict: Verdict,
}

impl MetricDiff {
    /// `+0.40pt` when both are numbers.
    pub fn delta(&self) -> Option<String> {
        Some(self.tolerance.delta(self.base.number()?, self.cur.number()?))
    }
}

/// Two results with the same key.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The key (sizes written as in the run).
    pub key: Key,
    /// One per compared metric present in either.
    pub metrics: Vec<MetricDiff>,
}

/// Two summaries matched up.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Results in both, in the run's order.
    pub pairs: Vec<Pair>,
    /// Baseline (A) results the run (B) lacks.
    pub only_base: Vec<Key>,
    /// Run (B) results the baseline (A) lacks.
    pub only_cur: Vec<Key>,
}

fn judge(metric: &str, base: Metric, cur: Metric, tol: Tolerance) -> Verdict {
    match (base.number(), cur.number()) {
        (_, None) => Verdict::NoValue,
        (None, Some(_)) => Verdict::NoBaseline,
        (Some(b), Some(c)) if tol.exceeded(metric, b, c) => Verdict::Regressed,
        (Some(b), Some(c)) if -worsening(metric, b, c) > tol.allowed(b) + 1e-12 => Verdict::Improved,
        _ => Verdict::Within,
    }
}

/// Pairs `base` with `cur` and compares `tolerances`' metrics. A metric absent from both files is
/// skipped, unless it is in `named` (given by the user): then it is an unknown metric.
pub fn diff(
    base: &[Entry],
    cur: &[Entry],
    tolerances: &[(String, Tolerance)],
    named: &[String],
) -> Result<Diff, String> {
    for m in named {
        let known = base.iter().chain(cur).any(|e| metrics::get(&e.value, m).is_some());
        if !known {
            let mut all = metrics::all_metric_paths(cur);
            for p in metrics::all_metric_paths(base) {
                if !all.contains(&p) {
                    all.push(p);
                }
            }
            return Err(format!(
                "tolerance for unknown metric `{m}`; metrics: {}",
                all.join(", ")
            ));
        }
    }
    let mut d = Diff::default();
    for c in cur {
        let Some(b) = base.iter().find(|b| b.key == c.key) else {
            d.only_cur.push(c.key.clone());
            continue;
        };
        let mut out = Vec::new();
        for (m, tol) in tolerances {
            let bm = metrics::metric(&b.value, m).map_err(|e| format!("baseline: {e}"))?;
            let cm = metrics::metric(&c.value, m)?;
            if bm == Metric::Missing && cm == Metric::Missing {
                continue;
            }
            out.push(MetricDiff {
                metric: m.clone(),
                base: bm,
                cur: cm,
                tolerance: *tol,
                verdict: judge(m, bm, cm, *tol),
            });
        }
        d.pairs.push(Pair {
            key: c.key.clone(),
            metrics: out,
        });
    }
    d.only_base = base
        .iter()
        .filter(|b| !cur.iter().any(|c| c.key == b.key))
        .map(|b| b.key.clone())
        .collect();
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entries(rows: Value) -> Vec<Entry> {
        metrics::entries(&json!({ "results": rows })).unwrap()
    }

    fn tols() -> Vec<(String, Tolerance)> {
        crate::check::tolerance::defaults()
    }

    #[test]
    fn pairs_by_key_and_judges_each_metric() {
        let base = entries(json!([
            {"policy": "lru", "params": "", "cache_size": 10, "size_unit": "bytes", "miss_ratio": 0.30, "hit_ratio": 0.70},
            {"policy": "fifo", "params": "", "cache_size": 10, "size_unit": "bytes", "miss_ratio": 0.30, "hit_ratio": null},
        ]));
        let cur = entries(json!([
            {"policy": "lru", "params": "", "cache_size": 10, "size_unit": "bytes", "miss_ratio": 0.31, "hit_ratio": 0.69},
            {"policy": "fifo", "params": "", "cache_size": 10, "size_unit": "bytes", "miss_ratio": null, "hit_ratio": 0.5},
            {"policy": "sieve", "params": "", "cache_size": 10, "size_unit": "bytes", "miss_ratio": 0.1},
        ]));
        let d = diff(&base, &cur, &tols(), &[]).unwrap();
        assert_eq!(d.pairs.len(), 2);
        let v = |i: usize| d.pairs[i].metrics.iter().map(|m| m.verdict).collect::<Vec<_>>();
        assert_eq!(v(0), [Verdict::Regressed, Verdict::Regressed]);
        assert_eq!(v(1), [Verdict::NoValue, Verdict::NoBaseline]);
        assert_eq!(d.only_cur.len(), 1);
        assert!(d.only_base.is_empty());
        let d = diff(&cur, &base, &tols(), &[]).unwrap();
        assert_eq!(d.pairs[0].metrics[0].verdict, Verdict::Improved);
        assert_eq!(d.only_base[0].policy, "sieve");
    }

    #[test]
    fn named_metrics_must_exist_somewhere() {
        let e = entries(json!([{"policy": "lru", "cache_size": 1, "miss_ratio": 0.1}]));
        let e = diff(&e, &e, &tols(), &["lost_writes".into()]).unwrap_err();
        assert!(
            e.contains("unknown metric `lost_writes`") && e.contains("miss_ratio"),
            "{e}"
        );
    }
}
