//! Warnings for policies that read the simulated clock. A text trace has no timestamps, so every
//! request happens at time 0: `redis-lru` then sees every key equally idle and evicts at random,
//! `redis-lfu` never decays its counters, `ttl` never sees anything expire. And `redis-lru`'s
//! 24-bit LRU clock wraps after 2^24 ticks of its `resolution`, after which idle times are
//! misjudged. Neither is an error (the run is what Redis would do with such a clock), but both
//! silently change what the numbers mean, so the run says so on stderr, once per process.

use crate::policy::redis_lru::LRU_CLOCK_MAX;

/// The largest value of redis-lfu's 16-bit minute clock.
const LFU_CLOCK_MAX: u64 = (1 << 16) - 1;
use crate::model::units::{format_duration, format_duration_up, parse_duration};
use crate::policy::PolicySpec;
use crate::source::Source;
use crate::trace::BATCH;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Requests, first and last time of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Requests read.
    pub requests: u64,
    /// Earliest time, ns.
    pub first: u64,
    /// Latest time, ns.
    pub last: u64,
}

/// The warnings for running `policies` on a stream spanning `span` (pure; the caller prints).
pub fn warnings(policies: &[PolicySpec], span: Span) -> Vec<String> {
    let mut out = Vec::new();
    let mut clocked: Vec<String> = Vec::new();
    for p in policies.iter().filter(|p| p.info.caps.reads_clock) {
        if !clocked.contains(&p.label()) {
            clocked.push(p.label());
        }
    }
    if clocked.is_empty() || span.requests < 2 {
        return out;
    }
    if span.first == span.last {
        out.push(format!(
            "warning: {} read the simulated clock, but every request of this stream has the same timestamp ({}s; a text trace has none): redis-lru then evicts at random, redis-lfu never decays, TTLs never pass. Use a trace with a time column (CSV --time-col, oracleGeneral) or a workload with arrivals",
            clocked.join(", "),
            span.first as f64 / 1e9
        ));
        return out;
    }
    let len = span.last - span.first;
    let mut seen = Vec::new();
    for p in policies.iter().filter(|p| p.info.name == "redis-lru") {
        let Ok(raw) = p.params.get::<String>("resolution", ("a duration", |_| true)) else {
            continue;
        };
        let Ok(res) = parse_duration(&raw) else { continue };
        if res == 0 || seen.contains(&res) {
            continue;
        }
        seen.push(res);
        let ticks = span.last / res - span.first / res;
        if ticks > LRU_CLOCK_MAX {
            // Any resolution r with len / r <= LRU_CLOCK_MAX - 1 keeps the tick count within the
            // 24-bit clock (floor differences add at most one tick).
            let finest = len.div_ceil(LRU_CLOCK_MAX - 1);
            out.push(format!(
                "warning: {}: the 24-bit LRU clock at resolution {} wraps every {} of simulated time, within this stream's {} of requests, so keys idle longer than that look recently used; the finest resolution that does not wrap here is {} (e.g. {}:resolution={})",
                p.label(),
                format_duration(res),
                format_duration((LRU_CLOCK_MAX + 1).saturating_mul(res)),
                format_duration(len),
                format_duration(finest),
                p.info.name,
                format_duration_up(finest),
            ));
        }
    }
    // redis-lfu's 16-bit minute clock (`LFUTimeElapsed` unwraps once), fixed by Redis, not a parameter.
    if let Some(p) = policies.iter().find(|p| p.info.name == "redis-lfu") {
        let minute = 60 * 1_000_000_000u64;
        let ticks = span.last / minute - span.first / minute;
        if ticks > LFU_CLOCK_MAX {
            out.push(format!(
                "warning: {}: Redis's 16-bit LFU minute clock wraps every {} of simulated time, within this stream's {} of requests, so keys idle longer than that decay as if idle for the remainder only (as in Redis)",
                p.label(),
                format_duration((LFU_CLOCK_MAX + 1) * minute),
                format_duration(len),
            ));
        }
    }
    out
}

