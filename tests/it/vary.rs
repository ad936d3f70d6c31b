//! What-if grids: `--vary KEY=V1,V2,...` and `[vary]` run a workload once per value of any key,
//! and every result equals the run of the file with that value written in.

use crate::support::{cachesim, run_results};
use serde_json::{json, Value};

const STAMPEDE: &str = "workloads/stampede.toml";
const MODES: [&str; 5] = ["none", "lock", "coalesce", "xfetch", "stale-while-revalidate"];

fn json_of(args: &[&str]) -> Value {
    let out = cachesim().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A result without its variant (what a separate run of the edited file prints).
fn bare(r: &Value) -> Value {
    let mut r = r.clone();
    r.as_object_mut().unwrap().remove("variant");
    r
}

fn err_of(args: &[&str]) -> String {
    let out = cachesim().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?} accepted");
    assert!(out.stdout.is_empty(), "{args:?} printed results");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn the_stampede_example_reproduces_five_separate_runs_exactly() {
    let vary = format!("pattern.stampede={}", MODES.join(","));
    let v = json_of(&["run", STAMPEDE, "-q", "-f", "json", "--vary", &vary]);
    let rs = v["results"].as_array().unwrap();
    assert_eq!(rs.len(), 5);
    let text = std::fs::read_to_string(STAMPEDE).unwrap();
    assert!(text.contains("\nstampede = \"none\"\n"));
    for (r, mode) in rs.iter().zip(MODES) {
        assert_eq!(r["variant"], json!({ "pattern.stampede": mode }));
        let edited = text.replace("\nstampede = \"none\"\n", &format!("\nstampede = \"{mode}\"\n"));
        let alone = run_results(&edited);
        assert_eq!(bare(r), alone[0], "{mode}");
    }
    // The protections differ: the comparison is not five copies of one run.
    let reads: Vec<u64> = rs.iter().map(|r| r["backend"]["reads"].as_u64().unwrap()).collect();
    assert!(reads.windows(2).any(|w| w[0] != w[1]), "{reads:?}");
}

#[test]
fn the_table_and_csv_have_a_column_per_varied_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = cachesim()
        .args([
            "run",
            STAMPEDE,
            "-q",
            "--vary",
            "pattern.stampede=none,coalesce",
            "--vary",
        ])
        .arg("backend.concurrency=16,128")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    let header = table.lines().find(|l| l.starts_with("policy")).unwrap();
    assert!(
        header.starts_with("policy  pattern.stampede  backend.concurrency"),
        "{header}"
    );
    // The cross product, the first key varying slowest.
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("lru "))
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["lru", "none", "16"],
            vec!["lru", "none", "128"],
            vec!["lru", "coalesce", "16"],
            vec!["lru", "coalesce", "128"],
        ]
    );
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&h[..4], ["policy", "params", "pattern.stampede", "backend.concurrency"]);
    let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 4);
    assert_eq!((&recs[2][2], &recs[2][3]), ("coalesce", "16"));
    let tl = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    assert!(
        tl.starts_with("policy,pattern.stampede,backend.concurrency,"),
        "{}",
        &tl[..80]
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        json["results"][1]["variant"],
        json!({"pattern.stampede": "none", "backend.concurrency": 128})
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("lru (stampede=coalesce, concurrency=16)"),
        "report.md names the variants"
    );
}

