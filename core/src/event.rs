//! What a [`crate::Connection`] reports to the application.

use bytes::Bytes;

use crate::close::{CloseCode, CloseFrame, Initiator};
use crate::error::Error;
use crate::handshake::{Rejection, Request, Response};
use crate::utf8_bytes::Utf8Bytes;

/// Something the application should know about, from [`crate::Connection::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "type", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Event {
    /// Server: a client asked to open a WebSocket. Answer with
    /// [`crate::Connection::accept`] or [`crate::Connection::reject`].
    Request(Request),
    /// Client: the server accepted; the connection is open.
    Accepted(Response),
    /// Client: the server answered with something other than 101.
    Rejected(Rejection),
    /// A complete text message. It shares the buffer it was received into
    /// when it arrived whole through [`crate::Connection::receive_buf`].
    Text(Utf8Bytes),
    /// A complete binary message, shared the same way.
    #[cfg_attr(feature = "serde", serde(serialize_with = "as_byte_seq"))]
    Binary(Bytes),
    /// A ping (already answered unless `auto_pong` is off).
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// The peer sent a close frame. Our reply is already queued;
    /// [`Event::Closed`] follows when the closing handshake ends.
    CloseReceived(CloseFrame),
    /// The connection is over. Always the last event, exactly once.
    Closed(Closed),
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Closed {
    /// The peer's close code (RFC 6455 §7.1.5); the code we failed the connection
    /// with after a protocol error; 1006 if there was no closing handshake.
    pub code: CloseCode,
    /// The reason that goes with `code`.
    pub reason: String,
    /// Whether close frames were exchanged both ways.
    pub clean: bool,
    /// Who started the close.
    pub initiator: Initiator,
    /// The error that failed the connection, if one did.
    #[cfg_attr(feature = "serde", serde(serialize_with = "error_message"))]
    pub error: Option<Error>,
}

#[cfg(feature = "serde")]
fn error_message<S: serde::Serializer>(error: &Option<Error>, s: S) -> Result<S::Ok, S::Error> {
    match error {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// Binary payloads serialize as a sequence of bytes, as `Vec<u8>` does.
#[cfg(feature = "serde")]
fn as_byte_seq<S: serde::Serializer>(data: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(data.iter())
}
