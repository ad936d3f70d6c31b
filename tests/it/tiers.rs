//! Multi-level caches in plain replay, checked against a brute-force model written here from the
//! README's semantics (lists and linear scans), request by request; a one-instance hierarchy whose
//! top tier holds nothing against the single cache of its bottom tier's policy; warming, negative
//! caching and the bad inputs of `[topology]`, `[[tier]]`, `[coherence]` and `[warming]`.

use crate::support::cachesim;
use cachesim::model::request::{Op, Request};
use cachesim::policy::PolicySpec;
use cachesim::replay::tiers::{instance_of_key, Hierarchy};
use cachesim::topology::Topology;
use std::path::Path;

/// One cache of the model: a list, the next victim first. LRU moves a hit to the back; FIFO does not.
#[derive(Clone)]
struct ModelCache {
    lru: bool,
    cap: u64,
    used: u64,
    items: Vec<(u64, u64)>,
}

impl ModelCache {
    fn pos(&self, k: u64) -> Option<usize> {
        self.items.iter().position(|&(x, _)| x == k)
    }
    fn get(&mut self, k: u64) -> bool {
        match self.pos(k) {
            Some(p) => {
                if self.lru {
                    let it = self.items.remove(p);
                    self.items.push(it);
                }
                true
            }
            None => false,
        }
    }
    /// Inserts; returns what it evicted, in order.
    fn insert(&mut self, k: u64, size: u64) -> Vec<(u64, u64)> {
        let mut ev = Vec::new();
        if size > self.cap {
            return ev;
        }
        while self.used + size > self.cap {
            let (ek, es) = self.items.remove(0);
            self.used -= es;
            ev.push((ek, es));
        }
        self.items.push((k, size));
        self.used += size;
        ev
    }
    fn remove(&mut self, k: u64) {
        if let Some(p) = self.pos(k) {
            let (_, s) = self.items.remove(p);
            self.used -= s;
        }
    }
}

/// The model hierarchy: `tiers[t][copy]`; tier 0 is per instance, the rest shared.
struct Model {
    tiers: Vec<Vec<ModelCache>>,
    exclusive: bool,
}

impl Model {
    fn copy(&self, t: usize, i: usize) -> usize {
        if self.tiers[t].len() == 1 {
            0
        } else {
            i
        }
    }

    fn lookup(&mut self, k: u64, i: usize) -> usize {
        for t in 0..self.tiers.len() {
            let c = self.copy(t, i);
            if self.tiers[t][c].get(k) {
                return t;
            }
        }
        self.tiers.len()
    }

    /// Inserts into (t, c); exclusive: what it evicts goes down the same instance's path.
    fn put(&mut self, t: usize, i: usize, k: u64, size: u64) {
        let c = self.copy(t, i);
        let ev = self.tiers[t][c].insert(k, size);
        if !self.exclusive || t + 1 == self.tiers.len() {
            return;
        }
        for (ek, es) in ev {
            let bc = self.copy(t + 1, i);
            if !self.tiers[t + 1][bc].items.iter().any(|&(x, _)| x == ek) {
                self.put(t + 1, i, ek, es);
            }
        }
    }

    /// A read or a write (plain replay: both are lookups that fill); returns the tier that served.
    fn access(&mut self, k: u64, size: u64, i: usize, write: bool) -> usize {
        let n = self.tiers.len();
        let h = self.lookup(k, i);
        if self.exclusive {
            if h > 0 {
                if h < n {
                    let c = self.copy(h, i);
                    self.tiers[h][c].remove(k);
                }
                self.put(0, i, k, size);
            }
            if write {
                for t in h.min(n - 1) + 1..n {
                    let c = self.copy(t, i);
                    self.tiers[t][c].remove(k);
                }
            }
        } else {
            // Fill every tier above the one that served, the lowest first.
            for t in (0..h.min(n)).rev() {
                self.put(t, i, k, size);
            }
        }
        if write {
            self.invalidate_others(k, i);
        }
        h
    }

    fn delete(&mut self, k: u64, i: usize) {
        for t in 0..self.tiers.len() {
            let c = self.copy(t, i);
            self.tiers[t][c].remove(k);
        }
        self.invalidate_others(k, i);
    }

