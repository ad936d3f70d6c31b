//! `cachesim analyze`.

use crate::analyze;
use crate::cli::AnalyzeArgs;
use crate::config::{csv_options, parse_sizes};
use crate::report::AnalyzeFormat;
use crate::source::{workload_source, Input, Source};
use crate::trace::TraceSpec;
use anyhow::{Context, Result};
use std::path::Path;

/// Whether `path` names a workload file (by extension, as `run` reads them) rather than a trace.
fn is_workload(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("json"))
}

/// The source `analyze` reads and whether sizes count objects.
pub fn source(a: &AnalyzeArgs) -> Result<Source> {
    let mut ignore = a.ignore_obj_size;
    if a.csv.instance_col.is_some() {
        return Err(crate::error::input_error(
            "--instance-col routes requests to application instances in run, sweep, plan and check (with [topology] routing = \"trace\"); analyze looks at the whole stream, so it takes no instance column",
        ));
    }
    let mut source = if is_workload(&a.input) {
        let mut f = crate::schema::load(&a.input)?;
        if let Some(s) = a.seed {
            f.seed = s;
        }
        ignore |= f.cache.ignore_obj_size;
        workload_source(&f, &a.input)?
    } else {
        let mut spec = TraceSpec::new(&a.input, a.trace_format)?;
        spec.csv = csv_options(&a.csv)?;
        Source::trace(spec)
    };
    if let Input::Trace(t) = &mut source.input {
        t.skip_bad_lines |= a.skip_bad_lines;
        if let Some(b) = a.csv.block_size {
            t.block_size = b;
        }
    }
    source.ignore_size = ignore;
    source.ensure_nonempty()?;
    Ok(source)
}

/// `cachesim analyze`: arguments -> source -> the analysis -> printed and written.
pub fn run(a: &AnalyzeArgs) -> Result<()> {
    let sizes = a.sizes.as_ref().map(|s| parse_sizes(s, "--sizes")).transpose()?;
    let out = a.out.as_deref().map(crate::report::OutDir::create).transpose()?;
    let source = source(a)?;
    let mut analysis = analyze::analyze(&source, sizes.as_deref(), a.quiet)
        .with_context(|| format!("analyzing {}", a.input.display()))?;
    analysis.source = analyze::source_info(&source, &a.input);
    let json = serde_json::to_string_pretty(&analysis)? + "\n";
    if let Some(out) = out {
        let seed = match &source.input {
            Input::Workload(w) => Some(w.seed),
            Input::Trace(_) => None,
        };
        analyze::report::write_dir(out.path(), &analysis, &json, a.chart_format, seed)?;
        out.commit()?;
    }
    let text = match a.format {
        AnalyzeFormat::Json => json,
        AnalyzeFormat::Table => analyze::report::table(&analysis),
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
