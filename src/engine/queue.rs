//! The event queue: events on an integer-nanosecond clock, popped in (time, sequence number) order,
//! so that events at equal times run in the order they were scheduled.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

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
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

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

    /// Time of the next event.
    #[inline]
    pub fn next_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(s)| s.time)
    }

    /// Removes and returns the next event.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        self.heap.pop().map(|Reverse(s)| s)
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
