//! Issue 12, item 2: object sizes of 4 GiB and more are kept exactly, from workload files and CSV
//! traces through every policy, and the oracleGeneral writer refuses what its 32-bit field cannot
//! hold instead of truncating it.
//!
//! The expected counts are worked by hand: a loop over n keys replayed by LRU (or FIFO) with room
//! for k < n objects misses every time; with room for all n it misses only the first n requests.

use crate::support::cachesim;
use serde_json::Value;
use std::path::Path;

const GIB: u64 = 1 << 30;

/// A workload looping over `keys` objects of 8 GiB each, `requests` reads in all.
fn loop_workload(dir: &Path, keys: u64, requests: u64) -> std::path::PathBuf {
    let p = dir.join(format!("loop{keys}.toml"));
    std::fs::write(
        &p,
        format!(
            r#"name = "big-objects"
seed = 1

[workload]
requests = {requests}
keys = {keys}
read_ratio = 1.0
popularity = {{ dist = "scan" }}
arrival = {{ process = "constant", rate = 1 }}
size = {{ dist = "fixed", value = "8GiB" }}
"#
        ),
    )
    .unwrap();
    p
}

/// (policy, hits, misses, bytes_requested) of every result of a JSON run.
fn results(args: &[&str]) -> Vec<(String, u64, u64, u64)> {
    let out = cachesim()
        .arg("run")
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "run {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["policy"].as_str().unwrap().to_string(),
                r["hits"].as_u64().unwrap(),
                r["misses"].as_u64().unwrap(),
                r["bytes_requested"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn eight_gib_objects_two_fit_in_twenty_gib() {
    let dir = tempfile::tempdir().unwrap();
    // Three 8 GiB objects in a loop, 20 GiB of cache: two fit (16 GiB), the third evicts the
    // oldest, which is the next one requested, so all 12 requests miss. With sizes capped at
    // 4 GiB - 1 all three fit and 9 of 12 hit.
    let three = loop_workload(dir.path(), 3, 12);
    let r = results(&[three.to_str().unwrap(), "-p", "lru,fifo", "-s", "20GiB"]);
    for (policy, hits, misses, bytes) in &r {
        assert_eq!(
            (*hits, *misses),
            (0, 12),
            "{policy}: a loop of 3 over room for 2 always misses"
        );
        assert_eq!(*bytes, 12 * 8 * GIB, "{policy}: bytes requested");
    }
    // Two of them do fit: a loop of 2 misses only its first pass.
    let two = loop_workload(dir.path(), 2, 12);
    let r = results(&[two.to_str().unwrap(), "-p", "lru,fifo", "-s", "20GiB"]);
    for (policy, hits, misses, _) in &r {
        assert_eq!((*hits, *misses), (10, 2), "{policy}: 2 x 8 GiB fit in 20 GiB");
    }
    // And 24 GiB holds all three.
    let r = results(&[three.to_str().unwrap(), "-p", "lru", "-s", "24GiB"]);
    assert_eq!((r[0].1, r[0].2), (9, 3));
}

#[test]
fn csv_rows_of_five_gib_replay_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("big.csv");
    let five = 5 * GIB;
    let mut s = String::from("key,size\n");
    for i in 0..9 {
        s += &format!("k{},{five}\n", i % 3);
    }
    std::fs::write(&t, s).unwrap();
    let t = t.to_str().unwrap();
    // 12 GiB holds two 5 GiB objects: a loop of 3 always misses; 15 GiB holds all three.
    let r = results(&["--trace", t, "-p", "lru", "-s", "12GiB,15GiB"]);
    assert_eq!((r[0].1, r[0].2, r[0].3), (0, 9, 9 * five));
    assert_eq!((r[1].1, r[1].2, r[1].3), (6, 3, 9 * five));
    // The largest size a CSV can carry is u64::MAX; one more is refused naming the line.
    std::fs::write(dir.path().join("huge.csv"), "key,size\na,18446744073709551616\n").unwrap();
    let out = cachesim()
        .args(["run", "-q", "-p", "lru", "-s", "1GiB", "--trace"])
        .arg(dir.path().join("huge.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("18446744073709551615"), "{err}");
}

#[test]
fn generate_refuses_oracle_general_above_its_32_bit_limit_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    let w = loop_workload(dir.path(), 3, 6);
    let bin = dir.path().join("big.bin");
    let out = cachesim()
        .args(["generate", "-q"])
        .arg(&w)
        .arg("-o")
        .arg(&bin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4,294,967,295") && err.contains("CSV"), "{err}");
    assert!(!bin.exists(), "nothing is written when a size does not fit");

    let csv = dir.path().join("big.csv");
    cachesim()
        .args(["generate", "-q"])
        .arg(&w)
        .arg("-o")
        .arg(&csv)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let sizes: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').nth(2).unwrap()).collect();
    assert_eq!(sizes, vec!["8589934592"; 6]);
    // The CSV replays like the workload itself.
    let r = results(&["--trace", csv.to_str().unwrap(), "-p", "lru", "-s", "20GiB"]);
    assert_eq!((r[0].1, r[0].2, r[0].3), (0, 6, 6 * 8 * GIB));
}

#[test]
fn analyze_keeps_big_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("mixed.csv");
    // One 6 GiB object and one of 100 bytes, each requested twice.
    std::fs::write(&t, format!("key,size\na,{}\nb,100\na,{}\nb,100\n", 6 * GIB, 6 * GIB)).unwrap();
    let out = cachesim()
        .args(["analyze", "-q", "--format", "json"])
        .arg(&t)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let total = 2 * (6 * GIB + 100);
    assert!(text.contains(&total.to_string()), "bytes requested {total} in {text}");
    assert!(
        text.contains(&(6 * GIB + 100).to_string()),
        "working set {} in {text}",
        6 * GIB + 100
    );
}
