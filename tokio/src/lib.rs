//! # wscore-tokio: WebSockets on tokio, with wscore's close semantics
//!
//! The tokio I/O for [`wscore`], a sans-IO WebSocket core (RFC 6455): a
//! server's [`accept`], a client's [`connect`], and a [`WebSocket`] that is a
//! `futures` `Stream` of [`Message`]s and a `Sink` of them, as users of
//! tokio-tungstenite expect. Every protocol rule is core's; this crate moves
//! bytes, keeps time and wakes tasks.
//!
//! ## An echo server
//!
//! ```no_run
//! use tokio::net::TcpListener;
//! use wscore_tokio::{accept, Message};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:9001").await?;
//!     loop {
//!         let (tcp, _) = listener.accept().await?;
//!         tokio::spawn(async move {
//!             let Ok(mut ws) = accept(tcp).await else { return };
//!             while let Some(Ok(msg)) = ws.recv().await {
//!                 if let Message::Text(_) | Message::Binary(_) = msg {
//!                     let _ = ws.send(msg).await; // an echo: no copy either way
//!                 }
//!             }
//!         });
//!     }
//! }
//! ```
//!
//! `recv` and `send` are `StreamExt::next` and `SinkExt::send` without the
//! imports; `futures` combinators (`forward`, `split`, `select`) work too.
//!
//! ## A client
//!
//! ```no_run
//! use wscore_tokio::{connect, Message};
//!
//! # async fn run() -> Result<(), wscore_tokio::Error> {
//! let (mut ws, _response) = connect("ws://127.0.0.1:9001/chat").await?;
//! ws.send("hello").await?;
//! if let Some(Ok(Message::Text(reply))) = ws.recv().await {
//!     println!("got {reply}");
//! }
//! let closed = ws.close(1000, "bye").await?; // waits for the reply
//! assert!(closed.clean);
//! # Ok(())
//! # }
//! ```
//!
//! ## Sending from other tasks, and close semantics
//!
//! [`WebSocket::sender`] (or [`WebSocket::split`]) gives a cloneable
//! [`Sender`]. Whatever task closes — ours through [`WebSocket::close`] or
//! [`Sender::close`], the peer with its close frame, a timer, the transport —
//! every send after it, from every handle, returns [`Error::Closed`] with who
//! closed ([`wscore::Initiator`]), the code and the reason: never a panic,
//! never a message silently dropped. A send that returned `Ok` before a clean
//! close went out before our close frame.
//!
//! ```no_run
//! use wscore_tokio::{Error, Message, WebSocket};
//! # async fn run(ws: WebSocket<tokio::net::TcpStream>) {
//! let (sender, mut receiver) = ws.split();
//! let ticker = sender.clone();
//! tokio::spawn(async move {
//!     loop {
//!         match ticker.send("tick").await {
//!             Ok(()) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
//!             Err(Error::Closed(info)) => break println!("closed by {:?}: {}", info.initiator, info.code),
//!             Err(other) => break eprintln!("{other}"),
//!         }
//!     }
//! });
//! while let Some(Ok(message)) = receiver.recv().await {
//!     if let Message::Text(text) = message {
//!         let _ = sender.send(Message::Text(text)).await;
//!     }
//! }
//! # }
//! ```
//!
//! - [`WebSocket::close`] queues our close frame after everything sent
//!   before, writes it, and waits for the peer's reply and the end of the
//!   transport within [`Config::close_timeout`]; it returns the [`Closed`]
//!   report (`clean` when close frames went both ways).
//! - [`Sender::close`] and the `Sink`'s `close` send the close frame and
//!   return; the stream, polled by its task, sees the reply and ends.
//! - The stream yields the peer's close frame as [`Message::Close`] (our reply
//!   is already queued) and then ends. An end without a clean closing
//!   handshake is one `Err` before the end: [`Error::Failed`] with the report
//!   (the peer broke the protocol, a timer expired), or [`Error::Io`].
//!
//! ## Backpressure and timers
//!
//! - Reading: nothing is read while the stream is not polled, so a peer that
//!   floods an application that does not read fills the socket buffers, not
//!   memory. Reading also pauses while our unsent output is over
//!   [`Config::output_high_water`].
//! - Writing: a send waits while unsent output is over the mark;
//!   [`Sender::try_send`] refuses with [`Error::Full`] instead. A peer that
//!   stops reading for [`Config::output_stall_timeout`] is dropped (1008).
//! - Core's timers run on tokio time while the stream is polled (or a send
//!   waits): the handshake timeout, keepalive pings ([`Config::ping_interval`])
//!   with their pong timeout, and the close timeout.
//!
//! ## Without copies
//!
//! Reads go into a `BytesMut` handed to [`wscore::Connection::receive_buf`]: a
//! message that arrives whole is unmasked where it lies and shared by the
//! [`Message`]. Sending a received `Bytes` or [`Utf8Bytes`] on queues it by
//! reference; large payloads go out in one vectored write. An idle connection
//! holds no read buffer.
//!
//! ## A handshake done elsewhere
//!
//! [`upgraded`] (or [`WebSocket::from_connection`] with a core
//! [`wscore::Connection::upgraded`], for permessage-deflate agreed by that
//! handshake) runs a WebSocket over a transport a hyper or axum upgrade hands
//! over. The `hyper` and `axum` features do that whole upgrade for you.
//!
//! ## Optional features
//!
//! - `rustls`: `wss://` for [`connect`] (Mozilla's roots) and `connect_tls`
//!   with your own rustls `ClientConfig`; a server hands a tokio-rustls
//!   `TlsAcceptor`'s stream to [`accept`].
//! - `hyper`: `hyper::upgrade` answers a hyper 1 service's upgrade request
//!   (Origin policy, permessage-deflate) and resolves to the WebSocket.
//! - `axum`: the `axum::WebSocketUpgrade` extractor (implies `hyper`).
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod connect;
mod error;
mod handshake;
mod message;
mod shared;
#[cfg(feature = "rustls")]
mod tls;
mod websocket;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "hyper")]
mod upgrade;

pub use connect::{connect, connect_with, MaybeTlsStream};
pub use error::Error;
pub use handshake::{accept, accept_with, client, client_with, upgraded};
pub use message::Message;
pub use websocket::{Receiver, Sender, WebSocket};

#[cfg(feature = "rustls")]
pub use tls::{connect_tls, default_client_config};
/// tokio-rustls, for a server's `TlsAcceptor` (the `rustls` feature): the
/// same version and crypto provider as ours, so no second TLS stack is built.
#[cfg(feature = "rustls")]
pub use tokio_rustls;
/// The rustls version `connect_tls` takes a `ClientConfig` of (the `rustls` feature).
#[cfg(feature = "rustls")]
pub use tokio_rustls::rustls;

/// Core types a user of this crate meets, re-exported.
pub use wscore::{
    Accept, Bytes, ClientRequest, CloseCode, CloseFrame, CloseInfo, CloseOutcome, Closed, Config,
    DeflateConfig, DeflateParams, Header, Initiator, OriginPolicy, Rejection, Request, Response,
    Role, Utf8Bytes,
};

/// The crate page's (README.md) examples, compiled as doctests so they cannot
/// rot. They use TLS and axum: `cargo test -p wscore-tokio --all-features --doc`.
#[cfg(all(doctest, feature = "rustls", feature = "axum"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
