//! The compressor and the capped, streaming decompressor for one connection,
//! over zlib-rs (pure Rust zlib: builds for wasm32, window bits 9–15, memLevel).

use crate::budget::Draw;
use zlib_rs::{Deflate, DeflateConfig as ZConfig, DeflateFlush, Inflate, InflateFlush, Status};

/// The bytes a sync flush ends with; RFC 7692 §7.2.1 removes them on the wire.
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// How much output room to add at a time while inflating.
const INFLATE_STEP: usize = 16 << 10;

/// Compresses outgoing messages. Without context takeover nothing needs to
/// survive a message, so zlib's state (over 100 KiB) is freed between messages.
pub(crate) struct Deflater {
    config: ZConfig,
    zlib: Option<Deflate>,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .finish()
    }
}

impl Deflater {
    pub(crate) fn new(
        level: u32,
        window_bits: u8,
        mem_level: u8,
        no_context_takeover: bool,
    ) -> Self {
        let config = ZConfig {
            level: level.min(9) as i32,
            // Negative: raw deflate, no zlib header (RFC 7692 §7.2.1).
            window_bits: -i32::from(window_bits.clamp(9, 15)),
            mem_level: i32::from(mem_level.clamp(1, 9)),
            ..ZConfig::default()
        };
        Deflater {
            config,
            zlib: None,
            no_context_takeover,
        }
    }

    /// Appends the compressed form of `data` to `out`; `fin` ends the message
    /// (the sync tail is dropped and, without context takeover, the window reset).
    /// `None` if zlib failed; the caller then sends the message uncompressed.
    pub(crate) fn compress(&mut self, data: &[u8], fin: bool, out: &mut Vec<u8>) -> Option<()> {
        let config = self.config;
        let zlib = self
            .zlib
            .get_or_insert_with(|| Deflate::new_with_config(config));
        let start = out.len();
        let mut input = data;
        loop {
            // Enough for incompressible input plus block overhead: usually one call.
            out.reserve(input.len() + input.len() / 1000 + 64);
            let (before_in, before_out) = (zlib.total_in(), zlib.total_out());
            zlib.compress_uninit(input, out.spare_capacity_mut(), DeflateFlush::SyncFlush)
                .ok()?;
            let written = (zlib.total_out() - before_out) as usize;
            // SAFETY: zlib initialised exactly `written` bytes of the spare capacity.
            unsafe { out.set_len(out.len() + written) };
            input = &input[(zlib.total_in() - before_in) as usize..];
            // zlib finished the flush when it left output room unused.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if fin {
            if out.ends_with(&SYNC_TAIL) {
                out.truncate(out.len() - SYNC_TAIL.len());
            } else if out.len() == start {
                // Nothing new since the last flush (an empty message, or an empty
                // last fragment): zlib wrote no block, yet the peer will append the
                // sync tail. Start the empty stored block that tail completes.
                out.push(0x00);
            }
            if self.no_context_takeover {
                self.zlib = None;
            }
        }
        Some(())
    }
}

/// Why inflating failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// The inflated message would exceed the limit.
    TooBig,
    /// Not valid DEFLATE data.
    Corrupt,
    /// The shared memory budget could not give the room to grow.
    Budget,
}

/// Decompresses incoming messages, never growing a message past the limit. Like
/// the compressor, its state is freed between messages without context takeover.
pub(crate) struct Inflater {
    zlib: Option<Inflate>,
    window_bits: u8,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("window_bits", &self.window_bits)
            .finish()
    }
}

