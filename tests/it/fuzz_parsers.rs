//! Property tests ("fuzzing") of the workload-file parser and the `--assert` expression parser:
//! arbitrary text, and the shipped workloads (TOML and their JSON equivalents) mutated byte by
//! byte and value by value, must give a result or an error: never a panic, never a hang.
//!
//! Every input accepted by the parser is also validated into a run configuration as `cachesim run`
//! does (`RunConfig::from_args` on the file: synthetic stream, engine sections, policies, sizes,
//! `[check]`), and its first batch of requests is generated, so huge or degenerate numbers must be
//! errors, not overflows.
//!
//! Each case runs on a watchdog thread: a case that has not finished after `HANG` fails the test as
//! a hang (a bound far above any real case, not a speed measurement).
//!
//! The case count is modest so CI stays fast; for a soak, raise it:
//!
//! ```text
//! PROPTEST_CASES=1000000 cargo test --release --test it -- fuzz_parsers::
//! ```

use cachesim::check::expr::Assertion;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// A case still running after this long is a hang.
const HANG: Duration = Duration::from_secs(60);

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs `f` on its own thread; a panic or a hang fails the calling test with `what`.
fn guarded<F: FnOnce() + Send + 'static>(what: String, f: F) {
    let (tx, rx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(HANG) {
        Ok(()) => h.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(e) = h.join() {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("panicked ({msg}) on input:\n{what}");
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer after {HANG:?} on input:\n{what}"),
    }
}

fn workloads_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads")
}

/// The shipped workload files: (name, TOML text).
fn shipped() -> &'static [(String, String)] {
    static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let mut v: Vec<(String, String)> = std::fs::read_dir(workloads_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        assert!(v.len() >= 5, "the shipped workloads are found");
        v
    })
}

/// The same workload as JSON.
fn to_json(toml_text: &str) -> String {
    let v: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

/// Parses `text` as the workload file `name` (in the workloads directory, so relative paths in it
/// resolve as for the shipped files) and, when it parses, validates it as `cachesim run` does and
/// generates its first batch of requests.
fn parse_and_validate(text: &str, name: &str) {
    let path = workloads_dir().join(name);
    let Ok(f) = cachesim::schema::parse(text, &path) else {
        return;
    };
    // Exactly what `cachesim run FILE` does, from the text (no file is written).
    let Ok(source) = cachesim::source::workload_source(&f, &path) else {
        return;
    };
    let _ = cachesim::engine::config::EngineConfig::from_file(&f, &path);
    if let Some(p) = &f.cache.policies {
        let _ = cachesim::policy::PolicySpec::parse_list(&p.join(","));
    }
    if let Some(s) = &f.cache.sizes {
        let _ = cachesim::config::parse_sizes(&s.iter().map(|v| v.0.clone()).collect::<Vec<_>>(), "[cache] sizes");
    }
    for a in &f.check.assert {
        let _ = Assertion::parse(a);
    }
    if let Ok(mut r) = source.open(None) {
        let mut batch = Vec::new();
        let _ = r.read_batch(&mut batch);
    }
}

/// A value to swap in for a number, a string or a whole leaf.
const SPECIAL: &[&str] = &[
    "0",
    "-1",
    "1",
    "1e19",
    "1e300",
    "-1e300",
    "1e-300",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "nan",
    "inf",
    "-inf",
    "0.0",
    "\"\"",
    "\"0s\"",
    "\"1ns\"",
    "\"18446744073709551616ns\"",
    "\"99999999999999h\"",
    "\"1e300s\"",
    "\"16EiB\"",
    "\"99999999999PiB\"",
    "\"0B\"",
    "\"0%\"",
    "\"1e300%\"",
    "\"-5%\"",
    "\"x\"",
    "true",
    "[]",
    "{}",
];

#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    /// Replace the n-th number or quoted string with a special value.
    Swap(usize, usize),
    /// Duplicate a line.
    DupLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![any::<u8>(), Just(b'='), Just(b'"'), Just(b'['), Just(b'{'), Just(b'\n')]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..8).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), 0..SPECIAL.len()).prop_map(|(i, v)| Edit::Swap(i, v)),
        (any::<usize>(), 0..SPECIAL.len()).prop_map(|(i, v)| Edit::Swap(i, v)),
        (any::<usize>(), 0..SPECIAL.len()).prop_map(|(i, v)| Edit::Swap(i, v)),
        any::<usize>().prop_map(Edit::DupLine),
    ]
}

