//! Eviction policies: one file each, behind one trait, found by name in one registry.
//!
//! Semantics follow libCacheSim (see `../shared/reference/README.md`): a request is a hit iff the
//! object is present and not expired; on a miss an object larger than the cache is not inserted;
//! otherwise objects are evicted one at a time until the new one fits, then it is inserted.
//!
//! Adding a policy: write `src/policy/NAME.rs` with a `pub const INFO: PolicyInfo` and add it to
//! [`REGISTRY`]. A policy that only orders its cached objects (no ghosts) implements
//! [`core::resident::Ordering`] and is built as a [`core::resident::Resident`], which does the
//! lookup, expiry, refusal, evict-until-fits and counting; the rest implement [`Policy`] on the
//! structures of [`core`].

pub mod core;

pub mod admission;

pub mod arc;
pub mod belady;
pub mod belady_size;
pub mod cacheus;
pub mod car;
pub mod clock;
pub mod clock2qplus;
pub mod clock_pro;
pub mod fifo;
pub mod fifo_merge;
pub mod gdsf;
pub mod hyperbolic;
pub mod lecar;
pub mod lfu;
pub mod lfuda;
pub mod lhd;
pub mod lirs;
pub mod lru;
pub mod lru_k;
pub mod lru_prob;
pub mod mq;
pub mod qdlp;
pub mod random;
pub mod random_lru;
pub mod random_two;
pub mod redis_lfu;
pub mod redis_lru;
pub mod redis_pool;
pub mod s3fifo;
pub mod sfifo;
pub mod sieve;
pub mod size;
pub mod slru;
pub mod tinylfu;
pub mod ttl;
pub mod twoq;

use crate::model::request::{Op, Request};
use crate::model::result::{ReplayStats, RunResult, SizeUnit};
use std::fmt;

pub use self::core::table::Stage;
pub use self::core::tally::{Counters, Tally};

/// A cache eviction policy with a capacity in bytes (or objects, when every size is 1).
pub trait Policy: Send {
    /// Looks the request's key up. On a hit the policy updates its metadata and returns true.
    /// An object whose TTL has passed at `req.time` is removed, counted, and reported as a miss.
    fn get(&mut self, req: &Request) -> bool;

    /// Inserts the request's object after a miss. The policy may decline (an object larger than
    /// the cache, an admission filter). Evicts as needed.
    ///
    /// The contract: an insert follows the [`Policy::get`] of the same key that returned false,
    /// with no other call on this cache between (ARC, LIRS, S3-FIFO and the other policies with
    /// ghosts keep what the missed lookup found until the insert). [`Policy::access`] keeps it;
    /// the engine, whose fills come later than their lookups, repeats the lookup when another
    /// call came between. Debug builds assert it ([`core::MissGuard`]; the resident container
    /// asserts that the key is absent).
    fn insert(&mut self, req: &Request);

    /// Removes `key` if present (a delete or an invalidation); returns whether it was present.
    fn remove(&mut self, key: u64) -> bool;

    /// Whether `key` is cached (ghost entries do not count), without touching any metadata.
    fn contains(&self, key: u64) -> bool;

    /// Capacity, occupancy and counters.
    fn tally(&self) -> &Tally;

    /// Capacity, occupancy and counters, mutably (the eviction sink, expirations the engine notices).
    fn tally_mut(&mut self) -> &mut Tally;

    /// Bytes (or objects) currently cached.
    fn used(&self) -> u64 {
        self.tally().used()
    }

    /// Number of cached objects.
    fn len(&self) -> usize {
        self.tally().len()
    }

    /// True when nothing is cached.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity this cache was built with.
    fn capacity(&self) -> u64 {
        self.tally().capacity()
    }

    /// Evictions and expirations so far.
    fn counters(&self) -> Counters {
        self.tally().counters()
    }

    /// Switches recording of evicted keys on or off.
    fn record_evictions(&mut self, on: bool) {
        self.tally_mut().record_evictions(on);
    }

    /// Moves the keys evicted since the last call into `out`.
    fn drain_evicted(&mut self, out: &mut Vec<u64>) {
        self.tally_mut().drain_evicted(out);
    }

    /// Removes `key`, which its owner knows has expired, counting an expiration if it was cached.
    fn remove_expired(&mut self, key: u64) -> bool {
        let was = self.remove(key);
        if was {
            self.tally_mut().count_expiration();
        }
        was
    }

