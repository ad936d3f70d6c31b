//! The shipped reports in reports/ are what the current code produces: regenerate two of them and
//! compare every file byte for byte (`scripts/regenerate-reports.sh` rewrites them all).

use assert_cmd::Command;
use std::path::Path;

fn check(name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    Command::cargo_bin("cachesim")
        .unwrap()
        .current_dir(root)
        .args(["run", &format!("workloads/{name}.toml"), "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let shipped = root.join("reports").join(name);
    let mut files: Vec<_> = std::fs::read_dir(&shipped)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    let mut fresh: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    fresh.sort();
    assert_eq!(
        files, fresh,
        "reports/{name} has different files: run scripts/regenerate-reports.sh"
    );
    for f in files {
        let a = std::fs::read(shipped.join(&f)).unwrap();
        let b = std::fs::read(out.join(&f)).unwrap();
        assert!(
            a == b,
            "reports/{name}/{} is stale: run scripts/regenerate-reports.sh",
            f.to_string_lossy()
        );
    }
}

#[test]
fn quickstart_report_is_current() {
    check("quickstart");
}

#[test]
fn stampede_report_is_current() {
    check("stampede");
}

#[test]
fn engine_reports_carry_latency_and_timelines() {
    let md = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/stampede/report.md")).unwrap();
    for needle in [
        "read p99 ms",
        "backend reads/s",
        "stale reads",
        "(latency.png)",
        "(timeline_backend.png)",
        "(timeline_hit_ratio.png)",
        "(timeline_p99.png)",
    ] {
        assert!(md.contains(needle), "stampede report lacks {needle}");
    }
}
