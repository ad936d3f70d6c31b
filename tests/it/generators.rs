//! Statistical tests of the synthetic workload generator. Every check compares a generated stream
//! with an independent result (the configured parameter, a closed form, or an estimator written
//! here), never with the generator's own output. The streams are seeded, so each test is
//! deterministic; tolerances are several standard deviations of the estimate wide.

use crate::support::cachesim;
use cachesim::analyze::zipf_fit::fit_zipf;
use cachesim::model::request::{Op, Request, NANOS_PER_SEC};
use cachesim::policy::{BuildCtx, Policy, PolicySpec};
use cachesim::schema::parse;
use cachesim::source::Source;
use cachesim::workload::popularity::scatter;
use cachesim::workload::Workload;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

fn compile(text: &str) -> Arc<Workload> {
    let p = Path::new("test.toml");
    let f = parse(text, p).unwrap_or_else(|e| panic!("{e:#}\n{text}"));
    Arc::new(Workload::compile(&f, p).unwrap_or_else(|e| panic!("{e:#}\n{text}")))
}

fn stream(w: &Arc<Workload>) -> Vec<Request> {
    let mut r = Source::workload(w.clone()).open(None).unwrap();
    let (mut all, mut batch) = (Vec::new(), Vec::new());
    while r.read_batch(&mut batch).unwrap() {
        all.extend_from_slice(&batch);
    }
    all
}

/// The stream of a `[workload]` body.
fn gen(body: &str) -> Vec<Request> {
    stream(&compile(&format!("seed = 7\n[workload]\n{body}\n")))
}

fn counts_desc(reqs: &[Request]) -> Vec<u64> {
    let mut m: FxHashMap<u64, u64> = FxHashMap::default();
    for r in reqs {
        *m.entry(r.key).or_default() += 1;
    }
    let mut c: Vec<u64> = m.into_values().collect();
    c.sort_unstable_by(|a, b| b.cmp(a));
    c
}