    fn invalidate_others(&mut self, k: u64, i: usize) {
        for (j, c) in self.tiers[0].iter_mut().enumerate() {
            if j != i {
                c.remove(k);
            }
        }
    }
}

fn requests(text: &str) -> (cachesim::schema::file::WorkloadFile, Vec<Request>) {
    let path = Path::new("tiers.toml");
    let f = cachesim::schema::parse(text, path).unwrap();
    let src = cachesim::source::workload_source(&f, path).unwrap();
    let mut r = src.open(None).unwrap();
    let mut all = Vec::new();
    let mut batch = Vec::new();
    while r.read_batch(&mut batch).unwrap() {
        all.extend_from_slice(&batch);
    }
    (f, all)
}

fn workload(routing: &str, inclusion: &str, instances: u32) -> String {
    format!(
        r#"seed = 11
[workload]
requests = 30_000
keys = 2_000
read_ratio = 0.85
delete_ratio = 0.03
popularity = {{ dist = "zipf", alpha = 0.8 }}
size = {{ dist = "uniform", min = "1KiB", max = "8KiB" }}
[topology]
instances = {instances}
routing = "{routing}"
inclusion = "{inclusion}"
[[tier]]
name = "l1"
scope = "instance"
policy = "lru"
size = "64KiB"
[[tier]]
name = "l2"
scope = "shared"
policy = "lru"
size = "1MiB"
"#
    )
}

/// Two tiers (per-instance L1, shared L2) of LRU and FIFO in every combination, inclusive and
/// exclusive, round-robin and by-key routing: every request is served by the same tier as in the
/// model, and at checkpoints every copy holds the same keys.
#[test]
fn two_tiers_match_the_brute_force_model_request_by_request() {
    let instances = 3u32;
    for inclusion in ["inclusive", "exclusive"] {
        for routing in ["round-robin", "by-key"] {
            let (f, reqs) = requests(&workload(routing, inclusion, instances));
            let topo = Topology::from_file(&f, Path::new("tiers.toml"), false)
                .unwrap()
                .unwrap();
            for (p1, p2) in [("lru", "lru"), ("fifo", "lru"), ("lru", "fifo"), ("fifo", "fifo")] {
                let what = format!("{inclusion}, {routing}, l1 {p1}, l2 {p2}");
                let specs = [
                    (PolicySpec::parse(p1).unwrap(), 64 * 1024),
                    (PolicySpec::parse(p2).unwrap(), 1024 * 1024),
                ];
                let mut h = Hierarchy::new(&topo, &specs, f.seed).unwrap();
                let cache = |lru: bool, cap: u64| ModelCache {
                    lru,
                    cap,
                    used: 0,
                    items: Vec::new(),
                };
                let mut m = Model {
                    tiers: vec![
                        vec![cache(p1 == "lru", 64 * 1024); instances as usize],
                        vec![cache(p2 == "lru", 1024 * 1024)],
                    ],
                    exclusive: inclusion == "exclusive",
                };
                let (mut served, mut l1_hits) = ([0u64; 3], 0u64);
                for (n, q) in reqs.iter().enumerate() {
                    let i = if routing == "round-robin" {
                        n % instances as usize
                    } else {
                        instance_of_key(q.key, instances)
                    };
                    let before = h.tier_hits();
                    h.replay(std::slice::from_ref(q));
                    let after = h.tier_hits();
                    let got = (0..2).find(|&t| after[t] > before[t]).unwrap_or(2);
                    let want = match q.op {
                        Op::Delete => {
                            m.delete(q.key, i);
                            2
                        }
                        op => m.access(q.key, q.size, i, op == Op::Write),
                    };
                    assert_eq!(
                        got, want,
                        "{what}: request {n} ({q:?}) served by tier {got}, model says {want}"
                    );
                    served[want] += u64::from(q.op != Op::Delete);
                    l1_hits += u64::from(want == 0);
                    if n % 5_000 == 4_999 {
                        for t in 0..2 {
                            for (c, mc) in m.tiers[t].iter().enumerate() {
                                for &(k, _) in &mc.items {
                                    assert!(
                                        h.holds(t, c, k),
                                        "{what}: after request {n}, tier {t} copy {c} lacks {k}"
                                    );
                                }
                                let held = reqs.iter().filter(|r| h.holds(t, c, r.key)).map(|r| r.key);
                                let mut held: Vec<u64> = held.collect();
                                held.sort_unstable();
                                held.dedup();
                                assert_eq!(
                                    held.len(),
                                    mc.items.len(),
                                    "{what}: after request {n}, tier {t} copy {c}"
                                );
                            }
                        }
                    }
                }
                // The case exercises every tier.
                assert!(
                    l1_hits > 1_000 && served[1] > 1_000 && served[2] > 1_000,
                    "{what}: {served:?}"
                );
            }
        }
    }
}

