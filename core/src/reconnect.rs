//! When and after how long to reopen a transport that closed: exponential backoff
//! with full jitter, a retry limit, and the closes that must not be retried.
//!
//! Sans-IO like the rest of the crate: the caller supplies the random value (so
//! tests are deterministic) and runs the timer itself.
//!
//! ```
//! use std::time::Duration;
//! use wscore::binding::{Backoff, ReconnectDecision, ReconnectPolicy};
//! use wscore::{CloseCode, CloseInfo, Initiator};
//!
//! let mut backoff = Backoff::new(ReconnectPolicy { max_retries: Some(2), ..ReconnectPolicy::default() });
//! let dropped = CloseInfo { code: CloseCode::ABNORMAL, reason: String::new(), initiator: Initiator::Transport };
//! // Full jitter: a delay drawn uniformly from [0, ceiling); random = 0.5 gives half of it.
//! assert_eq!(backoff.decide(&dropped, 0.5), ReconnectDecision::Retry { attempt: 1, delay: Duration::from_millis(250) });
//! assert_eq!(backoff.decide(&dropped, 0.5), ReconnectDecision::Retry { attempt: 2, delay: Duration::from_millis(500) });
//! assert!(matches!(backoff.decide(&dropped, 0.5), ReconnectDecision::Stop(_)));
//! ```

use std::time::Duration;

use crate::close::{CloseCode, CloseInfo, Initiator};

/// How reconnecting behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// The ceiling of the first delay; each retry doubles it (default 500 ms).
    pub initial_delay: Duration,
    /// The largest ceiling a delay can have (default 30 s).
    pub max_delay: Duration,
    /// Retries allowed without a successful open in between; `None` is unlimited.
    pub max_retries: Option<u32>,
    /// Close codes from the peer that mean "do not come back" (e.g. 1008, 4001).
    pub stop_codes: Vec<CloseCode>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retries: None,
            stop_codes: Vec::new(),
        }
    }
}

/// Why no reconnect follows a close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The application closed the connection itself.
    ClosedByApplication,
    /// The peer closed with a code listed in [`ReconnectPolicy::stop_codes`].
    StopCode(CloseCode),
    /// [`ReconnectPolicy::max_retries`] retries failed in a row.
    RetriesExhausted,
}

/// What to do after a close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconnectDecision {
    /// Open a new transport after `delay`; `attempt` counts from 1 since the last open.
    Retry {
        /// The retry number since the last successful open, from 1.
        attempt: u32,
        /// How long to wait before opening.
        delay: Duration,
    },
    /// Stay closed.
    Stop(StopReason),
}

/// The backoff schedule for one connection: counts retries since the last open.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: ReconnectPolicy,
    attempt: u32,
}

impl Backoff {
    /// A schedule with no retry made yet.
    pub fn new(policy: ReconnectPolicy) -> Self {
        Backoff { policy, attempt: 0 }
    }

    /// The policy this schedule follows.
    pub fn policy(&self) -> &ReconnectPolicy {
        &self.policy
    }

    /// Retries made since the last successful open (or [`Backoff::reset`]).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The transport opened: the next retry starts from `initial_delay` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The ceiling for retry number `attempt` (from 1): `initial_delay · 2^(attempt-1)`,
    /// at most `max_delay`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.policy
            .initial_delay
            .saturating_mul(1u32 << doublings)
            .min(self.policy.max_delay)
    }

    /// The next delay, or `None` once `max_retries` retries were made. `random` is a
    /// uniform value in `[0, 1)` (values outside are clamped): the delay is
    /// `random · ceiling` ("full jitter", so that many clients do not return at once).
    pub fn next_delay(&mut self, random: f64) -> Option<Duration> {
        if self
            .policy
            .max_retries
            .is_some_and(|max| self.attempt >= max)
        {
            return None;
        }
        self.attempt += 1;
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        Some(self.ceiling(self.attempt).mul_f64(random))
    }

    /// Decides what follows `close`: no retry after the application's own close or a
    /// stop code, otherwise [`Backoff::next_delay`] with `random`.
    pub fn decide(&mut self, close: &CloseInfo, random: f64) -> ReconnectDecision {
        if close.initiator == Initiator::Local {
            return ReconnectDecision::Stop(StopReason::ClosedByApplication);
        }
        if close.initiator == Initiator::Remote && self.policy.stop_codes.contains(&close.code) {
            return ReconnectDecision::Stop(StopReason::StopCode(close.code));
        }
        match self.next_delay(random) {
            Some(delay) => ReconnectDecision::Retry {
                attempt: self.attempt,
                delay,
            },
            None => ReconnectDecision::Stop(StopReason::RetriesExhausted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(initiator: Initiator, code: u16) -> CloseInfo {
        CloseInfo {
            code: CloseCode(code),
            reason: String::new(),
            initiator,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ceilings_double_up_to_the_maximum() {
        let b = Backoff::new(ReconnectPolicy {
            initial_delay: ms(100),
            max_delay: ms(1000),
            ..Default::default()
        });
        let ceilings: Vec<_> = (1..=6).map(|a| b.ceiling(a)).collect();
        assert_eq!(
            ceilings,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
        assert_eq!(b.ceiling(u32::MAX), ms(1000)); // no overflow
    }

    #[test]
    fn full_jitter_scales_the_ceiling() {
        let mut b = Backoff::new(ReconnectPolicy {
            initial_delay: ms(100),
            ..Default::default()
        });
        assert_eq!(b.next_delay(0.0), Some(ms(0)));
        assert_eq!(b.next_delay(0.25), Some(ms(50)));
        assert_eq!(b.next_delay(2.0), Some(ms(400))); // clamped to the ceiling
        assert_eq!(b.next_delay(f64::NAN), Some(ms(0)));
        assert_eq!(b.attempt(), 4);
    }

    #[test]
    fn retries_stop_at_the_limit_and_reset_after_open() {
        let mut b = Backoff::new(ReconnectPolicy {
            max_retries: Some(2),
            ..Default::default()
        });
        let lost = info(Initiator::Transport, 1006);
        assert!(matches!(
            b.decide(&lost, 0.1),
            ReconnectDecision::Retry { attempt: 1, .. }
        ));
        assert!(matches!(
            b.decide(&lost, 0.1),
            ReconnectDecision::Retry { attempt: 2, .. }
        ));
        assert_eq!(
            b.decide(&lost, 0.1),
            ReconnectDecision::Stop(StopReason::RetriesExhausted)
        );
        b.reset();
        assert!(matches!(
            b.decide(&lost, 0.1),
            ReconnectDecision::Retry { attempt: 1, .. }
        ));
    }

    #[test]
    fn no_retry_after_our_close_or_a_stop_code() {
        let mut b = Backoff::new(ReconnectPolicy {
            stop_codes: vec![CloseCode(4001)],
            ..Default::default()
        });
        assert_eq!(
            b.decide(&info(Initiator::Local, 1000), 0.5),
            ReconnectDecision::Stop(StopReason::ClosedByApplication)
        );
        assert_eq!(
            b.decide(&info(Initiator::Remote, 4001), 0.5),
            ReconnectDecision::Stop(StopReason::StopCode(CloseCode(4001)))
        );
        assert!(matches!(
            b.decide(&info(Initiator::Remote, 4002), 0.5),
            ReconnectDecision::Retry { .. }
        ));
        assert!(matches!(
            b.decide(&info(Initiator::ProtocolError, 1002), 0.5),
            ReconnectDecision::Retry { .. }
        ));
        assert_eq!(b.attempt(), 2);
    }
}
