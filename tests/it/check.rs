//! End-to-end tests of `cachesim check` and `cachesim compare`: assertions, baselines and their
//! tolerances, refusal of a foreign baseline, null and missing values, `--update-baseline`,
//! `--summary` and the compare table. Workloads are tiny (5,000 requests) so each run is fast.

use crate::support::cachesim;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A tiny workload named `name` with an optional extra section.
fn workload(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(
        &p,
        format!(
            r#"name = "{name}"
seed = 7
[workload]
requests = 5000
keys = 500
popularity = {{ dist = "zipf", alpha = 1.0 }}
size = {{ dist = "fixed", value = "1KiB" }}
[cache]
policies = ["lru", "s3fifo"]
sizes = ["64KiB", "128KiB"]
{extra}"#
        ),
    )
    .unwrap();
    p
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check(w: &Path, args: &[&str]) -> Out {
    let o = cachesim().arg("check").arg(w).arg("-q").args(args).output().unwrap();
    Out {
        code: o.status.code().unwrap(),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

/// Lines of stdout that start with a status word.
fn status_lines<'a>(out: &'a Out, status: &str) -> Vec<&'a str> {
    out.stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(status))
        .collect()
}

/// Writes a baseline of `w` with `--update-baseline` and returns its path and JSON.
fn baseline(dir: &Path, w: &Path) -> (PathBuf, Value) {
    let b = dir.join("baselines").join("base.json");
    let out = check(w, &["--baseline", b.to_str().unwrap(), "--update-baseline"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    (b, v)
}

fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[test]
fn passing_assertions_exit_0_and_are_all_listed() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let out = check(
        &w,
        &[
            "--assert",
            "hit_ratio >= 0.3",
            "--assert",
            "s3fifo.miss_ratio < 0.5",
            "--assert",
            "lru@128KiB.requests == 5000",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // 4 results + 2 s3fifo results + 1 lru result.
    assert_eq!(status_lines(&out, "PASS ").len(), 7, "{}", out.stdout);
    assert!(out.stdout.contains("lru @ 128KiB"), "{}", out.stdout);
    assert!(out.stdout.contains("PASS: all 7 checks pass"), "{}", out.stdout);
}

#[test]
fn failing_assertions_exit_1_and_every_one_is_listed() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let out = check(
        &w,
        &[
            "--assert",
            "hit_ratio > 0.99",
            "--assert",
            "s3fifo.miss_ratio < 0.0001",
            "--assert",
            "requests == 5000",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(status_lines(&out, "FAIL ").len(), 6, "{}", out.stdout);
    assert_eq!(status_lines(&out, "PASS ").len(), 4, "{}", out.stdout);
    assert!(out.stdout.contains("6 of 10 checks fail"), "{}", out.stdout);
    // Failing lines carry their values.
    let fail = status_lines(&out, "FAIL ")[0];
    assert!(fail.contains("hit_ratio > 0.99") && fail.contains("0."), "{fail}");
    assert!(out.stderr.contains("check failed"), "{}", out.stderr);
}

#[test]
fn unknown_metric_lists_metrics_and_policies() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let out = check(&w, &["--assert", "hit_rate >= 0.3"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown metric `hit_rate`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("hit_ratio") && out.stderr.contains("byte_miss_ratio"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("lru, s3fifo"), "{}", out.stderr);
    // A nested path that does not exist yet is unknown too, not silently passing.
    let out = check(&w, &["--assert", "s3fifo.read_latency_ms.p99 <= 20"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown metric `read_latency_ms.p99`"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_or_unrun_policy_is_an_input_error_listing_the_run() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let out = check(
        &w,
        &["--assert", "arc.hit_ratio > 0", "--assert", "lru@1MiB.hit_ratio > 0"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    // Both problems are reported, not only the first.
    assert!(
        out.stderr
            .contains("no result for policy `arc`; policies in this run: lru, s3fifo"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("its sizes: 64KiB, 128KiB"), "{}", out.stderr);
    let out = check(&w, &["--assert", "lru:bogus=1.hit_ratio > 0"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown parameter `bogus`"), "{}", out.stderr);
    let out = check(&w, &["--assert", "hit_ratio = 0.3"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no comparison"), "{}", out.stderr);
}

#[test]
fn check_section_in_the_workload_file() {
    let d = TempDir::new().unwrap();
    let w = workload(
        d.path(),
        "tiny",
        "[check]\nassert = [\"hit_ratio >= 0.3\", \"lru.hit_ratio > 0.99\"]\ntolerance = { miss_ratio = \"1pt\", evictions = 10 }\n",
    );
    let out = check(&w, &["--assert", "misses > 0"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(status_lines(&out, "FAIL ").len(), 2, "{}", out.stdout);
    assert_eq!(status_lines(&out, "PASS ").len(), 8, "{}", out.stdout);
    // `run` ignores [check].
    cachesim().arg("run").arg(&w).arg("-q").assert().success();
    // Unknown keys in [check] are errors, like everywhere in workload files.
    let bad = workload(d.path(), "bad", "[check]\nasserts = [\"hit_ratio > 0\"]\n");
    let out = check(&bad, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("asserts"), "{}", out.stderr);
    let out = check(&workload(d.path(), "plain", ""), &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nothing to check"), "{}", out.stderr);
}

#[test]
fn update_baseline_writes_the_summary_and_exits_0() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let (b, v) = baseline(d.path(), &w);
    assert_eq!(v["source"]["name"], "tiny");
    assert_eq!(v["seed"], 7);
    let run: Value = serde_json::from_slice(
        &cachesim()
            .arg("run")
            .arg(&w)
            .args(["-q", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(v["results"], run["results"]);
    // Comparing with it passes, every standard metric of every result listed.
    let out = check(&w, &["--baseline", b.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(status_lines(&out, "PASS ").len(), 12, "{}", out.stdout);
    // A baseline from another workload is overwritten by --update-baseline (that is its purpose).
    let other = workload(d.path(), "other", "");
    let out = check(&other, &["--baseline", b.to_str().unwrap(), "--update-baseline"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("rewritten"), "{}", out.stdout);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    assert_eq!(v["source"]["name"], "other");
    let out = check(&w, &["--update-baseline"]);
    assert_eq!(out.code, 2);
}

/// Edits `results[0]` of the baseline, then checks against it.
fn check_edited(d: &Path, w: &Path, base: &Value, edit: impl Fn(&mut Value), extra: &[&str]) -> Out {
    let mut v = base.clone();
    edit(&mut v["results"][0]);
    let p = d.join("edited.json");
    write_json(&p, &v);
    let mut args = vec!["--baseline", p.to_str().unwrap()];
    args.extend_from_slice(extra);
    check(w, &args)
}

#[test]
fn baseline_regression_just_inside_and_just_outside_the_tolerance() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let (_, base) = baseline(d.path(), &w);
    let miss = base["results"][0]["miss_ratio"].as_f64().unwrap();
    let hit = base["results"][0]["hit_ratio"].as_f64().unwrap();
    // The run's miss ratio is 0.4 points above the baseline: inside the default 0.5pt.
    let out = check_edited(d.path(), &w, &base, |r| r["miss_ratio"] = (miss - 0.004).into(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("+0.40pt"), "{}", out.stdout);
    // 0.6 points: outside.
    let out = check_edited(d.path(), &w, &base, |r| r["miss_ratio"] = (miss - 0.006).into(), &[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let fails = status_lines(&out, "FAIL ");
    assert_eq!(fails.len(), 1, "{}", out.stdout);
    assert!(
        fails[0].contains("miss_ratio") && fails[0].contains("+0.60pt"),
        "{}",
        fails[0]
    );
    // Hit ratio: lower is worse.
    let out = check_edited(d.path(), &w, &base, |r| r["hit_ratio"] = (hit + 0.006).into(), &[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let out = check_edited(d.path(), &w, &base, |r| r["hit_ratio"] = (hit - 0.006).into(), &[]);
    assert_eq!(out.code, 0, "an improvement never fails: {}", out.stdout);
    // A relative tolerance from the flag: 10% of the baseline.
    let tol = ["--tolerance", "miss_ratio=10%"];
    let out = check_edited(d.path(), &w, &base, |r| r["miss_ratio"] = (miss / 1.09).into(), &tol);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out = check_edited(d.path(), &w, &base, |r| r["miss_ratio"] = (miss / 1.11).into(), &tol);
    assert_eq!(out.code, 1, "{}", out.stdout);
    // A tolerance for a metric that exists nowhere is an input error listing the metrics.
    let out = check_edited(d.path(), &w, &base, |_| {}, &["--tolerance", "lost_writes=0"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown metric `lost_writes`") && out.stderr.contains("miss_ratio"));
    let out = check_edited(d.path(), &w, &base, |_| {}, &["--tolerance", "miss_ratio=-1pt"]);
    assert_eq!(out.code, 2);
}

#[test]
fn baseline_from_another_workload_or_seed_is_refused() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let other = workload(d.path(), "other", "");
    let (b, _) = baseline(d.path(), &other);
    let out = check(&w, &["--baseline", b.to_str().unwrap(), "--assert", "hit_ratio > 0"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("was recorded from workload `other`") && out.stderr.contains("this run is workload `tiny`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "refused before running: {}", out.stdout);
    let (b, _) = baseline(d.path(), &w);
    let out = check(&w, &["--baseline", b.to_str().unwrap(), "--seed", "8"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("seed 7") && out.stderr.contains("seed 8"),
        "{}",
        out.stderr
    );
    // Not a summary at all.
    let junk = d.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let out = check(&w, &["--baseline", junk.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a cachesim summary"), "{}", out.stderr);
    let out = check(&w, &["--baseline", d.path().join("none.json").to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no such file"), "{}", out.stderr);
}

#[test]
fn null_nan_and_missing_values_are_reported_not_passed() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let (_, base) = baseline(d.path(), &w);
    let mut v = base.clone();
    // NaN is written as null in JSON.
    v["results"][0]["miss_ratio"] = Value::Null;
    v["results"][1].as_object_mut().unwrap().remove("hit_ratio");
    // A result the run no longer has, and one the baseline lacks.
    v["results"][3]["cache_size"] = 1.into();
    let p = d.path().join("holes.json");
    write_json(&p, &v);
    let out = check(&w, &["--baseline", p.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let info = status_lines(&out, "INFO ");
    assert!(
        info.iter()
            .any(|l| l.contains("miss_ratio") && l.contains("baseline null")),
        "{}",
        out.stdout
    );
    assert!(
        info.iter()
            .any(|l| l.contains("hit_ratio") && l.contains("baseline missing")),
        "{}",
        out.stdout
    );
    assert!(
        info.iter()
            .any(|l| l.contains("s3fifo @ 128KiB") && l.contains("not in the baseline")),
        "{}",
        out.stdout
    );
    let fails = status_lines(&out, "FAIL ");
    assert_eq!(fails.len(), 1, "{}", out.stdout);
    assert!(
        fails[0].contains("s3fifo @ 1B") && fails[0].contains("not in this run"),
        "{}",
        fails[0]
    );
}

#[test]
fn summary_is_markdown_and_appends() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let (b, _) = baseline(d.path(), &w);
    let md = d.path().join("summary.md");
    let out = check(
        &w,
        &[
            "--baseline",
            b.to_str().unwrap(),
            "--assert",
            "lru.hit_ratio > 0.99",
            "--summary",
            md.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 1);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("## ❌ cachesim check: 2 of 14 checks fail"), "{text}");
    assert!(
        text.contains("### Assertions") && text.contains("### Baseline"),
        "{text}"
    );
    assert!(
        text.contains("| status | check | result | value | expected | note |"),
        "{text}"
    );
    assert!(
        text.contains("| ❌ **FAIL** | `lru.hit_ratio > 0.99` | lru @ 64KiB |"),
        "{text}"
    );
    assert!(text.contains("| ✅ PASS | `miss_ratio` | s3fifo @ 128KiB |"), "{text}");
    let rows = text
        .lines()
        .filter(|l| l.starts_with("| ✅") || l.starts_with("| ❌"))
        .count();
    assert_eq!(rows, 14);
    // A second step appends, as $GITHUB_STEP_SUMMARY expects.
    check(&w, &["--assert", "hit_ratio > 0", "--summary", md.to_str().unwrap()]);
    let text = std::fs::read_to_string(&md).unwrap();
    assert_eq!(
        text.matches("## ").filter(|_| true).count() - text.matches("### ").count(),
        2,
        "{text}"
    );
    assert!(text.contains("## ✅ cachesim check: all 4 checks pass"), "{text}");
}

#[test]
fn json_report() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let out = check(&w, &["--assert", "hit_ratio > 0.6", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["checks"].as_array().unwrap().len(), 4);
    assert_eq!(v["passed"].as_u64().unwrap() + v["failed"].as_u64().unwrap(), 4);
    assert!(v["checks"][0]["value"].is_f64());
    assert_eq!(check(&w, &["--assert", "hit_ratio > 0", "--format", "csv"]).code, 2);
}

#[test]
fn compare_shows_deltas_and_marks_changes_past_the_tolerance() {
    let d = TempDir::new().unwrap();
    let w = workload(d.path(), "tiny", "");
    let (a, base) = baseline(d.path(), &w);
    let mut v = base.clone();
    let m = v["results"][0]["miss_ratio"].as_f64().unwrap();
    v["results"][0]["miss_ratio"] = (m + 0.02).into();
    v["results"][1]["miss_ratio"] = (v["results"][1]["miss_ratio"].as_f64().unwrap() + 0.001).into();
    v["results"].as_array_mut().unwrap().pop();
    let b = d.path().join("b.json");
    write_json(&b, &v);
    let run = |args: &[&str]| {
        let o = cachesim().arg("compare").arg(&a).arg(&b).args(args).output().unwrap();
        (o.status.code().unwrap(), String::from_utf8(o.stdout).unwrap())
    };
    let (code, text) = run(&[]);
    assert_eq!(code, 0, "compare reports, it does not gate");
    let marked: Vec<&str> = text.lines().filter(|l| l.contains('!')).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].starts_with("lru @ 64KiB") && marked[0].contains("+2.00pt") && marked[0].contains("worse"));
    assert!(text.contains("+0.10pt"), "{text}");
    assert!(text.contains("only in A: s3fifo @ 128KiB"), "{text}");
    // A wider tolerance removes the mark.
    let (_, text) = run(&["--tolerance", "miss_ratio=3pt"]);
    assert!(!text.lines().any(|l| l.contains('!')), "{text}");
    let (_, md) = run(&["--format", "markdown"]);
    assert!(md.contains("| result | metric | A | B | delta | |"), "{md}");
    assert!(md.contains("**+2.00pt**"), "{md}");
    let (_, json) = run(&["--format", "json"]);
    let j: Value = serde_json::from_str(&json).unwrap();
    let worse: Vec<&Value> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["change"] == "worse")
        .collect();
    assert_eq!(worse.len(), 1);
    assert_eq!(worse[0]["metric"], "miss_ratio");
    assert!((worse[0]["delta"].as_f64().unwrap() - 0.02).abs() < 1e-9);
    assert_eq!(j["only_in_a"][0], "s3fifo @ 128KiB");
    // Invalid input exits 2.
    let o = cachesim()
        .arg("compare")
        .arg(&a)
        .arg(d.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// What the CI workflow runs: the shipped quickstart workload against its committed baseline (the
/// `[check] baseline` path resolves next to the workload file). If an intended engine change moves
/// these numbers, rewrite the baseline with `--update-baseline`.
#[test]
fn shipped_quickstart_passes_against_its_committed_baseline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let md = TempDir::new().unwrap();
    let summary = md.path().join("step.md");
    let o = cachesim()
        .current_dir(root)
        .args(["check", "workloads/quickstart.toml", "-q", "--summary"])
        .arg(&summary)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("Baseline workloads/baselines/quickstart.json"),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("all 25 checks pass"));
}
