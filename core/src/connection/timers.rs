//! The connection's timers as plain deadlines: the caller owns the clock.

use std::time::Duration;

/// The timers a connection may arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    Handshake,
    Close,
    Ping,
    Pong,
    /// Pending output has stayed above the high-water mark since it was armed.
    Stall,
}

const ALL: [Timer; 5] = [
    Timer::Handshake,
    Timer::Close,
    Timer::Ping,
    Timer::Pong,
    Timer::Stall,
];

#[derive(Debug, Default)]
pub(crate) struct Timers {
    /// The latest time the caller gave; `None` before the first `set_now`.
    now: Option<Duration>,
    deadlines: [Option<Duration>; ALL.len()],
}

impl Timers {
    /// Records the time. Timers armed before the first call count from it.
    pub(crate) fn set_now(&mut self, now: Duration) {
        match self.now {
            None => {
                for d in self.deadlines.iter_mut().flatten() {
                    *d += now;
                }
                self.now = Some(now);
            }
            Some(old) => self.now = Some(old.max(now)),
        }
    }

    /// The latest time the caller gave, if any.
    pub(crate) fn now(&self) -> Option<Duration> {
        self.now
    }

    pub(crate) fn arm_in(&mut self, timer: Timer, after: Duration) {
        let now = self.now.unwrap_or_default();
        self.deadlines[timer as usize] = Some(now.saturating_add(after));
    }

    pub(crate) fn disarm(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    pub(crate) fn disarm_all(&mut self) {
        self.deadlines = [None; ALL.len()];
    }

    pub(crate) fn is_armed(&self, timer: Timer) -> bool {
        self.deadlines[timer as usize].is_some()
    }

    /// Disarms and returns every timer whose deadline has passed, earliest first.
    pub(crate) fn expired(&mut self) -> Vec<Timer> {
        let Some(now) = self.now else {
            return Vec::new();
        };
        // The common case (adapters call this on every poll): nothing is due.
        if !self.deadlines.iter().flatten().any(|d| *d <= now) {
            return Vec::new();
        }
        let mut due: Vec<(Duration, Timer)> = ALL
            .iter()
            .filter_map(|&t| {
                self.deadlines[t as usize]
                    .filter(|d| *d <= now)
                    .map(|d| (d, t))
            })
            .collect();
        due.sort_by_key(|&(d, _)| d);
        for &(_, t) in &due {
            self.disarm(t);
        }
        due.into_iter().map(|(_, t)| t).collect()
    }

    /// The earliest armed deadline. Before the first `set_now` deadlines are
    /// relative, so report "now" to get the caller to tell us the time.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        let next = self.deadlines.iter().flatten().min().copied()?;
        Some(if self.now.is_some() {
            next
        } else {
            Duration::ZERO
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_armed_before_the_clock_is_known_count_from_first_reading() {
        let mut t = Timers::default();
        t.arm_in(Timer::Handshake, Duration::from_secs(10));
        assert_eq!(t.next_deadline(), Some(Duration::ZERO));
        t.set_now(Duration::from_secs(1000));
        assert!(t.expired().is_empty());
        assert_eq!(t.next_deadline(), Some(Duration::from_secs(1010)));
        t.set_now(Duration::from_secs(1010));
        assert_eq!(t.expired(), vec![Timer::Handshake]);
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn time_never_goes_backwards() {
        let mut t = Timers::default();
        t.set_now(Duration::from_secs(5));
        t.set_now(Duration::from_secs(3));
        t.arm_in(Timer::Close, Duration::from_secs(1));
        assert_eq!(t.next_deadline(), Some(Duration::from_secs(6)));
    }
}
