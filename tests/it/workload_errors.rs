//! Bad workload files through the binary: each exits with code 2 and one error that names the
//! field (and the line, where the parser knows it), prints nothing on stdout and never panics.

use assert_cmd::Command;

const HEAD: &str = "[workload]\nrequests = 1000\nkeys = 100\n";

/// Runs `cachesim run` and `cachesim generate` on `text` and checks the error.
fn rejects(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("bad.toml");
    std::fs::write(&w, text).unwrap();
    let out_file = dir.path().join("out.csv");
    let runs = [
        vec!["run".into(), w.display().to_string(), "-q".into()],
        vec![
            "generate".into(),
            w.display().to_string(),
            "-q".into(),
            "-o".into(),
            out_file.display().to_string(),
        ],
    ];
    for args in runs {
        let out = Command::cargo_bin("cachesim").unwrap().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} on\n{text}\n{err}");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout:\n{text}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.matches("error:").count(), 1, "one error:\n{err}");
        assert!(err.contains("bad.toml"), "names the file:\n{err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: stderr lacks `{n}`:\n{text}\n{err}");
        }
        assert!(!out_file.exists(), "generate wrote a file despite failing");
    }
}

#[test]
fn negative_rate() {
    rejects(
        &format!("{HEAD}arrival = {{ process = \"poisson\", rate = -5 }}\n"),
        &["line 4", "rate: -5", "greater than 0"],
    );
    rejects(
        &format!("{HEAD}arrival = {{ process = \"bursty\", rate = 100, rate_between = -1, mean_burst = \"1s\", mean_gap = \"1s\" }}\n"),
        &["line 4", "rate_between: -1", "at least 0"],
    );
    rejects(
        "[workload]\nkeys = 100\n[[workload.phases]]\nrequests = 5\nrate = -1\n",
        &["line 5", "rate = -1", "greater than 0"],
    );
}

#[test]
fn zero_alpha() {
    rejects(
        &format!("{HEAD}popularity = {{ dist = \"zipf\", alpha = 0 }}\n"),
        &["line 4", "alpha: 0", "greater than 0"],
    );
    rejects(
        &format!("{HEAD}popularity = {{ dist = \"mix\", components = [{{ weight = 1, dist = \"shifting\", alpha = 0, every = 10 }}] }}\n"),
        &["line 4", "alpha: 0", "mix component"],
    );
}

#[test]
fn read_ratio_outside_0_1() {
    rejects(
        &format!("{HEAD}read_ratio = 1.5\n"),
        &["line 4", "read_ratio", "between 0 and 1"],
    );
    rejects(
        &format!("{HEAD}read_ratio = -0.1\n"),
        &["line 4", "read_ratio", "between 0 and 1"],
    );
    rejects(
        "[workload]\nkeys = 100\n[[workload.phases]]\nrequests = 5\nread_ratio = 2\n",
        &["line 5", "read_ratio", "between 0 and 1"],
    );
    rejects(
        &format!("{HEAD}popularity = {{ dist = \"hotspot\", hot_keys = 0.1, hot_traffic = 1.2 }}\n"),
        &["line 4", "hot_traffic: 1.2", "between 0 and 1"],
    );
}

#[test]
fn zero_sizes() {
    rejects(
        &format!("{HEAD}size = {{ dist = \"fixed\", value = 0 }}\n"),
        &["line 4", "value", "greater than zero"],
    );
    rejects(
        &format!("{HEAD}size = {{ dist = \"uniform\", min = \"0B\", max = \"1KiB\" }}\n"),
        &["line 4", "min", "zero"],
    );
    rejects(
        &format!("{HEAD}size = {{ dist = \"lognormal\", median = \"0KiB\", sigma = 1 }}\n"),
        &["line 4", "median", "zero"],
    );
    rejects(
        &format!("{HEAD}[cache]\nsizes = [\"0\"]\n"),
        &["line 5", "sizes", "zero"],
    );
}

#[test]
fn empty_phase_list() {
    rejects("[workload]\nkeys = 100\nphases = []\n", &["workload.phases", "empty"]);
}

#[test]
fn unknown_distribution_name() {
    rejects(
        &format!("{HEAD}popularity = {{ dist = \"zipff\", alpha = 1 }}\n"),
        &["line 4", "dist = \"zipff\"", "unknown variant `zipff`", "`zipf`"],
    );
    rejects(
        &format!("{HEAD}arrival = {{ process = \"poison\", rate = 5 }}\n"),
        &["line 4", "process = \"poison\"", "`poisson`"],
    );
    rejects(
        &format!("{HEAD}size = {{ dist = \"normal\", median = 5 }}\n"),
        &["line 4", "`lognormal`"],
    );
}

#[test]
fn trace_that_does_not_exist() {
    rejects(
        &format!("{HEAD}arrival = {{ process = \"trace\", path = \"/no/such/file.bin\" }}\n"),
        &["workload.arrival.path", "/no/such/file.bin", "does not exist"],
    );
    rejects(
        "[workload]\ntrace = \"no-such-trace.bin\"\n",
        &["workload.trace", "no-such-trace.bin", "does not exist"],
    );
}

#[test]
fn unknown_key() {
    rejects(
        &format!("{HEAD}raed_ratio = 0.9\n"),
        &["line 4", "unknown field `raed_ratio`", "`read_ratio`"],
    );
    rejects(
        &format!("{HEAD}popularity = {{ dist = \"zipf\", alhpa = 1 }}\n"),
        &["line 4", "alhpa"],
    );
    rejects(
        "[workload]\nkeys = 100\n[[workload.phases]]\nrequests = 5\nraed_ratio = 0.5\n",
        &["line 5", "raed_ratio"],
    );
    rejects(&format!("[workloads]\nrequests = 10\n{HEAD}"), &["line 1", "workloads"]);
}

#[test]
fn ttl_class_errors_say_what_is_wrong() {
    rejects(
        &format!("{HEAD}ttl = {{ classes = [{{ share = 0.5, ttl = \"0s\" }}] }}\n"),
        &["line 4", "ttl", "zero"],
    );
    rejects(
        &format!("{HEAD}ttl = {{ classes = [{{ share = 1.5, ttl = \"1m\" }}] }}\n"),
        &["line 4", "share: 1.5", "between 0 and 1"],
    );
}
