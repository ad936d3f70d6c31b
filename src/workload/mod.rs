//! Workload files and synthetic workloads: popularity (uniform, zipf, scan, hotspot, shifting,
//! mix), arrivals (constant, poisson, bursty, diurnal, trace), sizes, TTLs and phases, on a
//! nanosecond time axis.
//!
//! A workload file is TOML (or JSON with the same structure); see `workloads/` for examples.
//! Values are checked as they are read, so errors carry the line; cross-field rules are checked in
//! [`Workload::compile`] and name the field.

pub mod arrival;
pub mod generator;
pub mod popularity;
pub mod sizes;
pub mod zipf;

use crate::error::input_error;
use crate::schema::file::{ArrivalSpec, PhaseSpec, PopularitySpec, SizeSpec, WorkloadFile};
use anyhow::Result;
use popularity::Popularity;
use sizes::{Sizes, Ttls};
use std::path::{Path, PathBuf};

/// How a phase ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseEnd {
    /// After this many requests.
    Requests(u64),
    /// After this much simulated time (ns).
    Duration(u64),
}

/// A compiled phase.
#[derive(Debug)]
pub struct Phase {
    /// Name.
    pub name: String,
    /// When it ends.
    pub end: PhaseEnd,
    /// Key sampler.
    pub popularity: Popularity,
    /// Arrival process.
    pub arrival: ArrivalSpec,
    /// Share of reads.
    pub read_ratio: f64,
    /// Share of deletes.
    pub delete_ratio: f64,
}

/// A compiled synthetic workload, shared (read-only) by every generator of a run.
#[derive(Debug)]
pub struct Workload {
    /// Name (from the file, or its stem).
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// Seed.
    pub seed: u64,
    /// Distinct keys.
    pub keys: u64,
    /// Size distribution.
    pub sizes: Sizes,
    /// TTLs.
    pub ttls: Ttls,
    /// Writes draw new sizes.
    pub resize_on_write: bool,
    /// Share of reads that ask for keys the backend does not have (0: none; see
    /// [`generator::ABSENT_RANK_BIT`]).
    pub absent_ratio: f64,
    /// Salt for per-key hashes (from the seed).
    pub salt: u64,
    /// Phases, run in order.
    pub phases: Vec<Phase>,
}

fn check_ratios(read: f64, delete: f64, path: &str) -> Result<()> {
    if read + delete > 1.0 + 1e-12 {
        return Err(input_error(format!(
            "{path}: read_ratio ({read}) + delete_ratio ({delete}) exceed 1; writes are the rest, so the two must add up to at most 1"
        )));
    }
    Ok(())
}

