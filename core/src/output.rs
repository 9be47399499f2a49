//! Bytes waiting for the transport: small frames coalesced in one buffer, large
//! shared payloads kept as their own chunks so they are never copied (vectored writes),
//! and placeholders for payloads the caller kept (see `Connection::send_binary_held`).

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

use crate::frame::MAX_HEADER_LEN;

// Re-exported for the connection's send paths, which import it from here.
pub(crate) use crate::thresholds::COALESCE_LIMIT;

/// One piece of pending output, in write order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputSegment<'a> {
    /// Bytes to write.
    Bytes(&'a [u8]),
    /// The next `n` bytes of the oldest payload the caller kept
    /// ([`crate::Connection::send_binary_held`]) and has not written in full yet.
    Held(usize),
}

#[derive(Debug)]
enum Chunk {
    Bytes(Bytes),
    /// A payload of this many bytes (still to write) that the caller holds.
    Held(usize),
    /// A frame header kept inline (`head[at..end]` still to write), before a
    /// shared payload: no tail to seal into a chunk of its own for it.
    Head {
        head: [u8; MAX_HEADER_LEN],
        at: u8,
        end: u8,
    },
}

#[derive(Debug, Default)]
pub(crate) struct Output {
    /// Chunks before `tail`, in write order.
    chunks: VecDeque<Chunk>,
    /// The newest bytes, still growing.
    tail: BytesMut,
    /// Total bytes in `chunks` and `tail`, held payloads included.
    len: usize,
    /// How many `Chunk::Held` are queued.
    held: usize,
    /// The length of the pong that the last append queued at the end of `tail`,
    /// 0 when something else was appended after it.
    trailing_pong: usize,
}

impl Output {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends bytes by copying them.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.trailing_pong = 0;
        self.tail.extend_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Appends a frame: its header and the payload copied right after it, with
    /// one capacity check for both (a frame is one contiguous write).
    /// `head` is a whole header buffer of which the first `head_len` bytes are used:
    /// copying a fixed 14 bytes and dropping the unused end compiles to two moves,
    /// where a variable-length copy is a `memcpy` call.
    pub(crate) fn extend_frame(
        &mut self,
        head: &[u8; MAX_HEADER_LEN],
        head_len: usize,
        payload: &[u8],
    ) {
        self.trailing_pong = 0;
        let start = self.tail.len();
        self.tail.reserve(MAX_HEADER_LEN + payload.len());
        self.tail.extend_from_slice(head);
        self.tail.truncate(start + head_len);
        self.tail.extend_from_slice(payload);
        self.len += head_len + payload.len();
    }

    /// Appends a short unmasked frame: its header (two or four bytes), then the payload.
    #[inline(always)]
    pub(crate) fn extend_short_frame(&mut self, head: &[u8], payload: &[u8]) {
        self.trailing_pong = 0;
        self.tail.reserve(head.len() + payload.len());
        self.tail.extend_from_slice(head);
        self.tail.extend_from_slice(payload);
        self.len += head.len() + payload.len();
    }

    /// Appends a frame with a shared payload: copied after its header when small,
    /// queued by reference when large.
    #[inline]
    pub(crate) fn push_frame_shared(
        &mut self,
        head: &[u8; MAX_HEADER_LEN],
        head_len: usize,
        payload: Bytes,
    ) {
        if payload.len() <= COALESCE_LIMIT {
            self.extend_frame(head, head_len, &payload);
        } else if self.tail.is_empty() {
            // Nothing before it in the tail (the usual case when output is
            // written as it is made): the header goes inline in the queue.
            self.trailing_pong = 0;
            self.len += head_len + payload.len();
            self.chunks.push_back(Chunk::Head {
                head: *head,
                at: 0,
                end: head_len as u8,
            });
            self.chunks.push_back(Chunk::Bytes(payload));
        } else {
            self.extend(&head[..head_len]);
            self.push_shared(payload);
        }
    }

    /// Gives mutable access to the tail for in-place writes; `f` returns nothing,
    /// the length change is accounted for.
    pub(crate) fn with_tail(&mut self, f: impl FnOnce(&mut BytesMut)) {
        self.trailing_pong = 0;
        let before = self.tail.len();
        f(&mut self.tail);
        self.len += self.tail.len() - before;
    }

    /// Appends a shared payload, by reference when it is large.
    pub(crate) fn push_shared(&mut self, bytes: Bytes) {
        if bytes.len() <= COALESCE_LIMIT {
            self.extend(&bytes);
            return;
        }
        self.trailing_pong = 0;
        self.seal_tail();
        self.len += bytes.len();
        self.chunks.push_back(Chunk::Bytes(bytes));
    }

    /// Appends a placeholder for `len` bytes the caller writes itself.
    pub(crate) fn push_held(&mut self, len: usize) {
        self.trailing_pong = 0;
        self.seal_tail();
        self.len += len;
        self.held += 1;
        self.chunks.push_back(Chunk::Held(len));
    }

    /// Marks the last `len` bytes appended as a pong that
    /// [`Output::retract_trailing_pong`] may take back.
    pub(crate) fn mark_trailing_pong(&mut self, len: usize) {
        self.trailing_pong = len;
    }

