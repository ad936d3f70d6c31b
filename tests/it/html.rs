//! report.html: one self-contained page per `--out`, with what report.md says, the charts inline,
//! the command line, the version and the workload file. (A real browser opens every shipped page
//! in `.ci/run`: scripts/check-reports-in-browser.sh.)

use crate::support::cachesim;

#[test]
fn the_page_holds_everything_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page");
    let o = cachesim()
        .args([
            "run",
            "workloads/stampede.toml",
            "-q",
            "--vary",
            "pattern.stampede=none,coalesce",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    // Self-contained: no reference to any other file or address.
    for bad in ["src=\"http", "href=\"http", "<link", "@import", "url(", "src=\""] {
        assert!(!page.contains(bad), "the page refers outside itself: {bad}");
    }
    // One inline chart per chart report.md links.
    let charts = md.matches("](").count();
    assert!(charts >= 3);
    assert_eq!(page.matches("<svg").count(), charts);
    assert_eq!(page.matches("<figure role=\"img\"").count(), charts);
    // report.md's sections and numbers, the command, the version, the workload file as run.
    for needle in [
        "<h1>cachesim report: stampede</h1>",
        "<h2>Results</h2>",
        "<h2>Alerts</h2>",
        "lru (stampede=coalesce)",
        "387920",
        "cachesim run workloads/stampede.toml -q --vary pattern.stampede=none,coalesce --out page",
        concat!("cachesim ", env!("CARGO_PKG_VERSION")),
        "<h2>Workload file as run</h2>",
        "[pattern]\nread = &quot;cache-aside&quot;",
        "<meta name=\"viewport\"",
        "@media print",
        "aria-sort",
    ] {
        assert!(page.contains(needle), "report.html lacks {needle}");
    }
    // Tables scroll inside the page on a narrow screen.
    assert_eq!(
        page.matches("<table>").count(),
        page.matches("<div class=\"scroll\"><table>").count()
    );
}

#[test]
fn svg_chart_runs_embed_the_same_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("svg");
    cachesim()
        .args([
            "run",
            "workloads/zipf.toml",
            "-q",
            "-p",
            "lru,fifo",
            "-s",
            "1%,10%",
            "--chart-format",
            "svg",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let svgs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert_eq!(page.matches("<svg").count(), svgs);
    assert!(!page.contains("chart") || !page.contains("is missing"));
}

#[test]
fn plan_writes_the_page_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    let o = cachesim()
        .args([
            "plan",
            "-t",
            "traces/sample.oracleGeneral.bin",
            "-p",
            "s3fifo",
            "--target-hit-ratio",
            "50%",
            "-q",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    // The plan's own text, its chart inline (and no link to the PNG), the command.
    let answer = md
        .lines()
        .find(|l| l.starts_with("s3fifo: the smallest cache"))
        .unwrap();
    assert!(page.contains(answer), "report.html lacks {answer}");
    assert_eq!(page.matches("<svg").count(), 1);
    assert!(!page.contains("plan.png"));
    assert!(page.contains("target hit ratio 50.0%"), "the target line is drawn");
    assert!(page.contains("cachesim plan -t traces/sample.oracleGeneral.bin -p s3fifo"));
}

#[test]
fn analyze_writes_the_page_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("an");
    let o = cachesim()
        .args(["analyze", "workloads/zipf.toml", "-q", "--seed", "9", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("analysis.md")).unwrap();
    let charts = md.matches("](").count();
    assert_eq!(charts, 5);
    assert_eq!(page.matches("<svg").count(), charts);
    assert!(!page.contains(".png"), "the page links no chart file");
    for needle in [
        "seed 9",
        "zipf: popularity (log-log)",
        "zipf: reuse distance",
        "<h2>Workload file as run</h2>",
    ] {
        assert!(page.contains(needle), "report.html lacks {needle}");
    }
    // The summary sentence and the table, as analysis.md has them.
    let summary = md.lines().nth(2).unwrap();
    assert!(
        page.contains(summary.trim_end_matches('.')),
        "report.html lacks {summary}"
    );
}
