//! A bounded queue for messages sent while a transport cannot take them (still
//! connecting, reconnecting, or over its high-water mark), with a drop policy that
//! hands back whatever it did not keep.
//!
//! ```
//! use wscore::binding::{DropPolicy, Enqueued, QueueLimits, SendQueue};
//!
//! let mut queue = SendQueue::new(QueueLimits { max_messages: 2, ..QueueLimits::default() }, DropPolicy::DropOldest);
//! assert_eq!(queue.push("a", 1), Enqueued::Queued);
//! assert_eq!(queue.push("b", 1), Enqueued::Queued);
//! assert_eq!(queue.push("c", 1), Enqueued::QueuedAfterDropping(vec!["a"]));
//! assert_eq!(queue.pop_sendable(0), Some("b"));
//! ```

use std::collections::VecDeque;

/// What to do with a message that does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DropPolicy {
    /// Drop the oldest queued messages to make room (for state where only the latest matters).
    #[default]
    DropOldest,
    /// Keep the queue, drop the new message and report it as dropped.
    DropNewest,
    /// Keep the queue and hand the new message back to the caller as refused.
    Reject,
}

/// The bounds of a [`SendQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// The most messages held (default 1024).
    pub max_messages: usize,
    /// The most bytes held, summed over messages (default 4 MiB).
    pub max_bytes: usize,
    /// While the transport holds this many unsent bytes or more, new messages are
    /// queued instead of sent (default `usize::MAX`: no limit).
    pub high_water_mark: usize,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            max_messages: 1024,
            max_bytes: 4 << 20,
            high_water_mark: usize::MAX,
        }
    }
}

/// The result of [`SendQueue::push`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued<T> {
    /// Queued; nothing dropped.
    Queued,
    /// Queued after dropping these older messages, oldest first.
    QueuedAfterDropping(Vec<T>),
    /// Not queued: dropped under [`DropPolicy::DropNewest`] (or too big for any queue).
    Dropped(T),
    /// Not queued: refused under [`DropPolicy::Reject`].
    Rejected(T),
}

/// Messages waiting for the transport, in send order, within [`QueueLimits`].
#[derive(Debug, Clone)]
pub struct SendQueue<T> {
    items: VecDeque<(T, usize)>,
    bytes: usize,
    limits: QueueLimits,
    policy: DropPolicy,
}

impl<T> SendQueue<T> {
    /// An empty queue.
    pub fn new(limits: QueueLimits, policy: DropPolicy) -> Self {
        SendQueue {
            items: VecDeque::new(),
            bytes: 0,
            limits,
            policy,
        }
    }

    /// The limits this queue keeps.
    pub fn limits(&self) -> QueueLimits {
        self.limits
    }

    /// Messages queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes queued, summed over messages.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether a new message may go straight to a transport that holds
    /// `transport_buffered` unsent bytes: only when nothing is queued before it
    /// (order) and the transport is under the high-water mark (backpressure).
    pub fn can_send_now(&self, transport_buffered: usize) -> bool {
        self.items.is_empty() && transport_buffered < self.limits.high_water_mark
    }

    /// Queues `item` of `bytes` bytes, applying the drop policy when it does not fit.
    pub fn push(&mut self, item: T, bytes: usize) -> Enqueued<T> {
        let mut dropped = Vec::new();
        match self.push_reporting(item, bytes, |old| dropped.push(old)) {
            Enqueued::Queued if !dropped.is_empty() => Enqueued::QueuedAfterDropping(dropped),
            other => other,
        }
    }

    /// [`SendQueue::push`] that hands each message dropped to make room (oldest
    /// first) to `dropped` instead of collecting them, and then says `Queued`: no
    /// `Vec`, for callers that report drops one by one.
    pub fn push_reporting(
        &mut self,
        item: T,
        bytes: usize,
        mut dropped: impl FnMut(T),
    ) -> Enqueued<T> {
        let fits = |q: &Self| {
            q.items.len() < q.limits.max_messages && q.bytes + bytes <= q.limits.max_bytes
        };
        if bytes > self.limits.max_bytes || self.limits.max_messages == 0 {
            // Dropping others cannot make room for it.
            return match self.policy {
                DropPolicy::Reject => Enqueued::Rejected(item),
                _ => Enqueued::Dropped(item),
            };
        }
        if !fits(self) {
            match self.policy {
                DropPolicy::Reject => return Enqueued::Rejected(item),
                DropPolicy::DropNewest => return Enqueued::Dropped(item),
                DropPolicy::DropOldest => {
                    // An empty queue fits (checked above), so this ends; no
                    // `expect`: its panic message would weigh on the browser module.
                    while !fits(self) {
                        let Some((old, _)) = self.pop_entry() else {
                            break;
                        };
                        dropped(old);
                    }
                }
            }
        }
        self.bytes += bytes;
        self.items.push_back((item, bytes));
        Enqueued::Queued
    }

