//! Small JS bindings: global timers, event constructors, plain objects, and
//! `WebSocket` calls that must never throw into our state machine.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    // Globals, so the adapter works in windows and workers alike (ids may be objects in Node).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    /// `String(value)`.
    #[wasm_bindgen(js_name = String)]
    pub fn to_string(value: &JsValue) -> String;

    /// `WebSocket`, seen through `send`/`close` that may throw (caught here).
    #[wasm_bindgen(extends = web_sys::WebSocket, extends = web_sys::EventTarget, js_name = WebSocket)]
    #[derive(Clone, Debug)]
    pub type RawSocket;
    #[wasm_bindgen(constructor, js_class = "WebSocket", catch)]
    pub fn open_with(url: &str, protocols: &JsValue) -> Result<RawSocket, JsValue>;
    #[wasm_bindgen(constructor, js_class = "WebSocket", catch)]
    pub fn open(url: &str) -> Result<RawSocket, JsValue>;
    #[wasm_bindgen(method, js_class = "WebSocket", js_name = send, catch)]
    pub fn try_send(this: &RawSocket, data: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_class = "WebSocket", js_name = close, catch)]
    pub fn try_close(this: &RawSocket, code: u16, reason: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_class = "WebSocket", js_name = close, catch)]
    pub fn try_close_plain(this: &RawSocket) -> Result<(), JsValue>;

    /// An `EventTarget` whose listener calls pass `options` through untouched.
    #[wasm_bindgen(extends = web_sys::EventTarget, js_name = EventTarget)]
    pub type Target;
    #[wasm_bindgen(method, js_class = "EventTarget", js_name = addEventListener)]
    pub fn add_listener(this: &Target, kind: &str, listener: &JsValue, options: &JsValue);
    #[wasm_bindgen(method, js_class = "EventTarget", js_name = removeEventListener)]
    pub fn remove_listener(this: &Target, kind: &str, listener: &JsValue, options: &JsValue);
}

/// A plain object from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> Object {
    let obj = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj
}

/// `obj[key]`, or `undefined`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `new globalThis[class](...args)`, or, where the host lacks that class (Node 20
/// has no `CloseEvent`) or its constructor throws, a plain `Event` with the
/// init dictionary's fields copied on. Never panics: the host decides what exists.
fn construct(class: &str, args: &[JsValue]) -> web_sys::Event {
    let global = js_sys::global();
    let kind = args.first().cloned().unwrap_or(JsValue::UNDEFINED);
    let init = args.get(1).cloned().unwrap_or(JsValue::UNDEFINED);
    let argv: js_sys::Array = args.iter().collect();
    let built = Reflect::get(&global, &class.into())
        .ok()
        .and_then(|c| c.dyn_into::<Function>().ok())
        .and_then(|c| Reflect::construct(&c, &argv).ok());
    if let Some(event) = built {
        return event.unchecked_into();
    }
    let plain = js_sys::Array::of1(&kind);
    let event = Reflect::get(&global, &"Event".into())
        .ok()
        .and_then(|c| c.dyn_into::<Function>().ok())
        .and_then(|c| Reflect::construct(&c, &plain).ok())
        .unwrap_or_else(|| Object::new().into());
    if init.is_object() {
        let _ = Object::assign(
            event.unchecked_ref::<Object>(),
            init.unchecked_ref::<Object>(),
        );
    }
    event.unchecked_into()
}

/// A plain `Event` of type `kind`.
pub fn event(kind: &str) -> web_sys::Event {
    construct("Event", &[kind.into()])
}

/// A `MessageEvent` carrying `data`.
pub fn message_event(data: &JsValue, origin: &str) -> web_sys::Event {
    construct(
        "MessageEvent",
        &[
            "message".into(),
            object(&[("data", data.clone()), ("origin", origin.into())]).into(),
        ],
    )
}

/// A `CloseEvent`, plus our `initiator` and `willReconnect` fields.
pub fn close_event(
    code: u16,
    reason: &str,
    was_clean: bool,
    initiator: &str,
    will_reconnect: bool,
) -> web_sys::Event {
    let init = object(&[
        ("code", code.into()),
        ("reason", reason.into()),
        ("wasClean", was_clean.into()),
    ]);
    let event = construct("CloseEvent", &["close".into(), init.into()]);
    let _ = Reflect::set(&event, &"initiator".into(), &initiator.into());
    let _ = Reflect::set(&event, &"willReconnect".into(), &will_reconnect.into());
    event
}

/// A `CustomEvent` whose `detail` is `detail`.
pub fn custom_event(kind: &str, detail: Object) -> web_sys::Event {
    construct(
        "CustomEvent",
        &[kind.into(), object(&[("detail", detail.into())]).into()],
    )
}

/// A one-shot timer whose callback lives as long as its owner (never `forget`).
pub struct Timer {
    callback: Closure<dyn FnMut()>,
    id: Option<JsValue>,
}

impl Timer {
    /// A stopped timer that runs `callback` when it fires.
    pub fn new(callback: impl FnMut() + 'static) -> Self {
        Timer {
            callback: Closure::new(callback),
            id: None,
        }
    }

    /// (Re)starts the timer.
    pub fn start(&mut self, ms: f64) {
        self.stop();
        self.id = Some(set_timeout(
            self.callback.as_ref().unchecked_ref(),
            ms.max(0.0),
        ));
    }

    /// Cancels the timer if it is pending.
    pub fn stop(&mut self) {
        if let Some(id) = self.id.take() {
            clear_timeout(&id);
        }
    }

    /// Called first thing in the callback: the timer is no longer pending.
    pub fn fired(&mut self) {
        self.id = None;
    }

    /// Whether the timer is pending.
    pub fn is_pending(&self) -> bool {
        self.id.is_some()
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.stop();
    }
}
