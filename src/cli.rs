//! Command-line interface: clap derive only. Values are checked and turned into typed
//! configuration in `config.rs`.

pub use crate::report::{AnalyzeFormat, CompareFormat, OutputFormat};
use crate::trace::{Column, TimeUnit, TraceFormat};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// cachesim: replay traces through cache eviction policies and compare hit ratios.
#[derive(Debug, Parser)]
#[command(name = "cachesim", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a workload file or a trace through every policy at every cache size.
    Run(Box<RunArgs>),
    /// Miss-ratio curves: like `run`, with size ranges (1MiB..1GiB:32); exact one-pass LRU, SHARDS sampling.
    Sweep(Box<SweepArgs>),
    /// Capacity planning: the smallest cache per policy that meets hit-ratio or backend-load targets.
    Plan(Box<PlanArgs>),
    /// Write a workload's request stream to a trace file (oracleGeneral .bin/.zst, or CSV).
    Generate(GenerateArgs),
    /// List the eviction policies, their aliases and parameters.
    Policies(PoliciesArgs),
    /// Characterize a trace or a workload: popularity, reuse, sizes, time, scans, the LRU curve.
    Analyze(Box<AnalyzeArgs>),
    /// Run a workload and gate on assertions and a baseline (exit 1 when a check fails), for CI.
    Check(Box<CheckArgs>),
    /// Compare two summary.json files side by side, with deltas past a tolerance marked.
    Compare(CompareArgs),
}

/// Options of `cachesim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A workload file (TOML or JSON) describing the traffic, the policies and the sizes
    /// (or, instead, --trace FILE).
    #[arg(value_name = "WORKLOAD", conflicts_with = "trace")]
    pub workload: Option<PathBuf>,

    /// A recorded trace to replay (instead of a workload file).
    #[arg(long, short = 't', value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Trace format; `auto` picks by extension and content (lcs by its magic; .lcs, .bin/oracleGeneral,
    /// vscsi, .lis (arc), .trc (lirs), .txt by name; Twitter, MSR and Meta CSVs by their first line).
    #[arg(long, value_enum, default_value = "auto")]
    pub trace_format: TraceFormat,

    /// Policies, comma-separated, with optional parameters: `lru,clock:bits=2,sieve`, or `all`
    /// [default: the workload's [cache] policies, else lru,fifo,clock,sieve,lfu,belady].
    // `[cache]` is the workload-file section in the --help text; escaping it would show the backslashes.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, short = 'p', value_name = "LIST")]
    pub policies: Option<Vec<String>>,

    /// Cache sizes, comma-separated: bytes with units (64MiB, 1GB), plain numbers (bytes, or objects
    /// with --ignore-obj-size), or percentages of the working set (5%)
    /// [default: the workload's [cache] sizes, else 1%,5%,10%,25%].
    // `[cache]` is the workload-file section in the --help text; escaping it would show the backslashes.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, short = 's', value_name = "LIST", allow_hyphen_values = true)]
    pub sizes: Option<Vec<String>>,

    /// An admission policy in front of every policy: `bloom` (admit on the second miss), `size:size=16384`
    /// (admit objects smaller than that), `prob:p=0.5`; `none` for none [default: the workload's
    /// [cache] admission, else none]. One policy can name its own: `-p lru+bloom`.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, value_name = "NAME[:PARAMS]")]
    pub admission: Option<String>,

    /// Count objects instead of bytes: every object has size 1 and sizes are object counts.
    #[arg(long)]
    pub ignore_obj_size: bool,

    /// Parallel simulations (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Directory to write summary.csv and summary.json into (created if missing; replaced whole, so it must be
    /// new, empty or an earlier cachesim output).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Chart format under --out.
    #[arg(long, value_enum, default_value = "png")]
    pub chart_format: crate::report::chart::ChartFormat,

    /// What to print on stdout.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: OutputFormat,

    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Seed for the workload and randomized policies [default: the workload's seed, else 42].
    #[arg(long)]
    pub seed: Option<u64>,

    /// Skip (and count) malformed CSV rows instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,

    /// Run the workload once per value of a key of its file, named by its dotted path:
    /// `--vary pattern.stampede=none,lock,coalesce`, `--vary tier.l1.size=1MiB,8MiB`. Repeat for
    /// a cross product; replaces the file's `[vary]` entry for the same key.
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub vary: Vec<String>,

    /// CSV options.
    #[command(flatten, next_help_heading = "CSV traces")]
    pub csv: CsvArgs,
}

