//! End-to-end tests of the `cachesim` binary: output contract, formats, determinism, errors.

use crate::support::cachesim;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("traces").join(name)
}

fn run_json(args: &[&str]) -> Value {
    let out = cachesim()
        .arg("run")
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cachesim run {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (policy, cache_size, hits, misses) of every result.
fn counts(v: &Value) -> Vec<(String, u64, u64, u64)> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["policy"].as_str().unwrap().to_string(),
                r["cache_size"].as_u64().unwrap(),
                r["hits"].as_u64().unwrap(),
                r["misses"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn json_contract() {
    let t = sample("sample.oracleGeneral.bin");
    let v = run_json(&[
        "--trace",
        t.to_str().unwrap(),
        "--policies",
        "lru,CLOCK,opt",
        "--sizes",
        "1MiB,4MiB,5%",
    ]);
    let rs = v["results"].as_array().unwrap();
    assert_eq!(rs.len(), 9);
    for r in rs {
        for k in [
            "policy",
            "cache_size",
            "size_unit",
            "requests",
            "hits",
            "misses",
            "miss_ratio",
            "byte_miss_ratio",
        ] {
            assert!(r.get(k).is_some(), "missing {k} in {r}");
        }
        let (req, h, m) = (
            r["requests"].as_u64().unwrap(),
            r["hits"].as_u64().unwrap(),
            r["misses"].as_u64().unwrap(),
        );
        assert_eq!(h + m, req);
        assert_eq!(req, 100_000);
        assert!((r["miss_ratio"].as_f64().unwrap() - m as f64 / req as f64).abs() < 1e-12);
        assert_eq!(r["size_unit"], "bytes");
    }
    assert_eq!(rs[0]["policy"], "lru");
    assert_eq!(rs[3]["policy"], "clock");
    assert_eq!(rs[6]["policy"], "belady");
    assert_eq!(rs[0]["cache_size"], 1 << 20);
    // 5% of the working set, measured by the pre-pass.
    let ws = v["source"]["working_set_bytes"].as_u64().unwrap();
    assert_eq!(rs[2]["cache_size"].as_u64().unwrap(), (ws as f64 * 0.05).round() as u64);
    // Belady never misses more than LRU or CLOCK at the same size.
    for i in 0..3 {
        assert!(rs[6 + i]["misses"].as_u64() <= rs[i]["misses"].as_u64());
        assert!(rs[6 + i]["misses"].as_u64() <= rs[3 + i]["misses"].as_u64());
    }
}

#[test]
fn out_dir_files_match_stdout_and_jobs_do_not_change_results() {
    let t = sample("sample.oracleGeneral.bin");
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--trace",
        t.to_str().unwrap(),
        "--policies",
        "all",
        "--sizes",
        "512KiB,2MiB,8MiB",
    ];
    let one = cachesim()
        .arg("run")
        .args(args)
        .args(["--jobs", "1", "-q", "--format", "json", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(one.status.success());
    let file = std::fs::read(dir.path().join("summary.json")).unwrap();
    assert_eq!(file, one.stdout, "summary.json equals --format json output");
    let two = cachesim()
        .arg("run")
        .args(args)
        .args(["--jobs", "2", "-q", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(one.stdout, two.stdout, "results independent of --jobs");
    let csv = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for col in [
        "policy",
        "cache_size",
        "size_unit",
        "requests",
        "hits",
        "misses",
        "miss_ratio",
        "byte_miss_ratio",
    ] {
        assert!(header.split(',').any(|c| c == col), "summary.csv lacks {col}: {header}");
    }
    let v: Value = serde_json::from_slice(&file).unwrap();
    assert_eq!(csv.lines().count() - 1, v["results"].as_array().unwrap().len());
}

#[test]
fn table_output_is_readable() {
    let t = sample("sample.oracleGeneral.bin");
    let out = cachesim()
        .args(["run", "-q", "--trace", t.to_str().unwrap(), "-p", "lru", "-s", "2MiB"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("policy") && s.contains("miss ratio") && s.contains("lru") && s.contains("2MiB"),
        "{s}"
    );
}

#[test]
fn formats_agree_on_the_same_requests() {
    // The CSV and text samples hold the same requests as the oracleGeneral sample.
    let bin = sample("sample.oracleGeneral.bin");
    let csv = sample("sample.csv");
    let txt = sample("sample.txt");
    let args = |t: &Path| {
        vec![
            "--trace".to_string(),
            t.display().to_string(),
            "-p".into(),
            "lru,sieve,belady".into(),
            "-s".into(),
            "1MiB,6MiB".into(),
        ]
    };
    let a = run_json(&args(&bin).iter().map(String::as_str).collect::<Vec<_>>());
    let b = run_json(&args(&csv).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        counts(&a),
        counts(&b),
        "CSV (with belady's next-access pre-pass) equals oracleGeneral"
    );
    let obj = |t: &Path| {
        run_json(&[
            "--trace",
            t.to_str().unwrap(),
            "-p",
            "lru,fifo,belady",
            "-s",
            "100,1000",
            "--ignore-obj-size",
        ])
    };
    let a = obj(&bin);
    assert_eq!(counts(&a), counts(&obj(&txt)), "text equals oracleGeneral in objects");
    assert_eq!(a["results"][0]["size_unit"], "objects");

    // zstd-compressed oracleGeneral.
    let dir = tempfile::tempdir().unwrap();
    let zst = dir.path().join("sample.oracleGeneral.bin.zst");
    let raw = std::fs::read(&bin).unwrap();
    std::fs::write(&zst, zstd::encode_all(&raw[..], 3).unwrap()).unwrap();
    assert_eq!(counts(&obj(&zst)), counts(&a));
}

#[test]
fn trace_format_override() {
    // A text trace with a misleading extension is guessed as oracleGeneral and fails; --trace-format fixes it.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("keys.bin");
    std::fs::write(&p, "1\n2\n1\n3\n1\n").unwrap();
    cachesim()
        .args(["run", "-q", "--trace"])
        .arg(&p)
        .args(["-p", "lru", "-s", "2"])
        .assert()
        .code(2);
    let v = run_json(&[
        "--trace",
        p.to_str().unwrap(),
        "--trace-format",
        "txt",
        "-p",
        "lru",
        "-s",
        "2",
        "--ignore-obj-size",
    ]);
    assert_eq!(counts(&v), vec![("lru".to_string(), 2, 2, 3)]);
}

#[test]
fn shared_cloudphysics_csv_reads_without_options() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/cloudPhysicsIO.csv");
    if !p.exists() {
        eprintln!("SKIPPED: ../shared/traces/cloudPhysicsIO.csv not found");
        return;
    }
    let v = run_json(&[
        "--trace",
        p.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "1000",
        "--ignore-obj-size",
    ]);
    assert_eq!(v["results"][0]["requests"], 113_872);
    // The same request order as the oracleGeneral version, so object-mode LRU agrees with it.
    let bin = p.with_file_name("cloudPhysicsIO.oracleGeneral.bin");
    let w = run_json(&[
        "--trace",
        bin.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "1000",
        "--ignore-obj-size",
    ]);
    assert_eq!(counts(&v), counts(&w));
    // Naming the key column explicitly (the one option) gives the same.
    let x = run_json(&[
        "--trace",
        p.to_str().unwrap(),
        "--key-col",
        "lbn",
        "-p",
        "lru",
        "-s",
        "1000",
        "--ignore-obj-size",
    ]);
    assert_eq!(counts(&v), counts(&x));
}

fn fails_with(args: &[&str], code: i32, needles: &[&str]) {
    let out = cachesim().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed a result despite failing");
    for n in needles {
        assert!(err.contains(n), "{args:?}: stderr lacks `{n}`:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let t = sample("sample.oracleGeneral.bin");
    let ts = t.to_str().unwrap();

    let trunc = dir.path().join("cut.oracleGeneral.bin");
    let mut raw = std::fs::read(&t).unwrap();
    raw.truncate(24 * 5000 + 10);
    std::fs::write(&trunc, raw).unwrap();
    fails_with(
        &[
            "run",
            "-q",
            "--trace",
            trunc.to_str().unwrap(),
            "-p",
            "lru",
            "-s",
            "1MiB",
        ],
        2,
        &["cut.oracleGeneral.bin", "byte offset 120000", "multiple of 24"],
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "key,size\n1,100\n2,x7\n").unwrap();
    fails_with(
        &["run", "-q", "--trace", bad.to_str().unwrap(), "-p", "lru", "-s", "1MiB"],
        2,
        &["bad.csv", "line 3", "x7"],
    );
    std::fs::write(&bad, "key,size\n1,100\n2\n").unwrap();
    fails_with(
        &["run", "-q", "--trace", bad.to_str().unwrap(), "-p", "lru", "-s", "1MiB"],
        2,
        &["line 3", "missing size"],
    );
    // --skip-bad-lines counts instead.
    let v = run_json(&[
        "--trace",
        bad.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "1MiB",
        "--skip-bad-lines",
    ]);
    assert_eq!(
        (
            v["results"][0]["requests"].as_u64(),
            v["results"][0]["skipped_bad_lines"].as_u64()
        ),
        (Some(1), Some(1))
    );

    fails_with(
        &["run", "-q", "--trace", ts, "-p", "lru,bogus", "-s", "1MiB"],
        2,
        &["unknown policy `bogus`", "sieve"],
    );
    fails_with(
        &["run", "-q", "--trace", ts, "-p", "clock:bits=99", "-s", "1MiB"],
        2,
        &["bits=99"],
    );
    fails_with(
        &["run", "-q", "--trace", ts, "-p", "lru", "-s", "0"],
        2,
        &["--sizes", "zero"],
    );
    fails_with(
        &["run", "-q", "--trace", ts, "-p", "lru", "-s", "-5MiB"],
        2,
        &["--sizes", "negative"],
    );
    fails_with(
        &["run", "-q", "--trace", ts, "-p", "lru", "-s", "lots"],
        2,
        &["--sizes", "lots"],
    );
    fails_with(
        &["run", "-q", "--trace", "/nonexistent/x.bin", "-p", "lru", "-s", "1MiB"],
        2,
        &["/nonexistent/x.bin", "no such file"],
    );
    fails_with(&["run", "-q", "--trace", ts, "--jobs", "0"], 2, &["--jobs"]);
    fails_with(&["run", "--bogus-flag"], 2, &["--bogus-flag"]);
}

#[test]
fn policies_lists_every_policy_and_parameter() {
    let out = cachesim().arg("policies").output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    for p in cachesim::policy::REGISTRY {
        assert!(s.contains(p.name), "{} not listed", p.name);
        for q in p.params {
            assert!(s.contains(q.name), "{}:{} not listed", p.name, q.name);
        }
    }
    let out = cachesim().args(["policies", "--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["policies"].as_array().unwrap().len(),
        cachesim::policy::REGISTRY.len()
    );
}

#[test]
fn shipped_samples_are_what_the_generator_writes() {
    let dir = tempfile::tempdir().unwrap();
    cachesim::trace::sample::write(dir.path()).unwrap();
    for f in ["sample.oracleGeneral.bin", "sample.csv", "sample.txt"] {
        assert!(
            std::fs::read(dir.path().join(f)).unwrap() == std::fs::read(sample(f)).unwrap(),
            "traces/{f} is stale: run `cargo run --release --example sample_traces`"
        );
    }
}

#[test]
fn out_dir_has_report_and_charts() {
    let t = sample("sample.oracleGeneral.bin");
    let dir = tempfile::tempdir().unwrap();
    let st = cachesim()
        .args([
            "run",
            "-q",
            "--trace",
            t.to_str().unwrap(),
            "-p",
            "lru,s3fifo,belady",
            "-s",
            "1%,5%,25%",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for needle in [
        "# cachesim report",
        "## Results",
        "## Best policy per size",
        "Belady bound",
        "## Alerts",
        "(mrc.png)",
        "(hit_ratio.png)",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle}:\n{md}");
    }
    for png in ["mrc.png", "hit_ratio.png"] {
        let b = std::fs::read(dir.path().join(png)).unwrap();
        assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{png} is not a PNG");
        assert!(b.len() > 10_000, "{png} looks blank ({} bytes)", b.len());
    }
    let svg = tempfile::tempdir().unwrap();
    cachesim()
        .args([
            "run",
            "-q",
            "--trace",
            t.to_str().unwrap(),
            "-p",
            "lru",
            "-s",
            "1%,5%",
            "--chart-format",
            "svg",
            "--out",
        ])
        .arg(svg.path())
        .assert()
        .success();
    let s = std::fs::read_to_string(svg.path().join("mrc.svg")).unwrap();
    assert!(s.contains("<svg") && s.contains("miss ratio by cache size"));
    assert!(std::fs::read_to_string(svg.path().join("report.md"))
        .unwrap()
        .contains("(mrc.svg)"));
}

#[test]
fn sweep_lru_curve_equals_simulation_and_keeps_the_contract() {
    let t = sample("sample.oracleGeneral.bin");
    let ts = t.to_str().unwrap();
    let sweep = |extra: &[&str]| {
        let out = cachesim()
            .args([
                "sweep",
                "-q",
                "--format",
                "json",
                "--trace",
                ts,
                "-p",
                "s3fifo,lru",
                "-s",
                "256KiB..32MiB:6",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let v = sweep(&[]);
    let rs = v["results"].as_array().unwrap();
    assert_eq!(rs.len(), 12);
    assert_eq!(rs[0]["policy"], "s3fifo", "policies keep the order given");
    assert_eq!(rs[6]["policy"], "lru");
    assert_eq!(rs[6]["method"], "lru-stack");
    assert_eq!(rs[0]["method"], "simulation");
    // The one-pass curve equals simulating each size.
    let sim = run_json(&["--trace", ts, "-p", "s3fifo,lru", "-s", "256KiB..32MiB:6"]);
    assert_eq!(counts(&v), counts(&sim));
    // SHARDS says it sampled.
    let s = sweep(&["--shards-rate", "0.5"]);
    assert_eq!(s["results"][6]["method"], "shards");
    assert!(s["results"][6]["sampling_rate"].as_f64().unwrap() <= 0.5);
    // Other policies run miniature simulations of the same sample.
    assert_eq!(s["results"][0]["method"], "shards");
    assert_eq!(s["results"][0]["sampling_rate"].as_f64(), Some(0.5));
    assert_eq!(s["results"][0]["requests"], v["results"][0]["requests"]);
    cachesim()
        .args(["sweep", "-q", "--trace", ts, "--shards-rate", "2"])
        .assert()
        .code(2);
    // A key sample would distort the engine's time and load: refused.
    let engine = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads/stampede.toml");
    let out = cachesim()
        .args(["sweep", "-q", engine.to_str().unwrap(), "--shards-rate", "0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("discrete-event engine"));
}

#[test]
fn plan_finds_the_smallest_size_meeting_the_target() {
    let t = sample("sample.oracleGeneral.bin");
    let ts = t.to_str().unwrap();
    let out = cachesim()
        .args([
            "plan",
            "--trace",
            ts,
            "-p",
            "lru,s3fifo",
            "--target-hit-ratio",
            "0.6",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for p in v["policies"].as_array().unwrap() {
        let name = p["policy"].as_str().unwrap();
        let size = p["size"].as_u64().unwrap();
        // Independently: simulating at that size meets the target, 2% smaller does not.
        let at = run_json(&["--trace", ts, "-p", name, "-s", &size.to_string()]);
        assert!(
            at["results"][0]["hit_ratio"].as_f64().unwrap() >= 0.6,
            "{name} at {size}"
        );
        let below = run_json(&[
            "--trace",
            ts,
            "-p",
            name,
            "-s",
            &((size as f64 * 0.98) as u64).to_string(),
        ]);
        assert!(
            below["results"][0]["hit_ratio"].as_f64().unwrap() < 0.6,
            "{name}: a 2% smaller cache also meets the target"
        );
    }
    // The answer does not depend on the thread count.
    let one = cachesim()
        .args([
            "plan",
            "--trace",
            ts,
            "-p",
            "lru,s3fifo",
            "--target-hit-ratio",
            "0.6",
            "--format",
            "json",
            "-j",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(one.stdout, out.stdout);
    let text = cachesim()
        .args(["plan", "--trace", ts, "-p", "lru", "--target-hit-ratio", "0.99"])
        .output()
        .unwrap();
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("no cache up to the whole working set"));
    cachesim().args(["plan", "--trace", ts, "-p", "lru"]).assert().code(2);
    cachesim()
        .args(["plan", "--trace", ts, "--target-hit-ratio", "1.5"])
        .assert()
        .code(2);
}

fn workload(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads").join(name)
}

#[test]
fn plain_workloads_keep_the_replay_contract() {
    let w = workload("quickstart.toml");
    let v = run_json(&[w.to_str().unwrap(), "--policies", "lru", "--sizes", "64MiB"]);
    let r = &v["results"][0];
    for engine_field in [
        "read_latency_ms",
        "backend",
        "stampede",
        "stale_reads",
        "errors",
        "timeline",
    ] {
        assert!(r.get(engine_field).is_none(), "{engine_field} in a plain replay");
    }
    assert_eq!(r["requests"].as_u64(), Some(1_000_000));
}

#[test]
fn engine_workloads_report_latency_and_a_timeline_whatever_the_jobs() {
    let w = workload("stampede.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        w.to_str().unwrap(),
        "--policies",
        "lru,s3fifo",
        "--sizes",
        "64MiB,128KiB",
    ];
    let one = run_json(&[&args[..], &["--jobs", "1", "--out", out.to_str().unwrap()]].concat());
    let two = run_json(&[&args[..], &["--jobs", "2"]].concat());
    assert_eq!(one["results"], two["results"], "--jobs changed an engine result");
    let r = &one["results"][0];
    assert!(r["read_latency_ms"]["p99"].as_f64().unwrap() > 0.0);
    assert!(r["backend"]["reads"].as_u64().unwrap() > 0);
    assert!(r.get("timeline").is_none(), "the timeline belongs in timeline.csv");
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("read_latency_ms_p99"));
    let tl = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    let mut lines = tl.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("policy,cache_size,size_spec,time_s,hit_ratio"));
    // 20 s at 100 ms per point for each of the 4 runs, plus the tail while the last requests finish.
    let n = lines.count();
    assert!((4 * 200..=4 * 215).contains(&n), "{n} timeline rows");
}

#[test]
fn bad_engine_input_exits_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[backend]\nconcurrency = 0\n", "line"),
        (
            "[backend]\nread_latency = { dist = \"lognormal\", median = \"5ms\", p99 = \"1ms\" }\n",
            "backend.read_latency",
        ),
        ("[faults]\ncrash_at = \"1h\"\n", "faults.crash_at"),
        ("[pattern]\nxfetch_beta = 2.0\n", "pattern.xfetch_beta"),
    ];
    for (i, (section, needle)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&p, format!("[workload]\nduration = \"2s\"\nkeys = 10\n{section}")).unwrap();
        fails_with(&["run", p.to_str().unwrap()], 2, &[needle]);
    }
    // A request-count workload: the crash time is checked against the run's end.
    let p = dir.path().join("late.toml");
    std::fs::write(
        &p,
        "[workload]\nrequests = 100\nkeys = 10\n[faults]\ncrash_at = \"1h\"\n",
    )
    .unwrap();
    fails_with(&["run", p.to_str().unwrap(), "-q"], 2, &["faults.crash_at"]);
}

#[test]
fn plan_target_p99_uses_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("p.toml");
    std::fs::write(
        &w,
        "seed = 1\n[workload]\nrequests = 50_000\nkeys = 5_000\npopularity = { dist = \"zipf\", alpha = 0.9 }\n\
         arrival = { process = \"poisson\", rate = 5_000 }\nsize = { dist = \"fixed\", value = \"4KiB\" }\n\
         [backend]\nread_latency = { dist = \"exponential\", mean = \"10ms\" }\nconcurrency = 50\n\
         [cache_latency]\nget = \"200us\"\nset = \"200us\"\n",
    )
    .unwrap();
    let ws = w.to_str().unwrap();
    let out = cachesim()
        .args(["plan", ws, "-p", "lru", "--target-p99", "30ms", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let size = v["policies"][0]["size"].as_u64().expect("reachable");
    let p99 = |s: u64| {
        run_json(&[ws, "-p", "lru", "-s", &s.to_string()])["results"][0]["read_latency_ms"]["p99"]
            .as_f64()
            .unwrap()
    };
    assert!(p99(size) <= 30.0);
    assert!(
        p99((size as f64 * 0.97) as u64) > 30.0,
        "a 3% smaller cache also meets the p99 target"
    );
    // Without an engine section there is no latency to plan for.
    let t = sample("sample.oracleGeneral.bin");
    cachesim()
        .args(["plan", "--trace", t.to_str().unwrap(), "--target-p99", "5ms"])
        .assert()
        .code(2);
}
