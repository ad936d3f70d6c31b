//! The engine's workload-file sections (`[pattern]`, `[backend]`, `[cache_latency]`, `[faults]`)
//! and their checked form, [`EngineConfig`]. Single values are checked while they are read (so
//! errors carry the line); rules that involve several fields are checked in
//! [`EngineConfig::from_file`] and name the fields.

use super::latency::Latency;
use crate::error::input_error;
use crate::schema::engine::{ReadPattern, Stampede, WriteBehindSection, WritePattern};
use crate::schema::file::WorkloadFile;
use anyhow::Result;
use std::path::Path;

/// Write-behind flushing, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteBehind {
    /// ns between flushes.
    pub flush_interval: u64,
    /// Keys per batch and the dirty count that triggers a flush.
    pub batch_size: u64,
}

/// A backend outage, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Outage {
    /// When it starts, ns.
    pub start: u64,
    /// When the backend is back, ns.
    pub end: u64,
}

/// A cluster node's failure, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeFailure {
    /// When it fails, ns.
    pub start: u64,
    /// The node.
    pub node: u32,
    /// When it is back (empty), ns; `None`: never.
    pub end: Option<u64>,
}

/// A circuit breaker, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Breaker {
    /// Opens when the share of failed operations in the window reaches this (0 < ratio <= 1).
    pub ratio: f64,
    /// The window, ns.
    pub window: u64,
    /// How long it stays open, ns.
    pub open_for: u64,
    /// Operations the window needs before it may open.
    pub min_ops: u64,
}

/// The remote cache tier as the client sees it (the cluster's tier, or the single cache): node
/// queueing, replicas, node failures, outages, timeout, errors and breaker.
#[derive(Clone, Debug, PartialEq)]
pub struct Remote {
    /// Time a node spends on one operation.
    pub service: Latency,
    /// Operations a node serves at once.
    pub concurrency: u32,
    /// Read replicas per node.
    pub replicas: u32,
    /// How much later a replica applies a change, ns.
    pub replica_lag: u64,
    /// Which copies serve reads.
    pub read_from: crate::schema::topology::ReadFrom,
    /// Node failures, by start.
    pub failures: Vec<NodeFailure>,
    /// Windows in which the tier is unreachable, by start.
    pub outages: Vec<Outage>,
    /// A cache operation not answered this long after it was sent fails, ns.
    pub timeout: Option<u64>,
    /// A failed cache operation fails its request (else: a miss, read from the backend).
    pub fail: bool,
    /// The circuit breaker.
    pub breaker: Option<Breaker>,
}

/// The checked engine configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineConfig {
    /// Read pattern.
    pub read: ReadPattern,
    /// Write pattern.
    pub write: WritePattern,
    /// Stampede protection.
    pub stampede: Stampede,
    /// refresh-ahead fraction of the TTL.
    pub refresh_ahead: f64,
    /// xfetch beta.
    pub xfetch_beta: f64,
    /// lock sleep, ns.
    pub lock_wait: u64,
    /// lock retries.
    pub lock_retries: u32,
    /// Write-behind flushing (set iff the write pattern is write-behind).
    pub write_behind: Option<WriteBehind>,
    /// Stale window in ns for stale-while-revalidate (`None`: each key's TTL).
    pub stale_window: Option<u64>,
    /// Backend read service time.
    pub read_latency: Latency,
    /// Backend write service time.
    pub write_latency: Latency,
    /// Backend servers (`None`: unlimited).
    pub concurrency: Option<u64>,
    /// Backend timeout, ns.
    pub timeout: Option<u64>,
    /// Cache get latency, ns.
    pub get_latency: u64,
    /// Cache set/delete latency, ns.
    pub set_latency: u64,
    /// Cold restarts, ns.
    pub restarts: Vec<u64>,
    /// Crash time, ns.
    pub crash_at: Option<u64>,
    /// Backend outages, by start.
    pub outages: Vec<Outage>,
    /// Time-series interval, ns.
    pub timeline_interval: u64,
    /// The workload file, for errors found while running.
    pub file: String,
    /// The cluster, client and cache faults (`None`: none of them).
    pub remote: Option<Remote>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            read: ReadPattern::CacheAside,
            write: WritePattern::Invalidate,
            stampede: Stampede::None,
            refresh_ahead: 0.8,
            xfetch_beta: 1.0,
            lock_wait: 50_000_000,
            lock_retries: 5,
            write_behind: None,
            stale_window: None,
            read_latency: Latency::Zero,
            write_latency: Latency::Zero,
            concurrency: None,
            timeout: None,
            get_latency: 0,
            set_latency: 0,
            restarts: Vec::new(),
            crash_at: None,
            outages: Vec::new(),
            timeline_interval: 1_000_000_000,
            file: String::new(),
            remote: None,
        }
    }
}

