//! Alerts: each result is checked against thresholds (`[alerts]` in the workload file, defaults
//! below), and the alerts it raises travel with it: `alerts` (how many) and `alerts_raised` (which,
//! with the value and the threshold) in JSON and CSV, one compact column in the table, one line per
//! result in report.md, and `check --assert 'alerts == 0'`. A threshold of 0 turns its alert off.

use crate::model::metrics::AlertHit;
use crate::model::result::RunResult;
use crate::schema::file::AlertsSection;

/// The thresholds; `None` is off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alerts {
    /// Hit ratio below.
    pub hit_ratio_below: Option<f64>,
    /// p95 above, ms.
    pub p95_above_ms: Option<f64>,
    /// Evictions above this share of requests.
    pub evictions_above: Option<f64>,
    /// Peak memory above this share of capacity.
    pub memory_above: Option<f64>,
    /// Failed requests above this share of requests.
    pub error_ratio_above: Option<f64>,
    /// Stale reads above this share of reads.
    pub stale_ratio_above: Option<f64>,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            hit_ratio_below: Some(0.70),
            p95_above_ms: Some(10.0),
            evictions_above: Some(0.10),
            memory_above: Some(0.80),
            error_ratio_above: Some(0.01),
            stale_ratio_above: None,
        }
    }
}

/// 0 is off; else the value.
fn on(v: f64) -> Option<f64> {
    (v > 0.0).then_some(v)
}

impl Alerts {
    /// The thresholds of a workload's `[alerts]` (defaults where it says nothing).
    pub fn from_section(s: Option<&AlertsSection>) -> Self {
        let d = Alerts::default();
        let Some(s) = s else { return d };
        Alerts {
            hit_ratio_below: s.hit_ratio_below.map_or(d.hit_ratio_below, |v| on(v.0)),
            p95_above_ms: s.p95_above.map_or(d.p95_above_ms, |v| on(v.0 as f64 / 1e6)),
            evictions_above: s.evictions_above.map_or(d.evictions_above, |v| on(v.0)),
            memory_above: s.memory_above.map_or(d.memory_above, |v| on(v.0)),
            error_ratio_above: s.error_ratio_above.map_or(d.error_ratio_above, |v| on(v.0)),
            stale_ratio_above: s.stale_ratio_above.and_then(|v| on(v.0)),
        }
    }

    /// The alerts `r` raises. Offline policies (Belady's optimum) are the bound the others are
    /// measured against, not a choice: they raise none. A metric a result does not have (latency
    /// in a plain replay, memory of an estimate) raises nothing.
    pub fn raised(&self, r: &RunResult) -> Vec<AlertHit> {
        let mut out = Vec::new();
        if r.requests == 0 || crate::policy::info(&r.policy).is_some_and(|i| i.caps.needs_future) {
            return out;
        }
        let mut push = |alert: &str, value: f64, threshold: f64, what: Option<&str>| {
            out.push(AlertHit {
                alert: alert.to_string(),
                value,
                threshold,
                of: what.map(str::to_string),
            })
        };
        if let Some(t) = self.hit_ratio_below.filter(|&t| r.hit_ratio < t) {
            push("hit_ratio_below", r.hit_ratio, t, None);
        }
        if let Some(t) = self.p95_above_ms {
            let (l, of) = match (&r.cache_latency_ms, &r.read_latency_ms) {
                (Some(c), _) => (Some(c.p95), "cache"),
                (None, Some(rl)) => (Some(rl.p95), "read"),
                _ => (None, ""),
            };
            if let Some(v) = l.filter(|&v| v > t) {
                push("p95_above", v, t, Some(of));
            }
        }
        let req = r.requests as f64;
        if let (Some(t), Some(ev)) = (self.evictions_above, r.evictions) {
            if ev as f64 / req > t {
                push("evictions_above", ev as f64 / req, t, None);
            }
        }
        if let (Some(t), Some(m)) = (self.memory_above, r.memory_peak_ratio) {
            if m > t {
                push("memory_above", m, t, None);
            }
        }
        if let (Some(t), Some(e)) = (self.error_ratio_above, r.errors) {
            if e as f64 / req > t {
                push("error_ratio_above", e as f64 / req, t, None);
            }
        }
        if let (Some(t), Some(s)) = (self.stale_ratio_above, r.stale_reads) {
            let reads = r.requests.saturating_sub(r.writes.unwrap_or(0));
            if reads > 0 && s as f64 / reads as f64 > t {
                push("stale_ratio_above", s as f64 / reads as f64, t, None);
            }
        }
        out
    }

