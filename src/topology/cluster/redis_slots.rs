//! Redis Cluster's placement: a key's slot is CRC16 (XMODEM) of the key mod 16384, and each node
//! serves a contiguous range of slots, split as `redis-cli --cluster create` splits them (3
//! nodes: 0-5460, 5461-10922, 10923-16383). A key with a hash tag, a `{...}` with
//! at least one byte inside, hashes only the bytes inside the first one.
//!
//! Numeric keys (generated ids, trace ids) are hashed as their decimal digits, which is what
//! Redis hashes for a key written as that number. When a node fails, its slots are dealt in slot
//! order, round-robin, to the nodes that are up (a resharding, or a failover onto their
//! replicas); the other slots stay: only the failed node's keys move.

use super::Scheme;
use crc::{Crc, CRC_16_XMODEM};

/// Redis Cluster's slots.
pub const SLOTS: usize = 16384;

const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// The slot of a key given as bytes, with Redis's hash-tag rule.
pub fn key_slot(key: &[u8]) -> u16 {
    let tagged = key.iter().position(|&b| b == b'{').and_then(|open| {
        let rest = &key[open + 1..];
        let close = rest.iter().position(|&b| b == b'}')?;
        (close > 0).then(|| &rest[..close])
    });
    CRC16.checksum(tagged.unwrap_or(key)) & (SLOTS as u16 - 1)
}

/// The slot of a numeric key: that of its decimal digits.
#[inline]
pub fn id_slot(key: u64) -> u16 {
    let mut buf = itoa::Buffer::new();
    CRC16.checksum(buf.format(key).as_bytes()) & (SLOTS as u16 - 1)
}

/// The node serving each slot.
pub struct RedisSlots {
    owner: Vec<u32>,
}

impl Scheme for RedisSlots {
    fn build(up: &[bool]) -> Self {
        let n = up.len();
        let mut owner = vec![0u32; SLOTS];
        // redis-cli's allocation: ranges of 16384 / n slots, their ends rounded.
        let per = SLOTS as f64 / n as f64;
        let (mut first, mut cursor) = (0usize, 0.0f64);
        for node in 0..n {
            let mut last = (cursor + per - 1.0).round() as usize;
            if last >= SLOTS || node == n - 1 {
                last = SLOTS - 1;
            }
            last = last.max(first);
            for o in owner.iter_mut().take(last + 1).skip(first) {
                *o = node as u32;
            }
            first = last + 1;
            cursor += per;
        }
        let live: Vec<u32> = (0..n as u32).filter(|&i| up[i as usize]).collect();
        let mut next = 0;
        for o in owner.iter_mut() {
            if !up[*o as usize] {
                *o = live[next % live.len()];
                next += 1;
            }
        }
        RedisSlots { owner }
    }

    #[inline]
    fn node_of(&self, key: u64) -> u32 {
        self.owner[id_slot(key) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_redis_clusters() {
        // CRC16/XMODEM's check value, and slots `CLUSTER KEYSLOT` gives (Redis's cluster
        // tutorial: foo 12182, hello 866; bar 5061).
        assert_eq!(CRC16.checksum(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"hello"), 866);
        assert_eq!(key_slot(b"bar"), 5061);
        // Hash tags: only the first {...} with something inside counts.
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"{user1000}.followers"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"foo{}{bar}"), CRC16.checksum(b"foo{}{bar}") & 16383);
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
        // A numeric id is its decimal digits.
        assert_eq!(id_slot(123456789), key_slot(b"123456789"));
        assert_eq!(id_slot(0), key_slot(b"0"));
        assert_eq!(id_slot(u64::MAX), key_slot(b"18446744073709551615"));
    }

    #[test]
    fn nodes_hold_contiguous_ranges() {
        let r = RedisSlots::build(&[true; 3]);
        // redis-cli --cluster create with 3 masters: 0-5460, 5461-10922, 10923-16383.
        assert_eq!(r.owner[5460], 0);
        assert_eq!(r.owner[5461], 1);
        assert_eq!(r.owner[10922], 1);
        assert_eq!(r.owner[10923], 2);
        assert_eq!(r.owner[16383], 2);
        // Every node holds slots, in order, for any node count up to one slot each.
        for n in [1usize, 2, 7, 1000, SLOTS] {
            let o = RedisSlots::build(&vec![true; n]).owner;
            assert!(o.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1), "{n}");
            assert_eq!((o[0], o[SLOTS - 1]), (0, n as u32 - 1), "{n}");
        }
        // Node 1 down: its slots alternate between 0 and 2; the others stay.
        let d = RedisSlots::build(&[true, false, true]);
        assert_eq!((d.owner[5461], d.owner[5462], d.owner[5463]), (0, 2, 0));
        assert_eq!((d.owner[0], d.owner[16383]), (0, 2));
    }
}
