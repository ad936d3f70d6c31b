//! The resident container: lookup, TTL expiry, oversize refusal, evict-until-fits, occupancy and
//! counters written once, for every policy whose state is an order over the cached objects (no
//! ghost entries). Such a policy implements [`Ordering`] (what a hit, an insert and a removal do to
//! the order, and which object goes next) and is registered as [`Resident<ItsOrdering>`].
//!
//! Policies that remember evicted keys (ghosts) in the same table decide more than an order, so
//! they implement [`TablePolicy`] (lookup, insert, remove, membership) and run in a [`Keeper`],
//! which writes the rest of [`Policy`] (counters, in-place writes, prefetching) once for them.
//!
//! The generic code is monomorphised per ordering, so the container costs nothing over a
//! hand-written policy: `cargo bench --bench replay` and `scripts/bench-native.sh` measure it.

use super::table::{Found, Node, Stage, Table, NIL};
use super::tally::Tally;
use super::MissGuard;
use crate::model::request::Request;
use crate::policy::Policy;

/// The object table and the tally, which an [`Ordering`] reads and changes.
pub struct Store<M> {
    /// Every cached object, with the ordering's metadata in `meta`.
    pub table: Table<M>,
    /// Capacity, occupancy and counters.
    pub tally: Tally,
    /// Checks the get -> insert contract (debug builds).
    guard: MissGuard,
}

impl<M: Copy + Default> Store<M> {
    /// Nothing cached, room for `capacity`.
    pub fn new(capacity: u64) -> Self {
        Store {
            table: Table::new(),
            tally: Tally::new(capacity),
            guard: MissGuard::default(),
        }
    }

    /// Takes `slot` out of the table; returns its size.
    #[inline]
    fn free(&mut self, slot: u32) -> u64 {
        let size = self.table.node(slot).size;
        self.table.remove(slot);
        size
    }

    /// Frees the node in `slot`, already out of the ordering's structures, and counts an eviction.
    #[inline]
    pub fn evict(&mut self, slot: u32) {
        let key = self.table.node(slot).key;
        let size = self.free(slot);
        self.tally.evicted(key, size);
    }
}

/// What an order-only policy decides: how hits and inserts change the order, which object is
/// evicted next. Every method that receives a slot receives a live (present, unexpired) object's.
pub trait Ordering: Send + 'static {
    /// Per-object metadata kept in the table's node (a new node starts with the default).
    type Meta: Copy + Default + Send;

    /// When true a new object joins the order before the evictions that make room for it, so it
    /// may be its own victim (GDSF); otherwise room is made first.
    const ADMIT_FIRST: bool = false;

    /// Whether an object that fits in the capacity may enter at all (segment limits, admission).
    #[inline]
    fn admits(&self, req: &Request) -> bool {
        let _ = req;
        true
    }

    /// Called at the start of every lookup, hit or miss (request counters).
    #[inline]
    fn on_get(&mut self, req: &Request) {
        let _ = req;
    }

    /// A hit on `slot`. It may evict (through [`Store::evict`]), but not `slot`.
    fn hit(&mut self, s: &mut Store<Self::Meta>, slot: u32, req: &Request);

    /// The new object in `slot` (in the table, its meta the default) joins the order.
    fn admit(&mut self, s: &mut Store<Self::Meta>, slot: u32, req: &Request);

    /// `slot` leaves the order (an eviction, an expiry or a removal); the container then frees it.
    fn unlink(&mut self, s: &mut Store<Self::Meta>, slot: u32);

    /// The next victim, still in the order. `req` is the request being inserted.
    fn victim(&mut self, s: &mut Store<Self::Meta>, req: &Request) -> u32;

    /// Evicts at least one object. The default unlinks [`Ordering::victim`] and frees it, then
    /// starts loading the index bucket of [`Ordering::next_victim`] (whose node the unlink has
    /// just loaded, in a list) for the next eviction.
    #[inline]
    fn evict(&mut self, s: &mut Store<Self::Meta>, req: &Request) {
        let v = self.victim(s, req);
        self.unlink(s, v);
        s.evict(v);
        s.table.prefetch_remove(self.next_victim());
    }

    /// The object that would be evicted next, when known without work (a list's tail); [`NIL`]
    /// otherwise. Only a prefetch hint.
    #[inline]
    fn next_victim(&self) -> u32 {
        NIL
    }

    /// Whether a write that hit `node` can change its expiry in place, keeping its place in the
    /// order; otherwise it is re-inserted. The default: when its size is unchanged.
    #[inline]
    fn keeps_place(&self, node: &Node<Self::Meta>, req: &Request) -> bool {
        node.size == req.size
    }

    /// A hint that `key` will be looked up soon, for structures besides the table (a sketch).
    #[inline]
    fn prefetch(&self, key: u64) {
        let _ = key;
    }
}

