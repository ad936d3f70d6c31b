//! Issue 12, the planner and the checker at the edges: engine workloads in sweep/plan/check
//! (item 3), what plan counts as backend load (4), one cost-optimal answer (5), baselines that
//! are not summaries (11), repeated policies and sizes (19), flag forms and output formats (20),
//! assertions checked before the run (22).

use crate::support::cachesim;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Runs and returns (exit code, stdout, stderr).
fn exec(args: &[&str]) -> (i32, String, String) {
    let out = cachesim().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, so, se) = exec(args);
    assert_eq!(code, 0, "cachesim {args:?} failed: {se}");
    so
}

fn input_error(args: &[&str], mention: &str) -> String {
    let (code, _, se) = exec(args);
    assert_eq!(code, 2, "cachesim {args:?} should be an input error, got {code}: {se}");
    assert!(
        se.contains(mention),
        "cachesim {args:?}: stderr should mention `{mention}`: {se}"
    );
    se
}

/// A small engine workload: reads and writes (write-through writes the backend), backend latency,
/// cache latency; a few seconds of simulated traffic that runs in well under a second.
const ENGINE: &str = r#"
name = "edge-engine"
seed = 7

[workload]
duration = "3s"
keys = 2000
read_ratio = 0.8
popularity = { dist = "zipf", alpha = 0.9 }
arrival = { process = "poisson", rate = 2000 }
size = { dist = "fixed", value = "1KiB" }

[pattern]
read = "cache-aside"
write = "write-through"

[backend]
read_latency = { dist = "lognormal", median = "2ms", p99 = "20ms" }
write_latency = { dist = "lognormal", median = "1ms", p99 = "10ms" }
concurrency = 16

[cache_latency]
get = "100us"
set = "100us"

[cache]
policies = ["lru", "fifo"]
sizes = ["64KiB", "256KiB"]
"#;

/// A small plain workload with times.
const PLAIN: &str = r#"
name = "edge-plain"
seed = 3

[workload]
requests = 20000
keys = 2000
popularity = { dist = "zipf", alpha = 0.9 }
arrival = { process = "poisson", rate = 1000 }
size = { dist = "fixed", value = "4KiB" }

[cache]
policies = ["lru", "fifo"]
sizes = ["256KiB", "1MiB"]
"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

// ---- item 3: engine workloads are never silently turned into plain replays ----

#[test]
fn sweep_on_an_engine_workload_equals_run_byte_for_byte() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "engine.toml", ENGINE);
    let run = ok(&["run", &w, "-p", "lru,fifo", "-s", "64KiB,256KiB", "-f", "json", "-q"]);
    let sweep = ok(&["sweep", &w, "-p", "lru,fifo", "-s", "64KiB,256KiB", "-f", "json", "-q"]);
    assert_eq!(run, sweep);
    let v: Value = serde_json::from_str(&sweep).unwrap();
    // Engine results: latency and backend columns included.
    for r in v["results"].as_array().unwrap() {
        assert!(r["read_latency_ms"]["p99"].is_number(), "{r}");
        assert!(r["backend"]["reads"].is_number(), "{r}");
        assert_eq!(r["method"], "simulation");
    }
}

#[test]
fn sweep_sampling_on_an_engine_workload_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "engine.toml", ENGINE);
    input_error(&["sweep", &w, "--shards-rate", "0.1", "-q"], "--shards-rate");
    input_error(&["sweep", &w, "--shards-samples", "100", "-q"], "--shards-samples");
}

#[test]
fn plan_on_an_engine_workload_uses_the_engine() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "engine.toml", ENGINE);
    let plan: Value = serde_json::from_str(&ok(&[
        "plan",
        &w,
        "-p",
        "lru",
        "--target-hit-ratio",
        "0.5",
        "-f",
        "json",
    ]))
    .unwrap();
    let pp = &plan["policies"][0];
    let size = pp["size"].as_u64().expect("0.5 is reachable");
    let run: Value = serde_json::from_str(&ok(&[
        "run",
        &w,
        "-p",
        "lru",
        "-s",
        &size.to_string(),
        "-f",
        "json",
        "-q",
    ]))
    .unwrap();
    let r = &run["results"][0];
    assert_eq!(pp["at"]["hit_ratio"], r["hit_ratio"]);
    assert_eq!(pp["at"]["backend"], r["backend"]);
    // Backend reads per second are the engine's backend reads over simulated time; its writes
    // (write-through) are reported beside them.
    let secs = r["duration_s"].as_f64().unwrap();
    let reads = r["backend"]["reads"].as_f64().unwrap() / secs;
    let writes = r["backend"]["writes"].as_f64().unwrap() / secs;
    assert!((pp["backend_read_rps"].as_f64().unwrap() - reads).abs() < 1e-9 * reads.max(1.0));
    assert!((pp["backend_write_rps"].as_f64().unwrap() - writes).abs() < 1e-9 * writes.max(1.0));
    assert!(writes > 0.0);
}