/// One instance whose L1 holds nothing (1 byte: every object is larger) in front of an L2: every
/// policy gives the single cache's hits, misses, evictions and expirations, writes and deletes
/// included.
#[test]
fn a_hierarchy_whose_top_holds_nothing_is_the_single_cache_of_its_bottom_policy() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"seed = 3
[workload]
requests = 60_000
keys = 5_000
read_ratio = 0.8
delete_ratio = 0.02
popularity = { dist = "zipf", alpha = 0.9 }
size = { dist = "lognormal", median = "2KiB", sigma = 0.8 }
arrival = { process = "poisson", rate = 1000 }
ttl = { classes = [{ share = 0.3, ttl = "5s" }] }
resize_on_write = true
"#;
    let policies = "lru,fifo,clock,sieve,lfu,arc,twoq,slru,s3fifo,lirs,tinylfu,mq,lfuda,gdsf,lecar,cacheus,hyperbolic,lhd,random,redis-lru,redis-lfu,ttl,clock:bits=2";
    let single = dir.path().join("single.toml");
    std::fs::write(&single, format!("{body}[cache]\nsizes = [\"2MiB\"]\n")).unwrap();
    let tiered = dir.path().join("tiered.toml");
    std::fs::write(
        &tiered,
        format!(
            "{body}[cache]\nsizes = [\"2MiB\"]\n[[tier]]\nname = \"l1\"\nscope = \"instance\"\npolicy = \"lru\"\nsize = 1\n[[tier]]\nname = \"l2\"\n"
        ),
    )
    .unwrap();
    let run = |p: &Path| -> serde_json::Value {
        let out = cachesim()
            .args(["run", "-q", "-f", "json", "--policies", policies])
            .arg(p)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (a, b) = (run(&single), run(&tiered));
    let (a, b) = (a["results"].as_array().unwrap(), b["results"].as_array().unwrap());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        for k in [
            "policy",
            "params",
            "requests",
            "hits",
            "misses",
            "bytes_missed",
            "evictions",
            "expirations",
            "deletes",
        ] {
            assert_eq!(x[k], y[k], "{}: {k}", x["policy"]);
        }
        let l2 = &y["tiers"][1];
        assert_eq!(l2["hits"], x["hits"], "{}", x["policy"]);
        assert_eq!(y["tiers"][0]["hits"], 0);
        assert!(x["misses"].as_u64().unwrap() > 1000);
    }
}

fn run_json(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, text).unwrap();
    let out = cachesim().args(["run", "-q", "-f", "json"]).arg(&p).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn run_err(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, text).unwrap();
    let out = cachesim().args(["run", "-q"]).arg(&p).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "accepted:\n{text}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Warming every key of a read-only uniform workload that fits: not one request misses, and
