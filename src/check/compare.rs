//! `cachesim compare A.json B.json`: two summaries side by side, one row per (policy, size) and
//! metric, with the change and a mark where it is past the tolerance. It reports and does not gate:
//! the exit code is 0 unless an input is invalid (2).

use super::baseline::{self, Diff, MetricDiff, Verdict};
use super::metrics::{Key, Metric};
use super::report::fmt_value;
use super::tolerance;
use crate::error::input_error;
use crate::report::CompareFormat;
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write;
use std::io::Write as _;
use std::path::Path;

/// One row of the JSON output.
#[derive(Debug, Serialize)]
struct Row {
    /// Policy name.
    policy: String,
    /// Non-default parameters.
    params: String,
    /// Cache size in `size_unit`.
    cache_size: u64,
    /// `bytes` or `objects`.
    size_unit: String,
    /// The metric.
    metric: String,
    /// In A (null when null or missing).
    a: Option<f64>,
    /// In B.
    b: Option<f64>,
    /// B - A.
    delta: Option<f64>,
    /// The tolerance, as written.
    tolerance: String,
    /// `worse` or `better` past the tolerance, `within`, or `no value`.
    change: &'static str,
}

/// The JSON output.
#[derive(Debug, Serialize)]
struct Comparison {
    /// What A records.
    a: String,
    /// What B records.
    b: String,
    /// One per paired result and metric.
    rows: Vec<Row>,
    /// Results only A has.
    only_in_a: Vec<String>,
    /// Results only B has.
    only_in_b: Vec<String>,
}

fn change(m: &MetricDiff) -> &'static str {
    match m.verdict {
        Verdict::Regressed => "worse",
        Verdict::Improved => "better",
        Verdict::Within => "within",
        Verdict::NoBaseline | Verdict::NoValue => "no value",
    }
}

fn value(m: Metric) -> String {
    m.number()
        .map_or_else(|| m.why_not().split(' ').next().unwrap_or("").to_string(), fmt_value)
}

/// Table cells of one metric row: result, metric, A, B, delta, mark.
fn cells(k: &Key, m: &MetricDiff) -> [String; 6] {
    let mark = match m.verdict {
        Verdict::Regressed => format!("! worse (tolerance {})", m.tolerance),
        Verdict::Improved => format!("! better (tolerance {})", m.tolerance),
        _ => String::new(),
    };
    [
        k.label(),
        m.metric.clone(),
        value(m.base),
        value(m.cur),
        m.delta().unwrap_or_else(|| "-".into()),
        mark,
    ]
}

fn table(d: &Diff, a: &str, b: &str) -> String {
    let mut rows = vec![["result", "metric", "A", "B", "delta", ""].map(String::from)];
    for p in &d.pairs {
        rows.extend(p.metrics.iter().map(|m| cells(&p.key, m)));
    }
    let mut width = [0usize; 6];
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut o = format!("A: {a}\nB: {b}\n\n");
    for r in &rows {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(width).enumerate() {
            let pad = " ".repeat(w - c.chars().count());
            if (2..=4).contains(&i) {
                let _ = write!(line, "{pad}{c}  ");
            } else {
                let _ = write!(line, "{c}{pad}  ");
            }
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
    footer(&mut o, d);
    o
}

fn footer(o: &mut String, d: &Diff) {
    for (side, keys) in [("A", &d.only_base), ("B", &d.only_cur)] {
        if !keys.is_empty() {
            let list = keys.iter().map(Key::label).collect::<Vec<_>>().join(", ");
            let _ = writeln!(o, "\nonly in {side}: {list}");
        }
    }
}

fn markdown(d: &Diff, a: &str, b: &str) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut o = format!("**A:** {}  \n**B:** {}\n\n", esc(a), esc(b));
    let _ = writeln!(o, "| result | metric | A | B | delta | |");
    let _ = writeln!(o, "| --- | --- | ---: | ---: | ---: | --- |");
    for p in &d.pairs {
        for m in &p.metrics {
            let [r, metric, va, vb, delta, mark] = cells(&p.key, m).map(|c| esc(&c));
            let (delta, mark) = if mark.is_empty() {
                (delta, mark)
            } else {
                (format!("**{delta}**"), format!("**{mark}**"))
            };
            let _ = writeln!(o, "| {r} | `{metric}` | {va} | {vb} | {delta} | {mark} |");
        }
    }
    footer(&mut o, d);
    o
}

fn json(d: &Diff, a: &str, b: &str) -> Result<String> {
    let rows = d
        .pairs
        .iter()
        .flat_map(|p| {
            p.metrics.iter().map(|m| Row {
                policy: p.key.policy.clone(),
                params: p.key.params.clone(),
                cache_size: p.key.cache_size,
                size_unit: p.key.size_unit.clone(),
                metric: m.metric.clone(),
                a: m.base.number(),
                b: m.cur.number(),
                delta: m.base.number().zip(m.cur.number()).map(|(x, y)| y - x),
                tolerance: m.tolerance.to_string(),
                change: change(m),
            })
        })
        .collect();
    let c = Comparison {
        a: a.into(),
        b: b.into(),
        rows,
        only_in_a: d.only_base.iter().map(Key::label).collect(),
        only_in_b: d.only_cur.iter().map(Key::label).collect(),
    };
    Ok(serde_json::to_string_pretty(&c)? + "\n")
}

/// Compares summary files `a` and `b` under the `--tolerance` flags and prints the comparison.
pub fn execute(a: &Path, b: &Path, tolerance: &[String], format: CompareFormat) -> Result<()> {
    let given = tolerance::split_flags(tolerance).map_err(input_error)?;
    let mut tols = tolerance::defaults();
    tolerance::apply(&mut tols, &given, "--tolerance").map_err(input_error)?;
    let a = baseline::load(a, "A")?;
    let b = baseline::load(b, "B")?;
    let named: Vec<String> = given.into_iter().map(|(m, _)| m).collect();
    let d = baseline::diff(&a.entries, &b.entries, &tols, &named).map_err(input_error)?;
    let describe = |f: &baseline::SummaryFile| format!("{} — {}", f.path.display(), baseline::file_source(&f.value));
    let (da, db) = (describe(&a), describe(&b));
    let text = match format {
        CompareFormat::Table => table(&d, &da, &db),
        CompareFormat::Markdown => markdown(&d, &da, &db),
        CompareFormat::Json => json(&d, &da, &db)?,
    };
    let mut so = std::io::stdout().lock();
    so.write_all(text.as_bytes())?;
    so.flush()?;
    Ok(())
}
