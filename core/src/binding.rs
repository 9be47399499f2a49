//! For adapters: what a binding to another runtime (Python, JavaScript) or an
//! integration with someone else's HTTP server builds on, and a program that
//! drives a [`Connection`](crate::Connection) over its own socket does not need.
//! Everything here is re-exported from the module that owns it; the crate root
//! keeps the protocol (the connection, its configuration, events, errors, close
//! codes, the handshake types).
//!
//! What lives here, and why it is not at the root:
//!
//! - **Held payloads.** [`HeldPayload`] and [`OutputSegment`] are what
//!   [`Connection::send_binary_held`](crate::Connection::send_binary_held), the
//!   `send_*_or_keep` methods and
//!   [`Connection::output_segments`](crate::Connection::output_segments) deal in,
//!   for payloads that live outside Rust's memory (a JS `Uint8Array`, a Python
//!   `bytes`). A Rust program sends [`Bytes`](crate::Bytes) by value instead.
//! - **A handshake done elsewhere** (uvicorn, an ASGI server, hyper):
//!   [`accept_key`], [`check_origin`], and permessage-deflate negotiation on its
//!   own ([`deflate_client_offer`], [`deflate_client_accept`],
//!   [`deflate_server_accept`], and [`ExtensionParams`], the header item they
//!   parse); [`Connection::upgraded`](crate::Connection::upgraded) then runs with
//!   the result.
//! - **Where a client connects**: [`endpoint`] reads a `ws://` or `wss://` URL
//!   into host, port and whether it needs TLS, for an adapter's `connect`.
//! - **A closing handshake someone else runs** (the browser's `WebSocket`):
//!   [`CloseTracker`] and [`CloseRequest`] report who closed the way a
//!   `Connection` does; [`validate_close`] is the check
//!   [`Connection::close`](crate::Connection::close) makes, for a close handed to
//!   such a transport; [`truncate_reason`] cuts a message (an error's text) to
//!   fit in a close frame.
//! - **A reconnecting socket** (the npm package's `SafeWebSocket`): [`Backoff`]
//!   with [`ReconnectPolicy`], [`ReconnectDecision`] and [`StopReason`];
//!   [`SendQueue`] with [`QueueLimits`], [`DropPolicy`] and [`Enqueued`]. They
//!   never touch a `Connection`. With the `resilient` feature,
//!   `wscore::resilient` combines them (and [`CloseTracker`]) into one machine
//!   holding all of such a socket's rules.
//!
//! Kept at the root although adapters use them too, because a program driving a
//! `Connection` meets them: [`DeflateParams`](crate::DeflateParams) (what
//! [`Connection::deflate`](crate::Connection::deflate) reports),
//! [`OriginPolicy`](crate::OriginPolicy) with its entries (part of
//! [`Config`](crate::Config)), [`MAX_REASON_BYTES`](crate::MAX_REASON_BYTES) (the
//! limit `close` enforces) and [`SHARE_FROM`](crate::SHARE_FROM) (what
//! [`Connection::receive_buf`](crate::Connection::receive_buf) shares).

pub use crate::close::{truncate_reason, validate_close};
pub use crate::close_tracker::{CloseRequest, CloseTracker};
pub use crate::connection::HeldPayload;
pub use crate::deflate::{
    client_accept as deflate_client_accept, client_offer as deflate_client_offer,
    server_accept as deflate_server_accept,
};
pub use crate::extension::ExtensionParams;
pub use crate::handshake::{accept_key, endpoint, Endpoint};
pub use crate::origin::{check_origin, check_request};
pub use crate::output::OutputSegment;
pub use crate::reconnect::{Backoff, ReconnectDecision, ReconnectPolicy, StopReason};
pub use crate::send_queue::{DropPolicy, Enqueued, QueueLimits, SendQueue};
