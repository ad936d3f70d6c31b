//! The outcome of `cachesim check`: one line per assertion and result and per baseline
//! comparison, printed as a table, as JSON, or as Markdown for a CI job summary. Every check is
//! listed, passing or not, so one failure never hides another.

use serde::Serialize;
use std::fmt::Write;

/// Where a line comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An `--assert` or `[check] assert` expression.
    Assertion,
    /// A comparison with the baseline.
    Baseline,
}

/// Whether a line holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Holds.
    Pass,
    /// Does not hold: the check exits with 1.
    Fail,
    /// Reported, not judged (a result or value the baseline lacks).
    Info,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Info => "INFO",
        }
    }

    fn badge(self) -> &'static str {
        match self {
            Status::Pass => "✅ PASS",
            Status::Fail => "❌ **FAIL**",
            Status::Info => "ℹ️ INFO",
        }
    }
}

/// One check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckLine {
    /// Assertion or baseline.
    pub kind: Kind,
    /// The assertion as written, or the metric compared (`result` for a result missing on one side).
    pub check: String,
    /// The result it is about: `lru @ 64MiB`.
    pub target: String,
    /// The value in this run (absent when null, NaN or missing).
    pub value: Option<f64>,
    /// What it must be: `>= 0.8`, or the baseline and its tolerance.
    pub expected: String,
    /// The verdict.
    pub status: Status,
    /// The change from the baseline, or why a value could not be checked.
    pub note: String,
}

/// The whole check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// What was run.
    pub source: String,
    /// The baseline file, if any.
    pub baseline: Option<String>,
    /// Set when `--update-baseline` rewrote the baseline.
    pub baseline_updated: bool,
    /// Checks that hold.
    pub passed: usize,
    /// Checks that fail.
    pub failed: usize,
    /// Every check.
    pub checks: Vec<CheckLine>,
    /// Malformed trace lines skipped with `--skip-bad-lines`.
    pub skipped_bad_lines: u64,
}

/// A number for people: integers as such, others with four decimals.
pub fn fmt_value(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

impl CheckReport {
    /// An empty report.
    pub fn new(source: String, baseline: Option<String>) -> Self {
        CheckReport {
            source,
            baseline,
            baseline_updated: false,
            passed: 0,
            failed: 0,
            checks: Vec::new(),
            skipped_bad_lines: 0,
        }
    }

    /// Adds a line and counts it.
    pub fn push(&mut self, line: CheckLine) {
        match line.status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Info => {}
        }
        self.checks.push(line);
    }

    /// `all 24 checks pass` or `2 of 24 checks fail`.
    pub fn verdict(&self) -> String {
        let total = self.passed + self.failed;
        if self.failed == 0 {
            format!("all {total} checks pass")
        } else {
            format!("{} of {total} checks fail", self.failed)
        }
    }

    fn rows(&self, kind: Kind) -> impl Iterator<Item = &CheckLine> {
        self.checks.iter().filter(move |l| l.kind == kind)
    }

    fn section_title(&self, kind: Kind) -> String {
        match (kind, &self.baseline) {
            (Kind::Assertion, _) => "Assertions".into(),
            (Kind::Baseline, Some(b)) => format!("Baseline {b}"),
            (Kind::Baseline, None) => "Baseline".into(),
        }
    }

    /// The fixed-width table for stdout.
    pub fn to_text(&self) -> String {
        let mut o = format!("cachesim check: {}\n", self.source);
        for kind in [Kind::Assertion, Kind::Baseline] {
            let mut rows: Vec<[String; 6]> = self
                .rows(kind)
                .map(|l| {
                    [
                        l.status.word().to_string(),
                        l.check.clone(),
                        l.target.clone(),
                        l.value.map_or("-".into(), fmt_value),
                        l.expected.clone(),
                        l.note.clone(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            rows.insert(
                0,
                ["", "check", "result", "value", "expected", "note"].map(String::from),
            );
            let _ = writeln!(o, "\n{}", self.section_title(kind));
            let mut width = [0usize; 6];
            for r in &rows {
                for (w, c) in width.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            for r in &rows {
                let mut line = String::from(" ");
                for (i, (c, w)) in r.iter().zip(width).enumerate() {
                    let pad = w - c.chars().count();
                    line.push(' ');
                    if i == 3 {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(c);
                    } else {
                        line.push_str(c);
                        line.push_str(&" ".repeat(pad));
                    }
                    line.push(' ');
                }
                let _ = writeln!(o, "{}", line.trim_end());
            }
        }
        if self.baseline_updated {
            let _ = writeln!(
                o,
                "\nbaseline {} rewritten with this run's results",
                self.baseline.as_deref().unwrap_or("")
            );
        }
        let _ = writeln!(
            o,
            "\n{}: {}",
            if self.failed == 0 { "PASS" } else { "FAIL" },
            self.verdict()
        );
        o
    }

    /// Markdown for `--summary` (a CI job summary): a heading with the verdict and one table per section.
    pub fn to_markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let mut o = String::new();
        let mark = if self.failed == 0 { "✅" } else { "❌" };
        let _ = writeln!(o, "## {mark} cachesim check: {}\n", self.verdict());
        let _ = writeln!(o, "{}\n", cell(&self.source));
        for kind in [Kind::Assertion, Kind::Baseline] {
            if self.rows(kind).next().is_none() {
                continue;
            }
            let _ = writeln!(o, "### {}\n", cell(&self.section_title(kind)));
            let _ = writeln!(o, "| status | check | result | value | expected | note |");
            let _ = writeln!(o, "| --- | --- | --- | ---: | --- | --- |");
            for l in self.rows(kind) {
                let _ = writeln!(
                    o,
                    "| {} | `{}` | {} | {} | {} | {} |",
                    l.status.badge(),
                    cell(&l.check),
                    cell(&l.target),
                    l.value.map_or("—".into(), fmt_value),
                    cell(&l.expected),
                    cell(&l.note)
                );
            }
            o.push('\n');
        }
        if self.baseline_updated {
            let _ = writeln!(o, "Baseline rewritten with this run's results.\n");
        }
        o
    }
}
