//! The exact LRU curve at many sizes (issue 12, item 15): every point equals a separate `lru`
//! replay at that size, on traces that stay on the range-recording path (reads and writes, object
//! sizes over many size classes) and on traces that hand over to the per-size engine midway (a
//! delete or a TTL appears).

use cachesim::model::request::{Op, Request, NEVER};
use cachesim::model::result::SizeUnit;
use cachesim::mrc::LruMrc;
use cachesim::policy::{BuildCtx, PolicySpec};
use cachesim::replay::replay_slice;
use proptest::prelude::*;

fn replay(reqs: &[Request], sizes: &[u64]) -> Vec<(u64, u64, u64, u64)> {
    let lru = PolicySpec::parse("lru").unwrap();
    sizes
        .iter()
        .map(|&c| {
            let s = replay_slice(&lru, &BuildCtx { capacity: c, seed: 0 }, reqs);
            (s.requests, s.misses, s.bytes, s.miss_bytes)
        })
        .collect()
}

fn curve(reqs: &[Request], sizes: &[u64], unit: SizeUnit) -> (Vec<(u64, u64, u64, u64)>, bool) {
    let mut m = LruMrc::new(sizes, unit);
    for chunk in reqs.chunks(41) {
        m.feed(chunk).unwrap();
    }
    let p = m
        .points()
        .iter()
        .map(|p| (p.requests, p.misses, p.bytes_requested, p.bytes_missed))
        .collect();
    (p, m.per_size())
}

/// Every size 0..=400, then a few large ones.
fn many_sizes() -> Vec<u64> {
    let mut v: Vec<u64> = (0..=400).collect();
    v.extend([401, 512, 999, 1000, 4096, 10_000, 1 << 20]);
    v
}

fn req(key: u64, size: u64, time: u64, op: Op, ttl: u64) -> Request {
    Request {
        time,
        key,
        size,
        op,
        ttl,
        next_access: NEVER,
        absent: false,
        instance: 0,
    }
}

/// Sizes fixed per key, drawn from 1..=600 (ten size classes, objects above and below many sizes).
fn plain_trace() -> impl Strategy<Value = Vec<Request>> {
    (
        prop::collection::vec(prop_oneof![1u32..8, 8u32..64, 64u32..600], 30),
        prop::collection::vec((0u64..30, any::<bool>()), 1..400),
    )
        .prop_map(|(key_sizes, v)| {
            v.into_iter()
                .enumerate()
                .map(|(i, (k, w))| {
                    req(
                        k,
                        key_sizes[k as usize] as u64,
                        i as u64,
                        if w { Op::Write } else { Op::Read },
                        0,
                    )
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn range_path_equals_replay(reqs in plain_trace()) {
        let sizes = many_sizes();
        let (got, per_size) = curve(&reqs, &sizes, SizeUnit::Bytes);
        prop_assert!(!per_size);
        prop_assert_eq!(got, replay(&reqs, &sizes));
    }

    #[test]
    fn handover_midway_equals_replay(reqs in plain_trace(), cut in 0usize..400, del in 0u64..30, ttl in 1u64..50) {
        let mut reqs = reqs;
        let cut = cut.min(reqs.len());
        // From `cut` on: a delete of a key seen before, then TTLs on every third request.
        let key = reqs[..cut].first().map_or(del, |r| r.key);
        reqs.insert(cut, req(key, 1, cut as u64, Op::Delete, 0));
        for (i, r) in reqs.iter_mut().enumerate().skip(cut + 1) {
            r.time = i as u64;
            if i % 3 == 0 {
                r.ttl = ttl;
            }
        }
        let sizes = many_sizes();
        let (got, _) = curve(&reqs, &sizes, SizeUnit::Bytes);
        prop_assert_eq!(got, replay(&reqs, &sizes));
    }
}

/// 2,000 sizes on a 100k-request trace: the points at every 40th size equal a replay, and with
/// object sizes (where LRU's stack property holds) the curve never rises.
#[test]
fn two_thousand_sizes() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let reqs: Vec<Request> = (0..100_000u64)
        .map(|i| {
            // Skewed keys (the minimum of two uniform draws), size a function of the key.
            let k = (rnd() % 20_000).min(rnd() % 20_000);
            let size = 1 + (k.wrapping_mul(2_654_435_761) % 3000) as u32 * (1 + (k % 7 == 0) as u32 * 50);
            req(k, size as u64, i, Op::Read, 0)
        })
        .collect();
    let sizes: Vec<u64> = (1..=2000u64).map(|i| i * i * 7).collect();
    let sample: Vec<u64> = sizes.iter().copied().step_by(40).collect();
    let (got, per_size) = curve(&reqs, &sizes, SizeUnit::Bytes);
    assert!(!per_size);
    let want = replay(&reqs, &sample);
    for (j, w) in want.iter().enumerate() {
        assert_eq!(&got[j * 40], w, "size {}", sample[j]);
    }
    let unit: Vec<Request> = reqs.iter().map(|r| Request { size: 1, ..*r }).collect();
    let obj_sizes: Vec<u64> = (0..2000u64).map(|i| i * 11).collect();
    let (got, _) = curve(&unit, &obj_sizes, SizeUnit::Objects);
    assert!(got.windows(2).all(|w| w[1].1 <= w[0].1), "object-size curve rises");
    let obj_sample: Vec<u64> = obj_sizes.iter().copied().step_by(40).collect();
    let want = replay(&unit, &obj_sample);
    for (j, w) in want.iter().enumerate() {
        assert_eq!(&got[j * 40], w, "object size {}", obj_sample[j]);
    }
}
