//! What the adapter's calls can fail with: core's typed outcomes, plus I/O.

use std::io;

use wscore::{CloseError, CloseInfo, Closed, HandshakeError, Rejection, SendError};

/// An error from a [`crate::WebSocket`], its halves or a [`crate::Sender`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A send after the connection started closing or ended, from any handle:
    /// who closed ([`wscore::Initiator`]), with which code and reason. The
    /// message was not queued. An expected outcome, never a panic.
    #[error("connection closed ({} by {}): cannot send", .0.code, .0.initiator.as_str())]
    Closed(CloseInfo),
    /// [`crate::Sender::try_send`] refused: unsent output is over
    /// [`wscore::Config::output_high_water`]. Nothing was queued; `send` waits instead.
    #[error("unsent output is over the high-water mark: message not queued")]
    Full,
    /// A send the protocol refuses for another reason (a ping over 125 bytes,
    /// a fragment out of order, not open yet).
    #[error(transparent)]
    Send(SendError),
    /// A `close` with a code or reason the RFC forbids. Nothing was sent.
    #[error(transparent)]
    CloseArgs(#[from] CloseError),
    /// The connection ended without a clean closing handshake: the peer broke
    /// the protocol, a timer expired, or the transport ended abruptly. The
    /// report says which (`initiator`, `code`, `error`). The stream's last item.
    #[error("connection failed: {} ({} by {})", .0.reason, .0.code, .0.initiator.as_str())]
    Failed(Closed),
    /// The opening handshake failed (bad request or response, timeout, EOF).
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The upgrade was refused: a client got this answer instead of 101, or a
    /// server's `accept_with` decision refused with it (the answer was sent).
    #[error("the server refused the upgrade with HTTP {}", .0.status)]
    Rejected(Rejection),
    /// `connect`: a `wss://` URL, and this build has no TLS (the `rustls` feature).
    #[error("wss:// needs TLS: enable the `rustls` feature of wscore-tokio")]
    TlsNotEnabled,
    /// A server's `accept` answer that does not fit the request (a subprotocol
    /// it did not offer, a header that cannot be sent).
    #[error(transparent)]
    Accept(#[from] wscore::AcceptError),
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Closed(info) => Error::Closed(info),
            other => Error::Send(other),
        }
    }
}

impl Error {
    /// Who closed, with which code and reason, when this is the send-after-close outcome.
    pub fn closed(&self) -> Option<&CloseInfo> {
        match self {
            Error::Closed(info) => Some(info),
            _ => None,
        }
    }
}
