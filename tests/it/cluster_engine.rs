//! `[cluster]`, `[client]` and cache faults on the discrete-event engine, checked against
//! queueing theory (M/M/1, M/M/c), against the placement's own remapping computed here, against
//! exact request counts for outages, and against the expected count of replica stale reads.

use crate::support::{cachesim, requests, run_err, run_results};
use cachesim::model::request::Op;
use cachesim::topology::cluster::{Hashing, Placement};
use serde_json::Value;

fn run_json(text: &str) -> Value {
    run_results(text)[0].clone()
}

/// Uniform reads of `keys` keys at `rate`/s, all cached before traffic (warming loads every key:
/// only gets reach the nodes), then `extra`.
fn warm_uniform(requests: u64, keys: u64, rate: u64, extra: &str) -> String {
    format!(
        r#"seed = 7
[workload]
requests = {requests}
keys = {keys}
read_ratio = 1.0
popularity = {{ dist = "uniform" }}
arrival = {{ process = "poisson", rate = {rate} }}
size = {{ dist = "fixed", value = 1 }}
[cache]
policies = ["lru"]
sizes = [{size}]
ignore_obj_size = true
[backend]
read_latency = {{ dist = "constant", value = "1ms" }}
[warming]
keys = "all"
{extra}"#,
        size = keys * 4
    )
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a`.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 * c as f64 / (c as f64 - a);
    top / (sum + top)
}

/// Mean time in an M/M/c queue (waiting plus service), s.
fn mmc_sojourn(c: u32, lambda: f64, service: f64) -> f64 {
    let a = lambda * service;
    assert!(a < c as f64, "an unstable queue: a = {a}");
    erlang_c(c, a) / (c as f64 / service - lambda) + service
}

/// Checks the mean cache latency of `r` against M/M/c at each node's own arrival rate.
fn assert_mmc(r: &Value, c: u32, service: f64, rtt: f64) {
    let secs = r["duration_s"].as_f64().unwrap();
    let nodes = r["nodes"].as_array().unwrap();
    let total: f64 = nodes.iter().map(|n| n["ops"].as_f64().unwrap()).sum();
    let mut expected = 0.0;
    for n in nodes {
        let ops = n["ops"].as_f64().unwrap();
        let w = rtt + mmc_sojourn(c, ops / secs, service);
        expected += ops / total * w;
        let got = n["latency_ms"]["mean"].as_f64().unwrap() / 1e3;
        assert!(
            (got / w - 1.0).abs() < 0.08,
            "node {}: mean {got} s, M/M/{c} {w} s",
            n["node"]
        );
    }
    let got = r["cache_latency_ms"]["mean"].as_f64().unwrap() / 1e3;
    assert!(
        (got / expected - 1.0).abs() < 0.03,
        "mean cache latency {got} s, M/M/{c} {expected} s"
    );
}

#[test]
fn each_node_is_an_mm1_queue() {
    // 8 nodes at 25,000 gets/s each, 20 us of service: utilization 0.5.
    let text = warm_uniform(
        800_000,
        4_000,
        200_000,
        "[cluster]\nnodes = 8\nhashing = \"modulo\"\nnode_service = { dist = \"exponential\", mean = \"20us\" }\n",
    );
    let r = run_json(&text);
    assert_eq!(r["hits"], 800_000, "every key was warmed");
    assert_eq!(r["cache_latency_ms"]["count"], 800_000);
    assert_mmc(&r, 1, 20e-6, 0.0);
    // The round trip adds to it.
    let text = text.replace("[cluster]", "[cache_latency]\nget = \"100us\"\n[cluster]");
    assert_mmc(&run_json(&text), 1, 20e-6, 100e-6);
}

#[test]
fn node_concurrency_makes_each_node_an_mmc_queue() {
    // 4 servers per node, 100 us of service, 25,000 gets/s per node: a = 2.5.
    let text = warm_uniform(
        800_000,
        4_000,
        200_000,
        "[cluster]\nnodes = 8\nhashing = \"modulo\"\nnode_concurrency = 4\nnode_service = { dist = \"exponential\", mean = \"100us\" }\n",
    );
    let r = run_json(&text);
    assert_mmc(&r, 4, 100e-6, 0.0);
    let q: u64 = r["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["queue_peak"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(q > 0, "a loaded node queues");
}

#[test]
fn one_node_without_service_is_the_single_cache() {
    let base = r#"seed = 3
[workload]
requests = 100_000
keys = 20_000
read_ratio = 0.9
popularity = { dist = "zipf", alpha = 0.9 }
arrival = { process = "poisson", rate = 10_000 }
size = { dist = "fixed", value = 1 }
[cache]
policies = ["lru"]
sizes = [2_000]
ignore_obj_size = true
[backend]
read_latency = { dist = "exponential", mean = "2ms" }
[cache_latency]
get = "200us"
set = "200us"
"#;
    let one = run_json(base);
    let node = run_json(&format!("{base}[cluster]\nnodes = 1\n"));
    for k in ["hits", "misses", "writes", "read_latency_ms", "backend", "stale_reads"] {
        assert_eq!(one[k], node[k], "{k}");
    }
    assert!(one.get("nodes").is_none() && one.get("cache_latency_ms").is_none());
    assert_eq!(node["nodes"][0]["requests"], node["requests"]);
}

/// The keys a warmed uniform workload holds, and the share whose node changes when `down` fails.
fn remapped(text: &str, hashing: Hashing, nodes: u32, down: u32) -> (f64, Vec<u64>) {
    let mut keys: Vec<u64> = requests(text).iter().map(|r| r.key).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut p = Placement::new(hashing, nodes).unwrap();
    let before: Vec<u32> = keys.iter().map(|&k| p.node_of(k).unwrap()).collect();
    p.set_up(down, false).unwrap();
    let moved: Vec<u64> = keys
        .iter()
        .zip(&before)
        .filter(|(&k, &n)| p.node_of(k) != Some(n))
        .map(|(&k, _)| k)
        .collect();
    (moved.len() as f64 / keys.len() as f64, moved)
}

#[test]
fn a_node_failure_remaps_its_keys_and_the_miss_storm_matches_them() {
    // 100,000 reads/s over 20,000 warmed keys for 3 s; node 3 of 10 fails at 2 s.
    let mut storms = Vec::new();
    for (name, hashing) in [
        ("ketama", Hashing::Ketama { vnodes: 160 }),
        ("rendezvous", Hashing::Rendezvous),
        ("modulo", Hashing::Modulo),
    ] {
        let text = warm_uniform(
            300_000,
            20_000,
            100_000,
            &format!(
                "[cluster]\nnodes = 10\nhashing = \"{name}\"\n[faults]\nnode_failures = [{{ node = 3, at = \"2s\" }}]\n"
            ),
        );
        let r = run_json(&text);
        let (share, moved) = remapped(&text, hashing, 10, 3);
        let f = &r["failures"][0];
        assert_eq!(f["node"], 3);
        assert!((f["at"].as_f64().unwrap() - 2.0).abs() < 1e-3);
        let got = f["remapped_share"].as_f64().unwrap();
        assert!(
            (got - share).abs() < 1e-12,
            "{name}: remapped {got}, placement says {share}"
        );
        match name {
            "modulo" => assert!((share - 0.9).abs() < 0.02, "modulo moves (N-1)/N: {share}"),
            _ => assert!((share - 0.1).abs() < 0.03, "{name} moves about 1/N: {share}"),
        }
        // Before the failure every read hits; after it, the first read of each moved key in the
        // last second misses (each key is read Poisson(5) times in that second).
        let reqs = requests(&text);
        let moved: std::collections::HashSet<u64> = moved.into_iter().collect();
        let mut seen = std::collections::HashSet::new();
        let exact = reqs
            .iter()
            .filter(|q| q.time >= 2_000_000_000 && moved.contains(&q.key) && seen.insert(q.key))
            .count() as u64;
        let storm = r["backend"]["reads"].as_u64().unwrap();
        // Reads of a moved key in flight together may both miss: a few more than the keys.
        assert!(
            storm >= exact && storm <= exact + exact / 50 + 5,
            "{name}: {storm} backend reads, {exact} moved keys read"
        );
        storms.push(storm);
    }
    assert!(
        storms[2] > 5 * storms[0],
        "modulo's storm {} vs ketama's {}",
        storms[2],
        storms[0]
    );
}

#[test]
fn a_node_comes_back_empty_and_takes_its_keys_back() {
    let text = warm_uniform(
        300_000,
        20_000,
        100_000,
        "[cluster]\nnodes = 10\n[faults]\nnode_failures = [{ node = 3, at = \"1s\", for = \"1s\" }]\n",
    );
    let r = run_json(&text);
    let (_, moved) = remapped(&text, Hashing::Ketama { vnodes: 160 }, 10, 3);
    // Misses: the moved keys once after 1 s on their new nodes, once more after 2 s on the
    // empty node 3 (nearly all are read in each second).
    let storm = r["backend"]["reads"].as_u64().unwrap() as f64;
    let m = moved.len() as f64;
    assert!(storm > 1.9 * m && storm < 2.05 * m, "{storm} misses for {m} moved keys");
}

fn outage(client: &str) -> String {
    warm_uniform(
        100_000,
        1_000,
        20_000,
        &format!("[faults]\ncache_outages = [{{ at = \"2s\", for = \"1s\" }}]\n[client]\n{client}"),
    )
}

fn in_outage(text: &str) -> u64 {
    requests(text)
        .iter()
        .filter(|q| (2_000_000_000..3_000_000_000).contains(&q.time))
        .count() as u64
}

#[test]
fn an_outage_with_fallback_sends_every_read_to_the_backend_after_the_timeout() {
    let text = outage("timeout = \"50ms\"\non_cache_error = \"fallback\"\n");
    let r = run_json(&text);
    let n = in_outage(&text);
    assert!(n > 15_000, "{n}");
    assert_eq!(
        r["backend"]["reads"], n,
        "backend load during the outage = the request rate"
    );
    assert_eq!(r["cache_errors"], n);
    assert_eq!(r["fallback_reads"], n);
    assert_eq!(r["errors"], 0);
    // Their latency: the timeout, then the backend's 1 ms.
    let max = r["read_latency_ms"]["max"].as_f64().unwrap();
    assert!((max - 51.0).abs() < 0.1, "{max}");
    assert!((r["cache_latency_ms"]["max"].as_f64().unwrap() - 50.0).abs() < 0.1);
    let share = n as f64 / 100_000.0;
    let mean = r["read_latency_ms"]["mean"].as_f64().unwrap();
    assert!((mean - 51.0 * share).abs() < 0.05 * 51.0 * share, "mean {mean}");
}

#[test]
fn an_outage_with_fail_fails_exactly_its_requests() {
    let text = outage("timeout = \"50ms\"\non_cache_error = \"fail\"\n");
    let r = run_json(&text);
    let n = in_outage(&text);
    assert_eq!(r["errors"], n);
    assert_eq!(r["cache_errors"], n);
    assert_eq!(r["backend"]["reads"], 0);
    assert_eq!(r["fallback_reads"], 0);
}

#[test]
fn the_breaker_cuts_the_timeout_cost_once_open() {
    let plain = run_json(&outage("timeout = \"50ms\"\n"));
    let text = outage(
        "timeout = \"50ms\"\ncircuit_breaker = { error_ratio = 0.5, window = \"100ms\", open_for = \"200ms\" }\n",
    );
    let r = run_json(&text);
    let n = in_outage(&text);
    let errors = r["cache_errors"].as_u64().unwrap();
    // Open after the first timeouts come back (50 ms of reads), then one probe every 200 ms.
    assert!(errors < n / 10, "{errors} cache errors of {n} reads in the outage");
    assert!(r["fallback_reads"].as_u64().unwrap() >= n);
    let open = r["breaker_open_s"].as_f64().unwrap();
    assert!((0.9..1.5).contains(&open), "open {open} s");
    let (a, b) = (
        r["read_latency_ms"]["mean"].as_f64().unwrap(),
        plain["read_latency_ms"]["mean"].as_f64().unwrap(),
    );
    assert!(a < b / 5.0, "mean read latency {a} ms with the breaker, {b} ms without");
}

#[test]
fn replica_reads_are_stale_for_replica_lag_after_each_write() {
    // 1,000 keys, 50,000 requests/s, 10% writes (write-through): 5 writes/s per key. A read from a
    // replica is stale when its key was written in the last 2 ms: p = 1 - exp(-5 * 0.002).
    let text = r#"seed = 11
[workload]
requests = 500_000
keys = 1_000
read_ratio = 0.9
popularity = { dist = "uniform" }
arrival = { process = "poisson", rate = 50_000 }
size = { dist = "fixed", value = 1 }
[cache]
policies = ["lru"]
sizes = [4_000]
ignore_obj_size = true
[pattern]
write = "write-through"
[backend]
read_latency = { dist = "constant", value = "1ms" }
[warming]
keys = "all"
[cluster]
nodes = 4
replicas = 2
replica_lag = "2ms"
read_from = "replicas"
"#;
    let r = run_json(text);
    let reqs = requests(text);
    // Expected, from the trace itself: each read whose key was written in the 2 ms before it.
    let mut last_write = std::collections::HashMap::new();
    let mut expected = 0u64;
    for q in &reqs {
        match q.op {
            Op::Read => {
                if last_write.get(&q.key).is_some_and(|&t: &u64| q.time - t < 2_000_000) {
                    expected += 1;
                }
            }
            _ => {
                last_write.insert(q.key, q.time);
            }
        }
    }
    let reads = reqs.iter().filter(|q| q.op == Op::Read).count() as f64;
    let p = 1.0 - (-5.0f64 * 0.002).exp();
    assert!(
        (expected as f64 - reads * p).abs() < 5.0 * (reads * p).sqrt(),
        "{expected} vs {}",
        reads * p
    );
    let stale = r["stale_reads"].as_u64().unwrap();
    assert!(
        stale.abs_diff(expected) <= expected / 100 + 5,
        "{stale} stale reads, {expected} expected"
    );
    // Reading the primaries: none.
    let primary = run_json(&text.replace("read_from = \"replicas\"", "read_from = \"primary\""));
    assert_eq!(primary["stale_reads"], 0);
}

#[test]
fn bad_cluster_and_client_input_names_the_key() {
    let base = warm_uniform(1_000, 100, 1_000, "");
    for (extra, needle) in [
        ("[cluster]\nnodes = 0\n", "nodes"),
        ("[cluster]\nnodes = 4\nvnodes = 0\n", "vnodes"),
        ("[cluster]\nnodes = 4\n[faults]\nnode_failures = [{ node = 4, at = \"1s\" }]\n", "node_failures[0].node = 4"),
        (
            "[cluster]\nnodes = 4\n[faults]\nnode_failures = [{ node = 1, at = \"1s\", for = \"5s\" }, { node = 1, at = \"3s\" }]\n",
            "node 1 fails at 3s while still down",
        ),
        ("[cluster]\nnodes = 4\nread_from = \"replicas\"\n", "read_from = \"replicas\" with replicas = 0"),
        ("[cluster]\nnodes = 4\n[hot_keys]\nmitigation = \"split\"\ntop = 10\ncopies = 1\n", "copies = 1"),
        (
            "[client]\ncircuit_breaker = { error_ratio = 0.0, window = \"1s\", open_for = \"1s\" }\n",
            "error_ratio = 0",
        ),
        (
            "[client]\ncircuit_breaker = { error_ratio = 1.5, window = \"1s\", open_for = \"1s\" }\n",
            "error_ratio = 1.5",
        ),
        ("[cluster]\nnodes = 4\ntier = \"l9\"\n", "cluster.tier"),
        ("[faults]\nnode_failures = [{ node = 0, at = \"1s\" }]\n", "needs a [cluster]"),
        ("[client]\ntimeout = \"0ms\"\n", "client.timeout is zero"),
        ("[cluster]\nnodes = 4\nnode_concurrency = 100000\n", "node_concurrency"),
    ] {
        let e = run_err(&format!("{base}{extra}"));
        assert!(e.contains(needle), "{extra}: {e}");
    }
    // Engine settings of a cluster in plain replay.
    let plain = "[workload]\nrequests = 100\nkeys = 10\n[cluster]\nnodes = 2\nnode_service = \"10us\"\n";
    assert!(run_err(plain).contains("node_service"));
}

/// Zipf 1.2 reads over 1M keys at 100,000/s on 8 nodes (each 50 us per operation), with `hot`.
fn zipf_hot(hot: &str) -> String {
    format!(
        r#"seed = 5
[workload]
requests = 500_000
keys = 1_000_000
read_ratio = 1.0
popularity = {{ dist = "zipf", alpha = 1.2 }}
arrival = {{ process = "poisson", rate = 100_000 }}
size = {{ dist = "fixed", value = 1 }}
[cache]
policies = ["lru"]
sizes = [200_000]
ignore_obj_size = true
[backend]
read_latency = {{ dist = "constant", value = "2ms" }}
[cache_latency]
get = "300us"
set = "300us"
[cluster]
nodes = 8
replicas = 3
node_service = {{ dist = "constant", value = "50us" }}
{hot}"#
    )
}

#[test]
fn local_caches_take_most_hot_key_traffic_off_the_nodes() {
    let none = run_json(&zipf_hot(""));
    let local = run_json(&zipf_hot(
        "[hot_keys]\nmitigation = \"local\"\ntop = 100\nlocal_ttl = \"1s\"\n",
    ));
    let h = &local["hot_keys"];
    let reads = h["reads"].as_f64().unwrap();
    // The top 100 of Zipf(1.2) over 1M keys take about half the reads.
    assert!(reads > 0.4 * 500_000.0, "{h}");
    // Each hot key reaches its node about once per second (5 s), plus the reads that arrive
    // while that one is out (0.6 ms).
    assert!(h["local_hits"].as_f64().unwrap() > 0.97 * reads, "{h}");
    assert!(h["node_ops"].as_f64().unwrap() < 0.03 * reads, "{h}");
    let (a, b) = (
        none["imbalance"].as_f64().unwrap(),
        local["imbalance"].as_f64().unwrap(),
    );
    assert!(b < a - 0.5, "imbalance {a} without mitigation, {b} with local caches");
    // Online detection finds the same keys after their first window.
    let online = run_json(&zipf_hot(
        "[hot_keys]\nmitigation = \"local\"\ndetect = { window = \"500ms\", threshold = 40 }\n",
    ));
    let o = &online["hot_keys"];
    assert!(
        o["local_hits"].as_f64().unwrap() > 0.85 * h["local_hits"].as_f64().unwrap(),
        "online {o}, oracle {h}"
    );
}

#[test]
fn replicate_spreads_hot_reads_over_the_replicas() {
    // The hottest key alone is about 19% of 100,000 reads/s: 950 ms of service per second at
    // 50 us, and its node's other keys add about 500: an overload. Over the primary and 3
    // replicas, the primary is busy about 740 ms per second.
    let none = run_json(&zipf_hot(""));
    let rep = run_json(&zipf_hot("[hot_keys]\nmitigation = \"replicate\"\ntop = 10\n"));
    let (a, b) = (
        none["cache_latency_ms"]["mean"].as_f64().unwrap(),
        rep["cache_latency_ms"]["mean"].as_f64().unwrap(),
    );
    assert!(b * 10.0 < a, "mean cache latency {a} ms without, {b} ms with replicate");
    let h = &rep["hot_keys"];
    assert_eq!(h["local_hits"], 0);
    assert!(h["node_ops"].as_u64().unwrap() >= h["reads"].as_u64().unwrap());
    assert_eq!(rep["stale_reads"], 0, "no writes, no lag");
}

#[test]
fn variants_run_side_by_side_and_name_themselves() {
    let base = warm_uniform(20_000, 2_000, 10_000, "[cluster]\nnodes = 4\n");
    let text = format!(
        "{base}[[variant]]\nname = \"ketama\"\n[[variant]]\nname = \"modulo\"\nset = {{ cluster = {{ hashing = \"modulo\" }} }}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, &text).unwrap();
    let out = cachesim().args(["run", "-q", "-f", "json"]).arg(&p).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rs = v["results"].as_array().unwrap();
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0]["variant"], serde_json::json!({"variant": "ketama"}));
    assert_eq!(rs[1]["variant"], serde_json::json!({"variant": "modulo"}));
    // Each is the file run with its settings.
    let ketama = run_json(&base);
    let modulo = run_json(&base.replace("nodes = 4\n", "nodes = 4\nhashing = \"modulo\"\n"));
    assert_eq!(rs[0]["nodes"], ketama["nodes"]);
    assert_eq!(rs[1]["nodes"], modulo["nodes"]);
    let table = cachesim().args(["run", "-q"]).arg(&p).output().unwrap();
    let t = String::from_utf8_lossy(&table.stdout);
    // A column names each variant.
    assert!(t.contains("policy  variant "), "{t}");
    let rows: Vec<Vec<&str>> = t
        .lines()
        .filter(|l| l.starts_with("lru "))
        .map(|l| l.split_whitespace().take(2).collect())
        .collect();
    assert_eq!(rows, [["lru", "ketama"], ["lru", "modulo"]], "{t}");
    // A bad variant is named; plan runs each variant.
    let bad = format!("{base}[[variant]]\nname = \"x\"\nset = {{ cluster = {{ hashing = \"nope\" }} }}\n");
    assert!(run_err(&bad).contains("variant \"x\""));
    let twice = format!("{base}[[variant]]\nname = \"x\"\n[[variant]]\nname = \"x\"\n");
    assert!(run_err(&twice).contains("two variants are named \"x\""));
    std::fs::write(&p, &text).unwrap();
    let out = cachesim()
        .args(["plan", "-q", "--target-hit-ratio", "0.5"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("lru (ketama):") && t.contains("lru (modulo):"), "{t}");
}

#[test]
fn split_on_the_engine_matches_plain_replay_node_by_node() {
    // Read-only, nothing takes time: the engine's cache-aside is the plain replay, copy for copy.
    let plain = r#"seed = 9
[workload]
requests = 200_000
keys = 100_000
read_ratio = 1.0
popularity = { dist = "zipf", alpha = 1.2 }
size = { dist = "fixed", value = 1 }
[cache]
policies = ["lru"]
sizes = [2_000]
ignore_obj_size = true
[cluster]
nodes = 8
[hot_keys]
mitigation = "split"
top = 20
copies = 8
"#;
    let engine = format!("{plain}[backend]\nread_latency = {{ dist = \"constant\", value = \"0ms\" }}\n");
    let (a, b) = (run_json(plain), run_json(&engine));
    assert!(b["read_latency_ms"].is_object(), "the second ran on the engine");
    for (x, y) in a["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(b["nodes"].as_array().unwrap())
    {
        assert_eq!(
            (x["requests"].clone(), x["hits"].clone()),
            (y["requests"].clone(), y["hits"].clone()),
            "node {}",
            x["node"]
        );
    }
    assert_eq!(a["hits"], b["hits"]);
    let none = run_json(&engine.replace(
        "mitigation = \"split\"\ntop = 20\ncopies = 8\n",
        "mitigation = \"none\"\n",
    ));
    let (i0, i1) = (none["imbalance"].as_f64().unwrap(), b["imbalance"].as_f64().unwrap());
    assert!(i0 > 1.8 && i1 < 1.3, "imbalance {i0} without split, {i1} with");
}

#[test]
fn a_write_to_a_split_key_reaches_every_copy() {
    // One key, written once between reads: with invalidation every copy is deleted, so the 8
    // reads after the write all miss (each on its own copy), and none is stale.
    let text = r#"seed = 1
[workload]
trace = "t.csv"
[cache]
policies = ["lru"]
sizes = [100]
ignore_obj_size = true
[backend]
read_latency = { dist = "constant", value = "0ms" }
[cluster]
nodes = 8
[hot_keys]
mitigation = "split"
top = 1
copies = 8
"#;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("time,key,size,op\n");
    let mut t = 0;
    for _ in 0..16 {
        t += 1;
        csv.push_str(&format!("{t},7,1,get\n"));
    }
    t += 1;
    csv.push_str(&format!("{t},7,1,set\n"));
    for _ in 0..8 {
        t += 1;
        csv.push_str(&format!("{t},7,1,get\n"));
    }
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, text).unwrap();
    let out = cachesim().args(["run", "-q", "-f", "json"]).arg(&p).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["results"][0];
    // 16 reads: 8 misses (one per copy) then 8 hits; the write deletes all; 8 misses again.
    assert_eq!(r["requests"], 24);
    assert_eq!(r["hits"], 8);
    assert_eq!(r["stale_reads"], 0);
    let ops: u64 = r["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["sets"].as_u64().unwrap())
        .sum();
    // Sets and deletes on the nodes: 16 fills, and the write's 8 deletes.
    assert_eq!(ops, 24);
}

#[test]
fn faults_after_the_last_request_are_refused() {
    // 1,000 requests at 1,000/s: the run ends near 1 s.
    for (extra, needle) in [
        (
            "[cluster]\nnodes = 4\n[faults]\nnode_failures = [{ node = 1, at = \"30s\" }]\n",
            "node 1's failure at 30s is after the last request",
        ),
        (
            "[faults]\ncache_outages = [{ at = \"30s\", for = \"1s\" }]\n",
            "an outage at 30s is after the last request",
        ),
    ] {
        let e = run_err(&warm_uniform(1_000, 100, 1_000, extra));
        assert!(e.contains(needle), "{extra}: {e}");
    }
}
