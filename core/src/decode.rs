//! The receiving half of the framing layer: bytes in, whole messages and control
//! frames out. Payload bytes are unmasked while they are copied into the message
//! buffer, so each byte is touched once; from a buffer the caller gives up
//! (`next_buf`), a long message that is already whole is unmasked in place and
//! split off instead, not copied. A declared length is trusted for the
//! first allocation only up to [`UPFRONT_MAX`] (and the limits): beyond that the
//! message grows as its bytes actually arrive.

use bytes::{Buf, Bytes, BytesMut};

use crate::budget::{Draw, MemoryBudget};
use crate::deflate::{InflateError, Inflater};
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use crate::mask::{apply_mask, extend_masked, extend_masked_bytes, masked_copy};
use crate::thresholds::{SHARE_FROM, SMALL_ARENA};
use crate::utf8::{validate_utf8, Utf8Tracker};
use crate::utf8_bytes::Utf8Bytes;

/// The most allocated at once for a single-frame message that is still arriving,
/// from its declared length: it saves the copies of growing the buffer as chunks
/// arrive, without letting a peer that declares a large frame and sends little
/// reserve more than this per connection.
const UPFRONT_MAX: usize = 1 << 20;

/// Below this a split frame grows as before: at most one small reallocation,
/// and sizing it up front measured slower (more work inside glibc's malloc for
/// 1 KiB messages under callgrind), not faster.
const UPFRONT_MIN: u64 = 4096;

/// A complete unit for the connection: a message or a control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    Text(Utf8Bytes),
    Binary(Bytes),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MessageKind {
    Text,
    Binary,
}

/// The frame whose payload is arriving.
#[derive(Debug, Clone, Copy)]
struct Current {
    header: FrameHeader,
    /// Payload bytes already received.
    done: u64,
}

#[derive(Debug)]
pub(crate) struct Decoder {
    /// Servers require masked frames, clients require unmasked ones.
    expect_masked: bool,
    max_frame_size: usize,
    max_message_size: usize,
    /// A header split across reads.
    header_buf: [u8; MAX_HEADER_LEN],
    header_len: usize,
    current: Option<Current>,
    /// The data message being assembled, and its kind once started.
    message: Vec<u8>,
    kind: Option<MessageKind>,
    utf8: Utf8Tracker,
    /// The control frame being assembled (at most 125 bytes).
    control: Vec<u8>,
    /// permessage-deflate, once negotiated; `compressed` marks the current message.
    inflater: Option<Inflater>,
    compressed: bool,
    /// Unmasked compressed bytes on their way into the inflater.
    scratch: Vec<u8>,
    /// What `message` holds of the process's shared memory budget.
    draw: Draw,
    /// Short whole messages are copied into slices of this (see [`SMALL_ARENA`]).
    small: BytesMut,
}

impl Decoder {
    pub(crate) fn new(
        expect_masked: bool,
        max_frame_size: usize,
        max_message_size: usize,
        budget: Option<MemoryBudget>,
    ) -> Self {
        Decoder {
            expect_masked,
            max_frame_size,
            max_message_size,
            header_buf: [0; MAX_HEADER_LEN],
            header_len: 0,
            current: None,
            message: Vec::new(),
            kind: None,
            utf8: Utf8Tracker::default(),
            control: Vec::new(),
            inflater: None,
            compressed: false,
            scratch: Vec::new(),
            draw: Draw::new(budget),
            small: BytesMut::new(),
        }
    }

    /// Frees the message in progress and what it held of the budget: the
    /// connection failed, nothing more will be decoded.
    pub(crate) fn discard(&mut self) {
        self.message = Vec::new();
        self.scratch = Vec::new();
        self.small = BytesMut::new();
        self.draw.hold(0);
    }

