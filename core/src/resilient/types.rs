//! What goes in and out of a [`super::ResilientSocket`]: payloads, actions, outcomes.

use crate::{CloseCode, Initiator};

use super::Millis;

/// Names one socket the machine asked for, in every event about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u32);

/// What the machine needs to know about a message: its size (queue limits,
/// backpressure) and, for the heartbeat, how to make and recognise text. An
/// adapter may implement it for its own handle (a JS value it never copies).
pub trait SocketPayload {
    /// Bytes counted against [`crate::binding::QueueLimits`].
    fn byte_len(&self) -> usize;
    /// A text message (the heartbeat's ping).
    fn from_text(text: &str) -> Self;
    /// Whether this is the text message `text` (the heartbeat's pong).
    fn is_text(&self, text: &str) -> bool;
}

/// A message held in Rust memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl SocketPayload for Message {
    fn byte_len(&self) -> usize {
        match self {
            Message::Text(s) => s.len(),
            Message::Binary(b) => b.len(),
        }
    }
    fn from_text(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
    fn is_text(&self, text: &str) -> bool {
        matches!(self, Message::Text(s) if s == text)
    }
}

/// Where the machine is. [`super::ResilientSocket::state_name`] spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `start_closed` and not started yet: no socket; sends are queued.
    Idle,
    /// A socket was asked for (its URL may still be resolving) and is not open yet.
    Connecting,
    /// The socket is open.
    Open,
    /// A close was begun (ours, the heartbeat's, `reconnect()`'s or the peer's);
    /// the socket has not reported its close yet.
    Closing,
    /// No socket; the next attempt opens when the backoff timer fires.
    Reconnecting,
    /// The final close happened; only `reconnect()` leaves it.
    Closed,
}

/// Why a message will never be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Pushed out of a full queue (drop-oldest), or did not fit (drop-newest).
    QueueFull,
    /// Still queued at the final close.
    Closed,
    /// Handed to a transport that was already closing
    /// ([`super::ResilientSocket::unsent`]).
    TransportClosing,
}

impl DropReason {
    /// `"queue-full"`, `"closed"` or `"transport-closing"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue-full",
            DropReason::Closed => "closed",
            DropReason::TransportClosing => "transport-closing",
        }
    }
}

/// A socket's close as the application sees it: the `close` event and `lastClose`
/// carry the same code and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReport {
    /// Our code for our close, the peer's for theirs, 1006 when the transport failed
    /// (4000 for a heartbeat timeout).
    pub code: CloseCode,
    /// The reason that goes with `code`.
    pub reason: String,
    /// Who closed: never `ProtocolError` (a browser hides protocol failures as 1006).
    pub initiator: Initiator,
    /// Whether the closing handshake completed, as the transport said.
    pub was_clean: bool,
    /// Whether a new socket follows (a `Reconnecting` action, or at once after
    /// `reconnect()`). `false` marks the final close.
    pub will_reconnect: bool,
}

/// What the adapter must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<P> {
    /// Create socket `socket` (resolve the URL first if it is a function), then
    /// call [`super::ResilientSocket::started`]. `attempt` is 0 for a first or
    /// app-requested open, else the failed attempts since the last good connection.
    OpenSocket {
        /// The id every event of this socket is reported with.
        socket: SocketId,
        /// Failed attempts before this one.
        attempt: u32,
    },
    /// Send `payload` on `socket`. If the socket turns out not to be open, hand the
    /// payload back with [`super::ResilientSocket::unsent`].
    Send {
        /// The socket to send on.
        socket: SocketId,
        /// The message.
        payload: P,
    },
    /// Send the heartbeat's ping `payload` on `socket` like a `Send`, but if the
    /// socket is not open skip it: it is not the application's, nothing to report.
    Ping {
        /// The socket to send on.
        socket: SocketId,
        /// The heartbeat message.
        payload: P,
    },
    /// Begin closing `socket` (`close()` with no code when `code` is `None`) and
    /// keep listening for its close.
    CloseSocket {
        /// The socket to close.
        socket: SocketId,
        /// The code to close with; `None` for none.
        code: Option<CloseCode>,
        /// The reason (empty without a code).
        reason: String,
    },
    /// Stop listening to `socket` and close it if it is not closed yet; no event of
    /// it is wanted any more. Also cancels an `OpenSocket` whose URL is resolving.
    ForgetSocket {
        /// The socket to let go.
        socket: SocketId,
    },
    /// The application's `open` event.
    Opened,
    /// The application's `message` event.
    Deliver(P),
    /// The application's `error` event.
    Error,
    /// The application's `reconnecting` event: the next attempt opens after `delay`.
    Reconnecting {
        /// Failed attempts in a row, from 1.
        attempt: u32,
        /// The wait before it, drawn below the backoff ceiling.
        delay: Millis,
    },
    /// The application's `drop` event: `payload` will never be sent.
    Drop {
        /// The message.
        payload: P,
        /// Why.
        why: DropReason,
    },
    /// The application's `close` event (also what `lastClose` reports).
    Closed(CloseReport),
}

/// What [`super::ResilientSocket::send`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// An [`Action::Send`] for it is queued.
    Sent,
    /// Held until the socket opens or drains.
    Queued,
    /// Did not fit (drop-newest): an [`Action::Drop`] reports it.
    Dropped,
    /// Did not fit (reject policy): not kept, no `Drop`.
    Rejected,
    /// Refused: the application closed, or the final close happened.
    Closed,
}

/// Why `close` or `reconnect` refused a code or reason (nothing changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseRefused {
    /// The code is not one an application may send from a browser: 1000 or 3000–4999.
    InvalidCode(u16),
    /// The reason has this many bytes of UTF-8, over 123.
    ReasonTooLong(usize),
    /// A reason was given without a code.
    ReasonWithoutCode,
}

impl CloseRefused {
    /// `"invalid-code"`, `"reason-too-long"` or `"reason-without-code"`.
    pub const fn kind(self) -> &'static str {
        match self {
            CloseRefused::InvalidCode(_) => "invalid-code",
            CloseRefused::ReasonTooLong(_) => "reason-too-long",
            CloseRefused::ReasonWithoutCode => "reason-without-code",
        }
    }
}

/// Counters over the machine's life (`reconnect()` does not reset them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Application messages handed to a socket (heartbeats not counted).
    pub sent: u64,
    /// Messages queued by `send`.
    pub queued: u64,
    /// Messages reported by [`Action::Drop`].
    pub dropped: u64,
    /// Messages `send` refused under the reject policy.
    pub rejected: u64,
    /// `send` calls refused after `close()` or the final close.
    pub after_close: u64,
    /// Sockets that opened.
    pub opens: u64,
    /// Attempts after a close (backoff or `reconnect()`).
    pub reconnects: u64,
}
