//! Issue 12, inputs at the edges: empty inputs (item 1), generate's output format and binary
//! content read as text (6), directories (13), timestamps and columns (17), traces given as
//! workloads (18). Every failure here must be exit 2 with a message naming the file or flag.

use crate::support::cachesim;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("traces").join(name)
}

/// Runs and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = cachesim().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn empty_trace_is_an_input_error_everywhere() {
    let d = tempfile::tempdir().unwrap();
    let empty = write(d.path(), "empty.txt", b"");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "-q", "-t", &empty, "-s", "10"],
        vec!["sweep", "-q", "-t", &empty, "-s", "10,20"],
        vec!["plan", "-q", "-t", &empty, "--target-hit-ratio", "0.5"],
        vec!["analyze", "-q", &empty],
        vec!["check", "-q", "-t", &empty, "-s", "10", "--assert", "miss_ratio < 0.1"],
    ];
    for args in cases {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: stdout {out} stderr {err}");
        assert!(
            err.contains("empty.txt") && err.contains("no requests to replay"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn csv_whose_rows_are_all_skipped_is_an_input_error() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::from("key,size\n");
    for i in 0..12 {
        text.push_str(&format!("{i},big\n"));
    }
    // The first bad row alone would name the column; with --skip-bad-lines every row goes.
    let p = write(d.path(), "x.csv", text.as_bytes());
    let (code, _, err) = run(&["run", "-q", "-t", &p, "-s", "10", "--skip-bad-lines"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("x.csv") && err.contains("12 lines, all skipped as bad lines"),
        "{err}"
    );
}

#[test]
fn skipped_bad_lines_are_reported_under_the_table_and_warned() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "x.csv", b"key,size\n1,10\n2,10\n1,10\n3,oops\n");
    let (code, out, err) = run(&["run", "-q", "-t", &p, "-s", "100", "-p", "lru", "--skip-bad-lines"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("skipped 1 bad lines"), "{out}");
    assert!(err.contains("warning") && err.contains("1 of 4 lines"), "{err}");
    let (code, out, _) = run(&[
        "run",
        "-q",
        "-t",
        &p,
        "-s",
        "100",
        "-p",
        "lru",
        "--skip-bad-lines",
        "-f",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("\"skipped_bad_lines\": 1"), "{out}");
}

#[test]
fn generate_txt_writes_text_the_text_reader_reads() {
    let d = tempfile::tempdir().unwrap();
    let wl = write(
        d.path(),
        "w.toml",
        b"[workload]\nrequests = 2000\nkeys = 300\npopularity = { dist = \"zipf\", alpha = 0.9 }\n",
    );
    let txt = d.path().join("x.txt");
    let csv = d.path().join("x.csv");
    for out in [&txt, &csv] {
        let (code, _, err) = run(&["generate", "-q", &wl, "-o", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
    }
    let text = std::fs::read_to_string(&txt).expect("the .txt output is text");
    let keys: Vec<&str> = text.lines().collect();
    let csv_keys: Vec<String> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 2000);
    assert_eq!(keys, csv_keys);
    // Replayed as a trace it gives the same counts as the CSV with sizes ignored.
    let (c1, o1, _) = run(&[
        "run",
        "-q",
        "-t",
        txt.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "50",
        "--ignore-obj-size",
        "-f",
        "csv",
    ]);
    let (c2, o2, _) = run(&[
        "run",
        "-q",
        "-t",
        csv.to_str().unwrap(),
        "-p",
        "lru",
        "-s",
        "50",
        "--ignore-obj-size",
        "-f",
        "csv",
    ]);
    assert_eq!((c1, c2), (0, 0));
    let field = |o: &str, name: &str| -> String {
        let mut l = o.lines();
        let head: Vec<&str> = l.next().unwrap().split(',').collect();
        let row: Vec<&str> = l.next().unwrap().split(',').collect();
        row[head.iter().position(|h| *h == name).unwrap()].to_string()
    };
    assert_eq!(field(&o1, "requests"), "2000");
    assert_eq!(field(&o1, "hits"), field(&o2, "hits"));
    // An unknown extension under --format auto is refused, naming the extensions.
    let (code, _, err) = run(&["generate", "-q", &wl, "-o", d.path().join("x.dat").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".bin") && err.contains(".csv") && err.contains(".txt"),
        "{err}"
    );
    assert!(!d.path().join("x.dat").exists());
}

#[test]
fn binary_content_is_never_read_as_text() {
    let d = tempfile::tempdir().unwrap();
    let bin = std::fs::read(sample("sample.oracleGeneral.bin")).unwrap();
    let txt = write(d.path(), "x.txt", &bin);
    let (code, _, err) = run(&["run", "-q", "-t", &txt, "-s", "100"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("x.txt") && err.contains("looks binary") && err.contains("--trace-format oracle-general"),
        "{err}"
    );
    let (code, _, err) = run(&["run", "-q", "-t", &txt, "-s", "100", "--trace-format", "csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("looks binary"), "{err}");
}

#[test]
fn directories_are_input_errors() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    let file = write(d.path(), "f.txt", b"1\n2\n");
    let wl = write(d.path(), "w.toml", b"[workload]\nrequests = 100\nkeys = 10\n");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "-q", "-t", dir, "-s", "10"],
        vec!["analyze", "-q", dir],
        vec!["sweep", "-q", "-t", dir, "-s", "10"],
        vec!["plan", "-q", "-t", dir, "--target-hit-ratio", "0.5"],
        vec!["check", "-q", "-t", dir, "-s", "10"],
        vec!["run", "-q", dir],
        vec!["generate", "-q", dir, "-o", "x.bin"],
        vec!["generate", "-q", &wl, "-o", dir],
        vec!["run", "-q", "-t", &file, "-s", "10", "--out", &file],
    ];
    for args in cases {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(dir) || err.contains("f.txt"), "{args:?}: {err}");
    }
}

#[test]
fn timestamps_iso_and_epoch_and_columns_off() {
    let d = tempfile::tempdir().unwrap();
    let iso = write(
        d.path(),
        "iso.csv",
        b"timestamp,key\n2024-01-02T03:04:05Z,1\n2024-01-02 03:04:06,2\n2024-01-02T05:04:07+02:00,1\n",
    );
    let (code, _, err) = run(&["analyze", "-q", &iso, "-f", "json"]);
    assert_eq!(code, 0, "{err}");
    let ms = write(d.path(), "ms.csv", b"time,key\n1704164645000,1\n1704164646000,2\n");
    let (code, _, err) = run(&["run", "-t", &ms, "-s", "10", "-p", "lru"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("epoch milliseconds"), "{err}");
    // A whole column of another kind: the error names the column and the fix, not --skip-bad-lines.
    let bad = write(
        d.path(),
        "bad.csv",
        b"time,key,size\n01/02/2024,1,10\n01/02/2024,2,10\n",
    );
    let (code, _, err) = run(&["run", "-q", "-t", &bad, "-s", "100"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--time-col none") && !err.contains("--skip-bad-lines"),
        "{err}"
    );
    let (code, _, err) = run(&["run", "-q", "-t", &bad, "-s", "100", "--time-col", "none"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "run",
        "-q",
        "-t",
        &bad,
        "-s",
        "100",
        "--size-col",
        "none",
        "--time-col",
        "none",
    ]);
    assert_eq!(code, 0, "{err}");
    // The same in a workload file.
    let wl = write(
        d.path(),
        "t.toml",
        format!("[workload]\ntrace = \"{bad}\"\ntime_col = \"none\"\n").as_bytes(),
    );
    let (code, _, err) = run(&["run", "-q", &wl, "-s", "100"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_trace_given_as_the_workload_says_use_trace() {
    let d = tempfile::tempdir().unwrap();
    let txt = sample("sample.txt");
    let csv = sample("sample.csv");
    let bin = sample("sample.oracleGeneral.bin");
    let noext = write(d.path(), "trace", &std::fs::read(&bin).unwrap());
    for cmd in ["run", "sweep", "check"] {
        for p in [&txt, &csv, &bin, &PathBuf::from(&noext)] {
            let (code, _, err) = run(&[cmd, "-q", p.to_str().unwrap(), "-s", "10"]);
            assert_eq!(code, 2, "{cmd} {p:?}: {err}");
            assert!(
                err.contains("looks like a trace") && err.contains("--trace/-t"),
                "{cmd}: {err}"
            );
        }
    }
    let (code, _, err) = run(&["plan", "-q", csv.to_str().unwrap(), "--target-hit-ratio", "0.5"]);
    assert_eq!(code, 2);
    assert!(err.contains("looks like a trace"), "{err}");
    let (code, _, err) = run(&["run"]);
    assert_eq!(code, 2);
    assert!(err.contains("workload file") && err.contains("--trace"), "{err}");
}

/// Item 1, every command: plan, check and analyze say under their tables how many rows were
/// skipped, warn once when that is over 1% of the lines, and carry the count in their JSON.
#[test]
fn skipped_bad_lines_are_reported_by_plan_check_and_analyze() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "x.csv",
        b"time,key,size\n1,1,10\n2,2,10\n3,1,10\n4,3,oops\n5,2,10\n",
    );
    let commands: [&[&str]; 3] = [
        &[
            "check",
            "-q",
            "-t",
            &p,
            "-s",
            "100",
            "-p",
            "lru",
            "--skip-bad-lines",
            "--assert",
            "hit_ratio >= 0",
        ],
        &[
            "plan",
            "-q",
            "-t",
            &p,
            "-p",
            "lru",
            "--skip-bad-lines",
            "--target-hit-ratio",
            "0.2",
        ],
        &["analyze", "-q", &p, "--skip-bad-lines"],
    ];
    for args in commands {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("skipped 1 bad lines"), "{args:?}: {out}");
        assert_eq!(
            err.matches("1 of 5 lines (20.0%) were skipped").count(),
            1,
            "{args:?}: {err}"
        );
        let mut json = args.to_vec();
        json.extend(["-f", "json"]);
        let (code, out, err) = run(&json);
        assert_eq!(code, 0, "{json:?}: {err}");
        assert!(out.contains("\"skipped_bad_lines\": 1"), "{json:?}: {out}");
    }
}