/// The most points a timeline may have: a million intervals is plenty for any chart, and bounds
/// the memory of a run (and the size of timeline.csv) whatever the interval and the run's length.
pub const MAX_TIMELINE_POINTS: u64 = 1_000_000;

/// The error for a `timeline_interval` too fine for a run of `points` intervals over `span` ns,
/// whose smallest valid interval is `smallest` ns.
pub fn timeline_too_fine(file: &str, interval: u64, points: u64, span: u64, smallest: u64) -> anyhow::Error {
    input_error(format!(
        "{file}: timeline_interval = \"{}\" would make {points} timeline intervals over this run's {} of simulated time, more than the {MAX_TIMELINE_POINTS} allowed; the smallest valid timeline_interval for this run is {} (e.g. timeline_interval = \"{}\")",
        crate::model::units::format_duration(interval),
        crate::model::units::format_duration(span),
        crate::model::units::format_duration(smallest),
        crate::model::units::format_duration_up(smallest),
    ))
}

fn secs(ns: u64) -> String {
    format!("{}s", ns as f64 / 1e9)
}

/// The simulated length of a synthetic workload, when it is known before running.
fn planned_duration(f: &WorkloadFile) -> Option<u64> {
    let w = &f.workload;
    if w.trace.is_some() {
        return None;
    }
    match &w.phases {
        Some(ps) => ps.iter().map(|p| p.duration.map(|d| d.0)).sum(),
        None => w.duration.map(|d| d.0),
    }
}

