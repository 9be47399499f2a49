//! The send side, mirror of the decoder: frame heads, masking (a client's
//! frames), permessage-deflate, the state of a fragmented message, payloads
//! kept by the caller, and the output queue they all go to. It knows nothing
//! of the close rules: the connection asks the lifecycle before calling it.

use bytes::{Bytes, BytesMut};

use crate::deflate::Deflater;
use crate::error::SendError;
use crate::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use crate::mask::apply_mask;
use crate::output::{Output, COALESCE_LIMIT};
use crate::payload::Payload;
use crate::random::MaskKeys;

use super::state::Role;

/// What queueing a data frame came to.
#[must_use]
pub(super) enum Encoded {
    Queued,
    /// zlib failed in the middle of a compressed message: nothing more of it
    /// can be sent, the connection must fail (1011).
    CompressionFailed,
}

#[derive(Debug)]
pub(super) struct Encoder {
    /// The bytes to write, in order.
    pub(super) out: Output,
    /// Clients mask every frame with a fresh key (RFC 6455 §5.3).
    masks: Option<MaskKeys>,
    /// The kind of the fragmented data message in progress, if any.
    fragmented: Option<OpCode>,
    /// Whether the fragmented message in progress is compressed.
    compressing: bool,
    /// Our compressor, once permessage-deflate was agreed.
    deflater: Option<Deflater>,
    /// Whole messages shorter than this go out uncompressed.
    min_size: usize,
    /// Keepalive pings sent: the next one's payload.
    pings_sent: u64,
}

impl Encoder {
    pub(super) fn new(role: Role) -> Encoder {
        Encoder {
            out: Output::default(),
            masks: (role == Role::Client).then(MaskKeys::default),
            fragmented: None,
            compressing: false,
            deflater: None,
            min_size: 0,
            pings_sent: 0,
        }
    }

    /// Compresses from now on (messages of `min_size` bytes or more).
    #[cfg(feature = "deflate")]
    pub(super) fn start_deflate(&mut self, deflater: Deflater, min_size: usize) {
        self.deflater = Some(deflater);
        self.min_size = min_size;
    }

    /// Queues bytes that are not a frame (an HTTP head).
    pub(super) fn queue_raw(&mut self, bytes: &[u8]) {
        self.out.extend(bytes);
    }

    /// The most common frame of all: a whole message of up to 1 KiB from a
    /// server without compression, copied after a header of two bytes (FIN +
    /// opcode, length) or four (a 16-bit length from 126 bytes up). Returns
    /// false, having done nothing, for anything else.
    #[inline(always)]
    pub(super) fn queue_short_message(&mut self, opcode: OpCode, bytes: &[u8]) -> bool {
        if bytes.len() > COALESCE_LIMIT
            || self.masks.is_some()
            || self.deflater.is_some()
            || self.fragmented.is_some()
        {
            return false;
        }
        let b0 = 0x80 | opcode.bits();
        if bytes.len() < 126 {
            self.out.extend_short_frame(&[b0, bytes.len() as u8], bytes);
        } else {
            let [hi, lo] = (bytes.len() as u16).to_be_bytes();
            self.out.extend_short_frame(&[b0, 126, hi, lo], bytes);
        }
        true
    }