#[test]
fn the_file_can_hold_the_grid_and_a_flag_replaces_its_key() {
    let text = std::fs::read_to_string(STAMPEDE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(
        &p,
        format!("{text}\n[vary]\n\"pattern.stampede\" = [\"none\", \"lock\"]\nbackend.concurrency = [16, 64]\n"),
    )
    .unwrap();
    let p = p.to_str().unwrap();
    let from_file = json_of(&["run", p, "-q", "-f", "json"]);
    let from_flags = json_of(&[
        "run",
        STAMPEDE,
        "-q",
        "-f",
        "json",
        "--vary",
        "pattern.stampede=none,lock",
        "--vary",
        "backend.concurrency=16,64",
    ]);
    assert_eq!(from_file["results"], from_flags["results"]);
    assert_eq!(from_file["results"].as_array().unwrap().len(), 4);
    let replaced = json_of(&["run", p, "-q", "-f", "json", "--vary", "backend.concurrency=32"]);
    let vs: Vec<&Value> = replaced["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["variant"])
        .collect();
    assert_eq!(
        vs,
        [
            &json!({"pattern.stampede": "none", "backend.concurrency": 32}),
            &json!({"pattern.stampede": "lock", "backend.concurrency": 32})
        ]
    );
}

#[test]
fn tier_keys_are_named_by_the_tier() {
    let text = std::fs::read_to_string("workloads/two-tier.toml").unwrap();
    let v = json_of(&[
        "run",
        "workloads/two-tier.toml",
        "-q",
        "-f",
        "json",
        "--vary",
        "tier.l1.size=1MiB,4MiB",
    ]);
    let rs = v["results"].as_array().unwrap();
    let n = rs.len() / 2;
    assert!(n >= 1 && rs.len() == 2 * n);
    assert_eq!(rs[0]["variant"], json!({"tier.l1.size": "1MiB"}));
    // Each equals the file with the L1 size written in.
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let l1 = doc["tier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some("l1"))
        .unwrap();
    let old = format!("size = {}", toml::Value::to_string(&l1["size"]));
    assert!(text.contains(&old), "{old}");
    let edited = text.replacen(&old, "size = \"4MiB\"", 1);
    let alone = run_results(&edited);
    for i in 0..n {
        assert_eq!(bare(&rs[n + i]), alone[i]);
    }
    assert_ne!(bare(&rs[0]), alone[0], "a larger L1 changes the result");
}

#[test]
fn check_sweep_and_plan_run_every_variant() {
    let out = cachesim()
        .args(["check", STAMPEDE, "-q", "--vary", "pattern.stampede=none,coalesce"])
        .args(["--assert", "backend.peak_concurrency <= 100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "none's peak breaks the assertion");
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("FAIL") && t.contains("lru (stampede=none) @ 64MiB"), "{t}");
    assert!(
        t.contains("PASS") && t.contains("lru (stampede=coalesce) @ 64MiB"),
        "{t}"
    );
    let ok = cachesim()
        .args(["check", STAMPEDE, "-q", "--vary", "pattern.stampede=lock,coalesce"])
        .args(["--assert", "backend.peak_concurrency <= 100"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let s = json_of(&[
        "sweep",
        "workloads/zipf.toml",
        "-q",
        "-f",
        "json",
        "-p",
        "lru",
        "-s",
        "1%,10%",
        "--vary",
        "workload.popularity.alpha=0.8,1.2",
    ]);
    let rs = s["results"].as_array().unwrap();
    assert_eq!(rs.len(), 4);
    assert_eq!(rs[3]["variant"], json!({"workload.popularity.alpha": 1.2}));
    // A steeper popularity hits more at the same share of its working set.
    assert!(rs[2]["hit_ratio"].as_f64() > rs[0]["hit_ratio"].as_f64());
    let p = json_of(&[
        "plan",
        "workloads/zipf.toml",
        "-q",
        "-f",
        "json",
        "-p",
        "lru",
        "--target-hit-ratio",
        "0.8",
        "--vary",
        "workload.popularity.alpha=0.8,1.2",
    ]);
    let ps = p["policies"].as_array().unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[1]["policy"], "lru (alpha=1.2)");
    assert!(ps[1]["size"].as_u64() < ps[0]["size"].as_u64());
}

#[test]
fn bad_grids_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = out.to_str().unwrap();
    let e = err_of(&[
        "run",
        STAMPEDE,
        "-q",
        "--out",
        o,
        "--vary",
        "pattern.stampede=none,lokc",
    ]);
    assert!(
        e.contains("pattern.stampede=lokc") && e.contains("unknown variant `lokc`"),
        "{e}"
    );
    assert!(!out.exists(), "nothing ran");
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "patern.stampede=none"]);
    assert!(
        e.contains("patern.stampede=none") && e.contains("unknown field `patern`"),
        "{e}"
    );
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "backend.concurrency=8,0"]);
    assert!(e.contains("backend.concurrency=0"), "{e}");
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "pattern.stampede"]);
    assert!(e.contains("no '='"), "{e}");
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "pattern.stampede="]);
    assert!(e.contains("no values"), "{e}");
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "pattern.stampede=lock,lock"]);
    assert!(e.contains("given twice"), "{e}");
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "seed=1", "--vary", "seed=2"]);
    assert!(e.contains("varied twice"), "{e}");
    let e = err_of(&["run", "workloads/two-tier.toml", "-q", "--vary", "tier.l3.size=1MiB"]);
    assert!(e.contains("no element named \"l3\"") && e.contains("l1, l2"), "{e}");
    let e = err_of(&["run", STAMPEDE, "-q", "--vary", "name.x=1"]);
    assert!(e.contains("not a table"), "{e}");
    let e = err_of(&["run", "--trace", "Cargo.toml", "-q", "--vary", "seed=1,2"]);
    assert!(e.contains("--trace run"), "{e}");
    // A [vary] entry that is not a list of values.
    let text = std::fs::read_to_string(STAMPEDE).unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, format!("{text}\n[vary]\n\"pattern.stampede\" = \"lock\"\n")).unwrap();
    let e = err_of(&["run", p.to_str().unwrap(), "-q"]);
    assert!(e.contains("[vary] pattern.stampede") && e.contains("array"), "{e}");
}

#[test]
fn seeds_vary_too() {
    // `seed` is a key of the file like any other: two seeds, two different streams.
    let v = json_of(&[
        "run",
        "workloads/zipf.toml",
        "-q",
        "-f",
        "json",
        "-p",
        "lru",
        "-s",
        "1%",
        "--vary",
        "seed=1,2",
    ]);
    let rs = v["results"].as_array().unwrap();
    assert_eq!(rs.len(), 2);
    assert_ne!(rs[0]["hits"], rs[1]["hits"]);
    let one = json_of(&[
        "run",
        "workloads/zipf.toml",
        "-q",
        "-f",
        "json",
        "-p",
        "lru",
        "-s",
        "1%",
        "--seed",
        "2",
    ]);
    assert_eq!(bare(&rs[1]), one["results"][0]);
}
