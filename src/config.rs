//! User input checked once, into typed configuration: flags and workload files become a
//! [`RunConfig`]; flags given on the command line override the workload file's `[cache]`.

use crate::cli::{CsvArgs, OutputFormat, RunArgs};
use crate::error::input_error;
use crate::model::result::SizeUnit;
use crate::model::units::{parse_size_range, parse_size_spec, SizeSpec};
use crate::policy::PolicySpec;
use crate::source::Source;
use crate::trace::{Column, CsvOptions, TraceSpec};
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Arc;

/// Policies run when neither flags nor the workload name any.
pub const DEFAULT_POLICIES: &str = "lru,fifo,clock,sieve,lfu,belady";
/// Sizes run when neither flags nor the workload name any.
pub const DEFAULT_SIZES: &str = "1%,5%,10%,25%";

/// A checked `run` configuration.
#[derive(Debug)]
pub struct RunConfig {
    /// What to simulate.
    pub source: Source,
    /// Policies in the order given.
    pub policies: Vec<PolicySpec>,
    /// Sizes in the order given.
    pub sizes: Vec<(String, SizeSpec)>,
    /// Bytes or objects.
    pub unit: SizeUnit,
    /// Worker threads.
    pub jobs: usize,
    /// Output directory.
    pub out: Option<PathBuf>,
    /// Stdout format.
    pub format: OutputFormat,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Seed.
    pub seed: u64,
    /// PNG or SVG charts under `--out`.
    pub chart_format: crate::report::chart::ChartFormat,
    /// The discrete-event engine's settings, when the workload file has engine sections.
    pub engine: Option<Arc<crate::engine::config::EngineConfig>>,
    /// The multi-level cache (tiers, coherence, warming, negative caching), when the workload
    /// file describes one; `policies` and `sizes` then vary its tier nearest the backend.
    pub topology: Option<Arc<crate::topology::Topology>>,
    /// The keys warming loads, once found (see [`crate::replay::grid`]).
    pub warm: Option<Arc<crate::topology::warming::WarmSet>>,
    /// The hot keys a cluster splits, found once before the runs.
    pub hot: Option<Arc<rustc_hash::FxHashSet<u64>>>,
    /// Replays simulate a spatial sample of this fraction of the keys with the capacity scaled
    /// alike (a miniature simulation; `sweep --shards-rate`); None: the whole stream.
    pub sample_rate: Option<f64>,
    /// The workload's variant (`[[variant]]`, `--vary`, `[vary]`) this configuration runs.
    pub variant: Option<crate::model::variant::Variant>,
    /// The alerts' thresholds (`[alerts]`, else the defaults).
    pub alerts: crate::alerts::Alerts,
}

/// Sets `patch` on top of `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(old) => merge(old, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The file at `path` as a JSON document, without its `[[variant]]` and `[vary]`.
fn base_doc(path: &std::path::Path) -> Result<serde_json::Value> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| input_error(format!("cannot read workload {file}: {e}")))?;
    let is_json =
        path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('{');
    let mut base: serde_json::Value = if is_json {
        serde_json::from_str(&text).map_err(|e| input_error(format!("{file}: {e}")))?
    } else {
        toml::from_str(&text).map_err(|e| input_error(format!("{file}: {e}")))?
    };
    if let Some(m) = base.as_object_mut() {
        m.remove("variant");
        m.remove("vary");
    }
    Ok(base)
}

/// The document of each `[[variant]]` of the file at `path`: `base` with the variant's `set` on
/// top.
fn variant_docs(
    path: &std::path::Path,
    f: &crate::schema::file::WorkloadFile,
    base: &serde_json::Value,
) -> Result<Vec<(String, serde_json::Value)>> {
    let file = path.display();
    let Some(variants) = &f.variant else {
        return Ok(Vec::new());
    };
    if variants.is_empty() {
        return Err(input_error(format!(
            "{file}: variant is empty: give [[variant]] sections (name, set), or remove it"
        )));
    }
    let mut out: Vec<(String, serde_json::Value)> = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let name = v.name.trim();
        if name.is_empty() {
            return Err(input_error(format!(
                "{file}: variant[{i}].name is empty; give each variant a name"
            )));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(input_error(format!(
                "{file}: two variants are named \"{name}\"; give each its own name"
            )));
        }
        if v.set.contains_key("variant") || v.set.contains_key("vary") {
            return Err(input_error(format!(
                "{file}: variant \"{name}\": set cannot hold variants or [vary] of its own"
            )));
        }
        let mut w = base.clone();
        merge(&mut w, &serde_json::Value::Object(v.set.clone()));
        out.push((name.to_string(), w));
    }
    Ok(out)
}

