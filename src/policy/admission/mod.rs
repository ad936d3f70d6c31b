//! Admission: a filter in front of any eviction policy that decides whether a missed object may
//! enter the cache at all (`--admission NAME[:PARAMS]`, `admission = "..."` in `[cache]` or a
//! tier). One file per admission policy, one entry in [`REGISTRY`], as for eviction policies.
//!
//! Semantics follow libCacheSim's admissioners (`cache/admission/`): the admission is asked on a
//! miss, before the "larger than the whole cache" check, and only there: hits, and writes that hit
//! (which set the cached object in place), never ask it. An object it refuses is a miss with no
//! eviction and no insertion. Admission policies that learn from every request (a frequency
//! sketch, AdaptSize's statistics) also see each lookup ([`Admission::looked_up`]).

pub mod adaptsize;
pub mod bloom;
pub mod prob;
pub mod size;

use super::{BuildCtx, Counters, ParamInfo, Params, Policy, Stage, Tally};
use crate::model::request::Request;
use std::fmt;

/// An admission policy's state.
pub trait Admission: Send {
    /// Every lookup of the cache, with whether it hit (a no-op by default).
    #[inline]
    fn looked_up(&mut self, req: &Request, hit: bool) {
        let _ = (req, hit);
    }

    /// Whether the object of `req`, which missed, may be inserted into `cache`.
    fn admit(&mut self, req: &Request, cache: &dyn Policy) -> bool;
}

/// Builds an admission policy's state from its parameters; a bad value is an error message.
pub type BuildFn = fn(&Params, &BuildCtx) -> Result<Box<dyn Admission>, String>;

/// An admission policy's registry entry.
pub struct AdmissionInfo {
    /// Canonical lower-case name.
    pub name: &'static str,
    /// Other accepted names (case-insensitive).
    pub aliases: &'static [&'static str],
    /// One line: what it admits, where it comes from.
    pub summary: &'static str,
    /// Settable parameters.
    pub params: &'static [ParamInfo],
    /// Builds its state.
    pub build: BuildFn,
}

/// Every admission policy, in the order `cachesim policies` lists them.
pub static REGISTRY: &[&AdmissionInfo] = &[&bloom::INFO, &size::INFO, &prob::INFO, &adaptsize::INFO];

/// Finds an admission policy by name or alias, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static AdmissionInfo> {
    let n = name.trim().to_ascii_lowercase();
    REGISTRY
        .iter()
        .copied()
        .find(|p| p.name == n || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(&n)))
}

/// An admission policy with its parameters.
#[derive(Clone)]
pub struct AdmissionSpec {
    /// The registry entry.
    pub info: &'static AdmissionInfo,
    /// Its parameters.
    pub params: Params,
}

impl fmt::Debug for AdmissionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.label())
    }
}

impl PartialEq for AdmissionSpec {
    fn eq(&self, other: &Self) -> bool {
        self.info.name == other.info.name && self.params.normalized() == other.params.normalized()
    }
}

impl AdmissionSpec {
    /// Parses `name` or `name:k=v,k=v`; errors list the valid names or parameters.
    pub fn parse(spec: &str) -> Result<AdmissionSpec, String> {
        let (name, rest) = match spec.split_once(':') {
            Some((n, r)) => (n, Some(r)),
            None => (spec, None),
        };
        let info = lookup(name).ok_or_else(|| {
            format!(
                "unknown admission policy `{}`; valid: {}",
                name.trim(),
                REGISTRY.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            )
        })?;
        let params = Params::parse("admission", info.name, info.params, rest)?;
        let spec = AdmissionSpec { info, params };
        spec.build(&BuildCtx { capacity: 1, seed: 0 })?;
        Ok(spec)
    }

    /// `name` or `name:k=v,...`.
    pub fn label(&self) -> String {
        let p = self.params.to_label();
        if p.is_empty() {
            self.info.name.to_string()
        } else {
            format!("{}:{}", self.info.name, p)
        }
    }

