//! The shipped reports in reports/ are what the current code produces: every shipped workload is
//! run again and its report compared with reports/<name>/ — text files (Markdown, CSV, JSON) byte
//! for byte; charts decoded and inspected (same dimensions, a drawing on them), not compared byte
//! for byte, so a plotters upgrade that moves a pixel does not fail CI.
//! `scripts/regenerate-reports.sh` rewrites them all.

use assert_cmd::Command;
use std::path::Path;

/// Width, height and the fraction of pixels that differ from the top-left (background) pixel.
fn inspect_png(path: &Path) -> (u32, u32, f64) {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: cannot decode: {e}", path.display()));
    let px = info.color_type.samples() * if info.bit_depth == png::BitDepth::Sixteen { 2 } else { 1 };
    let data = &buf[..info.buffer_size()];
    let background = &data[..px];
    let drawn = data.chunks_exact(px).filter(|p| p != &background).count();
    (
        info.width,
        info.height,
        drawn as f64 / (info.width as f64 * info.height as f64),
    )
}

/// The page with each inline `<svg>...</svg>` chart cut out, and how many there were; each must
/// draw something (lines, paths or rectangles beyond the frame).
fn without_svg(page: &str) -> (String, usize) {
    let (mut out, mut rest, mut n) = (String::new(), page, 0);
    while let Some(i) = rest.find("<svg") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("</svg>").expect("an <svg> is closed") + i + "</svg>".len();
        let svg = &rest[i..end];
        let marks = svg.matches("<polyline").count() + svg.matches("<path").count() + svg.matches("<rect").count();
        assert!(
            marks > 3,
            "an inline chart draws almost nothing:\n{}",
            &svg[..svg.len().min(300)]
        );
        out.push_str("<svg/>");
        rest = &rest[end..];
        n += 1;
    }
    out.push_str(rest);
    (out, n)
}

fn check(name: &str) {
    check_run(name, &["run", &format!("workloads/{name}.toml")]);
}

/// Reports shipped beside the workloads' own: (directory, `cachesim` command and arguments), as
/// in `scripts/regenerate-reports.sh`.
const EXTRAS: [(&str, &[&str]); 3] = [
    (
        "stampede-protections",
        &[
            "run",
            "workloads/stampede.toml",
            "--vary",
            "pattern.stampede=none,lock,coalesce,xfetch,stale-while-revalidate",
        ],
    ),
    (
        "capacity-plan",
        &[
            "plan",
            "-t",
            "traces/sample.oracleGeneral.bin",
            "-p",
            "lru,s3fifo,sieve",
            "--target-hit-ratio",
            "50%",
            "--memory-cost-per-gib-month",
            "20000",
            "--backend-cost-per-million-reads",
            "0.05",
        ],
    ),
    ("trace-analysis", &["analyze", "traces/sample.oracleGeneral.bin"]),
];

/// Runs `cachesim ARGS --out` and compares the output with reports/<name>/.
fn check_run(name: &str, args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    Command::cargo_bin("cachesim")
        .unwrap()
        .current_dir(root)
        .args(args)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let shipped = root.join("reports").join(name);
    let list = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    let files = list(&shipped);
    assert_eq!(
        files,
        list(&out),
        "reports/{name} has different files: run scripts/regenerate-reports.sh"
    );
    for f in &files {
        let (a, b) = (shipped.join(f), out.join(f));
        if f.to_string_lossy().ends_with(".png") {
            let (wa, ha, _) = inspect_png(&a);
            let (wb, hb, drawn) = inspect_png(&b);
            assert_eq!(
                (wa, ha),
                (wb, hb),
                "reports/{name}/{}: chart size changed",
                f.to_string_lossy()
            );
            assert!(
                drawn > 0.01,
                "reports/{name}/{}: the new chart is blank ({drawn})",
                f.to_string_lossy()
            );
        } else if f.to_string_lossy().ends_with(".html") {
            // The page's text byte for byte; its inline charts drawn, not compared.
            let (ta, na) = without_svg(&std::fs::read_to_string(&a).unwrap());
            let (tb, nb) = without_svg(&std::fs::read_to_string(&b).unwrap());
            assert!(
                ta == tb,
                "reports/{name}/report.html is stale: run scripts/regenerate-reports.sh"
            );
            assert_eq!(na, nb, "reports/{name}/report.html: chart count changed");
            let pngs = files.iter().filter(|f| f.to_string_lossy().ends_with(".png")).count();
            assert_eq!(nb, pngs, "reports/{name}/report.html: one inline chart per chart file");
        } else {
            assert!(
                std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
                "reports/{name}/{} is stale: run scripts/regenerate-reports.sh",
                f.to_string_lossy()
            );
        }
    }
}

/// Every shipped workload has its report (and no report lacks its workload).
#[test]
fn every_workload_has_a_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let names = |d: &str, ext: Option<&str>| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| match ext {
                Some(x) => p.extension().is_some_and(|e| e == x),
                None => p.is_dir(),
            })
            .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    let mut want = names("workloads", Some("toml"));
    want.extend(EXTRAS.iter().map(|(n, _)| n.to_string()));
    want.sort();
    assert_eq!(want, names("reports", None));
}

#[test]
fn extra_reports_are_current() {
    for (name, args) in EXTRAS {
        check_run(name, args);
    }
}

#[test]
fn two_tier_report_is_current() {
    check("two-tier");
}

#[test]
fn coherence_report_is_current() {
    check("coherence");
}

#[test]
fn warming_report_is_current() {
    check("warming");
}

#[test]
fn negative_caching_report_is_current() {
    check("negative-caching");
}

#[test]
fn cluster_sizing_report_is_current() {
    check("cluster-sizing");
}

#[test]
fn hot_key_report_is_current() {
    check("hot-key");
}

#[test]
fn node_failure_report_is_current() {
    check("node-failure");
}

#[test]
fn cache_outage_report_is_current() {
    check("cache-outage");
}

#[test]
fn bursty_report_is_current() {
    check("bursty");
}

#[test]
fn ecommerce_report_is_current() {
    check("ecommerce");
}

#[test]
fn quickstart_report_is_current() {
    check("quickstart");
}

#[test]
fn scan_resistance_report_is_current() {
    check("scan-resistance");
}

#[test]
fn sessions_report_is_current() {
    check("sessions");
}

#[test]
fn social_feed_report_is_current() {
    check("social-feed");
}

#[test]
fn stampede_report_is_current() {
    check("stampede");
}

#[test]
fn write_heavy_report_is_current() {
    check("write-heavy");
}

#[test]
fn zipf_report_is_current() {
    check("zipf");
}

#[test]
fn engine_reports_carry_latency_and_timelines() {
    let md = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/stampede/report.md")).unwrap();
    for needle in [
        "read p99 ms",
        "backend reads/s",
        "stale reads",
        "(latency.png)",
        "(timeline_backend.png)",
        "(timeline_hit_ratio.png)",
        "(timeline_p99.png)",
    ] {
        assert!(md.contains(needle), "stampede report lacks {needle}");
    }
}
