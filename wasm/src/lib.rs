//! wscore for JavaScript (npm package `wscore`): the sans-IO `Connection` (feature
//! `codec`, on by default) and `SafeWebSocket`. Without `codec` the module is the
//! package's browser entry, SafeWebSocket alone (see mk/wasm-browser.mk).

use wasm_bindgen::prelude::*;

#[cfg(feature = "codec")]
mod codec;
#[cfg(feature = "codec")]
mod errors;
#[cfg(feature = "codec")]
mod js_types;
mod safe_socket;

#[cfg(feature = "codec")]
pub use codec::JsConnection;

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

#[cfg(test)]
mod tests {
    #[test]
    fn close_code_rule_comes_from_core() {
        assert!(super::is_sendable_close_code(1000));
        assert!(!super::is_sendable_close_code(1006));
    }
}
