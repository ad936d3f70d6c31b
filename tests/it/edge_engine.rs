//! Issue 12, engine items: the timeline agrees with the summary (7), warnings for clock-reading
//! policies on flat or too-long clocks (8), a bounded number of timeline intervals (10), and zero
//! where zero means none (14).

use crate::support::cachesim;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `workload` with lru at `size` into a fresh --out directory; returns summary.json's one
/// result and timeline.csv as (header name -> column).
fn run_out(workload: &Path, size: &str) -> (serde_json::Value, HashMap<String, Vec<f64>>) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("o");
    cachesim()
        .args(["run", "-q", "-p", "lru", "-s", size, "--out"])
        .arg(&dir)
        .arg(workload)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let mut rdr = csv::Reader::from_path(dir.join("timeline.csv")).unwrap();
    let names: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let mut cols: HashMap<String, Vec<f64>> = names.iter().map(|n| (n.clone(), Vec::new())).collect();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        for (n, v) in names.iter().zip(rec.iter()) {
            if let Ok(x) = v.parse::<f64>() {
                cols.get_mut(n).unwrap().push(x);
            }
        }
    }
    (s["results"][0].clone(), cols)
}

fn sum(cols: &HashMap<String, Vec<f64>>, name: &str) -> u64 {
    let c = cols
        .get(name)
        .unwrap_or_else(|| panic!("timeline.csv has no column {name}"));
    c.iter().sum::<f64>().round() as u64
}

/// Every count column sums to its summary figure, and both rates times the interval width.
fn check_sums(workload: &Path, size: &str) -> serde_json::Value {
    let (r, cols) = run_out(workload, size);
    // The first interval ends at one interval's width.
    let width_s = cols["time_s"][0];
    let u = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let expect = [
        ("requests", u(&r["requests"])),
        ("hits", u(&r["hits"])),
        ("writes", u(&r["writes"])),
        ("deletes", u(&r["deletes"])),
        ("backend_reads", u(&r["backend"]["reads"])),
        ("backend_writes", u(&r["backend"]["writes"])),
        ("errors", u(&r["errors"])),
        ("stale_reads", u(&r["stale_reads"])),
    ];
    for (name, want) in expect {
        assert_eq!(sum(&cols, name), want, "{}: timeline {name}", workload.display());
    }
    let rate_sum = |name: &str| (cols[name].iter().sum::<f64>() * width_s).round() as u64;
    assert_eq!(rate_sum("requests_per_s"), u(&r["requests"]), "{}", workload.display());
    assert_eq!(
        rate_sum("backend_reads_per_s"),
        u(&r["backend"]["reads"]),
        "{}",
        workload.display()
    );
    r
}

const OUTAGE: &str = r#"
seed = 3
[workload]
duration = "6s"
keys = 2_000
read_ratio = 0.7
delete_ratio = 0.05
popularity = { dist = "zipf", alpha = 0.9 }
arrival = { process = "poisson", rate = 5_000 }
size = { dist = "fixed", value = 100 }
ttl = "1s"
[cache]
ignore_obj_size = true
[pattern]
write = "write-behind"
write_behind = { flush_interval = "500ms", batch_size = 50 }
[backend]
read_latency = { dist = "exponential", mean = "20ms" }
write_latency = { dist = "exponential", mean = "5ms" }
concurrency = 16
timeout = "30ms"
[cache_latency]
get = "200us"
set = "200us"
[faults]
backend_outages = [{ at = "2s", for = "1.5s" }]
cache_restart_at = ["4s"]
"#;

#[test]
fn timeline_sums_to_the_summary_for_shipped_and_faulty_workloads() {
    let stampede = root().join("workloads/stampede.toml");
    check_sums(&stampede, "64MiB");
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&stampede).unwrap();
    for mode in ["coalesce", "stale-while-revalidate", "lock"] {
        let t: String = text
            .lines()
            .map(|l| {
                if l.starts_with("stampede = ") {
                    format!("stampede = \"{mode}\"")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        check_sums(&write(tmp.path(), &format!("{mode}.toml"), &t), "64MiB");
    }
    // An outage with timeouts: reads refused by the backend are errors, not backend reads.
    let w = write(
        tmp.path(),
        "outage.toml",
        &format!("timeline_interval = \"250ms\"\n{OUTAGE}"),
    );
    let r = check_sums(&w, "500");
    assert!(r["errors"].as_u64().unwrap() > 100, "the outage must fail reads: {r}");
    assert!(r["backend"]["writes"].as_u64().unwrap() > 0 && r["deletes"].as_u64().unwrap() > 0);
}

#[test]
fn timeline_interval_is_bounded_before_and_during_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    // Known duration: refused before running; 20 s / 1,000,000 = 20 us.
    let w = write(
        tmp.path(),
        "fine.toml",
        "timeline_interval = \"1ns\"\n[workload]\nduration = \"20s\"\nkeys = 100\narrival = { process = \"poisson\", rate = 100 }\n[cache_latency]\nget = \"1ms\"\n",
    );
    let out = cachesim()
        .args(["run", "-q", "-p", "lru", "-s", "10"])
        .arg(&w)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("fine.toml") && err.contains("timeline_interval"), "{err}");
    assert!(
        err.contains("smallest valid timeline_interval for this run is 20us"),
        "{err}"
    );
    // Known only as it runs (a number of requests): stopped at 1,000,000 intervals.
    let w = write(
        tmp.path(),
        "grow.toml",
        "timeline_interval = \"1us\"\n[workload]\nrequests = 2_000\nkeys = 100\narrival = { process = \"poisson\", rate = 200 }\n[cache_latency]\nget = \"1ms\"\n",
    );
    let out = cachesim()
        .args(["run", "-q", "-p", "lru", "-s", "10"])
        .arg(&w)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("grow.toml") && err.contains("timeline_interval = \"1us\""),
        "{err}"
    );
    assert!(
        err.contains("more than the 1000000 allowed") && err.contains("smallest valid"),
        "{err}"
    );
    // At the bound it runs: 20 s at 20 us is exactly 1,000,000 intervals.
    let w = write(
        tmp.path(),
        "edge.toml",
        "timeline_interval = \"20ms\"\n[workload]\nduration = \"20s\"\nkeys = 100\narrival = { process = \"poisson\", rate = 100 }\n[cache_latency]\nget = \"1ms\"\n",
    );
    cachesim()
        .args(["run", "-q", "-p", "lru", "-s", "10"])
        .arg(&w)
        .assert()
        .success();
}

