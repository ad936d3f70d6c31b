//! Admission policies from the command line and workload files: the flag, `[cache] admission`,
//! a tier's `admission`, `policy+admission`; their errors (exit 2, naming the flag or key); their
//! columns; and hand-checked behaviour. Agreement with libCacheSim is `conformance_admission.rs`.

use crate::support::{cachesim, run_err, run_results};

fn json(args: &[&str]) -> serde_json::Value {
    let o = cachesim().args(args).args(["-q", "-f", "json"]).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["results"].clone()
}

fn refused(args: &[&str]) -> String {
    let o = cachesim().args(args).arg("-q").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{args:?} accepted");
    String::from_utf8_lossy(&o.stderr).to_string()
}

const TRACE: &str = "traces/sample.oracleGeneral.bin";

#[test]
fn bad_admission_input_names_the_flag_and_the_valid_choices() {
    let e = refused(&["run", "-t", TRACE, "-p", "lru", "-s", "1MiB", "--admission", "nope"]);
    assert!(
        e.contains("--admission: unknown admission policy `nope`; valid: bloom, size, prob, adaptsize"),
        "{e}"
    );
    let e = refused(&["run", "-t", TRACE, "-p", "lru", "-s", "1MiB", "--admission", "size"]);
    assert!(e.contains("needs its threshold"), "{e}");
    let e = refused(&[
        "run",
        "-t",
        TRACE,
        "-p",
        "lru",
        "-s",
        "1MiB",
        "--admission",
        "size:size=0",
    ]);
    assert!(e.contains("parameter size=0 is invalid"), "{e}");
    let e = refused(&["run", "-t", TRACE, "-p", "lru", "-s", "1MiB", "--admission", "prob:p=0"]);
    assert!(
        e.contains("admission prob: parameter p=0 is invalid; it must be greater than 0 and at most 1"),
        "{e}"
    );
    let e = refused(&[
        "run",
        "-t",
        TRACE,
        "-p",
        "lru+bloom",
        "-s",
        "1MiB",
        "--admission",
        "prob",
    ]);
    assert!(e.contains("lru+bloom names its own"), "{e}");
    let e = refused(&["run", "-t", TRACE, "-p", "lru+bloom+prob", "-s", "1MiB"]);
    assert!(e.contains("one admission policy per cache"), "{e}");
    let e = refused(&[
        "run",
        "-t",
        TRACE,
        "-p",
        "lru+adaptsize:reconf_interval=0",
        "-s",
        "1MiB",
    ]);
    assert!(e.contains("reconf_interval=0 is invalid"), "{e}");
}

#[test]
fn results_carry_the_admission_and_repeats_run_once() {
    let r = json(&[
        "run",
        "-t",
        TRACE,
        "-p",
        "lru+bloom,lru,LRU+Bloom-Filter,lru+size:size=64KiB",
        "-s",
        "1MiB",
    ]);
    let labels: Vec<(&str, Option<&str>)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["policy"].as_str().unwrap(), x["admission"].as_str()))
        .collect();
    assert_eq!(
        labels,
        [("lru", Some("bloom")), ("lru", None), ("lru", Some("size:size=64KiB"))]
    );
    // CSV: an admission column after params, empty for none.
    let o = cachesim()
        .args([
            "run",
            "-t",
            TRACE,
            "-p",
            "lru+bloom,lru",
            "-s",
            "1MiB",
            "-q",
            "-f",
            "csv",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("policy,params,admission,cache_size,"));
    assert!(lines.next().unwrap().starts_with("lru,,bloom,"));
    assert!(lines.next().unwrap().starts_with("lru,,,"));
    // Without admission the CSV has no such column (unchanged output).
    let o = cachesim()
        .args(["run", "-t", TRACE, "-p", "lru", "-s", "1MiB", "-q", "-f", "csv"])
        .output()
        .unwrap();
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .starts_with("policy,params,cache_size,"));
}

#[test]
fn hand_checked_admission() {
    // Every object of the sample is larger than 1 byte: `size:size=1` admits nothing, so every
    // request misses and nothing is evicted; `prob:p=1` admits everything: the plain policy.
    let none = json(&[
        "run",
        "-t",
        TRACE,
        "-p",
        "lru",
        "-s",
        "1MiB",
        "--admission",
        "size:size=1",
    ]);
    assert_eq!(none[0]["hits"], 0);
    assert_eq!(none[0]["evictions"], 0);
    let all = json(&[
        "run",
        "-t",
        TRACE,
        "-p",
        "lru,sieve",
        "-s",
        "1MiB",
        "--admission",
        "prob:p=1",
    ]);
    let plain = json(&["run", "-t", TRACE, "-p", "lru,sieve", "-s", "1MiB"]);
    for i in 0..2 {
        assert_eq!(all[i]["misses"], plain[i]["misses"]);
    }
    // size admits strictly smaller objects: the first request of the sample, in a CSV of our own.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.csv");
    std::fs::write(&t, "key,size\n1,100\n1,100\n2,99\n2,99\n").unwrap();
    let r = json(&[
        "run",
        "-t",
        t.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "1000",
        "--admission",
        "size:size=100",
    ]);
    assert_eq!(r[0]["hits"], 1, "100 bytes is not below 100; 99 is");
    // bloom: admitted on the second miss, so the third request of a key is its first hit.
    std::fs::write(&t, "key,size\n1,10\n1,10\n1,10\n").unwrap();
    let r = json(&[
        "run",
        "-t",
        t.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "1000",
        "--admission",
        "bloom",
    ]);
    assert_eq!(r[0]["hits"], 1);
}

