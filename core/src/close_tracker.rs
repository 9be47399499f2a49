//! Who closed a transport whose closing handshake someone else runs (the browser's
//! `WebSocket`): the same [`CloseInfo`] a [`crate::Connection`] reports, built from
//! the application's `close` call and the transport's final code and reason.
//!
//! ```
//! use wscore::binding::{CloseRequest, CloseTracker};
//! use wscore::{CloseCode, Initiator};
//!
//! let mut tracker = CloseTracker::default();
//! assert_eq!(tracker.request(Some(CloseCode(4000)), "bye"), Ok(CloseRequest::Start));
//! assert_eq!(tracker.request(Some(CloseCode(4000)), "again"), Ok(CloseRequest::AlreadyClosing)); // idempotent
//! let info = tracker.transport_closed(4000, "bye", true);
//! assert_eq!((info.initiator, info.code), (Initiator::Local, CloseCode(4000)));
//! ```

use crate::close::{validate_close, CloseCode, CloseInfo, Initiator};
use crate::error::CloseError;

/// The result of [`CloseTracker::request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseRequest {
    /// The first valid request: start the closing handshake now.
    Start,
    /// A close was already requested or happened: nothing to do.
    AlreadyClosing,
}

/// Remembers the application's close request and the final close of one transport.
#[derive(Debug, Clone, Default)]
pub struct CloseTracker {
    requested: Option<(Option<CloseCode>, String)>,
    failed: Option<(CloseCode, String)>,
    closed: Option<CloseInfo>,
}

impl CloseTracker {
    /// The application asks to close. The code and reason are checked first
    /// ([`validate_close`]; a reason needs a code); a bad one changes nothing.
    pub fn request(
        &mut self,
        code: Option<CloseCode>,
        reason: &str,
    ) -> Result<CloseRequest, CloseError> {
        match code {
            Some(code) => validate_close(code, reason)?,
            None if !reason.is_empty() => return Err(CloseError::ReasonWithoutCode),
            None => {}
        }
        if self.requested.is_some() || self.failed.is_some() || self.closed.is_some() {
            return Ok(CloseRequest::AlreadyClosing);
        }
        self.requested = Some((code, reason.to_owned()));
        Ok(CloseRequest::Start)
    }

    /// The adapter itself gave up on the transport (a heartbeat timeout): the close
    /// that follows is reported as the transport's, not the application's.
    pub fn fail(&mut self, code: CloseCode, reason: &str) {
        if self.requested.is_none() && self.closed.is_none() {
            self.failed = Some((code, reason.to_owned()));
        }
    }

    /// Whether the application asked to close.
    pub fn closed_by_application(&self) -> bool {
        self.requested.is_some()
    }

    /// The transport reported its final close: who started it and with what.
    /// The application's request wins, then the adapter's failure; otherwise a
    /// clean close is the peer's and an unclean one the transport's (1006).
    pub fn transport_closed(&mut self, code: u16, reason: &str, was_clean: bool) -> CloseInfo {
        if let Some(info) = &self.closed {
            return info.clone();
        }
        let info = match (&self.requested, &self.failed) {
            (Some((asked, asked_reason)), _) => CloseInfo {
                code: asked.unwrap_or(CloseCode::NO_STATUS),
                reason: asked_reason.clone(),
                initiator: Initiator::Local,
            },
            (None, Some((code, reason))) => CloseInfo {
                code: *code,
                reason: reason.clone(),
                initiator: Initiator::Transport,
            },
            (None, None) if was_clean => CloseInfo {
                code: CloseCode(code),
                reason: reason.to_owned(),
                initiator: Initiator::Remote,
            },
            (None, None) => CloseInfo {
                code: CloseCode::ABNORMAL,
                reason: reason.to_owned(),
                initiator: Initiator::Transport,
            },
        };
        self.closed = Some(info.clone());
        info
    }

    /// The final close, once [`CloseTracker::transport_closed`] was called.
    pub fn closed(&self) -> Option<&CloseInfo> {
        self.closed.as_ref()
    }

    /// Forgets everything, for a new transport (a reconnect).
    pub fn reset(&mut self) {
        *self = CloseTracker::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_requests_change_nothing() {
        let mut t = CloseTracker::default();
        assert_eq!(
            t.request(Some(CloseCode(1006)), ""),
            Err(CloseError::InvalidCode(1006))
        );
        assert_eq!(
            t.request(Some(CloseCode(1000)), &"r".repeat(124)),
            Err(CloseError::ReasonTooLong(124))
        );
        assert_eq!(t.request(None, "why"), Err(CloseError::ReasonWithoutCode));
        assert!(!t.closed_by_application());
        assert_eq!(t.request(None, ""), Ok(CloseRequest::Start));
        assert_eq!(
            t.transport_closed(1005, "", true).code,
            CloseCode::NO_STATUS
        );
    }

    #[test]
    fn peer_and_transport_closes() {
        let mut t = CloseTracker::default();
        let info = t.transport_closed(4001, "go away", true);
        assert_eq!(
            (info.initiator, info.code, info.reason.as_str()),
            (Initiator::Remote, CloseCode(4001), "go away")
        );
        assert_eq!(
            t.request(Some(CloseCode::NORMAL), ""),
            Ok(CloseRequest::AlreadyClosing)
        );
        assert_eq!(t.closed().unwrap().initiator, Initiator::Remote); // a late request does not rewrite history
        t.reset();
        assert_eq!(
            t.transport_closed(1006, "", false).initiator,
            Initiator::Transport
        );
    }

    #[test]
    fn our_failure_is_the_transports_and_the_application_wins() {
        let mut t = CloseTracker::default();
        t.fail(CloseCode(4000), "heartbeat timeout");
        let info = t.transport_closed(4000, "heartbeat timeout", true);
        assert_eq!(
            (info.initiator, info.code),
            (Initiator::Transport, CloseCode(4000))
        );
        t.reset();
        t.request(Some(CloseCode::NORMAL), "bye").unwrap();
        t.fail(CloseCode(4000), "late");
        assert_eq!(
            t.transport_closed(1006, "", false).initiator,
            Initiator::Local
        );
    }
}
