//! cachesim: a cache simulator and workload analyzer.
//!
//! The library holds everything; the binary in `main.rs` only parses arguments and maps errors to
//! exit codes, so tests and benches use the same code as users.

pub mod alerts;
pub mod analyze;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod engine;
pub mod error;
pub mod interrupt;
pub mod model;
pub mod mrc;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod replay;
pub mod report;
pub mod schema;
pub mod source;
pub mod topology;
pub mod trace;
pub mod vary;
pub mod workload;

use anyhow::Result;
use cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(a) => cmd::run::run(config::RunConfig::all_from_args(&a)?),
        Command::Sweep(a) => cmd::sweep::run(&a),
        Command::Plan(a) => cmd::plan::run(&a),
        Command::Generate(a) => cmd::generate::run(&a),
        Command::Policies(a) => cmd::policies::run(a.format),
        Command::Analyze(a) => cmd::analyze::run(&a),
        Command::Check(a) => cmd::check::run(&a),
        Command::Compare(a) => cmd::compare::run(&a),
    }
}