/// The first and last time of `source` in one streaming pass; `None` if it cannot be read (the
/// run itself then reports why). With `full` false it stops at the second distinct time.
pub fn span(source: &Source, full: bool) -> Option<Span> {
    let mut r = source.open_without_next_access(None).ok()?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut s = Span {
        requests: 0,
        first: u64::MAX,
        last: 0,
    };
    while r.read_batch(&mut batch).ok()? {
        for q in &batch {
            s.requests += 1;
            s.first = s.first.min(q.time);
            s.last = s.last.max(q.time);
        }
        if !full && s.requests > 0 && s.first != s.last {
            break;
        }
    }
    Some(s)
}

static WARNED: AtomicBool = AtomicBool::new(false);
static SPAN: Mutex<Option<Span>> = Mutex::new(None);

/// Prints the warnings for running `policies` on `source`, once per process (`sweep` and `plan`
/// run several grids on one source). Costs one pass over the source, only when a clock-reading
/// policy is among `policies` (a full pass only for `redis-lru` and `redis-lfu`, whose wraps need
/// the span).
pub fn warn_once(source: &Source, policies: &[PolicySpec]) {
    if WARNED.load(Ordering::Relaxed) || !policies.iter().any(|p| p.info.caps.reads_clock) {
        return;
    }
    let full = policies
        .iter()
        .any(|p| matches!(p.info.name, "redis-lru" | "redis-lfu"));
    let mut cached = SPAN.lock().unwrap_or_else(|e| e.into_inner());
    let s = match *cached {
        Some(s) => s,
        None => {
            let Some(s) = span(source, full) else { return };
            if full {
                *cached = Some(s);
            }
            s
        }
    };
    let w = warnings(policies, s);
    if !w.is_empty() && !WARNED.swap(true, Ordering::Relaxed) {
        for line in w {
            eprintln!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(s: &str) -> Vec<PolicySpec> {
        s.split(' ').map(|p| PolicySpec::parse(p).unwrap()).collect()
    }

    #[test]
    fn equal_timestamps_warn_for_clock_policies_only() {
        let flat = Span {
            requests: 10,
            first: 0,
            last: 0,
        };
        assert!(warnings(&specs("lru s3fifo"), flat).is_empty());
        let w = warnings(&specs("lru redis-lru redis-lfu redis-lru"), flat);
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("warning: redis-lru, redis-lfu read"), "{w:?}");
        let timed = Span {
            last: 5_000_000_000,
            ..flat
        };
        assert!(warnings(&specs("redis-lru redis-lfu ttl"), timed).is_empty());
    }

    /// 2^24 ticks of 1 ms are 4.66 h: a 5 h span wraps at 1 ms, not at the default 1 s; the
    /// suggested resolution is the first that does not.
    #[test]
    fn wrap_is_found_with_the_finest_safe_resolution() {
        let span = Span {
            requests: 2,
            first: 0,
            last: 5 * 3600 * 1_000_000_000,
        };
        assert!(warnings(&specs("redis-lru"), span).is_empty());
        let w = warnings(&specs("redis-lru:resolution=1ms"), span);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("5h") || w[0].contains("18000s"), "{}", w[0]);
        let finest = (span.last).div_ceil(LRU_CLOCK_MAX - 1);
        assert!(w[0].contains(&format_duration(finest)), "{}", w[0]);
        assert!(span.last / finest <= LRU_CLOCK_MAX);
        assert!(span.last / (finest * 99 / 100) > LRU_CLOCK_MAX);
    }

    /// 65,536 minutes are 45.5 days: a 45-day stream does not wrap redis-lfu's clock, a 46-day one
    /// does (and only redis-lfu warns).
    #[test]
    fn lfu_minute_clock_wrap_warns() {
        let day = 86_400 * 1_000_000_000u64;
        let short = Span {
            requests: 2,
            first: 0,
            last: 45 * day,
        };
        assert!(warnings(&specs("redis-lfu redis-lru"), short).is_empty());
        let long = Span {
            last: 46 * day,
            ..short
        };
        let w = warnings(&specs("redis-lfu lru"), long);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("warning: redis-lfu: Redis's 16-bit LFU minute clock wraps"),
            "{}",
            w[0]
        );
    }
}