/// A workload document read as a workload file; errors name `what` (the variant).
fn file_of(doc: serde_json::Value, path: &std::path::Path, what: &str) -> Result<crate::schema::file::WorkloadFile> {
    serde_json::from_value(doc).map_err(|e| input_error(format!("{}: {what}: {e}", path.display())))
}

/// How an error of a combination names it: `variant "x"`, `--vary KEY=VALUE, ...`.
fn describe(v: &crate::model::variant::Variant) -> String {
    use crate::model::variant::{display, NAME_KEY};
    let mut parts = Vec::new();
    let mut keys = Vec::new();
    for (k, val) in &v.0 {
        if k == NAME_KEY {
            parts.push(format!("variant \"{}\"", display(val)));
        } else {
            keys.push(format!("{k}={}", display(val)));
        }
    }
    if !keys.is_empty() {
        parts.push(format!("--vary {}", keys.join(", ")));
    }
    parts.join(" with ")
}

/// CSV options from flags.
pub fn csv_options(a: &CsvArgs) -> Result<CsvOptions> {
    Ok(CsvOptions {
        key: a.key_col.clone(),
        time: a.time_col.clone(),
        size: a.size_col.clone(),
        op: a.op_col.clone(),
        ttl: a.ttl_col.clone(),
        // Routing by instance needs a workload's [topology]: `RunConfig::from_args` moves the
        // flag into it, and a bare trace run refuses it.
        instance: a.instance_col.clone(),
        instances: None,
        delimiter: a
            .delimiter
            .as_deref()
            .map(crate::trace::csv::parse_delimiter)
            .transpose()?,
        header: if a.header {
            Some(true)
        } else if a.no_header {
            Some(false)
        } else {
            None
        },
        time_unit: a.time_unit.unwrap_or(crate::trace::TimeUnit::S),
        time_unit_given: a.time_unit.is_some(),
        ttl_unit: a.ttl_unit,
    })
}

/// `--instance-col`: the instance column of a workload routed by `[topology] routing = "trace"`,
/// in place of its `topology.instance_col`.
fn set_instance_col(f: &mut crate::schema::file::WorkloadFile, path: &std::path::Path, c: &Column) -> Result<()> {
    use crate::schema::file::ColumnValue;
    use crate::schema::topology::Routing;
    let file = path.display();
    let Some(top) = f.topology.as_mut() else {
        return Err(input_error(format!(
            "{file}: --instance-col applies with [topology] routing = \"trace\", but the workload has no [topology]; remove the flag, or add [topology] with routing = \"trace\" and [[tier]] sections"
        )));
    };
    if top.routing != Routing::Trace {
        let routing = match top.routing {
            Routing::RoundRobin => "round-robin",
            Routing::Random => "random",
            Routing::ByKey => "by-key",
            Routing::Trace => "trace",
        };
        return Err(input_error(format!(
            "{file}: --instance-col applies with [topology] routing = \"trace\", but the workload routes \"{routing}\"; remove the flag, or set routing = \"trace\""
        )));
    }
    top.instance_col = Some(match c {
        Column::Index(i) => ColumnValue::Index(*i),
        Column::Name(n) => ColumnValue::Name(n.clone()),
        Column::Off => {
            return Err(input_error(format!(
                "{file}: --instance-col none: routing = \"trace\" reads every request's instance from a column; give a 1-based number or a header name"
            )))
        }
    });
    Ok(())
}

/// Parses comma-separated sizes (the flag may also repeat); `what` names the flag or field.
pub fn parse_sizes(lists: &[String], what: &str) -> Result<Vec<(String, SizeSpec)>> {
    let mut out = Vec::new();
    for item in lists
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(range) = parse_size_range(item).map_err(|e| input_error(format!("{what}: {e}")))? {
            out.extend(range);
            continue;
        }
        let spec = parse_size_spec(item).map_err(|e| input_error(format!("{what}: {e}")))?;
        out.push((item.to_string(), spec));
    }
    if out.is_empty() {
        return Err(input_error(format!(
            "{what}: no size given; e.g. 64MiB,256MiB or 1%,10%"
        )));
    }
    Ok(out)
}