    /// A whole message over [`COALESCE_LIMIT`] from a server without
    /// compression, its shared payload queued by reference after its header,
    /// without the general path's checks. Returns the payload, having done
    /// nothing, for anything else.
    #[inline]
    pub(super) fn queue_large_shared(&mut self, opcode: OpCode, payload: Bytes) -> Option<Bytes> {
        let len = payload.len();
        if len <= COALESCE_LIMIT
            || self.masks.is_some()
            || self.deflater.is_some()
            || self.fragmented.is_some()
        {
            return Some(payload);
        }
        let mut head = [0u8; MAX_HEADER_LEN];
        head[0] = 0x80 | opcode.bits();
        let head_len = if len <= usize::from(u16::MAX) {
            head[1] = 126;
            head[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        } else {
            head[1] = 127;
            head[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            10
        };
        self.out.push_frame_shared(&head, head_len, payload);
        None
    }

    /// Queues a data message or fragment (`fragment`: sent with the fragment
    /// API; `fin`: its last frame), compressed when that was agreed.
    pub(super) fn queue_data(
        &mut self,
        opcode: OpCode,
        payload: Payload<'_>,
        fin: bool,
        fragment: bool,
    ) -> Result<Encoded, SendError> {
        let wire_opcode = match (self.fragmented, fragment) {
            (None, _) => opcode,
            (Some(_), false) => return Err(SendError::MessageInProgress),
            (Some(kind), true) if kind == opcode => OpCode::Continuation,
            (Some(_), true) => return Err(SendError::FragmentKindMismatch),
        };
        self.fragmented = if fin { None } else { Some(opcode) };
        if wire_opcode != OpCode::Continuation {
            // A fragment's message size is unknown, so a fragmented message is compressed.
            self.compressing = self.compresses(payload.as_bytes().len())
                || (self.deflater.is_some() && fragment && !fin);
        }
        if !self.compressing {
            self.queue_frame(wire_opcode, fin, 0, payload);
            return Ok(Encoded::Queued);
        }
        let mut compressed = Vec::new();
        let ok = self
            .deflater
            .as_mut()
            .and_then(|d| d.compress(payload.as_bytes(), fin, &mut compressed));
        match (ok, wire_opcode) {
            // RSV1 on the first frame only (RFC 7692 §6.1).
            (Some(()), OpCode::Continuation) => {
                self.queue_frame(wire_opcode, fin, 0, compressed.into())
            }
            (Some(()), _) => self.queue_frame(wire_opcode, fin, 0b100, compressed.into()),
            // zlib failed before anything was sent compressed: send it plain.
            (None, OpCode::Text | OpCode::Binary) => {
                self.compressing = false;
                self.queue_frame(wire_opcode, fin, 0, payload);
            }
            // Mid-message nothing can be sent any more.
            (None, _) => return Ok(Encoded::CompressionFailed),
        }
        Ok(Encoded::Queued)
    }

    /// Whether a whole message of `len` bytes is sent compressed.
    pub(super) fn compresses(&self, len: usize) -> bool {
        self.deflater.is_some() && len >= self.min_size
    }

    /// Queues a whole data message of `len` bytes as a header and a placeholder
    /// for the caller's payload if it would go out by reference (a server's
    /// uncompressed message over [`COALESCE_LIMIT`]); `Ok(false)` when not.
    pub(super) fn try_keep(&mut self, opcode: OpCode, len: usize) -> Result<bool, SendError> {
        if self.fragmented.is_some() {
            return Err(SendError::MessageInProgress);
        }
        if len <= COALESCE_LIMIT || self.masks.is_some() || self.compresses(len) {
            return Ok(false);
        }
        let (_, head, head_len) = self.frame_head(opcode, true, 0, len);
        self.out.extend(&head[..head_len]);
        self.out.push_held(len);
        Ok(true)
    }

    /// A whole uncompressed binary message whose payload `fill` writes straight
    /// into the output (where a client's is then masked).
    pub(super) fn queue_filled(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        let (mask, head, head_len) = self.frame_head(OpCode::Binary, true, 0, len);
        self.out.with_tail(|tail: &mut BytesMut| {
            tail.extend_from_slice(&head[..head_len]);
            let start = tail.len();
            tail.resize(start + len, 0);
            fill(&mut tail[start..]);
            if let Some(key) = mask {
                apply_mask(&mut tail[start..], key, 0);
            }
        });
    }

    /// Queues a ping, pong or close frame (length checked by the caller).
    pub(super) fn queue_control(&mut self, opcode: OpCode, payload: &[u8]) {
        self.queue_frame(opcode, true, 0, Payload::Borrowed(payload));
    }

    /// Queues the automatic answer to a ping. Only the latest ping needs its
    /// pong (RFC 6455 §5.5.3). While the peer keeps up every ping gets one (the
    /// Autobahn|Testsuite expects that); once our output is above `high_water`,
    /// a pong still unsent is replaced, so a peer that pings and never reads
    /// gets one pending pong, not one per ping.
    pub(super) fn queue_auto_pong(&mut self, ping: &[u8], high_water: usize) {
        if self.out.len() > high_water {
            self.out.retract_trailing_pong();
        }
        let before = self.out.len();
        self.queue_control(OpCode::Pong, ping);
        self.out.mark_trailing_pong(self.out.len() - before);
    }

    /// Queues a keepalive ping whose payload counts the pings sent.
    pub(super) fn queue_keepalive_ping(&mut self) {
        self.pings_sent += 1;
        let payload = self.pings_sent.to_be_bytes();
        self.queue_control(OpCode::Ping, &payload);
    }

    /// The header of a frame of `len` payload bytes, with a fresh mask key when
    /// we are the client: the key, the header buffer and how much of it is used.
    fn frame_head(
        &mut self,
        opcode: OpCode,
        fin: bool,
        rsv: u8,
        len: usize,
    ) -> (Option<[u8; 4]>, [u8; MAX_HEADER_LEN], usize) {
        let mask = self.masks.as_mut().map(MaskKeys::next);
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            len: len as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        (mask, head, head_len)
    }

    fn queue_frame(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: Payload<'_>) {
        let len = payload.as_bytes().len();
        let (mask, head, head_len) = self.frame_head(opcode, fin, rsv, len);
        match (mask, payload) {
            (Some(key), payload) => self.out.with_tail(|tail| {
                tail.extend_from_slice(&head[..head_len]);
                let start = tail.len();
                tail.extend_from_slice(payload.as_bytes());
                apply_mask(&mut tail[start..], key, 0);
            }),
            (None, Payload::Borrowed(bytes)) => self.out.extend_frame(&head, head_len, bytes),
            (None, Payload::Shared(bytes)) => self.out.push_frame_shared(&head, head_len, bytes),
        }
    }
}
