//! The progress bar: on stderr, hidden when stderr is not a terminal or with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use std::io::IsTerminal;

/// A byte-counting progress bar of `total` units, or a hidden one.
pub fn bar(quiet: bool, total: u64, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    // Cleared also when dropped unfinished (an error or Ctrl-C), so the message after it starts clean.
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_finish(ProgressFinish::AndClear);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% {elapsed_precise} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}
