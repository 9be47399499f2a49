//! Sends for bindings whose payloads live outside Rust's memory (a JS
//! `Uint8Array`, a Python `bytes`): the payload is framed but not copied where
//! core would queue a shared payload by reference, and the binding writes its
//! own bytes where the output shows [`crate::binding::OutputSegment::Held`].

use crate::error::SendError;
use crate::frame::OpCode;
use crate::payload::Text;

use super::{Connection, HeldPayload};

impl Connection {
    /// Queues a binary message of `len` bytes whose payload the caller keeps and
    /// writes itself, so it is never copied: for bindings whose payloads live
    /// outside Rust's memory (a JS `Uint8Array`).
    ///
    /// Core keeps the payload only where it would queue a shared payload by
    /// reference: as a server (no masking), with no compression for this message,
    /// and over 1 KiB (smaller ones are copied next to their header, which costs
    /// less than a separate piece of output). Then it returns [`HeldPayload::Kept`]
    /// and the output shows the payload as [`OutputSegment::Held`](crate::output::OutputSegment::Held) right after its
    /// header; drain it with [`Connection::output_segments`] and write the caller's
    /// bytes there. Otherwise it calls `fill` once with `len` bytes to copy the
    /// payload into (straight into the output unless it is compressed; a client's
    /// is masked there) and returns [`HeldPayload::Copied`]. Errors are those of
    /// [`Connection::send_binary`], checked before `fill` is called.
    pub fn send_binary_held(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<HeldPayload, SendError> {
        if self.try_keep(OpCode::Binary, len)? {
            return Ok(HeldPayload::Kept);
        }
        if !self.encoder.compresses(len) {
            self.encoder.queue_filled(len, fill);
            return Ok(HeldPayload::Copied);
        }
        let mut copy = vec![0; len];
        fill(&mut copy);
        self.send_binary(copy)?;
        Ok(HeldPayload::Copied)
    }

    /// [`Connection::send_binary_held`] for a text message whose `len` bytes the
    /// caller has already checked are UTF-8 (a JS `Uint8Array` validated by the
    /// runtime's own checker): kept where core would queue it by reference,
    /// otherwise `fill` copies it in once and it is sent as
    /// [`Text::from_utf8_trusted`] (bytes that are not UTF-8 go out as they are
    /// and the peer fails the connection with 1007). Errors as for
    /// [`Connection::send_text`], checked before `fill` is called.
    pub fn send_text_held_trusted(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<HeldPayload, SendError> {
        if self.try_keep(OpCode::Text, len)? {
            return Ok(HeldPayload::Kept);
        }
        // Small or compressed: one more copy than send_binary_held's, into the
        // output, which costs little next to the call itself.
        let mut copy = vec![0; len];
        fill(&mut copy);
        self.send_text(Text::from_utf8_trusted(&copy))?;
        Ok(HeldPayload::Copied)
    }

    /// [`Connection::send_binary_held`] for a payload the caller can lend now (a
    /// Python `bytes`): sent like `send_binary(payload)` ([`HeldPayload::Copied`]),
    /// except where core would queue it by reference: then only its placeholder is
    /// queued ([`HeldPayload::Kept`]) and the caller keeps these bytes unchanged
    /// until it writes them there.
    pub fn send_binary_or_keep(&mut self, payload: &[u8]) -> Result<HeldPayload, SendError> {
        if self.try_keep(OpCode::Binary, payload.len())? {
            return Ok(HeldPayload::Kept);
        }
        self.send_binary(payload)?;
        Ok(HeldPayload::Copied)
    }

    /// [`Connection::send_binary_or_keep`] for a text message (a Python `str`'s
    /// UTF-8, or a `bytes` given as text): copied like `send_text(text)`, or
    /// kept where core would queue it by reference.
    pub fn send_text_or_keep<'a>(
        &mut self,
        text: impl Into<Text<'a>>,
    ) -> Result<HeldPayload, SendError> {
        let text = text.into();
        if self.try_keep(OpCode::Text, text.as_bytes().len())? {
            return Ok(HeldPayload::Kept);
        }
        self.send_text(text)?;
        Ok(HeldPayload::Copied)
    }

    /// Queues a whole data message of `len` bytes as a header and a placeholder
    /// if it would go out by reference; `Ok(false)` when not (send it normally).
    fn try_keep(&mut self, opcode: OpCode, len: usize) -> Result<bool, SendError> {
        self.life.check_send()?;
        self.encoder.try_keep(opcode, len)
    }
}
