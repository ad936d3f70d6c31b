//! User input checked once, into typed configuration.

use crate::cli::{CsvArgs, OutputFormat, RunArgs};
use crate::error::input_error;
use crate::policy::PolicySpec;
use crate::sim::SizeUnit;
use crate::trace::{CsvOptions, TraceSpec};
use crate::units::{parse_size_spec, SizeSpec};
use anyhow::Result;
use std::path::PathBuf;

/// A checked `run` configuration.
#[derive(Debug)]
pub struct RunConfig {
    /// The trace to replay.
    pub trace: TraceSpec,
    /// Policies in the order given.
    pub policies: Vec<PolicySpec>,
    /// Sizes in the order given.
    pub sizes: Vec<(String, SizeSpec)>,
    /// Bytes or objects.
    pub unit: SizeUnit,
    /// Worker threads.
    pub jobs: usize,
    /// Output directory.
    pub out: Option<PathBuf>,
    /// Stdout format.
    pub format: OutputFormat,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Seed.
    pub seed: u64,
}

fn delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "space" | " " => Ok(b' '),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(input_error(format!(
            "--delimiter `{s}` must be one ASCII character, `tab` or `space`"
        ))),
    }
}

/// CSV options from flags.
pub fn csv_options(a: &CsvArgs) -> Result<CsvOptions> {
    Ok(CsvOptions {
        key: a.key_col.clone(),
        time: a.time_col.clone(),
        size: a.size_col.clone(),
        op: a.op_col.clone(),
        ttl: a.ttl_col.clone(),
        delimiter: a.delimiter.as_deref().map(delimiter).transpose()?,
        header: if a.header {
            Some(true)
        } else if a.no_header {
            Some(false)
        } else {
            None
        },
        time_unit: a.time_unit,
        ttl_unit: a.ttl_unit,
    })
}

/// Parses comma-separated sizes (the flag may also repeat).
pub fn parse_sizes(lists: &[String]) -> Result<Vec<(String, SizeSpec)>> {
    let mut out = Vec::new();
    for item in lists
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let spec = parse_size_spec(item).map_err(|e| input_error(format!("--sizes: {e}")))?;
        out.push((item.to_string(), spec));
    }
    if out.is_empty() {
        return Err(input_error(
            "--sizes: no size given; e.g. --sizes 64MiB,256MiB or --sizes 1%,10%",
        ));
    }
    Ok(out)
}

impl RunConfig {
    /// Checks `run` arguments: the trace opens and its format resolves, policies and sizes parse.
    pub fn from_args(a: &RunArgs) -> Result<Self> {
        let policies =
            PolicySpec::parse_list(&a.policies.join(",")).map_err(|e| input_error(format!("--policies: {e}")))?;
        let sizes = parse_sizes(&a.sizes)?;
        let jobs = match a.jobs {
            Some(0) => return Err(input_error("--jobs must be at least 1")),
            Some(n) => n,
            None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        let mut trace = TraceSpec::new(&a.trace, a.trace_format)?;
        trace.csv = csv_options(&a.csv)?;
        trace.ignore_size = a.ignore_obj_size;
        trace.skip_bad_lines = a.skip_bad_lines;
        Ok(RunConfig {
            trace,
            policies,
            sizes,
            unit: if a.ignore_obj_size {
                SizeUnit::Objects
            } else {
                SizeUnit::Bytes
            },
            jobs,
            out: a.out.clone(),
            format: a.format,
            quiet: a.quiet,
            seed: a.seed,
        })
    }
}
