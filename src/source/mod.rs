//! Where requests come from: a recorded trace or a synthetic workload, opened the same way, so a
//! trace and a generated stream run through the same replay, grid and reports.

use crate::error::input_error;
use crate::model::request::Request;
pub mod next_access;

use crate::trace::{ReadProgress, TraceReader, TraceSpec};
use crate::workload::generator::Generator;
use crate::workload::Workload;
use anyhow::Result;
use std::sync::Arc;

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
}

impl Source {
    /// A recorded trace with sizes kept.
    pub fn trace(spec: TraceSpec) -> Source {
        Source {
            input: Input::Trace(spec),
            ignore_size: false,
            next_access: None,
            default_progress: None,
        }
    }

    /// A synthetic workload with sizes kept.
    pub fn workload(w: Arc<Workload>) -> Source {
        Source {
            input: Input::Workload(w),
            ignore_size: false,
            next_access: None,
            default_progress: None,
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
