//! The event queue: events on an integer-nanosecond clock, popped in (time, sequence number) order,
//! so that events at equal times run in the order they were scheduled.
//!
//! Events scheduled a fixed delay after a clock that never goes back (a constant cache or tier
//! latency) arrive in time order, so each such delay has its own first-in, first-out lane, O(1)
//! instead of the heap's O(log n); `pop` takes the earliest of the heap and the lanes' heads by
//! (time, sequence number), so the order is exactly the heap's alone.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// An event and when it runs.
#[derive(Clone, Copy, Debug)]
pub struct Scheduled<E> {
    /// When it runs, ns.
    pub time: u64,
    /// Scheduling order: breaks ties between equal times.
    seq: u64,
    /// What it does.
    pub event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl<E> Eq for Scheduled<E> {}

impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Scheduled<E> {
    /// By time, then by sequence number (unique per queue, so the event itself is never compared).
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// Pending events, earliest first; first in, first out among equal times.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Scheduled<E>>>,
    /// (delay, its events in time order).
    lanes: Vec<(u64, VecDeque<Scheduled<E>>)>,
    seq: u64,
    /// Events pending in the lanes.
    in_lanes: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            lanes: Vec::new(),
            seq: 0,
            in_lanes: 0,
        }
    }
}

/// The most lanes a queue keeps (delays beyond go to the heap).
const MAX_LANES: usize = 8;

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `event` at `time`, after every event already scheduled at that time.
    pub fn push(&mut self, time: u64, event: E) {
        self.seq += 1;
        self.heap.push(Reverse(Scheduled {
            time,
            seq: self.seq,
            event,
        }));
    }

    /// Gives `delay` (ns, not zero) a lane of its own: the caller promises that every event it
    /// schedules with [`EventQueue::push_after`] at this delay is `delay` after a clock that
    /// never goes back.
    pub fn add_lane(&mut self, delay: u64) {
        if delay > 0 && self.lanes.len() < MAX_LANES && !self.lanes.iter().any(|(d, _)| *d == delay) {
            self.lanes.push((delay, VecDeque::new()));
        }
    }

    /// Schedules `event` `delay` after `now` (through the delay's lane when it has one).
    #[inline]
    pub fn push_after(&mut self, now: u64, delay: u64, event: E) {
        if let Some((_, lane)) = self.lanes.iter_mut().find(|(d, _)| *d == delay) {
            self.seq += 1;
            let time = now + delay;
            debug_assert!(lane.back().is_none_or(|b| b.time <= time), "the clock went back");
            lane.push_back(Scheduled {
                time,
                seq: self.seq,
                event,
            });
            self.in_lanes += 1;
        } else {
            self.push(now + delay, event);
        }
    }

    /// The lane whose head comes first, if it comes before the heap's top.
    #[inline]
    fn first_lane(&self) -> Option<usize> {
        if self.in_lanes == 0 {
            return None;
        }
        let mut best: Option<(usize, (u64, u64))> = None;
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(h) = lane.front() {
                let k = (h.time, h.seq);
                if best.is_none_or(|(_, b)| k < b) {
                    best = Some((i, k));
                }
            }
        }
        let (i, k) = best?;
        match self.heap.peek() {
            Some(Reverse(top)) if (top.time, top.seq) < k => None,
            _ => Some(i),
        }
    }

    /// Time of the next event.
    #[inline]
    pub fn next_time(&self) -> Option<u64> {
        match self.first_lane() {
            Some(i) => self.lanes[i].1.front().map(|s| s.time),
            None => self.heap.peek().map(|Reverse(s)| s.time),
        }
    }

    /// Removes and returns the next event.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        match self.first_lane() {
            Some(i) => {
                self.in_lanes -= 1;
                self.lanes[i].1.pop_front()
            }
            None => self.heap.pop().map(|Reverse(s)| s),
        }
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.in_lanes == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut EventQueue<u32>) -> Vec<(u64, u32)> {
        std::iter::from_fn(|| q.pop().map(|s| (s.time, s.event))).collect()
    }

    #[test]
    fn earliest_first() {
        let mut q = EventQueue::new();
        for (t, e) in [(30, 0), (10, 1), (20, 2), (0, 3)] {
            q.push(t, e);
        }
        assert_eq!(q.next_time(), Some(0));
        assert_eq!(drain(&mut q), vec![(0, 3), (10, 1), (20, 2), (30, 0)]);
        assert!(q.is_empty());
        assert_eq!(q.next_time(), None);
    }

    /// Events at the same time come out in the order they were pushed, whatever their values and
    /// however they interleave with other times.
    #[test]
    fn fifo_among_equal_times() {
        let mut q = EventQueue::new();
        let events = [9, 3, 7, 1, 8, 2, 6, 0, 5, 4];
        for (i, &e) in events.iter().enumerate() {
            q.push(5, e);
            q.push(if i % 2 == 0 { 1 } else { 9 }, 100 + e);
        }
        let out = drain(&mut q);
        let at5: Vec<u32> = out.iter().filter(|(t, _)| *t == 5).map(|(_, e)| *e).collect();
        assert_eq!(at5, events);
        let at1: Vec<u32> = out.iter().filter(|(t, _)| *t == 1).map(|(_, e)| *e).collect();
        assert_eq!(at1, vec![109, 107, 108, 106, 105]);
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    /// Lanes change nothing but the cost: the same pushes through lanes and through the heap alone
    /// pop in the same order (random delays, some of them lanes, a clock that moves forward).
    #[test]
    fn lanes_pop_in_the_heap_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let (mut a, mut b) = (EventQueue::new(), EventQueue::new());
        for d in [5, 20, 500] {
            a.add_lane(d);
        }
        let mut now = 0u64;
        let mut n = 0u32;
        let (mut out_a, mut out_b) = (Vec::new(), Vec::new());
        for _ in 0..20_000 {
            if rng.random_bool(0.55) {
                let delay = [5, 20, 500, 0, 7, 1000][rng.random_range(0..6)];
                a.push_after(now, delay, n);
                b.push(now + delay, n);
                n += 1;
            } else if let (Some(x), Some(y)) = (a.pop(), b.pop()) {
                now = now.max(x.time);
                out_a.push((x.time, x.event));
                out_b.push((y.time, y.event));
            }
            assert_eq!(a.next_time(), b.next_time());
        }
        out_a.extend(drain(&mut a));
        out_b.extend(drain(&mut b));
        assert_eq!(out_a, out_b);
        assert!(out_a.len() > 5_000);
    }

    /// An event pushed while others at its time are pending runs after them.
    #[test]
    fn push_during_drain_goes_last() {
        let mut q = EventQueue::new();
        q.push(1, 1);
        q.push(1, 2);
        let first = q.pop().unwrap();
        assert_eq!(first.event, 1);
        q.push(1, 3);
        assert_eq!(drain(&mut q), vec![(1, 2), (1, 3)]);
    }
}