/// Column and parsing options for CSV traces.
#[derive(Debug, Args)]
pub struct CsvArgs {
    /// Key column: 1-based number or header name (default: key, id, obj_id, lbn ... from the header, else 1).
    #[arg(long, value_name = "COL")]
    pub key_col: Option<Column>,
    /// Time column (number or name; default: time/timestamp from the header).
    #[arg(long, value_name = "COL")]
    pub time_col: Option<Column>,
    /// Size column (number or name; default: size/obj_size from the header, else every size is 1).
    #[arg(long, value_name = "COL")]
    pub size_col: Option<Column>,
    /// Operation column (get/set/delete, read/write, SCSI 28/2a).
    #[arg(long, value_name = "COL")]
    pub op_col: Option<Column>,
    /// TTL column (0 = none).
    #[arg(long, value_name = "COL")]
    pub ttl_col: Option<Column>,
    /// Instance column, for a workload file with `[topology] routing = "trace"` (overrides its
    /// topology.instance_col): whole numbers 0..instances-1, or names numbered in order of first
    /// appearance.
    #[arg(long, value_name = "COL")]
    pub instance_col: Option<Column>,
    /// Field delimiter: one character, or `tab`, `space` (default: guessed).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// The first row is a header (default: guessed).
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The first row is data.
    #[arg(long)]
    pub no_header: bool,
    /// Unit of numeric times (default: seconds, or epoch ms/us/ns detected from the values' size).
    /// ISO-8601 times (2024-01-02T03:04:05Z) are read as they are. Any --*-col takes `none` to ignore a column.
    #[arg(long, value_enum)]
    pub time_unit: Option<TimeUnit>,
    /// Unit of the TTL column.
    #[arg(long, value_enum, default_value = "s")]
    pub ttl_unit: TimeUnit,
    /// Block traces (msr, arc, lirs): bytes per block; each block an I/O touches is one request of
    /// this size [default: the workload's block_size, else 4096].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub block_size: Option<u64>,
}

/// Options of `cachesim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Everything `run` takes.
    #[command(flatten)]
    pub run: RunArgs,
    /// Estimate the curves from a spatial sample of this fraction of the keys (e.g. 0.01): SHARDS for
    /// LRU, a miniature simulation (sampled keys, scaled cache) for every other policy.
    #[arg(long, value_name = "RATE", conflicts_with = "shards_samples")]
    pub shards_rate: Option<f64>,
    /// Like --shards-rate with at most this many sampled objects: LRU's rate adapts as it goes, other
    /// policies sample this many of the stream's distinct objects.
    #[arg(long, value_name = "N")]
    pub shards_samples: Option<usize>,
}

/// Options of `cachesim plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Everything `run` takes (sizes are chosen by the planner).
    #[command(flatten)]
    pub run: RunArgs,
    /// Smallest acceptable hit ratio, as `run` reports it (hit_ratio: hits / requests, every read
    /// and write of a plain replay; reads only on the engine): 0.9 or 90%.
    #[arg(long, value_name = "RATIO")]
    pub target_hit_ratio: Option<String>,
    /// Largest acceptable p99 read latency (needs the discrete-event engine).
    #[arg(long, value_name = "DURATION")]
    pub target_p99: Option<String>,
    /// Largest acceptable backend read load: backend reads per second of traffic (read misses in a
    /// plain replay; every backend read, refused ones excluded, on the engine). Writes are not counted.
    #[arg(long, value_name = "RPS")]
    pub max_backend_rps: Option<f64>,
    /// Cost model: memory price per GiB per month.
    #[arg(long, value_name = "PRICE")]
    pub memory_cost_per_gib_month: Option<f64>,
    /// Cost model: backend price per million reads.
    #[arg(long, value_name = "PRICE", requires = "memory_cost_per_gib_month")]
    pub backend_cost_per_million_reads: Option<f64>,
}

