//! The rules of a reconnecting WebSocket client as one sans-IO machine: phases,
//! the application's close and reconnect, backoff with jitter, a heartbeat, the
//! send queue with its drop policy, and who closed. It owns no socket, no timer
//! and no clock: the adapter (the npm package's `SafeWebSocket`) feeds it
//! transport events, timer expiries and the application's calls, and carries out
//! the [`Action`]s it returns.
//!
//! Behind the `resilient` Cargo feature. Written to stay small in a browser's
//! wasm module: no formatting, no panicking paths with messages, no hashing,
//! time as plain milliseconds ([`Millis`]) and randomness from a seed.
//!
//! ```
//! use wscore::resilient::{Action, Message, ResilientOptions, ResilientSocket, SendOutcome};
//!
//! let mut ws: ResilientSocket = ResilientSocket::new(ResilientOptions::default(), 7);
//! let Some(Action::OpenSocket { socket, attempt: 0 }) = ws.poll_action() else { panic!() };
//! // Queued while connecting, sent in order once open.
//! assert_eq!(ws.send(Message::Text("hi".into()), 0, 0), SendOutcome::Queued);
//! assert!(ws.started(socket, 0)); // the adapter created the socket (after resolving its URL)
//! ws.opened(socket, 5);
//! assert_eq!(ws.poll_action(), Some(Action::Send { socket, payload: Message::Text("hi".into()) }));
//! assert_eq!(ws.poll_action(), Some(Action::Opened));
//! ```
//!
//! # The adapter's loop
//!
//! - Call [`ResilientSocket::poll_action`] after every input until it returns
//!   `None`, and carry each action out in order.
//! - Keep one timer at [`ResilientSocket::poll_timeout`] (re-read it after every
//!   input); when it fires, call [`ResilientSocket::handle_timeout`].
//! - Report each socket's events with the [`SocketId`] of the `OpenSocket` that
//!   created it. Events of a socket the machine has forgotten are ignored.
//!
//! # A browser adapter, input by input
//!
//! | The DOM says | Call |
//! |---|---|
//! | `OpenSocket` polled, URL resolved | `started(id, now)`; if `true`, `new WebSocket(url)` |
//! | URL function or constructor threw | `closed(id, 1006, "", false, now)` |
//! | `open` | `opened(id, now)` |
//! | `message` | `message(id, payload)` |
//! | `error` | `error(id)` |
//! | `close` | `closed(id, code, reason, wasClean, now)` |
//! | `readyState` is CLOSING when the app sends | `closing(id, now)`, then `send` |
//! | executing a `Send` finds the socket not OPEN | `unsent(id, payload, now)` |
//! | the one `setTimeout` fires | `handle_timeout(now, bufferedAmount)` |
//!
//! `Closed` is both the `close` event and `lastClose`; `Reconnecting`, `Drop`,
//! `Opened`, `Deliver` and `Error` are the other events. `ForgetSocket` removes
//! the socket's handlers and closes it if it is still connecting or open.
//!
//! # Rules
//!
//! - Never two sockets: every [`Action::OpenSocket`] is followed by exactly one
//!   [`Action::ForgetSocket`] for it before the next `OpenSocket`.
//! - Every message handed to [`ResilientSocket::send`] is sent ([`Action::Send`]),
//!   reported dropped ([`Action::Drop`]), or refused by `send`'s return value.
//! - The final close is one [`Action::Closed`] with `will_reconnect: false`; any
//!   `Drop` of still-queued messages comes before it and nothing comes after it
//!   until the application calls [`ResilientSocket::reconnect`].
//! - A server's deliberate close with one of
//!   [`ReconnectOptions::stop_codes`] (by default 1000 and 1008, see
//!   [`DEFAULT_STOP_CODES`]) ends reconnecting; so do the application's `close`
//!   and [`ReconnectOptions::max_retries`] failed attempts in a row.

mod backoff;
mod machine;
mod options;
mod types;

pub use backoff::{ceiling, Jitter};
pub use machine::ResilientSocket;
pub use options::{
    Heartbeat, ReconnectOptions, ResilientOptions, DEFAULT_STOP_CODES, DRAIN_POLL,
    HEARTBEAT_CLOSE_CODE, HEARTBEAT_CLOSE_REASON,
};
pub use types::{
    Action, CloseRefused, CloseReport, DropReason, Message, Phase, SendOutcome, SocketId,
    SocketPayload, Stats,
};

/// Milliseconds since an origin the adapter chooses (`performance.now()` in a
/// browser, rounded). Only differences matter; it must not go backwards.
pub type Millis = u64;

#[cfg(test)]
mod tests;