    /// A whole frame's payload, unmasked into a buffer of its own: when short,
    /// a slice of the small-message buffer, sized by what is left of the input
    /// (`avail` bytes from the payload on) up to [`SMALL_ARENA`].
    #[inline]
    fn unmasked_copy(&mut self, payload: &[u8], mask: Option<[u8; 4]>, avail: usize) -> Bytes {
        if payload.len() >= SHARE_FROM {
            return match mask {
                Some(key) => Bytes::from(masked_copy(payload, key)),
                None => Bytes::copy_from_slice(payload),
            };
        }
        if self.small.capacity() - self.small.len() < payload.len() {
            // A new buffer (the one before stays with the messages cut from it).
            self.small = BytesMut::with_capacity(avail.min(SMALL_ARENA).max(payload.len()));
        }
        match mask {
            Some(key) => extend_masked_bytes(&mut self.small, payload, key),
            None => self.small.extend_from_slice(payload),
        }
        self.small.split().freeze()
    }

    /// The input at hand is used up: lets go of the small-message buffer, so
    /// that an idle connection holds none (the messages cut from it keep it
    /// alive as long as they live).
    #[inline]
    pub(crate) fn end_of_input(&mut self) {
        if self.small.capacity() != 0 {
            self.small = BytesMut::new();
        }
    }

    /// Makes room for `chunk` of frame `c` in the message, drawing the new
    /// capacity from the budget before it is allocated.
    #[inline]
    fn reserve_message(&mut self, c: &Current, chunk: usize) -> Result<(), ProtocolError> {
        let needed = self.message.len() + chunk;
        let capacity = self.message.capacity();
        if needed <= capacity {
            return Ok(());
        }
        let target = if capacity == 0 && c.header.fin && c.header.len > UPFRONT_MIN {
            // A whole message in one frame, arriving in pieces: size it once.
            // `start_frame` has checked the declared length against the limits.
            let declared = usize::try_from(c.header.len).unwrap_or(usize::MAX);
            declared.min(UPFRONT_MAX.max(chunk))
        } else {
            // Double, as a `Vec` would, but not past the message limit.
            needed
                .max(capacity * 2)
                .min(self.max_message_size.max(needed))
        };
        if !self.draw.hold(target) {
            return Err(ProtocolError::MemoryBudgetExhausted);
        }
        self.message.reserve_exact(target - self.message.len());
        Ok(())
    }

    /// Accepts RSV1 (compressed) messages from now on.
    #[cfg_attr(not(feature = "deflate"), allow(dead_code))]
    pub(crate) fn enable_deflate(&mut self, inflater: Inflater) {
        self.inflater = Some(inflater);
    }

    /// Consumes bytes from the front of `data` until one message or control frame
    /// is complete (returned) or `data` is used up (`Ok(None)`). After an error the
    /// decoder's position in the stream is lost: do not call it again.
    pub(crate) fn next(&mut self, data: &mut &[u8]) -> Result<Option<Incoming>, ProtocolError> {
        loop {
            let current = match self.current {
                Some(c) => c,
                None => match self.read_header(data)? {
                    Some(header) => {
                        if let Some(message) = self.whole_message(&header, data)? {
                            return Ok(Some(message));
                        }
                        self.start_frame(&header)?;
                        Current { header, done: 0 }
                    }
                    None => return Ok(None),
                },
            };
            let remaining = current.header.len - current.done;
            let take = remaining.min(data.len() as u64) as usize;
            let (chunk, rest) = data.split_at(take);
            *data = rest;
            self.append_payload(&current, chunk)?;
            let done = current.done + take as u64;
            if done < current.header.len {
                self.current = Some(Current { done, ..current });
                return Ok(None);
            }
            self.current = None;
            if let Some(incoming) = self.finish_frame(&current.header)? {
                return Ok(Some(incoming));
            }
        }
    }