    /// Takes back the pong marked last, if nothing was appended after it and
    /// none of it was written yet (writes take bytes from the front, so it is
    /// whole while the tail is at least as long).
    pub(crate) fn retract_trailing_pong(&mut self) {
        let n = std::mem::take(&mut self.trailing_pong);
        if n > 0 && self.tail.len() >= n {
            self.tail.truncate(self.tail.len() - n);
            self.len -= n;
        }
    }

    /// Moves the tail's bytes into the chunk queue, so that what comes next is after them.
    fn seal_tail(&mut self) {
        if !self.tail.is_empty() {
            self.chunks
                .push_back(Chunk::Bytes(self.tail.split().freeze()));
        }
    }

    /// The pending bytes as slices, in order, up to the first held payload.
    pub(crate) fn slices(&self) -> impl Iterator<Item = &[u8]> {
        let tail = (self.held == 0).then_some(self.tail.as_ref());
        self.chunks
            .iter()
            .map_while(|c| match c {
                Chunk::Bytes(b) => Some(b.as_ref()),
                Chunk::Head { head, at, end } => Some(&head[*at as usize..*end as usize]),
                Chunk::Held(_) => None,
            })
            .chain(tail)
            .filter(|s| !s.is_empty())
    }

    /// Every pending piece, held payloads included, in order.
    pub(crate) fn segments(&self) -> impl Iterator<Item = OutputSegment<'_>> {
        self.chunks
            .iter()
            .map(|c| match c {
                Chunk::Bytes(b) => OutputSegment::Bytes(b),
                Chunk::Head { head, at, end } => {
                    OutputSegment::Bytes(&head[*at as usize..*end as usize])
                }
                Chunk::Held(n) => OutputSegment::Held(*n),
            })
            .chain(std::iter::once(OutputSegment::Bytes(&self.tail)))
            .filter(|s| *s != OutputSegment::Bytes(&[]))
    }

    /// Whether the next thing to write is a held payload.
    pub(crate) fn held_is_next(&self) -> bool {
        matches!(self.chunks.front(), Some(Chunk::Held(_)))
    }

    /// The pending bytes when they are one non-empty slice (no shared chunks queued).
    pub(crate) fn contiguous(&self) -> Option<&[u8]> {
        (self.chunks.is_empty() && !self.tail.is_empty()).then_some(&self.tail[..])
    }

    /// Fills `dst` with slices of the pending bytes; returns how many it filled.
    pub(crate) fn io_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        // The common case, small frames only: one slice, no iterator chain.
        if self.chunks.is_empty() {
            return match dst.first_mut() {
                Some(slot) if !self.tail.is_empty() => {
                    *slot = IoSlice::new(&self.tail);
                    1
                }
                _ => 0,
            };
        }
        // What `slices()` gives, in a plain loop (the iterator chain measured
        // ~70 instructions per call).
        let mut n = 0;
        for chunk in &self.chunks {
            let slice: &[u8] = match chunk {
                Chunk::Bytes(b) => b,
                Chunk::Head { head, at, end } => &head[*at as usize..*end as usize],
                Chunk::Held(_) => return n,
            };
            if slice.is_empty() {
                continue;
            }
            let Some(slot) = dst.get_mut(n) else {
                return n;
            };
            *slot = IoSlice::new(slice);
            n += 1;
        }
        if let Some(slot) = dst.get_mut(n).filter(|_| !self.tail.is_empty()) {
            *slot = IoSlice::new(&self.tail);
            n += 1;
        }
        n
    }

    /// Drops the first `n` pending bytes (they were written).
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        // Everything written, none of it shared (the common case): reuse the
        // tail's memory from the start, no chunk walk.
        if n >= self.len && self.chunks.is_empty() {
            self.tail.clear();
            self.len = 0;
        } else {
            self.advance_partly(n);
        }
    }

    /// The general case of [`Output::advance`]: a partial write, or shared chunks.
    fn advance_partly(&mut self, mut n: usize) {
        if n >= self.len && self.held == 0 {
            // All of it written, shared chunks too: no walk.
            self.chunks.clear();
            self.tail.clear();
            self.len = 0;
            return;
        }
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            match self.chunks.front_mut() {
                Some(Chunk::Bytes(front)) if front.len() <= n => {
                    n -= front.len();
                    self.chunks.pop_front();
                }
                Some(Chunk::Bytes(front)) => {
                    front.advance(n);
                    return;
                }
                Some(Chunk::Head { at, end, .. }) if usize::from(*end - *at) <= n => {
                    n -= usize::from(*end - *at);
                    self.chunks.pop_front();
                }
                Some(Chunk::Head { at, .. }) => {
                    // Fewer than MAX_HEADER_LEN bytes: fits in a u8.
                    *at += n as u8;
                    return;
                }
                Some(Chunk::Held(left)) if *left <= n => {
                    n -= *left;
                    self.held -= 1;
                    self.chunks.pop_front();
                }
                Some(Chunk::Held(left)) => {
                    *left -= n;
                    return;
                }
                // All of the tail written: clear it, so that its buffer is reused
                // from the start instead of being shifted back by the next reserve.
                None if n == self.tail.len() => {
                    self.tail.clear();
                    return;
                }
                None => {
                    self.tail.advance(n);
                    return;
                }
            }
        }
    }

    /// Takes every pending byte up to the first held payload as one buffer.
    pub(crate) fn take_all(&mut self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.len);
        for s in self.slices() {
            all.extend_from_slice(s);
        }
        self.advance(all.len());
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_pong_is_retracted_only_while_whole_and_last() {
        let mut out = Output::default();
        out.extend(b"ab");
        out.extend(b"PONG");
        out.mark_trailing_pong(4);
        out.retract_trailing_pong();
        assert_eq!((out.len(), out.contiguous()), (2, Some(&b"ab"[..])));
        // Something appended after it: it stays.
        out.extend(b"PONG");
        out.mark_trailing_pong(4);
        out.extend(b"cd");
        out.retract_trailing_pong();
        assert_eq!(out.contiguous(), Some(&b"abPONGcd"[..]));
        // Partly written: it stays.
        out.advance(out.len());
        out.extend(b"PONG");
        out.mark_trailing_pong(4);
        out.advance(1);
        out.retract_trailing_pong();
        assert_eq!(out.contiguous(), Some(&b"ONG"[..]));
        // Written up to it, not into it: retracted.
        out.extend(b"xy");
        out.extend(b"PONG");
        out.mark_trailing_pong(4);
        out.advance(4);
        out.retract_trailing_pong();
        assert_eq!((out.len(), out.contiguous()), (1, Some(&b"y"[..])));
    }

    #[test]
    fn frames_are_header_then_payload_and_large_shared_ones_not_copied() {
        let mut out = Output::default();
        let mut head = [0xEE; MAX_HEADER_LEN];
        head[..2].copy_from_slice(&[0x81, 0x02]);
        out.extend_frame(&head, 2, b"hi");
        out.push_frame_shared(&head, 2, Bytes::from_static(b"yo"));
        assert_eq!(out.contiguous(), Some(&b"\x81\x02hi\x81\x02yo"[..]));
        let big = Bytes::from(vec![b'x'; COALESCE_LIMIT + 1]);
        out.push_frame_shared(&head, 4, big.clone());
        let slices: Vec<&[u8]> = out.slices().collect();
        // The large frame's header joins the copied bytes; its payload follows as is.
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0][8..], head[..4]);
        assert_eq!(slices[1].as_ptr(), big.as_ptr(), "queued by reference");
        assert_eq!(out.len(), 8 + 4 + big.len());
        out.advance(out.len());
        assert_eq!((out.len(), out.slices().count()), (0, 0));
    }

    #[test]
    fn a_large_frame_after_an_empty_tail_keeps_its_header_inline_in_any_split() {
        let mut head = [0xEE; MAX_HEADER_LEN];
        head[..4].copy_from_slice(&[0x82, 126, 0x07, 0xD0]);
        let big = Bytes::from((0..2000u32).map(|i| i as u8).collect::<Vec<u8>>());
        let mut expected = head[..4].to_vec();
        expected.extend_from_slice(&big);
        expected.extend_from_slice(b"after");
        for first in [1, 3, 4, 5, 2003, 2004, 2009] {
            let mut out = Output::default();
            out.push_frame_shared(&head, 4, big.clone());
            out.extend(b"after");
            assert_eq!(out.len(), expected.len());
            let slices: Vec<&[u8]> = out.slices().collect();
            assert_eq!(slices.len(), 3, "header, payload by reference, tail");
            assert_eq!(slices[1].as_ptr(), big.as_ptr());
            // Written in two goes, the first ending anywhere.
            let mut written = Vec::new();
            let pending = |out: &Output| -> Vec<u8> {
                let mut io = [IoSlice::new(&[]); 4];
                let n = out.io_slices(&mut io);
                io[..n].iter().flat_map(|s| s.iter().copied()).collect()
            };
            written.extend_from_slice(&pending(&out)[..first]);
            out.advance(first);
            written.extend(pending(&out));
            out.advance(out.len());
            assert_eq!(written, expected, "first write {first}");
            assert_eq!((out.len(), out.slices().count()), (0, 0));
        }
    }

    #[test]
    fn keeps_order_across_copied_and_shared_chunks() {
        let mut out = Output::default();
        out.extend(b"ab");
        let big = Bytes::from(vec![b'x'; 2000]);
        out.push_shared(big.clone());
        out.extend(b"cd");
        assert_eq!(out.len(), 2004);
        assert_eq!(out.slices().count(), 3);
        let mut expected = b"ab".to_vec();
        expected.extend_from_slice(&big);
        expected.extend_from_slice(b"cd");
        out.advance(1);
        let mut rest = Vec::new();
        for s in out.slices() {
            rest.extend_from_slice(s);
        }
        assert_eq!(rest, expected[1..]);
        out.advance(1500);
        assert_eq!(out.len(), 503);
        assert_eq!(out.take_all(), expected[1501..]);
        assert_eq!(out.len(), 0);
    }
}
