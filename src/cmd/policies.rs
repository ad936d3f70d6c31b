//! `cachesim policies`.

use crate::cli::OutputFormat;
use crate::policy::{self, ParamInfo};
use anyhow::Result;

/// What `cachesim policies` shows of one eviction or admission policy.
struct Entry {
    name: &'static str,
    aliases: &'static [&'static str],
    summary: &'static str,
    params: &'static [ParamInfo],
    kind: &'static str,
}

fn entries() -> Vec<Entry> {
    let eviction = policy::REGISTRY.iter().map(|p| Entry {
        name: p.name,
        aliases: p.aliases,
        summary: p.summary,
        params: p.params,
        kind: "eviction",
    });
    let admission = policy::admission::REGISTRY.iter().map(|p| Entry {
        name: p.name,
        aliases: p.aliases,
        summary: p.summary,
        params: p.params,
        kind: "admission",
    });
    eviction.chain(admission).collect()
}

/// `cachesim policies`: every eviction policy, then every admission policy, with aliases,
/// summary and parameters.
pub fn run(format: OutputFormat) -> Result<()> {
    use std::io::Write;
    let all = entries();
    let mut out = String::new();
    if format == OutputFormat::Json {
        let list = |kind: &str| -> Vec<serde_json::Value> {
            all.iter()
                .filter(|e| e.kind == kind)
                .map(|p| {
                    serde_json::json!({
                        "name": p.name,
                        "aliases": p.aliases,
                        "summary": p.summary,
                        "params": p.params.iter().map(|q| serde_json::json!({"name": q.name, "default": q.default, "help": q.help})).collect::<Vec<_>>(),
                    })
                })
                .collect()
        };
        out = serde_json::to_string_pretty(
            &serde_json::json!({ "policies": list("eviction"), "admission": list("admission") }),
        )? + "\n";
    } else if format == OutputFormat::Csv {
        // One row per policy, eviction then admission (`kind`); aliases `;`-separated, params
        // `name=default;...`.
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["name", "aliases", "summary", "params", "kind"])?;
        for p in &all {
            let params: Vec<String> = p.params.iter().map(|q| format!("{}={}", q.name, q.default)).collect();
            w.write_record([p.name, &p.aliases.join(";"), p.summary, &params.join(";"), p.kind])?;
        }
        out = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    } else {
        let mut kind = "eviction";
        for p in &all {
            if p.kind != kind {
                kind = p.kind;
                out.push_str("\nAdmission policies, in front of any policy (--admission NAME, or -p POLICY+NAME):\n\n");
            }
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
        out.push_str("\nSet parameters as NAME:PARAM=VALUE,PARAM=VALUE, e.g. --policies clock:bits=2 or --admission size:size=64KiB. Names are case-insensitive.\n");
    }
    let mut so = std::io::stdout().lock();
    so.write_all(out.as_bytes())?;
    so.flush()?;
    Ok(())
}
