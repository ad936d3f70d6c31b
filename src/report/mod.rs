//! Output: the summary (the JSON/CSV contract), the table on stdout, the files under `--out`.
//! Files are written atomically (temporary name, then rename), so an interrupted run never leaves a
//! truncated file that looks complete.

mod csv_row;
mod table;

use crate::cli::OutputFormat;
use crate::error::input_error;
use crate::sim::RunResult;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// What was simulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `trace` or `workload`.
    pub kind: String,
    /// The trace or workload file as given.
    pub path: String,
    /// The workload's name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// The trace format.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub format: Option<String>,
    /// Whether the trace was zstd-compressed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub zstd: Option<bool>,
    /// Distinct objects, when measured (for percentage sizes).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub objects: Option<u64>,
    /// Working-set bytes, when measured.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub working_set_bytes: Option<u64>,
}

/// The whole result of a run: summary.json, and `--format json` on stdout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The cachesim version that produced it.
    pub cachesim_version: String,
    /// The trace or workload.
    pub source: SourceInfo,
    /// The seed.
    pub seed: u64,
    /// One entry per (policy, size), policies in the order given, then sizes.
    pub results: Vec<RunResult>,
}

/// Creates the output directory (before any work, so a bad path fails early).
pub fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| input_error(format!("--out {}: cannot create the directory: {e}", dir.display())))
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Temporary files are created private (0600); give finished outputs the usual 0644.
pub fn make_readable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
        .with_context(|| format!("setting permissions of {}", path.display()))
}

/// The summary as pretty JSON.
pub fn to_json(s: &Summary) -> Result<String> {
    Ok(serde_json::to_string_pretty(s)? + "\n")
}

/// The results as CSV: the columns of [`RunResult`], and for engine runs its nested metrics
/// flattened (`read_latency_ms_p99`, `backend_reads`, ...).
pub fn to_csv(s: &Summary) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let engine = s.results.iter().any(|r| r.read_latency_ms.is_some());
    for r in &s.results {
        if engine {
            w.serialize(csv_row::EngineRow::new(r))?;
        } else {
            w.serialize(csv_row::PlainRow::new(r))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The engine's time series of every result as CSV, with policy and cache size columns.
pub fn timeline_csv(s: &Summary) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &s.results {
        for p in &r.timeline {
            w.serialize(csv_row::TimelineRow::new(r, p))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// Writes summary.json and summary.csv (and timeline.csv for engine runs) into `dir`.
pub fn write_dir(dir: &Path, s: &Summary) -> Result<()> {
    write_atomic(&dir.join("summary.json"), to_json(s)?.as_bytes())?;
    write_atomic(&dir.join("summary.csv"), &to_csv(s)?)?;
    if s.results.iter().any(|r| r.read_latency_ms.is_some()) {
        write_atomic(&dir.join("timeline.csv"), &timeline_csv(s)?)?;
    }
    Ok(())
}

/// Prints the summary on stdout in `format`.
pub fn print(s: &Summary, format: OutputFormat) -> Result<()> {
    let text = match format {
        OutputFormat::Json => to_json(s)?,
        OutputFormat::Csv => String::from_utf8(to_csv(s)?)?,
        OutputFormat::Table => table::render(s),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
