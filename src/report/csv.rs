//! The `csv` format: the columns of summary.csv (a run's or sweep's results, engine metrics
//! flattened, see `csv_row.rs`), a plan's one row per policy, and timeline.csv.

use super::{csv_row, Exporter, Summary};
use crate::model::plan::Plan;
use crate::model::result::SizeUnit;
use anyhow::Result;

/// CSV.
pub struct Csv;

impl Exporter for Csv {
    /// The columns of [`crate::model::result::RunResult`], and for engine runs its nested metrics
    /// flattened (`read_latency_ms_p99`, `backend_reads`, ...).
    fn summary(&self, s: &Summary) -> Result<Vec<u8>> {
        // `admission` after `policy` and `params` when any result has one, then a column per
        // varied key.
        let mut csv = summary_csv(s)?;
        let mut at = 2;
        if s.results.iter().any(|r| !r.admission.is_empty()) {
            let vals = s.results.iter().map(|r| vec![r.admission.clone()]);
            csv = insert_columns(csv, &["admission".to_string()], at, vals)?;
            at += 1;
        }
        let keys = s.variant_keys();
        let vals = s.results.iter().map(|r| {
            keys.iter()
                .map(|k| r.variant.as_ref().map(|v| v.text(k)).unwrap_or_default())
                .collect()
        });
        insert_columns(csv, &keys, at, vals)
    }

    /// One row per policy (and variant: a column per varied key after `policy`).
    fn plan(&self, p: &Plan) -> Result<Vec<u8>> {
        let keys = super::variant_keys(p.policies.iter().map(|pp| &pp.at));
        let rows = p.policies.iter().map(|pp| pp.at.variant.as_ref());
        with_variants(plan_csv(p)?, &keys, 1, rows)
    }
}

/// Inserts a column per variant key (`keys`) at position `at` of each row of `csv`; `rows` gives
/// each data row's variant. Without keys, `csv` is returned as it is.
fn with_variants<'a>(
    csv: Vec<u8>,
    keys: &[String],
    at: usize,
    rows: impl Iterator<Item = Option<&'a crate::model::variant::Variant>>,
) -> Result<Vec<u8>> {
    let vals = rows.map(|v| keys.iter().map(|k| v.map(|v| v.text(k)).unwrap_or_default()).collect());
    insert_columns(csv, keys, at, vals)
}

