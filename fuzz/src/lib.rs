//! What the fuzz targets share: a connection driven by a script of peer bytes,
//! application calls and clock steps, and the invariants every run must keep
//! (the properties core promises: no panic, `Closed` exactly once and last,
//! typed errors after close, text is UTF-8, nothing over the limits).

mod wire;

use std::collections::VecDeque;
use std::time::Duration;

use arbitrary::Arbitrary;
pub use wire::WireCheck;
use wscore::binding::{HeldPayload, OutputSegment};
use wscore::{Accept, BytesMut, ClientRequest, Config, Connection, DeflateConfig, Event, Header, MemoryBudget, SendError, State};

/// Limits small enough for the fuzzer to reach.
pub fn config(deflate: bool) -> Config {
    Config {
        max_frame_size: 4096,
        max_message_size: 8192,
        max_handshake_size: 2048,
        ping_interval: Some(Duration::from_secs(5)),
        // Reached by the fuzzer: the stall timer and the shared budget's refusals.
        output_high_water: 2048,
        memory_budget: Some(MemoryBudget::new(12 << 10)),
        deflate: deflate.then(|| DeflateConfig {
            min_size: 0,
            ..DeflateConfig::default()
        }),
        ..Config::default()
    }
}

/// A valid upgrade request (offering permessage-deflate and two subprotocols).
pub const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

/// In client targets, this text in the peer's bytes becomes the right
/// `Sec-WebSocket-Accept` for the client's random key, so that the fuzzer can
/// reach past the accept check.
pub const ACCEPT_PLACEHOLDER: &[u8] = b"{ACCEPT}";

/// A 101 response template; [`ACCEPT_PLACEHOLDER`] stands for the accept key.
pub const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\
Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

/// A client connection offering `chat` and `superchat`, and its request bytes.
pub fn client(config: Config) -> (Connection, Vec<u8>) {
    let request = ClientRequest::new("ws://localhost/chat")
        .subprotocol("chat")
        .subprotocol("superchat")
        .header("Origin", "http://localhost");
    let mut conn = Connection::client(config, request).expect("valid URL");
    conn.handle_timeout(Duration::ZERO);
    let head = conn.take_output();
    (conn, head)
}

