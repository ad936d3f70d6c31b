//! `cachesim check`: run a workload like `run`, then verify assertions over its results and compare
//! them with a baseline summary, for CI. Every check is reported with its value, passing or not;
//! the exit code is 0 when all hold, 1 when any fails, 2 for a usage or input error (an unknown
//! metric or policy, a baseline from another workload).
//!
//! Checks read each result as JSON (`metrics.rs`), so metrics the engine adds later can be asserted
//! and compared without changes here.

pub mod baseline;
pub mod compare;
pub mod early;
pub mod expr;
pub mod metrics;
pub mod report;
pub mod tolerance;

use crate::config::RunConfig;
use crate::error::input_error;
use crate::replay::grid;
use crate::report::{self as out, Exporter, OutputFormat};
use crate::schema::file::CheckSection;
use anyhow::{anyhow, Result};
use baseline::{SummaryFile, Verdict};
use expr::Assertion;
use report::{CheckLine, CheckReport, Kind, Status};
use std::io::Write;
use std::path::{Path, PathBuf};
use tolerance::Tolerance;

/// A checked `check` configuration.
#[derive(Debug)]
pub struct CheckConfig {
    /// What to run, as for `run`: one configuration per variant of the workload (at least one).
    pub runs: Vec<RunConfig>,
    /// The workload file's assertions, then the flags'.
    pub assertions: Vec<Assertion>,
    /// The baseline summary.
    pub baseline: Option<PathBuf>,
    /// Metrics compared with the baseline and their tolerances.
    pub tolerances: Vec<(String, Tolerance)>,
    /// Metrics the user gave a tolerance for (they must exist).
    pub named: Vec<String>,
    /// Markdown report destination.
    pub summary: Option<PathBuf>,
    /// Rewrite the baseline instead of comparing.
    pub update_baseline: bool,
}

/// A path from a workload file: as given if it exists there or is absolute, else next to the file.
fn beside(p: &Path, workload_path: &Path) -> PathBuf {
    let r = crate::schema::resolve_path(p, workload_path);
    if r.is_absolute() || r.exists() {
        r
    } else {
        workload_path.parent().unwrap_or(Path::new(".")).join(p)
    }
}

impl CheckConfig {
    /// Checks the assertions (`--assert`), tolerances (`--tolerance`), baseline and the workload's
    /// `[check]` section against what `run` will produce, before any work.
    pub fn new(
        runs: Vec<RunConfig>,
        workload: Option<&Path>,
        asserts: &[String],
        tolerance: &[String],
        baseline: Option<PathBuf>,
        update_baseline: bool,
        summary: Option<PathBuf>,
    ) -> Result<Self> {
        let (section, wpath) = match workload {
            Some(p) => (crate::schema::load(p)?.check, Some(p)),
            None => (CheckSection::default(), None),
        };
        let mut assertions = Vec::new();
        for (what, text) in section
            .assert
            .iter()
            .map(|t| ("[check] assert", t))
            .chain(asserts.iter().map(|t| ("--assert", t)))
        {
            assertions.push(Assertion::parse(text).map_err(|e| input_error(format!("{what}: {e}")))?);
        }
        let file_tols: Vec<(String, String)> = section
            .tolerance
            .iter()
            .map(|(m, t)| (m.clone(), t.to_string()))
            .collect();
        let flag_tols = tolerance::split_flags(tolerance).map_err(input_error)?;
        let mut tolerances = tolerance::defaults();
        tolerance::apply(&mut tolerances, &file_tols, "[check] tolerance").map_err(input_error)?;
        tolerance::apply(&mut tolerances, &flag_tols, "--tolerance").map_err(input_error)?;
        let named = file_tols.into_iter().chain(flag_tols).map(|(m, _)| m).collect();
        let baseline = match (baseline, &section.baseline, wpath) {
            (Some(b), _, _) => Some(b),
            (None, Some(b), Some(w)) => Some(beside(b, w)),
            _ => None,
        };
        if update_baseline && baseline.is_none() {
            return Err(input_error(
                "--update-baseline needs a baseline file: give --baseline FILE or set [check] baseline",
            ));
        }
        // Metric, policy and size names are checked now, against what this run will produce.
        if runs.is_empty() {
            return Err(input_error("no variant to run"));
        }
        for run in &runs {
            early::precheck(run, &assertions).map_err(input_error)?;
        }
        if assertions.is_empty() && baseline.is_none() {
            return Err(input_error(
                "nothing to check: give --assert EXPR or --baseline FILE, or a [check] section in the workload",
            ));
        }
        Ok(CheckConfig {
            runs,
            assertions,
            baseline,
            tolerances,
            named,
            summary,
            update_baseline,
        })
    }
}