/// A cache of resident objects ordered by `O`.
pub struct Resident<O: Ordering> {
    s: Store<O::Meta>,
    order: O,
}

impl<O: Ordering> Resident<O> {
    /// An empty cache of `capacity` ordered by `order`.
    pub fn with_order(capacity: u64, order: O) -> Self {
        Resident {
            s: Store::new(capacity),
            order,
        }
    }

    /// The ordering (for tests and inspection).
    pub fn order(&self) -> &O {
        &self.order
    }

    /// The ordering, mutably (for tests that set up a state).
    #[cfg(test)]
    pub fn order_mut(&mut self) -> &mut O {
        &mut self.order
    }

    /// The table and tally (for tests and inspection).
    pub fn store(&self) -> &Store<O::Meta> {
        &self.s
    }

    /// Takes `slot` out of the order and the table; returns its size.
    #[inline]
    fn drop_slot(&mut self, slot: u32) -> u64 {
        self.order.unlink(&mut self.s, slot);
        self.s.free(slot)
    }
}

impl<O: Ordering> Policy for Resident<O> {
    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        self.order.on_get(req);
        match self.s.table.lookup(req.key, req.time) {
            Found::Hit(slot) => {
                self.order.hit(&mut self.s, slot, req);
                true
            }
            Found::Expired(slot) => {
                let size = self.drop_slot(slot);
                self.s.tally.expired(size);
                false
            }
            Found::Miss => false,
        }
    }

    #[inline]
    fn insert(&mut self, req: &Request) {
        debug_assert!(
            self.s.table.find(req.key).is_none(),
            "insert of a cached key {}",
            req.key
        );
        let size = req.size;
        if size > self.s.tally.capacity() || !self.order.admits(req) {
            return;
        }
        if O::ADMIT_FIRST {
            let slot = self.s.table.insert(req.key, size, req.expiry(), O::Meta::default());
            self.s.tally.added_over(size);
            self.order.admit(&mut self.s, slot, req);
            while self.s.tally.used() > self.s.tally.capacity() {
                self.order.evict(&mut self.s, req);
            }
            self.s.tally.settle();
        } else {
            while self.s.tally.over(size) {
                self.order.evict(&mut self.s, req);
            }
            let slot = self.s.table.insert(req.key, size, req.expiry(), O::Meta::default());
            self.s.tally.added(size);
            self.order.admit(&mut self.s, slot, req);
        }
    }

    fn remove(&mut self, key: u64) -> bool {
        match self.s.table.find(key) {
            Some(slot) => {
                let size = self.drop_slot(slot);
                self.s.tally.removed(size);
                true
            }
            None => false,
        }
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.s.table.find(key).is_some()
    }

    #[inline]
    fn tally(&self) -> &Tally {
        &self.s.tally
    }

    #[inline]
    fn tally_mut(&mut self) -> &mut Tally {
        &mut self.s.tally
    }

    /// A write that keeps the object's place ([`Ordering::keeps_place`]) restarts its expiry in
    /// place (so a write without a TTL leaves everything as a read hit does); otherwise the object
    /// is re-inserted.
    fn rewrite(&mut self, req: &Request) {
        if let Some(slot) = self.s.table.find(req.key) {
            if self.order.keeps_place(self.s.table.node(slot), req) {
                self.s.table.node_mut(slot).expire = req.expiry();
                return;
            }
            self.reinsert(req);
        }
    }

    #[inline]
    fn prefetch(&self, key: u64, stage: Stage) {
        self.s.table.prefetch_for(key, stage);
        if stage == Stage::Bucket {
            self.order.prefetch(key);
        }
    }
}

