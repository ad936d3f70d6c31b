//! The progress bar: on stderr, hidden when stderr is not a terminal or with `--quiet`.

use crate::trace::ReadProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A byte-counting progress bar of `total` units, or a hidden one.
pub fn bar(quiet: bool, total: u64, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    // Cleared also when dropped unfinished (an error or Ctrl-C), so the message after it starts clean.
    let pb =
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_finish(ProgressFinish::AndClear);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% {elapsed_precise} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Runs `f`, which streams one pass of `total` units counted into the counter it is given, under a
/// bar that a helper thread moves as the counter grows (for passes whose loop is not ours to tick).
pub fn counted<T>(quiet: bool, total: u64, what: &str, f: impl FnOnce(Arc<ReadProgress>) -> T) -> T {
    let counter = Arc::new(ReadProgress::default());
    let pb = bar(quiet, total, what);
    if pb.is_hidden() {
        return f(counter);
    }
    let done = AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        let ticker = s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                pb.set_position(counter.units.load(Ordering::Relaxed));
                std::thread::park_timeout(Duration::from_millis(100));
            }
        });
        let out = f(counter.clone());
        done.store(true, Ordering::Relaxed);
        ticker.thread().unpark();
        out
    });
    pb.finish_and_clear();
    out
}