/// Formats `generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// By the output's extension: .csv CSV, .txt text, .bin/.oracleGeneral oracleGeneral
    /// (a further .zst compresses; .zst alone is oracleGeneral).
    Auto,
    /// libCacheSim oracleGeneral (whole-second timestamps, next-access filled in).
    #[value(alias = "oracle")]
    OracleGeneral,
    /// CSV `time,key,size,op,ttl` with nanosecond times.
    Csv,
    /// Plain text, one key per line (as `--trace-format txt` reads it; sizes, times, ops are lost).
    #[value(alias = "txt")]
    Text,
}

/// Options of `cachesim generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The workload file.
    #[arg(value_name = "WORKLOAD")]
    pub workload: PathBuf,
    /// Where to write the trace (`.bin`, `.oracleGeneral`, `.zst`, `.csv`, `.txt`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "auto")]
    pub format: GenerateFormat,
    /// Seed [default: the workload's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Options of `cachesim policies`.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// What to print: `table` (a readable list), `json` (one object, key `policies`: a list of
    /// {name, aliases, summary, params: [{name, default, help}]}, and key `admission`: the
    /// admission policies alike) or `csv` (name,aliases,summary,params,kind; kind is eviction or
    /// admission).
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: OutputFormat,
}

/// Options of `cachesim analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A trace, or a workload file (.toml or .json) whose request stream is analyzed.
    #[arg(value_name = "TRACE_OR_WORKLOAD")]
    pub input: PathBuf,
    /// Trace format; `auto` picks by extension and content (lcs by its magic; .lcs, .bin/oracleGeneral,
    /// vscsi, .lis (arc), .trc (lirs), .txt by name; Twitter, MSR and Meta CSVs by their first line).
    #[arg(long, value_enum, default_value = "auto")]
    pub trace_format: TraceFormat,
    /// Sizes of the LRU miss-ratio curve, as in `run` (64MiB, 5%, 1%..100%:16)
    /// [default: 24 log-spaced sizes from 0.1% to 100% of the working set].
    #[arg(long, short = 's', value_name = "LIST", allow_hyphen_values = true)]
    pub sizes: Option<Vec<String>>,
    /// Count objects instead of bytes (every object has size 1).
    #[arg(long)]
    pub ignore_obj_size: bool,
    /// Directory to write analysis.json, analysis.md and the charts into (created if missing; replaced whole, so it must be
    /// new, empty or an earlier cachesim output).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Chart format under --out.
    #[arg(long, value_enum, default_value = "png")]
    pub chart_format: crate::report::chart::ChartFormat,
    /// What to print on stdout.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: AnalyzeFormat,
    /// Seed of a workload [default: the workload's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Skip (and count) malformed CSV rows instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// No progress bar and no notes.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// CSV options.
    #[command(flatten, next_help_heading = "CSV traces")]
    pub csv: CsvArgs,
}

/// Options of `cachesim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Everything `run` takes (`--format json` prints the check report as JSON).
    #[command(flatten)]
    pub run: RunArgs,
    /// An assertion, `[POLICY[@SIZE].]METRIC OP NUMBER`: `hit_ratio >= 0.8`, `lru@64MiB.miss_ratio < 0.3`
    /// (repeatable; added to the workload's `[check] assert`).
    #[arg(long = "assert", value_name = "EXPR")]
    pub asserts: Vec<String>,
    /// A summary.json from an earlier run to compare with [default: the workload's `[check] baseline`].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// How far a metric may regress from the baseline: METRIC=0.5pt (points), METRIC=10% (relative)
    /// or METRIC=2 (absolute); comma-separated or repeated.
    #[arg(long, value_name = "METRIC=TOL")]
    pub tolerance: Vec<String>,
    /// Append the report as Markdown to FILE (e.g. $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Rewrite the baseline with this run's results (after an intended change) instead of comparing.
    #[arg(long)]
    pub update_baseline: bool,
}

/// Options of `cachesim compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier summary.json (A).
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The later summary.json (B).
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Changes past these are marked: METRIC=0.5pt, METRIC=10% or METRIC=2.
    #[arg(long, value_name = "METRIC=TOL")]
    pub tolerance: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: CompareFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
