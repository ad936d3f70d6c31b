//! Every shipped workload in `workloads/` runs as shipped (no reduced smoke version: they are meant
//! to be quick), and the claims their comments make are checked where a test can check them.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn workloads() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn run(path: &Path) -> Value {
    let out = Command::cargo_bin("cachesim")
        .unwrap()
        .arg("run")
        .arg(path)
        .args(["-q", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_shipped_workload_runs_and_says_what_it_answers() {
    let all = workloads();
    assert!(all.len() >= 8, "{all:?}");
    for p in &all {
        let text = std::fs::read_to_string(p).unwrap();
        // The first comment paragraph asks the question the workload answers.
        let question = text
            .lines()
            .take_while(|l| l.starts_with("# "))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            question.contains('?'),
            "{} starts with a comment asking its question",
            p.display()
        );
        let v = run(p);
        let results = v["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{}", p.display());
        for r in results {
            assert!(r["requests"].as_u64().unwrap() > 0, "{}: {r}", p.display());
            assert!(r["hits"].as_u64().unwrap() > 0, "{}: {r}", p.display());
        }
    }
}

#[test]
fn scan_resistance_lru_collapses_where_s3fifo_does_not() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads/scan-resistance.toml");
    let v = run(&p);
    let hit = |policy: &str, size: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy"] == policy && r["size_spec"] == size)
            .unwrap_or_else(|| panic!("no {policy} at {size}"))["hit_ratio"]
            .as_f64()
            .unwrap()
    };
    for size in ["40MiB", "80MiB"] {
        let (lru, s3) = (hit("lru", size), hit("s3fifo", size));
        assert!(lru + 0.2 < s3, "{size}: lru {lru}, s3fifo {s3}");
        assert!(hit("lirs", size) > lru + 0.2, "{size}: lirs");
        assert!(hit("arc", size) > lru + 0.05, "{size}: arc");
    }
    // Once everything fits, LRU is as good as the rest.
    assert!(hit("lru", "120MiB") > hit("s3fifo", "120MiB") - 0.02);
}