// ---- item 4: plan's backend load is backend reads ----

/// Six requests over 5 seconds, sizes 100: read k1 (miss), write k1, write k2 (a write miss),
/// read k2, read k3 (miss), read k1. In a cache of all three objects the reads miss twice (k1 at
/// 0 s, k3 at 4 s): 2 backend reads / 5 s = 0.4/s. In any smaller LRU or FIFO cache k1 is evicted
/// by k3 and its read at 5 s misses too: 0.6/s; below 100 bytes nothing fits: 0.8/s. Counting the write miss, as plan did, gives 0.6/s even
/// at full size.
const TINY: &str =
    "time,key,size,op\n0,1,100,read\n1,1,100,write\n2,2,100,write\n3,2,100,read\n4,3,100,read\n5,1,100,read\n";

#[test]
fn plan_backend_reads_are_read_misses_over_time() {
    let d = tempfile::tempdir().unwrap();
    let t = write(d.path(), "tiny.csv", TINY);
    for p in ["lru", "fifo"] {
        let v: Value = serde_json::from_str(&ok(&[
            "plan",
            "-t",
            &t,
            "-p",
            p,
            "--max-backend-rps",
            "0.5",
            "-f",
            "json",
        ]))
        .unwrap();
        let pp = &v["policies"][0];
        assert_eq!(pp["size"], 300, "{p}: {pp}");
        assert!(
            (pp["backend_read_rps"].as_f64().unwrap() - 0.4).abs() < 1e-12,
            "{p}: {pp}"
        );
        // A plain replay has no backend writes.
        assert!(pp["backend_write_rps"].is_null());
        assert_eq!(v["targets"]["max_backend_read_rps"], 0.5);
        // Every smaller size evaluated has the third read miss.
        for e in pp["evaluated"].as_array().unwrap() {
            // Below 100 bytes nothing fits: all four reads miss.
            let want = match e["size"].as_u64().unwrap() {
                300.. => 0.4,
                100.. => 0.6,
                _ => 0.8,
            };
            assert!(
                (e["backend_read_rps"].as_f64().unwrap() - want).abs() < 1e-12,
                "{p}: {e}"
            );
        }
    }
}

#[test]
fn plan_help_and_table_name_what_is_counted() {
    let help = ok(&["plan", "--help"]);
    assert!(!help.contains("read hit ratio"), "{help}");
    assert!(help.contains("backend reads per second"), "{help}");
    let d = tempfile::tempdir().unwrap();
    let t = write(d.path(), "tiny.csv", TINY);
    let table = ok(&["plan", "-t", &t, "-p", "lru", "--max-backend-rps", "0.5"]);
    assert!(
        table.contains("backend reads/s") && table.contains("backend writes/s"),
        "{table}"
    );
}

// ---- item 5: one cost-optimal answer ----

fn cost(e: &Value, mem: f64, backend: f64) -> f64 {
    let gib = e["size"].as_f64().unwrap() / (1u64 << 30) as f64;
    let rps = e["backend_read_rps"].as_f64().unwrap();
    mem * gib + backend * rps * 30.0 * 86_400.0 / 1e6
}