/// The state of a policy that keeps ghosts beside its cached objects in its [`Store`] (ARC, 2Q,
/// LIRS, S3-FIFO, MQ, LeCaR, Cacheus): it does its own lookup, insert, remove and membership test,
/// with the contract [`Policy`] documents, and runs in a [`Keeper`], which provides the rest.
pub trait TablePolicy: Send + 'static {
    /// Node metadata.
    type Meta: Copy + Default + Send;
    /// [`Policy::get`].
    fn get(&mut self, st: &mut Store<Self::Meta>, req: &Request) -> bool;
    /// [`Policy::insert`].
    fn insert(&mut self, st: &mut Store<Self::Meta>, req: &Request);
    /// [`Policy::remove`].
    fn remove(&mut self, st: &mut Store<Self::Meta>, key: u64) -> bool;
    /// [`Policy::contains`].
    fn contains(&self, st: &Store<Self::Meta>, key: u64) -> bool;
}

/// A [`TablePolicy`] on its store: counters, in-place writes ([`Table::restamp`]), prefetching
/// and the get -> insert check ([`MissGuard`], debug builds) are written here once.
pub struct Keeper<P: TablePolicy> {
    store: Store<P::Meta>,
    policy: P,
}

impl<P: TablePolicy> Keeper<P> {
    /// An empty cache of `capacity` with the policy state `policy`.
    pub fn with_policy(capacity: u64, policy: P) -> Self {
        Keeper {
            store: Store::new(capacity),
            policy,
        }
    }

    /// The policy's state (for tests and inspection).
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The policy's state, mutably (for tests that set up a state).
    #[cfg(test)]
    pub fn policy_mut(&mut self) -> &mut P {
        &mut self.policy
    }

    /// The table and tally (for tests and inspection).
    pub fn store(&self) -> &Store<P::Meta> {
        &self.store
    }

    /// The state and the store, mutably (for tests that call the state's own steps).
    #[cfg(test)]
    pub fn parts_mut(&mut self) -> (&mut P, &mut Store<P::Meta>) {
        (&mut self.policy, &mut self.store)
    }
}

impl<P: TablePolicy> Policy for Keeper<P> {
    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        let hit = self.policy.get(&mut self.store, req);
        self.store.guard.looked_up(req.key, hit);
        hit
    }

    #[inline]
    fn insert(&mut self, req: &Request) {
        self.store.guard.inserting(req.key);
        self.policy.insert(&mut self.store, req)
    }

    #[inline]
    fn remove(&mut self, key: u64) -> bool {
        self.store.guard.reset();
        self.policy.remove(&mut self.store, key)
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.policy.contains(&self.store, key)
    }

    #[inline]
    fn tally(&self) -> &Tally {
        &self.store.tally
    }

    #[inline]
    fn tally_mut(&mut self) -> &mut Tally {
        &mut self.store.tally
    }

    /// A same-size write restarts the expiry in place; a resize re-inserts.
    fn rewrite(&mut self, req: &Request) {
        if !self.store.table.restamp(req) {
            self.reinsert(req);
        }
    }

    #[inline]
    fn prefetch(&self, key: u64, stage: Stage) {
        self.store.table.prefetch_for(key, stage);
    }
}
