//! Hand-checked sequences for the cases where a plain stack-distance curve would be wrong.

use super::*;
use crate::policy::lru::Lru;
use crate::policy::Policy;

fn req(key: u64, size: u64, time: u64, ttl: u64) -> Request {
    Request {
        time,
        key,
        size,
        op: Op::Read,
        ttl,
        next_access: crate::model::request::NEVER,
        absent: false,
        instance: 0,
    }
}

fn del(key: u64) -> Request {
    Request {
        op: Op::Delete,
        ..req(key, 1, 0, 0)
    }
}

/// Misses of `lru` replayed at each size.
fn lru_misses(reqs: &[Request], sizes: &[u64]) -> Vec<(u64, u64)> {
    sizes
        .iter()
        .map(|&c| {
            let mut p = Lru::new(c);
            let mut st = crate::model::result::ReplayStats::default();
            p.replay(reqs, &mut st);
            (st.misses, st.miss_bytes)
        })
        .collect()
}

fn mrc_misses(reqs: &[Request], sizes: &[u64], unit: SizeUnit) -> Vec<(u64, u64)> {
    let mut m = LruMrc::new(sizes, unit);
    m.feed(reqs).unwrap();
    m.points().iter().map(|p| (p.misses, p.bytes_missed)).collect()
}

#[test]
fn unit_sizes_match_lru() {
    let keys = [1u64, 2, 3, 1, 4, 2, 1, 5, 3, 3, 2, 1, 4, 5, 1];
    let reqs: Vec<Request> = keys.iter().enumerate().map(|(i, &k)| req(k, 1, i as u64, 0)).collect();
    let sizes = [0, 1, 2, 3, 4, 5, 10];
    assert_eq!(mrc_misses(&reqs, &sizes, SizeUnit::Objects), lru_misses(&reqs, &sizes));
}

/// A delete frees space but does not bring back what LRU evicted: Z (evicted by A) must miss even
/// though Z and A together fit once X is gone.
#[test]
fn delete_leaves_slack() {
    let reqs = [
        req(3, 3, 0, 0),
        req(4, 5, 1, 0),
        req(1, 5, 2, 0),
        del(4),
        req(3, 3, 3, 0),
    ];
    let sizes = [10];
    assert_eq!(lru_misses(&reqs, &sizes), vec![(4, 16)]);
    assert_eq!(mrc_misses(&reqs, &sizes, SizeUnit::Bytes), lru_misses(&reqs, &sizes));
}

/// A hit does not renew the expiry: X re-inserted at size 1 outlives X kept since t=0 at size 3.
#[test]
fn expiry_differs_by_size() {
    let reqs = [
        req(9, 1, 0, 100),
        req(2, 1, 10, 0),
        req(3, 1, 20, 0),
        req(9, 1, 30, 100),
        req(9, 1, 110, 100),
    ];
    let sizes = [1, 3];
    let want = lru_misses(&reqs, &sizes);
    assert_eq!(want, vec![(4, 4), (4, 4)]);
    assert_eq!(mrc_misses(&reqs, &sizes, SizeUnit::Objects), want);
}

/// Objects larger than a size never occupy its stack: the 15-byte object does not push the small
/// one out at size 10 (it is never cached there), but does at size 15.
#[test]
fn oversized_objects_skip_small_caches() {
    let reqs = [req(1, 1, 0, 0), req(2, 15, 1, 0), req(1, 1, 2, 0)];
    let sizes = [10, 15, 16];
    let want = lru_misses(&reqs, &sizes);
    assert_eq!(want.iter().map(|w| w.0).collect::<Vec<_>>(), vec![2, 3, 2]);
    assert_eq!(mrc_misses(&reqs, &sizes, SizeUnit::Bytes), want);
}

#[test]
fn size_change_while_cached_is_an_error() {
    let mut m = LruMrc::new(&[100], SizeUnit::Bytes);
    let e = m.feed(&[req(1, 10, 0, 0), req(1, 20, 1, 0)]).unwrap_err();
    assert!(
        matches!(
            e,
            MrcError::SizeChanged {
                key: 1,
                old: 10,
                new: 20,
                request: 2
            }
        ),
        "{e}"
    );
    // A size change of an object cached nowhere is exact.
    let reqs = [req(1, 10, 0, 0), req(2, 8, 1, 0), req(1, 5, 2, 0), req(1, 5, 3, 0)];
    assert_eq!(mrc_misses(&reqs, &[10], SizeUnit::Bytes), lru_misses(&reqs, &[10]));
}

#[test]
fn compaction_keeps_positions() {
    // Far more requests than the smallest timeline, few objects: compactions happen often.
    let reqs: Vec<Request> = (0..50_000u64)
        .map(|i| req((i * 7919) % 97 + (i % 3) * 1000, 1 + i % 5, i, 0))
        .collect();
    let mut reqs2 = reqs.clone();
    for (i, r) in reqs2.iter_mut().enumerate() {
        if i % 101 == 0 {
            r.op = Op::Delete;
        }
    }
    let sizes = [1, 5, 20, 50, 100, 400];
    // Sizes vary per request here, so use object sizes.
    for r in [&reqs, &reqs2] {
        let unit: Vec<Request> = r.iter().map(|q| Request { size: 1, ..*q }).collect();
        assert_eq!(mrc_misses(&unit, &sizes, SizeUnit::Objects), lru_misses(&unit, &sizes));
    }
}
