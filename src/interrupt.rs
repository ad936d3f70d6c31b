//! Ctrl-C and SIGTERM: stop cleanly, so temporary files are deleted and `--out` is left whole.
//!
//! Killing the process outright would skip every destructor: the next-access file of a Belady
//! run and generate's half-written output (tempfile deletes them on drop) would stay behind, and a
//! half-built output directory with them. So the signal handler only records the signal; the long
//! loops (every request stream, see [`Interruptible`]) notice it at the next batch and return an
//! [`Interrupted`] error, which unwinds through the destructors like any other error. `main` then
//! says "interrupted" and exits with 128 + the signal (130 for SIGINT, 143 for SIGTERM), as a shell
//! does for a process killed by it. A second signal exits at once, for the case where the first
//! is not noticed soon enough.

use crate::model::request::Request;
use crate::trace::TraceReader;
use anyhow::Result;
use std::sync::atomic::{AtomicI32, Ordering};

/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The error returned by work that noticed a signal.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Installs the handlers for SIGINT and SIGTERM (called once, by `main`).
pub fn install() -> Result<()> {
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // SAFETY: the handler only does an atomic swap and, on a second signal, `_exit`; both are
        // async-signal-safe.
        #[allow(unsafe_code)]
        unsafe {
            signal_hook::low_level::register(sig, move || {
                if RECEIVED.swap(sig, Ordering::SeqCst) != 0 {
                    signal_hook::low_level::exit(128 + sig);
                }
            })
        }?;
    }
    Ok(())
}

/// The signal received so far, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// Fails with [`Interrupted`] once a signal has been received.
pub fn check() -> Result<()> {
    match received() {
        None => Ok(()),
        Some(_) => Err(anyhow::Error::new(Interrupted)),
    }
}

/// A stream that stops with [`Interrupted`] at the next batch after a signal.
pub struct Interruptible(pub Box<dyn TraceReader>);

impl TraceReader for Interruptible {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        check()?;
        self.0.read_batch(out)
    }

    fn skipped(&self) -> u64 {
        self.0.skipped()
    }
}