/// Replaces every [`ACCEPT_PLACEHOLDER`] in `data` with the accept key for the
/// `Sec-WebSocket-Key` in `request_head`.
pub fn with_accept_key(data: &[u8], request_head: &[u8]) -> Vec<u8> {
    let head = String::from_utf8_lossy(request_head);
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .expect("the client sends a key");
    let accept = wscore::binding::accept_key(key.trim());
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = find(rest, ACCEPT_PLACEHOLDER) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(accept.as_bytes());
        rest = &rest[i + ACCEPT_PLACEHOLDER.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One step of a scripted run.
#[derive(Debug, Arbitrary)]
pub enum Step {
    /// Bytes from the peer: the fuzzer picks both the bytes and the split.
    Receive(Vec<u8>),
    /// Bytes read onto the end of the run's `BytesMut` and given to `receive_buf`.
    ReceiveBuf(Vec<u8>),
    SendText(String),
    SendBinary(Vec<u8>),
    SendTextFragment(String, bool),
    SendBinaryFragment(Vec<u8>, bool),
    /// `send_binary_held`: the run keeps the payload and writes it where the
    /// output shows its placeholder.
    SendBinaryHeld(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    /// The clock moves on by this many tenths of a second.
    Advance(u8),
    Accept(Option<String>),
    Reject(u16),
    /// The transport took this many pending bytes.
    Written(u16),
    TakeOutput,
    Eof,
}

/// A whole run: how it starts and what happens then.
#[derive(Debug, Arbitrary)]
pub struct Script {
    /// Start with a valid handshake from the peer.
    pub valid_start: bool,
    pub deflate: bool,
    pub steps: Vec<Step>,
}

/// Drives `conn` and checks the invariants after every step.
pub struct Run {
    pub conn: Connection,
    now: Duration,
    closed: bool,
    limit: usize,
    wire: WireCheck,
    /// Payloads core kept (`HeldPayload::Kept`) and not yet written in full.
    held: VecDeque<Vec<u8>>,
    /// The read buffer for `receive_buf` (which must leave it empty).
    read_buf: BytesMut,
}

impl Run {
    pub fn new(conn: Connection) -> Self {
        let limit = conn.config().max_message_size;
        let wire = WireCheck::new(conn.role());
        Run {
            conn,
            now: Duration::ZERO,
            closed: false,
            limit,
            wire,
            held: VecDeque::new(),
            read_buf: BytesMut::new(),
        }
    }

    /// For a connection whose handshake output was already taken.
    pub fn without_head(conn: Connection) -> Self {
        let role = conn.role();
        Run {
            wire: WireCheck::frames_only(role),
            ..Run::new(conn)
        }
    }

    pub fn receive(&mut self, data: &[u8]) {
        self.conn.receive(data);
        self.drain();
    }

    pub fn step(&mut self, step: &Step) {
        let c = &mut self.conn;
        let sent = match step {
            Step::Receive(data) => {
                c.receive(data);
                None
            }
            Step::ReceiveBuf(data) => {
                self.read_buf.extend_from_slice(data);
                c.receive_buf(&mut self.read_buf);
                assert!(self.read_buf.is_empty(), "receive_buf left bytes");
                None
            }
            Step::SendText(s) => Some(c.send_text(s.as_str())),
            Step::SendBinary(b) => Some(c.send_binary(&b[..])),
            Step::SendTextFragment(s, fin) => Some(c.send_text_fragment(s.as_str(), *fin)),
            Step::SendBinaryFragment(b, fin) => Some(c.send_binary_fragment(&b[..], *fin)),
            Step::SendBinaryHeld(b) => {
                let mut filled = false;
                let result = c.send_binary_held(b.len(), |buf| {
                    filled = true;
                    buf.copy_from_slice(b);
                });
                match result {
                    Ok(HeldPayload::Kept) => {
                        assert!(!filled, "fill called for a kept payload");
                        self.held.push_back(b.clone());
                    }
                    Ok(HeldPayload::Copied) => assert!(filled, "copied without fill"),
                    Err(_) => assert!(!filled, "fill called for a refused send"),
                }
                Some(result.map(|_| ()))
            }
            Step::Ping(p) => Some(c.send_ping(p)),
            Step::Pong(p) => Some(c.send_pong(p)),
            Step::Close(code, reason) => {
                let _ = c.close(*code, reason);
                None
            }
            Step::Advance(tenths) => {
                self.now += Duration::from_millis(100 * u64::from(*tenths));
                c.handle_timeout(self.now);
                None
            }
            Step::Accept(subprotocol) => {
                let _ = c.accept(Accept {
                    subprotocol: subprotocol.clone(),
                    headers: vec![Header::new("X-Fuzz", "1")],
                });
                None
            }
            Step::Reject(status) => {
                let _ = c.reject(*status, &[], b"no");
                None
            }
            Step::Written(n) => {
                self.write(usize::from(*n));
                None
            }
            Step::TakeOutput => {
                self.write(usize::MAX);
                None
            }
            Step::Eof => {
                c.receive_eof();
                None
            }
        };
        // After the end, every send is the typed "closed" outcome (an over-long
        // ping or pong is refused for its argument first, as `close` does).
        if let Some(result) = sent {
            if self.closed || self.conn.state() == State::Closed {
                assert!(
                    matches!(
                        result,
                        Err(SendError::Closed(_) | SendError::ControlFrameTooLong(_))
                    ),
                    "send after Closed: {result:?}"
                );
            }
        }
        self.drain();
    }

    /// The transport takes up to `n` pending bytes, held payloads written in their place.
    fn write(&mut self, n: usize) {
        let c = &mut self.conn;
        let n = n.min(c.buffered_amount());
        let mut bytes = Vec::with_capacity(n);
        let mut held = self.held.iter();
        let mut held_segments = 0;
        for segment in c.output_segments() {
            let piece = match segment {
                OutputSegment::Bytes(b) => b,
                OutputSegment::Held(left) => {
                    held_segments += 1;
                    let payload = held.next().expect("a placeholder for every kept payload");
                    assert!(left > 0 && left <= payload.len());
                    &payload[payload.len() - left..]
                }
            };
            let take = piece.len().min(n - bytes.len());
            bytes.extend_from_slice(&piece[..take]);
        }
        assert!(held.next().is_none(), "a kept payload with no placeholder");
        c.advance_output(n);
        let still_held = c
            .output_segments()
            .filter(|s| matches!(s, OutputSegment::Held(_)))
            .count();
        self.held.drain(..held_segments - still_held);
        self.wire.written(&bytes, c.deflate().is_some());
    }

    /// Polls every event, checking each.
    pub fn drain(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            assert!(!self.closed, "event after Closed: {event:?}");
            match &event {
                Event::Text(t) => {
                    assert!(std::str::from_utf8(t.as_bytes()).is_ok());
                    assert!(t.len() <= self.limit, "text of {} bytes", t.len());
                }
                Event::Binary(b) => assert!(b.len() <= self.limit, "binary of {} bytes", b.len()),
                Event::Ping(p) | Event::Pong(p) => assert!(p.len() <= 125),
                Event::CloseReceived(f) => assert!(f.reason.len() <= 123),
                Event::Closed(_) => {
                    self.closed = true;
                    assert_eq!(self.conn.state(), State::Closed);
                    assert!(self.conn.should_close_transport());
                    assert_eq!(self.conn.poll_timeout(), None);
                }
                _ => {}
            }
        }
    }

    /// Ends the run the way a transport would and checks `Closed` came exactly once.
    pub fn finish(mut self) {
        self.conn.receive_eof();
        self.now += Duration::from_secs(3600);
        self.conn.handle_timeout(self.now);
        self.drain();
        self.write(usize::MAX);
        assert!(self.closed, "no Closed after EOF and timeouts");
        assert!(self.conn.send_text("late").is_err());
        if let Some(budget) = &self.conn.config().memory_budget {
            assert_eq!(budget.used(), 0, "a closed connection still holds budget");
        }
    }
}
