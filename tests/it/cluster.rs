//! `[cluster]` in plain replay: the clustered tier is one cache per node, each holding the tier's
//! size divided by the nodes, and a key is looked up and stored only in the node its hashing
//! picks. Checked against independent single-cache replays of each node's share of the trace,
//! against the Zipf popularity of the keys, and for the errors it names.

use crate::support::{requests, run_err, run_results};
use cachesim::model::request::Request;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_slice;
use cachesim::topology::cluster::{Hashing, Placement};
use cachesim::workload::popularity::scatter;
use serde_json::Value;

fn run_json(text: &str) -> Value {
    run_results(text)
}

/// The model of split copies: copy 0 is the key, each further copy the first split_key(key, c)
/// (c = 1, 2, ...) whose node holds no copy yet. Returns the copies' keys and nodes.
fn split_copies(p: &Placement, key: u64, copies: usize) -> (Vec<u64>, Vec<u32>) {
    let (mut keys, mut used) = (Vec::new(), Vec::new());
    for c in 0.. {
        let k = cachesim::topology::cluster::split_key(key, c);
        let n = p.node_of(k).unwrap();
        if !used.contains(&n) {
            used.push(n);
            keys.push(k);
        }
        if keys.len() == copies {
            break;
        }
    }
    (keys, used)
}

/// Checks every node of `r` against an independent replay of its share of `reqs` through a
/// cache of `policy` at `cap`; returns the hits of all nodes.
fn assert_nodes_are_their_shares(
    r: &Value,
    p: &Placement,
    reqs: &[Request],
    policy: &str,
    cap: u64,
    what: &str,
) -> u64 {
    let spec = PolicySpec::parse(policy).unwrap();
    let mut total = 0;
    for (n, node) in r["nodes"].as_array().unwrap().iter().enumerate() {
        let share: Vec<Request> = reqs
            .iter()
            .filter(|q| p.node_of(q.key) == Some(n as u32))
            .copied()
            .collect();
        let s = replay_slice(
            &spec,
            &BuildCtx {
                capacity: cap,
                seed: 11,
            },
            &share,
        );
        assert_eq!(node["requests"], share.len() as u64, "{what} node {n}");
        assert_eq!(node["hits"], s.requests - s.misses, "{what} node {n}");
        total += s.requests - s.misses;
    }
    total
}

const WORKLOAD: &str = r#"seed = 11
[workload]
requests = 100_000
keys = 20_000
popularity = { dist = "zipf", alpha = 0.9 }
size = { dist = "uniform", min = "1KiB", max = "8KiB" }
"#;

fn with_cluster(cluster: &str, policy: &str, size: &str) -> String {
    format!("{WORKLOAD}[cluster]\n{cluster}\n[cache]\npolicies = [\"{policy}\"]\nsizes = [\"{size}\"]\n")
}