/// each key is one warming read (not a request miss).
#[test]
fn warming_every_key_that_fits_leaves_no_miss() {
    for tiers in [
        "",
        "[[tier]]\nname = \"l1\"\nscope = \"instance\"\npolicy = \"lru\"\nsize = 10\n[[tier]]\nname = \"l2\"\npolicy = \"lru\"\nsize = 2000\n[topology]\ninstances = 3\n",
    ] {
        let v = run_json(&format!(
            "[workload]\nrequests = 50_000\nkeys = 1_000\npopularity = {{ dist = \"uniform\" }}\n[cache]\nignore_obj_size = true\npolicies = [\"lru\", \"fifo\", \"s3fifo\", \"arc\"]\nsizes = [\"1000\"]\n[warming]\nkeys = \"all\"\n{tiers}"
        ));
        for r in v["results"].as_array().unwrap() {
            assert_eq!(r["misses"], 0, "{tiers}: {r}");
            assert_eq!(r["hits"], 50_000);
            assert_eq!(r["backend"]["reads"], 0);
            assert_eq!(r["backend"]["warming_reads"], 1_000, "{r}");
        }
    }
    // Without warming the same runs miss each key once.
    let v = run_json("[workload]\nrequests = 50_000\nkeys = 1_000\npopularity = { dist = \"uniform\" }\n[cache]\nignore_obj_size = true\npolicies = [\"lru\"]\nsizes = [\"1000\"]\n[pattern]\nnegative_ttl = \"1s\"\n");
    assert_eq!(v["results"][0]["misses"], 1_000);
}

/// Warming the N most popular keys of a Zipf workload: exactly those keys never miss, so the
/// misses fall by the number of them the run reads (each would have missed once in a cache that
/// holds everything).
#[test]
fn warming_the_most_popular_keys_saves_one_miss_each() {
    let base = "seed = 9\n[workload]\nrequests = 20_000\nkeys = 5_000\npopularity = { dist = \"zipf\", alpha = 1.0 }\n[cache]\nignore_obj_size = true\npolicies = [\"lru\"]\nsizes = [\"5000\"]\n";
    let cold = run_json(base);
    let warm = run_json(&format!("{base}[warming]\nkeys = 100\n"));
    let (c, w) = (&cold["results"][0], &warm["results"][0]);
    assert_eq!(c["misses"].as_u64().unwrap() - w["misses"].as_u64().unwrap(), 100);
    assert_eq!(w["backend"]["warming_reads"], 100);
}

/// Negative caching: with a cache that never evicts, the backend reads of absent keys equal the
/// reads that find no live "not found" entry: for each absent key, a read at t loads when the last
/// load was at least negative_ttl earlier (computed here from the generated stream).
#[test]
fn negative_caching_loads_each_absent_key_once_per_ttl_period() {
    let text = |neg: &str| {
        format!(
            "seed = 4\n[workload]\nrequests = 100_000\nkeys = 10_000\nabsent_ratio = 0.2\npopularity = {{ dist = \"zipf\", alpha = 0.9 }}\narrival = {{ process = \"poisson\", rate = 10_000 }}\n[cache]\nignore_obj_size = true\npolicies = [\"lru\"]\nsizes = [\"1000000\"]\n{neg}"
        )
    };
    let (f, reqs) = requests(&text("[pattern]\nnegative_ttl = \"500ms\"\n"));
    assert_eq!(f.pattern.as_ref().unwrap().negative_ttl.unwrap().0, 500_000_000);
    let mut loaded: std::collections::HashMap<u64, u64> = Default::default();
    let (mut expected, mut absent) = (0u64, 0u64);
    for q in reqs.iter().filter(|q| q.absent) {
        absent += 1;
        match loaded.get(&q.key) {
            Some(&t) if q.time < t + 500_000_000 => {}
            _ => {
                expected += 1;
                loaded.insert(q.key, q.time);
            }
        }
    }
    let v = run_json(&text("[pattern]\nnegative_ttl = \"500ms\"\n"));
    let r = &v["results"][0];
    assert_eq!(r["backend"]["absent_reads"].as_u64().unwrap(), expected);
    assert_eq!(r["negative_hits"].as_u64().unwrap(), absent - expected);
    assert!(expected > 1_000 && absent - expected > 1_000, "{expected} of {absent}");
    // Without negative_ttl every absent read goes to the backend.
    let v = run_json(&text(""));
    let r = &v["results"][0];
    assert_eq!(r["backend"]["absent_reads"].as_u64().unwrap(), absent);
    assert_eq!(r["negative_hits"], 0);
}

