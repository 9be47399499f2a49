//! Core errors as JS `Error` subclasses, and the panic guard: a Rust panic
//! fails only the connection it happened on. The classes live in errors.mjs
//! (`.mjs`: ESM under any package.json "type", as the nodejs build requires it).

use std::cell::RefCell;
use std::sync::Once;

use wasm_bindgen::prelude::*;
use wscore::{AcceptError, CloseError, CloseInfo, HandshakeError, SendError};

#[wasm_bindgen(module = "/src/errors.mjs")]
extern "C" {
    #[wasm_bindgen(js_name = newConnectionClosedError)]
    fn new_connection_closed_error(code: u16, reason: &str, initiator: &str) -> JsValue;
    #[wasm_bindgen(js_name = newInvalidCloseArgumentsError)]
    fn new_invalid_close_arguments_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_name = newInvalidStateError)]
    fn new_invalid_state_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_name = newHandshakeError)]
    fn new_handshake_error(message: &str, status: Option<u16>) -> JsValue;
    #[wasm_bindgen(js_name = newInternalError)]
    fn new_internal_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_name = newInvalidUtf8Error)]
    fn new_invalid_utf8_error(valid_up_to: u32) -> JsValue;
    #[wasm_bindgen(js_name = errorClasses)]
    pub(crate) fn error_classes() -> js_sys::Object;
}

pub(crate) fn closed_error(info: &CloseInfo) -> JsValue {
    new_connection_closed_error(info.code.0, &info.reason, info.initiator.as_str())
}

pub(crate) fn send_error(e: SendError) -> JsValue {
    match e {
        SendError::Closed(info) => closed_error(&info),
        SendError::ControlFrameTooLong(_) => js_sys::RangeError::new(&e.to_string()).into(),
        other => new_invalid_state_error(&other.to_string()),
    }
}

pub(crate) fn close_error(e: CloseError) -> JsValue {
    new_invalid_close_arguments_error(&e.to_string())
}

pub(crate) fn accept_error(e: AcceptError) -> JsValue {
    match e {
        AcceptError::NoPendingRequest => new_invalid_state_error(&e.to_string()),
        other => js_sys::TypeError::new(&other.to_string()).into(),
    }
}

pub(crate) fn handshake_error(e: HandshakeError) -> JsValue {
    let status = matches!(e, HandshakeError::NotSwitching(_)).then(|| e.status());
    new_handshake_error(&e.to_string(), status)
}

pub(crate) fn invalid_utf8(valid_up_to: usize) -> JsValue {
    new_invalid_utf8_error(valid_up_to as u32)
}

pub(crate) fn invalid_close_arguments(message: &str) -> JsValue {
    new_invalid_close_arguments_error(message)
}

// ----- panics -----
//
// wasm32-unknown-unknown on stable Rust only has panic=abort: a panic traps
// (`WebAssembly.RuntimeError: unreachable`) and cannot be caught in Rust. The
// trap unwinds the JS stack without running Rust destructors, so a `RefMut`
// held across the call into core stays borrowed: later calls on that
// connection find it poisoned and throw `InternalError`, while the instance and
// every other connection carry on. The hook keeps the panic message for them.

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Installs (once) the hook that records the panic message and logs it with
/// `console.error`, keeping any hook installed before it.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.to_string();
            LAST_PANIC.with(|last| {
                if let Ok(mut last) = last.try_borrow_mut() {
                    last.clone_from(&message);
                }
            });
            #[cfg(target_arch = "wasm32")]
            web_sys::console::error_1(
                &format!("wscore: internal error (Rust panic): {message}").into(),
            );
            previous(info);
        }));
    });
}

/// The error every call on a connection that panicked throws.
pub(crate) fn poisoned_error() -> JsValue {
    let last = LAST_PANIC.with(|last| last.try_borrow().map(|s| s.clone()).unwrap_or_default());
    new_internal_error(&format!(
        "this connection failed on an internal error (a Rust panic) and cannot be used: {last}"
    ))
}
