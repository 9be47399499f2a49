//! The close lifecycle: where a connection is between opening and ending, who
//! closed and why, and the one place that builds [`crate::Event::Closed`]. Each way a
//! connection can end is a named transition here; the connection carries out
//! what a transition asks (queue a close frame, arm or stop timers).

use crate::close::{CloseCode, CloseFrame, CloseInfo, Initiator};
use crate::error::{Error, HandshakeError, ProtocolError, SendError};
use crate::event::Closed;

use super::state::{SideState, State};

/// How far the connection is. Every (our side, their side) pair that can occur
/// is one phase, so nothing here can disagree with anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The opening handshake is under way.
    Connecting,
    /// Messages flow both ways.
    Open,
    /// Our close frame is queued; the peer may still send until its close frame.
    CloseSent,
    /// The peer's close frame arrived and the application answers it
    /// (`auto_close_reply` off): only that reply may be sent.
    ReplyDue,
    /// Close frames went both ways; a client waits for the server to end the
    /// transport (RFC 6455 §7.1.1), under the close timer.
    CloseExchanged,
    /// [`crate::Event::Closed`] was reported; the transport is to be closed.
    Ended,
}

/// What the application's `close` call leads to.
pub(super) enum LocalClose {
    /// Queue our close frame and start the close timer.
    SendFrame,
    /// Queue the application's answer to the peer's close frame; then the
    /// close frames went both ways.
    Reply,
    /// Nothing to do: already closing or ended, by whom and why.
    AlreadyClosed(CloseInfo),
    /// The opening handshake was not complete: the connection ended.
    Aborted,
}

#[derive(Debug)]
pub(super) struct Lifecycle {
    phase: Phase,
    /// Who started the close and why: set once, when our side stops sending.
    info: Option<CloseInfo>,
    /// The peer's close frame, once received.
    received: Option<CloseFrame>,
    /// Why we failed the connection, if we did.
    failure: Option<Error>,
    /// A protocol error found behind events the application has not polled:
    /// it takes effect once they are polled, so replies to them go out first.
    /// Meanwhile no more input is read (the stream position is lost).
    deferred: Option<ProtocolError>,
}

impl Lifecycle {
    pub(super) fn connecting() -> Lifecycle {
        Lifecycle {
            phase: Phase::Connecting,
            info: None,
            received: None,
            failure: None,
            deferred: None,
        }
    }

    // ----- predicates -----

