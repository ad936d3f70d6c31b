//! `report.html`: report.md as one self-contained page: the charts inline as SVG, the command line, the cachesim version and the workload file as run, tables sortable
//! by clicking a column header (an inline script; the page reads the same without it), readable
//! on a phone and a laptop, and printable. It loads nothing from anywhere: no fonts, scripts,
//! styles or images outside the file.

use super::{SourceInfo, Summary};
use std::path::Path;

/// What a page says about the run besides its markdown: what was simulated, by which version,
/// with which seed.
pub struct PageInfo<'a> {
    /// The trace or workload simulated.
    pub source: &'a SourceInfo,
    /// The cachesim version.
    pub version: &'a str,
    /// The seed (none for a trace that nothing random touched).
    pub seed: Option<u64>,
    /// Whether results carry variants set on top of the workload file.
    pub varied: bool,
}

impl<'a> PageInfo<'a> {
    /// The page information of a run's summary.
    pub fn of(s: &'a Summary) -> Self {
        PageInfo {
            source: &s.source,
            version: &s.cachesim_version,
            seed: Some(s.seed),
            varied: s.results.iter().any(|r| r.variant.is_some()),
        }
    }
}

/// The page's style: system fonts, a readable measure, tables that scroll sideways on a narrow
/// screen instead of overflowing it, charts scaled to the width, and print rules.
const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; border-radius: 6px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; }
th[data-sort] { cursor: pointer; user-select: none; }
th[data-sort]::after { content: " \2195"; color: #8c959f; }
th[aria-sort="ascending"]::after { content: " \2191"; color: #1b1f24; }
th[aria-sort="descending"]::after { content: " \2193"; color: #1b1f24; }
tr:nth-child(even) td { background: #fbfcfd; }
img, svg { max-width: 100%; height: auto; display: block; margin: .5rem 0 1.5rem; }
.meta { color: #57606a; }
@media (max-width: 600px) { body { font-size: 14px; } main { padding: .5rem; } th, td { padding: .25rem .4rem; } }
@media print { main { max-width: none; } .scroll { overflow: visible; } img, svg, table, pre { break-inside: avoid; } th[data-sort]::after { content: ""; } }
"#;

/// Sorts a table by the clicked header: numbers (the first number in the cell: `98.33%`,
/// `64MiB`, `3 of 10`) numerically, other text alphabetically; a second click reverses.
const SCRIPT: &str = r#"
(function () {
  function key(cell) {
    var t = cell.textContent.trim();
    var m = t.replace(/,/g, "").match(/^-?\d+(\.\d+)?(e[-+]?\d+)?/i);
    return m ? { n: parseFloat(m[0]), t: t } : { n: null, t: t };
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    if (!body) return;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col] || a), y = key(b.cells[col] || b), r;
      if (x.n !== null && y.n !== null) r = x.n - y.n;
      else if (x.n !== null) r = -1;
      else if (y.n !== null) r = 1;
      else r = x.t.localeCompare(y.t);
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    if (!table.tHead || !table.tBodies[0] || table.tBodies[0].rows.length < 2) return;
    if (!table.tHead.rows[0].textContent.trim()) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.setAttribute("data-sort", "");
      th.setAttribute("tabindex", "0");
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, col, th); } });
    });
  });
})();
"#;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

/// The command line as a user would retype it: the program as `cachesim`, the output directory
/// by its name (so the page does not depend on where it was written), arguments with spaces
/// quoted.
pub fn command_line(args: &[String]) -> String {
    let mut out = vec!["cachesim".to_string()];
    let mut after_out = false;
    for a in args.iter().skip(1) {
        let shown = if after_out {
            after_out = false;
            base_name(a)
        } else if let Some(v) = a.strip_prefix("--out=") {
            format!("--out={}", base_name(v))
        } else {
            after_out = a == "--out" || a == "-o";
            a.clone()
        };
        out.push(if shown.contains([' ', '"', '\'', '$', '`']) || shown.is_empty() {
            format!("'{}'", shown.replace('\'', r"'\''"))
        } else {
            shown
        });
    }
    out.join(" ")
}

fn base_name(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map_or_else(|| p.to_string(), |n| n.to_string_lossy().to_string())
}

/// The page for `markdown` (report.md's text), whose charts (title, file as report.md links it)
/// are drawn as SVG files of the same name in `svg_dir`.
pub fn render(info: &PageInfo, markdown: &str, charts: &[(String, String)], svg_dir: &Path, command: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let mut body = String::new();
    html::push_html(&mut body, Parser::new_ext(markdown, Options::ENABLE_TABLES));
    // Tables scroll sideways on a narrow screen.
    body = body
        .replace("<table>", "<div class=\"scroll\"><table>")
        .replace("</table>", "</table></div>");
    // Each chart, embedded where report.md links it.
    for (title, file) in charts {
        let link = format!("<img src=\"{}\" alt=\"{}\" />", esc(file), esc(title));
        let svg_file = Path::new(file).with_extension("svg");
        let embedded = match std::fs::read_to_string(svg_dir.join(&svg_file)) {
            Ok(svg) => {
                let start = svg.find("<svg").unwrap_or(0);
                format!(
                    "<figure role=\"img\" aria-label=\"{}\">{}</figure>",
                    esc(title),
                    svg[start..].trim_end()
                )
            }
            Err(_) => format!("<p>(chart {} is missing)</p>", esc(file)),
        };
        body = body.replace(&link, &embedded);
    }
    let src = info.source;
    let title = match &src.name {
        Some(n) => format!("cachesim report: {n}"),
        None => format!("cachesim report: {}", src.path),
    };
    let workload = if src.kind == "workload" {
        match std::fs::read_to_string(&src.path) {
            Ok(text) => format!(
                "<h2>Workload file as run</h2>\n<p class=\"meta\"><code>{}</code>{}</p>\n<pre>{}</pre>\n",
                esc(&src.path),
                if info.varied {
                    ", with each result's variant set on top (see the command)"
                } else {
                    ""
                },
                esc(&text)
            ),
            Err(_) => String::new(),
        }
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <p class=\"meta\">cachesim {v}{seed} &middot; <code>{cmd}</code></p>\n\
         {body}{workload}</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        t = esc(&title),
        v = esc(info.version),
        seed = info.seed.map_or_else(String::new, |s| format!(" &middot; seed {s}")),
        cmd = esc(command),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_name_the_output_directory_only() {
        let args: Vec<String> = [
            "/x/target/release/cachesim",
            "run",
            "w.toml",
            "--out",
            "/tmp/a/b/out",
            "--vary",
            "a.b=x y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(command_line(&args), "cachesim run w.toml --out out --vary 'a.b=x y'");
        let eq: Vec<String> = ["cachesim", "sweep", "--out=/tmp/z/r"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(command_line(&eq), "cachesim sweep --out=r");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
