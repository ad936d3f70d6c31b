//! The workload-file schema: every section as read from TOML or JSON (`file`), the engine's
//! sections (`engine`, `latency`), the multi-level sections (`topology`) and the checked value types they are made of (`values`), and the
//! functions that read a file. Single values are checked while they are read, so errors carry the
//! line; rules across fields are checked where the file is compiled (generators in
//! [`crate::workload`], the engine in [`crate::engine::config`]).

pub mod engine;
pub mod file;
pub mod latency;
pub mod topology;
pub mod values;

use crate::error::input_error;
use anyhow::Result;
use file::WorkloadFile;
use std::path::{Path, PathBuf};

/// Refuses a recorded trace given where a workload file belongs (`cachesim run trace.csv`): by its
/// extension (.csv, .txt, .bin, .zst, .oracleGeneral, .oracle) or binary content.
pub fn refuse_trace(path: &Path) -> Result<()> {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let trace_ext = [".csv", ".txt", ".bin", ".zst", ".oraclegeneral", ".oracle", ".twr"]
        .iter()
        .any(|e| name.ends_with(e));
    let binary = !trace_ext
        && path.is_file()
        && std::fs::File::open(path)
            .and_then(|f| {
                use std::io::Read;
                let mut head = Vec::new();
                f.take(4096).read_to_end(&mut head)?;
                Ok(head.contains(&0) || std::str::from_utf8(&head).is_err_and(|e| e.error_len().is_some()))
            })
            .unwrap_or(false);
    if trace_ext || binary {
        return Err(input_error(format!(
            "{}: this looks like a trace, not a workload file (TOML or JSON): use --trace/-t {}",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

/// Reads a workload file: TOML, or JSON when the name ends in `.json` or the text starts with `{`.
pub fn load(path: &Path) -> Result<WorkloadFile> {
    if path.is_dir() {
        return Err(input_error(format!(
            "{} is a directory; give a workload file (TOML or JSON)",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            input_error(format!("cannot read workload {}: no such file", path.display()))
        } else {
            input_error(format!("cannot read workload {}: {e}", path.display()))
        }
    })?;
    parse(&text, path)
}

/// Parses workload text (TOML or JSON); errors name the file, the line and the key.
pub fn parse(text: &str, path: &Path) -> Result<WorkloadFile> {
    let is_json =
        path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('{');
    if is_json {
        serde_json::from_str(text).map_err(|e| input_error(format!("{}: {e}", path.display())))
    } else {
        toml::from_str(text).map_err(|e| {
            let msg = e.to_string();
            // toml's message starts with "TOML parse error at line L, column C" and quotes the line.
            input_error(format!("{}: {}", path.display(), msg.trim_end()))
        })
    }
}

/// Resolves a path written in a workload file: as given (relative to the working directory) if it
/// exists, else relative to the workload file's directory.
pub fn resolve_path(p: &Path, workload_path: &Path) -> PathBuf {
    if p.is_absolute() || p.exists() {
        return p.to_path_buf();
    }
    let alt = workload_path.parent().unwrap_or(Path::new(".")).join(p);
    if alt.exists() {
        alt
    } else {
        p.to_path_buf()
    }
}
