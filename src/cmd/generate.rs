//! `cachesim generate`: arguments -> a checked [`GenerateConfig`] -> [`crate::source::write`]
//! writes the workload's request stream as a trace file (the writers per format are in
//! [`crate::trace::write`]).

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::error::input_error;
use crate::source::write::{generate, GenerateConfig};
use crate::source::Input;
use crate::trace::write::Layout;
use anyhow::Result;
use std::path::Path;

/// The layout for `output` under `--format`; with `auto`, from the extension (see
/// [`Layout::from_name`]), an unknown one being an input error naming the known ones.
pub fn layout(output: &Path, format: GenerateFormat) -> Result<Layout> {
    Ok(match format {
        GenerateFormat::Csv => Layout::Csv,
        GenerateFormat::OracleGeneral => Layout::Oracle,
        GenerateFormat::Text => Layout::Text,
        GenerateFormat::Auto => {
            let name = output.file_name().map(|s| s.to_string_lossy()).unwrap_or_default();
            Layout::from_name(&name).ok_or_else(|| {
                input_error(format!(
                    "-o {}: cannot tell the format from the extension; use .bin/.oracleGeneral (oracleGeneral), .csv, .txt, each optionally followed by .zst, or give --format oracle-general|csv|text",
                    output.display()
                ))
            })?
        }
    })
}

/// Arguments -> checked configuration.
pub fn config(a: &GenerateArgs) -> Result<GenerateConfig> {
    let mut f = crate::schema::load(&a.workload)?;
    if let Some(s) = a.seed {
        f.seed = s;
    }
    let source = crate::source::workload_source(&f, &a.workload)?;
    match &source.input {
        Input::Trace(_) => {
            return Err(input_error(format!(
                "{}: generate writes synthetic workloads; this one replays a recorded trace (workload.trace)",
                a.workload.display()
            )))
        }
        // No trace format has a not-found marker: written out, absent reads would become reads of
        // ordinary keys that a replay would then cache and hit.
        Input::Workload(w) if w.absent_ratio > 0.0 => {
            return Err(input_error(format!(
                "{}: workload.absent_ratio = {}: trace files cannot mark a read as a key the backend does not have; remove absent_ratio to write the trace (run the workload file itself to simulate absent reads)",
                a.workload.display(),
                w.absent_ratio
            )))
        }
        Input::Workload(_) => {}
    }
    if a.output.is_dir() {
        return Err(input_error(format!(
            "-o {} is a directory; give a file name (.bin, .oracleGeneral, .csv, .txt, optionally .zst)",
            a.output.display()
        )));
    }
    let zstd = a
        .output
        .file_name()
        .is_some_and(|s| s.to_string_lossy().to_ascii_lowercase().ends_with(".zst"));
    Ok(GenerateConfig {
        source,
        output: a.output.clone(),
        layout: layout(&a.output, a.format)?,
        zstd,
        quiet: a.quiet,
    })
}

/// `cachesim generate`.
pub fn run(a: &GenerateArgs) -> Result<()> {
    generate(&config(a)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_extension_or_the_flag() {
        let l = |p: &str| layout(Path::new(p), GenerateFormat::Auto).map_err(|e| e.to_string());
        assert_eq!(l("x.csv.zst"), Ok(Layout::Csv));
        let e = l("x.dat").unwrap_err();
        assert!(
            e.contains(".bin") && e.contains(".txt") && e.contains("--format"),
            "{e}"
        );
        assert_eq!(layout(Path::new("x.dat"), GenerateFormat::Text).unwrap(), Layout::Text);
    }
}