const BASE: &str = "seed = 9\n[workload]\nrequests = 20_000\nkeys = 1_000\nread_ratio = 0.8\npopularity = { dist = \"zipf\", alpha = 0.8 }\narrival = { process = \"poisson\", rate = 1_000 }\n[cache]\nignore_obj_size = true\n";

fn json(w: &Path) -> serde_json::Value {
    let out = cachesim()
        .args(["run", "-q", "-f", "json", "-p", "lru", "-s", "100"])
        .arg(w)
        .assert()
        .success();
    let mut v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    v["source"] = serde_json::Value::Null;
    v
}

#[test]
fn zero_means_none_where_none_is_meaningful() {
    let tmp = tempfile::tempdir().unwrap();
    let omitted = write(tmp.path(), "a.toml", &format!("{BASE}[pattern]\n"));
    let zero = write(
        tmp.path(),
        "b.toml",
        &format!("{BASE}[backend]\nread_latency = {{ dist = \"constant\", value = \"0ms\" }}\nwrite_latency = {{ dist = \"exponential\", mean = \"0s\" }}\n[cache_latency]\nget = \"0us\"\nset = \"0s\"\n[faults]\ncache_restart_at = [\"0s\"]\n"),
    );
    assert_eq!(json(&omitted), json(&zero));
    for (extra, field) in [
        ("[backend]\ntimeout = \"0s\"\n", "backend.timeout"),
        (
            "[pattern]\nwrite = \"write-behind\"\nwrite_behind = { flush_interval = \"0s\" }\n",
            "flush_interval",
        ),
        (
            "[faults]\nbackend_outages = [{ at = \"1s\", for = \"0ms\" }]\n",
            "for =",
        ),
    ] {
        let w = write(tmp.path(), "bad.toml", &format!("{BASE}{extra}"));
        let out = cachesim()
            .args(["run", "-q", "-p", "lru", "-s", "10"])
            .arg(&w)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            err.contains("bad.toml") && err.contains(field) && err.contains("zero"),
            "{extra}: {err}"
        );
    }
    let w = write(
        tmp.path(),
        "bad.toml",
        &BASE.replace(
            "arrival = { process = \"poisson\", rate = 1_000 }",
            "arrival = { process = \"bursty\", rate = 100, rate_between = 1, mean_burst = \"0s\", mean_gap = \"1s\" }",
        ),
    );
    let out = cachesim()
        .args(["run", "-q", "-p", "lru", "-s", "10"])
        .arg(&w)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("mean_burst") && err.contains("zero"), "{err}");
    let w = write(
        tmp.path(),
        "bad.toml",
        &format!("timeline_interval = \"0s\"\n{BASE}[pattern]\n"),
    );
    let out = cachesim()
        .args(["run", "-q", "-p", "lru", "-s", "10"])
        .arg(&w)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("timeline_interval") && err.contains("zero"), "{err}");
}

fn stderr_of(args: &[&str], trace: &Path) -> String {
    let out = cachesim().args(args).arg("-t").arg(trace).assert().success();
    String::from_utf8_lossy(&out.get_output().stderr).to_string()
}

#[test]
fn clock_policies_warn_on_flat_or_wrapping_clocks() {
    let tmp = tempfile::tempdir().unwrap();
    let keys: String = (0..200).map(|i| format!("{}\n", i % 37)).collect();
    let text = write(tmp.path(), "t.txt", &keys);
    let err = stderr_of(&["run", "-q", "-p", "redis-lru,lru", "-s", "10"], &text);
    assert!(
        err.contains("warning: redis-lru read the simulated clock") && err.contains("same timestamp"),
        "{err}"
    );
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    let err = stderr_of(&["run", "-q", "-p", "lru,s3fifo", "-s", "10"], &text);
    assert!(!err.contains("warning"), "{err}");
    // Timestamped over 5 hours: no flat-clock warning; 1 ms wraps (2^24 ms = 4.66 h), 1 s does not.
    let rows: String = (0..200).map(|i| format!("{},{},100\n", i * 90, i % 37)).collect();
    let csv = write(tmp.path(), "t.csv", &format!("time,key,size\n{rows}"));
    let err = stderr_of(&["run", "-q", "-p", "redis-lru,redis-lfu,ttl", "-s", "1000"], &csv);
    assert!(!err.contains("warning"), "{err}");
    let err = stderr_of(&["run", "-q", "-p", "redis-lru:resolution=1ms", "-s", "1000"], &csv);
    assert!(
        err.contains("wraps") && err.contains("17910s") && err.contains("resolution 1ms"),
        "{err}"
    );
}