fn gaps(reqs: &[Request]) -> Vec<f64> {
    reqs.windows(2).map(|w| (w[1].time - w[0].time) as f64).collect()
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

fn lru(capacity: u64) -> Box<dyn Policy> {
    PolicySpec::parse("lru")
        .unwrap()
        .build(&BuildCtx { capacity, seed: 1 })
        .unwrap()
}

/// Share of `reqs` whose key is in `keys`.
fn share_in(reqs: &[Request], keys: &FxHashSet<u64>) -> f64 {
    reqs.iter().filter(|r| keys.contains(&r.key)).count() as f64 / reqs.len() as f64
}

/// Distinct keys with their first request.
fn first_of_each(reqs: &[Request]) -> Vec<Request> {
    let mut seen = FxHashSet::default();
    reqs.iter().filter(|r| seen.insert(r.key)).copied().collect()
}

// ---------------------------------------------------------------- popularity

#[test]
fn zipf_exponent_is_recovered_by_an_independent_fit() {
    // 100,000 keys use the alias table, 1,000,000 keys rejection-inversion.
    for (alpha, keys) in [
        (0.6, 100_000),
        (0.9, 100_000),
        (1.0, 100_000),
        (1.2, 100_000),
        (0.9, 1_000_000),
        (1.0, 1_000_000),
    ] {
        let reqs = gen(&format!(
            "requests = 2_000_000\nkeys = {keys}\npopularity = {{ dist = \"zipf\", alpha = {alpha} }}"
        ));
        let fit = fit_zipf(&counts_desc(&reqs));
        eprintln!("alpha {alpha}, {keys} keys: {fit:?}");
        assert!((fit.alpha - alpha).abs() < 0.03, "alpha {alpha}: fitted {fit:?}");
        assert!(fit.r2 > 0.98, "alpha {alpha}: {fit:?}");
        assert!(fit.ranks_used >= 8, "alpha {alpha}: {fit:?}");
    }
}

#[test]
fn scan_larger_than_the_cache_never_hits_in_lru() {
    let reqs = gen(
        "requests = 50_000\nkeys = 10_000\npopularity = { dist = \"scan\" }\nsize = { dist = \"fixed\", value = 1 }",
    );
    let mut c = lru(5_000);
    let hits_after_warmup = reqs
        .iter()
        .enumerate()
        .filter(|(i, r)| c.access(r) && *i >= 10_000)
        .count();
    assert_eq!(hits_after_warmup, 0);
    // The same loop fits a cache of all its keys: every request after the first pass hits.
    let mut c = lru(10_000);
    let hits = reqs.iter().filter(|r| c.access(r)).count();
    assert_eq!(hits, 40_000);
}

#[test]
fn uniform_lru_hit_ratio_is_cache_over_keys() {
    let (n, cap) = (10_000u64, 2_000u64);
    let reqs = gen(&format!(
        "requests = 2_000_000\nkeys = {n}\npopularity = {{ dist = \"uniform\" }}\nsize = {{ dist = \"fixed\", value = 1 }}"
    ));
    let mut c = lru(cap);
    let warm = 200_000;
    let mut hits = 0;
    for (i, r) in reqs.iter().enumerate() {
        if c.access(r) && i >= warm {
            hits += 1;
        }
    }
    let ratio = hits as f64 / (reqs.len() - warm) as f64;
    let expected = cap as f64 / n as f64;
    assert!(
        (ratio - expected).abs() < 0.01,
        "LRU hit ratio {ratio}, C/N = {expected}"
    );
}

#[test]
fn hotspot_sends_hot_traffic_to_the_hot_keys() {
    let reqs = gen(
        "requests = 2_000_000\nkeys = 100_000\npopularity = { dist = \"hotspot\", hot_keys = 0.1, hot_traffic = 0.8 }",
    );
    // The 10,000 most requested keys are the hot ones (about 160 requests each against 4.4 for a
    // cold key), so their share of requests measures hot_traffic without knowing which keys are hot.
    let c = counts_desc(&reqs);
    let share = c[..10_000].iter().sum::<u64>() as f64 / reqs.len() as f64;
    assert!((share - 0.8).abs() < 0.01, "hot share {share}");
    // Within each group the keys are uniform: the hottest hot key is not far above the mean.
    assert!(c[0] < 250 && c[9_999] > 90, "{} {}", c[0], c[9_999]);
}

#[test]
fn shifting_moves_the_hot_set_every_period() {
    let every = 100_000;
    let reqs = gen(&format!(
        "requests = 400_000\nkeys = 10_000\npopularity = {{ dist = \"shifting\", alpha = 1.0, every = {every} }}"
    ));
    // The most requested key of each block of 10,000 requests (about 1,000 requests against 500
    // for the second): constant inside a period, different after each shift.
    let top = |b: &[Request]| {
        let mut m: FxHashMap<u64, u64> = FxHashMap::default();
        for r in b {
            *m.entry(r.key).or_default() += 1;
        }
        m.into_iter().max_by_key(|&(k, n)| (n, k)).unwrap().0
    };
    let tops: Vec<u64> = reqs.chunks(10_000).map(top).collect();
    assert_eq!(tops.len(), 40);
    for (i, w) in tops.windows(2).enumerate() {
        let boundary = (i + 1) * 10_000 % every == 0;
        assert_eq!(w[0] != w[1], boundary, "block {}: tops {:?}", i + 1, tops);
    }
    // The top ten keys of two epochs are disjoint (the default shift is a tenth of the keys).
    let top10 = |b: &[Request]| -> FxHashSet<u64> {
        let mut m: FxHashMap<u64, u64> = FxHashMap::default();
        for r in b {
            *m.entry(r.key).or_default() += 1;
        }
        let mut v: Vec<(u64, u64)> = m.into_iter().map(|(k, n)| (n, k)).collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        v[..10].iter().map(|p| p.1).collect()
    };
    let (a, b) = (top10(&reqs[..every]), top10(&reqs[every..2 * every]));
    assert!(a.is_disjoint(&b));
    // By time: every = "1s" at a constant 10,000 per second is the same schedule.
    let by_time = gen("requests = 40_000\nkeys = 10_000\narrival = { process = \"constant\", rate = 10_000 }\npopularity = { dist = \"shifting\", alpha = 1.0, every = \"1s\" }");
    let tops: Vec<u64> = by_time.chunks(5_000).map(top).collect();
    for (i, w) in tops.windows(2).enumerate() {
        assert_eq!(w[0] != w[1], (i + 1) % 2 == 0, "block {}: {:?}", i + 1, tops);
    }
}

#[test]
fn mix_components_get_their_weights() {
    // Weights 3:1:1 over disjoint key sets: a Zipf over ranks 0..10,000 and two loops far beyond.
    let reqs = gen(
        "requests = 1_000_000\nkeys = 10_000\npopularity = { dist = \"mix\", components = [
            { weight = 3, dist = \"zipf\", alpha = 0.9 },
            { weight = 1, dist = \"scan\", start = 1_000_000, length = 5_000 },
            { weight = 1, dist = \"scan\", start = 2_000_000, length = 7_000 },
        ] }",
    );
    let set = |from: u64, n: u64| -> FxHashSet<u64> { (from..from + n).map(scatter).collect() };
    let shares = [
        share_in(&reqs, &set(0, 10_000)),
        share_in(&reqs, &set(1_000_000, 5_000)),
        share_in(&reqs, &set(2_000_000, 7_000)),
    ];
    for (s, want) in shares.iter().zip([0.6, 0.2, 0.2]) {
        assert!((s - want).abs() < 0.01, "shares {shares:?}");
    }
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Each loop is still sequential within its own component.
    let loop1: Vec<u64> = reqs
        .iter()
        .map(|r| r.key)
        .filter(|k| set(1_000_000, 5_000).contains(k))
        .take(10)
        .collect();
    assert_eq!(loop1, (1_000_000..1_000_010).map(scatter).collect::<Vec<_>>());
}

// ---------------------------------------------------------------- arrivals

#[test]
fn poisson_gaps_are_exponential() {
    let rate = 10_000.0;
    let reqs = gen("requests = 1_000_000\nkeys = 1000\narrival = { process = \"poisson\", rate = 10_000 }");
    let (m, sd) = mean_sd(&gaps(&reqs));
    let want = NANOS_PER_SEC as f64 / rate;
    assert!((m / want - 1.0).abs() < 0.02, "mean gap {m} ns, want {want}");
    assert!((sd / m - 1.0).abs() < 0.05, "coefficient of variation {}", sd / m);
}

#[test]
fn bursty_is_overdispersed_at_the_configured_mean_rate() {
    let (on, off, burst, gap) = (10_000.0, 100.0, 0.010, 0.040);
    let reqs = gen("requests = 2_000_000\nkeys = 1000\narrival = { process = \"bursty\", rate = 10_000, rate_between = 100, mean_burst = \"10ms\", mean_gap = \"40ms\" }");
    let span = (reqs.last().unwrap().time - reqs[0].time) as f64 / NANOS_PER_SEC as f64;
    let rate = (reqs.len() - 1) as f64 / span;
    let want = (on * burst + off * gap) / (burst + gap);
    assert!((rate / want - 1.0).abs() < 0.03, "long-run rate {rate}, want {want}");
    // Index of dispersion (variance / mean) of counts in 50 ms windows: 1 for Poisson.
    let w = 50_000_000u64;
    let mut counts = vec![0f64; (reqs.last().unwrap().time / w) as usize];
    for r in &reqs {
        if let Some(c) = counts.get_mut((r.time / w) as usize) {
            *c += 1.0;
        }
    }
    let (m, sd) = mean_sd(&counts);
    let dispersion = sd * sd / m;
    assert!(dispersion > 2.0, "index of dispersion {dispersion}");
    // The same check on a Poisson stream at the same mean rate gives about 1.
    let p = gen(&format!(
        "requests = 500_000\nkeys = 1000\narrival = {{ process = \"poisson\", rate = {want} }}"
    ));
    let mut counts = vec![0f64; (p.last().unwrap().time / w) as usize];
    for r in &p {
        if let Some(c) = counts.get_mut((r.time / w) as usize) {
            *c += 1.0;
        }
    }
    let (m, sd) = mean_sd(&counts);
    assert!((sd * sd / m - 1.0).abs() < 0.15, "poisson dispersion {}", sd * sd / m);
}

#[test]
fn constant_gaps_are_exact() {
    for rate in [1000u64, 3000, 7] {
        let reqs = gen(&format!(
            "requests = 100_000\nkeys = 10\narrival = {{ process = \"constant\", rate = {rate} }}"
        ));
        for (k, r) in reqs.iter().enumerate() {
            // round(k * 1e9 / rate) in integers.
            let want = (2 * k as u64 * NANOS_PER_SEC + rate) / (2 * rate);
            assert_eq!(r.time, want, "rate {rate}, request {k}");
        }
        for g in gaps(&reqs) {
            assert!((g - NANOS_PER_SEC as f64 / rate as f64).abs() <= 1.0);
        }
    }
}

#[test]
fn diurnal_rate_swings_by_the_amplitude() {
    let (rate, amp) = (10_000.0, 0.5);
    let reqs = gen("duration = \"100s\"\nkeys = 1000\narrival = { process = \"diurnal\", rate = 10_000, amplitude = 0.5, period = \"10s\" }");
    // Windows of a tenth of the period around each peak (t = 2.5 s mod 10 s) and trough (7.5 s);
    // the mean of sin over +-pi/10 around its maximum is sin(pi/10) / (pi/10).
    let period = 10.0;
    let half = period / 20.0;
    let (mut peak, mut trough) = (0u64, 0u64);
    for r in &reqs {
        let t = (r.time as f64 / NANOS_PER_SEC as f64) % period;
        if (t - 2.5).abs() < half {
            peak += 1;
        } else if (t - 7.5).abs() < half {
            trough += 1;
        }
    }
    let window_secs = 2.0 * half * 10.0; // ten periods
    let d = std::f64::consts::PI / 10.0;
    let factor = d.sin() / d;
    let (peak_rate, trough_rate) = (peak as f64 / window_secs, trough as f64 / window_secs);
    let (want_peak, want_trough) = (rate * (1.0 + amp * factor), rate * (1.0 - amp * factor));
    assert!(
        (peak_rate / want_peak - 1.0).abs() < 0.03,
        "peak {peak_rate}, want {want_peak}"
    );
    assert!(
        (trough_rate / want_trough - 1.0).abs() < 0.03,
        "trough {trough_rate}, want {want_trough}"
    );
    // The mean rate over whole periods is the configured rate.
    assert!(
        (reqs.len() as f64 / 100.0 / rate - 1.0).abs() < 0.01,
        "{} requests",
        reqs.len()
    );
}

// ---------------------------------------------------------------- sizes and TTLs

/// Sizes of the distinct keys of a 100,000-key stream (most keys requested at least once).
fn key_sizes(size: &str) -> Vec<f64> {
    let reqs = gen(&format!("requests = 1_000_000\nkeys = 100_000\nsize = {size}"));
    let firsts = first_of_each(&reqs);
    assert!(firsts.len() > 99_000);
    firsts.iter().map(|r| r.size as f64).collect()
}

#[test]
fn fixed_and_uniform_sizes() {
    assert!(key_sizes("{ dist = \"fixed\", value = \"1KiB\" }")
        .iter()
        .all(|&s| s == 1024.0));
    let s = key_sizes("{ dist = \"uniform\", min = 1000, max = 9000 }");
    assert!(s.iter().all(|&v| (1000.0..=9000.0).contains(&v)));
    let (m, sd) = mean_sd(&s);
    assert!((m / 5000.0 - 1.0).abs() < 0.01, "mean {m}");
    // The standard deviation of a uniform on [a, b] is (b - a) / sqrt(12).
    assert!((sd / (8000.0 / 12f64.sqrt()) - 1.0).abs() < 0.02, "sd {sd}");
}

#[test]
fn lognormal_sizes_have_the_configured_median_and_log_sd() {
    let mut s = key_sizes("{ dist = \"lognormal\", median = \"4KiB\", sigma = 1.0 }");
    s.sort_unstable_by(f64::total_cmp);
    let median = s[s.len() / 2];
    assert!((median / 4096.0 - 1.0).abs() < 0.03, "median {median}");
    let logs: Vec<f64> = s.iter().map(|v| v.ln()).collect();
    let (_, log_sd) = mean_sd(&logs);
    assert!((log_sd - 1.0).abs() < 0.05, "log sd {log_sd}");
}

#[test]
fn pareto_sizes_respect_min_and_tail_index() {
    let s = key_sizes("{ dist = \"pareto\", min = 1000, alpha = 1.5 }");
    assert!(s.iter().all(|&v| v >= 1000.0));
    // Maximum-likelihood tail index with a known scale: n / sum ln(x / min).
    let alpha = s.len() as f64 / s.iter().map(|v| (v / 1000.0).ln()).sum::<f64>();
    assert!((alpha - 1.5).abs() < 0.05, "tail index {alpha}");
}

#[test]
fn a_key_keeps_its_size_unless_a_write_resizes_it() {
    let body = "requests = 200_000\nkeys = 1000\nread_ratio = 0.7\nsize = { dist = \"lognormal\", median = 1000, sigma = 1.0 }";
    let reqs = gen(body);
    let mut size: FxHashMap<u64, u64> = FxHashMap::default();
    for r in &reqs {
        assert_eq!(
            *size.entry(r.key).or_insert(r.size),
            r.size,
            "key {} changed size",
            r.key
        );
    }
    let reqs = gen(&format!("{body}\nresize_on_write = true"));
    let (mut writes, mut changed) = (0, 0);
    let mut size: FxHashMap<u64, u64> = FxHashMap::default();
    for r in &reqs {
        match (r.op, size.insert(r.key, r.size)) {
            (Op::Write, Some(old)) => {
                writes += 1;
                changed += (old != r.size) as u32;
            }
            (Op::Read, Some(old)) => assert_eq!(old, r.size, "a read sees the last write's size"),
            _ => {}
        }
    }
    assert!(writes > 50_000);
    assert!(
        changed as f64 > 0.95 * writes as f64,
        "{changed} of {writes} writes resized"
    );
}

#[test]
fn ttl_classes_split_keys_by_share() {
    let reqs = gen("requests = 1_000_000\nkeys = 100_000\nttl = { classes = [
        { name = \"prices\", share = 0.2, ttl = \"1m\" },
        { name = \"details\", share = 0.3, ttl = \"1h\" },
    ] }");
    let firsts = first_of_each(&reqs);
    let n = firsts.len() as f64;
    let share = |ttl: u64| firsts.iter().filter(|r| r.ttl == ttl).count() as f64 / n;
    let got = [share(60 * NANOS_PER_SEC), share(3600 * NANOS_PER_SEC), share(0)];
    for (g, want) in got.iter().zip([0.2, 0.3, 0.5]) {
        assert!((g - want).abs() < 0.01, "class shares {got:?}");
    }
    // A key keeps its TTL.
    let mut ttl: FxHashMap<u64, u64> = FxHashMap::default();
    assert!(reqs.iter().all(|r| *ttl.entry(r.key).or_insert(r.ttl) == r.ttl));
}

// ---------------------------------------------------------------- determinism, phases, duration

#[test]
fn the_seed_fixes_the_stream() {
    let text = "[workload]\nrequests = 100_000\nkeys = 10_000\nread_ratio = 0.8\ndelete_ratio = 0.05\npopularity = { dist = \"zipf\", alpha = 0.9 }\narrival = { process = \"bursty\", rate = 1000, rate_between = 10, mean_burst = \"1s\", mean_gap = \"1s\" }\nsize = { dist = \"lognormal\", median = 100, sigma = 1 }\nresize_on_write = true\nttl = \"1m\"\n";
    let a = stream(&compile(&format!("seed = 1\n{text}")));
    let b = stream(&compile(&format!("seed = 1\n{text}")));
    let c = stream(&compile(&format!("seed = 2\n{text}")));
    assert_eq!(a.len(), 100_000);
    assert!(a == b, "same seed, same stream");
    let same = a.iter().zip(&c).filter(|(x, y)| x == y).count();
    assert!(same < 1000, "another seed gives another stream ({same} equal requests)");
}

#[test]
fn phases_run_in_order_with_their_own_ratios_and_rates() {
    let reqs = gen(r#"keys = 10_000
arrival = { process = "poisson", rate = 1000 }
[[workload.phases]]
name = "reads"
requests = 100_000
read_ratio = 1.0
[[workload.phases]]
name = "mixed"
requests = 100_000
rate = 10_000
read_ratio = 0.5
[[workload.phases]]
name = "writes"
duration = "5s"
rate = 20_000
read_ratio = 0.0
"#);
    assert!(reqs.windows(2).all(|w| w[0].time <= w[1].time), "time never goes back");
    let (a, rest) = reqs.split_at(100_000);
    let (b, c) = rest.split_at(100_000);
    let read_share = |x: &[Request]| x.iter().filter(|r| r.op == Op::Read).count() as f64 / x.len() as f64;
    let mean_gap = |x: &[Request]| mean_sd(&gaps(x)).0;
    assert_eq!(read_share(a), 1.0);
    assert!((read_share(b) - 0.5).abs() < 0.01, "{}", read_share(b));
    assert_eq!(read_share(c), 0.0);
    assert!((mean_gap(a) / 1e6 - 1.0).abs() < 0.02, "{}", mean_gap(a));
    assert!((mean_gap(b) / 1e5 - 1.0).abs() < 0.02, "{}", mean_gap(b));
    assert!((mean_gap(c) / 5e4 - 1.0).abs() < 0.02, "{}", mean_gap(c));
    // The last phase lasts 5 s from the end of the second: about 100,000 requests inside it.
    let start = b.last().unwrap().time;
    assert!(c.iter().all(|r| r.time >= start && r.time < start + 5 * NANOS_PER_SEC));
    assert!((c.len() as f64 / 100_000.0 - 1.0).abs() < 0.02, "{}", c.len());
}

#[test]
fn duration_mode_stops_at_the_duration() {
    let reqs = gen("duration = \"10s\"\nkeys = 1000\narrival = { process = \"poisson\", rate = 10_000 }");
    let end = 10 * NANOS_PER_SEC;
    assert!(reqs.iter().all(|r| r.time < end));
    assert!(reqs.last().unwrap().time > end - NANOS_PER_SEC / 100);
    assert!((reqs.len() as f64 / 100_000.0 - 1.0).abs() < 0.015, "{}", reqs.len());
}

// ---------------------------------------------------------------- through the binary

fn run_json(args: &[&str]) -> Value {
    let out = cachesim()
        .arg("run")
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cachesim run {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (policy, cache_size, hits, misses, expirations, deletes) of every result.
fn outcome(v: &Value) -> Vec<(String, u64, u64, u64, u64, u64)> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["policy"].as_str().unwrap().to_string(),
                r["cache_size"].as_u64().unwrap(),
                r["hits"].as_u64().unwrap(),
                r["misses"].as_u64().unwrap(),
                r["expirations"].as_u64().unwrap(),
                r["deletes"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn run_results_do_not_depend_on_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.toml");
    std::fs::write(
        &w,
        "seed = 3\n[workload]\nrequests = 200_000\nkeys = 20_000\nread_ratio = 0.9\ndelete_ratio = 0.02\npopularity = { dist = \"zipf\", alpha = 0.9 }\narrival = { process = \"poisson\", rate = 5000 }\nsize = { dist = \"lognormal\", median = \"2KiB\", sigma = 1 }\nttl = \"10s\"\n[cache]\npolicies = [\"lru\", \"s3fifo\", \"random\", \"belady\"]\nsizes = [\"1MiB\", \"5%\"]\n",
    )
    .unwrap();
    let summary = |jobs: &str| {
        let out = dir.path().join(format!("out{jobs}"));
        cachesim()
            .arg("run")
            .arg(&w)
            .args(["-q", "--jobs", jobs, "--out"])
            .arg(&out)
            .assert()
            .success();
        std::fs::read(out.join("summary.json")).unwrap()
    };
    let one = summary("1");
    assert_eq!(one, summary("2"), "summary.json is byte-identical with --jobs 1 and 2");
    let v: Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 8);
}

/// Generates `workload` to `file` and checks that replaying it gives what running the workload gives.
fn round_trip(
    dir: &Path,
    workload: &str,
    file: &str,
    policies: &str,
    sizes: &str,
) -> Vec<(String, u64, u64, u64, u64, u64)> {
    let w = dir.join("w.toml");
    std::fs::write(&w, workload).unwrap();
    let t = dir.join(file);
    cachesim()
        .args(["generate", "-q"])
        .arg(&w)
        .arg("-o")
        .arg(&t)
        .assert()
        .success();
    let direct = run_json(&[w.to_str().unwrap(), "-p", policies, "-s", sizes]);
    let replay = run_json(&["--trace", t.to_str().unwrap(), "-p", policies, "-s", sizes]);
    assert_eq!(outcome(&direct), outcome(&replay), "{file}");
    let o = outcome(&direct);
    assert!(o.iter().all(|o| o.2 > 0 && o.3 > 0), "{file}: {o:?}");
    o
}

#[test]
fn generated_traces_replay_like_the_workload() {
    let dir = tempfile::tempdir().unwrap();
    // oracleGeneral has no TTL or delete field: a workload without either.
    let plain = "seed = 5\n[workload]\nrequests = 200_000\nkeys = 20_000\nread_ratio = 0.9\npopularity = { dist = \"zipf\", alpha = 0.8 }\narrival = { process = \"poisson\", rate = 2000 }\nsize = { dist = \"pareto\", min = 500, alpha = 1.3 }\n";
    for file in ["w.bin", "w.oracleGeneral.zst"] {
        round_trip(dir.path(), plain, file, "lru,s3fifo,sieve,belady", "1MiB,8MiB");
    }
    // CSV keeps TTLs (some expire within the run) and deletes.
    let ttl = "seed = 6\n[workload]\nrequests = 200_000\nkeys = 20_000\nread_ratio = 0.85\ndelete_ratio = 0.05\npopularity = { dist = \"zipf\", alpha = 0.9 }\narrival = { process = \"poisson\", rate = 10_000 }\nsize = { dist = \"uniform\", min = 100, max = 900 }\nttl = { classes = [{ share = 0.5, ttl = \"2s\" }, { share = 0.3, ttl = \"750ms\" }] }\n";
    let o = round_trip(dir.path(), ttl, "w.csv", "lru,s3fifo,ttl", "1MiB,4MiB");
    // Objects expire and deletes are replayed (the `ttl` policy evicts soonest-expiring objects
    // before they expire, so it is left out of the expiration check).
    assert!(o.iter().all(|o| o.5 > 5000), "deletes: {o:?}");
    assert!(
        // (writes renew TTLs, so LRU at 1 MiB sees 880 expirations, not thousands)
        o.iter().filter(|o| o.0 != "ttl").all(|o| o.4 > 500),
        "expirations: {o:?}"
    );
}
