//! A memory budget shared by many connections: the bytes of messages that are
//! still arriving (fragments, a frame split across reads, a message inflating).
//! Each connection may hold up to `max_message_size` on its own; the budget
//! bounds the sum, so a crowd of peers that each start a large message cannot
//! take the process's memory. The first bytes of each connection's message (its
//! allowance) are not drawn, so small messages are served even while large ones
//! have used the budget up. Plain atomics, no locks, no clock: still sans-IO.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A shared limit on bytes of partly received messages (see
/// [`crate::Config::memory_budget`]). Clone it into every connection's config;
/// clones share one count. Room is drawn before a message's buffer grows, so
/// the limit holds for what is allocated, not just for what arrived. Each
/// connection holds up to [`MemoryBudget::allowance`] of its message without
/// drawing (64 KiB by default).
///
/// ```
/// use wscore::{Config, MemoryBudget};
/// let budget = MemoryBudget::new(64 << 20);
/// let config = Config { memory_budget: Some(budget.clone()), ..Config::default() };
/// assert_eq!((budget.limit(), budget.used()), (64 << 20, 0));
/// # drop(config);
/// ```
#[derive(Clone)]
pub struct MemoryBudget(Arc<Shared>);

struct Shared {
    limit: usize,
    allowance: usize,
    used: AtomicUsize,
}

/// What each connection may hold of a message without drawing from the budget:
/// a chat message, say, so one is always served (at most this much per
/// connection beyond the limit).
pub const DEFAULT_ALLOWANCE: usize = 64 << 10;

impl MemoryBudget {
    /// A budget of `limit` bytes, none of them in use, with the default allowance.
    pub fn new(limit: usize) -> MemoryBudget {
        MemoryBudget::with_allowance(limit, DEFAULT_ALLOWANCE)
    }

    /// A budget of `limit` bytes whose connections each hold up to `allowance`
    /// bytes of a message without drawing from it.
    pub fn with_allowance(limit: usize, allowance: usize) -> MemoryBudget {
        MemoryBudget(Arc::new(Shared {
            limit,
            allowance,
            used: AtomicUsize::new(0),
        }))
    }

    /// Bytes of a message each connection holds without drawing from the budget.
    pub fn allowance(&self) -> usize {
        self.0.allowance
    }

    /// The limit it was made with.
    pub fn limit(&self) -> usize {
        self.0.limit
    }

    /// Bytes currently drawn by connections.
    pub fn used(&self) -> usize {
        self.0.used.load(Ordering::Relaxed)
    }

    /// Draws `n` bytes if that stays within the limit.
    pub(crate) fn try_take(&self, n: usize) -> bool {
        self.0
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= self.0.limit)
            })
            .is_ok()
    }

    /// Returns `n` bytes drawn earlier.
    pub(crate) fn give_back(&self, n: usize) {
        self.0.used.fetch_sub(n, Ordering::AcqRel);
    }
}

impl fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBudget")
            .field("limit", &self.limit())
            .field("used", &self.used())
            .finish()
    }
}

/// Two configs are equal when they share the same budget, not just the same numbers.
impl PartialEq for MemoryBudget {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for MemoryBudget {}

/// One connection's draw on a budget: what it holds, returned when dropped.
#[derive(Debug, Default)]
pub(crate) struct Draw {
    budget: Option<MemoryBudget>,
    held: usize,
}

impl Draw {
    pub(crate) fn new(budget: Option<MemoryBudget>) -> Draw {
        Draw { budget, held: 0 }
    }

    /// Holds `bytes` in all (drawing more or giving some back); `false` when
    /// the budget cannot give the difference (what is held stays as it was).
    #[inline]
    pub(crate) fn hold(&mut self, bytes: usize) -> bool {
        let Some(budget) = &self.budget else {
            return true;
        };
        let bytes = bytes.saturating_sub(budget.allowance());
        if bytes > self.held {
            if !budget.try_take(bytes - self.held) {
                return false;
            }
        } else {
            budget.give_back(self.held - bytes);
        }
        self.held = bytes;
        true
    }
}

impl Drop for Draw {
    fn drop(&mut self) {
        self.hold(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_share_one_limit_and_return_what_they_held() {
        let budget = MemoryBudget::with_allowance(100, 0);
        let mut a = Draw::new(Some(budget.clone()));
        let mut b = Draw::new(Some(budget.clone()));
        assert!(a.hold(60));
        assert!(!b.hold(41), "60 + 41 is over the limit");
        assert_eq!(budget.used(), 60, "a refused draw takes nothing");
        assert!(b.hold(40));
        assert!(a.hold(10));
        assert_eq!(budget.used(), 50);
        drop(a);
        assert_eq!(budget.used(), 40);
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn each_draw_holds_its_allowance_without_drawing() {
        let budget = MemoryBudget::with_allowance(100, 50);
        let mut a = Draw::new(Some(budget.clone()));
        let mut b = Draw::new(Some(budget.clone()));
        assert!(a.hold(150));
        assert_eq!(budget.used(), 100);
        assert!(!a.hold(151), "over the limit");
        assert!(
            b.hold(50),
            "within b's allowance while the budget is used up"
        );
        assert!(!b.hold(51));
        assert!(a.hold(40));
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn without_a_budget_everything_is_allowed() {
        assert!(Draw::new(None).hold(usize::MAX));
    }
}
