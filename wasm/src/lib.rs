//! wscore for JavaScript (npm package `wscore`): the sans-IO `Connection` (feature
//! `codec`, on by default) and `SafeWebSocket`. Without `codec` the module is the
//! package's browser entry, SafeWebSocket alone (see mk/wasm-browser.mk).

#[cfg(feature = "codec")]
use wasm_bindgen::prelude::*;

#[cfg(not(feature = "codec"))]
mod browser_abi;
#[cfg(feature = "codec")]
mod codec;
#[cfg(feature = "codec")]
mod errors;
#[cfg(feature = "codec")]
mod js_types;
mod safe_socket;
#[cfg(feature = "codec")]
mod staged;

#[cfg(feature = "codec")]
pub use codec::JsConnection;

// The browser entry's allocator: a free list of about 0.5 KB instead of dlmalloc's
// 7 KB (3 KB gzipped, a quarter of the entry's budget). SafeWebSocket allocates
// little (the queue's handles, close reasons); with `codec` (Node) dlmalloc stays,
// for the codec's many large buffers.
#[cfg(all(target_arch = "wasm32", not(feature = "codec")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The version of wscore (the browser entry's: browser_abi.rs).
#[cfg(feature = "codec")]
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Whether `code` may be sent in a close frame (RFC 6455 §7.4).
#[cfg_attr(feature = "codec", wasm_bindgen(js_name = isSendableCloseCode))]
pub fn is_sendable_close_code(code: u16) -> bool {
    wscore::CloseCode(code).is_sendable()
}

/// Bytes of linear memory the module uses now (tests check it stays flat). The
/// browser entry reads it in JS (index.js) and saves the imports.
#[cfg(feature = "codec")]
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

#[cfg(test)]
mod tests {
    #[test]
    fn close_code_rule_comes_from_core() {
        assert!(super::is_sendable_close_code(1000));
        assert!(!super::is_sendable_close_code(1006));
    }
}