    /// A write that hit sets the object: its expiry restarts from the write's time and TTL (none
    /// when the write has none) and its size becomes the write's. Called by [`Policy::access`]
    /// after the write's `get` hit (the hit itself is counted and updates the metadata as a read
    /// would). The default re-inserts ([`Policy::reinsert`]); policies whose node holds the expiry
    /// change a same-size object in place ([`core::table::Table::restamp`]).
    fn rewrite(&mut self, req: &Request) {
        self.reinsert(req);
    }

    /// Replaces a cached object with `req`'s: removes it, then looks it up and inserts it again.
    fn reinsert(&mut self, req: &Request) {
        self.remove(req.key);
        if !self.get(req) {
            self.insert(req);
        }
    }

    /// A hint that `key` will be requested soon: start loading the memory its lookup reads at
    /// `stage`. [`Policy::replay`] calls it [`PREFETCH_AHEAD`] requests ahead for
    /// [`Stage::Bucket`], half as far for [`Stage::Node`]. Changes nothing; the default does
    /// nothing.
    #[inline]
    fn prefetch(&self, key: u64, stage: Stage) {
        let _ = (key, stage);
    }

    /// One request of a plain replay: a get, and an insert on a miss; a write that hits also
    /// sets the object ([`Policy::rewrite`]). Returns whether it hit.
    #[inline]
    fn access(&mut self, req: &Request) -> bool {
        if self.get(req) {
            if req.op == Op::Write {
                self.rewrite(req);
            }
            true
        } else {
            self.insert(req);
            false
        }
    }

    /// [`Policy::access`] for the requests `reqs[p]`, `p` in `picks` in order (reads: no
    /// deletes, no zero sizes), with the prefetching of [`Policy::replay`]; sets `hits[p]` for
    /// each that hit and returns how many did. A multi-level replay runs each tier's copies this
    /// way (one dynamic call per batch).
    fn access_picked(&mut self, reqs: &[Request], picks: &[u32], hits: &mut [bool]) -> u64 {
        let mut n = 0;
        for (i, &p) in picks.iter().enumerate() {
            if let Some(&next) = picks.get(i + PREFETCH_AHEAD) {
                self.prefetch(reqs[next as usize].key, Stage::Bucket);
            }
            if let Some(&next) = picks.get(i + PREFETCH_AHEAD / 2) {
                self.prefetch(reqs[next as usize].key, Stage::Node);
            }
            let hit = self.access(&reqs[p as usize]);
            hits[p as usize] = hit;
            n += u64::from(hit);
        }
        n
    }

    /// Replays a batch of requests, counting into `stats`. Deletes remove the key and count apart;
    /// zero-size requests are skipped as libCacheSim skips them.
    ///
    /// This default body is compiled once per policy type, so the per-request calls inside are
    /// static: a whole batch costs one dynamic call.
    fn replay(&mut self, reqs: &[Request], stats: &mut ReplayStats) {
        for (i, req) in reqs.iter().enumerate() {
            if let Some(next) = reqs.get(i + PREFETCH_AHEAD) {
                self.prefetch(next.key, Stage::Bucket);
            }
            if let Some(next) = reqs.get(i + PREFETCH_AHEAD / 2) {
                self.prefetch(next.key, Stage::Node);
            }
            if req.op == Op::Delete {
                self.remove(req.key);
                stats.deletes += 1;
                continue;
            }
            if req.size == 0 {
                stats.skipped += 1;
                continue;
            }
            let hit = self.access(req);
            stats.requests += 1;
            stats.bytes = stats.bytes.saturating_add(req.size);
            if !hit {
                stats.misses += 1;
                stats.miss_bytes = stats.miss_bytes.saturating_add(req.size);
            }
            if req.op == Op::Read {
                stats.reads += 1;
                stats.read_misses += u64::from(!hit);
            }
        }
    }
}

/// How many requests ahead [`Policy::replay`] prefetches: far enough for a memory access to land.
pub const PREFETCH_AHEAD: usize = 16;

/// What a policy needs to know when it is built.
#[derive(Clone, Copy, Debug)]
pub struct BuildCtx {
    /// Capacity in bytes, or in objects when sizes are ignored.
    pub capacity: u64,
    /// Seed for policies that draw random numbers.
    pub seed: u64,
}

/// One settable parameter of a policy.
#[derive(Clone, Copy, Debug)]
pub struct ParamInfo {
    /// Name as written in `policy:name=value`.
    pub name: &'static str,
    /// Default value, as text.
    pub default: &'static str,
    /// What it does and which values are valid.
    pub help: &'static str,
}

/// Builds an empty cache from parameters; a bad parameter value is an error message.
pub type BuildFn = fn(&Params, &BuildCtx) -> Result<Box<dyn Policy>, String>;