    /// Reads a header from `data`, stashing a partial one until the rest arrives.
    fn read_header(&mut self, data: &mut &[u8]) -> Result<Option<FrameHeader>, ProtocolError> {
        if self.header_len == 0 {
            if let Some((header, n)) = FrameHeader::parse(data)? {
                *data = &data[n..];
                return Ok(Some(header));
            }
            // An incomplete header is shorter than MAX_HEADER_LEN.
            self.header_buf[..data.len()].copy_from_slice(data);
            self.header_len = data.len();
            *data = &[];
            return Ok(None);
        }
        let old = self.header_len;
        let take = (MAX_HEADER_LEN - old).min(data.len());
        self.header_buf[old..old + take].copy_from_slice(&data[..take]);
        match FrameHeader::parse(&self.header_buf[..old + take])? {
            Some((header, n)) => {
                *data = &data[n - old..];
                self.header_len = 0;
                Ok(Some(header))
            }
            None => {
                self.header_len = old + take;
                *data = &data[take..];
                Ok(None)
            }
        }
    }

    /// The fast path for the common case: a whole unfragmented, uncompressed data
    /// frame already in `data` becomes its message in one step, without the
    /// per-chunk bookkeeping of the general path. Anything else (fragments, control
    /// frames, RSV bits, a wrong mask bit, a limit exceeded, a payload still
    /// arriving) returns `Ok(None)` with `data` untouched, and the general path
    /// checks and decodes it, so errors and their order stay exactly as there.
    /// The allocation is bounded by bytes actually present, never by a declared length.
    fn whole_message(
        &mut self,
        h: &FrameHeader,
        data: &mut &[u8],
    ) -> Result<Option<Incoming>, ProtocolError> {
        let Some(text) = self.simple_data_frame(h) else {
            return Ok(None);
        };
        if h.len > data.len() as u64 {
            return Ok(None);
        }
        let avail = data.len();
        let (payload, rest) = data.split_at(h.len as usize);
        *data = rest;
        let payload = self.unmasked_copy(payload, h.mask, avail);
        message(payload, text).map(Some)
    }

    /// Whether `h` starts an unfragmented, uncompressed data message within the
    /// limits, with the mask bit the role expects (`Some(true)` for text).
    fn simple_data_frame(&self, h: &FrameHeader) -> Option<bool> {
        let text = match h.opcode {
            OpCode::Text => true,
            OpCode::Binary => false,
            _ => return None,
        };
        let simple = h.fin
            && h.rsv == 0
            && self.kind.is_none()
            && self.current.is_none()
            && h.mask.is_some() == self.expect_masked
            && h.len <= self.max_frame_size.min(self.max_message_size) as u64;
        simple.then_some(text)
    }

    /// Like [`Decoder::next`], from the bytes of a buffer the caller gives up
    /// that start at `*pos` (those before were used): a whole simple message
    /// there is unmasked in place and split off without a copy (copied if
    /// shorter than [`SHARE_FROM`]). Everything else, frames still arriving
    /// included, goes through `next`, which consumes what it is given. Short
    /// messages only move `*pos`: the buffer is advanced when one is split
    /// off, and the caller clears it when done.
    #[inline]
    pub(crate) fn next_buf(
        &mut self,
        buf: &mut BytesMut,
        pos: &mut usize,
    ) -> Result<Option<Incoming>, ProtocolError> {
        if self.current.is_none() && self.header_len == 0 {
            if let Ok(Some((h, n))) = FrameHeader::parse(&buf[*pos..]) {
                let len = h.len as usize;
                let start = *pos + n;
                let fits = start + len <= buf.len();
                if let Some(text) = self.simple_data_frame(&h).filter(|_| fits) {
                    let payload = if len >= SHARE_FROM {
                        if let Some(key) = h.mask {
                            apply_mask(&mut buf[start..start + len], key, 0);
                        }
                        buf.advance(start);
                        *pos = 0;
                        buf.split_to(len).freeze()
                    } else {
                        *pos = start + len;
                        let avail = buf.len() - start;
                        self.unmasked_copy(&buf[start..start + len], h.mask, avail)
                    };
                    return message(payload, text).map(Some);
                }
            }
        }
        // An error in the header is `next`'s to report, the same way.
        let mut data: &[u8] = &buf[*pos..];
        let result = self.next(&mut data);
        *pos = buf.len() - data.len();
        result
    }

