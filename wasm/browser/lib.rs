//! The browser build of the npm package `wscore`: `SafeWebSocket` and the small
//! helpers, from the same sources as the `wscore-wasm` crate.

use wasm_bindgen::prelude::*;

// The wscore-wasm sources: SafeWebSocket and its submodules, nothing else.
#[path = "../src"]
mod wasm_src {
    mod safe_socket;
}

/// The version of wscore.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Whether `code` may be sent in a close frame (RFC 6455 §7.4).
#[wasm_bindgen(js_name = isSendableCloseCode)]
pub fn is_sendable_close_code(code: u16) -> bool {
    wscore::CloseCode(code).is_sendable()
}