/// Inserts the columns `names` at position `at` of each row of `csv`; `rows` gives each data
/// row's values. Without names, `csv` is returned as it is.
fn insert_columns(
    csv: Vec<u8>,
    names: &[String],
    at: usize,
    mut rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>> {
    if names.is_empty() {
        return Ok(csv);
    }
    let mut r = ::csv::Reader::from_reader(&csv[..]);
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut h: Vec<String> = r.headers()?.iter().map(String::from).collect();
    let at = at.min(h.len());
    h.splice(at..at, names.iter().cloned());
    w.write_record(&h)?;
    for rec in r.records() {
        let mut row: Vec<String> = rec?.iter().map(String::from).collect();
        let mut vals = rows.next().unwrap_or_default();
        vals.resize(names.len(), String::new());
        row.splice(at..at, vals);
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// summary.csv without the variant columns.
fn summary_csv(s: &Summary) -> Result<Vec<u8>> {
    let engine = s.results.iter().any(|r| r.read_latency_ms.is_some());
    if s.results.iter().any(csv_row::TopologyCols::applies) {
        return topology_summary(s, engine);
    }
    let mut w = ::csv::Writer::from_writer(Vec::new());
    for r in &s.results {
        if engine {
            w.serialize((csv_row::PlainRow::new(r), csv_row::EngineCols::new(r)))?;
        } else {
            w.serialize(csv_row::PlainRow::new(r))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The header a serializable row writes (its field names).
fn header_of<T: serde::Serialize>(row: &T) -> Result<Vec<String>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.serialize(row)?;
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut r = ::csv::Reader::from_reader(&bytes[..]);
    Ok(r.headers()?.iter().map(String::from).collect())
}

/// A multi-level run: the plain (and engine) columns, the multi-level ones, and seven columns
/// per tier.
fn topology_summary(s: &Summary, engine: bool) -> Result<Vec<u8>> {
    let names: Vec<String> = s
        .results
        .iter()
        .find_map(|r| r.tiers.as_ref())
        .map(|ts| ts.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default();
    let remote = csv_row::RemoteCols::applies(&s.results);
    let mut w = ::csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for (i, r) in s.results.iter().enumerate() {
        let plain = csv_row::PlainRow::new(r);
        let topo = csv_row::TopologyCols::new(r, engine);
        let tiers = csv_row::TopologyCols::tier_values(r, names.len());
        if engine && remote {
            let e = csv_row::EngineCols::new(r);
            let rc = csv_row::RemoteCols::new(r);
            if i == 0 {
                let mut h = header_of(&(&plain, &e, &topo, &rc))?;
                h.extend(csv_row::TopologyCols::tier_header(&names));
                w.write_record(&h)?;
            }
            w.serialize((plain, e, topo, rc, tiers))?;
        } else if engine {
            let e = csv_row::EngineCols::new(r);
            if i == 0 {
                let mut h = header_of(&(&plain, &e, &topo))?;
                h.extend(csv_row::TopologyCols::tier_header(&names));
                w.write_record(&h)?;
            }
            w.serialize((plain, e, topo, tiers))?;
        } else {
            if i == 0 {
                let mut h = header_of(&(&plain, &topo))?;
                h.extend(csv_row::TopologyCols::tier_header(&names));
                w.write_record(&h)?;
            }
            w.serialize((plain, topo, tiers))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// Every node of every result's cluster (nodes.csv), a column per varied key after `policy`.
pub fn nodes(s: &Summary) -> Result<Vec<u8>> {
    let rows = s
        .results
        .iter()
        .flat_map(|r| r.nodes.iter().flatten().map(move |_| r.variant.as_ref()));
    with_variants(nodes_csv(s)?, &s.variant_keys(), 1, rows)
}

fn nodes_csv(s: &Summary) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    for r in &s.results {
        for n in r.nodes.iter().flatten() {
            w.serialize(csv_row::NodeRow::new(r, n))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The engine's time series of every result as CSV (timeline.csv), with policy, variant and
/// cache size columns.
pub fn timeline(s: &Summary) -> Result<Vec<u8>> {
    let rows = s
        .results
        .iter()
        .flat_map(|r| r.timeline.iter().map(move |_| r.variant.as_ref()));
    with_variants(timeline_csv(s)?, &s.variant_keys(), 1, rows)
}

fn timeline_csv(s: &Summary) -> Result<Vec<u8>> {
    let names: Vec<String> = s
        .results
        .iter()
        .find_map(|r| r.tiers.as_ref())
        .map(|ts| ts.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default();
    if names.is_empty() {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        for r in &s.results {
            for p in &r.timeline {
                w.serialize(csv_row::TimelineRow::new(r, p))?;
            }
        }
        return w.into_inner().map_err(|e| anyhow::anyhow!("{e}"));
    }
    // Multi-level caches: each tier's hit ratio per interval, `tier_<name>_hit_ratio`.
    let mut w = ::csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let mut header = false;
    for r in &s.results {
        for (i, p) in r.timeline.iter().enumerate() {
            let row = csv_row::TimelineRow::new(r, p);
            if !header {
                let mut h = header_of(&row)?;
                h.extend(names.iter().map(|n| format!("tier_{n}_hit_ratio")));
                w.write_record(&h)?;
                header = true;
            }
            let tiers: Vec<String> = match r.tier_timeline.get(i) {
                Some(v) => v.iter().map(|x| x.to_string()).collect(),
                None => vec![String::new(); names.len()],
            };
            w.serialize((row, tiers))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The plan as CSV: one row per policy, sizes in the plan's unit.
fn plan_csv(p: &Plan) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy",
        "size",
        "size_unit",
        "hit_ratio",
        "backend_read_rps",
        "backend_write_rps",
        "read_p99_ms",
        "cost_optimal_size",
        "cost_per_month",
    ])?;
    let opt = |x: Option<String>| x.unwrap_or_default();
    for pp in &p.policies {
        w.write_record([
            pp.at.policy_label(),
            opt(pp.size.map(|s| s.to_string())),
            match p.size_unit {
                SizeUnit::Bytes => "bytes".into(),
                SizeUnit::Objects => "objects".into(),
            },
            pp.at.hit_ratio.to_string(),
            opt(pp.backend_read_rps.map(|x| x.to_string())),
            opt(pp.backend_write_rps.map(|x| x.to_string())),
            opt(pp.at.read_latency_ms.as_ref().map(|l| l.p99.to_string())),
            opt(pp.cost_optimal.map(|c| c.size.to_string())),
            opt(pp.cost_optimal.map(|c| c.cost_per_month.to_string())),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