    /// Checks a new frame against the role, the fragmentation state and the limits.
    fn start_frame(&mut self, h: &FrameHeader) -> Result<(), ProtocolError> {
        // RSV1 marks a compressed message, on its first frame only (RFC 7692 §6).
        let rsv1_allowed =
            self.inflater.is_some() && matches!(h.opcode, OpCode::Text | OpCode::Binary);
        if h.rsv & 0b011 != 0 || (h.rsv & 0b100 != 0 && !rsv1_allowed) {
            return Err(ProtocolError::ReservedBits(h.rsv));
        }
        match (self.expect_masked, h.mask.is_some()) {
            (true, false) => return Err(ProtocolError::UnmaskedClientFrame),
            (false, true) => return Err(ProtocolError::MaskedServerFrame),
            _ => {}
        }
        if h.len > self.max_frame_size as u64 {
            return Err(ProtocolError::FrameTooBig {
                size: h.len,
                limit: self.max_frame_size,
            });
        }
        match h.opcode {
            OpCode::Close | OpCode::Ping | OpCode::Pong => self.control.clear(),
            OpCode::Continuation if self.kind.is_none() => {
                return Err(ProtocolError::UnexpectedContinuation)
            }
            OpCode::Text | OpCode::Binary if self.kind.is_some() => {
                return Err(ProtocolError::ExpectedContinuation)
            }
            OpCode::Text => self.kind = Some(MessageKind::Text),
            OpCode::Binary => self.kind = Some(MessageKind::Binary),
            OpCode::Continuation => {}
        }
        if matches!(h.opcode, OpCode::Text | OpCode::Binary) {
            self.compressed = h.rsv & 0b100 != 0;
        }
        // A compressed message's size is known only as it inflates.
        if !h.opcode.is_control() && !self.compressed {
            let size = self.message.len() as u64 + h.len;
            if size > self.max_message_size as u64 {
                return Err(ProtocolError::MessageTooBig {
                    size,
                    limit: self.max_message_size,
                });
            }
        }
        Ok(())
    }

    fn append_payload(&mut self, c: &Current, chunk: &[u8]) -> Result<(), ProtocolError> {
        if self.compressed && !c.header.opcode.is_control() {
            return self.inflate_payload(c, chunk);
        }
        let buf = if c.header.opcode.is_control() {
            // At most 125 bytes: not drawn from the budget.
            &mut self.control
        } else {
            self.reserve_message(c, chunk.len())?;
            &mut self.message
        };
        match c.header.mask {
            Some(key) => extend_masked(buf, chunk, key, c.done as usize),
            None => buf.extend_from_slice(chunk),
        }
        if c.header.opcode.is_control() {
            return Ok(());
        }
        self.check_text()
    }

    /// Unmasks a compressed chunk and inflates it onto the message, within the limit.
    fn inflate_payload(&mut self, c: &Current, chunk: &[u8]) -> Result<(), ProtocolError> {
        let Decoder {
            scratch,
            inflater,
            message,
            max_message_size,
            draw,
            ..
        } = self;
        let input: &[u8] = match c.header.mask {
            Some(key) => {
                scratch.clear();
                extend_masked(scratch, chunk, key, c.done as usize);
                scratch
            }
            None => chunk,
        };
        let limit = *max_message_size;
        let inflater = inflater
            .as_mut()
            .ok_or(ProtocolError::ReservedBits(0b100))?;
        inflater
            .inflate(input, message, limit, draw)
            .map_err(|e| inflate_error(e, limit))?;
        self.check_text()
    }

    /// A text message's bytes so far are UTF-8, or could still become it.
    fn check_text(&mut self) -> Result<(), ProtocolError> {
        if self.kind == Some(MessageKind::Text) {
            self.utf8
                .check(&self.message)
                .map_err(|_| ProtocolError::InvalidUtf8("text message"))?;
        }
        Ok(())
    }

