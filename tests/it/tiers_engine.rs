//! Multi-level caches on the discrete-event engine: the engine's instant path against the plain
//! replay (two implementations of the same semantics), stale reads under delayed invalidation
//! against the expected reads inside the delay window, TTL jitter against synchronized expiry,
//! warming after a restart, negative caching.

use crate::support::cachesim;
use serde_json::Value;

fn run(text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, text).unwrap();
    let out = cachesim().args(["run", "-q", "-f", "json"]).arg(&p).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const TWO_TIERS: &str = r#"[topology]
instances = 3
[[tier]]
name = "l1"
scope = "instance"
policy = "lru"
size = "48KiB"
[[tier]]
name = "l2"
scope = "shared"
policy = "lru"
size = "1MiB"
"#;

/// A read-only workload through two tiers: the engine with nothing that takes time (an empty
/// `[backend]`) counts exactly what the plain replay counts, per tier, inclusive and exclusive,
/// for every routing.
#[test]
fn the_instant_engine_equals_the_plain_replay() {
    for inclusion in ["inclusive", "exclusive"] {
        for routing in ["round-robin", "by-key", "random"] {
            let body = format!(
                "seed = 2\n[workload]\nrequests = 40_000\nkeys = 3_000\npopularity = {{ dist = \"zipf\", alpha = 0.8 }}\nsize = {{ dist = \"uniform\", min = \"1KiB\", max = \"8KiB\" }}\nttl = {{ classes = [{{ share = 0.5, ttl = \"3s\" }}] }}\n[cache]\npolicies = [\"lru\", \"s3fifo\", \"arc\"]\n{}",
                TWO_TIERS.replace("[topology]\n", &format!("[topology]\ninclusion = \"{inclusion}\"\nrouting = \"{routing}\"\n"))
            );
            let plain = run(&body);
            let engine = run(&format!("{body}[backend]\n"));
            for (p, e) in plain["results"]
                .as_array()
                .unwrap()
                .iter()
                .zip(engine["results"].as_array().unwrap())
            {
                let what = format!("{inclusion}, {routing}, {}", p["policy"]);
                for k in ["requests", "hits", "misses", "bytes_missed", "evictions"] {
                    assert_eq!(p[k], e[k], "{what}: {k}");
                }
                for (a, b) in p["tiers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(e["tiers"].as_array().unwrap())
                {
                    for k in ["requests", "hits", "evictions", "bytes_peak"] {
                        assert_eq!(a[k], b[k], "{what}: tier {} {k}", a["name"]);
                    }
                }
                assert!(p["tiers"][0]["hits"].as_u64().unwrap() > 1_000, "{what}");
                assert!(p["tiers"][1]["hits"].as_u64().unwrap() > 1_000, "{what}");
            }
        }
    }
}

/// One hot key read by N instances at rate lambda (Poisson, random routing), written rarely:
/// after each write, every other instance serves its old copy until the invalidation arrives D
/// later, so the stale reads per write are lambda * D * (N - 1) / N (each instance gets a 1/N
/// share of the reads; the writer's own copy is deleted before the write is acknowledged).
/// With loss = 1 nothing arrives: the same run as invalidation = "none".
#[test]
fn stale_reads_per_write_are_the_reads_inside_the_delay_window() {
    let text = |coherence: &str, seed: u64| {
        format!(
            "seed = {seed}\n[workload]\nduration = \"300s\"\nkeys = 1\nread_ratio = 0.9999\narrival = {{ process = \"poisson\", rate = 10_000 }}\nsize = {{ dist = \"fixed\", value = 100 }}\n[topology]\ninstances = 4\nrouting = \"random\"\n[[tier]]\nname = \"l1\"\nscope = \"instance\"\npolicy = \"lru\"\nsize = \"1MiB\"\n[[tier]]\nname = \"l2\"\npolicy = \"lru\"\nsize = \"1MiB\"\n[pattern]\nwrite = \"invalidate\"\n{coherence}"
        )
    };
    let (mut writes, mut stale) = (0.0, 0.0);
    for seed in [1, 2] {
        let v = run(&text("[coherence]\ndelay = \"5ms\"\n", seed));
        let r = &v["results"][0];
        writes += r["writes"].as_f64().unwrap();
        stale += r["tiers"][0]["stale_reads"].as_f64().unwrap();
        assert_eq!(
            r["tiers"][1]["stale_reads"], 0,
            "the shared tier is invalidated before the ack"
        );
    }
    let lambda = 10_000.0 * 0.9999;
    let expected = lambda * 0.005 * 3.0 / 4.0;
    let per_write = stale / writes;
    // Per-write counts are Poisson(expected): 4.5 standard errors.
    let bound = 4.5 * (expected / writes).sqrt();
    assert!(
        (per_write - expected).abs() < bound,
        "{per_write} stale reads per write, expected {expected} +- {bound} ({writes} writes)"
    );
    // Doubling the delay doubles them.
    let v = run(&text("[coherence]\ndelay = \"10ms\"\n", 1));
    let r = &v["results"][0];
    let per_write2 = r["tiers"][0]["stale_reads"].as_f64().unwrap() / r["writes"].as_f64().unwrap();
    assert!(
        (per_write2 / per_write - 2.0).abs() < 0.15,
        "{per_write2} vs {per_write}"
    );
    // loss = 1 is invalidation = "none": copies stay until their TTL (here: for ever).
    let lost = run(&text("[coherence]\ndelay = \"5ms\"\nloss = 1.0\n", 1));
    let none = run(&text("[coherence]\ninvalidation = \"none\"\n", 1));
    assert_eq!(lost["results"], none["results"]);
    assert!(none["results"][0]["tiers"][0]["stale_reads"].as_f64().unwrap() > 10.0 * stale);
}

/// Every key loaded at once with the same TTL expires at once: without jitter the backend sees
/// (nearly) all keys loading together; jitter spreads the expiries over a window of 2 j TTL, and
/// the peak falls roughly in proportion to the window. `ttl_jitter = 0` is the run without it.
#[test]
fn ttl_jitter_spreads_synchronized_expiry() {
    let text = |jitter: &str| {
        format!(
            "seed = 3\n[workload]\nduration = \"16s\"\nkeys = 2000\nttl = \"10s\"\n{jitter}arrival = {{ process = \"poisson\", rate = 20_000 }}\nsize = {{ dist = \"fixed\", value = 100 }}\n[cache]\npolicies = [\"lru\"]\nsizes = [\"100MiB\"]\n[warming]\nkeys = \"all\"\n[backend]\nread_latency = {{ dist = \"constant\", value = \"100ms\" }}\n"
        )
    };
    let peak = |v: &Value| v["results"][0]["backend"]["peak_concurrency"].as_f64().unwrap();
    let none = run(&text(""));
    assert_eq!(none["results"], run(&text("ttl_jitter = 0.0\n"))["results"]);
    let (p0, p05, p10, p20) = (
        peak(&none),
        peak(&run(&text("ttl_jitter = 0.05\n"))),
        peak(&run(&text("ttl_jitter = 0.1\n"))),
        peak(&run(&text("ttl_jitter = 0.2\n"))),
    );
    assert!(p0 >= 1_800.0, "every key expires at 10s: {p0}");
    // Windows of 1s, 2s, 4s against loads of 100ms: each doubling roughly halves the peak.
    for (a, b) in [(p05, p10), (p10, p20)] {
        assert!((1.5..2.5).contains(&(a / b)), "{p05} {p10} {p20}");
    }
    assert!(p05 < p0 / 3.0, "{p0} {p05}");
}

/// A restart empties the shared tier; warming it again after the restart saves the misses the
/// cold restart pays, and the warming loads count apart from the request misses.
#[test]
fn warming_after_a_restart_saves_the_cold_misses() {
    let text = |when: &str| {
        format!(
            "seed = 4\n[workload]\nduration = \"20s\"\nkeys = 5_000\npopularity = {{ dist = \"zipf\", alpha = 0.9 }}\narrival = {{ process = \"poisson\", rate = 5_000 }}\nsize = {{ dist = \"fixed\", value = 100 }}\n[cache]\nignore_obj_size = true\npolicies = [\"lru\"]\nsizes = [\"5000\"]\n[faults]\ncache_restart_at = [\"10s\"]\n[backend]\nread_latency = {{ dist = \"constant\", value = \"1ms\" }}\n{when}"
        )
    };
    let cold = run(&text(""));
    let warm = run(&text("[warming]\nkeys = \"all\"\nwhen = [\"start\", \"restart\"]\n"));
    let once = run(&text("[warming]\nkeys = \"all\"\n"));
    let m = |v: &Value| v["results"][0]["misses"].as_u64().unwrap();
    let w = |v: &Value| v["results"][0]["backend"]["warming_reads"].as_u64().unwrap();
    // Everything fits and nothing expires: warmed at both times, no request misses at all.
    assert_eq!(m(&warm), 0);
    let distinct = w(&once);
    assert_eq!(w(&warm), 2 * distinct);
    // Warming only at the start: the restart's cold misses remain; warming neither: both.
    assert!(m(&once) > 1_000 && m(&cold) > m(&once), "{} {}", m(&cold), m(&once));
    // The cold run's extra misses are the keys first read before the restart: at most all keys.
    assert!(m(&cold) - m(&once) <= distinct && m(&once) <= distinct);
    // Rate-limited warming after the restart goes through the backend's servers and takes time:
    // the misses fall between cold and instant warming.
    let slow = run(&text(
        "[warming]\nkeys = \"all\"\nwhen = [\"start\", \"restart\"]\nrate = 2000\n",
    ));
    assert!(m(&slow) > 0 && m(&slow) < m(&once), "{} {}", m(&slow), m(&once));
    assert_eq!(w(&slow), 2 * distinct);
}

/// Negative caching on the engine with an instant backend counts what the plain replay counts.
#[test]
fn negative_caching_on_the_engine_equals_the_plain_replay() {
    let body = "seed = 4\n[workload]\nrequests = 50_000\nkeys = 10_000\nabsent_ratio = 0.2\npopularity = { dist = \"zipf\", alpha = 0.9 }\narrival = { process = \"poisson\", rate = 10_000 }\n[cache]\nignore_obj_size = true\npolicies = [\"lru\"]\nsizes = [\"2000\"]\n[pattern]\nnegative_ttl = \"500ms\"\n";
    let plain = run(body);
    let engine = run(&format!("{body}[backend]\n"));
    let (p, e) = (&plain["results"][0], &engine["results"][0]);
    for k in ["hits", "misses", "negative_hits"] {
        assert_eq!(p[k], e[k], "{k}");
    }
    assert_eq!(p["backend"]["absent_reads"], e["backend"]["absent_reads"]);
    assert!(p["negative_hits"].as_u64().unwrap() > 1_000);
}