/// Without coherence messages, other instances keep their copies: stale reads appear in the L1
/// tier only, and broadcast (plain replay: at once) leaves none; loss = 1 is the same as none.
#[test]
fn invalidation_none_leaves_stale_copies_broadcast_none() {
    let text = |coh: &str| {
        format!(
            "seed = 5\n[workload]\nrequests = 50_000\nkeys = 500\nread_ratio = 0.9\npopularity = {{ dist = \"zipf\", alpha = 0.9 }}\n[cache]\nignore_obj_size = true\n[topology]\ninstances = 4\n[[tier]]\nname = \"l1\"\nscope = \"instance\"\npolicy = \"lru\"\nsize = 100\n[[tier]]\nname = \"l2\"\npolicy = \"lru\"\nsize = 500\n{coh}"
        )
    };
    let none = run_json(&text("[coherence]\ninvalidation = \"none\"\n"));
    let bcast = run_json(&text("[coherence]\ninvalidation = \"broadcast\"\n"));
    let lost = run_json(&text("[coherence]\nloss = 1.0\n"));
    let half = run_json(&text("[coherence]\nloss = 0.5\n"));
    let stale = |v: &serde_json::Value, t: usize| v["results"][0]["tiers"][t]["stale_reads"].as_u64().unwrap();
    assert!(stale(&none, 0) > 1_000, "{}", stale(&none, 0));
    assert_eq!(stale(&none, 1), 0);
    assert_eq!(stale(&bcast, 0), 0);
    assert_eq!(none["results"][0]["tiers"], lost["results"][0]["tiers"]);
    assert_eq!(none["results"][0]["hits"], lost["results"][0]["hits"]);
    assert!(stale(&half, 0) > 0 && stale(&half, 0) < stale(&none, 0));
}

#[test]
fn bad_topologies_exit_2_naming_the_key() {
    let w = "[workload]\nrequests = 1000\nkeys = 100\n";
    let tier =
        |name: &str, extra: &str| format!("[[tier]]\nname = \"{name}\"\npolicy = \"lru\"\nsize = \"1MiB\"\n{extra}");
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{w}{}{}", tier("l1", ""), tier("l1", "")),
            "\"l1\" names tiers 1 and 2",
        ),
        (format!("{w}{}", tier("l1", "scope = \"process\"\n")), "process"),
        (format!("{w}[topology]\ninstances = 0\n{}", tier("l1", "")), "instances"),
        (
            format!("{w}[topology]\ninclusion = \"exclusive\"\n{}", tier("l1", "")),
            "exclusive",
        ),
        (format!("{w}{}[coherence]\nloss = 1.5\n", tier("l1", "")), "loss"),
        (format!("{w}{}[warming]\nkeys = 500\n", tier("l1", "")), "warming.keys"),
        (
            format!("{w}[topology]\nrouting = \"trace\"\n{}", tier("l1", "")),
            "routing",
        ),
        (format!("{w}{}", tier("l1", "latency = \"2us\"\n")), "latency"),
        (
            format!(
                "{w}{}[coherence]\ninvalidation = \"none\"\nloss = 0.1\n",
                tier("l1", "")
            ),
            "coherence.loss",
        ),
        (
            format!("{w}{}[warming]\nkeys = 10\ntiers = [\"l9\"]\n", tier("l1", "")),
            "\"l9\"",
        ),
        (format!("{w}[topology]\ninstances = 2\n"), "[[tier]]"),
        (
            format!("{w}{}{}", tier("l2", ""), tier("l1", "scope = \"instance\"\n")),
            "after a shared tier",
        ),
        (
            format!("{w}[[tier]]\nname = \"l1\"\nsize = \"1MiB\"\n{}", tier("l2", "")),
            "no policy",
        ),
        (
            format!(
                "{w}[cache]\npolicies = [\"belady\"]\n{}{}",
                tier("l1", "scope = \"instance\"\n"),
                tier("l2", "")
            ),
            "belady",
        ),
    ];
    for (text, want) in cases {
        let e = run_err(&text);
        assert!(e.contains(want) && e.contains("w.toml"), "{text}\n=> {e}");
    }
    // negative_ttl without absent keys is accepted, with a warning.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, format!("{w}[pattern]\nnegative_ttl = \"5s\"\n")).unwrap();
    let out = cachesim().arg("run").arg(&p).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent_ratio"));
    // A tier TTL on a workload without TTLs is fine.
    run_json(&format!("{w}{}", tier("l1", "ttl = \"30s\"\n")));
}
