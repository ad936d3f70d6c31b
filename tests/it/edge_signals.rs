//! Ctrl-C and SIGTERM (issue 12, item 12): no temporary file left behind, `--out` either the old
//! run or the new one; and progress bars (item 21): drawn on a terminal, never in piped stderr.
//!
//! The interruption tests start a run large enough to take many seconds, wait until it has made
//! its temporary file (so the signal lands mid-work whatever the machine's speed), then signal it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cachesim")
}

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads/quickstart.toml")
}

/// A workload that takes far longer to generate or replay than the tests wait before signalling.
fn big_workload(dir: &Path) -> PathBuf {
    let w = dir.join("big.toml");
    std::fs::write(
        &w,
        "name = \"big\"\nseed = 1\n[workload]\nrequests = 200_000_000\nkeys = 2_000_000\n\
         popularity = { dist = \"zipf\", alpha = 0.9 }\nsize = { dist = \"fixed\", value = \"1KiB\" }\n",
    )
    .unwrap();
    w
}

/// Every entry of `dir` (hidden ones too) with its bytes (directories as empty).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = if e.file_type().unwrap().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().collect()
}

/// Waits until `ready` holds (the child is mid-work), sends `signal`, and collects the child's output.
fn interrupt(mut child: Child, signal: &str, ready: impl Fn() -> bool) -> Output {
    let start = Instant::now();
    while !ready() {
        if let Some(st) = child.try_wait().unwrap() {
            panic!("cachesim ended ({st}) before it could be interrupted");
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "cachesim never started its work"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill {signal} failed");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(300) {
            child.kill().unwrap();
            panic!("cachesim did not stop after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn spawn(args: &[&str], tmpdir: &Path) -> Child {
    Command::new(bin())
        .args(args)
        .env("TMPDIR", tmpdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn non_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_some()
}

fn assert_interrupted(o: &Output, code: i32) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains("interrupted"), "stderr: {err}");
}

#[test]
fn ctrl_c_during_generate_removes_the_temp_file_and_keeps_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let w = big_workload(dir.path());
    let tmp = dir.path().join("tmp");
    let outdir = dir.path().join("out");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(&outdir).unwrap();
    let out = outdir.join("big.bin");
    std::fs::write(&out, b"the earlier trace").unwrap();
    // oracleGeneral output: the records (next-access fields patched later) go to a hidden file
    // beside the output; signal once it exists.
    let child = spawn(&["generate", w.to_str().unwrap(), "-o", out.to_str().unwrap()], &tmp);
    let o = interrupt(child, "-INT", || names(&outdir).len() > 1);
    assert_interrupted(&o, 130);
    assert_eq!(names(&tmp), Vec::<String>::new(), "temporary files left in TMPDIR");
    assert_eq!(
        snapshot(&outdir).into_iter().collect::<Vec<_>>(),
        vec![("big.bin".to_string(), b"the earlier trace".to_vec())]
    );
}

#[test]
fn sigterm_during_generate_removes_the_half_written_output() {
    let dir = tempfile::tempdir().unwrap();
    let w = big_workload(dir.path());
    let tmp = dir.path().join("tmp");
    let outdir = dir.path().join("out");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(&outdir).unwrap();
    // CSV output: no pre-pass; the stream goes to a hidden file beside the output.
    let out = outdir.join("big.csv");
    let child = spawn(&["generate", w.to_str().unwrap(), "-o", out.to_str().unwrap()], &tmp);
    let o = interrupt(child, "-TERM", || non_empty(&outdir));
    assert_interrupted(&o, 143);
    assert_eq!(names(&outdir), Vec::<String>::new(), "a half-written output is left");
    assert_eq!(names(&tmp), Vec::<String>::new());
}

#[test]
fn ctrl_c_during_a_belady_run_leaves_the_earlier_out_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let w = big_workload(dir.path());
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = dir.path().join("out");
    let q = quickstart();
    let first = Command::new(bin())
        .args([
            "run",
            q.to_str().unwrap(),
            "-q",
            "-p",
            "lru",
            "-s",
            "1MiB,2MiB",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let before = snapshot(&out);
    assert!(before.contains_key("summary.json") && before.contains_key("mrc.png"));
    let child = spawn(
        &[
            "run",
            w.to_str().unwrap(),
            "-p",
            "belady,lru",
            "-s",
            "1MiB",
            "--out",
            out.to_str().unwrap(),
        ],
        &tmp,
    );
    let o = interrupt(child, "-INT", || non_empty(&tmp));
    assert_interrupted(&o, 130);
    assert_eq!(
        names(&tmp),
        Vec::<String>::new(),
        "the next-access file is left in TMPDIR"
    );
    assert!(snapshot(&out) == before, "--out changed: {:?}", names(&out));
    assert_eq!(
        names(dir.path()),
        vec!["big.toml", "out", "tmp"],
        "a staging directory is left"
    );
}

#[test]
fn a_rerun_into_an_existing_out_leaves_only_the_new_runs_files() {
    let dir = tempfile::tempdir().unwrap();
    let q = quickstart();
    let run = |sizes: &str, out: &Path| {
        let o = Command::new(bin())
            .args([
                "run",
                q.to_str().unwrap(),
                "-q",
                "-p",
                "lru",
                "-s",
                sizes,
                "--out",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let out = dir.path().join("out");
    run("1MiB,2MiB", &out); // two sizes: draws mrc.png
    assert!(out.join("mrc.png").exists());
    run("1MiB", &out); // one size: no mrc.png
    let fresh = dir.path().join("fresh");
    run("1MiB", &fresh);
    assert_eq!(names(&out), names(&fresh), "files of the earlier run are left");
    assert_eq!(snapshot(&out)["summary.json"], snapshot(&fresh)["summary.json"]);
    assert_eq!(
        names(dir.path()),
        vec!["fresh", "out"],
        "a staging or old directory is left"
    );
}

#[test]
fn an_out_holding_other_files_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
    let q = quickstart();
    let o = Command::new(bin())
        .args(["run", q.to_str().unwrap(), "-q", "-p", "lru", "-s", "1MiB", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--out") && err.contains("notes.txt"), "{err}");
    assert_eq!(names(dir.path()), vec!["notes.txt"]);
}

/// The commands that run long enough for a bar, each with the words its bar shows.
fn bar_commands(dir: &Path) -> Vec<(Vec<String>, &'static str)> {
    let q = quickstart().to_string_lossy().into_owned();
    let trace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/sample.oracleGeneral.bin")
        .to_string_lossy()
        .into_owned();
    let gen = dir.join("g.bin").to_string_lossy().into_owned();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (s(&["run", &q, "-p", "lru", "-s", "1MiB"]), "simulating"),
        (s(&["sweep", &q, "-p", "lru", "-s", "1MiB,2MiB"]), "lru curve"),
        (
            s(&["sweep", &q, "-p", "lru", "-s", "1MiB,2MiB", "--shards-rate", "0.1"]),
            "shards",
        ),
        (s(&["plan", &q, "-p", "lru", "--target-hit-ratio", "0.5"]), "measuring"),
        (s(&["generate", &q, "-o", &gen]), "generating"),
        (s(&["analyze", &trace]), "analyzing"),
    ]
}

#[test]
fn no_bar_is_drawn_into_piped_stderr() {
    let dir = tempfile::tempdir().unwrap();
    for (args, _) in bar_commands(dir.path()) {
        let o = Command::new(bin()).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{args:?}: {err}");
        assert!(
            !err.contains('\r') && !err.contains('\x1b'),
            "{args:?} drew a bar: {err:?}"
        );
    }
}

/// Runs `args` on a pseudo-terminal (util-linux `script`); None when `script` is missing.
fn on_terminal(args: &[String]) -> Option<String> {
    let quoted: Vec<String> = std::iter::once(bin().to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let cmd = format!("stty cols 120 rows 40; exec {}", quoted.join(" "));
    let o = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !o.status.success() {
        let text = String::from_utf8_lossy(&o.stdout);
        panic!("{args:?} on a terminal failed: {text}");
    }
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn a_bar_is_drawn_on_a_terminal_and_quiet_hides_it() {
    if Command::new("script").arg("--version").output().is_err() {
        println!("skipped: util-linux `script` is not installed, so no pseudo-terminal to test on");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (args, words) in bar_commands(dir.path()) {
        let shown = on_terminal(&args).unwrap();
        // The bar's first frame is drawn as soon as it starts, so this holds on a slow machine too.
        assert!(
            shown.contains(words) && shown.contains("\r\x1b[2K"),
            "{args:?}: no bar: {shown:?}"
        );
        let mut quiet = args.clone();
        quiet.push("--quiet".into());
        let hidden = on_terminal(&quiet).unwrap();
        assert!(
            !hidden.contains(words) && !hidden.contains('\x1b'),
            "{quiet:?}: {hidden:?}"
        );
    }
}
