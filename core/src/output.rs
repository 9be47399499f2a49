//! Bytes waiting for the transport: small frames coalesced in one buffer, large
//! shared payloads kept as their own chunks so they are never copied (vectored writes).

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Payloads up to this size are copied next to their header; larger shared
/// payloads are queued by reference.
const COALESCE_LIMIT: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct Output {
    /// Chunks before `tail`, in write order.
    chunks: VecDeque<Bytes>,
    /// The newest bytes, still growing.
    tail: BytesMut,
    /// Total bytes in `chunks` and `tail`.
    len: usize,
}

impl Output {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends bytes by copying them.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Gives mutable access to the tail for in-place writes; `f` returns nothing,
    /// the length change is accounted for.
    pub(crate) fn with_tail(&mut self, f: impl FnOnce(&mut BytesMut)) {
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
        if !self.tail.is_empty() {
            self.chunks.push_back(self.tail.split().freeze());
        }
        self.len += bytes.len();
        self.chunks.push_back(bytes);
    }

    /// The pending bytes as slices, in order.
    pub(crate) fn slices(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks
            .iter()
            .map(|c| c.as_ref())
            .chain(std::iter::once(self.tail.as_ref()))
            .filter(|s| !s.is_empty())
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
        let mut n = 0;
        for (slot, slice) in dst.iter_mut().zip(self.slices()) {
            *slot = IoSlice::new(slice);
            n += 1;
        }
        n
    }

    /// Drops the first `n` pending bytes (they were written).
    pub(crate) fn advance(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            match self.chunks.front_mut() {
                Some(front) if front.len() <= n => {
                    n -= front.len();
                    self.chunks.pop_front();
                }
                Some(front) => {
                    front.advance(n);
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

    /// Takes every pending byte as one buffer.
    pub(crate) fn take_all(&mut self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.len);
        for s in self.slices() {
            all.extend_from_slice(s);
        }
        self.chunks.clear();
        self.tail.clear();
        self.len = 0;
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
