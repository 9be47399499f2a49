//! What an application call did: the outcomes of `close` and of the held sends.

use crate::close::CloseInfo;

/// What [`crate::Connection::send_binary_held`] did with the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldPayload {
    /// The caller keeps it: write it where the output shows [`crate::binding::OutputSegment::Held`].
    Kept,
    /// It was copied in (`fill` was called) and is part of the output's bytes.
    Copied,
}

/// What a `close` call did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "outcome", rename_all = "snake_case"))]
pub enum CloseOutcome {
    /// Our close frame is queued after everything sent before it.
    Sent,
    /// Nothing to do: we had already closed, the peer had, or the connection had
    /// ended. Says who closed, with which code and reason.
    AlreadyClosed(CloseInfo),
    /// The opening handshake was not complete, so the transport is dropped instead.
    Aborted,
}
