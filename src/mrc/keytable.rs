//! The live objects of the curve: an open-addressing (linear probing) table from key to
//! [`Entry`], with the key and its entry in one 32-byte slot.
//!
//! Why not `hashbrown`: the one-pass curve is memory-bound, and on a million-object trace every
//! lookup is a cache miss. One slot per key means one miss instead of two (control bytes, then the
//! bucket), and [`KeyTable::prefetch`] lets the caller start the miss a few requests ahead.

use super::Entry;

/// What a table may hold: a small plain value (the curve's [`Entry`], `cachesim analyze`'s per-key
/// statistics).
pub(crate) trait Value: Copy + Default {}
impl<T: Copy + Default> Value for T {}

/// Marks an empty slot; the real key `u64::MAX` lives in `max_key`.
const EMPTY: u64 = u64::MAX;

#[derive(Clone, Copy, Debug)]
struct Slot<E> {
    key: u64,
    entry: E,
}

/// Key -> entry, linear probing, at most three quarters full, backward-shift deletion.
pub(crate) struct KeyTable<E: Value = Entry> {
    slots: Vec<Slot<E>>,
    mask: usize,
    shift: u32,
    len: usize,
    max_key: Option<E>,
}

impl<E: Value> Default for KeyTable<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Value> KeyTable<E> {
    /// An empty table.
    pub fn new() -> Self {
        let mut t = KeyTable {
            slots: Vec::new(),
            mask: 0,
            shift: 0,
            len: 0,
            max_key: None,
        };
        t.alloc(1 << 10);
        t
    }

    fn alloc(&mut self, n: usize) {
        let empty = Slot {
            key: EMPTY,
            entry: E::default(),
        };
        self.slots = vec![empty; n];
        self.mask = n - 1;
        self.shift = 64 - n.trailing_zeros();
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        // murmur3's finalizer: keys that are themselves multiplicative hashes still spread.
        let mut h = key ^ (key >> 33);
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        (h >> self.shift) as usize
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len + self.max_key.is_some() as usize
    }

    /// Starts loading the slot where `key` would be.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let p = self.slots.as_ptr().wrapping_add(self.home(key)) as *const i8;
            // SAFETY: prefetching is a hint; it never faults, even on an invalid address.
            #[allow(unsafe_code)]
            unsafe {
                std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0)
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// The entry of `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<&E> {
        if key == EMPTY {
            return self.max_key.as_ref();
        }
        let mut i = self.home(key);
        loop {
            let s = &self.slots[i];
            if s.key == key {
                return Some(&s.entry);
            }
            if s.key == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The entry of `key`, mutably.
    #[inline]
    pub fn get_mut(&mut self, key: u64) -> Option<&mut E> {
        if key == EMPTY {
            return self.max_key.as_mut();
        }
        let mut i = self.home(key);
        loop {
            if self.slots[i].key == key {
                return Some(&mut self.slots[i].entry);
            }
            if self.slots[i].key == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Inserts `key`, which must not be present.
    pub fn insert(&mut self, key: u64, entry: E) {
        if key == EMPTY {
            self.max_key = Some(entry);
            return;
        }
        if 4 * (self.len + 1) > 3 * self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.alloc(old.len() * 2);
            for s in old.into_iter().filter(|s| s.key != EMPTY) {
                self.put(s);
            }
        }
        self.put(Slot { key, entry });
        self.len += 1;
    }

    fn put(&mut self, s: Slot<E>) {
        let mut i = self.home(s.key);
        while self.slots[i].key != EMPTY {
            i = (i + 1) & self.mask;
        }
        self.slots[i] = s;
    }

    /// Removes `key` and returns its entry.
    pub fn remove(&mut self, key: u64) -> Option<E> {
        if key == EMPTY {
            return self.max_key.take();
        }
        let mut i = self.home(key);
        loop {
            if self.slots[i].key == key {
                break;
            }
            if self.slots[i].key == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
        let entry = self.slots[i].entry;
        self.len -= 1;
        // Backward shift: move later members of the probe run into the hole when their home allows.
        let mut hole = i;
        let mut j = (i + 1) & self.mask;
        loop {
            let k = self.slots[j].key;
            if k == EMPTY {
                break;
            }
            let h = self.home(k);
            // Movable iff `h` is not cyclically in (hole, j].
            if (j.wrapping_sub(h) & self.mask) >= (j.wrapping_sub(hole) & self.mask) {
                self.slots[hole] = self.slots[j];
                hole = j;
            }
            j = (j + 1) & self.mask;
        }
        self.slots[hole].key = EMPTY;
        Some(entry)
    }

    /// Every (key, entry).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &E)> {
        self.slots
            .iter()
            .filter(|s| s.key != EMPTY)
            .map(|s| (s.key, &s.entry))
            .chain(self.max_key.iter().map(|e| (EMPTY, e)))
    }

    /// Every entry, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut E> {
        self.slots
            .iter_mut()
            .filter(|s| s.key != EMPTY)
            .map(|s| &mut s.entry)
            .chain(self.max_key.iter_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hashmap() {
        let mut t: KeyTable = KeyTable::new();
        let mut m = std::collections::HashMap::new();
        let mut x: u64 = 1;
        for step in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = if step % 97 == 0 { u64::MAX } else { x % 3000 };
            let e = Entry {
                pos: step as u32,
                ..Entry::default()
            };
            if x.is_multiple_of(3) {
                assert_eq!(t.remove(key).map(|e| e.pos), m.remove(&key), "step {step}");
            } else if t.get(key).is_some() {
                t.get_mut(key).unwrap().pos = e.pos;
                m.insert(key, e.pos);
            } else {
                assert!(!m.contains_key(&key));
                t.insert(key, e);
                m.insert(key, e.pos);
            }
            assert_eq!(t.len(), m.len());
        }
        for (k, v) in &m {
            assert_eq!(t.get(*k).map(|e| e.pos), Some(*v));
        }
    }
}
