//! Where requests come from: a recorded trace or a synthetic workload, opened the same way, so a
//! trace and a generated stream run through the same replay, grid and reports.

use crate::error::input_error;
use crate::model::request::Request;
pub mod next_access;
pub mod ttl_jitter;
pub mod write;

use crate::schema::file::{ColumnValue, TtlSpec, WorkloadFile};
use crate::schema::topology::Routing;
use crate::trace::{Column, CsvOptions, ReadProgress, TraceFormat, TraceReader, TraceSpec};
use crate::workload::generator::Generator;
use crate::workload::Workload;
use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use ttl_jitter::TtlJitter;

/// The stream itself.
#[derive(Clone, Debug)]
pub enum Input {
    /// A recorded trace file.
    Trace(TraceSpec),
    /// A synthetic workload.
    Workload(Arc<Workload>),
}

/// A request source plus what the run does to it.
#[derive(Clone, Debug)]
pub struct Source {
    /// The stream.
    pub input: Input,
    /// Replace every size with 1 (`--ignore-obj-size`).
    pub ignore_size: bool,
    /// Next-access positions from a pre-pass, for streams that do not carry them.
    pub next_access: Option<Arc<tempfile::TempPath>>,
    /// Counts the progress of streams opened without a counter of their own (the pre-pass).
    pub default_progress: Option<Arc<ReadProgress>>,
    /// Jitters every TTL (`[workload] ttl_jitter`); None leaves the stream as it is.
    pub ttl_jitter: Option<TtlJitter>,
}

impl Source {
    /// A recorded trace with sizes kept.
    pub fn trace(spec: TraceSpec) -> Source {
        Source {
            input: Input::Trace(spec),
            ignore_size: false,
            next_access: None,
            default_progress: None,
            ttl_jitter: None,
        }
    }

    /// A synthetic workload with sizes kept.
    pub fn workload(w: Arc<Workload>) -> Source {
        Source {
            input: Input::Workload(w),
            ignore_size: false,
            next_access: None,
            default_progress: None,
            ttl_jitter: None,
        }
    }

    /// Whether requests carry real next-access positions (else Belady needs [`Source::prepare_belady`]).
    pub fn has_next_access(&self) -> bool {
        self.next_access.is_some() || matches!(&self.input, Input::Trace(t) if t.has_next_access())
    }

    /// Computes next-access positions if the stream lacks them.
    pub fn prepare_belady(&mut self) -> Result<()> {
        self.prepare_belady_counting(None)
    }

    /// [`Source::prepare_belady`], counting the pre-pass's progress into `progress`.
    pub fn prepare_belady_counting(&mut self, progress: Option<Arc<ReadProgress>>) -> Result<()> {
        if !self.has_next_access() {
            let mut pass = self.clone();
            pass.default_progress = progress;
            self.next_access = Some(Arc::new(next_access::compute(&pass)?));
        }
        Ok(())
    }

    /// Progress units of one full pass: file bytes for traces, requests for workloads (0 if unknown).
    pub fn progress_total(&self) -> u64 {
        match &self.input {
            Input::Trace(t) => std::fs::metadata(&t.path).map(|m| m.len()).unwrap_or(0),
            Input::Workload(w) => w.total_requests().unwrap_or(0),
        }
    }

    /// Refuses a stream with no requests (an empty trace, every CSV row skipped as bad, a workload
    /// that yields nothing): its results would be a confident 0% miss ratio. Reads one batch.
    pub fn ensure_nonempty(&self) -> Result<()> {
        let mut r = self.open_without_next_access(None)?;
        let mut batch = Vec::new();
        if r.read_batch(&mut batch)? {
            return Ok(());
        }
        let skipped = r.skipped();
        Err(input_error(match &self.input {
            Input::Trace(t) if skipped > 0 => format!(
                "{}: no requests to replay ({skipped} lines, all skipped as bad lines); choose the columns with --key-col/--time-col/--size-col/--op-col, or check the --trace-format",
                t.path.display()
            ),
            Input::Trace(t) => format!(
                "{}: no requests to replay: the trace is empty (no records, or only blank, comment or header lines)",
                t.path.display()
            ),
            Input::Workload(w) => format!("{}: no requests to replay: the workload yields no requests", w.path.display()),
        }))
    }

