//! `[topology] routing = "trace"`: a CSV column names the application instance of each request.
//! Each instance reads keys of its own, so each instance's L1 sees exactly that instance's
//! sub-stream: the L1 hits must be the sum of what a single LRU of the L1's size gives on each
//! sub-stream (run through `cachesim run --trace`, and through a list model written here), and the
//! shared L2 must give what a single LRU gives on the stream of L1 misses. Names and numbers in
//! the column route alike; the bad inputs exit 2 naming the field.

use crate::support::cachesim;
use std::path::Path;

const INSTANCES: u64 = 3;
const L1: usize = 10;
const L2: usize = 40;

/// The trace: (instance, key) per request, instance i's keys drawn from its own range with a skew
/// (a small xorshift generator, so the stream is fixed but not written out by hand).
fn stream(n: usize) -> Vec<(u64, u64)> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let inst = next() % INSTANCES;
            // Two draws, the smaller kept: low ranks are more popular.
            let k = (next() % 60).min(next() % 60);
            (inst, inst * 1000 + k)
        })
        .collect()
}

/// Hits of one LRU of `cap` objects on `keys`, and the positions that missed (a list: the
/// least recent at the front).
fn lru(keys: impl IntoIterator<Item = u64>, cap: usize) -> (u64, Vec<usize>) {
    let mut list: Vec<u64> = Vec::new();
    let (mut hits, mut misses) = (0, Vec::new());
    for (i, k) in keys.into_iter().enumerate() {
        match list.iter().position(|&x| x == k) {
            Some(p) => {
                hits += 1;
                list.remove(p);
            }
            None => {
                misses.push(i);
                if list.len() == cap {
                    list.remove(0);
                }
            }
        }
        list.push(k);
    }
    (hits, misses)
}

fn write_csv(path: &Path, rows: &[(String, u64)]) {
    let mut s = String::from("time,key,inst\n");
    for (t, (inst, key)) in rows.iter().enumerate() {
        s.push_str(&format!("{t},{key},{inst}\n"));
    }
    std::fs::write(path, s).unwrap();
}

/// A workload replaying `trace` through per-instance L1s and a shared L2, all LRU.
fn workload(trace: &str, topology: &str) -> String {
    format!(
        "[workload]\ntrace = \"{trace}\"\n[cache]\nignore_obj_size = true\npolicies = [\"lru\"]\nsizes = [\"{L2}\"]\n[topology]\ninstances = {INSTANCES}\n{topology}[[tier]]\nname = \"l1\"\nscope = \"instance\"\npolicy = \"lru\"\nsize = {L1}\n[[tier]]\nname = \"l2\"\n"
    )
}

fn run(dir: &Path, name: &str, text: &str, extra: &[&str]) -> std::process::Output {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    cachesim()
        .args(["run", "-q", "-f", "json"])
        .args(extra)
        .arg(&p)
        .output()
        .unwrap()
}

fn tiers(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["results"][0]["tiers"].clone()
}

/// Hits of `cachesim run --trace` with one LRU of `cap` objects on `keys`.
fn single_lru_hits(dir: &Path, name: &str, keys: &[u64], cap: usize) -> u64 {
    let p = dir.join(name);
    let mut s = String::from("time,key\n");
    for (t, k) in keys.iter().enumerate() {
        s.push_str(&format!("{t},{k}\n"));
    }
    std::fs::write(&p, s).unwrap();
    let out = cachesim()
        .args([
            "run",
            "-q",
            "-f",
            "json",
            "--ignore-obj-size",
            "--policies",
            "lru",
            "--sizes",
        ])
        .arg(cap.to_string())
        .arg("--trace")
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["results"][0]["hits"].as_u64().unwrap()
}

