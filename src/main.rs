//! The `cachesim` binary: parse, run, map errors to exit codes
//! (0 success or broken pipe, 1 failure while running, 2 usage or input error, 128 + the signal
//! when stopped by Ctrl-C or SIGTERM: 130 or 143).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cachesim::cli::Cli::parse();
    if let Err(e) = cachesim::interrupt::install() {
        eprintln!("warning: Ctrl-C will not clean up temporary files: {e}");
    }
    match cachesim::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The error of work that noticed the signal, or one caused by it (a closed pipe).
            if let Some(sig) = cachesim::interrupt::received() {
                eprintln!("interrupted");
                return ExitCode::from((128 + sig) as u8);
            }
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(cachesim::error::exit_code(&e))
        }
    }
}