/// A policy's entry in the registry.
pub struct PolicyInfo {
    /// Canonical lower-case name.
    pub name: &'static str,
    /// Other accepted names (matched case-insensitively, like the name).
    pub aliases: &'static [&'static str],
    /// One line: what it is, where it comes from.
    pub summary: &'static str,
    /// Settable parameters.
    pub params: &'static [ParamInfo],
    /// Builds an empty cache; a bad parameter value is an error message.
    pub build: BuildFn,
    /// What the rest of the program must know about it (instead of comparing names).
    pub caps: Caps,
}

/// A policy's capabilities and needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// Reads each request's next access (Belady): the source needs the next-access pre-pass.
    pub needs_future: bool,
    /// Its results at every size come from one exact stack pass (plain LRU, no parameters).
    pub exact_stack_curve: bool,
    /// Reads the simulated clock (so a stream without timestamps changes its behaviour).
    pub reads_clock: bool,
}

impl Caps {
    /// Nothing special.
    pub const NONE: Caps = Caps {
        needs_future: false,
        exact_stack_curve: false,
        reads_clock: false,
    };
}

/// The registered policy named `name` (canonical name), if any.
pub fn info(name: &str) -> Option<&'static PolicyInfo> {
    REGISTRY.iter().copied().find(|p| p.name == name)
}

/// Every policy, in the order `cachesim policies` lists them.
pub static REGISTRY: &[&PolicyInfo] = &[
    &lru::INFO,
    &lru_k::INFO,
    &fifo::INFO,
    &clock::INFO,
    &clock_pro::INFO,
    &clock2qplus::INFO,
    &sieve::INFO,
    &lfu::INFO,
    &lfuda::INFO,
    &gdsf::INFO,
    &random::INFO,
    &arc::INFO,
    &car::INFO,
    &slru::INFO,
    &twoq::INFO,
    &lirs::INFO,
    &s3fifo::INFO,
    &qdlp::INFO,
    &sfifo::INFO,
    &fifo_merge::INFO,
    &size::INFO,
    &random_two::INFO,
    &random_lru::INFO,
    &lru_prob::INFO,
    &tinylfu::INFO,
    &redis_lru::INFO,
    &redis_lfu::INFO,
    &ttl::INFO,
    &belady::INFO,
    &belady_size::INFO,
    &mq::INFO,
    &lecar::INFO,
    &hyperbolic::INFO,
    &lhd::INFO,
    &cacheus::INFO,
];

/// Finds a policy by name or alias, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static PolicyInfo> {
    let n = name.trim().to_ascii_lowercase();
    REGISTRY
        .iter()
        .copied()
        .find(|p| p.name == n || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(&n)))
}

/// Parameter values given for one policy (validated against its [`ParamInfo`] list).
#[derive(Clone, Debug, Default)]
pub struct Params {
    /// `policy` or `admission`, for messages.
    kind: &'static str,
    policy: &'static str,
    declared: &'static [ParamInfo],
    given: Vec<(String, String)>,
}

impl Params {
    /// Parses `k=v,k=v` (`rest`, after the name's `:`) for `name`, a `kind` (`policy`,
    /// `admission`) declaring `declared`; an unknown or malformed parameter is an error naming it
    /// and the valid ones. A parameter given twice keeps its last value.
    pub fn parse(
        kind: &'static str,
        name: &'static str,
        declared: &'static [ParamInfo],
        rest: Option<&str>,
    ) -> Result<Params, String> {
        let mut given = Vec::new();
        for kv in rest.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("{kind} {name}: parameter `{kv}` must be written name=value"))?;
            let k = k.trim().to_ascii_lowercase();
            if !declared.iter().any(|p| p.name == k) {
                let valid = if declared.is_empty() {
                    "it takes no parameters".to_string()
                } else {
                    format!(
                        "valid: {}",
                        declared.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(format!("{kind} {name}: unknown parameter `{k}`; {valid}"));
            }
            given.retain(|(gk, _): &(String, String)| *gk != k);
            given.push((k, v.trim().to_string()));
        }
        Ok(Params {
            kind,
            policy: name,
            declared,
            given,
        })
    }

    /// Every declared parameter's value (given or default), in declaration order: what makes two
    /// spellings of the same choice equal.
    pub fn normalized(&self) -> Vec<(&'static str, String)> {
        self.declared
            .iter()
            .map(|d| (d.name, self.raw(d.name).to_string()))
            .collect()
    }