impl EngineConfig {
    /// The engine configuration of a workload file: `None` when it has no engine section (a plain
    /// replay). Errors name the file and the field.
    pub fn from_file(f: &WorkloadFile, path: &Path) -> Result<Option<EngineConfig>> {
        if !f.pattern.as_ref().is_some_and(|p| p.selects_engine())
            && f.backend.is_none()
            && f.cache_latency.is_none()
            && f.faults.is_none()
            && f.client.is_none()
        {
            if let Some(c) = &f.cluster {
                if c.node_service.is_some()
                    || c.node_concurrency.is_some()
                    || c.replicas.is_some()
                    || c.replica_lag.is_some()
                    || c.read_from.is_some()
                {
                    return Err(input_error(format!(
                        "{}: cluster.node_service, node_concurrency, replicas, replica_lag and read_from apply on the discrete-event engine (plain replay has no time); add a [backend] section (e.g. read_latency = \"5ms\"), or remove them",
                        path.display()
                    )));
                }
            }
            if f.timeline_interval.is_some() {
                return Err(input_error(format!(
                    "{}: timeline_interval applies to the discrete-event engine; add a [pattern], [backend], [cache_latency] or [faults] section, or remove it",
                    path.display()
                )));
            }
            return Ok(None);
        }
        let file = path.display();
        let bad = |msg: String| input_error(format!("{file}: {msg}"));
        let p = f.pattern.clone().unwrap_or_default();
        let (read, write, stampede) = (
            p.read.unwrap_or_default(),
            p.write.unwrap_or_default(),
            p.stampede.unwrap_or_default(),
        );
        let b = f.backend.clone().unwrap_or_default();
        let c = f.cache_latency.clone().unwrap_or_default();
        let faults = f.faults.clone().unwrap_or_default();
        let mut cfg = EngineConfig {
            read,
            write,
            stampede,
            ..Default::default()
        };
        if let Some(r) = p.refresh_ahead {
            if read != ReadPattern::RefreshAhead {
                return Err(bad(
                    "pattern.refresh_ahead applies only with read = \"refresh-ahead\"".into()
                ));
            }
            cfg.refresh_ahead = r.0;
        }
        if let Some(beta) = p.xfetch_beta {
            if stampede != Stampede::Xfetch {
                return Err(bad("pattern.xfetch_beta applies only with stampede = \"xfetch\"".into()));
            }
            cfg.xfetch_beta = beta.0;
        }
        if p.lock_wait.is_some() || p.lock_retries.is_some() {
            if stampede != Stampede::Lock {
                return Err(bad(
                    "pattern.lock_wait and pattern.lock_retries apply only with stampede = \"lock\"".into(),
                ));
            }
            cfg.lock_wait = p.lock_wait.map_or(cfg.lock_wait, |d| d.0);
            cfg.lock_retries = p.lock_retries.unwrap_or(cfg.lock_retries);
        }
        if let Some(w) = p.stale_window {
            if stampede != Stampede::StaleWhileRevalidate {
                return Err(bad(
                    "pattern.stale_window applies only with stampede = \"stale-while-revalidate\"".into(),
                ));
            }
            cfg.stale_window = Some(w.0);
        }
        match (&p.write_behind, write) {
            (Some(_), w) if w != WritePattern::WriteBehind => {
                return Err(bad(
                    "pattern.write_behind settings apply only with write = \"write-behind\"".into(),
                ))
            }
            (wb, WritePattern::WriteBehind) => {
                let wb = wb.clone().unwrap_or(WriteBehindSection {
                    flush_interval: None,
                    batch_size: None,
                });
                cfg.write_behind = Some(WriteBehind {
                    flush_interval: wb.flush_interval.map_or(5_000_000_000, |d| d.0),
                    batch_size: wb.batch_size.map_or(100, |n| n.0),
                });
            }
            _ => {}
        }
        cfg.read_latency = Latency::compile(b.read_latency.as_ref(), "backend.read_latency").map_err(bad)?;
        cfg.write_latency = Latency::compile(b.write_latency.as_ref(), "backend.write_latency").map_err(bad)?;
        cfg.concurrency = b.concurrency.map(|n| n.0);
        if b.timeout.is_some_and(|d| d.0 == 0) {
            return Err(bad(
                "backend.timeout is zero, which would fail every backend request; give a duration greater than zero, or omit timeout for none".into(),
            ));
        }
        cfg.timeout = b.timeout.map(|d| d.0);
        cfg.get_latency = c.get.map_or(0, |d| d.0);
        cfg.set_latency = c.set.map_or(0, |d| d.0);
        cfg.restarts = faults.cache_restart_at.iter().map(|d| d.0).collect();
        cfg.restarts.sort_unstable();
        cfg.crash_at = faults.crash_at.map(|d| d.0);
        cfg.outages = faults
            .backend_outages
            .iter()
            .map(|o| Outage {
                start: o.at.0,
                end: o.at.0.saturating_add(o.length.0),
            })
            .collect();
        cfg.outages.sort_unstable();
        if let Some(d) = planned_duration(f) {
            if let Some(c) = cfg.crash_at.filter(|c| *c >= d) {
                return Err(bad(format!(
                    "faults.crash_at ({}) is at or after the end of the workload ({}); the crash would never happen",
                    secs(c),
                    secs(d)
                )));
            }
        }
        cfg.remote = remote(f, &faults, &bad)?;
        cfg.timeline_interval = f.timeline_interval.map_or(cfg.timeline_interval, |d| d.0);
        cfg.file = file.to_string();
        // A workload of known duration has ceil(duration / interval) intervals; others are
        // bounded as the run goes (see the engine's loop).
        if let Some(d) = planned_duration(f) {
            let points = d.div_ceil(cfg.timeline_interval);
            if points > MAX_TIMELINE_POINTS {
                let smallest = d.div_ceil(MAX_TIMELINE_POINTS);
                return Err(timeline_too_fine(&cfg.file, cfg.timeline_interval, points, d, smallest));
            }
        }
        Ok(Some(cfg))
    }

    /// True when nothing takes time and nothing is scheduled: the engine can run every request
    /// to completion as it arrives, with no event queue.
    pub fn is_instant(&self) -> bool {
        self.read_latency.is_zero()
            && self.write_latency.is_zero()
            && self.get_latency == 0
            && self.set_latency == 0
            && self.write_behind.is_none()
            && self.read != ReadPattern::RefreshAhead
            && !matches!(self.stampede, Stampede::Xfetch | Stampede::StaleWhileRevalidate)
            && self.restarts.is_empty()
            && self.crash_at.is_none()
            && self.outages.is_empty()
            && self.remote.is_none()
    }
}