impl Inflater {
    pub(crate) fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        let window_bits = window_bits.clamp(9, 15);
        Inflater {
            zlib: None,
            window_bits,
            no_context_takeover,
        }
    }

    /// Inflates `input` onto the end of `out`, which may not grow beyond `limit`
    /// bytes; every growth is drawn from `draw` before it is allocated.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
        draw: &mut Draw,
    ) -> Result<(), InflateError> {
        let bits = self.window_bits;
        let zlib = self.zlib.get_or_insert_with(|| Inflate::new(false, bits));
        loop {
            if out.len() == out.capacity() {
                // Grow by doubling, but never past one byte over the limit (which
                // tells "exactly full" from "too big"), and jump straight to that
                // once doubling would reach it, so the last step is not a
                // limit-sized copy.
                let cap = limit.saturating_add(1);
                if out.len() >= cap {
                    return Err(InflateError::TooBig);
                }
                // Start near the likely size (chat JSON inflates 5-20x), then double.
                let first = input.len().saturating_mul(8).max(256);
                let doubled = out
                    .len()
                    .saturating_mul(2)
                    .max(out.len() + first.min(INFLATE_STEP));
                let target = if doubled >= limit { cap } else { doubled };
                if !draw.hold(target) {
                    return Err(InflateError::Budget);
                }
                out.reserve_exact(target - out.len());
            }
            let (before_in, before_out) = (zlib.total_in(), zlib.total_out());
            let status = zlib
                .decompress_uninit(input, out.spare_capacity_mut(), InflateFlush::NoFlush)
                .map_err(|_| InflateError::Corrupt)?;
            let written = (zlib.total_out() - before_out) as usize;
            // SAFETY: zlib initialised exactly `written` bytes of the spare capacity.
            unsafe { out.set_len(out.len() + written) };
            input = &input[(zlib.total_in() - before_in) as usize..];
            if out.len() > limit {
                return Err(InflateError::TooBig);
            }
            if status == Status::StreamEnd {
                // A final block: the peer ended its stream; start afresh next time.
                self.zlib = None;
                if !input.is_empty() {
                    return Err(InflateError::Corrupt);
                }
                return Ok(());
            }
            let room_left = out.len() < out.capacity();
            if input.is_empty() && room_left {
                return Ok(());
            }
            if room_left && written == 0 && zlib.total_in() == before_in {
                return Err(InflateError::Corrupt); // no progress with room and input: stuck
            }
        }
    }

    /// Ends a message: feeds the sync tail the sender removed, then resets the
    /// window if the peer does not keep context.
    pub(crate) fn finish_message(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
        draw: &mut Draw,
    ) -> Result<(), InflateError> {
        self.inflate(&SYNC_TAIL, out, limit, draw)?;
        if self.no_context_takeover {
            self.zlib = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(d: &mut Deflater, i: &mut Inflater, msg: &[u8]) -> Vec<u8> {
        let mut wire = Vec::new();
        d.compress(msg, true, &mut wire).unwrap();
        assert!(!wire.ends_with(&SYNC_TAIL));
        let mut out = Vec::new();
        i.inflate(&wire, &mut out, 1 << 20, &mut Draw::default())
            .unwrap();
        i.finish_message(&mut out, 1 << 20, &mut Draw::default())
            .unwrap();
        out
    }

    #[test]
    fn round_trips_with_and_without_context_takeover_at_every_window() {
        for bits in 9..=15 {
            for nct in [false, true] {
                let (mut d, mut i) = (Deflater::new(6, bits, 8, nct), Inflater::new(bits, nct));
                for msg in [
                    &b""[..],
                    b"hello",
                    &[b'x'; 5000],
                    b"hello again hello again",
                ] {
                    assert_eq!(
                        round_trip(&mut d, &mut i, msg),
                        msg,
                        "bits {bits} nct {nct}"
                    );
                }
            }
        }
    }

    #[test]
    fn context_takeover_shrinks_repeated_messages() {
        let msg = br#"{"type":"message","room":"general","user":"alice","text":"hello everyone"}"#;
        let mut d = Deflater::new(6, 15, 8, false);
        let (mut first, mut second) = (Vec::new(), Vec::new());
        d.compress(msg, true, &mut first).unwrap();
        d.compress(msg, true, &mut second).unwrap();
        assert!(
            second.len() < first.len() / 2,
            "{} vs {}",
            second.len(),
            first.len()
        );
    }

    #[test]
    fn fragments_inflate_as_one_message() {
        let (mut d, mut i) = (Deflater::new(6, 15, 8, false), Inflater::new(15, false));
        let mut wire = Vec::new();
        d.compress(b"hello ", false, &mut wire).unwrap();
        d.compress(b"world", true, &mut wire).unwrap();
        let mut out = Vec::new();
        for byte in wire.chunks(1) {
            i.inflate(byte, &mut out, 100, &mut Draw::default())
                .unwrap();
        }
        i.finish_message(&mut out, 100, &mut Draw::default())
            .unwrap();
        assert_eq!(out, b"hello world");
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let mut d = Deflater::new(9, 15, 8, false);
        let mut wire = Vec::new();
        d.compress(&vec![0u8; 10 << 20], true, &mut wire).unwrap();
        assert!(wire.len() < 20_000);
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        assert_eq!(
            i.inflate(&wire, &mut out, 1 << 20, &mut Draw::default()),
            Err(InflateError::TooBig)
        );
        assert!(
            out.capacity() <= (1 << 20) + 1,
            "capacity {}",
            out.capacity()
        );
    }

    #[test]
    fn garbage_is_corrupt_not_a_panic() {
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        let r = i.inflate(
            &[0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x12],
            &mut out,
            1000,
            &mut Draw::default(),
        );
        assert_eq!(r, Err(InflateError::Corrupt));
    }
}