    /// Opens the stream, without next-access positions (used by the pre-pass). Every stream stops
    /// with an error at the next batch after Ctrl-C ([`crate::interrupt`]).
    pub fn open_without_next_access(&self, progress: Option<Arc<ReadProgress>>) -> Result<Box<dyn TraceReader>> {
        let progress = progress.or_else(|| self.default_progress.clone());
        let reader: Box<dyn TraceReader> = match &self.input {
            Input::Trace(t) => t.open(progress)?,
            Input::Workload(w) => Box::new(Generator::new(w.clone(), progress)?),
        };
        let reader = match self.ttl_jitter {
            Some(j) => j.wrap(reader),
            None => reader,
        };
        let reader: Box<dyn TraceReader> = Box::new(crate::interrupt::Interruptible(reader));
        Ok(if self.ignore_size {
            Box::new(UnitSize(reader))
        } else {
            reader
        })
    }

    /// Opens a fresh stream, counting progress into `progress`.
    pub fn open(&self, progress: Option<Arc<ReadProgress>>) -> Result<Box<dyn TraceReader>> {
        let reader = self.open_without_next_access(progress)?;
        Ok(match &self.next_access {
            Some(na) => Box::new(next_access::WithNextAccess::new(reader, na)?),
            None => reader,
        })
    }
}

/// Sets every size to 1 (`--ignore-obj-size`).
struct UnitSize(Box<dyn TraceReader>);

impl TraceReader for UnitSize {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        let more = self.0.read_batch(out)?;
        for r in out.iter_mut() {
            r.size = 1;
        }
        Ok(more)
    }

    fn skipped(&self) -> u64 {
        self.0.skipped()
    }
}
/// The source a workload file describes: its recorded trace, or its synthetic stream.
pub fn workload_source(f: &WorkloadFile, path: &Path) -> Result<Source> {
    let mut source = stream_source(f, path)?;
    let jitter = f.workload.ttl_jitter.map(|j| j.0).unwrap_or(0.0);
    if jitter > 0.0 {
        let has_ttls = match &source.input {
            Input::Trace(t) => t.has_ttl_column()?,
            Input::Workload(_) => !matches!(f.workload.ttl, None | Some(TtlSpec::None)),
        };
        if !has_ttls {
            let what = match &source.input {
                Input::Trace(t) => format!(
                    "the trace {} has no TTL column (name one with workload.ttl_col)",
                    t.path.display()
                ),
                Input::Workload(_) => "the workload sets no TTL (give workload.ttl)".to_string(),
            };
            return Err(input_error(format!(
                "{}: workload.ttl_jitter = {jitter} has nothing to jitter: {what}; remove ttl_jitter",
                path.display()
            )));
        }
        source.ttl_jitter = Some(TtlJitter { jitter, seed: f.seed });
    }
    Ok(source)
}

