//! The Node entry's fast path for small sends and takes (wasm/npm/fast_path.js):
//! plain-number exports with no JS objects crossing. wasm-bindgen's glue for
//! `sendBinary(data)` and `takeOutputChunks()` (an externref per argument and a
//! JS array per multi-value `Result`) cost more than core's framing of a 16 B
//! message; here the JS side copies a small payload into `STAGE`, one call
//! frames it, and a small output is read back from `OUT`. Any case these do not
//! cover returns `SLOW` and the JS side calls the ordinary method, which then
//! throws the typed error or handles the large case (a failed send changes
//! nothing, so the retry sees the same state). Rules stay core's.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_bindgen::prelude::*;
use wscore::binding::OutputSegment;
use wscore::Text;

use crate::codec::JsConnection;

/// Largest payload staged (core copies up to 1 KiB next to its header anyway).
pub const STAGE_LEN: usize = 1024;
/// Largest output read back through `OUT` (a few small frames).
pub const OUT_LEN: usize = 8 << 10;
/// "Use the ordinary method."
const SLOW: u32 = u32::MAX;
/// "Memory grew since the JS side made its views: renew them, then use the
/// ordinary method" (the staged bytes may have gone to a detached view).
const REFRESH: u32 = u32::MAX - 1;
/// Set in `__takeStaged`'s length when memory grew: renew the views first.
const GREW: u32 = 1 << 30;

/// Pages of memory when the JS side last renewed its views: checking the size
/// here (one instruction) spares JS a length check of its view on every call.
static SEEN_PAGES: AtomicUsize = AtomicUsize::new(0);

/// Whether memory grew since the JS side last renewed its views (it renews
/// them whenever this says so, so the size seen is recorded now).
fn memory_grew() -> bool {
    let pages = memory_pages();
    SEEN_PAGES.swap(pages, Ordering::Relaxed) != pages
}

#[cfg(target_arch = "wasm32")]
fn memory_pages() -> usize {
    core::arch::wasm32::memory_size(0)
}

// Host builds (clippy, unit tests) have no linear memory that grows.
#[cfg(not(target_arch = "wasm32"))]
fn memory_pages() -> usize {
    0
}

/// Fixed regions of wasm memory that the JS side writes and reads between calls.
struct Region<const N: usize>(UnsafeCell<[u8; N]>);
// SAFETY: wasm32-unknown-unknown without atomics has one thread, and each
// region is used only inside one call from JS (no reentrancy: no JS runs
// while Rust reads or writes it).
unsafe impl<const N: usize> Sync for Region<N> {}

static STAGE: Region<STAGE_LEN> = Region(UnsafeCell::new([0; STAGE_LEN]));
static OUT: Region<OUT_LEN> = Region(UnsafeCell::new([0; OUT_LEN]));

/// Where the JS side copies a payload for `__sendStaged` (bytes `0..STAGE_LEN`).
#[wasm_bindgen(js_name = __stageAddress, skip_typescript)]
pub fn stage_address() -> u32 {
    STAGE.0.get() as usize as u32
}

/// Where `__takeStaged` leaves the output (bytes `0..OUT_LEN`).
#[wasm_bindgen(js_name = __outAddress, skip_typescript)]
pub fn out_address() -> u32 {
    OUT.0.get() as usize as u32
}

/// The module's memory, for the JS side's views of `STAGE` and `OUT`.
#[wasm_bindgen(js_name = __memory, skip_typescript)]
pub fn memory() -> JsValue {
    memory_grew();
    wasm_bindgen::memory()
}

#[wasm_bindgen(js_class = Connection)]
impl JsConnection {
    /// Sends the first `len` bytes of `STAGE` as binary (`text == 0`) or as text
    /// (`text == 1`, checked UTF-8 first; `text == 2`, trusted as UTF-8:
    /// `sendTextBytes`'s `skipUtf8Check`); 0 when queued, `SLOW` or `REFRESH`
    /// otherwise.
    #[wasm_bindgen(js_name = __sendStaged, skip_typescript)]
    pub fn send_staged(&self, len: u32, text: u32) -> u32 {
        if memory_grew() {
            return REFRESH;
        }
        let len = len as usize;
        if len > STAGE_LEN {
            return SLOW;
        }
        // SAFETY: see `Region`; nothing else holds STAGE during this call.
        let payload: &[u8] = unsafe { &*STAGE.0.get() };
        let payload = &payload[..len];
        let Some(mut conn) = self.core_if_free() else {
            return SLOW;
        };
        let sent = if text == 0 {
            conn.send_binary(payload)
        } else if text == 2 {
            conn.send_text(Text::from_utf8_trusted(payload))
        } else {
            match simdutf8::basic::from_utf8(payload) {
                Ok(t) => conn.send_text(t),
                Err(_) => return SLOW,
            }
        };
        if sent.is_ok() {
            0
        } else {
            SLOW
        }
    }

    /// Takes all pending output into `OUT` and returns its length (with `GREW`
    /// set when memory grew), when it is frame bytes alone (no kept payload) of
    /// at most `OUT_LEN`; `SLOW` otherwise.
    #[wasm_bindgen(js_name = __takeStaged, skip_typescript)]
    pub fn take_staged(&self) -> u32 {
        if self.has_held() {
            return SLOW;
        }
        let Some(mut conn) = self.core_if_free() else {
            return SLOW;
        };
        let total = conn.buffered_amount();
        if total > OUT_LEN {
            return SLOW;
        }
        // SAFETY: see `Region`; nothing else holds OUT during this call.
        let out = unsafe { &mut *OUT.0.get() };
        let mut put = 0;
        for segment in conn.output_segments() {
            match segment {
                OutputSegment::Bytes(b) => {
                    out[put..put + b.len()].copy_from_slice(b);
                    put += b.len();
                }
                OutputSegment::Held(_) => return SLOW,
            }
        }
        debug_assert_eq!(put, total);
        conn.advance_output(total);
        if memory_grew() {
            total as u32 | GREW
        } else {
            total as u32
        }
    }
}
