//! # wscore: a sans-IO WebSocket protocol core (RFC 6455)
//!
//! A [`Connection`] is the whole protocol for one WebSocket, client or server, with
//! no I/O of its own: you give it the bytes you read, the time, and your
//! application's calls; it gives you events and the bytes to write. It owns
//! framing and the close rules, so that sending after a close is a typed
//! [`SendError::Closed`] that says who closed and why — never a panic, never a
//! silent loss — and everything sent before a clean close goes out before the
//! close frame.
//!
//! ## The loop you write around a socket
//!
//! ```no_run
//! use std::io::Read;
//! use std::net::TcpListener;
//! use std::time::{Duration, Instant};
//! use wscore::{Accept, Config, Connection, Event};
//!
//! # fn main() -> std::io::Result<()> {
//! let listener = TcpListener::bind("127.0.0.1:9001")?;
//! let (mut socket, _) = listener.accept()?;
//! let start = Instant::now();
//! let mut conn = Connection::server(Config::default());
//! let mut buf = vec![0u8; 64 * 1024];
//! loop {
//!     // Time in: fire due timers (handshake, close, keepalive).
//!     conn.handle_timeout(start.elapsed());
//!     // Bytes out: write what the connection queued.
//!     while conn.buffered_amount() > 0 {
//!         conn.write_to(&mut socket)?;
//!     }
//!     if conn.should_close_transport() {
//!         break; // dropping the socket closes it
//!     }
//!     // Bytes in, until the next timer is due.
//!     let wait = conn.poll_timeout().map(|t| t.saturating_sub(start.elapsed()));
//!     socket.set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
//!     match socket.read(&mut buf) {
//!         Ok(0) => conn.receive_eof(),
//!         Ok(n) => conn.receive(&buf[..n]),
//!         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
//!             || e.kind() == std::io::ErrorKind::TimedOut => {}
//!         Err(e) => return Err(e),
//!     }
//!     // Events out.
//!     while let Some(event) = conn.poll_event() {
//!         match event {
//!             Event::Request(_) => conn.accept(Accept::default()).expect("request is pending"),
//!             Event::Text(text) => { let _ = conn.send_text(text); } // echo
//!             Event::Binary(data) => { let _ = conn.send_binary(data); }
//!             Event::Closed(closed) => println!("closed: {} clean={}", closed.code, closed.clean),
//!             _ => {}
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! This loop writes everything before it reads again and polls every event
//! after each read, which is all the backpressure a blocking thread needs. An
//! event-driven adapter (asyncio, Node, tokio) that hands events to a slower
//! application or keeps output until its socket drains must stop reading while
//! [`Connection::should_pause_reading`] is true, so that a connection holds about
//! one read plus one message whatever the peer's or the application's pace.
//!
//! ## Other runtimes
//!
//! The same core runs behind two adapters in this repository:
//!
//! - Python: the Python package
//!   ([python/README.md](https://github.com/wscore-rs/wscore/blob/main/python/README.md)):
//!   a uvicorn WebSocket protocol, a guard for Starlette and FastAPI, the sans-IO
//!   connection itself and a wsproto-compatible layer.
//! - JavaScript: the npm package [`wscore`](https://www.npmjs.com/package/wscore):
//!   the sans-IO connection for Node, Deno and Bun, and `SafeWebSocket` over the
//!   browser's `WebSocket`.
//!
//! ## The API in layers
//!
//! - **The crate root is the protocol**: [`Connection`] and its [`Config`]; what
//!   it reports ([`Event`], [`Closed`], [`CloseInfo`], [`State`]); what it refuses
//!   ([`Error`], [`ProtocolError`], [`HandshakeError`], [`SendError`],
//!   [`CloseError`], [`AcceptError`]); [`CloseCode`]; the opening handshake
//!   ([`ClientRequest`], [`Request`], [`Accept`], [`Response`], [`Rejection`]);
//!   payloads ([`Utf8Bytes`], [`Bytes`], [`Payload`], [`Text`]); shared limits
//!   ([`MemoryBudget`], [`OriginPolicy`], [`DeflateConfig`]). [`Event`] and the
//!   error enums are `#[non_exhaustive]`: a match on them needs a wildcard arm.
//! - [`binding`] is for adapters: payloads kept outside Rust's memory, a
//!   handshake or a close run by someone else, a reconnecting socket's pieces.
//! - [`thresholds`] says when a payload is copied and when it is kept by
//!   reference, with the measurements that chose each limit.
//! - Optional parts are [Cargo features](#cargo-features): `serde`, and, for
//!   this crate's own tests and fuzz targets, `test-support` and `internals`.
//!
//! ## Two connections talking in memory
//!
//! ```
//! use wscore::{Accept, ClientRequest, CloseCode, Config, Connection, Event, SendError};
//!
//! let mut client = Connection::client(Config::default(), ClientRequest::new("ws://example.com/chat")).unwrap();
//! let mut server = Connection::server(Config::default());
//!
//! server.receive(&client.take_output());
//! assert!(matches!(server.poll_event(), Some(Event::Request(_))));
//! server.accept(Accept::default()).unwrap();
//! client.receive(&server.take_output());
//! assert!(matches!(client.poll_event(), Some(Event::Accepted(_))));
//!
//! client.send_text("hello").unwrap();
//! client.close(CloseCode::NORMAL, "bye").unwrap();
//! // Sending after close is an expected, typed outcome.
//! assert!(matches!(client.send_text("too late"), Err(SendError::Closed(_))));
//!
//! server.receive(&client.take_output());
//! assert_eq!(server.poll_event(), Some(Event::Text("hello".into())));
//! assert!(matches!(server.poll_event(), Some(Event::CloseReceived(_))));
//! assert!(matches!(server.poll_event(), Some(Event::Closed(c)) if c.clean));
//! ```
//!
//! ## Receiving without copies
//!
//! Read into a `BytesMut` (tokio's `AsyncReadExt::read_buf` does) and hand it to
//! [`Connection::receive_buf`]: a message of [`SHARE_FROM`] bytes or more that
//! arrived whole is unmasked where it lies, and its event shares the buffer
//! ([`Event::Binary`] holds [`Bytes`], [`Event::Text`] a [`Utf8Bytes`] that derefs
//! to `&str`). Sent on by value, it is queued by reference again.
//!
//! ```
//! use wscore::{BytesMut, Config, Connection, Event};
//! # use wscore::{Accept, ClientRequest};
//! # let mut client = Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
//! # let mut server = Connection::server(Config::default());
//! # server.receive(&client.take_output());
//! # let _ = server.poll_event();
//! # server.accept(Accept::default()).unwrap();
//! # client.receive(&server.take_output());
//! # let _ = client.poll_event();
//! client.send_binary(&[7u8; 4096][..]).unwrap();
//!
//! let mut read_buf = BytesMut::with_capacity(64 * 1024);
//! // With tokio: `socket.read_buf(&mut read_buf).await?`. Here, the client's bytes.
//! read_buf.extend_from_slice(&client.take_output());
//! let read_at = read_buf.as_ptr() as usize;
//! server.receive_buf(&mut read_buf);
//!
//! let Some(Event::Binary(data)) = server.poll_event() else { panic!("a message") };
//! assert!((read_at..read_at + 4200).contains(&(data.as_ptr() as usize))); // not a copy
//! server.send_binary(data).unwrap(); // an echo, by reference too
//! ```
//!
//! ## Sending without copies
//!
//! A server queues a shared payload over 1 KiB by reference — [`Bytes`], a `Vec<u8>`
//! or `String` given by value, or an `Arc<str>` sent to many connections — and
//! [`Connection::write_to`] hands it to one vectored write. Where the payload lives
//! outside Rust's memory (a JS `Uint8Array`, a Python `bytes`), the binding keeps it:
//! [`Connection::send_binary_held`] frames the message and leaves a placeholder in
//! [`Connection::output_segments`] where the caller writes its own bytes.
//!
//! ```
//! use std::sync::Arc;
//! use wscore::binding::{HeldPayload, OutputSegment};
//! use wscore::{Config, Connection, Event};
//! # use wscore::{Accept, ClientRequest};
//! # let mut client = Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
//! # let mut server = Connection::server(Config::default());
//! # server.receive(&client.take_output());
//! # let _ = server.poll_event();
//! # server.accept(Accept::default()).unwrap();
//! # client.receive(&server.take_output());
//! # let _ = client.poll_event();
//! let news: Arc<str> = "all hands at noon ".repeat(100).into();
//! server.send_text(news.clone()).unwrap(); // queued by reference
//!
//! let held = vec![7u8; 4096]; // say, memory the JS caller owns
//! let kept = server.send_binary_held(held.len(), |buf| buf.copy_from_slice(&held));
//! assert_eq!(kept, Ok(HeldPayload::Kept)); // a server sends it verbatim: not copied
//!
//! let mut wire = Vec::new();
//! for segment in server.output_segments() {
//!     match segment {
//!         OutputSegment::Bytes(bytes) => wire.extend_from_slice(bytes),
//!         OutputSegment::Held(n) => wire.extend_from_slice(&held[held.len() - n..]),
//!     }
//! }
//! server.advance_output(wire.len());
//! client.receive(&wire);
//! assert_eq!(client.poll_event(), Some(Event::Text((*news).into())));
//! assert_eq!(client.poll_event(), Some(Event::Binary(held.into())));
//! ```
//!
//! ## Cargo features
//!
//! - `deflate` (on by default): permessage-deflate (RFC 7692). Without it the
//!   extension is always declined and the code is smaller.
//! - `serde` (off by default): `Serialize` and `Deserialize` for the plain data
//!   types ([`Config`], [`CloseInfo`], [`CloseOutcome`], [`State`], the handshake
//!   types) and `Serialize` for [`Event`]. Enum names are snake_case, the same
//!   strings as their `as_str()`. None of the adapters needs it.
//! - `resilient` (off by default): `wscore::resilient`, the rules of a reconnecting
//!   client (the npm package's `SafeWebSocket`) as one sans-IO machine.
//! - `test-support` (off): `wscore::testing`, helpers this crate's own tests,
//!   benches and fuzz targets share. Not protocol API.
//! - `internals` (off, **unstable**: not covered by semver): makes the `frame`
//!   (frame headers) and `mask` modules public, for the fuzz targets that
//!   exercise them directly.
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod binding;
mod budget;
mod close;
mod close_tracker;
mod config;
mod connection;
mod decode;
mod deflate;
mod error;
mod event;
mod extension;
#[cfg(feature = "internals")]
pub mod frame;
#[cfg(not(feature = "internals"))]
mod frame;
mod handshake;
mod head_scan;
#[cfg(feature = "internals")]
pub mod mask;
#[cfg(not(feature = "internals"))]
mod mask;
mod origin;
mod output;
mod payload;
mod random;
mod reconnect;
#[cfg(feature = "resilient")]
pub mod resilient;
mod send_queue;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod thresholds;
mod utf8;
mod utf8_bytes;

// The protocol. Adapter support lives in `binding`.
pub use budget::{MemoryBudget, DEFAULT_ALLOWANCE};
pub use close::{CloseCode, CloseFrame, CloseInfo, Initiator, MAX_REASON_BYTES};
pub use config::Config;
pub use connection::{CloseOutcome, Connection, Role, SideState, State};
pub use deflate::{DeflateConfig, DeflateParams};
pub use error::{AcceptError, CloseError, Error, HandshakeError, ProtocolError, SendError};
pub use event::{Closed, Event};
pub use handshake::{Accept, ClientRequest, Header, Rejection, Request, Response};
pub use origin::{OriginPolicy, NULL_ORIGIN, SAME_ORIGIN};
pub use payload::{Payload, Text};
pub use thresholds::SHARE_FROM;
pub use utf8_bytes::Utf8Bytes;

/// `bytes::Bytes`, re-exported: pass one to `send_binary` to queue it without a
/// copy; binary messages arrive as one. `BytesMut` is what
/// [`Connection::receive_buf`] reads from.
pub use bytes::{Bytes, BytesMut};

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The crate page's (core/README.md) examples, likewise.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