    /// Raw text of a parameter: the given value or the declared default.
    pub(crate) fn raw(&self, name: &str) -> &str {
        if let Some((_, v)) = self.given.iter().find(|(k, _)| k == name) {
            return v;
        }
        self.declared
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.default)
            .unwrap_or("")
    }

    /// A parameter parsed as `T` and checked with `valid`, which describes the valid range.
    pub fn get<T: std::str::FromStr>(&self, name: &str, valid: (&str, fn(&T) -> bool)) -> Result<T, String> {
        let raw = self.raw(name);
        match raw.parse::<T>() {
            Ok(v) if (valid.1)(&v) => Ok(v),
            _ => Err(format!(
                "{} {}: parameter {name}={raw} is invalid; it must be {}",
                if self.kind.is_empty() { "policy" } else { self.kind },
                self.policy,
                valid.0
            )),
        }
    }

    /// The given (non-default) parameters as `k=v,k=v`, empty when all are defaults.
    pub fn to_label(&self) -> String {
        self.given
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A policy with its parameters, as chosen on the command line or in a workload file.
#[derive(Clone)]
pub struct PolicySpec {
    /// The registry entry.
    pub info: &'static PolicyInfo,
    /// Its parameters.
    pub params: Params,
    /// The admission policy in front of it (`lru+bloom`, `--admission bloom`), if any.
    pub admission: Option<admission::AdmissionSpec>,
}

impl fmt::Debug for PolicySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.label())
    }
}

impl PolicySpec {
    /// The result record of a replay of this policy at `cache_size`, from its counts.
    pub fn result(
        &self,
        cache_size: u64,
        unit: SizeUnit,
        s: &ReplayStats,
        evictions: u64,
        expirations: u64,
        bad_lines: u64,
    ) -> RunResult {
        let mut r = RunResult::new(
            self.info.name,
            self.params.to_label(),
            cache_size,
            unit,
            s,
            evictions,
            expirations,
        );
        r.skipped_bad_lines = bad_lines;
        r.admission = self.admission.as_ref().map(|a| a.label()).unwrap_or_default();
        r
    }

    /// `name` or `name:k=v,...` when parameters were given, then `+admission` when one is.
    pub fn label(&self) -> String {
        let p = self.params.to_label();
        let base = if p.is_empty() {
            self.info.name.to_string()
        } else {
            format!("{}:{}", self.info.name, p)
        };
        match &self.admission {
            Some(a) => format!("{base}+{}", a.label()),
            None => base,
        }
    }

    /// Builds an empty cache of this policy (behind its admission policy, if any).
    pub fn build(&self, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
        let cache = (self.info.build)(&self.params, ctx)?;
        Ok(match &self.admission {
            Some(a) => Box::new(admission::Admitted::new(cache, a.build(ctx)?)),
            None => cache,
        })
    }

    /// This policy behind `admission` (replacing any it had).
    pub fn with_admission(mut self, admission: Option<admission::AdmissionSpec>) -> PolicySpec {
        self.admission = admission;
        self
    }

    /// Parses `name`, `name:k=v,k=v`, and either followed by `+admission[:k=v,...]`. Errors list
    /// the valid names or parameters.
    ///
    /// A policy name may hold a `+` itself (`clock2q+`): the admission starts at the first `+`
    /// whose left part is a policy (`clock2q++bloom`).
    pub fn parse(spec: &str) -> Result<PolicySpec, String> {
        for (i, _) in spec.match_indices('+') {
            let Ok(p) = PolicySpec::parse_plain(&spec[..i]) else {
                continue;
            };
            let adm = &spec[i + 1..];
            if adm.contains('+') {
                return Err(format!(
                    "`{spec}`: one admission policy per cache (policy+admission, e.g. lru+bloom)"
                ));
            }
            let a = admission::AdmissionSpec::parse(adm)?;
            return Ok(p.with_admission(Some(a)));
        }
        PolicySpec::parse_plain(spec)
    }

    /// Parses `name` or `name:k=v,k=v`, without an admission.
    fn parse_plain(spec: &str) -> Result<PolicySpec, String> {
        let (name, rest) = match spec.split_once(':') {
            Some((n, r)) => (n, Some(r)),
            None => (spec, None),
        };
        let info = lookup(name).ok_or_else(|| {
            format!(
                "unknown policy `{}`; valid policies: {} (see `cachesim policies`)",
                name.trim(),
                REGISTRY.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            )
        })?;
        let spec = PolicySpec {
            info,
            params: Params::parse("policy", info.name, info.params, rest)?,
            admission: None,
        };
        // Check parameter values now, so a bad value fails before any work starts.
        spec.build(&BuildCtx { capacity: 1, seed: 0 })?;
        Ok(spec)
    }