    fn finish_frame(&mut self, h: &FrameHeader) -> Result<Option<Incoming>, ProtocolError> {
        let mut control = || std::mem::take(&mut self.control);
        Ok(Some(match h.opcode {
            OpCode::Close => Incoming::Close(control()),
            OpCode::Ping => Incoming::Ping(control()),
            OpCode::Pong => Incoming::Pong(control()),
            _ if !h.fin => return Ok(None),
            _ => {
                if std::mem::take(&mut self.compressed) {
                    let limit = self.max_message_size;
                    if let Some(inflater) = self.inflater.as_mut() {
                        inflater
                            .finish_message(&mut self.message, limit, &mut self.draw)
                            .map_err(|e| inflate_error(e, limit))?;
                    }
                    self.check_text()?;
                    self.scratch = Vec::new();
                }
                let payload = std::mem::take(&mut self.message);
                // The message is the application's now, no longer a partial one.
                self.draw.hold(0);
                match self.kind.take() {
                    Some(MessageKind::Text) => {
                        let complete = self.utf8.is_complete(&payload);
                        self.utf8.reset();
                        if !complete {
                            return Err(ProtocolError::InvalidUtf8("text message"));
                        }
                        // SAFETY: `utf8` checked every byte of `payload` as it arrived
                        // and it ends on a character boundary.
                        Incoming::Text(unsafe { Utf8Bytes::from_bytes_unchecked(payload.into()) })
                    }
                    _ => Incoming::Binary(payload.into()),
                }
            }
        }))
    }
}

/// A whole message's payload as its event, text checked for UTF-8.
fn message(payload: Bytes, text: bool) -> Result<Incoming, ProtocolError> {
    if !text {
        return Ok(Incoming::Binary(payload));
    }
    match validate_utf8(&payload) {
        // SAFETY: every byte was just checked to be UTF-8.
        Ok(()) => Ok(Incoming::Text(unsafe {
            Utf8Bytes::from_bytes_unchecked(payload)
        })),
        Err(_) => Err(ProtocolError::InvalidUtf8("text message")),
    }
}

