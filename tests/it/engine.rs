//! Tests that prove the discrete-event engine's model, each against an independent result: queueing
//! theory (Erlang C, Little's law), a back-of-envelope model of stampedes and of xfetch, the
//! arithmetic of write-behind loss (hand-traced schedules, the cache-aside race among them, are in
//! tests/it/engine_cases.rs).

use cachesim::engine::simulate_file;
use cachesim::model::result::RunResult;
use cachesim::policy::REGISTRY;
use std::path::Path;

fn run_at(text: &str, path: &Path, policy: &str, capacity: u64, events: bool) -> RunResult {
    let f = cachesim::schema::parse(text, path).unwrap();
    simulate_file(&f, path, policy, capacity, events).unwrap()
}

fn run(text: &str, policy: &str, capacity: u64) -> RunResult {
    run_at(text, Path::new("test.toml"), policy, capacity, false)
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a` = lambda / mu.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 * (c as f64 / (c as f64 - a));
    top / (sum + top)
}

#[test]
fn queueing_matches_erlang_c_and_littles_law() {
    // Every read misses (uniform over 10^9 keys, a one-object cache): the backend is an M/M/10
    // queue with lambda = 900/s, mu = 100/s.
    let text = r#"
seed = 3
[workload]
requests = 300_000
keys = 1_000_000_000
arrival = { process = "poisson", rate = 900 }
size = { dist = "fixed", value = 1 }
[cache]
ignore_obj_size = true
[backend]
read_latency = { dist = "exponential", mean = "10ms" }
concurrency = 10
"#;
    let r = run(text, "lru", 1);
    let (lambda, mu, c) = (900.0, 100.0, 10u32);
    let wait = erlang_c(c, lambda / mu) / (c as f64 * mu - lambda);
    let expected_ms = (wait + 1.0 / mu) * 1e3;
    assert!((expected_ms - 16.69).abs() < 0.01, "Erlang C gives {expected_ms}");
    let lat = r.read_latency_ms.unwrap();
    eprintln!(
        "queueing: mean {} ms (Erlang C {expected_ms} ms), backend {:?}",
        lat.mean, r.backend
    );
    assert!(r.misses as f64 > 0.999 * r.requests as f64);
    assert!(
        (lat.mean / expected_ms - 1.0).abs() < 0.03,
        "mean read latency {} ms, Erlang C {expected_ms} ms",
        lat.mean
    );
    // Little's law: time-average number in the backend = throughput x mean time in the backend.
    let b = r.backend.unwrap();
    let throughput = b.reads as f64 / r.duration_s.unwrap();
    let little = throughput * b.mean_time_ms.unwrap() / 1e3;
    assert!(
        (b.mean_in_flight.unwrap() / little - 1.0).abs() < 0.03,
        "in flight {} vs lambda * W {little}",
        b.mean_in_flight.unwrap()
    );
    assert!(b.peak_concurrency == Some(10) && b.peak_queue > Some(0));
}

fn stampede(mode: &str, extra: &str) -> RunResult {
    let text = format!(
        r#"
[workload]
duration = "10s"
keys = 1
arrival = {{ process = "constant", rate = 10_000 }}
ttl = "1s"
timeline_interval = "100ms"
[backend]
read_latency = {{ dist = "constant", value = "100ms" }}
[pattern]
stampede = "{mode}"
{extra}
"#
    );
    // timeline_interval is top-level: move it out of [workload].
    let text = text.replace("timeline_interval = \"100ms\"\n", "");
    let text = format!("timeline_interval = \"100ms\"\n{text}");
    run(&text, "lru", 1 << 30)
}

#[test]
fn stampede_none_coalesce_and_xfetch() {
    // none: every read in the 100 ms after an expiry misses and loads: 10,000/s x 0.1 s = 1,000
    // concurrent loads, about 1,000 per expiry, 10 expiries (cold start included).
    let r = stampede("none", "");
    let b = r.backend.unwrap();
    eprintln!("none: {b:?} {:?}", r.stampede);
    assert!(
        (950..=1050).contains(&b.peak_concurrency.unwrap()),
        "peak {:?}",
        b.peak_concurrency
    );
    assert!(b.reads >= 5_000 && b.reads <= 11_000, "reads {}", b.reads);
    assert!(r.stampede.unwrap().expiries_with_concurrent_loads >= 9);

    // coalesce: one load per expiry. The value is set at 0.1 s and expires every 1.1 s
    // (1 s TTL + 0.1 s load): loads at 0, 1.1, 2.2, ..., 9.9 s = 10.
    let r = stampede("coalesce", "");
    let b = r.backend.unwrap();
    eprintln!("coalesce: {b:?} {:?}", r.stampede);
    assert_eq!(b.peak_concurrency, Some(1));
    assert!((9..=11).contains(&b.reads), "reads {}", b.reads);

    // xfetch, beta 1, delta = 0.1 s, lambda = 10,000/s. A hit at tau before expiry recomputes with
    // probability exp(-tau / delta), so the first recompute comes when lambda * delta * exp(-tau/delta)
    // (the expected count still to come) drops below an Exp(1) draw: tau = delta (ln 1000 + gamma)
    // = 0.75 s early on average. During its 0.1 s flight, (e - 1) * Exp(1) = 1.7 more start on
    // average: ~2.7 loads per cycle. A cycle is 1 s + 0.1 s - 0.75 s plus ~0.05 s for the later
    // loads that push the expiry on: ~0.40 s, so 9.8 s / 0.40 s x 2.7 = 66 loads (54 to 72 allowing
    // for the randomness). The peak of one cycle is 1 + a geometric count with ratio
    // (e - 1) / e = 0.63; the largest of ~25 cycles is 6 to 14.
    let r = stampede("xfetch", "xfetch_beta = 1.0");
    let tl = &r.timeline;
    let cold: f64 = tl[0].backend_reads_per_s * 0.1;
    assert!((950.0..=1050.0).contains(&cold), "cold start loads {cold}");
    let later: f64 = tl
        .iter()
        .filter(|p| p.time_s > 0.2 + 1e-9)
        .map(|p| p.backend_reads_per_s * 0.1)
        .sum();
    assert!((54.0..=72.0).contains(&later), "backend reads after 200 ms: {later}");
    let peak = r.stampede.unwrap().max_concurrent_refreshes_per_key;
    eprintln!("xfetch: cold {cold}, later {later}, {:?} {:?}", r.backend, r.stampede);
    assert!((6..=14).contains(&peak), "peak concurrent recomputes {peak}");
    assert_eq!(r.misses, 1000, "only the cold start misses");
}

#[test]
fn write_behind_crash_loses_the_unflushed_writes() {
    // 1,000 writes/s to distinct keys, flushed every second: a crash at 10.5 s loses the writes of
    // (10.0 s, 10.5 s] -- the flush at 10.0 s runs before the write that arrives at 10.0 s.
    let text = r#"
[workload]
duration = "12s"
keys = 1_000_000
read_ratio = 0.0
popularity = { dist = "scan" }
arrival = { process = "constant", rate = 1000 }
[pattern]
write = "write-behind"
write_behind = { flush_interval = "1s", batch_size = 1_000_000 }
[backend]
write_latency = { dist = "constant", value = "5ms" }
[faults]
crash_at = "10.5s"
"#;
    let r = run(text, "lru", 1 << 40);
    let wb = r.write_behind.unwrap();
    eprintln!("write-behind: {wb:?}");
    assert!((499..=501).contains(&wb.lost_writes), "lost {}", wb.lost_writes);
    assert_eq!(wb.coalesced_writes, 0);
    assert!((999..=1001).contains(&wb.max_dirty), "max dirty {}", wb.max_dirty);
    assert_eq!(
        wb.flushes, 12,
        "flushes at 1, 2, ..., 10 s, then 11 s and the last at 12 s"
    );
    // Reads of lost data are stale: none here (no reads), and every write was acknowledged.
    assert_eq!(r.writes, Some(12_000));
}

#[test]
fn fast_path_equals_event_path() {
    let reads = ["cache-aside", "read-through"];
    let writes = ["invalidate", "write-through", "write-around"];
    for read in reads {
        for write in writes {
            let text = format!(
                r#"
seed = 9
[workload]
requests = 20_000
keys = 2_000
read_ratio = 0.8
delete_ratio = 0.02
popularity = {{ dist = "zipf", alpha = 0.9 }}
arrival = {{ process = "poisson", rate = 2000 }}
size = {{ dist = "lognormal", median = "4KiB", sigma = 1.0 }}
ttl = {{ classes = [{{ share = 0.5, ttl = "2s" }}] }}
resize_on_write = true
[pattern]
read = "{read}"
write = "{write}"
stampede = "none"
"#
            );
            for info in REGISTRY {
                let fast = run_at(&text, Path::new("eq.toml"), info.name, 1_500_000, false);
                let slow = run_at(&text, Path::new("eq.toml"), info.name, 1_500_000, true);
                assert_eq!(
                    (fast.hits, fast.misses, fast.evictions, fast.expirations),
                    (slow.hits, slow.misses, slow.evictions, slow.expirations),
                    "{} with {read}/{write}",
                    info.name
                );
                assert!(fast.hits > 0 && fast.misses > 0);
            }
        }
    }
}

#[test]
fn same_seed_same_result() {
    let a = stampede("lock", "lock_wait = \"20ms\"\nlock_retries = 3");
    let b = stampede("lock", "lock_wait = \"20ms\"\nlock_retries = 3");
    assert_eq!(a, b);
    // Lock: the holder loads once per expiry; waiters sleep 20 ms x 3 then load anyway.
    assert!(a.backend.unwrap().reads < 10_000);
}