    /// Whether the application may send: open, and our close frame not queued.
    #[inline]
    pub(super) fn can_send(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Whether received bytes are still read: open (or closing with the peer's
    /// side open) and the input not broken by an error awaiting its turn.
    #[inline]
    pub(super) fn can_receive(&self) -> bool {
        matches!(self.phase, Phase::Open | Phase::CloseSent) && self.deferred.is_none()
    }

    /// Whether [`crate::Event::Closed`] was reported (and the transport is to be closed).
    #[inline]
    pub(super) fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// Why a send is refused, if it is.
    pub(super) fn check_send(&self) -> Result<(), SendError> {
        match self.phase {
            Phase::Open => Ok(()),
            Phase::Connecting => Err(SendError::NotOpen),
            _ => Err(SendError::Closed(self.current_info())),
        }
    }

    pub(super) fn our_state(&self) -> SideState {
        match self.phase {
            Phase::Connecting => SideState::Connecting,
            Phase::Open => SideState::Open,
            _ => SideState::Closed,
        }
    }

    pub(super) fn their_state(&self) -> SideState {
        match self.phase {
            Phase::Connecting => SideState::Connecting,
            Phase::Open | Phase::CloseSent => SideState::Open,
            _ => SideState::Closed,
        }
    }

    pub(super) fn state(&self) -> State {
        match self.phase {
            Phase::Connecting => State::Connecting,
            Phase::Open => State::Open,
            Phase::CloseSent | Phase::ReplyDue | Phase::CloseExchanged => State::Closing,
            Phase::Ended => State::Closed,
        }
    }

    pub(super) fn info(&self) -> Option<&CloseInfo> {
        self.info.as_ref()
    }

    /// Who closed and why; an abnormal transport ending if nobody said.
    pub(super) fn current_info(&self) -> CloseInfo {
        self.info.clone().unwrap_or(CloseInfo {
            code: CloseCode::ABNORMAL,
            reason: String::new(),
            initiator: Initiator::Transport,
        })
    }

    // ----- transitions -----

    /// The opening handshake completed.
    pub(super) fn open(&mut self) {
        self.phase = Phase::Open;
    }

    /// The application calls `close`.
    pub(super) fn local_close(&mut self, code: CloseCode, reason: &str) -> LocalClose {
        match self.phase {
            Phase::Connecting => {
                self.stop_sending(
                    CloseCode::ABNORMAL,
                    "closed during the opening handshake".into(),
                    Initiator::Local,
                );
                LocalClose::Aborted
            }
            Phase::Open => {
                self.stop_sending(code, reason.to_owned(), Initiator::Local);
                LocalClose::SendFrame
            }
            Phase::ReplyDue => {
                self.phase = Phase::CloseExchanged;
                LocalClose::Reply
            }
            _ => LocalClose::AlreadyClosed(self.current_info()),
        }
    }

    /// The peer's close frame arrived. Returns the close frame to queue in reply
    /// (the peer's code echoed; empty if it sent none) unless ours already went
    /// out or `auto_reply` is off (then the application's `close` answers, see
    /// [`Lifecycle::reply_due`]). Then a server ends the connection and a client
    /// waits for the transport to end.
    pub(super) fn peer_close(&mut self, frame: &CloseFrame, auto_reply: bool) -> Option<Vec<u8>> {
        let open = self.phase == Phase::Open;
        self.received = Some(frame.clone());
        if !open {
            self.phase = Phase::CloseExchanged;
            return None;
        }
        self.stop_sending(frame.code, frame.reason.clone(), Initiator::Remote);
        if !auto_reply {
            self.phase = Phase::ReplyDue;
            return None;
        }
        self.phase = Phase::CloseExchanged;
        // Echo the code (RFC 6455 §5.5.1); none if the peer sent none.
        Some(if frame.code == CloseCode::NO_STATUS {
            Vec::new()
        } else {
            frame.code.0.to_be_bytes().to_vec()
        })
    }

    /// Whether the peer's close frame waits for the application's reply.
    #[inline]
    pub(super) fn reply_due(&self) -> bool {
        self.phase == Phase::ReplyDue
    }

    /// The transport ended (EOF) or the close timer expired: clean only if close
    /// frames went both ways, or the peer's came and only our reply was missing
    /// (as an automatic reply queued but not yet written would be). Returns
    /// whether it was clean; the caller ends.
    pub(super) fn transport_gone(&mut self) -> bool {
        let clean = matches!(self.phase, Phase::CloseExchanged | Phase::ReplyDue);
        if !clean {
            self.stop_sending(CloseCode::ABNORMAL, String::new(), Initiator::Transport);
        }
        clean
    }

    /// We fail the connection for `error`. Returns the close frame payload to
    /// queue if our side could still send one; the caller then ends.
    pub(super) fn fail(&mut self, error: ProtocolError) -> Option<Vec<u8>> {
        let code = error.close_code();
        let payload = (self.phase == Phase::Open).then(|| {
            let reason = error.to_string();
            let reason = crate::close::truncate_reason(&reason);
            let mut payload = code.0.to_be_bytes().to_vec();
            payload.extend_from_slice(reason.as_bytes());
            self.stop_sending(code, reason.to_owned(), Initiator::ProtocolError);
            payload
        });
        self.failure = Some(error.into());
        payload
    }

    /// Something inside us failed mid-message (compression): 1011 with
    /// `reason` goes on the wire. Returns that payload; the caller then ends.
    pub(super) fn fail_internal(&mut self, reason: &str) -> Vec<u8> {
        let mut payload = CloseCode::INTERNAL_ERROR.0.to_be_bytes().to_vec();
        payload.extend_from_slice(reason.as_bytes());
        self.stop_sending(
            CloseCode::INTERNAL_ERROR,
            reason.to_owned(),
            Initiator::ProtocolError,
        );
        payload
    }

    /// The opening handshake failed (bad request or response, timeout, EOF).
    pub(super) fn handshake_failed(&mut self, error: HandshakeError) {
        self.stop_sending(
            CloseCode::ABNORMAL,
            error.to_string(),
            Initiator::ProtocolError,
        );
        self.failure = Some(error.into());
    }

    /// The server application refused the request with an HTTP `status`.
    pub(super) fn rejected(&mut self, status: u16) {
        self.stop_sending(
            CloseCode::ABNORMAL,
            format!("handshake rejected with {status}"),
            Initiator::Local,
        );
    }

    /// A protocol error behind events not yet polled: it waits for them.
    pub(super) fn defer(&mut self, error: ProtocolError) {
        self.deferred = Some(error);
    }

    pub(super) fn take_deferred(&mut self) -> Option<ProtocolError> {
        self.deferred.take()
    }

    /// The end: the one [`Closed`] report, or `None` if it was already made.
    pub(super) fn end(&mut self, clean: bool) -> Option<Closed> {
        if self.phase == Phase::Ended {
            return None;
        }
        self.phase = Phase::Ended;
        let info = self.current_info();
        let (code, reason) = match (&self.failure, &self.received) {
            // We failed the connection: report the code we put on the wire.
            (Some(Error::Protocol(_)), _) => (info.code, info.reason),
            (Some(Error::Handshake(e)), _) => (CloseCode::ABNORMAL, e.to_string()),
            // RFC 6455 §7.1.5: the code of the close frame we received.
            (None, Some(frame)) => (frame.code, frame.reason.clone()),
            _ => (CloseCode::ABNORMAL, String::new()),
        };
        Some(Closed {
            code,
            reason,
            clean,
            initiator: info.initiator,
            error: self.failure.clone(),
        })
    }

    /// Our side sends no more: records who closed and why (the first word stands).
    fn stop_sending(&mut self, code: CloseCode, reason: String, initiator: Initiator) {
        if self.phase == Phase::Open {
            self.phase = Phase::CloseSent;
        }
        if self.info.is_none() {
            self.info = Some(CloseInfo {
                code,
                reason,
                initiator,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Lifecycle {
        let mut life = Lifecycle::connecting();
        life.open();
        life
    }

    fn frame(code: u16, reason: &str) -> CloseFrame {
        CloseFrame {
            code: CloseCode(code),
            reason: reason.into(),
        }
    }

    #[test]
    fn sending_and_receiving_follow_the_phases() {
        let mut life = Lifecycle::connecting();
        assert!(!life.can_send() && !life.can_receive());
        assert_eq!(life.check_send(), Err(SendError::NotOpen));
        life.open();
        assert!(life.can_send() && life.can_receive());
        assert!(matches!(
            life.local_close(CloseCode::NORMAL, "bye"),
            LocalClose::SendFrame
        ));
        // Our side is closed, theirs still sends until its close frame.
        assert!(!life.can_send() && life.can_receive());
        assert_eq!(
            (life.our_state(), life.their_state(), life.state()),
            (SideState::Closed, SideState::Open, State::Closing)
        );
        assert_eq!(
            life.peer_close(&frame(1000, ""), true),
            None,
            "ours went out"
        );
        assert!(!life.can_receive());
        assert!(life.transport_gone(), "close frames went both ways: clean");
        let closed = life.end(true).expect("the one report");
        assert_eq!(
            (closed.code, closed.initiator),
            (CloseCode(1000), Initiator::Local)
        );
        assert!(life.end(true).is_none(), "reported once");
        assert!(life.is_ended() && life.state() == State::Closed);
    }

    #[test]
    fn the_first_word_on_who_closed_stands() {
        let mut life = open();
        let reply = life.peer_close(&frame(4001, "theirs"), true);
        assert_eq!(reply, Some(4001u16.to_be_bytes().to_vec()), "code echoed");
        let LocalClose::AlreadyClosed(info) = life.local_close(CloseCode::NORMAL, "ours") else {
            panic!("already closing");
        };
        assert_eq!(info.initiator, Initiator::Remote);
        assert_eq!(info.reason, "theirs");
        assert!(matches!(
            life.check_send(),
            Err(SendError::Closed(CloseInfo {
                initiator: Initiator::Remote,
                ..
            }))
        ));
    }

    #[test]
    fn a_failure_sends_its_code_once_and_reports_it() {
        let mut life = open();
        let payload = life
            .fail(ProtocolError::PongTimeout)
            .expect("a close frame");
        assert_eq!(
            payload[..2],
            ProtocolError::PongTimeout.close_code().0.to_be_bytes()
        );
        let closed = life.end(false).unwrap();
        assert_eq!(closed.initiator, Initiator::ProtocolError);
        assert_eq!(closed.code, ProtocolError::PongTimeout.close_code());
        assert!(closed.error.is_some());
    }

    #[test]
    fn a_transport_gone_without_close_frames_is_abnormal() {
        let mut life = open();
        assert!(!life.transport_gone());
        let closed = life.end(false).unwrap();
        assert_eq!(
            (closed.code, closed.initiator, closed.clean),
            (CloseCode::ABNORMAL, Initiator::Transport, false)
        );
    }

    #[test]
    fn closing_during_the_opening_handshake_aborts() {
        let mut life = Lifecycle::connecting();
        assert!(matches!(
            life.local_close(CloseCode::NORMAL, ""),
            LocalClose::Aborted
        ));
        assert_eq!(life.current_info().initiator, Initiator::Local);
    }
}