#[test]
fn plan_cost_mode_states_one_answer_everywhere() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "plain.toml", PLAIN);
    let out = d.path().join("out");
    let (mem, backend) = (20_000.0, 0.05);
    let table = ok(&[
        "plan",
        &w,
        "-p",
        "lru,fifo",
        "--memory-cost-per-gib-month",
        "20000",
        "--backend-cost-per-million-reads",
        "0.05",
        "-o",
        out.to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(
        !table.contains("smallest cache"),
        "no target, so no 'smallest cache' answer: {table}"
    );
    for pp in json["policies"].as_array().unwrap() {
        let name = pp["policy"].as_str().unwrap();
        let evaluated = pp["evaluated"].as_array().unwrap();
        assert!(evaluated.len() >= 16, "{name}: {}", evaluated.len());
        // The argmin of the cost recomputed from the JSON's numbers (first of equal costs).
        let mut best = &evaluated[0];
        for e in evaluated {
            assert!((e["cost_per_month"].as_f64().unwrap() - cost(e, mem, backend)).abs() < 1e-9);
            if cost(e, mem, backend) < cost(best, mem, backend) {
                best = e;
            }
        }
        let size = pp["cost_optimal"]["size"].as_u64().unwrap();
        assert_eq!(size, best["size"].as_u64().unwrap(), "{name}");
        assert!(
            size > evaluated[0]["size"].as_u64().unwrap(),
            "{name}: an interior optimum for these prices"
        );
        assert_eq!(
            pp["at"]["cache_size"].as_u64().unwrap(),
            size,
            "{name}: the result shown is at that size"
        );
        let shown = cachesim::model::units::Bytes(size).to_string();
        // Stated once per policy in the sentences, and in the table row.
        let sentence: Vec<&str> = table.lines().filter(|l| l.starts_with(&format!("{name}:"))).collect();
        assert_eq!(sentence.len(), 1, "{table}");
        assert!(sentence[0].contains(&format!("is {shown} at")), "{table}");
        let row = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name) && !l.contains(':'))
            .unwrap();
        assert!(row.split_whitespace().any(|c| c == shown), "{row}");
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells.iter().filter(|c| c.ends_with("B")).count(),
            1,
            "one size in the row: {row}"
        );
        // Markdown holds the same text.
        assert!(md.contains(sentence[0]), "{md}");
        assert!(md.contains(row), "{md}");
    }
}

#[test]
fn plan_cost_with_a_target_picks_among_sizes_that_meet_it() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "plain.toml", PLAIN);
    let v: Value = serde_json::from_str(&ok(&[
        "plan",
        &w,
        "-p",
        "lru",
        "--target-hit-ratio",
        "0.5",
        "--memory-cost-per-gib-month",
        "20000",
        "--backend-cost-per-million-reads",
        "0.05",
        "-f",
        "json",
    ]))
    .unwrap();
    let pp = &v["policies"][0];
    let smallest = pp["size"].as_u64().unwrap();
    let opt = pp["cost_optimal"]["size"].as_u64().unwrap();
    assert!(opt >= smallest);
    let min = pp["evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["meets_targets"] == true)
        .map(|e| cost(e, 20_000.0, 0.05))
        .fold(f64::INFINITY, f64::min);
    assert!((pp["cost_optimal"]["cost_per_month"].as_f64().unwrap() - min).abs() < 1e-9);
}

// ---- item 11: --update-baseline overwrites only baselines ----

#[test]
fn update_baseline_refuses_to_overwrite_a_workload_file() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "plain.toml", PLAIN);
    let before = std::fs::read(&w).unwrap();
    let se = input_error(
        &[
            "check",
            &w,
            "--baseline",
            &w,
            "--update-baseline",
            "--assert",
            "hit_ratio >= 0",
            "-q",
        ],
        "refusing to overwrite",
    );
    assert!(se.contains("summary.json"), "{se}");
    assert_eq!(std::fs::read(&w).unwrap(), before);
    // Any other non-summary (valid JSON included) is refused too.
    let other = write(d.path(), "other.json", "{\"results\": [], \"x\": 1}\n");
    input_error(
        &["check", &w, "--baseline", &other, "--update-baseline", "-q"],
        "refusing to overwrite",
    );
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "{\"results\": [], \"x\": 1}\n"
    );
}

#[test]
fn update_baseline_writes_a_new_file_and_rewrites_a_summary() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "plain.toml", PLAIN);
    let b = d.path().join("base").join("summary.json");
    let b = b.to_str().unwrap();
    ok(&["check", &w, "--baseline", b, "--update-baseline", "-q"]);
    let first = std::fs::read(b).unwrap();
    ok(&["check", &w, "--baseline", b, "--update-baseline", "-q"]);
    assert_eq!(std::fs::read(b).unwrap(), first);
    ok(&["check", &w, "--baseline", b, "-q"]);
}

// ---- item 19: repeated policies and sizes run once ----