/// Puts the admission policy of `--admission` (`flag`), else of `[cache] admission` (`file`), in
/// front of every policy. `none` means none. A policy that names its own (`lru+bloom`) keeps it
/// when the admission comes from the file; with the flag that is a contradiction, refused.
pub fn apply_admission(policies: Vec<PolicySpec>, flag: Option<&str>, file: Option<&str>) -> Result<Vec<PolicySpec>> {
    let (text, what) = match (flag, file) {
        (Some(f), _) => (f, "--admission"),
        (None, Some(f)) => (f, "[cache] admission"),
        (None, None) => return Ok(policies),
    };
    let adm = if text.trim().eq_ignore_ascii_case("none") {
        None
    } else {
        Some(crate::policy::admission::AdmissionSpec::parse(text).map_err(|e| input_error(format!("{what}: {e}")))?)
    };
    policies
        .into_iter()
        .map(|p| match (&p.admission, flag.is_some()) {
            (Some(_), true) => Err(input_error(format!(
                "--admission {text} applies to every policy, but {} names its own; give one or the other",
                p.label()
            ))),
            (Some(_), false) => Ok(p),
            (None, _) => Ok(p.with_admission(adm.clone())),
        })
        .collect()
}

/// A policy's identity for de-duplication: its canonical name and the value of every declared
/// parameter (given or default), numbers compared as numbers, so `LRU` is `lru` and
/// `clock:bits=1` is `clock` when 1 is the default.
pub fn policy_identity(p: &PolicySpec) -> (String, Vec<(String, String)>) {
    let label = p.params.to_label();
    let given: Vec<(&str, &str)> = label
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let norm = |v: &str| match v.parse::<f64>() {
        Ok(x) => format!("{x}"),
        Err(_) => v.to_ascii_lowercase(),
    };
    let params = p
        .info
        .params
        .iter()
        .map(|d| {
            let v = given
                .iter()
                .rev()
                .find(|(k, _)| *k == d.name)
                .map_or(d.default, |(_, v)| *v);
            (d.name.to_string(), norm(v))
        })
        .collect::<Vec<_>>();
    let mut params = params;
    if let Some(a) = &p.admission {
        // The admission in front, by name and every parameter's value.
        params.push(("+".to_string(), a.info.name.to_string()));
        params.extend(
            a.params
                .normalized()
                .into_iter()
                .map(|(k, v)| (format!("+{k}"), norm(&v))),
        );
    }
    (p.info.name.to_string(), params)
}

/// Drops repeated policies (same [`policy_identity`]), keeping the first of each in order; returns
/// the kept list and one note per policy that was given more than once.
pub fn dedup_policies(list: Vec<PolicySpec>) -> (Vec<PolicySpec>, Vec<String>) {
    let mut kept: Vec<PolicySpec> = Vec::new();
    let mut ids = Vec::new();
    let mut times: Vec<usize> = Vec::new();
    for p in list {
        let id = policy_identity(&p);
        match ids.iter().position(|i| *i == id) {
            Some(k) => times[k] += 1,
            None => {
                ids.push(id);
                times.push(1);
                kept.push(p);
            }
        }
    }
    let notes = kept
        .iter()
        .zip(&times)
        .filter(|(_, n)| **n > 1)
        .map(|(p, n)| {
            let how = if *n == 2 {
                "twice".to_string()
            } else {
                format!("{n} times")
            };
            format!("{} given {how}; run once", p.label())
        })
        .collect();
    (kept, notes)
}

