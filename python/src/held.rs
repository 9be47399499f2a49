//! The `bytes` objects core left with us (`send_binary_or_keep`, or for a long
//! `str`'s UTF-8 `send_text_or_keep`, said `Kept`): each is sent as it is, never
//! copied into core, so the adapter keeps a reference to it until the output is
//! taken and writes its bytes where core's output shows `OutputSegment::Held`.
//! Oldest first, as core's placeholders are.

use std::collections::VecDeque;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use wscore::binding::OutputSegment;

/// The kept payloads, in the order they were sent.
#[derive(Default)]
pub(crate) struct HeldPayloads {
    queue: VecDeque<Py<PyBytes>>,
}

/// One piece of output with the kept payloads filled in.
pub(crate) enum Piece<'a> {
    /// Bytes from core.
    Bytes(&'a [u8]),
    /// A kept payload: `bytes` is what is left to write of `object`
    /// (all of it unless an earlier write took part of it).
    Held {
        object: &'a Py<PyBytes>,
        bytes: &'a [u8],
    },
    /// Core shows a kept payload we do not have: the output cannot be written.
    Missing,
}

impl HeldPayloads {
    /// Keeps `payload` until the output is taken.
    pub(crate) fn push(&mut self, payload: Py<PyBytes>) {
        self.queue.push_back(payload);
    }

    /// Whether no payload is kept (then core's output holds no placeholder).
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Drops every reference: the output was taken (or will never be).
    /// Anything left over was never part of the output, so it is not owed to anyone.
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }

    /// `segments` (core's output) with each `Held(n)` resolved to the last `n`
    /// bytes of the next kept payload.
    pub(crate) fn pieces<'a, 'py, S: Iterator<Item = OutputSegment<'a>>>(
        &'a self,
        py: Python<'py>,
        segments: S,
    ) -> impl Iterator<Item = Piece<'a>> + use<'a, 'py, S> {
        let mut kept = self.queue.iter();
        segments.map(move |segment| match segment {
            OutputSegment::Bytes(bytes) => Piece::Bytes(bytes),
            OutputSegment::Held(n) => match kept.next() {
                Some(object) => {
                    let all = object.as_bytes(py);
                    match all.len().checked_sub(n) {
                        Some(start) => Piece::Held {
                            object,
                            bytes: &all[start..],
                        },
                        None => Piece::Missing,
                    }
                }
                None => Piece::Missing,
            },
        })
    }
}