/// The stream of a workload file, before the transforms [`workload_source`] adds.
fn stream_source(f: &WorkloadFile, path: &Path) -> Result<Source> {
    let w = &f.workload;
    if let Some(t) = &w.trace {
        if w.absent_ratio.is_some() {
            return Err(input_error(format!(
                "{}: workload.absent_ratio applies to synthetic workloads; a recorded trace (workload.trace) has no not-found marker; remove absent_ratio",
                path.display()
            )));
        }
        let synthetic = [
            ("requests", w.requests.is_some()),
            ("duration", w.duration.is_some()),
            ("keys", w.keys.is_some()),
            ("popularity", w.popularity.is_some()),
            ("arrival", w.arrival.is_some()),
            ("phases", w.phases.is_some()),
            ("size", w.size.is_some()),
        ];
        if let Some((k, _)) = synthetic.iter().find(|(_, set)| *set) {
            return Err(input_error(format!(
                "{}: workload.trace replays a recorded trace, so workload.{k} does not apply; remove one of them",
                path.display()
            )));
        }
        let tp = crate::schema::resolve_path(t, path);
        if !tp.exists() {
            return Err(input_error(format!(
                "{}: workload.trace: trace {} does not exist (paths are relative to the working directory or to the workload file)",
                path.display(),
                t.display()
            )));
        }
        let mut spec = TraceSpec::new(&tp, w.format.unwrap_or(TraceFormat::Auto))?;
        let (instance, instances) = instance_column(f, path, &spec)?;
        spec.csv = CsvOptions {
            key: column(&w.key_col)?,
            time: column(&w.time_col)?,
            size: column(&w.size_col)?,
            op: column(&w.op_col)?,
            ttl: column(&w.ttl_col)?,
            instance,
            instances,
            delimiter: w
                .delimiter
                .as_deref()
                .map(crate::trace::csv::parse_delimiter)
                .transpose()?,
            header: w.header,
            time_unit: w.time_unit.unwrap_or(crate::trace::TimeUnit::S),
            time_unit_given: w.time_unit.is_some(),
            ttl_unit: w.ttl_unit.unwrap_or(crate::trace::TimeUnit::S),
        };
        if let Some(b) = &w.block_size {
            if b.0 == 0 {
                return Err(input_error(format!(
                    "{}: workload.block_size must be at least 1 byte",
                    path.display()
                )));
            }
            spec.block_size = b.0;
        }
        return Ok(Source::trace(spec));
    }
    Ok(Source::workload(Arc::new(Workload::compile(f, path)?)))
}

/// The instance column of a trace routed by `[topology] routing = "trace"`, and
/// `topology.instances` to check its values against; (None, None) for any other routing.
fn instance_column(f: &WorkloadFile, path: &Path, spec: &TraceSpec) -> Result<(Option<Column>, Option<u32>)> {
    let Some(top) = f
        .topology
        .as_ref()
        .filter(|t| t.routing == Routing::Trace && t.instance_col.is_some())
    else {
        return Ok((None, None));
    };
    if spec.format != TraceFormat::Csv {
        return Err(input_error(format!(
            "{}: topology.instance_col names a CSV column, but the trace {} is {}, which has no columns to choose from; write the trace as CSV with an instance column, or use routing = \"round-robin\", \"random\" or \"by-key\"",
            path.display(),
            spec.path.display(),
            match spec.format {
                TraceFormat::OracleGeneral => "an oracleGeneral (binary) trace",
                TraceFormat::Twitter => "a Twitter trace (a fixed layout)",
                TraceFormat::Txt => "a plain-text trace (one key per line)",
                f if f.is_binary() => "a binary trace",
                _ => "a trace with a fixed layout",
            }
        )));
    }
    let col = column(&top.instance_col)?;
    if col == Some(Column::Off) {
        return Err(input_error(format!(
            "{}: topology.instance_col = \"none\": routing = \"trace\" reads every request's instance from a column; name one (a 1-based number or a header name)",
            path.display()
        )));
    }
    let instances = top.instances.map_or(1, |n| n.0.min(u32::MAX as u64) as u32);
    Ok((col, Some(instances)))
}

fn column(c: &Option<ColumnValue>) -> Result<Option<Column>> {
    Ok(match c {
        None => None,
        Some(ColumnValue::Index(0)) => return Err(input_error("CSV columns are numbered from 1")),
        Some(ColumnValue::Index(i)) => Some(Column::Index(*i)),
        Some(ColumnValue::Name(n)) if n.trim().eq_ignore_ascii_case("none") => Some(Column::Off),
        Some(ColumnValue::Name(n)) => Some(Column::Name(n.clone())),
    })
}
