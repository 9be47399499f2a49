//! The opening handshake (RFC 6455 §4): the types both sides exchange and the
//! accept key. Pure functions over byte buffers; [`crate::Connection`] drives them:
//! [`server`] parses requests and writes answers, [`client`] writes requests and
//! parses answers, [`http`] holds the HTTP rules both share, [`url`] reads
//! `ws://` and `wss://` URLs.

mod client;
pub(crate) mod http;
mod server;
mod url;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub(crate) use client::{parse_response_scanned, write_request};
pub(crate) use server::{parse_request_scanned, write_accept, write_error_response, write_reject};
pub use url::{endpoint, Endpoint};

/// One HTTP header: the name as it was written and the raw value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Header {
    /// Header name, as received or as given (compare case-insensitively).
    pub name: String,
    /// Header value bytes (usually ASCII; HTTP allows other octets).
    pub value: Vec<u8>,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A client's upgrade request, as a server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Accept {
    /// The subprotocol to select; it must be one the client offered.
    pub subprotocol: Option<String>,
    /// Extra headers for the 101 response (e.g. `Set-Cookie`).
    pub headers: Vec<Header>,
}

/// How a client opens a connection: URL, subprotocols to offer, extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClientRequest {
    /// A `ws://` or `wss://` URL.
    pub url: String,
    /// Subprotocols to offer, in order of preference.
    pub subprotocols: Vec<String>,
    /// Extra headers (e.g. `Origin`, `Authorization`).
    pub headers: Vec<Header>,
}

/// The server's 101 answer, as a client received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

/// The GUID RFC 6455 §1.3 appends to the key before hashing.
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

impl ClientRequest {
    /// A request for `url` with no subprotocols and no extra headers.
    pub fn new(url: impl Into<String>) -> Self {
        ClientRequest {
            url: url.into(),
            subprotocols: Vec::new(),
            headers: Vec::new(),
        }
    }
    /// Offers one more subprotocol.
    pub fn subprotocol(mut self, name: impl Into<String>) -> Self {
        self.subprotocols.push(name.into());
        self
    }
    /// Adds one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }
}

impl Request {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        http::find_header(&self.headers, name)
    }
}

impl Response {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        http::find_header(&self.headers, name)
    }
}

/// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)).
pub fn accept_key(key: &str) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    let mut sha = sha1::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(WS_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A fresh random `Sec-WebSocket-Key` (16 random bytes, base64).
pub(crate) fn new_key() -> String {
    use base64::Engine as _;
    let mut nonce = [0u8; 16];
    crate::random::fill(&mut nonce);
    base64::engine::general_purpose::STANDARD.encode(nonce)
}
