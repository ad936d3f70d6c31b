//! Alerts: each result is checked against `[alerts]` thresholds (or the defaults), independently
//! recomputed here from the result's own figures.

use crate::support::{cachesim, run_err, run_results};
use serde_json::Value;

/// 50,000 Zipf reads over 20,000 keys of 1 object each; `extra` appended.
fn zipf(extra: &str) -> String {
    format!(
        r#"seed = 3
[workload]
requests = 50_000
keys = 20_000
popularity = {{ dist = "zipf", alpha = 0.9 }}
[cache]
ignore_obj_size = true
policies = ["lru", "belady"]
sizes = [500, 30_000]
{extra}"#
    )
}

fn names(r: &Value) -> Vec<String> {
    r["alerts_raised"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn default_thresholds_raise_what_the_figures_say() {
    let rs = run_results(&zipf(""));
    assert_eq!(rs.as_array().unwrap().len(), 4);
    let mut raised = 0;
    for r in rs.as_array().unwrap() {
        let req = r["requests"].as_f64().unwrap();
        let mut want = Vec::new();
        if r["policy"] == "lru" {
            if r["hit_ratio"].as_f64().unwrap() < 0.70 {
                want.push("hit_ratio_below");
            }
            if r["evictions"].as_f64().unwrap() / req > 0.10 {
                want.push("evictions_above");
            }
            if r["memory_peak_ratio"].as_f64().unwrap() > 0.80 {
                want.push("memory_above");
            }
        }
        assert_eq!(names(r), want, "{}", r["cache_size"]);
        assert_eq!(r["alerts"].as_u64().unwrap() as usize, want.len());
        raised += want.len();
    }
    assert!(raised >= 3, "the small cache churns");
    // 20,000 keys never fill 30,000 slots: the peak is exactly the keys seen.
    let big = &rs[1];
    let seen = 50_000 - big["hits"].as_u64().unwrap();
    assert_eq!(big["memory_peak_ratio"].as_f64().unwrap(), seen as f64 / 30_000.0);
    assert!(!names(big).contains(&"memory_above".to_string()));
}

#[test]
fn thresholds_are_set_and_turned_off() {
    let rs = run_results(&zipf(
        "[alerts]\nhit_ratio_below = 0.99\nevictions_above = 0\nmemory_above = 0.3\n",
    ));
    let small = &rs[0];
    assert_eq!(names(small), ["hit_ratio_below", "memory_above"]);
    let a = &small["alerts_raised"][0];
    assert_eq!(a["threshold"], 0.99);
    assert_eq!(a["value"], small["hit_ratio"]);
    let big = &rs[1];
    let m = big["memory_peak_ratio"].as_f64().unwrap();
    assert!(m > 0.3 && m < 0.8, "{m}");
    assert_eq!(names(big), ["hit_ratio_below", "memory_above"]);
    let off = run_results(&zipf(
        "[alerts]\nhit_ratio_below = 0\nevictions_above = 0\nmemory_above = 0\n",
    ));
    for r in off.as_array().unwrap() {
        assert_eq!(r["alerts"], 0);
    }
}

#[test]
fn p95_is_the_cache_operations_where_modelled_else_the_reads() {
    let rs = run_results(&format!(
        "{}\n[alerts]\np95_above = \"0.1ms\"\nhit_ratio_below = 0\nmemory_above = 0\nevictions_above = 0\n",
        std::fs::read_to_string("workloads/stampede.toml").unwrap()
    ));
    let r = &rs[0];
    let a = &r["alerts_raised"][0];
    assert_eq!(
        (a["alert"].as_str(), a["of"].as_str()),
        (Some("p95_above"), Some("read"))
    );
    assert_eq!(a["value"], r["read_latency_ms"]["p95"]);
    let text = std::fs::read_to_string("workloads/cache-outage.toml").unwrap();
    let rs = run_results(&format!(
        "{text}\n[alerts]\np95_above = \"0.01ms\"\nhit_ratio_below = 0\nmemory_above = 0\nevictions_above = 0\nerror_ratio_above = 0\n"
    ));
    for r in rs.as_array().unwrap() {
        let a = &r["alerts_raised"][0];
        assert_eq!(
            (a["alert"].as_str(), a["of"].as_str()),
            (Some("p95_above"), Some("cache"))
        );
        assert_eq!(a["value"], r["cache_latency_ms"]["p95"]);
    }
}

#[test]
fn errors_and_stale_reads_have_their_own_alerts() {
    let text = std::fs::read_to_string("workloads/cache-outage.toml").unwrap();
    let rs = run_results(&format!(
        "{text}\n[alerts]\nerror_ratio_above = 0.000001\nstale_ratio_above = 0.000001\nhit_ratio_below = 0\nmemory_above = 0\nevictions_above = 0\np95_above = 0\n"
    ));
    for r in rs.as_array().unwrap() {
        let req = r["requests"].as_f64().unwrap();
        let reads = req - r["writes"].as_f64().unwrap_or(0.0);
        let mut want = Vec::new();
        if r["errors"].as_f64().unwrap() / req > 0.000001 {
            want.push("error_ratio_above");
        }
        if r["stale_reads"].as_f64().unwrap() / reads > 0.000001 {
            want.push("stale_ratio_above");
        }
        assert_eq!(names(r), want);
    }
}

#[test]
fn the_table_report_and_check_show_them_once_per_result() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(&p, zipf("")).unwrap();
    let out = dir.path().join("out");
    let o = cachesim()
        .args(["run", "-q"])
        .arg(&p)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let t = String::from_utf8_lossy(&o.stdout);
    let header = t.lines().find(|l| l.starts_with("policy")).unwrap();
    assert!(header.ends_with("alerts"), "{header}");
    let lru_small = t
        .lines()
        .find(|l| l.starts_with("lru ") && l.contains(" 500 objects"))
        .unwrap();
    assert!(
        lru_small.contains("hit ") && lru_small.contains("evict "),
        "{lru_small}"
    );
    assert!(
        t.lines().filter(|l| l.starts_with("belady")).all(|l| l.ends_with(" -")),
        "{t}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = md.split("## Alerts").nth(1).unwrap();
    assert!(
        section.contains("Thresholds (`[alerts]`): hit ratio < 70%"),
        "{section}"
    );
    let lines: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("- lru at 500 objects"))
        .collect();
    assert_eq!(lines.len(), 1, "one line per result: {section}");
    assert!(
        lines[0].contains("hit ratio") && lines[0].contains("evictions are"),
        "{}",
        lines[0]
    );
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",alerts,alerts_raised"));
    let ok = cachesim()
        .args(["check", "-q", "--assert", "alerts == 0"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(1), "the small lru raises alerts");
    let s = String::from_utf8_lossy(&ok.stdout);
    assert!(s.contains("FAIL  alerts == 0  lru @ 500 objects"), "{s}");
    assert!(s.contains("PASS  alerts == 0  belady @ 500 objects"), "{s}");
}

#[test]
fn bad_thresholds_are_refused_naming_the_key() {
    for (bad, want) in [
        ("hit_ratio_below = 1.5", "hit_ratio_below"),
        ("memory_above = -0.1", "memory_above"),
        ("p95_above = \"fast\"", "p95_above"),
        ("evictions_above = nan", "evictions_above"),
        ("hit_ratio = 0.5", "unknown field `hit_ratio`"),
    ] {
        let e = run_err(&zipf(&format!("[alerts]\n{bad}\n")));
        assert!(e.contains(want), "{bad}: {e}");
    }
}
