//! The opening handshake (RFC 6455 §4): parsing and writing the HTTP/1.1 upgrade
//! request and response. Pure functions over byte buffers; [`crate::Connection`] drives them.

use serde::{Deserialize, Serialize};

use crate::error::{AcceptError, HandshakeError};

/// One HTTP header: the name as it was written and the raw value bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Header name, as received or as given (compare case-insensitively).
    pub name: String,
    /// Header value bytes (usually ASCII; HTTP allows other octets).
    pub value: Vec<u8>,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

/// A client's upgrade request, as a server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The request target: path and query, e.g. `/chat?room=1`.
    pub target: String,
    /// Every header, in the order received.
    pub headers: Vec<Header>,
    /// Subprotocols the client offered (`Sec-WebSocket-Protocol`), in order.
    pub subprotocols: Vec<String>,
    /// Extension offers (`Sec-WebSocket-Extensions`), one per comma-separated item, in order.
    pub extensions: Vec<String>,
    /// The `Sec-WebSocket-Key` value.
    pub key: String,
}

/// What a server answers when it accepts a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accept {
    /// The subprotocol to select; it must be one the client offered.
    pub subprotocol: Option<String>,
    /// Extra headers for the 101 response (e.g. `Set-Cookie`).
    pub headers: Vec<Header>,
}

/// How a client opens a connection: URL, subprotocols to offer, extra headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRequest {
    /// A `ws://` or `wss://` URL.
    pub url: String,
    /// Subprotocols to offer, in order of preference.
    pub subprotocols: Vec<String>,
    /// Extra headers (e.g. `Origin`, `Authorization`).
    pub headers: Vec<Header>,
}

/// The server's 101 answer, as a client received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Always 101.
    pub status: u16,
    /// Every header, in the order received.
    pub headers: Vec<Header>,
    /// The subprotocol the server selected, if any.
    pub subprotocol: Option<String>,
    /// Extensions the server selected, one per comma-separated item.
    pub extensions: Vec<String>,
}

/// A server's refusal: any non-101 response to the upgrade request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The HTTP status, e.g. 403.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<Header>,
    /// Response body (as much as `Content-Length` announced, up to the handshake limit).
    pub body: Vec<u8>,
}

/// What a client learns from the server's response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResponseOutcome {
    Accepted(Response),
    Rejected(Rejection),
}

impl ClientRequest {
    /// A request for `url` with no subprotocols and no extra headers.
    pub fn new(url: impl Into<String>) -> Self {
        todo!()
    }
    /// Offers one more subprotocol.
    pub fn subprotocol(mut self, name: impl Into<String>) -> Self {
        todo!()
    }
    /// Adds one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        todo!()
    }
}

impl Request {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        todo!()
    }
}

impl Response {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        todo!()
    }
}

/// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)).
pub fn accept_key(key: &str) -> String {
    todo!()
}

/// A fresh random `Sec-WebSocket-Key` (16 random bytes, base64).
pub(crate) fn new_key() -> String {
    todo!()
}

/// Parses a complete request head from the start of `buf`.
/// `Ok(None)`: incomplete, need more bytes (but `buf` longer than `max_size`
/// without a complete head is `TooLarge`). `Ok(Some((req, n)))`: the head took `n` bytes.
pub(crate) fn parse_request(buf: &[u8], max_size: usize) -> Result<Option<(Request, usize)>, HandshakeError> {
    todo!()
}

/// Writes the 101 response accepting `req` into `out`.
pub(crate) fn write_accept(req: &Request, accept: &Accept, out: &mut Vec<u8>) -> Result<(), AcceptError> {
    todo!()
}

/// Writes a non-101 response (`Connection: close`, `Content-Length`) into `out`.
pub(crate) fn write_reject(status: u16, headers: &[Header], body: &[u8], out: &mut Vec<u8>) -> Result<(), AcceptError> {
    todo!()
}

/// Writes the response a server sends for a handshake it could not parse or accept:
/// `err.status()`, a `text/plain` body with the error's message, and
/// `Sec-WebSocket-Version: 13` on a 426.
pub(crate) fn write_error_response(err: &HandshakeError, out: &mut Vec<u8>) {
    todo!()
}

/// Writes the client's upgrade request for `req` with `key` into `out`.
pub(crate) fn write_request(req: &ClientRequest, key: &str, out: &mut Vec<u8>) -> Result<(), HandshakeError> {
    todo!()
}

/// Parses the server's response head (and a rejection's body) from the start of `buf`.
/// Same `Ok(None)`/`TooLarge` contract as [`parse_request`].
pub(crate) fn parse_response(
    buf: &[u8],
    key: &str,
    offered_subprotocols: &[String],
    max_size: usize,
) -> Result<Option<(ResponseOutcome, usize)>, HandshakeError> {
    todo!()
}