#[test]
fn the_one_pass_lru_curve_is_not_used_behind_an_admission() {
    // sweep computes plain lru in one pass; lru+bloom must be simulated, and equal `run`.
    let s = json(&["sweep", "-t", TRACE, "-p", "lru+bloom", "-s", "1MiB,4MiB"]);
    let r = json(&["run", "-t", TRACE, "-p", "lru+bloom", "-s", "1MiB,4MiB"]);
    for i in 0..2 {
        assert_eq!(s[i]["misses"], r[i]["misses"]);
        assert_ne!(s[i]["method"], "lru-stack");
    }
}

const WORKLOAD: &str = r#"seed = 3
[workload]
requests = 20_000
keys = 5_000
popularity = { dist = "zipf", alpha = 0.9 }
size = { dist = "uniform", min = "1KiB", max = "64KiB" }
[cache]
policies = ["lru", "s3fifo"]
sizes = ["10%"]
"#;

#[test]
fn the_file_key_equals_the_flag_and_none_removes_it() {
    let with = run_results(&format!("{WORKLOAD}admission = \"size:size=16KiB\"\n"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, WORKLOAD).unwrap();
    let flag = json(&["run", p.to_str().unwrap(), "--admission", "size:size=16KiB"]);
    let plain = json(&["run", p.to_str().unwrap()]);
    std::fs::write(&p, format!("{WORKLOAD}admission = \"size:size=16KiB\"\n")).unwrap();
    let removed = json(&["run", p.to_str().unwrap(), "--admission", "none"]);
    for i in 0..2 {
        assert_eq!(with[i]["misses"], flag[i]["misses"]);
        assert_eq!(with[i]["admission"], "size:size=16KiB");
        assert_eq!(removed[i]["misses"], plain[i]["misses"]);
        assert!(removed[i].get("admission").is_none());
        assert_ne!(
            with[i]["misses"], plain[i]["misses"],
            "the threshold changes the outcome"
        );
    }
    let e = run_err(&format!("{WORKLOAD}admission = \"bloom:x=1\"\n"));
    assert!(
        e.contains("[cache] admission: admission bloom: unknown parameter `x`; it takes no parameters"),
        "{e}"
    );
}

#[test]
fn a_tier_takes_an_admission_too() {
    let tiers = r#"[topology]
instances = 2
[[tier]]
name = "l1"
scope = "instance"
policy = "lru"
size = "1MiB"
admission = "bloom"
[[tier]]
name = "l2"
admission = "size:size=32KiB"
"#;
    let r = run_results(&format!("{WORKLOAD}{tiers}"));
    assert_eq!(
        r[0]["admission"], "size:size=32KiB",
        "the bottom tier's admission goes in front of the grid's policies"
    );
    assert_eq!(r[1]["policy"], "s3fifo");
    // The same with the admission written into the policies.
    let explicit = tiers
        .replace(
            "policy = \"lru\"\nsize = \"1MiB\"\nadmission = \"bloom\"",
            "policy = \"lru+bloom\"\nsize = \"1MiB\"",
        )
        .replace("admission = \"size:size=32KiB\"\n", "");
    let w = WORKLOAD.replace(
        "policies = [\"lru\", \"s3fifo\"]",
        "policies = [\"lru+size:size=32KiB\", \"s3fifo+size:size=32KiB\"]",
    );
    let r2 = run_results(&format!("{w}{explicit}"));
    for i in 0..2 {
        assert_eq!(r[i]["misses"], r2[i]["misses"]);
        assert_eq!(r[i]["tiers"], r2[i]["tiers"]);
    }
    let e = run_err(&format!(
        "{WORKLOAD}{}",
        tiers.replace("policy = \"lru\"", "policy = \"lru+prob\"")
    ));
    assert!(
        e.contains("tier \"l1\": policy lru+prob names its admission and admission = \"bloom\" names another"),
        "{e}"
    );
}

#[test]
fn the_engine_asks_the_admission_too() {
    let engine = format!(
        "{WORKLOAD}admission = \"size:size=1\"\n[backend]\nread_latency = {{ dist = \"constant\", value = \"1ms\" }}\nconcurrency = 64\n"
    );
    let r = run_results(&engine);
    for x in r.as_array().unwrap() {
        assert_eq!(x["hits"], 0, "nothing admitted: {x}");
        assert_eq!(x["evictions"], 0);
    }
}