#[test]
fn repeated_policies_and_sizes_run_once_with_a_note() {
    let t = repo("traces/sample.csv");
    let t = t.to_str().unwrap();
    for cmd in ["run", "sweep"] {
        let (code, so, se) = exec(&[
            cmd,
            "-t",
            t,
            "-p",
            "lru,LRU,clock,clock:bits=1,fifo",
            "-s",
            "1MiB,1048576",
            "-f",
            "json",
        ]);
        assert_eq!(code, 0, "{se}");
        let v: Value = serde_json::from_str(&so).unwrap();
        let rows: Vec<(String, u64)> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["policy"].as_str().unwrap().to_string(),
                    r["cache_size"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("lru".to_string(), 1 << 20),
                ("clock".to_string(), 1 << 20),
                ("fifo".to_string(), 1 << 20)
            ],
            "{cmd}"
        );
        assert!(se.contains("note: lru given twice; run once"), "{se}");
        assert!(se.contains("note: clock given twice; run once"), "{se}");
        assert!(se.contains("note: size 1048576 is the same as 1MiB; run once"), "{se}");
    }
    let all = ok(&["run", "-t", t, "-p", "all", "-s", "1MiB", "-f", "csv", "-q"]);
    let all_lru = ok(&["run", "-t", t, "-p", "all,lru", "-s", "1MiB", "-f", "csv", "-q"]);
    assert_eq!(all, all_lru);
    // Different parameters are different policies.
    let v: Value = serde_json::from_str(&ok(&[
        "run",
        "-t",
        t,
        "-p",
        "clock,clock:bits=2",
        "-s",
        "1MiB",
        "-f",
        "json",
        "-q",
    ]))
    .unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
}

#[test]
fn repeated_policies_in_plan_and_check_run_once() {
    let t = repo("traces/sample.csv");
    let t = t.to_str().unwrap();
    let v: Value = serde_json::from_str(&ok(&[
        "plan",
        "-t",
        t,
        "-p",
        "fifo,FIFO",
        "--target-hit-ratio",
        "0.3",
        "-f",
        "json",
        "-q",
    ]))
    .unwrap();
    assert_eq!(v["policies"].as_array().unwrap().len(), 1);
    let v: Value = serde_json::from_str(&ok(&[
        "check",
        "-t",
        t,
        "-p",
        "lru,lru",
        "-s",
        "1MiB",
        "--assert",
        "hit_ratio >= 0",
        "-f",
        "json",
        "-q",
    ]))
    .unwrap();
    assert_eq!(v["checks"].as_array().unwrap().len(), 1, "{v}");
}

// ---- item 20: flag forms and formats ----

#[test]
fn plan_target_hit_ratio_takes_a_percentage() {
    let t = repo("traces/sample.csv");
    let t = t.to_str().unwrap();
    let a = ok(&["plan", "-t", t, "-p", "fifo", "--target-hit-ratio", "30%", "-f", "json"]);
    let b = ok(&["plan", "-t", t, "-p", "fifo", "--target-hit-ratio", "0.3", "-f", "json"]);
    assert_eq!(a, b);
    for bad in ["0", "0%", "1.5", "150%", "-0.2", "abc", "nan"] {
        input_error(
            &["plan", "-t", t, &format!("--target-hit-ratio={bad}")],
            "--target-hit-ratio",
        );
    }
}

#[test]
fn plan_refuses_sizes() {
    let t = repo("traces/sample.csv");
    input_error(
        &[
            "plan",
            "-t",
            t.to_str().unwrap(),
            "-s",
            "1MiB",
            "--target-hit-ratio",
            "0.3",
        ],
        "--sizes",
    );
}

#[test]
fn csv_format_prints_csv_or_is_refused() {
    let t = repo("traces/sample.csv");
    let t = t.to_str().unwrap();
    for cmd in ["run", "sweep"] {
        let out = ok(&[cmd, "-t", t, "-p", "lru", "-s", "1MiB", "-f", "csv", "-q"]);
        assert!(out.starts_with("policy,"), "{cmd}: {out}");
        assert_eq!(out.lines().count(), 2, "{cmd}: {out}");
    }
    let out = ok(&[
        "plan",
        "-t",
        t,
        "-p",
        "lru,fifo",
        "--target-hit-ratio",
        "0.3",
        "-f",
        "csv",
    ]);
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let header = rows.headers().unwrap().clone();
    assert_eq!(&header[0], "policy");
    assert!(header.iter().any(|h| h == "backend_read_rps"));
    assert_eq!(rows.records().count(), 2);
    input_error(&["check", "-t", t, "--assert", "hit_ratio > 0", "-f", "csv"], "csv");
    input_error(&["analyze", t, "-f", "csv"], "csv");
    let out = ok(&["policies", "-f", "csv"]);
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        ["name", "aliases", "summary", "params", "kind"]
    );
    let json: Value = serde_json::from_str(&ok(&["policies", "-f", "json"])).unwrap();
    let recs: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    // The CSV lists the eviction policies (`kind` eviction), then the admission policies, as the
    // JSON's two lists.
    let list: Vec<(&str, &str)> = json["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), "eviction"))
        .chain(
            json["admission"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["name"].as_str().unwrap(), "admission")),
        )
        .collect();
    assert_eq!(recs.len(), list.len());
    for (r, (name, kind)) in recs.iter().zip(&list) {
        assert_eq!((&r[0], &r[4]), (*name, *kind));
    }
}