fn inflate_error(e: InflateError, limit: usize) -> ProtocolError {
    match e {
        InflateError::TooBig => ProtocolError::MessageTooBig {
            size: limit as u64 + 1,
            limit,
        },
        InflateError::Corrupt => ProtocolError::InvalidCompressedData,
        InflateError::Budget => ProtocolError::MemoryBudgetExhausted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(fin: bool, opcode: OpCode, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut out = Vec::new();
        FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask,
            len: payload.len() as u64,
        }
        .write(&mut out);
        let start = out.len();
        out.extend_from_slice(payload);
        if let Some(key) = mask {
            crate::mask::apply_mask(&mut out[start..], key, 0);
        }
        out
    }

    fn decode_all(d: &mut Decoder, mut data: &[u8]) -> Result<Vec<Incoming>, ProtocolError> {
        let mut out = Vec::new();
        while let Some(i) = d.next(&mut data)? {
            out.push(i);
        }
        assert!(data.is_empty());
        Ok(out)
    }

    #[test]
    fn fragmented_text_with_interleaved_ping_in_every_split() {
        let key = Some([1, 2, 3, 4]);
        let mut wire = frame(false, OpCode::Text, "hé".as_bytes(), key);
        wire.extend(frame(true, OpCode::Ping, b"p", key));
        wire.extend(frame(true, OpCode::Continuation, "llo".as_bytes(), key));
        for cut in 0..wire.len() {
            let mut d = Decoder::new(true, 1 << 20, 1 << 20, None);
            let mut got = decode_all(&mut d, &wire[..cut]).unwrap();
            got.extend(decode_all(&mut d, &wire[cut..]).unwrap());
            assert_eq!(
                got,
                vec![
                    Incoming::Ping(b"p".to_vec()),
                    Incoming::Text("héllo".into())
                ],
                "cut {cut}"
            );
        }
    }

    /// Decodes `wire` fed whole (the single-frame fast path) and one byte at a
    /// time (the general path); both must give the same messages or error.
    fn whole_and_bytewise(
        expect_masked: bool,
        limit: usize,
        wire: &[u8],
    ) -> Result<Vec<Incoming>, ProtocolError> {
        let whole = decode_all(&mut Decoder::new(expect_masked, limit, limit, None), wire);
        let mut d = Decoder::new(expect_masked, limit, limit, None);
        let mut bytewise = Ok(Vec::new());
        for b in wire {
            match decode_all(&mut d, std::slice::from_ref(b)) {
                Ok(got) => bytewise.as_mut().unwrap().extend(got),
                Err(e) => {
                    bytewise = Err(e);
                    break;
                }
            }
        }
        assert_eq!(whole, bytewise, "{wire:?}");
        whole
    }

    #[test]
    fn whole_frames_decode_like_frames_in_pieces() {
        let key = Some([7, 0, 0xff, 0x80]);
        let text = "chat é € 𝄞 ".repeat(20);
        for len in [0, 1, 125, 126, 200] {
            let t = &text[..text.char_indices().nth(len).map_or(text.len(), |c| c.0)];
            let got = whole_and_bytewise(true, 1000, &frame(true, OpCode::Text, t.as_bytes(), key));
            assert_eq!(got, Ok(vec![Incoming::Text(t.to_owned().into())]));
            let b = &[0xA5; 300][..len];
            let got = whole_and_bytewise(true, 1000, &frame(true, OpCode::Binary, b, key));
            assert_eq!(got, Ok(vec![Incoming::Binary(b.to_vec().into())]));
        }
        // A server's unmasked frames to a client.
        let got = whole_and_bytewise(false, 1000, &frame(true, OpCode::Binary, b"abc", None));
        assert_eq!(got, Ok(vec![Incoming::Binary(b"abc".to_vec().into())]));
    }

    #[test]
    fn whole_frames_fail_like_frames_in_pieces() {
        let key = Some([1, 2, 3, 4]);
        let utf8 = Err(ProtocolError::InvalidUtf8("text message"));
        let bad = frame(true, OpCode::Text, &[b'o', b'k', 0xFF], key);
        assert_eq!(whole_and_bytewise(true, 100, &bad), utf8);
        let truncated = frame(true, OpCode::Text, &[b'a', 0xE2, 0x82], key);
        assert_eq!(whole_and_bytewise(true, 100, &truncated), utf8);
        let unmasked = frame(true, OpCode::Text, b"hi", None);
        assert_eq!(
            whole_and_bytewise(true, 100, &unmasked),
            Err(ProtocolError::UnmaskedClientFrame)
        );
        let big = frame(true, OpCode::Binary, &[0; 11], key);
        assert_eq!(
            whole_and_bytewise(true, 10, &big),
            Err(ProtocolError::FrameTooBig {
                size: 11,
                limit: 10
            })
        );
        // A message whose first frame is whole still follows a fragment's rules.
        let mut wire = frame(false, OpCode::Text, b"a", key);
        wire.extend(frame(true, OpCode::Binary, b"b", key));
        assert_eq!(
            whole_and_bytewise(true, 100, &wire),
            Err(ProtocolError::ExpectedContinuation)
        );
    }

    #[test]
    fn split_frames_are_sized_once_within_a_bound() {
        let header = |len: u64| {
            let mut h = Vec::new();
            FrameHeader {
                fin: true,
                rsv: 0,
                opcode: OpCode::Binary,
                mask: None,
                len,
            }
            .write(&mut h);
            h
        };
        // 100 KiB declared, 10 bytes here: allocated once for the whole frame.
        let mut d = Decoder::new(false, 64 << 20, 64 << 20, None);
        let mut wire = header(100 << 10);
        wire.extend_from_slice(&[1; 10]);
        assert_eq!(decode_all(&mut d, &wire), Ok(vec![]));
        assert_eq!(d.message.len(), 10);
        assert!(d.message.capacity() >= 100 << 10);
        // 32 MiB declared, within the limits: no more than UPFRONT_MAX reserved.
        let mut d = Decoder::new(false, 64 << 20, 64 << 20, None);
        let mut wire = header(32 << 20);
        wire.extend_from_slice(&[1; 10]);
        assert_eq!(decode_all(&mut d, &wire), Ok(vec![]));
        assert!(d.message.capacity() >= 10);
        assert!(d.message.capacity() <= 2 * UPFRONT_MAX);
    }

    #[test]
    fn invalid_utf8_fails_before_the_frame_ends() {
        let mut d = Decoder::new(false, 1 << 20, 1 << 20, None);
        let mut payload = b"ok".to_vec();
        payload.push(0xFF);
        payload.extend_from_slice(&[b'x'; 100]);
        let wire = frame(true, OpCode::Text, &payload, None);
        // Only the header and the first three payload bytes have arrived.
        let err = decode_all(&mut d, &wire[..5]).unwrap_err();
        assert_eq!(err, ProtocolError::InvalidUtf8("text message"));
    }

    #[test]
    fn role_masking_rules() {
        let mut server = Decoder::new(true, 100, 100, None);
        assert_eq!(
            decode_all(&mut server, &frame(true, OpCode::Binary, b"x", None)),
            Err(ProtocolError::UnmaskedClientFrame)
        );
        let mut client = Decoder::new(false, 100, 100, None);
        let masked = frame(true, OpCode::Binary, b"x", Some([0; 4]));
        assert_eq!(
            decode_all(&mut client, &masked),
            Err(ProtocolError::MaskedServerFrame)
        );
    }

    #[test]
    fn limits_apply_to_declared_lengths_before_any_payload() {
        let mut d = Decoder::new(false, 10, 15, None);
        let mut header = Vec::new();
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode: OpCode::Binary,
            mask: None,
            len: 11,
        }
        .write(&mut header);
        assert!(matches!(
            decode_all(&mut d, &header),
            Err(ProtocolError::FrameTooBig {
                size: 11,
                limit: 10
            })
        ));
        let mut d = Decoder::new(false, 10, 15, None);
        let mut wire = frame(false, OpCode::Binary, &[0; 10], None);
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode: OpCode::Continuation,
            mask: None,
            len: 6,
        }
        .write(&mut wire);
        assert!(matches!(
            decode_all(&mut d, &wire),
            Err(ProtocolError::MessageTooBig {
                size: 16,
                limit: 15
            })
        ));
    }

    #[test]
    fn fragmentation_rules() {
        let mut d = Decoder::new(false, 100, 100, None);
        assert_eq!(
            decode_all(&mut d, &frame(true, OpCode::Continuation, b"x", None)),
            Err(ProtocolError::UnexpectedContinuation)
        );
        let mut d = Decoder::new(false, 100, 100, None);
        let mut wire = frame(false, OpCode::Text, b"a", None);
        wire.extend(frame(true, OpCode::Binary, b"b", None));
        assert_eq!(
            decode_all(&mut d, &wire),
            Err(ProtocolError::ExpectedContinuation)
        );
    }

    #[test]
    fn reserved_bits_and_truncated_utf8_at_end() {
        let mut d = Decoder::new(false, 100, 100, None);
        assert_eq!(
            decode_all(&mut d, &[0xC2, 0x00]),
            Err(ProtocolError::ReservedBits(0b100))
        );
        let mut d = Decoder::new(false, 100, 100, None);
        assert_eq!(
            decode_all(&mut d, &frame(true, OpCode::Text, &[0xE2, 0x82], None)),
            Err(ProtocolError::InvalidUtf8("text message"))
        );
    }
}