/// Checks `[cluster]`'s engine settings, `[client]`, `faults.node_failures` and
/// `faults.cache_outages`: `None` when the file uses none of them.
fn remote(
    f: &WorkloadFile,
    faults: &crate::schema::engine::FaultsSection,
    bad: &dyn Fn(String) -> anyhow::Error,
) -> Result<Option<Remote>> {
    use crate::schema::topology::ReadFrom;
    if f.cluster.is_none() && f.client.is_none() && faults.cache_outages.is_empty() && faults.node_failures.is_empty() {
        return Ok(None);
    }
    let client = f.client.clone().unwrap_or_default();
    let mut r = Remote {
        service: Latency::Zero,
        concurrency: 1,
        replicas: 0,
        replica_lag: 0,
        read_from: ReadFrom::Primary,
        failures: Vec::new(),
        outages: Vec::new(),
        timeout: None,
        fail: client.on_cache_error == crate::schema::engine::OnCacheError::Fail,
        breaker: None,
    };
    let nodes = f.cluster.as_ref().map_or(0, |c| c.nodes.0);
    if let Some(c) = &f.cluster {
        r.service = Latency::compile(c.node_service.as_ref().map(|v| &v.0), "cluster.node_service").map_err(bad)?;
        if let Some(n) = c.node_concurrency {
            if n.0 > 65_536 {
                return Err(bad(format!(
                    "cluster.node_concurrency = {}: give 1 to 65536 operations served at once per node (Redis: 1)",
                    n.0
                )));
            }
            r.concurrency = n.0 as u32;
        }
        let replicas = c.replicas.unwrap_or(0);
        if replicas > 64 {
            return Err(bad(format!(
                "cluster.replicas = {replicas}: give 0 to 64 read replicas per node"
            )));
        }
        r.replicas = replicas as u32;
        r.read_from = c.read_from.unwrap_or_default();
        if r.read_from == ReadFrom::Replicas && replicas == 0 {
            return Err(bad(
                "cluster.read_from = \"replicas\" with replicas = 0: there is no replica to read from; give replicas = 1 or more, or read_from = \"primary\"".into(),
            ));
        }
        if c.replica_lag.is_some() && replicas == 0 {
            return Err(bad(
                "cluster.replica_lag applies with replicas = 1 or more; remove it".into()
            ));
        }
        r.replica_lag = c.replica_lag.map_or(0, |d| d.0);
    }
    if !faults.node_failures.is_empty() && f.cluster.is_none() {
        return Err(bad(
            "faults.node_failures: a node failure needs a [cluster] (nodes, hashing); for the single cache use faults.cache_outages or faults.crash_at".into(),
        ));
    }
    for (i, nf) in faults.node_failures.iter().enumerate() {
        if nf.node >= nodes {
            return Err(bad(format!(
                "faults.node_failures[{i}].node = {}: the cluster has {nodes} node{} (0 to {}); give a node that exists",
                nf.node,
                if nodes == 1 { "" } else { "s" },
                nodes - 1
            )));
        }
        if nf.length.is_some_and(|d| d.0 == 0) {
            return Err(bad(format!(
                "faults.node_failures[{i}].for is zero; give how long the node stays down, or omit it for good"
            )));
        }
        r.failures.push(NodeFailure {
            start: nf.at.0,
            node: nf.node as u32,
            end: nf.length.map(|d| nf.at.0.saturating_add(d.0)),
        });
    }
    let mut by_node = r.failures.clone();
    by_node.sort_unstable_by_key(|x| (x.node, x.start));
    for w in by_node.windows(2) {
        if w[0].node == w[1].node && w[0].end.is_none_or(|e| e > w[1].start) {
            return Err(bad(format!(
                "faults.node_failures: node {} fails at {} while still down from its failure at {}; give failures of one node that do not overlap",
                w[0].node,
                secs(w[1].start),
                secs(w[0].start)
            )));
        }
    }
    r.failures.sort_unstable();
    r.outages = faults
        .cache_outages
        .iter()
        .map(|o| Outage {
            start: o.at.0,
            end: o.at.0.saturating_add(o.length.0),
        })
        .collect();
    r.outages.sort_unstable();
    if client.timeout.is_some_and(|d| d.0 == 0) {
        return Err(bad(
            "client.timeout is zero, which would fail every cache operation; give a duration greater than zero, or omit it for none".into(),
        ));
    }
    r.timeout = client.timeout.map(|d| d.0);
    if let Some(b) = &client.circuit_breaker {
        if !(b.error_ratio > 0.0 && b.error_ratio <= 1.0) {
            return Err(bad(format!(
                "client.circuit_breaker.error_ratio = {}: give the share of failed operations that opens the breaker, greater than 0 and at most 1",
                b.error_ratio
            )));
        }
        if b.window.0 == 0 || b.open_for.0 == 0 {
            return Err(bad(
                "client.circuit_breaker: window and open_for must be greater than zero".into(),
            ));
        }
        r.breaker = Some(Breaker {
            ratio: b.error_ratio,
            window: b.window.0,
            open_for: b.open_for.0,
            min_ops: b.min_ops.map_or(10, |n| n.0),
        });
    }
    Ok(Some(r))
}

