//! Results as JSON: one entry per (policy, size) with its identity, and metrics looked up by dotted
//! path (`hit_ratio`, `read_latency_ms.p99`). Checks read `serde_json::to_value(result)` rather
//! than struct fields, so metrics the engine adds later work in assertions, baselines and
//! `compare` without changes here, and an old baseline with fewer fields still loads.

use crate::model::units::Bytes;
use serde_json::Value;

/// What identifies a result across runs: policy, parameters, cache size and its unit.
#[derive(Clone, Debug)]
pub struct Key {
    /// Canonical policy name.
    pub policy: String,
    /// Non-default parameters, `k=v,...`.
    pub params: String,
    /// Cache size in `size_unit`.
    pub cache_size: u64,
    /// `bytes` or `objects`.
    pub size_unit: String,
    /// The size as written (`64MiB`, `5%`); shown, not compared.
    pub size_spec: String,
    /// The workload's variant (`[[variant]]`, `--vary`) as its label; empty for none.
    pub variant: String,
}

impl PartialEq for Key {
    fn eq(&self, o: &Self) -> bool {
        self.policy == o.policy
            && same_params(&self.params, &o.params)
            && self.cache_size == o.cache_size
            && self.size_unit == o.size_unit
            && self.variant == o.variant
    }
}

/// Parameter lists are equal regardless of the order they were written in.
pub fn same_params(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let mut v: Vec<String> = s
            .split(',')
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

impl Key {
    /// `policy` or `policy:params`.
    pub fn policy_label(&self) -> String {
        if self.params.is_empty() {
            self.policy.clone()
        } else {
            format!("{}:{}", self.policy, self.params)
        }
    }

    /// The cache size for people: `64MiB`, `1000 objects`, `3.2MiB (5%)`.
    pub fn size_label(&self) -> String {
        let s = if self.size_unit == "objects" {
            format!("{} objects", self.cache_size)
        } else {
            Bytes(self.cache_size).to_string()
        };
        if self.size_spec.ends_with('%') {
            format!("{s} ({})", self.size_spec)
        } else {
            s
        }
    }

    /// `lru @ 64MiB`.
    pub fn label(&self) -> String {
        if self.variant.is_empty() {
            format!("{} @ {}", self.policy_label(), self.size_label())
        } else {
            format!("{} ({}) @ {}", self.policy_label(), self.variant, self.size_label())
        }
    }
}

/// One result: its identity and its JSON.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Identity.
    pub key: Key,
    /// The whole result as JSON.
    pub value: Value,
}

/// The entries of a summary (`{"results": [...]}`); errors say which entry lacks which field.
pub fn entries(summary: &Value) -> Result<Vec<Entry>, String> {
    let results = summary
        .get("results")
        .and_then(Value::as_array)
        .ok_or("it has no `results` array, so it is not a cachesim summary.json")?;
    results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let text = |k: &str| -> Result<String, String> {
                r.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("results[{i}] has no `{k}` string"))
            };
            let key = Key {
                policy: text("policy")?,
                params: r.get("params").and_then(Value::as_str).unwrap_or("").to_string(),
                cache_size: r
                    .get("cache_size")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| format!("results[{i}] has no `cache_size` number"))?,
                size_unit: r
                    .get("size_unit")
                    .and_then(Value::as_str)
                    .unwrap_or("bytes")
                    .to_string(),
                size_spec: r.get("size_spec").and_then(Value::as_str).unwrap_or("").to_string(),
                variant: match r.get("variant") {
                    None | Some(Value::Null) => String::new(),
                    Some(v) => serde_json::from_value::<crate::model::variant::Variant>(v.clone())
                        .map_err(|e| format!("results[{i}].variant: {e}"))?
                        .label(),
                },
            };
            Ok(Entry { key, value: r.clone() })
        })
        .collect()
}

/// A metric's value in one result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// A number (booleans count as 0 and 1).
    Number(f64),
    /// Present but null: serde writes NaN and infinities as null, and unmeasured values are null.
    Null,
    /// Not in this result.
    Missing,
}

impl Metric {
    /// The number, if there is one.
    pub fn number(self) -> Option<f64> {
        match self {
            Metric::Number(x) => Some(x),
            _ => None,
        }
    }

    /// Why there is no number, for messages.
    pub fn why_not(self) -> &'static str {
        match self {
            Metric::Number(_) => "",
            Metric::Null => "null (NaN or not measured)",
            Metric::Missing => "missing",
        }
    }
}

/// The value at a dotted path, if the path exists.
pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The metric at `path`; an error when the path holds something that is not a number.
pub fn metric(v: &Value, path: &str) -> Result<Metric, String> {
    match get(v, path) {
        None => Ok(Metric::Missing),
        Some(Value::Null) => Ok(Metric::Null),
        Some(Value::Number(n)) => Ok(n.as_f64().map_or(Metric::Null, Metric::Number)),
        Some(Value::Bool(b)) => Ok(Metric::Number(f64::from(u8::from(*b)))),
        Some(Value::Object(o)) => Err(format!(
            "`{path}` is a group of metrics, not a number; name one of: {}",
            o.keys().map(|k| format!("{path}.{k}")).collect::<Vec<_>>().join(", ")
        )),
        Some(Value::String(s)) => Err(format!("`{path}` is text (\"{s}\"), not a number")),
        Some(Value::Array(_)) => Err(format!("`{path}` is a list, not a number")),
    }
}

/// The numeric (or null) leaves of a result as dotted paths: what assertions can name.
pub fn metric_paths(v: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(c, &p, out);
                }
            }
            Value::Number(_) | Value::Null | Value::Bool(_) => out.push(prefix.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out.sort();
    out
}

/// Metric paths found in any of `entries`, in first-seen order.
pub fn all_metric_paths(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        for p in metric_paths(&e.value) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Policy labels in first-seen order.
pub fn policy_labels(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        let l = e.key.policy_label();
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_and_kinds() {
        let v = json!({"hit_ratio": 0.5, "lat": {"p99": 3, "p50": null}, "method": "simulation", "ok": true});
        assert_eq!(metric(&v, "hit_ratio"), Ok(Metric::Number(0.5)));
        assert_eq!(metric(&v, "lat.p99"), Ok(Metric::Number(3.0)));
        assert_eq!(metric(&v, "lat.p50"), Ok(Metric::Null));
        assert_eq!(metric(&v, "lat.p999"), Ok(Metric::Missing));
        assert_eq!(metric(&v, "ok"), Ok(Metric::Number(1.0)));
        assert!(metric(&v, "lat").unwrap_err().contains("lat.p99"));
        assert!(metric(&v, "method").is_err());
        assert_eq!(metric_paths(&v), ["hit_ratio", "lat.p50", "lat.p99", "ok"]);
    }

    #[test]
    fn params_compare_as_sets() {
        assert!(same_params("small=0.1,ghost=0.9", "ghost=0.9, small=0.1"));
        assert!(!same_params("bits=2", ""));
    }
}
