//! A memory budget shared by many connections: the bytes of messages that are
//! still arriving (fragments, a frame split across reads, a message inflating).
//! Each connection may hold up to `max_message_size` on its own; the budget
//! bounds the sum, so a crowd of peers that each start a large message cannot
//! take the process's memory. Plain atomics, no locks, no clock: still sans-IO.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A shared limit on bytes of partly received messages (see
/// [`crate::Config::memory_budget`]). Clone it into every connection's config;
/// clones share one count.
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
    used: AtomicUsize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes, none of them in use.
    pub fn new(limit: usize) -> MemoryBudget {
        MemoryBudget(Arc::new(Shared {
            limit,
            used: AtomicUsize::new(0),
        }))
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
        let budget = MemoryBudget::new(100);
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
    fn without_a_budget_everything_is_allowed() {
        assert!(Draw::new(None).hold(usize::MAX));
    }
}
