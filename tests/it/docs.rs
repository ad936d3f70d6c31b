//! docs/workload.md is the workload schema reference: every TOML and JSON example in it is a complete
//! workload file, and each must run (`cachesim run`, or `cachesim check` when it has a `[check]`
//! section) with exit 0 and a result for every policy and size, so the page cannot drift from the
//! parser. A second test checks that every key of the schema is named on the page.

use assert_cmd::Command;
use std::path::Path;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fenced code blocks of `text` whose info string is `lang`, with the line each starts on.
fn blocks(text: &str, lang: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        match &mut cur {
            None if t.starts_with("```") && t[3..].trim() == lang => cur = Some((i + 1, String::new())),
            Some(_) if t.starts_with("```") => out.push(cur.take().unwrap()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    assert!(cur.is_none(), "docs/workload.md: an unclosed ``` block");
    out
}

#[test]
fn every_example_in_the_workload_reference_runs() {
    let doc = std::fs::read_to_string(manifest().join("docs/workload.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for (lang, ext) in [("toml", "toml"), ("json", "json")] {
        for (line, body) in blocks(&doc, lang) {
            n += 1;
            let file = dir.path().join(format!("example-{line}.{ext}"));
            std::fs::write(&file, &body).unwrap();
            let cmd = if body.contains("[check]") { "check" } else { "run" };
            let out = Command::cargo_bin("cachesim")
                .unwrap()
                .current_dir(manifest())
                .args([cmd, file.to_str().unwrap(), "-q", "-f", "json"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "docs/workload.md line {line}: `cachesim {cmd}` failed ({:?}):\n{stderr}\n{body}",
                out.status
            );
            if cmd == "run" {
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let results = v["results"].as_array().unwrap();
                assert!(!results.is_empty(), "docs/workload.md line {line}: no results");
                for r in results {
                    assert!(r["requests"].as_u64().unwrap() > 0, "line {line}: {r}");
                }
            }
        }
    }
    assert!(
        n >= 10,
        "expected the reference to carry at least 10 examples, found {n}"
    );
}

/// Every key the workload schema accepts, and every value of its closed choices (`dist`,
/// `process`, patterns), appears on the page, so a new key cannot land undocumented. The keys are
/// read from the source of the serde types, not from the page.
#[test]
fn the_reference_names_every_schema_key() {
    let doc = std::fs::read_to_string(manifest().join("docs/workload.md")).unwrap();
    let mut missing = Vec::new();
    let mut seen = 0;
    for src in ["src/schema/file.rs", "src/schema/engine.rs", "src/schema/latency.rs"] {
        let text = std::fs::read_to_string(manifest().join(src)).unwrap();
        let (mut armed, mut inside, mut is_enum, mut rename) = (false, false, false, None::<String>);
        for line in text.lines() {
            let t = line.trim();
            if !inside {
                if t.starts_with("#[derive(") && t.contains("Deserialize") {
                    armed = true;
                } else if t.contains("untagged") {
                    // Untagged enums (a number or a string) have no names of their own.
                    armed = false;
                } else if armed && (t.starts_with("pub struct") || t.starts_with("pub enum")) {
                    inside = t.ends_with('{');
                    is_enum = t.starts_with("pub enum");
                    armed = false;
                }
                continue;
            }
            if line == "}" {
                inside = false;
                continue;
            }
            if let Some(r) = t.strip_prefix("#[serde(rename = \"") {
                rename = r.split('"').next().map(str::to_string);
                continue;
            }
            if t.starts_with("//") || t.starts_with("#[") {
                continue;
            }
            let depth = line.len() - line.trim_start().len();
            let key = if is_enum && depth == 4 {
                // A variant: `Uniform {`, `CacheAside,` -> its serde name, lower-case or kebab-case.
                let name: String = t.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                let mut kebab = String::new();
                for (i, c) in name.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 && text.contains("rename_all = \"kebab-case\"") {
                        kebab.push('-');
                    }
                    kebab.push(c.to_ascii_lowercase());
                }
                kebab
            } else if let Some((f, _)) = t.strip_prefix("pub ").unwrap_or(t).split_once(':') {
                if !f.chars().all(|c| c.is_ascii_lowercase() || c == '_') || f.is_empty() {
                    continue;
                }
                f.to_string()
            } else {
                continue;
            };
            let key = rename.take().unwrap_or(key);
            seen += 1;
            let named = [
                format!("`{key}`"),
                format!("{key} ="),
                format!("\"{key}\""),
                format!("`[{key}]`"),
            ];
            if !named.iter().any(|n| doc.contains(n.as_str())) {
                missing.push(format!("{src}: {key}"));
            }
        }
    }
    assert!(
        seen > 60,
        "found only {seen} schema keys: the scan of the sources is broken"
    );
    assert!(missing.is_empty(), "docs/workload.md does not mention: {missing:?}");
}