    /// Parses a comma-separated list such as `lru,clock:bits=2,s3fifo:small=0.1,threshold=2`:
    /// an item with `=` but no `:` continues the previous policy's parameters. `all` means every policy.
    pub fn parse_list(list: &str) -> Result<Vec<PolicySpec>, String> {
        let mut items: Vec<String> = Vec::new();
        for tok in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if tok.contains('=') && !tok.contains(':') {
                match items.last_mut() {
                    Some(last) => {
                        last.push(',');
                        last.push_str(tok);
                    }
                    None => return Err(format!("`{tok}` is a parameter with no policy before it")),
                }
            } else {
                items.push(tok.to_string());
            }
        }
        let mut out = Vec::new();
        for it in items {
            if it.eq_ignore_ascii_case("all") {
                for p in REGISTRY {
                    out.push(PolicySpec::parse(p.name)?);
                }
            } else {
                out.push(PolicySpec::parse(&it)?);
            }
        }
        if out.is_empty() {
            return Err("no policy given; name at least one, e.g. --policies lru,sieve".into());
        }
        Ok(out)
    }
}

/// Shared test helpers: hand-checked sequences and the invariants every policy must keep.
#[cfg(test)]
pub mod testkit {
    use super::*;

    /// Builds `name` (with optional params) at `capacity`.
    pub fn build(spec: &str, capacity: u64) -> Box<dyn Policy> {
        PolicySpec::parse(spec)
            .unwrap()
            .build(&BuildCtx { capacity, seed: 7 })
            .unwrap()
    }

    /// Replays unit-size keys and returns the hit/miss pattern as a string of 'H' and 'm'.
    pub fn pattern(p: &mut dyn Policy, keys: &[u64]) -> String {
        keys.iter()
            .enumerate()
            .map(|(i, &k)| {
                let mut r = Request::get(k, 1);
                r.time = i as u64;
                if p.access(&r) {
                    'H'
                } else {
                    'm'
                }
            })
            .collect()
    }

    /// Replays unit-size keys with next-access positions filled in (for Belady).
    pub fn with_future(keys: &[u64]) -> Vec<Request> {
        let mut reqs: Vec<Request> = keys.iter().map(|&k| Request::get(k, 1)).collect();
        for i in 0..reqs.len() {
            reqs[i].time = i as u64;
            reqs[i].next_access = (i + 1..reqs.len())
                .find(|&j| reqs[j].key == reqs[i].key)
                .map(|j| j as u64 + 1)
                .unwrap_or(crate::model::request::NEVER);
        }
        reqs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(PolicySpec::parse("LRU").unwrap().info.name, "lru");
        assert_eq!(PolicySpec::parse("opt").unwrap().info.name, "belady");
        assert_eq!(PolicySpec::parse("Clock:bits=2").unwrap().label(), "clock:bits=2");
        let e = PolicySpec::parse("lur").unwrap_err();
        assert!(e.contains("unknown policy `lur`") && e.contains("sieve"), "{e}");
        let e = PolicySpec::parse("clock:bit=2").unwrap_err();
        assert!(e.contains("unknown parameter `bit`") && e.contains("bits"), "{e}");
        let e = PolicySpec::parse("clock:bits=0").unwrap_err();
        assert!(e.contains("bits=0"), "{e}");
        let l = PolicySpec::parse_list("lru,clock:bits=2,sieve").unwrap();
        assert_eq!(
            l.iter().map(|s| s.label()).collect::<Vec<_>>(),
            vec!["lru", "clock:bits=2", "sieve"]
        );
        assert_eq!(PolicySpec::parse_list("all").unwrap().len(), REGISTRY.len());
    }

    #[test]
    fn capabilities_name_the_policies_that_have_them() {
        let with =
            |f: fn(&Caps) -> bool| -> Vec<&str> { REGISTRY.iter().filter(|p| f(&p.caps)).map(|p| p.name).collect() };
        assert_eq!(with(|c| c.needs_future), ["belady", "belady-size"]);
        assert_eq!(with(|c| c.exact_stack_curve), ["lru"]);
        let mut clock = with(|c| c.reads_clock);
        clock.sort_unstable();
        assert_eq!(clock, ["redis-lfu", "redis-lru", "ttl"]);
        assert_eq!(info("lru").map(|p| p.name), Some("lru"));
        assert!(info("no-such-policy").is_none());
    }

    #[test]
    fn registry_names_unique() {
        let mut names: Vec<&str> = REGISTRY
            .iter()
            .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()))
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(n, names.len());
    }
}