/// Adds one line per assertion and matching result; collects input errors from all assertions.
fn check_assertions(rep: &mut CheckReport, assertions: &[Assertion], entries: &[metrics::Entry]) -> Result<()> {
    let mut errors = Vec::new();
    for a in assertions {
        match a.evaluate(entries) {
            Ok(outcomes) => {
                for o in outcomes {
                    rep.push(CheckLine {
                        kind: Kind::Assertion,
                        check: a.text.clone(),
                        target: o.target,
                        value: o.value.number(),
                        expected: a.expected(),
                        status: if o.pass { Status::Pass } else { Status::Fail },
                        note: o.value.why_not().to_string(),
                    });
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(input_error(errors.join("\n")))
    }
}

/// Adds one line per compared metric and per result found on one side only.
fn check_baseline(
    rep: &mut CheckReport,
    cfg: &CheckConfig,
    base: &SummaryFile,
    entries: &[metrics::Entry],
) -> Result<()> {
    let d = baseline::diff(&base.entries, entries, &cfg.tolerances, &cfg.named).map_err(input_error)?;
    for p in &d.pairs {
        for m in &p.metrics {
            let expected = match m.base.number() {
                Some(b) => format!("{} ± {}", report::fmt_value(b), m.tolerance),
                None => format!("baseline {}", m.base.why_not()),
            };
            let (status, note) = match m.verdict {
                Verdict::Within | Verdict::Improved => (Status::Pass, m.delta().unwrap_or_default()),
                Verdict::Regressed => (
                    Status::Fail,
                    format!("{} (worse than the tolerance)", m.delta().unwrap_or_default()),
                ),
                Verdict::NoValue => (Status::Fail, format!("{} in this run", m.cur.why_not())),
                Verdict::NoBaseline => (Status::Info, "no baseline value".into()),
            };
            rep.push(CheckLine {
                kind: Kind::Baseline,
                check: m.metric.clone(),
                target: p.key.label(),
                value: m.cur.number(),
                expected,
                status,
                note,
            });
        }
    }
    let missing = |k: &metrics::Key, status, note: &str| CheckLine {
        kind: Kind::Baseline,
        check: "result".into(),
        target: k.label(),
        value: None,
        expected: String::new(),
        status,
        note: note.into(),
    };
    for k in &d.only_base {
        rep.push(missing(
            k,
            Status::Fail,
            "in the baseline but not in this run (--update-baseline after an intended change)",
        ));
    }
    for k in &d.only_cur {
        rep.push(missing(k, Status::Info, "new: not in the baseline"));
    }
    Ok(())
}

/// Appends `text` to `path` (GitHub's job summary file is appended to, one step after another).
fn append(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| input_error(format!("--summary {}: cannot open: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| anyhow!("writing {}: {e}", path.display()))
}

/// `--update-baseline` rewrites only a cachesim summary (or creates a new file): anything else at
/// that path (a workload .toml, a report) is refused untouched.
fn refuse_foreign_baseline(p: &Path) -> Result<()> {
    if !p.exists() {
        return Ok(());
    }
    let refuse = |why: String| {
        input_error(format!(
            "--update-baseline: refusing to overwrite {}: {why}; it is not a cachesim summary.json. \
             Give --baseline a summary.json written by cachesim, or a path that does not exist yet",
            p.display()
        ))
    };
    if p.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    let b = baseline::load(p, "--baseline").map_err(|e| refuse(format!("{e:#}")))?;
    if !b.value.get("source").is_some_and(serde_json::Value::is_object)
        || !b
            .value
            .get("cachesim_version")
            .is_some_and(serde_json::Value::is_string)
    {
        return Err(refuse("it has no `source` and `cachesim_version`".into()));
    }
    Ok(())
}

/// Runs a checked `check` configuration: the grid, the assertions, the baseline comparison; prints
/// the report and fails (exit 1) when a check fails.
pub fn execute(mut cfg: CheckConfig) -> Result<()> {
    let first = &cfg.runs[0];
    let (chart_format, format) = (first.chart_format, first.format);
    let out_dir = first.out.as_deref().map(out::OutDir::create).transpose()?;
    let planned = grid::empty_summary(first, None);
    // Read the baseline before the work, so a wrong file fails fast.
    let base = match (&cfg.baseline, cfg.update_baseline) {
        (Some(p), false) => {
            let b = baseline::load(p, "--baseline")?;
            baseline::check_same_source(&b, &planned.source, planned.seed)?;
            Some(b)
        }
        (Some(p), true) => {
            refuse_foreign_baseline(p)?;
            None
        }
        _ => None,
    };
    let summary = grid::run_all(std::mem::take(&mut cfg.runs))?;
    if let Some(o) = out_dir {
        out::write_dir(o.path(), &summary, chart_format)?;
        o.commit()?;
    }
    let value = serde_json::to_value(&summary)?;
    let entries = metrics::entries(&value).map_err(|e| anyhow!("{e}"))?;
    let src = &summary.source;
    let mut rep = CheckReport::new(
        baseline::describe_source(&src.kind, src.name.as_deref(), &src.path, Some(summary.seed)),
        cfg.baseline.as_ref().map(|p| p.display().to_string()),
    );
    check_assertions(&mut rep, &cfg.assertions, &entries)?;
    if let Some(b) = &base {
        check_baseline(&mut rep, &cfg, b, &entries)?;
    }
    if cfg.update_baseline {
        if let Some(p) = &cfg.baseline {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| input_error(format!("baseline {}: cannot create its directory: {e}", p.display())))?;
            }
            out::write_atomic(p, &out::json::Json.summary(&summary)?)?;
            rep.baseline_updated = true;
        }
    }
    if let Some(p) = &cfg.summary {
        append(p, &rep.to_markdown())?;
    }
    rep.skipped_bad_lines = crate::report::skipped_lines(&summary.results).0;
    let text = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&rep)? + "\n",
        _ => rep.to_text() + &crate::report::skipped_note(rep.skipped_bad_lines),
    };
    let mut so = std::io::stdout().lock();
    so.write_all(text.as_bytes())?;
    so.flush()?;
    if rep.failed > 0 {
        return Err(anyhow!("check failed: {}", rep.verdict()));
    }
    Ok(())
}
