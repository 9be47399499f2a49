//! Every way a connection can refuse input or an application call, each with a
//! readable message and the close code or HTTP status it puts on the wire.

use crate::close::{CloseCode, CloseInfo};

/// The peer broke RFC 6455 or one of our limits. The connection is failed with
/// [`ProtocolError::close_code`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An RSV bit was set that no negotiated extension claims.
    #[error("reserved bits {0:#05b} set without an extension that defines them")]
    ReservedBits(u8),
    /// An opcode RFC 6455 does not define.
    #[error("unknown opcode {0:#x}")]
    UnknownOpcode(u8),
    /// A client sent an unmasked frame.
    #[error("client frame is not masked")]
    UnmaskedClientFrame,
    /// A server sent a masked frame.
    #[error("server frame is masked")]
    MaskedServerFrame,
    /// A 64-bit payload length had its most significant bit set.
    #[error("64-bit payload length has the most significant bit set")]
    LengthTopBitSet,
    /// A control frame (close, ping, pong) was fragmented.
    #[error("control frame is fragmented")]
    FragmentedControlFrame,
    /// A control frame had more than 125 bytes of payload.
    #[error("control frame payload of {0} bytes exceeds 125")]
    ControlFrameTooLong(u64),
    /// A continuation frame arrived with no fragmented message in progress.
    #[error("continuation frame without a message to continue")]
    UnexpectedContinuation,
    /// A new text or binary frame arrived while a fragmented message was in progress.
    #[error("new data frame while a fragmented message is in progress")]
    ExpectedContinuation,
    /// A text message or close reason was not valid UTF-8.
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    /// A close frame had a 1-byte payload.
    #[error("close frame payload of 1 byte (a code needs 2)")]
    CloseFrameOneByte,
    /// A close frame carried a code that may not be sent.
    #[error("close frame carries invalid code {0}")]
    InvalidCloseCode(u16),
    /// A frame was larger than `max_frame_size`.
    #[error("frame of {size} bytes exceeds the limit of {limit}")]
    FrameTooBig {
        /// The frame's declared payload length.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// A message was larger than `max_message_size`.
    #[error("message of at least {size} bytes exceeds the limit of {limit}")]
    MessageTooBig {
        /// The size reached so far.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// A compressed message was not valid DEFLATE data.
    #[error("compressed message is not valid DEFLATE data")]
    InvalidCompressedData,
    /// The peer did not answer a ping within `pong_timeout` (1011, as uvicorn and
    /// websockets send for it).
    #[error("keepalive ping timeout")]
    PongTimeout,
    /// Our pending output stayed above `output_high_water` for
    /// `output_stall_timeout`: the peer does not read (1008).
    #[error("peer left more than {high_water} bytes unread for {after:?}")]
    OutputStalled {
        /// The configured high-water mark.
        high_water: usize,
        /// How long the output stayed above it (`output_stall_timeout`).
        after: std::time::Duration,
    },
    /// The process's shared [`crate::MemoryBudget`] could not hold this
    /// connection's partly received message (1013, try again later).
    #[error("server memory budget for incoming messages exhausted")]
    MemoryBudgetExhausted,
}

impl ProtocolError {
    /// The close code this error puts on the wire.
    pub fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::InvalidUtf8(_) | ProtocolError::InvalidCompressedData => {
                CloseCode::INVALID_PAYLOAD
            }
            ProtocolError::FrameTooBig { .. } | ProtocolError::MessageTooBig { .. } => {
                CloseCode::MESSAGE_TOO_BIG
            }
            ProtocolError::PongTimeout => CloseCode::INTERNAL_ERROR,
            ProtocolError::OutputStalled { .. } => CloseCode::POLICY_VIOLATION,
            ProtocolError::MemoryBudgetExhausted => CloseCode::TRY_AGAIN_LATER,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// The opening handshake failed. On a server, [`HandshakeError::status`] is the HTTP
/// status the rejection carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The bytes are not an HTTP/1.1 request or response.
    #[error("malformed HTTP: {0}")]
    MalformedHttp(String),
    /// The request method is not GET.
    #[error("method {0} is not GET")]
    NotGet(String),
    /// The HTTP version is older than 1.1.
    #[error("HTTP version older than 1.1")]
    HttpVersion,
    /// A required header is missing.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A header that must appear once appeared more than once.
    #[error("duplicate {0} header")]
    DuplicateHeader(&'static str),
    /// A header has a value the protocol does not allow.
    #[error("invalid {name} header: {detail}")]
    InvalidHeader {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// `Sec-WebSocket-Version` is not 13.
    #[error("unsupported WebSocket version {0:?} (only 13)")]
    UnsupportedVersion(String),
    /// The request or response head is larger than `max_handshake_size`.
    #[error("handshake of more than {0} bytes")]
    TooLarge(usize),
    /// The head has more header fields than the parser takes (a limit on their
    /// number, not on bytes).
    #[error("too many header fields: at most {0} allowed")]
    TooManyHeaders(usize),
    /// A GET upgrade request announced a body (`Content-Length` other than 0,
    /// repeated, or `Transfer-Encoding`); its bytes would be read as frames.
    #[error("an upgrade request has no body, but this one announces one ({0})")]
    RequestBody(String),
    /// The request's `Origin` is not allowed by the server's [`crate::OriginPolicy`].
    #[error("origin {origin:?} is not allowed (allowed: {allowed})")]
    OriginNotAllowed {
        /// The `Origin` header as received (at most 100 characters of it).
        origin: String,
        /// The allowed origins.
        allowed: String,
    },
    /// The server's [`crate::OriginPolicy`] requires an `Origin` header and there was none.
    #[error("missing Origin header (this server requires one)")]
    OriginRequired,
    /// The request's `Host` is not one the server's [`crate::OriginPolicy`] allows.
    #[error("host {host:?} is not allowed (allowed: {allowed})")]
    HostNotAllowed {
        /// The `Host` header as received (at most 100 characters of it).
        host: String,
        /// The allowed hosts.
        allowed: String,
    },
    /// The server answered with a status other than 101 (the client sees [`crate::Event::Rejected`] too).
    #[error("server answered {0} instead of 101 Switching Protocols")]
    NotSwitching(u16),
    /// `Sec-WebSocket-Accept` does not match our key.
    #[error("Sec-WebSocket-Accept does not match the key we sent")]
    BadAccept,
    /// The server picked a subprotocol we did not offer.
    #[error("server selected subprotocol {0:?} that the client did not offer")]
    UnofferedSubprotocol(String),
    /// The server selected an extension we did not offer.
    #[error("server selected extension {0:?} that the client did not offer")]
    UnofferedExtension(String),
    /// The client URL is not a `ws://` or `wss://` URL.
    #[error("invalid URL {0:?}: {1}")]
    InvalidUrl(String, &'static str),
    /// The peer closed the transport before the handshake completed.
    #[error("transport closed during the opening handshake")]
    Eof,
    /// The handshake did not complete within `handshake_timeout`.
    #[error("opening handshake timed out")]
    Timeout,
}

impl HandshakeError {
    /// The HTTP status a server answers this error with: 431 for an oversized
    /// head or too many headers, 426 for a wrong version, 403 for a refused
    /// origin or host, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            HandshakeError::TooLarge(_) | HandshakeError::TooManyHeaders(_) => 431,
            HandshakeError::OriginNotAllowed { .. }
            | HandshakeError::OriginRequired
            | HandshakeError::HostNotAllowed { .. } => 403,
            HandshakeError::UnsupportedVersion(_) => 426,
            HandshakeError::NotGet(_) => 405,
            _ => 400,
        }
    }
}

/// A `send_*` call that could not queue its frame. Nothing was queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The connection is closing or closed: our close frame is queued, the
    /// connection failed, or the transport ended. Carries who closed, the code and the reason.
    #[error("connection closed ({} by {:?}): cannot send", .0.code, .0.initiator)]
    Closed(CloseInfo),
    /// The opening handshake has not completed yet.
    #[error("the opening handshake has not completed")]
    NotOpen,
    /// A new message was started while a fragmented one is unfinished.
    #[error("a fragmented message is in progress: finish it (fin = true) first")]
    MessageInProgress,
    /// A continuation fragment of another kind than the message in progress.
    #[error("fragment kind does not match the fragmented message in progress")]
    FragmentKindMismatch,
    /// A ping payload over 125 bytes.
    #[error("control frame payload of {0} bytes exceeds 125")]
    ControlFrameTooLong(usize),
}

/// A `close` call with arguments the RFC forbids. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseError {
    /// The code may not be sent (1004–1006, 1015, < 1000, 1016–2999, ≥ 5000).
    #[error("close code {0} may not be sent (use 1000-1003, 1007-1014 or 3000-4999)")]
    InvalidCode(u16),
    /// The reason is over 123 bytes of UTF-8; [`crate::binding::truncate_reason`] cuts it safely.
    #[error("close reason of {0} bytes exceeds 123 (see wscore::binding::truncate_reason)")]
    ReasonTooLong(usize),
    /// A reason was given without a code.
    #[error("a close reason needs a close code")]
    ReasonWithoutCode,
}

/// A server's `accept` or `reject` call that does not fit the connection's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptError {
    /// No handshake request is waiting: not a server, not received yet, or already answered.
    #[error("no handshake request is waiting for an answer")]
    NoPendingRequest,
    /// The chosen subprotocol was not offered by the client.
    #[error("subprotocol {0:?} was not offered by the client")]
    UnofferedSubprotocol(String),
    /// A header name or value cannot appear in an HTTP head (control characters, CR, LF).
    #[error("invalid header {0:?}")]
    InvalidHeader(String),
    /// A rejection must not use status 101.
    #[error("status {0} cannot reject a handshake")]
    InvalidStatus(u16),
}

/// Why a connection failed: the peer's protocol violation or a failed handshake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the framing or close rules, or a limit.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The opening handshake failed.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
}
