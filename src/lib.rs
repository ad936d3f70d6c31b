//! cachesim: a cache simulator and workload analyzer.
//!
//! The library holds everything; the binary in `main.rs` only parses arguments and maps errors to
//! exit codes, so tests and benches use the same code as users.

pub mod analyze;
pub mod check;
pub mod cli;
pub mod clock_warn;
pub mod config;
pub mod engine;
pub mod error;
pub mod generate;
pub mod interrupt;
pub mod mrc;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod report;
pub mod request;
pub mod run;
pub mod sample;
pub mod sim;
pub mod source;
pub mod stats;
pub mod sweep;
pub mod trace;
pub mod units;
pub mod workload;

use anyhow::Result;
use cli::{Cli, Command, OutputFormat};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(a) => run::run(config::RunConfig::from_args(&a)?),
        Command::Sweep(a) => sweep::run(&a),
        Command::Plan(a) => plan::run(&a),
        Command::Generate(a) => generate::run(&a),
        Command::Policies(a) => print_policies(a.format),
        Command::Analyze(a) => analyze::run(&a),
        Command::Check(a) => check::run(&a),
        Command::Compare(a) => check::compare::run(&a),
    }
}

fn print_policies(format: OutputFormat) -> Result<()> {
    use std::io::Write;
    let mut out = String::new();
    if format == OutputFormat::Json {
        let list: Vec<serde_json::Value> = policy::REGISTRY
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "aliases": p.aliases,
                    "summary": p.summary,
                    "params": p.params.iter().map(|q| serde_json::json!({"name": q.name, "default": q.default, "help": q.help})).collect::<Vec<_>>(),
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&serde_json::json!({ "policies": list }))? + "\n";
    } else if format == OutputFormat::Csv {
        // One row per policy; aliases `;`-separated, params `name=default;...`.
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["name", "aliases", "summary", "params"])?;
        for p in policy::REGISTRY {
            let params: Vec<String> = p.params.iter().map(|q| format!("{}={}", q.name, q.default)).collect();
            w.write_record([p.name, &p.aliases.join(";"), p.summary, &params.join(";")])?;
        }
        out = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    } else {
        for p in policy::REGISTRY {
            out.push_str(p.name);
            if !p.aliases.is_empty() {
                out.push_str(&format!(" (also: {})", p.aliases.join(", ")));
            }
            out.push('\n');
            out.push_str(&format!("    {}\n", p.summary));
            for q in p.params {
                out.push_str(&format!("    {:<18} {}\n", format!("{}={}", q.name, q.default), q.help));
            }
        }
        out.push_str("\nSet parameters as NAME:PARAM=VALUE,PARAM=VALUE, e.g. --policies clock:bits=2. Names are case-insensitive.\n");
    }
    let mut so = std::io::stdout().lock();
    so.write_all(out.as_bytes())?;
    so.flush()?;
    Ok(())
}