    /// The oldest message, if the transport holding `transport_buffered` bytes is
    /// under the high-water mark; call it in a loop to flush in order.
    pub fn pop_sendable(&mut self, transport_buffered: usize) -> Option<T> {
        if transport_buffered >= self.limits.high_water_mark {
            return None;
        }
        self.pop_entry().map(|(item, _)| item)
    }

    /// Empties the queue (e.g. on a final close), oldest first, so the caller can
    /// report what was never sent.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.bytes = 0;
        self.items.drain(..).map(|(item, _)| item)
    }

    /// The oldest message whatever the high-water mark: [`SendQueue::drain`] one at
    /// a time, cheaper in code size than the iterator.
    pub fn pop_oldest(&mut self) -> Option<T> {
        self.pop_entry().map(|(item, _)| item)
    }

    fn pop_entry(&mut self) -> Option<(T, usize)> {
        let entry = self.items.pop_front()?;
        self.bytes -= entry.1;
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(max_messages: usize, max_bytes: usize, policy: DropPolicy) -> SendQueue<u32> {
        SendQueue::new(
            QueueLimits {
                max_messages,
                max_bytes,
                ..QueueLimits::default()
            },
            policy,
        )
    }

    #[test]
    fn keeps_order_and_counts_bytes() {
        let mut q = queue(10, 100, DropPolicy::Reject);
        for i in 0..5 {
            assert_eq!(q.push(i, 10), Enqueued::Queued);
        }
        assert_eq!((q.len(), q.bytes()), (5, 50));
        let out: Vec<_> = std::iter::from_fn(|| q.pop_sendable(0)).collect();
        assert_eq!(out, [0, 1, 2, 3, 4]);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }

    #[test]
    fn drop_oldest_makes_room_by_count_and_by_bytes() {
        let mut q = queue(3, 100, DropPolicy::DropOldest);
        for i in 0..3 {
            q.push(i, 10);
        }
        assert_eq!(q.push(3, 10), Enqueued::QueuedAfterDropping(vec![0]));
        assert_eq!(q.push(4, 85), Enqueued::QueuedAfterDropping(vec![1, 2])); // 10 + 85 fits
        assert_eq!((q.len(), q.bytes()), (2, 95));
    }

    #[test]
    fn drop_newest_and_reject_keep_the_queue() {
        let mut q = queue(1, 100, DropPolicy::DropNewest);
        q.push(1, 1);
        assert_eq!(q.push(2, 1), Enqueued::Dropped(2));
        let mut r = queue(1, 100, DropPolicy::Reject);
        r.push(1, 1);
        assert_eq!(r.push(2, 1), Enqueued::Rejected(2));
        assert_eq!((q.len(), r.len()), (1, 1));
    }

    #[test]
    fn a_message_bigger_than_the_queue_never_empties_it() {
        let mut q = queue(10, 100, DropPolicy::DropOldest);
        q.push(1, 50);
        assert_eq!(q.push(2, 101), Enqueued::Dropped(2));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn high_water_mark_holds_messages_back() {
        let limits = QueueLimits {
            high_water_mark: 1000,
            ..QueueLimits::default()
        };
        let mut q: SendQueue<u32> = SendQueue::new(limits, DropPolicy::Reject);
        assert!(q.can_send_now(999));
        assert!(!q.can_send_now(1000));
        q.push(7, 10);
        assert!(!q.can_send_now(0)); // order: queued messages go first
        assert_eq!(q.pop_sendable(1000), None);
        assert_eq!(q.pop_sendable(10), Some(7));
    }

    #[test]
    fn drain_empties_in_order() {
        let mut q = queue(10, 100, DropPolicy::Reject);
        q.push(1, 5);
        q.push(2, 5);
        assert_eq!(q.drain().collect::<Vec<_>>(), [1, 2]);
        assert_eq!((q.len(), q.bytes()), (0, 0));
        q.push(3, 5);
        assert_eq!(
            (q.pop_oldest(), q.pop_oldest(), q.bytes()),
            (Some(3), None, 0)
        );
    }
}