    /// A fresh state.
    pub fn build(&self, ctx: &BuildCtx) -> Result<Box<dyn Admission>, String> {
        (self.info.build)(&self.params, ctx)
    }
}

/// A cache behind an admission policy.
pub struct Admitted {
    inner: Box<dyn Policy>,
    admission: Box<dyn Admission>,
}

impl Admitted {
    /// `inner` behind `admission`.
    pub fn new(inner: Box<dyn Policy>, admission: Box<dyn Admission>) -> Self {
        Admitted { inner, admission }
    }
}

impl Policy for Admitted {
    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        let hit = self.inner.get(req);
        self.admission.looked_up(req, hit);
        hit
    }

    #[inline]
    fn insert(&mut self, req: &Request) {
        if self.admission.admit(req, &*self.inner) {
            self.inner.insert(req);
        }
    }

    fn remove(&mut self, key: u64) -> bool {
        self.inner.remove(key)
    }

    fn contains(&self, key: u64) -> bool {
        self.inner.contains(key)
    }

    fn tally(&self) -> &Tally {
        self.inner.tally()
    }

    fn tally_mut(&mut self) -> &mut Tally {
        self.inner.tally_mut()
    }

    fn counters(&self) -> Counters {
        self.inner.counters()
    }

    fn remove_expired(&mut self, key: u64) -> bool {
        self.inner.remove_expired(key)
    }

    /// A write that hit sets the cached object in place: the object is already in, so admission
    /// is not asked.
    fn rewrite(&mut self, req: &Request) {
        self.inner.rewrite(req);
    }

    #[inline]
    fn prefetch(&self, key: u64, stage: Stage) {
        self.inner.prefetch(key, stage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySpec;

    #[test]
    fn names_parameters_and_errors() {
        assert_eq!(
            AdmissionSpec::parse("size:size=16384").unwrap().label(),
            "size:size=16384"
        );
        assert_eq!(AdmissionSpec::parse("Bloom-Filter").unwrap().label(), "bloom");
        let e = AdmissionSpec::parse("nope").unwrap_err();
        assert!(e.contains("valid: bloom, size, prob, adaptsize"), "{e}");
        let e = AdmissionSpec::parse("prob:p=1.5").unwrap_err();
        assert!(e.contains("admission prob: parameter p=1.5"), "{e}");
        let e = AdmissionSpec::parse("bloom:x=1").unwrap_err();
        assert!(e.contains("unknown parameter `x`"), "{e}");
    }

    #[test]
    fn a_refused_object_is_a_miss_with_no_insertion() {
        // LRU of 3 behind "admit on the second miss": every key's first miss is refused.
        let spec = PolicySpec::parse("lru+bloom").unwrap();
        let mut p = spec.build(&BuildCtx { capacity: 3, seed: 1 }).unwrap();
        let pattern = crate::policy::testkit::pattern(&mut *p, &[1, 1, 1, 2, 3, 2, 1]);
        // 1 refused, 1 admitted, 1 hits; 2 refused; 3 refused; 2 admitted; 1 hits.
        assert_eq!(pattern, "mmHmmmH");
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn a_plus_in_a_policy_name_is_the_policys() {
        assert_eq!(PolicySpec::parse("clock2q+").unwrap().label(), "clock2q+");
        let p = PolicySpec::parse("clock2q++bloom").unwrap();
        assert_eq!(
            (p.info.name, p.admission.unwrap().label()),
            ("clock2q+", "bloom".to_string())
        );
        let p = PolicySpec::parse("clock2q+:window=0+size:size=10").unwrap();
        assert_eq!(p.label(), "clock2q+:window=0+size:size=10");
        let e = PolicySpec::parse("lru+nope").unwrap_err();
        assert!(e.contains("unknown admission policy `nope`"), "{e}");
        let e = PolicySpec::parse("nope+bloom").unwrap_err();
        assert!(e.contains("unknown policy `nope+bloom`"), "{e}");
    }
}