#[test]
fn each_node_is_an_independent_cache_of_its_keys() {
    let reqs = requests(WORKLOAD);
    let cap = 8 * 1024 * 1024u64;
    for (name, hashing) in [
        ("ketama", Hashing::Ketama { vnodes: 160 }),
        ("modulo", Hashing::Modulo),
        ("rendezvous", Hashing::Rendezvous),
        ("redis-slots", Hashing::RedisSlots),
    ] {
        for policy in ["lru", "s3fifo", "arc"] {
            let text = with_cluster(&format!("nodes = 5\nhashing = \"{name}\""), policy, "8MiB");
            let r = &run_json(&text)[0];
            let nodes = r["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), 5);
            // The model: split the trace by node, replay each share through its own cache.
            let p = Placement::new(hashing, 5).unwrap();
            let total_hits = assert_nodes_are_their_shares(r, &p, &reqs, policy, cap / 5, &format!("{name} {policy}"));
            assert_eq!(r["hits"], total_hits, "{name} {policy}");
            assert_eq!(r["requests"], reqs.len() as u64);
        }
    }
}

#[test]
fn one_node_is_the_single_cache() {
    let single = run_json(&format!(
        "{WORKLOAD}[cache]\npolicies = [\"lru\", \"s3fifo\"]\nsizes = [\"4MiB\"]\n"
    ));
    for hashing in ["ketama", "modulo", "rendezvous", "redis-slots"] {
        let text = format!(
            "{WORKLOAD}[cluster]\nnodes = 1\nhashing = \"{hashing}\"\n[cache]\npolicies = [\"lru\", \"s3fifo\"]\nsizes = [\"4MiB\"]\n"
        );
        let one = run_json(&text);
        for i in 0..2 {
            for k in ["hits", "misses", "evictions", "bytes_missed"] {
                assert_eq!(one[i][k], single[i][k], "{hashing} {k}");
            }
            assert_eq!(one[i]["imbalance"], 1.0);
            assert_eq!(one[i]["nodes"][0]["hits"], single[i]["hits"]);
        }
    }
}

#[test]
fn imbalance_follows_the_popularity_of_the_keys_each_node_holds() {
    // Zipf 1.2 over 1M keys on 8 nodes: the node holding the most popular key gets most of the
    // load. Expected lookups per node: the Zipf probabilities of its keys, (r+1)^-1.2 / H.
    let keys = 1_000_000u64;
    let text = format!(
        "seed = 3\n[workload]\nrequests = 400_000\nkeys = {keys}\npopularity = {{ dist = \"zipf\", alpha = 1.2 }}\n[cluster]\nnodes = 8\n[cache]\npolicies = [\"lru\"]\nsizes = [\"1%\"]\n"
    );
    let r = &run_json(&text)[0];
    let p = Placement::new(Hashing::Ketama { vnodes: 160 }, 8).unwrap();
    let mut expected = [0f64; 8];
    for rank in 0..keys {
        expected[p.node_of(scatter(rank)).unwrap() as usize] += ((rank + 1) as f64).powf(-1.2);
    }
    let h: f64 = expected.iter().sum();
    let nodes = r["nodes"].as_array().unwrap();
    let total: u64 = nodes.iter().map(|n| n["requests"].as_u64().unwrap()).sum();
    assert_eq!(total, 400_000);
    for (n, node) in nodes.iter().enumerate() {
        let share = node["requests"].as_u64().unwrap() as f64 / total as f64;
        let want = expected[n] / h;
        // Binomial sampling: sd sqrt(p(1-p)/400k) < 0.0008.
        assert!(
            (share - want).abs() < 0.004,
            "node {n}: share {share}, Zipf implies {want}"
        );
    }
    let max_req = expected.iter().cloned().fold(0.0, f64::max) / h * 8.0;
    let busiest = nodes.iter().map(|n| n["requests"].as_u64().unwrap()).max().unwrap() as f64 / total as f64 * 8.0;
    assert!(
        (busiest - max_req).abs() < 0.04,
        "requests imbalance {busiest} vs {max_req}"
    );
    // The reported imbalance also counts sets (fills); it stays above 1 and below N.
    let imb = r["imbalance"].as_f64().unwrap();
    assert!(imb > 1.2 && imb < 8.0, "{imb}");
    let share = r["hot_node_share"].as_f64().unwrap();
    assert!((share * 8.0 - imb).abs() < 1e-9, "hot_node_share = imbalance / nodes");
}

#[test]
fn a_workload_without_cluster_has_no_node_fields() {
    let r = &run_json(&format!(
        "{WORKLOAD}[cache]\npolicies = [\"lru\"]\nsizes = [\"4MiB\"]\n"
    ))[0];
    for k in ["nodes", "imbalance", "hot_node_share"] {
        assert!(r.get(k).is_none(), "{k}");
    }
}

#[test]
fn bad_clusters_exit_2_naming_the_key() {
    let tiers = "[topology]\ninstances = 2\n[[tier]]\nname = \"l1\"\nscope = \"instance\"\npolicy = \"lru\"\nsize = \"1MiB\"\n[[tier]]\nname = \"l2\"\n";
    for (text, needle) in [
        (
            with_cluster("nodes = 0", "lru", "4MiB"),
            "nodes = 0\n  |         ^\n0 is out of range: expected a whole number greater than 0",
        ),
        (
            with_cluster("nodes = 3\nhashing = \"modulo\"\nvnodes = 10", "lru", "4MiB"),
            "cluster.vnodes",
        ),
        (
            with_cluster("nodes = 3\nvnodes = 0", "lru", "4MiB"),
            "vnodes = 0\n  |          ^\n0 is out of range",
        ),
        (
            with_cluster("nodes = 100000\nvnodes = 160", "lru", "4MiB"),
            "more than 10,000,000 ring points",
        ),
        (with_cluster("nodes = 3\nhashing = \"crc\"", "lru", "4MiB"), "hashing"),
        (
            with_cluster("nodes = 20000\nhashing = \"redis-slots\"", "lru", "4MiB"),
            "cluster.nodes = 20000",
        ),
        (
            with_cluster("nodes = 3\ntier = \"l9\"", "lru", "4MiB"),
            "no tier is named \"l9\"",
        ),
        (with_cluster("nodes = 100", "lru", "50"), "less than one byte"),
        (
            format!("{WORKLOAD}{tiers}[cluster]\nnodes = 3\ntier = \"l1\"\n"),
            "instance tier",
        ),
        (
            format!("{WORKLOAD}[pattern]\nwrite = \"write-behind\"\n[cluster]\nnodes = 3\n"),
            "with a [cluster] is not built yet",
        ),
    ] {
        let err = run_err(&text);
        assert!(err.contains(needle), "wanted {needle:?} in: {err}");
    }
    // The shared tier of a hierarchy is the default.
    let r = &run_json(&format!(
        "{WORKLOAD}{tiers}[cluster]\nnodes = 3\n[cache]\npolicies = [\"lru\"]\nsizes = [\"4MiB\"]\n"
    ))[0];
    assert_eq!(r["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(r["tiers"][1]["copies"], 3);
    assert_eq!(r["memory_bytes_total"], 2 * 1024 * 1024 + 4 * 1024 * 1024 / 3 * 3);
}

const HOT: &str = "seed = 3\n[workload]\nrequests = 200_000\nkeys = 1_000_000\npopularity = { dist = \"zipf\", alpha = 1.2 }\n[cluster]\nnodes = 8\n";

#[test]
fn splitting_the_hot_keys_evens_the_load() {
    let cache = "[cache]\npolicies = [\"lru\"]\nsizes = [\"5%\"]\n";
    let none = &run_json(&format!("{HOT}{cache}"))[0];
    let split = &run_json(&format!(
        "{HOT}[hot_keys]\nmitigation = \"split\"\ntop = 100\ncopies = 8\n{cache}"
    ))[0];
    let (a, b) = (
        none["imbalance"].as_f64().unwrap(),
        split["imbalance"].as_f64().unwrap(),
    );
    // The most popular key alone is about 19% of Zipf(1.2) over 1M keys: its node carries about
    // twice the mean. Split over 8 nodes, the top 100 keys spread evenly.
    assert!(a > 1.8, "without mitigation: {a}");
    assert!(b < 1.2, "split: {b}");
    // Explicit mitigation = "none" is the same run as no [hot_keys].
    let explicit = &run_json(&format!("{HOT}[hot_keys]\nmitigation = \"none\"\n{cache}"))[0];
    assert_eq!(explicit["nodes"], none["nodes"]);
}

#[test]
fn split_copies_are_independent_keys_on_different_nodes() {
    // The model: the 50 most read keys are hot; copy 0 is the key itself and copy j the first
    // split_key(key, c) (c = 1, 2, ...) whose node holds no copy yet; reads take the copies in
    // turn (one counter over all hot reads). Each node then replays its share independently.
    let text = format!("{WORKLOAD}[cluster]\nnodes = 4\nhashing = \"rendezvous\"\n");
    let reqs = requests(&text);
    let mut count: std::collections::HashMap<u64, (u64, usize)> = Default::default();
    for (i, q) in reqs.iter().enumerate() {
        count.entry(q.key).or_insert((0, i)).0 += 1;
    }
    let mut ranked: Vec<(u64, (u64, usize))> = count.into_iter().collect();
    ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
    let p = Placement::new(Hashing::Rendezvous, 4).unwrap();
    let copies: std::collections::HashMap<u64, Vec<u64>> = ranked
        .iter()
        .take(50)
        .map(|&(key, _)| (key, split_copies(&p, key, 3).0))
        .collect();
    let mut turn = 0usize;
    let moved: Vec<Request> = reqs
        .iter()
        .map(|q| match copies.get(&q.key) {
            Some(ks) => {
                turn += 1;
                Request {
                    key: ks[(turn - 1) % 3],
                    ..*q
                }
            }
            None => *q,
        })
        .collect();
    let r = &run_json(&format!(
        "{text}[hot_keys]\nmitigation = \"split\"\ntop = 50\ncopies = 3\n[cache]\npolicies = [\"lru\"]\nsizes = [\"2MiB\"]\n"
    ))[0];
    assert_nodes_are_their_shares(r, &p, &moved, "lru", 2 * 1024 * 1024 / 4, "split");
}

#[test]
fn bad_hot_keys_exit_2_naming_the_key() {
    let cache = "[cache]\npolicies = [\"lru\"]\nsizes = [\"4MiB\"]\n";
    for (section, needle) in [
        (
            "[hot_keys]\nmitigation = \"split\"\ntop = 10\ncopies = 1\n",
            "hot_keys.copies = 1",
        ),
        ("[hot_keys]\nmitigation = \"split\"\n", "hot_keys.top is required"),
        (
            "[hot_keys]\nmitigation = \"local\"\ntop = 10\n",
            "\"local\" runs on the discrete-event engine",
        ),
        (
            "[hot_keys]\nmitigation = \"replicate\"\ntop = 10\n",
            "\"replicate\" runs on the discrete-event engine",
        ),
        (
            "[hot_keys]\nmitigation = \"split\"\ntop = 10\ndetect = \"window\"\n",
            "hot_keys.detect",
        ),
        (
            "[hot_keys]\ncopies = 4\n",
            "hot_keys.copies applies to mitigation = \"split\"",
        ),
        (
            "[hot_keys]\nmitigation = \"split\"\ntop = 30000\n",
            "hot_keys.top = 30000",
        ),
    ] {
        let err = run_err(&format!("{WORKLOAD}[cluster]\nnodes = 4\n{section}{cache}"));
        assert!(err.contains(needle), "wanted {needle:?} in: {err}");
    }
    let err = run_err(&format!(
        "{WORKLOAD}[hot_keys]\nmitigation = \"split\"\ntop = 10\n{cache}"
    ));
    assert!(err.contains("add a [cluster] section"), "{err}");
}

#[test]
fn a_split_key_by_hand_writes_update_and_deletes_remove_every_copy() {
    // One hot key, 3 copies on 3 nodes; the copies are taken in turn by every request of the key
    // (reads, writes, deletes). Worked by hand:
    //  1-3 read: copies 0, 1, 2 miss and fill    4 write: copy 0 hits; copies 1 and 2 rewritten
    //  5-7 read: copies 1, 2, 0 hit              8 delete (copy 1): every copy removed
    //  9-11 read: copies 2, 0, 1 miss and fill
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    let ops = [
        "get", "get", "get", "set", "get", "get", "get", "delete", "get", "get", "get",
    ];
    let mut text = String::from("time,key,size,op\n");
    for (i, op) in ops.iter().enumerate() {
        text.push_str(&format!("{i},42,100,{op}\n"));
    }
    std::fs::write(&trace, text).unwrap();
    let w = format!(
        "[workload]\ntrace = \"{}\"\nformat = \"csv\"\ntime_unit = \"s\"\n[cluster]\nnodes = 3\nhashing = \"modulo\"\n[hot_keys]\nmitigation = \"split\"\ntop = 1\ncopies = 3\n[cache]\npolicies = [\"lru\"]\nsizes = [\"1KiB\"]\n",
        trace.display()
    );
    let r = &run_json(&w)[0];
    assert_eq!((r["hits"].as_u64(), r["misses"].as_u64()), (Some(4), Some(6)));
    let p = Placement::new(Hashing::Modulo, 3).unwrap();
    // Copy j sits on its own node; per copy: lookups, sets.
    let mut want = std::collections::HashMap::new();
    let (_, used) = split_copies(&p, 42, 3);
    // copy 0: requests 1, 4, 7, 10; copy 1: 2, 5, 11; copy 2: 3, 6, 9. Sets: two fills and the
    // write's set each.
    want.insert(used[0], (4u64, 3u64));
    want.insert(used[1], (3, 3));
    want.insert(used[2], (3, 3));
    for node in r["nodes"].as_array().unwrap() {
        let n = node["node"].as_u64().unwrap() as u32;
        let (req, sets) = want[&n];
        assert_eq!(node["requests"], req, "node {n}");
        assert_eq!(node["sets"], sets, "node {n}");
    }
}
