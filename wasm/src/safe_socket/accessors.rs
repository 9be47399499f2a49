//! `SafeWebSocket`'s read-only views and event plumbing: the native `WebSocket`
//! properties, `state`, `lastClose`, `stats`, and the `on*` handlers.

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::BinaryType;
use wscore::Initiator;

use super::js::{self, object};
use super::{Phase, SafeWebSocket, EVENT_NAMES};

#[wasm_bindgen]
impl SafeWebSocket {
    /// 0 connecting (also while waiting to reconnect), 1 open, 2 closing, 3 closed.
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        match self.inner.state.borrow().phase {
            Phase::Connecting | Phase::Reconnecting => 0,
            Phase::Open => 1,
            Phase::Closing => 2,
            Phase::Closed => 3,
        }
    }

    /// `connecting`, `open`, `closing`, `reconnecting`, or after the final close
    /// `closed-local` (our `close()`), `closed-remote` (the server's) or `closed-transport`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        let st = self.inner.state.borrow();
        match st.phase {
            Phase::Connecting => "connecting".into(),
            Phase::Open => "open".into(),
            Phase::Closing => "closing".into(),
            Phase::Reconnecting => "reconnecting".into(),
            Phase::Closed => {
                let initiator = st
                    .last_close
                    .as_ref()
                    .map_or(Initiator::Local, |(info, _)| info.initiator);
                format!("closed-{}", initiator.as_str())
            }
        }
    }

    /// The last close of a socket: `{ code, reason, initiator, wasClean }`, or `null`.
    #[wasm_bindgen(getter, js_name = lastClose)]
    pub fn last_close(&self) -> JsValue {
        match &self.inner.state.borrow().last_close {
            None => JsValue::NULL,
            Some((info, clean)) => object(&[
                ("code", info.code.0.into()),
                ("reason", info.reason.as_str().into()),
                ("initiator", info.initiator.as_str().into()),
                ("wasClean", (*clean).into()),
            ])
            .into(),
        }
    }

    /// Counters: `{ sent, queued, dropped, rejected, afterClose, opens, reconnects, queueLength }`.
    #[wasm_bindgen(getter)]
    pub fn stats(&self) -> Object {
        let st = self.inner.state.borrow();
        let s = &st.stats;
        object(&[
            ("sent", s.sent.into()),
            ("queued", s.queued.into()),
            ("dropped", s.dropped.into()),
            ("rejected", s.rejected.into()),
            ("afterClose", s.after_close.into()),
            ("opens", s.opens.into()),
            ("reconnects", s.reconnects.into()),
            ("queueLength", (st.queue.len() as f64).into()),
        ])
    }

    /// Bytes not yet sent: the socket's buffer plus our queue.
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> f64 {
        let st = self.inner.state.borrow();
        let socket = st.socket.as_ref().map_or(0, |s| s.buffered_amount());
        f64::from(socket) + st.queue.bytes() as f64
    }

    /// The subprotocol the server chose ("" before open).
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        self.inner
            .state
            .borrow()
            .socket
            .as_ref()
            .map(|s| s.protocol())
            .unwrap_or_default()
    }

    /// The extensions the server chose ("" before open).
    #[wasm_bindgen(getter)]
    pub fn extensions(&self) -> String {
        self.inner
            .state
            .borrow()
            .socket
            .as_ref()
            .map(|s| s.extensions())
            .unwrap_or_default()
    }

    /// The URL as given.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.state.borrow().url.clone()
    }

    /// `"arraybuffer"` (the default) or `"blob"`.
    #[wasm_bindgen(getter, js_name = binaryType)]
    pub fn binary_type(&self) -> String {
        if self.inner.state.borrow().opts.blob {
            "blob"
        } else {
            "arraybuffer"
        }
        .into()
    }

    /// Sets the binary type for this and later sockets; other values are ignored, like the native one.
    #[wasm_bindgen(setter, js_name = binaryType)]
    pub fn set_binary_type(&self, value: String) {
        let mut st = self.inner.state.borrow_mut();
        let blob = match value.as_str() {
            "blob" => true,
            "arraybuffer" => false,
            _ => return,
        };
        st.opts.blob = blob;
        if let Some(socket) = &st.socket {
            socket.set_binary_type(if blob {
                BinaryType::Blob
            } else {
                BinaryType::Arraybuffer
            });
        }
    }

    /// Adds a listener for `open`, `message`, `close`, `error`, `reconnecting` or `drop`.
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(&self, kind: &str, listener: JsValue, options: JsValue) {
        self.target().add_listener(kind, &listener, &options);
    }

    /// Removes a listener added with `addEventListener`.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(&self, kind: &str, listener: JsValue, options: JsValue) {
        self.target().remove_listener(kind, &listener, &options);
    }

    fn target(&self) -> &js::Target {
        self.inner.target.unchecked_ref()
    }

    fn handler(&self, index: usize) -> Option<Function> {
        self.inner.state.borrow().handlers[index].clone()
    }

    fn set_handler(&self, index: usize, handler: Option<Function>) {
        let kind = EVENT_NAMES[index];
        let old = std::mem::replace(
            &mut self.inner.state.borrow_mut().handlers[index],
            handler.clone(),
        );
        if let Some(old) = old {
            self.target()
                .remove_listener(kind, &old, &JsValue::UNDEFINED);
        }
        if let Some(new) = handler {
            self.target().add_listener(kind, &new, &JsValue::UNDEFINED);
        }
    }

    /// The `open` handler.
    #[wasm_bindgen(getter)]
    pub fn onopen(&self) -> Option<Function> {
        self.handler(0)
    }
    /// Sets the `open` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onopen(&self, f: Option<Function>) {
        self.set_handler(0, f)
    }
    /// The `message` handler.
    #[wasm_bindgen(getter)]
    pub fn onmessage(&self) -> Option<Function> {
        self.handler(1)
    }
    /// Sets the `message` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onmessage(&self, f: Option<Function>) {
        self.set_handler(1, f)
    }
    /// The `close` handler.
    #[wasm_bindgen(getter)]
    pub fn onclose(&self) -> Option<Function> {
        self.handler(2)
    }
    /// Sets the `close` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onclose(&self, f: Option<Function>) {
        self.set_handler(2, f)
    }
    /// The `error` handler.
    #[wasm_bindgen(getter)]
    pub fn onerror(&self) -> Option<Function> {
        self.handler(3)
    }
    /// Sets the `error` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onerror(&self, f: Option<Function>) {
        self.set_handler(3, f)
    }
}
