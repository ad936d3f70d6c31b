//! Code the test modules share.

use assert_cmd::Command;

/// The `cachesim` binary of this build, ready for arguments.
pub fn cachesim() -> Command {
    Command::cargo_bin("cachesim").unwrap()
}

/// Runs `cachesim run -q` on the workload `text` (written to a temporary file), which must be
/// refused with exit 2; returns the error on stderr.
pub fn run_err(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, text).unwrap();
    let out = cachesim().args(["run", "-q"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "accepted:\n{text}");
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Every request the workload `text` generates.
pub fn requests(text: &str) -> Vec<cachesim::model::request::Request> {
    let path = std::path::Path::new("workload.toml");
    let f = cachesim::schema::parse(text, path).unwrap();
    let src = cachesim::source::workload_source(&f, path).unwrap();
    let mut r = src.open(None).unwrap();
    let (mut all, mut batch) = (Vec::new(), Vec::new());
    while r.read_batch(&mut batch).unwrap() {
        all.extend_from_slice(&batch);
    }
    all
}

/// Runs `cachesim run -q -f json` on the workload `text` (written to a temporary file), which
/// must succeed; returns its `results`.
pub fn run_results(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, text).unwrap();
    let out = cachesim().args(["run", "-q", "-f", "json"]).arg(&p).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["results"].clone()
}