    /// Sets each result's `alerts` and `alerts_raised`.
    pub fn apply(&self, results: &mut [RunResult]) {
        for r in results {
            let hits = self.raised(r);
            r.alerts = Some(hits.len() as u32);
            r.alerts_raised = Some(hits);
        }
    }

    /// The thresholds in force, for a report: `hit ratio < 70%, p95 > 10 ms, ...`.
    pub fn describe(&self) -> String {
        let pct = |v: f64| format!("{}%", trim(v * 100.0));
        let mut parts = Vec::new();
        if let Some(t) = self.hit_ratio_below {
            parts.push(format!("hit ratio < {}", pct(t)));
        }
        if let Some(t) = self.p95_above_ms {
            parts.push(format!("p95 > {} ms", trim(t)));
        }
        if let Some(t) = self.evictions_above {
            parts.push(format!("evictions > {} of requests", pct(t)));
        }
        if let Some(t) = self.memory_above {
            parts.push(format!("peak memory > {} of capacity", pct(t)));
        }
        if let Some(t) = self.error_ratio_above {
            parts.push(format!("errors > {} of requests", pct(t)));
        }
        if let Some(t) = self.stale_ratio_above {
            parts.push(format!("stale reads > {} of reads", pct(t)));
        }
        if parts.is_empty() {
            "none (every alert is off)".into()
        } else {
            parts.join(", ")
        }
    }
}

/// A number without trailing zeros: 70, 0.5, 12.25.
fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One alert, compact: `hit 38.7%<70%`, `p95(cache) 12.3ms>10ms`, `evict 60.0%>10%`.
pub fn compact(h: &AlertHit) -> String {
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let th = |v: f64| format!("{}%", trim(v * 100.0));
    match h.alert.as_str() {
        "hit_ratio_below" => format!("hit {}<{}", pct(h.value), th(h.threshold)),
        "p95_above" => format!(
            "p95({}) {:.1}ms>{}ms",
            h.of.as_deref().unwrap_or("read"),
            h.value,
            trim(h.threshold)
        ),
        "evictions_above" => format!("evict {}>{}", pct(h.value), th(h.threshold)),
        "memory_above" => format!("mem {}>{}", pct(h.value), th(h.threshold)),
        "error_ratio_above" => format!("err {}>{}", pct(h.value), th(h.threshold)),
        "stale_ratio_above" => format!("stale {}>{}", pct(h.value), th(h.threshold)),
        other => other.to_string(),
    }
}

/// One alert in words, for report.md.
pub fn sentence(h: &AlertHit) -> String {
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let th = |v: f64| format!("{}%", trim(v * 100.0));
    match h.alert.as_str() {
        "hit_ratio_below" => format!("hit ratio {} is below {}", pct(h.value), th(h.threshold)),
        "p95_above" => format!(
            "{} p95 {:.1} ms is above {} ms",
            if h.of.as_deref() == Some("cache") {
                "cache operation"
            } else {
                "read (end to end)"
            },
            h.value,
            trim(h.threshold)
        ),
        "evictions_above" => format!(
            "evictions are {} of requests (above {}): the cache churns",
            pct(h.value),
            th(h.threshold)
        ),
        "memory_above" => format!(
            "peak memory is {} of capacity (above {})",
            pct(h.value),
            th(h.threshold)
        ),
        "error_ratio_above" => format!("{} of requests failed (above {})", pct(h.value), th(h.threshold)),
        "stale_ratio_above" => format!("{} of reads were stale (above {})", pct(h.value), th(h.threshold)),
        other => other.to_string(),
    }
}
