//! The crate's layers, fenced: the top-level modules of `src/` form no dependency cycle, and the
//! bottom layers (`model`, `trace`, `schema`, `workload`, `policy`) use only the layers below them.
//! Dependencies are read from the source text (`crate::name` paths outside `#[cfg(test)]`
//! modules), so a new `use` that breaks a layer fails here, naming the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The identifiers following `crate::` (also inside `crate::{a, b::c}` groups).
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.insert(name);
        }
    }
    out
}

/// Top-level module -> the top-level modules it uses, with a file that shows each edge.
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module = |p: &Path| -> String {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .to_string();
        first.trim_end_matches(".rs").to_string()
    };
    let mods: BTreeSet<String> = files.iter().map(|p| module(p)).collect();
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in &files {
        let m = module(f);
        let text = std::fs::read_to_string(f).unwrap();
        // Unit tests may reach anywhere; comments and doc links do not make a dependency.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let entry = g.entry(m.clone()).or_default();
        for d in crate_paths(&code) {
            if d != m && mods.contains(&d) {
                entry
                    .entry(d)
                    .or_insert_with(|| f.strip_prefix(&src).unwrap().display().to_string());
            }
        }
    }
    g
}

#[test]
fn top_level_modules_form_no_cycle() {
    let g = graph();
    // Depth-first search for a back edge; report the cycle with a file per edge.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for d in g
            .get(m)
            .map(|e| e.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            match state.get(&d).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|s| *s == d).unwrap();
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(d);
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(&d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in g.keys() {
        if state.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, &g, &mut state, &mut Vec::new()) {
                let edges: Vec<String> = c
                    .windows(2)
                    .map(|w| format!("{} -> {} (in src/{})", w[0], w[1], g[&w[0]][&w[1]]))
                    .collect();
                panic!("module cycle among src/ top-level modules:\n  {}", edges.join("\n  "));
            }
        }
    }
}

#[test]
fn bottom_layers_use_only_what_is_below() {
    let g = graph();
    let allowed: &[(&str, &[&str])] = &[
        ("model", &[]),
        ("error", &[]),
        ("trace", &["model", "error"]),
        ("schema", &["model", "error", "trace"]),
        ("workload", &["model", "error", "trace", "schema"]),
        ("policy", &["model", "error"]),
    ];
    let mut bad = Vec::new();
    for (m, ok) in allowed {
        let Some(deps) = g.get(*m) else {
            panic!("src/{m} is gone: update this test with the new layout");
        };
        for (d, file) in deps {
            if !ok.contains(&d.as_str()) {
                bad.push(format!("{m} uses {d} (src/{file}); {m} may use only {ok:?}"));
            }
        }
    }
    assert!(bad.is_empty(), "layer violations:\n  {}", bad.join("\n  "));
}

/// Only the subcommands (`cmd`) and the run configuration (`config`) see the command line's
/// argument structs (`cli`).
#[test]
fn only_cmd_and_config_see_the_command_line() {
    let g = graph();
    let bad: Vec<String> = g
        .iter()
        .filter(|(m, _)| !matches!(m.as_str(), "cmd" | "config" | "cli" | "lib" | "main"))
        .filter_map(|(m, deps)| deps.get("cli").map(|f| format!("{m} uses cli (src/{f})")))
        .collect();
    assert!(
        bad.is_empty(),
        "command-line types outside cmd/ and config:\n  {}",
        bad.join("\n  ")
    );
}

/// The checker itself: it finds `crate::` paths in plain and grouped imports.
#[test]
fn crate_paths_are_found() {
    let p = crate_paths(
        "use crate::model::request::Request;\nuse crate::{trace, schema::file};\nlet x = crate::policy::X;",
    );
    let want: BTreeSet<String> = ["model", "trace", "schema", "policy"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(p, want);
}
