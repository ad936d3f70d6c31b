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