/// Byte ranges of the numbers and quoted strings of `s`.
fn values(s: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'"' {
            let end = s[i + 1..]
                .iter()
                .position(|&c| c == b'"' || c == b'\n')
                .map_or(s.len(), |p| i + 1 + p);
            out.push((i, (end + 1).min(s.len())));
            i = end + 1;
        } else if s[i].is_ascii_digit() && (i == 0 || !s[i - 1].is_ascii_alphanumeric() && s[i - 1] != b'_') {
            let end = s[i..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+')))
                .map_or(s.len(), |p| i + p);
            out.push((i, end));
            i = end;
        } else if s[i] == b'#' {
            i += s[i..].iter().position(|&c| c == b'\n').unwrap_or(s.len() - i);
        } else {
            i += 1;
        }
    }
    out
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut b = text.as_bytes().to_vec();
    for e in edits {
        if b.is_empty() {
            break;
        }
        match *e {
            Edit::Flip(i, x) => {
                let i = i % b.len();
                b[i] ^= x | 1;
            }
            Edit::Insert(i, x) => b.insert(i % (b.len() + 1), x),
            Edit::Delete(i, n) => {
                let i = i % b.len();
                b.drain(i..(i + n).min(b.len()));
            }
            Edit::Swap(i, v) => {
                let vs = values(&b);
                if !vs.is_empty() {
                    let (s, e) = vs[i % vs.len()];
                    b.splice(s..e, SPECIAL[v].bytes());
                }
            }
            Edit::DupLine(i) => {
                let lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
                let k = i % lines.len();
                let mut out = Vec::new();
                for (j, l) in lines.iter().enumerate() {
                    out.extend_from_slice(l);
                    out.push(b'\n');
                    if j == k {
                        out.extend_from_slice(l);
                        out.push(b'\n');
                    }
                }
                b = out;
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Replaces the `i`-th leaf of a parsed workload with a special value, then writes it back.
fn swap_leaf(text: &str, i: usize, v: usize, json: bool) -> String {
    fn count(v: &toml::Value) -> usize {
        match v {
            toml::Value::Table(t) => t.iter().map(|(_, c)| count(c)).sum(),
            toml::Value::Array(a) => a.iter().map(count).sum(),
            _ => 1,
        }
    }
    /// Replaces leaf number `*k` (counting down) with `with`.
    fn replace(v: &mut toml::Value, k: &mut usize, with: &toml::Value) -> bool {
        match v {
            toml::Value::Table(t) => t.iter_mut().any(|(_, c)| replace(c, k, with)),
            toml::Value::Array(a) => a.iter_mut().any(|c| replace(c, k, with)),
            leaf => {
                if *k == 0 {
                    *leaf = with.clone();
                    true
                } else {
                    *k -= 1;
                    false
                }
            }
        }
    }
    let mut doc: toml::Value = toml::from_str(text).unwrap();
    let n = count(&doc);
    if n > 0 {
        let special: toml::Value = toml::from_str::<toml::Table>(&format!("x = {}", SPECIAL[v]))
            .ok()
            .and_then(|mut t| t.remove("x"))
            .unwrap_or(toml::Value::Float(f64::NAN));
        replace(&mut doc, &mut (i % n), &special);
    }
    if json {
        serde_json::to_string(&doc).unwrap_or_default()
    } else {
        toml::to_string(&doc).unwrap_or_default()
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn workload_parser_survives_arbitrary_text(text in "\\PC{0,400}", json in any::<bool>()) {
        let name = if json { "fuzz.json" } else { "fuzz.toml" };
        guarded(text.clone(), move || parse_and_validate(&text, name));
    }

    #[test]
    fn workload_parser_survives_mutated_workloads(
        which in any::<usize>(),
        json in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let files = shipped();
        let (name, toml_text) = &files[which % files.len()];
        let (text, name) = if json {
            (to_json(toml_text), name.replace(".toml", ".json"))
        } else {
            (toml_text.clone(), name.clone())
        };
        let text = apply(&text, &edits);
        guarded(text.clone(), move || parse_and_validate(&text, &name));
    }

    #[test]
    fn workload_validation_survives_extreme_values(
        which in any::<usize>(),
        json in any::<bool>(),
        swaps in prop::collection::vec((any::<usize>(), 0..SPECIAL.len()), 1..4),
    ) {
        let files = shipped();
        let (name, toml_text) = &files[which % files.len()];
        let mut text = toml_text.clone();
        for (i, v) in swaps {
            let t = swap_leaf(&text, i, v, false);
            if !t.is_empty() {
                text = t;
            }
        }
        let (text, name) = if json { (to_json(&text), name.replace(".toml", ".json")) } else { (text, name.clone()) };
        guarded(text.clone(), move || parse_and_validate(&text, &name));
    }

    #[test]
    fn assert_parser_survives_arbitrary_text(text in "\\PC{0,80}") {
        guarded(text.clone(), move || { let _ = Assertion::parse(&text); });
    }

    #[test]
    fn assert_parser_survives_mutated_expressions(
        which in 0usize..8,
        edits in prop::collection::vec(edit(), 1..5),
    ) {
        const VALID: &[&str] = &[
            "hit_ratio >= 0.8",
            "lru@64MiB.miss_ratio < 0.3",
            "s3fifo.read_latency_ms.p99 <= 20",
            "clock:bits=2@5%.hit_ratio != 70%",
            "lfu@1.5GiB.byte_miss_ratio == 0.25",
            "backend.reads > 1e3",
            "gdsf:window=0.01.hit_ratio >= 50%",
            "lru@1%..10%:4.hit_ratio > 0",
        ];
        let text = apply(VALID[which], &edits);
        guarded(text.clone(), move || {
            if let Ok(a) = Assertion::parse(&text) {
                // Evaluation against a real result never panics either.
                let v: serde_json::Value = serde_json::json!({"results": [{
                    "policy": "lru", "params": "", "cache_size": 1024, "size_unit": "bytes", "size_spec": "1KiB",
                    "hit_ratio": 0.5, "miss_ratio": 0.5, "read_latency_ms": {"p99": 1.0}, "method": "simulation"
                }]});
                let entries = cachesim::check::metrics::entries(&v).unwrap();
                let _ = a.evaluate(&entries);
                let _ = a.expected();
            }
        });
    }
}

/// Parses, validates and generates the whole stream (for small workloads): the first error.
fn generate_all(text: &str) -> Result<u64, String> {
    let path = workloads_dir().join("extreme.toml");
    let f = cachesim::schema::parse(text, &path).map_err(|e| format!("{e:#}"))?;
    let source = cachesim::source::workload_source(&f, &path).map_err(|e| format!("{e:#}"))?;
    let mut r = source.open(None).map_err(|e| format!("{e:#}"))?;
    let (mut batch, mut n, mut last) = (Vec::new(), 0u64, 0u64);
    while r.read_batch(&mut batch).map_err(|e| format!("{e:#}"))? {
        for q in &batch {
            assert!(q.time >= last, "times never go backwards: {} after {last}", q.time);
            last = q.time;
            n += 1;
        }
    }
    Ok(n)
}

/// Found by fuzzing: a very low arrival rate made request times wrap around u64 nanoseconds
/// (times ran backwards from 584 years, silently); now an error naming workload.arrival.
#[test]
fn arrival_times_past_u64_nanoseconds_are_an_error() {
    for arrival in [
        "{ process = \"poisson\", rate = 1e-300 }",
        "{ process = \"constant\", rate = 1e-300 }",
    ] {
        let text = format!("name = \"x\"\n[workload]\nrequests = 5\nkeys = 10\narrival = {arrival}\n");
        let e = generate_all(&text).expect_err(&text);
        assert!(e.contains("workload.arrival") && e.contains("584 years"), "{e}");
    }
    // Two phases whose durations add up past u64 nanoseconds end at the largest time, no overflow.
    let text = "name = \"x\"\n[workload]\nkeys = 10\narrival = { process = \"poisson\", rate = 1e-9 }\n\
                [[workload.phases]]\nduration = \"200000d\"\n[[workload.phases]]\nduration = \"200000d\"\n";
    match generate_all(text) {
        Ok(_) => {}
        Err(e) => assert!(e.contains("workload.arrival"), "{e}"),
    }
}

/// Huge or degenerate values in a workload are errors with the field's name, never panics.
#[test]
fn extreme_workload_values_are_errors() {
    let base = |workload: &str| {
        format!("name = \"x\"\n[workload]\n{workload}\n[cache]\npolicies = [\"lru\"]\nsizes = [\"1MiB\"]\n")
    };
    for w in [
        "requests = 1e19\nkeys = 10",
        "requests = 10000000000000000000\nkeys = 10",
        "requests = 100\nkeys = 0",
        "requests = 100\nkeys = 18446744073709551615",
        "requests = 100\nkeys = 10\nsize = { dist = \"fixed\", value = \"99999999999PiB\" }",
        "requests = 100\nkeys = 10\nsize = { dist = \"fixed\", value = \"18446744073709551616\" }",
        "requests = 100\nkeys = 10\narrival = { process = \"poisson\", rate = 1e300 }",
        "requests = 100\nkeys = 10\narrival = { process = \"poisson\", rate = 1e-300 }",
        "duration = \"99999999999999h\"\nkeys = 10",
        "duration = \"18446744073709551616ns\"\nkeys = 10",
        "duration = \"1e300s\"\nkeys = 10",
        "requests = 100\nkeys = 10\nttl = \"99999999999999h\"",
    ] {
        let text = base(w);
        let fields: Vec<String> = w
            .lines()
            .map(|l| l.split([' ', '=']).next().unwrap().to_string())
            .collect();
        guarded(text.clone(), move || match generate_all(&text) {
            Err(e) => assert!(
                fields.iter().any(|f| e.contains(f.as_str())),
                "the error names the field: {e}"
            ),
            Ok(n) => assert!(n <= 100, "accepted with {n} requests: {text}"),
        });
    }
}