impl Workload {
    /// Compiles a synthetic workload (the file must not name a `trace`).
    pub fn compile(f: &WorkloadFile, path: &Path) -> Result<Workload> {
        let w = &f.workload;
        let file = path.display();
        let keys = w.keys.map(|k| k.0).ok_or_else(|| {
            input_error(format!(
                "{file}: workload.keys is missing: how many distinct keys the workload draws from"
            ))
        })?;
        let sizes = Sizes::compile(
            w.size.as_ref().unwrap_or(&SizeSpec::Fixed {
                value: crate::schema::values::ByteSize(4096),
            }),
            "workload.size",
        )
        .map_err(|e| input_error(format!("{file}: {e}")))?;
        let base_pop = w.popularity.clone().unwrap_or(PopularitySpec::Uniform);
        let base_arrival = w.arrival.clone().unwrap_or(ArrivalSpec::Constant {
            rate: crate::schema::values::Positive(1000.0),
        });
        let base_read = w.read_ratio.map(|r| r.0).unwrap_or(1.0);
        let base_delete = w.delete_ratio.map(|r| r.0).unwrap_or(0.0);
        check_ratios(base_read, base_delete, &format!("{file}: workload"))?;
        let phase_specs: Vec<PhaseSpec> = match &w.phases {
            Some(ps) if ps.is_empty() => {
                return Err(input_error(format!(
                    "{file}: workload.phases is empty; list at least one phase, or remove `phases` and give workload.requests or workload.duration"
                )))
            }
            Some(ps) => {
                if w.requests.is_some() || w.duration.is_some() {
                    return Err(input_error(format!(
                        "{file}: give either workload.phases (each with requests or duration) or workload.requests/duration, not both"
                    )));
                }
                ps.clone()
            }
            None => vec![PhaseSpec { requests: w.requests, duration: w.duration, ..Default::default() }],
        };
        let mut phases = Vec::new();
        for (i, ps) in phase_specs.iter().enumerate() {
            let here = if w.phases.is_some() {
                format!("workload.phases[{i}]")
            } else {
                "workload".to_string()
            };
            let end = match (ps.requests, ps.duration) {
                (Some(n), None) => PhaseEnd::Requests(n.0),
                (None, Some(d)) => PhaseEnd::Duration(d.0),
                (Some(_), Some(_)) => {
                    return Err(input_error(format!(
                        "{file}: {here}: give requests or duration, not both"
                    )))
                }
                (None, None) => {
                    return Err(input_error(format!(
                        "{file}: {here}: how long? give requests = N or duration = \"10m\" (with an arrival rate)"
                    )))
                }
            };
            let mut arrival = ps.arrival.clone().unwrap_or_else(|| base_arrival.clone());
            if let Some(r) = ps.rate {
                if matches!(arrival, ArrivalSpec::Trace { .. }) {
                    return Err(input_error(format!(
                        "{file}: {here}.rate cannot change the rate of trace timestamps"
                    )));
                }
                arrival = arrival.with_rate(r.0);
            }
            if let ArrivalSpec::Trace { path: p, .. } = &mut arrival {
                let resolved = crate::schema::resolve_path(p, path);
                if !resolved.exists() {
                    return Err(input_error(format!(
                        "{file}: {here}.arrival.path: trace {} does not exist",
                        p.display()
                    )));
                }
                *p = resolved;
            }
            let read = ps.read_ratio.map(|r| r.0).unwrap_or(base_read);
            let delete = ps.delete_ratio.map(|r| r.0).unwrap_or(base_delete);
            check_ratios(read, delete, &format!("{file}: {here}"))?;
            let pop_spec = ps.popularity.as_ref().unwrap_or(&base_pop);
            let popularity = Popularity::compile(pop_spec, keys, &format!("{here}.popularity"))
                .map_err(|e| input_error(format!("{file}: {e}")))?;
            phases.push(Phase {
                name: ps.name.clone().unwrap_or_else(|| format!("phase {}", i + 1)),
                end,
                popularity,
                arrival,
                read_ratio: read,
                delete_ratio: delete,
            });
        }
        let absent_ratio = w.absent_ratio.map(|r| r.0).unwrap_or(0.0);
        if absent_ratio > 0.0 {
            if phases.iter().all(|p| p.read_ratio == 0.0) {
                return Err(input_error(format!(
                    "{file}: workload.absent_ratio = {absent_ratio} needs reads, but read_ratio is 0 (no reads); absent_ratio is a share of the reads: give read_ratio > 0 or remove absent_ratio"
                )));
            }
            if keys >= generator::ABSENT_RANK_BIT {
                return Err(input_error(format!(
                    "{file}: workload.absent_ratio: absent keys are drawn above rank 2^62, so workload.keys ({keys}) must be below 2^62"
                )));
            }
        }
        Ok(Workload {
            name: f.name.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "workload".into())
            }),
            path: path.to_path_buf(),
            seed: f.seed,
            keys,
            sizes,
            ttls: Ttls::compile(w.ttl.as_ref()),
            resize_on_write: w.resize_on_write,
            absent_ratio,
            salt: popularity::scatter(f.seed ^ 0xC0FF_EE00_D15E_A5E5),
            phases,
        })
    }

    /// Total requests when every phase is counted in requests.
    pub fn total_requests(&self) -> Option<u64> {
        self.phases
            .iter()
            .map(|p| match p.end {
                PhaseEnd::Requests(n) => Some(n),
                PhaseEnd::Duration(_) => None,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse;

    fn err(text: &str) -> String {
        match parse(text, Path::new("w.toml")).and_then(|f| Workload::compile(&f, Path::new("w.toml"))) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => format!("{e:#}"),
        }
    }

    const OK: &str = "[workload]\nrequests = 10\nkeys = 5\n";

    #[test]
    fn errors_name_the_field_and_line() {
        let e = err("[workload]\nrequests = 10\nkeys = 5\nraed_ratio = 0.9\n");
        assert!(e.contains("raed_ratio") && e.contains("line 4"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\npopularity = { dist = \"zipf\", alpha = 0 }\n");
        assert!(e.contains("line 4") && e.contains("greater than 0"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\nread_ratio = 1.5\n");
        assert!(e.contains("line 4") && e.contains("between 0 and 1"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\narrival = { process = \"poisson\", rate = -3 }\n");
        assert!(e.contains("line 4") && e.contains("greater than 0"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\nsize = { dist = \"fixed\", value = \"0KiB\" }\n");
        assert!(e.contains("line 4") && e.contains("zero"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\npopularity = { dist = \"zipff\" }\n");
        assert!(e.contains("zipff") && e.contains("zipf"), "{e}");
        let e = err("[workload]\nkeys = 5\nphases = []\n");
        assert!(e.contains("workload.phases is empty"), "{e}");
        let e = err("[workload]\nkeys = 5\n");
        assert!(e.contains("requests") && e.contains("duration"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\nread_ratio = 0.8\ndelete_ratio = 0.3\n");
        assert!(e.contains("exceed 1"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\nttl = \"5\"\n");
        assert!(e.contains("unit"), "{e}");
        let e =
            err("[workload]\nrequests = 10\nkeys = 5\narrival = { process = \"trace\", path = \"/no/such.bin\" }\n");
        assert!(e.contains("/no/such.bin") && e.contains("does not exist"), "{e}");
        let e = err("[workload]\nrequests = 10\nkeys = 5\n[cache]\nsizes = [\"0\"]\n");
        assert!(e.contains("zero"), "{e}");
        assert!(Workload::compile(&parse(OK, Path::new("w.toml")).unwrap(), Path::new("w.toml")).is_ok());
    }

    #[test]
    fn absent_ratio_needs_reads() {
        let e = err("[workload]\nrequests = 10\nkeys = 5\nabsent_ratio = 1\n");
        assert!(
            e.contains("line 4") && e.contains("absent_ratio") && e.contains("every read absent"),
            "{e}"
        );
        let e = err("[workload]\nrequests = 10\nkeys = 5\nread_ratio = 0\nabsent_ratio = 0.5\n");
        assert!(e.contains("absent_ratio") && e.contains("no reads"), "{e}");
        // Reads in one phase are enough; 0 asks for nothing, so it needs no reads.
        for ok in [
            "[workload]\nkeys = 5\nread_ratio = 0\nabsent_ratio = 0.5\n[[workload.phases]]\nrequests = 5\n[[workload.phases]]\nrequests = 5\nread_ratio = 0.5\n",
            "[workload]\nrequests = 10\nkeys = 5\nread_ratio = 0\nabsent_ratio = 0\n",
        ] {
            let w = Workload::compile(&parse(ok, Path::new("w.toml")).unwrap(), Path::new("w.toml"));
            assert!(w.is_ok(), "{ok}");
        }
    }

    #[test]
    fn json_has_the_same_structure() {
        let f = parse(
            r#"{"seed": 7, "workload": {"requests": 10, "keys": 5, "popularity": {"dist": "zipf", "alpha": 0.9}}}"#,
            Path::new("w.json"),
        )
        .unwrap();
        assert_eq!(f.seed, 7);
        let e = parse(
            r#"{"workload": {"requests": 10, "keys": 5, "bogus": 1}}"#,
            Path::new("w.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("bogus") && e.contains("line 1"), "{e}");
    }
}