#[test]
fn policies_help_names_the_json_key() {
    let help = ok(&["policies", "--help"]);
    assert!(help.contains("key `policies`"), "{help}");
}

// ---- item 22: assertions are checked before the run ----

#[test]
fn a_bad_metric_fails_before_the_run() {
    let d = tempfile::tempdir().unwrap();
    let w = write(d.path(), "plain.toml", PLAIN);
    let out = d.path().join("out");
    let o = out.to_str().unwrap();
    let se = input_error(
        &["check", &w, "--assert", "hit_ratoi >= 0.5", "-o", o],
        "unknown metric `hit_ratoi`",
    );
    assert!(se.contains("hit_ratio"), "lists the metrics: {se}");
    // Nothing was simulated: no summary written.
    assert!(!out.join("summary.json").exists());
    // The same from the workload's [check] section.
    let w2 = write(
        d.path(),
        "plain2.toml",
        &format!("{PLAIN}\n[check]\nassert = [\"fifo.mis_ratio < 1\"]\n"),
    );
    input_error(&["check", &w2, "-o", o], "unknown metric `mis_ratio`");
    assert!(!out.join("summary.json").exists());
    // A policy or a size this run does not have.
    input_error(
        &["check", &w, "--assert", "s3fifo.hit_ratio > 0", "-o", o],
        "no result for policy `s3fifo`",
    );
    input_error(
        &["check", &w, "--assert", "lru@2MiB.hit_ratio > 0", "-o", o],
        "not run at size 2MiB",
    );
    assert!(!out.join("summary.json").exists());
}

#[test]
fn engine_metrics_are_known_exactly_before_the_run() {
    let d = tempfile::tempdir().unwrap();
    let plain = write(d.path(), "plain.toml", PLAIN);
    let engine = write(d.path(), "engine.toml", ENGINE);
    let out = d.path().join("out");
    let o = out.to_str().unwrap();
    // Engine-only metrics on a plain workload: refused early.
    input_error(
        &["check", &plain, "--assert", "read_latency_ms.p99 < 10", "-o", o],
        "unknown metric",
    );
    assert!(!out.join("summary.json").exists());
    // write_behind exists only with the write-behind pattern.
    input_error(
        &["check", &engine, "--assert", "write_behind.lost_writes == 0", "-o", o],
        "unknown metric",
    );
    assert!(!out.join("summary.json").exists());
    // Every metric the engine run really produces is accepted, and nothing else: the early
    // template has exactly the run's metric paths.
    let v: Value = serde_json::from_str(&ok(&["run", &engine, "-f", "json", "-q"])).unwrap();
    let real = cachesim::check::metrics::metric_paths(&v["results"][0]);
    let cli = <cachesim::cli::Cli as clap::Parser>::parse_from(["cachesim", "run", &engine]);
    let cachesim::cli::Command::Run(a) = cli.command else {
        unreachable!()
    };
    let cfg = cachesim::config::RunConfig::from_args(&a).unwrap();
    let entries = cachesim::check::early::template_entries(&cfg);
    assert_eq!(cachesim::check::metrics::metric_paths(&entries[0].value), real);
    let v: Value = serde_json::from_str(&ok(&["run", &plain, "-f", "json", "-q"])).unwrap();
    let real = cachesim::check::metrics::metric_paths(&v["results"][0]);
    let cli = <cachesim::cli::Cli as clap::Parser>::parse_from(["cachesim", "run", &plain]);
    let cachesim::cli::Command::Run(a) = cli.command else {
        unreachable!()
    };
    let cfg = cachesim::config::RunConfig::from_args(&a).unwrap();
    assert_eq!(
        cachesim::check::metrics::metric_paths(&cachesim::check::early::template_entries(&cfg)[0].value),
        real
    );
    // And a correct engine assertion runs.
    ok(&["check", &engine, "--assert", "lru@64KiB.read_latency_ms.p99 >= 0", "-q"]);
}