/// Rules between the engine's sections and a multi-level cache: the tiers' latencies and the
/// coherence delay compile; a file with `[[tier]]` gives each tier its latency (not
/// `[cache_latency]`); the settings that act on one cache's entries (refresh-ahead, xfetch,
/// stale-while-revalidate, write-behind) need a single tier.
pub fn check_topology(
    cfg: &EngineConfig,
    topo: &crate::topology::Topology,
    f: &WorkloadFile,
    path: &Path,
) -> Result<()> {
    let bad = |msg: String| input_error(format!("{}: {msg}", path.display()));
    for t in &topo.tiers {
        Latency::compile(t.latency.as_ref(), &format!("tier \"{}\": latency", t.name)).map_err(bad)?;
    }
    Latency::compile(topo.coherence.delay.as_ref(), "coherence.delay").map_err(bad)?;
    if topo.explicit && f.cache_latency.is_some() {
        return Err(bad(
            "[cache_latency] is the latency of a single cache; with [[tier]] give each tier its latency (latency = \"500us\") and remove [cache_latency]".into(),
        ));
    }
    if topo.cluster.is_some() && cfg.write == WritePattern::WriteBehind {
        return Err(bad(
            "pattern.write = \"write-behind\" with a [cluster] is not built yet (its dirty entries live in one cache); use write-through or invalidate, or remove [cluster]".into(),
        ));
    }
    if topo.tiers.len() > 1 {
        let one = if cfg.read == ReadPattern::RefreshAhead {
            Some("pattern.read = \"refresh-ahead\"")
        } else if cfg.stampede == Stampede::Xfetch {
            Some("pattern.stampede = \"xfetch\"")
        } else if cfg.stampede == Stampede::StaleWhileRevalidate {
            Some("pattern.stampede = \"stale-while-revalidate\"")
        } else if cfg.write == WritePattern::WriteBehind {
            Some("pattern.write = \"write-behind\"")
        } else {
            None
        };
        if let Some(what) = one {
            return Err(bad(format!(
                "{what} acts on one cache's entries and is not modelled across several tiers; use one [[tier]], or another pattern (cache-aside, read-through; invalidate, write-through, write-around; lock or coalesce)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(extra: &str) -> String {
        let text = format!("[workload]\nduration = \"20s\"\nkeys = 5\n{extra}");
        let r = crate::schema::parse(&text, Path::new("w.toml"))
            .and_then(|f| EngineConfig::from_file(&f, Path::new("w.toml")));
        match r {
            Ok(c) => panic!("accepted:\n{text}\n{c:?}"),
            Err(e) => format!("{e:#}"),
        }
    }

    fn ok(extra: &str) -> Option<EngineConfig> {
        let text = format!("[workload]\nduration = \"20s\"\nkeys = 5\n{extra}");
        let f = crate::schema::parse(&text, Path::new("w.toml")).unwrap();
        EngineConfig::from_file(&f, Path::new("w.toml")).unwrap()
    }

    #[test]
    fn plain_workloads_have_no_engine() {
        assert!(ok("").is_none());
        let c = ok("[pattern]\nwrite = \"write-behind\"\n").unwrap();
        assert_eq!(
            c.write_behind,
            Some(WriteBehind {
                flush_interval: 5_000_000_000,
                batch_size: 100
            })
        );
        let c = ok("[backend]\nread_latency = { dist = \"lognormal\", median = \"5ms\", p99 = \"50ms\" }\nconcurrency = 8\n[cache_latency]\nget = \"200us\"\n").unwrap();
        assert_eq!(c.concurrency, Some(8));
        assert_eq!(c.get_latency, 200_000);
        assert!(!c.is_instant());
        assert!(ok("[pattern]\n").unwrap().is_instant());
    }

    /// Zero is "none" for latencies, delays and points in time: accepted, and the same
    /// configuration as leaving the field out.
    #[test]
    fn zero_latencies_and_delays_are_none() {
        let c = ok("[backend]\nread_latency = { dist = \"constant\", value = \"0s\" }\nwrite_latency = { dist = \"exponential\", mean = \"0ms\" }\n[cache_latency]\nget = \"0us\"\nset = 0\n").unwrap();
        assert_eq!(c, ok("[backend]\n").unwrap());
        assert!(c.is_instant());
        let c = ok("[backend]\nread_latency = { dist = \"uniform\", min = \"0ms\", max = \"0ms\" }\n").unwrap();
        assert_eq!(c.read_latency, Latency::Zero);
        let c = ok("[backend]\nread_latency = { dist = \"uniform\", min = \"0ms\", max = \"2ms\" }\n").unwrap();
        assert_eq!(c.read_latency, Latency::Uniform { min: 0, max: 2_000_000 });
        let c = ok("[pattern]\nstampede = \"lock\"\nlock_wait = \"0ms\"\n").unwrap();
        assert_eq!(c.lock_wait, 0);
        let c = ok("[pattern]\nstampede = \"stale-while-revalidate\"\nstale_window = \"0s\"\n").unwrap();
        assert_eq!(c.stale_window, Some(0));
        let c = ok("[faults]\ncrash_at = \"0s\"\ncache_restart_at = [\"0s\"]\nbackend_outages = [{ at = \"0s\", for = \"1s\" }]\n").unwrap();
        assert_eq!(
            (c.crash_at, c.restarts, c.outages),
            (
                Some(0),
                vec![0],
                vec![Outage {
                    start: 0,
                    end: 1_000_000_000
                }]
            )
        );
    }

    #[test]
    fn bad_values_name_the_field_and_line() {
        let e = err("[backend]\nconcurrency = 0\n");
        assert!(e.contains("line 5") && e.contains("greater than 0"), "{e}");
        let e = err("[backend]\ntimeout = \"0ms\"\n");
        assert!(e.contains("backend.timeout is zero"), "{e}");
        let e = err("[backend]\nread_latency = { dist = \"lognormal\", median = \"0ms\", p99 = \"5ms\" }\n");
        assert!(e.contains("line 5") && e.contains("zero"), "{e}");
        let e = err("[pattern]\nwrite = \"write-behind\"\nwrite_behind = { flush_interval = \"0s\" }\n");
        assert!(e.contains("line 6") && e.contains("zero"), "{e}");
        let e = err("[faults]\nbackend_outages = [{ at = \"1s\", for = \"0s\" }]\n");
        assert!(e.contains("line 5") && e.contains("zero"), "{e}");
        let e = err("[backend]\nread_latency = { dist = \"exponential\", mean = \"-5ms\" }\n");
        assert!(e.contains("line 5"), "{e}");
        let e = err("[backend]\nread_latency = { dist = \"lognormal\", median = \"5ms\", p99 = \"1ms\" }\n");
        assert!(e.contains("backend.read_latency") && e.contains("p99"), "{e}");
        let e = err("[backend]\nread_latency = { dist = \"gamma\", mean = \"5ms\" }\n");
        assert!(e.contains("gamma") && e.contains("lognormal"), "{e}");
        let e = err("[pattern]\nstampede = \"locks\"\n");
        assert!(e.contains("locks") && e.contains("coalesce"), "{e}");
        let e = err("[pattern]\nread = \"refresh-ahead\"\nrefresh_ahead = 1.2\n");
        assert!(e.contains("line 6") && e.contains("strictly between 0 and 1"), "{e}");
        let e = err("[pattern]\nrefresh_ahead = 0.5\n");
        assert!(e.contains("pattern.refresh_ahead"), "{e}");
        let e = err("[pattern]\nxfetch_beta = 2.0\n");
        assert!(e.contains("pattern.xfetch_beta"), "{e}");
        let e = err("[pattern]\nwrite_behind = { flush_interval = \"1s\" }\n");
        assert!(e.contains("pattern.write_behind"), "{e}");
        let e = err("[pattern]\nlock_retries = 3\n");
        assert!(e.contains("lock_retries"), "{e}");
        let e = err("[faults]\ncrash_at = \"30s\"\n");
        assert!(e.contains("faults.crash_at"), "{e}");
        let e = err("[pattern]\nbogus = 1\n");
        assert!(e.contains("bogus"), "{e}");
    }
}
