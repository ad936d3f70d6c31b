//! Accuracy and contract of `cachesim analyze`: statistics of generated streams checked against a
//! brute-force count of the same stream, the LRU curve against `cachesim run -p lru`, the
//! cloudPhysicsIO totals, and the error exit codes.

use crate::support::cachesim;
use cachesim::schema::parse;
use cachesim::source::Source;
use cachesim::workload::Workload;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes a workload file into `dir`.
fn workload(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("name = \"{name}\"\nseed = 3\n[workload]\n{body}\n")).unwrap();
    p
}

fn analyze(args: &[&str]) -> Value {
    let out = cachesim()
        .arg("analyze")
        .args(args)
        .args(["-f", "json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "analyze {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Per-key request counts of the workload's stream, by brute force.
fn brute_counts(path: &Path) -> (u64, HashMap<u64, u64>) {
    let f = parse(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    let w = Arc::new(Workload::compile(&f, path).unwrap());
    let mut r = Source::workload(w).open(None).unwrap();
    let (mut n, mut m, mut batch) = (0, HashMap::new(), Vec::new());
    while r.read_batch(&mut batch).unwrap() {
        for q in &batch {
            n += 1;
            *m.entry(q.key).or_insert(0u64) += 1;
        }
    }
    (n, m)
}

/// (cache_size, misses) of the curve.
fn curve(v: &Value) -> Vec<(u64, u64)> {
    v["lru_mrc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["cache_size"].as_u64().unwrap(), p["misses"].as_u64().unwrap()))
        .collect()
}

/// `cachesim run -p lru` at the curve's sizes gives the same misses.
fn assert_curve_matches_run(input: &[&str], extra: &[&str], v: &Value) {
    let c = curve(v);
    let sizes: Vec<String> = c.iter().map(|p| p.0.to_string()).collect();
    let out = cachesim()
        .arg("run")
        .args(input)
        .args(extra)
        .args(["-p", "lru", "-q", "--format", "json", "-s", &sizes.join(",")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sim: Vec<(u64, u64)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["cache_size"].as_u64().unwrap(), p["misses"].as_u64().unwrap()))
        .collect();
    assert_eq!(c, sim, "analyze {input:?} {extra:?} vs run -p lru");
}

#[test]
fn zipf_alpha_one_hit_wonders_and_objects_match_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    for alpha in [0.7, 1.0, 1.3] {
        let p = workload(
            dir.path(),
            &format!("z{alpha}.toml"),
            &format!(
                "requests = 1_000_000\nkeys = 200_000\npopularity = {{ dist = \"zipf\", alpha = {alpha} }}\n\
                 size = {{ dist = \"fixed\", value = \"4KiB\" }}"
            ),
        );
        let v = analyze(&[p.to_str().unwrap()]);
        let fitted = v["zipf_alpha"].as_f64().unwrap();
        assert!((fitted - alpha).abs() < 0.03, "alpha {alpha}: fitted {fitted}");
        let (n, counts) = brute_counts(&p);
        assert_eq!(v["requests"].as_u64().unwrap(), n);
        assert_eq!(v["objects"].as_u64().unwrap(), counts.len() as u64);
        let once = counts.values().filter(|&&c| c == 1).count() as u64;
        assert_eq!(v["popularity"]["one_hit_wonders"].as_u64().unwrap(), once);
        let ratio = v["one_hit_wonder_ratio"].as_f64().unwrap();
        assert!((ratio - once as f64 / counts.len() as f64).abs() < 1e-12);
        let cmr = v["compulsory_miss_ratio"].as_f64().unwrap();
        assert!((cmr - counts.len() as f64 / n as f64).abs() < 1e-12);
        assert_eq!(v["working_set_bytes"].as_u64().unwrap(), 4096 * counts.len() as u64);
        assert_eq!(v["reuse"]["lru_mrc_method"], "reuse-distances");
        assert_curve_matches_run(&[p.to_str().unwrap()], &[], &v);
    }
}

#[test]
fn lru_curve_equals_run_with_byte_sizes_and_with_objects() {
    let dir = tempfile::tempdir().unwrap();
    let p = workload(
        dir.path(),
        "sizes.toml",
        "requests = 200_000\nkeys = 30_000\npopularity = { dist = \"zipf\", alpha = 0.9 }\n\
         size = { dist = \"lognormal\", median = \"4KiB\", sigma = 1.5 }",
    );
    let w = p.to_str().unwrap();
    let bytes = analyze(&[w]);
    assert_eq!(bytes["reuse"]["lru_mrc_method"], "lru-stack");
    assert_eq!(bytes["lru_mrc"].as_array().unwrap().len(), 24);
    assert_curve_matches_run(&[w], &[], &bytes);
    let objects = analyze(&[w, "--ignore-obj-size"]);
    assert_eq!(objects["reuse"]["lru_mrc_method"], "reuse-distances");
    assert_eq!(objects["size_unit"], "objects");
    assert_curve_matches_run(&[w], &["--ignore-obj-size"], &objects);
    // --sizes overrides the default curve, percentages of the working set as in `run`.
    let some = analyze(&[w, "--sizes", "1%,64KiB,50%"]);
    let ws = some["working_set_bytes"].as_u64().unwrap();
    let c = curve(&some);
    assert_eq!(c.len(), 3);
    assert_eq!(c[0].0, (ws as f64 * 0.01).round() as u64);
    assert_eq!(c[1].0, 65536);
    assert_curve_matches_run(&[w], &[], &some);
}

#[test]
fn lru_curve_equals_run_with_deletes_and_ttls() {
    let dir = tempfile::tempdir().unwrap();
    let p = workload(
        dir.path(),
        "ttl.toml",
        "requests = 100_000\nkeys = 10_000\nread_ratio = 0.8\ndelete_ratio = 0.05\n\
         popularity = { dist = \"zipf\", alpha = 0.9 }\narrival = { process = \"poisson\", rate = 1000 }\n\
         size = { dist = \"fixed\", value = \"1KiB\" }\nttl = \"20s\"",
    );
    let w = p.to_str().unwrap();
    let v = analyze(&[w]);
    assert_eq!(v["reuse"]["lru_mrc_method"], "lru-stack");
    assert!(v["deletes"].as_u64().unwrap() > 0);
    assert!(v["ttl"]["requests"].as_u64().unwrap() > 0);
    assert_curve_matches_run(&[w], &[], &v);
}

#[test]
fn cloud_physics_totals() {
    let t = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/cloudPhysicsIO.oracleGeneral.bin");
    if !t.exists() {
        eprintln!("skipping: {} is absent", t.display());
        return;
    }
    let t = t.to_str().unwrap();
    let v = analyze(&[t]);
    assert_eq!(v["requests"], 113_872);
    assert_eq!(v["objects"], 48_974);
    assert_curve_matches_run(&["--trace", t], &[], &v);
    let o = analyze(&[t, "--ignore-obj-size"]);
    assert_curve_matches_run(&["--trace", t], &["--ignore-obj-size"], &o);
}

#[test]
fn out_dir_has_json_markdown_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let t = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/sample.oracleGeneral.bin");
    let out = dir.path().join("report");
    let o = cachesim()
        .args(["analyze", t.to_str().unwrap(), "-q", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("of objects are requested once"), "{text}");
    let v: Value = serde_json::from_slice(&std::fs::read(out.join("analysis.json")).unwrap()).unwrap();
    for k in [
        "requests",
        "objects",
        "working_set_bytes",
        "one_hit_wonder_ratio",
        "zipf_alpha",
        "compulsory_miss_ratio",
        "lru_mrc",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    let md = std::fs::read_to_string(out.join("analysis.md")).unwrap();
    for f in ["popularity", "reuse_distance", "rate", "sizes", "lru_mrc"] {
        assert!(md.contains(&format!("({f}.png)")), "{f} not embedded");
        assert!(out.join(format!("{f}.png")).metadata().unwrap().len() > 1000);
    }
}

#[test]
fn errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    cachesim()
        .args(["analyze", dir.path().join("missing.bin").to_str().unwrap()])
        .assert()
        .code(2);
    cachesim()
        .args(["analyze", dir.path().join("missing.toml").to_str().unwrap()])
        .assert()
        .code(2);
    let t = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/sample.oracleGeneral.bin");
    let bytes = std::fs::read(t).unwrap();
    let cut = dir.path().join("cut.oracleGeneral.bin");
    std::fs::write(&cut, &bytes[..24 * 1000 + 7]).unwrap();
    let o = cachesim().args(["analyze", cut.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty(), "nothing partial is printed");
}