/// Drops sizes that name the same capacity as an earlier one (`1MiB` and `1048576`, `5%` and
/// `5.0%`), keeping the first; returns the kept list and a note per dropped size.
pub fn dedup_sizes(list: Vec<(String, SizeSpec)>) -> (Vec<(String, SizeSpec)>, Vec<String>) {
    let mut kept: Vec<(String, SizeSpec)> = Vec::new();
    let mut notes = Vec::new();
    for (label, spec) in list {
        let same = kept.iter().find(|(_, k)| match (k, &spec) {
            (SizeSpec::Absolute(a), SizeSpec::Absolute(b)) => a == b,
            (SizeSpec::WorkingSet(a), SizeSpec::WorkingSet(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
            _ => false,
        });
        match same {
            Some((first, _)) => notes.push(format!("size {label} is the same as {first}; run once")),
            None => kept.push((label, spec)),
        }
    }
    (kept, notes)
}

impl RunConfig {
    /// The configurations of a command: one per combination of the workload file's
    /// `[[variant]]`s and the values of the keys varied by `--vary` and `[vary]` (each flag
    /// replacing the file's entry for its key), or the one of [`RunConfig::from_args`]. Every
    /// combination is checked before anything runs; errors name the variant, the key and the value.
    pub fn all_from_args(a: &RunArgs) -> Result<Vec<Self>> {
        let mut flags: Vec<crate::vary::Axis> = Vec::new();
        for v in &a.vary {
            let axis = crate::vary::parse_flag(v)?;
            if flags.iter().any(|f| f.key == axis.key) {
                return Err(input_error(format!(
                    "--vary {}: the key is varied twice; give all its values in one --vary",
                    axis.key
                )));
            }
            flags.push(axis);
        }
        let Some(p) = &a.workload else {
            if !flags.is_empty() {
                return Err(input_error(
                    "--vary sets keys of a workload file, and a --trace run has none: write a workload file with [workload] trace = \"FILE\" and vary its keys",
                ));
            }
            return Ok(vec![Self::from_args(a)?]);
        };
        crate::schema::refuse_trace(p)?;
        let f = crate::schema::load(p)?;
        let file = p.display().to_string();
        let mut axes = match &f.vary {
            Some(t) => crate::vary::file_axes(t, &file)?,
            None => Vec::new(),
        };
        axes.retain(|x| !flags.iter().any(|f| f.key == x.key));
        axes.extend(flags);
        if f.variant.is_none() && axes.is_empty() {
            return Ok(vec![Self::from_file_args(a, Some((f, p.clone())))?]);
        }
        let base = base_doc(p)?;
        let named = variant_docs(p, &f, &base)?;
        // Each value alone first, so that a bad one is named by its own key.
        for axis in &axes {
            for v in &axis.values {
                let what = format!("--vary {}={}", axis.key, crate::model::variant::display(v));
                let mut doc = base.clone();
                crate::vary::set_path(&mut doc, &axis.key, v.clone())
                    .map_err(|e| input_error(format!("{what}: {e}")))?;
                file_of(doc, p, &what)?;
            }
        }
        crate::vary::combinations(&base, &named, &axes)?
            .into_iter()
            .map(|c| {
                let what = describe(&c.variant);
                let vf = file_of(c.doc, p, &what)?;
                let mut cfg = Self::from_file_args(a, Some((vf, p.clone())))
                    .map_err(|e| input_error(format!("{what}: {e:#}")))?;
                cfg.variant = Some(c.variant);
                Ok(cfg)
            })
            .collect()
    }

    /// Checks `run` arguments for one configuration: the source opens, policies and sizes parse.
    /// A workload with variants (`[[variant]]`, `[vary]`, `--vary`) goes through
    /// [`RunConfig::all_from_args`].
    pub fn from_args(a: &RunArgs) -> Result<Self> {
        if !a.vary.is_empty() {
            return Err(input_error(
                "--vary runs several configurations: this command takes one",
            ));
        }
        let file = match &a.workload {
            Some(p) => {
                crate::schema::refuse_trace(p)?;
                let f = crate::schema::load(p)?;
                if f.variant.is_some() || f.vary.is_some() {
                    return Err(input_error(format!(
                        "{}: [[variant]] and [vary] run several configurations: this command takes one",
                        p.display()
                    )));
                }
                Some((f, p.clone()))
            }
            None => None,
        };
        Self::from_file_args(a, file)
    }

    /// [`RunConfig::from_args`] with the workload file already read.
    fn from_file_args(a: &RunArgs, file: Option<(crate::schema::file::WorkloadFile, PathBuf)>) -> Result<Self> {
        let file = match file {
            Some((mut f, p)) => {
                if let Some(s) = a.seed {
                    f.seed = s;
                }
                if let Some(c) = &a.csv.instance_col {
                    set_instance_col(&mut f, &p, c)?;
                }
                Some((f, p))
            }
            None => None,
        };
        if let (None, Some(_)) = (&file, &a.csv.instance_col) {
            return Err(input_error(
                "--instance-col applies to a workload file with [topology] routing = \"trace\" (and [workload] trace = FILE); a --trace run has no [topology], so every request reaches the one cache",
            ));
        }
        let cache = file.as_ref().map(|(f, _)| f.cache.clone()).unwrap_or_default();
        let engine = match &file {
            Some((f, p)) => crate::engine::config::EngineConfig::from_file(f, p)?.map(Arc::new),
            None => None,
        };
        let topology = match &file {
            Some((f, p)) => crate::topology::Topology::from_file(f, p, engine.is_some())?,
            None => None,
        };
        if let (Some(t), Some(e), Some((f, p))) = (&topology, &engine, &file) {
            crate::engine::config::check_topology(e, t, f, p)?;
        }
        if let (Some(t), false) = (&topology, a.quiet) {
            for w in t.warnings() {
                eprintln!("warning: {w}");
            }
        }
        // With tiers, the tier nearest the backend is what the grid varies; its own policy and
        // size are the defaults.
        let bottom = topology.as_ref().and_then(|t| t.tiers.last());
        let policies_text = match (&a.policies, &cache.policies, bottom.and_then(|b| b.policy.as_ref())) {
            (Some(p), _, _) => p.join(","),
            (None, Some(p), _) => p.join(","),
            (None, None, Some(b)) => b.label(),
            (None, None, None) => DEFAULT_POLICIES.to_string(),
        };
        let policies = PolicySpec::parse_list(&policies_text).map_err(|e| {
            let what = if a.policies.is_some() {
                "--policies"
            } else {
                "[cache] policies"
            };
            input_error(format!("{what}: {e}"))
        })?;
        let file_admission = cache
            .admission
            .as_deref()
            .or(bottom.and_then(|b| b.admission.as_deref()));
        let policies = apply_admission(policies, a.admission.as_deref(), file_admission)?;
        let (policies, repeated) = dedup_policies(policies);
        let sizes = match (&a.sizes, &cache.sizes, bottom.and_then(|b| b.size.as_ref())) {
            (Some(s), _, _) => parse_sizes(s, "--sizes")?,
            (None, Some(s), _) => parse_sizes(&s.iter().map(|v| v.0.clone()).collect::<Vec<_>>(), "[cache] sizes")?,
            (None, None, Some((label, spec))) => vec![(label.clone(), *spec)],
            (None, None, None) => parse_sizes(&[DEFAULT_SIZES.to_string()], "--sizes")?,
        };
        if let Some(t) = topology.as_ref().filter(|t| t.tiers.len() > 1) {
            if let Some(p) = policies.iter().find(|p| p.info.caps.needs_future) {
                let what = if a.policies.is_some() {
                    "--policies"
                } else {
                    "[cache] policies"
                };
                let file = file
                    .as_ref()
                    .map_or(String::new(), |(_, p)| format!("{}: ", p.display()));
                return Err(input_error(format!(
                    "{file}{what}: {} needs the future of the whole stream, but tier \"{}\" sees only the requests the tiers above it missed; choose online policies",
                    p.label(),
                    t.tiers[t.bottom()].name
                )));
            }
        }
        let (sizes, repeated_sizes) = dedup_sizes(sizes);
        if !a.quiet {
            for note in repeated.iter().chain(&repeated_sizes) {
                eprintln!("note: {note}");
            }
        }
        let jobs = match a.jobs {
            Some(0) => return Err(input_error("--jobs must be at least 1")),
            Some(n) => n,
            None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        let ignore = a.ignore_obj_size || cache.ignore_obj_size;
        let (mut source, seed) = match (&file, &a.trace) {
            (Some((f, p)), _) => (crate::source::workload_source(f, p)?, f.seed),
            (None, Some(t)) => {
                let mut spec = TraceSpec::new(t, a.trace_format)?;
                spec.csv = csv_options(&a.csv)?;
                spec.skip_bad_lines = a.skip_bad_lines;
                (Source::trace(spec), a.seed.unwrap_or(42))
            }
            (None, None) => {
                return Err(input_error(
                    "no input: give a workload file (cachesim run WORKLOAD.toml) or a recorded trace (cachesim run --trace FILE)",
                ))
            }
        };
        if let crate::source::Input::Trace(t) = &mut source.input {
            t.skip_bad_lines |= a.skip_bad_lines;
            if let Some(b) = a.csv.block_size {
                t.block_size = b;
            }
        }
        source.ignore_size = ignore;
        source.ensure_nonempty()?;
        Ok(RunConfig {
            source,
            policies,
            sizes,
            unit: if ignore { SizeUnit::Objects } else { SizeUnit::Bytes },
            jobs,
            out: a.out.clone(),
            format: a.format,
            quiet: a.quiet,
            seed,
            chart_format: a.chart_format,
            engine,
            topology: topology.map(Arc::new),
            warm: None,
            hot: None,
            sample_rate: None,
            variant: None,
            alerts: crate::alerts::Alerts::from_section(file.as_ref().and_then(|(f, _)| f.alerts.as_ref())),
        })
    }
}
