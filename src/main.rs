//! The `cachesim` binary: parse, run, map errors to exit codes
//! (0 success or broken pipe, 1 failure while running, 2 usage or input error).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cachesim::cli::Cli::parse();
    match cachesim::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
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
