//! Property tests over random traces, for every policy in the registry: hits + misses = requests,
//! the used capacity never exceeds the limit, a hit only for a present object (and, without TTLs,
//! every present object hits), and with unit sizes Belady has no more misses than any policy.

use cachesim::model::request::{Op, Request, NEVER};
use cachesim::policy::{BuildCtx, PolicySpec, REGISTRY};
use proptest::prelude::*;

fn with_future(mut reqs: Vec<Request>) -> Vec<Request> {
    let mut next = std::collections::HashMap::new();
    for i in (0..reqs.len()).rev() {
        reqs[i].next_access = next.insert(reqs[i].key, i as u64 + 1).unwrap_or(NEVER);
    }
    reqs
}

fn trace_strategy(unit: bool) -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec((0u64..40, 1u32..20, 0u8..20), 1..400).prop_map(move |v| {
        let reqs = v
            .into_iter()
            .enumerate()
            .map(|(i, (k, s, o))| Request {
                time: i as u64 * 1_000,
                key: k,
                // Sizes depend on the key only, as in oracleGeneral traces.
                size: if unit { 1 } else { (k * 7 + s as u64 % 2) % 13 + 1 },
                op: if o == 0 { Op::Delete } else { Op::Read },
                ttl: 0,
                next_access: NEVER,
                absent: false,
                instance: 0,
            })
            .collect();
        with_future(reqs)
    })
}

fn check_invariants(spec: &PolicySpec, capacity: u64, reqs: &[Request]) -> Result<u64, TestCaseError> {
    let mut p = spec.build(&BuildCtx { capacity, seed: 1 }).unwrap();
    p.record_evictions(true);
    // A model of the cached keys, kept from the eviction log alone: it must agree with contains().
    let mut model: std::collections::BTreeSet<u64> = Default::default();
    let mut evicted = Vec::new();
    let mut logged = 0u64;
    let (mut hits, mut misses, mut requests) = (0u64, 0u64, 0u64);
    for r in reqs {
        if r.op == Op::Delete {
            p.remove(r.key);
            model.remove(&r.key);
            prop_assert!(p.used() <= capacity);
            prop_assert!(
                !p.contains(r.key),
                "{} still holds {} after a delete",
                spec.label(),
                r.key
            );
            continue;
        }
        let present = p.contains(r.key);
        let hit = p.access(r);
        requests += 1;
        if hit {
            hits += 1;
        } else {
            misses += 1;
        }
        prop_assert_eq!(
            hit,
            present,
            "{}: hit={} but present={} for key {}",
            spec.label(),
            hit,
            present,
            r.key
        );
        prop_assert!(
            p.used() <= capacity,
            "{}: used {} > capacity {}",
            spec.label(),
            p.used(),
            capacity
        );
        evicted.clear();
        p.drain_evicted(&mut evicted);
        logged += evicted.len() as u64;
        for k in &evicted {
            // GDSF may insert the newcomer and then evict it in the same step.
            prop_assert!(
                model.remove(k) || *k == r.key,
                "{}: evicted {} which was not cached",
                spec.label(),
                k
            );
        }
        if p.contains(r.key) {
            model.insert(r.key);
        }
        let actual: std::collections::BTreeSet<u64> = model.iter().copied().filter(|k| p.contains(*k)).collect();
        prop_assert_eq!(&actual, &model, "{}: the eviction log missed a removal", spec.label());
        prop_assert_eq!(
            model.len(),
            p.len(),
            "{}: len() disagrees with the cached keys",
            spec.label()
        );
    }
    prop_assert_eq!(
        p.counters().evictions,
        logged,
        "{}: eviction count and log disagree",
        spec.label()
    );
    prop_assert_eq!(hits + misses, requests);
    Ok(misses)
}

/// Whether the policy ever leaves a missed object uncached while replaying `reqs` (an admission
/// decision, such as GDSF evicting a newcomer whose priority is the lowest). Belady is optimal only
/// among policies that cache every missed object.
fn declines_some_miss(spec: &PolicySpec, capacity: u64, reqs: &[Request]) -> bool {
    let mut p = spec.build(&BuildCtx { capacity, seed: 1 }).unwrap();
    reqs.iter().any(|r| !p.access(r) && !p.contains(r.key))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariants_with_sizes(reqs in trace_strategy(false), cap in 1u64..120) {
        for info in REGISTRY {
            let spec = PolicySpec::parse(info.name).unwrap();
            check_invariants(&spec, cap, &reqs)?;
        }
    }

    #[test]
    fn belady_is_optimal_with_unit_sizes(reqs in trace_strategy(true), cap in 1u64..30) {
        // Deletes would let others benefit from knowledge Belady ignores; keep reads only.
        let reqs: Vec<Request> = with_future(reqs.into_iter().filter(|r| r.op != Op::Delete).collect());
        let opt = check_invariants(&PolicySpec::parse("belady").unwrap(), cap, &reqs)?;
        for info in REGISTRY {
            let spec = PolicySpec::parse(info.name).unwrap();
            let m = check_invariants(&spec, cap, &reqs)?;
            if declines_some_miss(&spec, cap, &reqs) {
                continue;
            }
            prop_assert!(opt <= m, "belady {} misses > {} {} misses at capacity {}", opt, spec.label(), m, cap);
        }
    }
}