#[test]
fn each_instance_l1_sees_its_own_sub_stream() {
    let dir = tempfile::tempdir().unwrap();
    let reqs = stream(6000);
    let numbers: Vec<(String, u64)> = reqs.iter().map(|&(i, k)| (i.to_string(), k)).collect();
    write_csv(&dir.path().join("numbers.csv"), &numbers);
    let got = tiers(&run(
        dir.path(),
        "w.toml",
        &workload("numbers.csv", "routing = \"trace\"\ninstance_col = \"inst\"\n"),
        &[],
    ));

    // L1: per instance, a single LRU of the L1's size on that instance's sub-stream.
    let mut l1_hits = 0;
    let mut model_hits = 0;
    let mut l1_missed = vec![false; reqs.len()];
    for inst in 0..INSTANCES {
        let idx: Vec<usize> = (0..reqs.len()).filter(|&j| reqs[j].0 == inst).collect();
        let keys: Vec<u64> = idx.iter().map(|&j| reqs[j].1).collect();
        l1_hits += single_lru_hits(dir.path(), &format!("sub{inst}.csv"), &keys, L1);
        let (h, misses) = lru(keys.iter().copied(), L1);
        model_hits += h;
        for m in misses {
            l1_missed[idx[m]] = true;
        }
    }
    assert_eq!(l1_hits, model_hits, "the list model and cachesim's LRU disagree");
    assert_eq!(got[0]["name"], "l1");
    assert_eq!(got[0]["requests"], reqs.len() as u64);
    assert_eq!(got[0]["hits"], l1_hits, "{got}");
    // Routing everything to one instance (the old behavior) would give other L1 hits.
    assert_ne!(lru(reqs.iter().map(|r| r.1), L1).0, l1_hits);

    // L2: a single LRU of its size on the L1 misses, in trace order.
    let l2_keys: Vec<u64> = (0..reqs.len()).filter(|&j| l1_missed[j]).map(|j| reqs[j].1).collect();
    let l2_hits = single_lru_hits(dir.path(), "l2.csv", &l2_keys, L2);
    assert_eq!(got[1]["requests"], l2_keys.len() as u64, "{got}");
    assert_eq!(got[1]["hits"], l2_hits, "{got}");

    // Names route as numbers do: numbered in order of first appearance, whatever they spell.
    let spell = ["web-c", "web-a", "web-b"];
    let names: Vec<(String, u64)> = reqs.iter().map(|&(i, k)| (spell[i as usize].to_string(), k)).collect();
    write_csv(&dir.path().join("names.csv"), &names);
    let by_name = tiers(&run(
        dir.path(),
        "names.toml",
        &workload("names.csv", "routing = \"trace\"\ninstance_col = 3\n"),
        &[],
    ));
    assert_eq!(by_name, got);

    // --instance-col gives the column instead of topology.instance_col.
    let by_flag = tiers(&run(
        dir.path(),
        "flag.toml",
        &workload("numbers.csv", "routing = \"trace\"\n"),
        &["--instance-col", "inst"],
    ));
    assert_eq!(by_flag, got);
}

/// Runs a workload expected to fail: exit 2, stderr returned.
fn refused(dir: &Path, text: &str, extra: &[&str]) -> String {
    let out = run(dir, "bad.toml", text, extra);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "accepted:\n{text}\n{err}");
    err
}

#[test]
fn instances_outside_the_topology_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let trace = "routing = \"trace\"\ninstance_col = \"inst\"\n";
    // A number at topology.instances, on the fourth data row (line 5 with the header).
    let rows: Vec<(String, u64)> = [0, 1, 2, INSTANCES, 0]
        .iter()
        .map(|&i| (i.to_string(), 7 + i))
        .collect();
    write_csv(&d.join("big.csv"), &rows);
    let e = refused(d, &workload("big.csv", trace), &[]);
    for want in [
        "big.csv",
        "line 5",
        "instance_col",
        &format!("topology.instances = {INSTANCES}"),
    ] {
        assert!(e.contains(want), "no `{want}` in: {e}");
    }
    // One name more than there are instances, on its first appearance (line 6).
    let rows: Vec<(String, u64)> = ["a", "b", "a", "c", "d", "a"]
        .iter()
        .enumerate()
        .map(|(k, n)| (n.to_string(), k as u64))
        .collect();
    write_csv(&d.join("names.csv"), &rows);
    let e = refused(d, &workload("names.csv", trace), &[]);
    for want in [
        "names.csv",
        "line 6",
        "`d`",
        "instance_col",
        &format!("topology.instances = {INSTANCES}"),
    ] {
        assert!(e.contains(want), "no `{want}` in: {e}");
    }
    // As many names as instances is fine.
    write_csv(&d.join("three.csv"), &rows[..4]);
    tiers(&run(d, "ok.toml", &workload("three.csv", trace), &[]));
}

#[test]
fn instance_columns_where_they_do_not_apply() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_csv(&d.join("t.csv"), &[("0".into(), 1), ("1".into(), 2)]);
    // A synthetic workload has no columns: the message names routing.
    let synthetic = workload("t.csv", "routing = \"trace\"\ninstance_col = \"inst\"\n")
        .replace("trace = \"t.csv\"\n", "requests = 100\nkeys = 10\n");
    let e = refused(d, &synthetic, &[]);
    assert!(e.contains("routing") && e.contains("synthetic"), "{e}");
    // --instance-col without routing = "trace", without [topology], and on a bare trace.
    let e = refused(
        d,
        &workload("t.csv", "routing = \"by-key\"\n"),
        &["--instance-col", "inst"],
    );
    assert!(e.contains("--instance-col") && e.contains("by-key"), "{e}");
    let plain = "[workload]\ntrace = \"t.csv\"\n[cache]\npolicies = [\"lru\"]\nsizes = [\"10\"]\n";
    let e = refused(d, plain, &["--instance-col", "inst"]);
    assert!(e.contains("--instance-col") && e.contains("[topology]"), "{e}");
    let out = cachesim()
        .args(["run", "-q", "--trace"])
        .arg(d.join("t.csv"))
        .args(["--instance-col", "inst"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--instance-col"));
    // A trace format without columns.
    std::fs::write(d.join("t.txt"), "1\n2\n").unwrap();
    let e = refused(d, &workload("t.txt", "routing = \"trace\"\ninstance_col = 1\n"), &[]);
    assert!(e.contains("topology.instance_col") && e.contains("t.txt"), "{e}");
}
