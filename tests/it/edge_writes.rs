//! Issue 12, item 9: in plain replay a write that hits sets the object: its TTL restarts from the
//! write's time, its size becomes the write's. A read hit renews nothing. Checked by hand-worked
//! sequences for every policy in the registry.

use cachesim::model::request::{Op, Request, NANOS_PER_SEC};
use cachesim::policy::{BuildCtx, PolicySpec, REGISTRY};

fn req(t_secs: u64, key: u64, size: u64, op: Op, ttl_secs: u64) -> Request {
    Request {
        time: t_secs * NANOS_PER_SEC,
        key,
        size,
        op,
        ttl: ttl_secs * NANOS_PER_SEC,
        next_access: cachesim::model::request::NEVER,
        absent: false,
        instance: 0,
    }
}

/// Every registry policy with its default parameters, in a cache of `capacity`.
fn policies(capacity: u64) -> Vec<(String, Box<dyn cachesim::policy::Policy>)> {
    REGISTRY
        .iter()
        .map(|info| {
            let spec = PolicySpec::parse(info.name).unwrap();
            (
                info.name.to_string(),
                spec.build(&BuildCtx { capacity, seed: 1 }).unwrap(),
            )
        })
        .collect()
}

/// Replays `reqs` through the policy (filling in next accesses for the oracle) and returns the hits.
fn hits(p: &mut dyn cachesim::policy::Policy, reqs: &mut [Request]) -> Vec<bool> {
    let mut next = std::collections::HashMap::new();
    for i in (0..reqs.len()).rev() {
        reqs[i].next_access = next
            .insert(reqs[i].key, i as u64 + 1)
            .unwrap_or(cachesim::model::request::NEVER);
    }
    reqs.iter().map(|r| p.access(r)).collect()
}

#[test]
fn a_write_hit_restarts_the_ttl_a_read_hit_does_not() {
    for (name, mut p) in policies(1000) {
        // Written at 0 with a 10 s TTL, written again at 8 s (a hit: expiry now 18 s), read at
        // 15 s: a hit. Before, the second write kept the first expiry (10 s) and 15 s missed.
        let mut w = vec![
            req(0, 1, 10, Op::Write, 10),
            req(8, 1, 10, Op::Write, 10),
            req(15, 1, 10, Op::Read, 10),
        ];
        assert_eq!(
            hits(p.as_mut(), &mut w),
            [false, true, true],
            "{name}: write at 8 s renews the TTL"
        );
        assert_eq!(p.counters().expirations, 0, "{name}");
    }
    for (name, mut p) in policies(1000) {
        // The same with a read at 8 s: the object still expires at 10 s, so 15 s misses.
        let mut r = vec![
            req(0, 1, 10, Op::Write, 10),
            req(8, 1, 10, Op::Read, 10),
            req(15, 1, 10, Op::Read, 10),
        ];
        assert_eq!(
            hits(p.as_mut(), &mut r),
            [false, true, false],
            "{name}: a read does not renew"
        );
        assert_eq!(p.counters().expirations, 1, "{name}");
    }
    for (name, mut p) in policies(1000) {
        // A write without a TTL clears it: the object then never expires.
        let mut c = vec![
            req(0, 1, 10, Op::Write, 10),
            req(8, 1, 10, Op::Write, 0),
            req(1000, 1, 10, Op::Read, 0),
        ];
        assert_eq!(
            hits(p.as_mut(), &mut c),
            [false, true, true],
            "{name}: a write without TTL clears it"
        );
    }
}

#[test]
fn a_write_hit_sets_the_new_size() {
    for (name, mut p) in policies(100) {
        // Key 1 grows from 10 to 95 bytes by a write; key 2 (10 bytes) then no longer fits beside
        // it, so inserting 2 evicts 1 (the only other object) and reading 1 misses. Before, the
        // policy kept 10 bytes for key 1, and both fit.
        let mut s = [
            req(0, 1, 10, Op::Write, 0),
            req(1, 1, 95, Op::Write, 0),
            req(2, 2, 10, Op::Read, 0),
            req(3, 1, 95, Op::Read, 0),
        ];
        let cached_first = {
            let mut first = s[..1].to_vec();
            hits(p.as_mut(), &mut first);
            p.contains(1)
        };
        let h = hits(p.as_mut(), &mut s[1..]);
        // (LIRS keeps a new object of 10 bytes out of a 100-byte cache's 1-byte HIR segment.)
        assert_eq!(
            h[0], cached_first,
            "{name}: the resizing write hits iff the object was cached"
        );
        assert!(p.used() <= 100, "{name}: {} bytes used in a 100-byte cache", p.used());
        assert!(
            !(p.contains(1) && p.contains(2)),
            "{name}: 95 + 10 bytes cannot both be cached"
        );
        // A write that grows the object past the cache drops it.
        let mut big = vec![req(10, 3, 10, Op::Write, 0), req(11, 3, 101, Op::Write, 0)];
        hits(p.as_mut(), &mut big);
        assert!(!p.contains(3), "{name}: 101 bytes do not fit in 100");
    }
}
