//! `cachesim policies`.

use crate::cli::OutputFormat;
use crate::policy;
use anyhow::Result;

/// `cachesim policies`: every policy, its aliases, summary and parameters.
pub fn run(format: OutputFormat) -> Result<()> {
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
