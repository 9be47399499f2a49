//! `SafeWebSocket`: the browser WebSocket with wscore's close semantics, a bounded
//! send queue, reconnect with backoff and an application-level heartbeat.
//!
//! The rules come from core (`CloseTracker`, `Backoff`, `SendQueue`); this file only
//! wires them to `WebSocket` events and timers. Every callback is created once per
//! `SafeWebSocket`, reused by each socket it opens, detached from a socket when we
//! are done with it, and freed on drop: nothing is leaked with `Closure::forget`.

mod accessors;
mod js;
mod options;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, EventTarget, MessageEvent};
use wscore::binding::{
    validate_close, Backoff, CloseRequest, CloseTracker, Enqueued, ReconnectDecision, SendQueue,
};
use wscore::{CloseCode, CloseError, CloseInfo};

use js::{object, RawSocket, Timer};
use options::Options;

/// Close code and reason we use when a heartbeat goes unanswered.
const HEARTBEAT_CLOSE: (u16, &str) = (4000, "heartbeat timeout");
/// How often a queue held back by the high-water mark is retried (browsers have no drain event).
const DRAIN_POLL_MS: f64 = 20.0;
/// How long `reconnect()` waits for the old socket's close before opening anyway.
const RECONNECT_CLOSE_WAIT_MS: f64 = 1000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Open,
    Closing,
    Reconnecting,
    Closed,
}

#[derive(Default)]
struct Stats {
    sent: f64,
    queued: f64,
    dropped: f64,
    rejected: f64,
    after_close: f64,
    opens: f64,
    reconnects: f64,
}

struct State {
    url: String,
    protocols: JsValue,
    opts: Options,
    socket: Option<RawSocket>,
    phase: Phase,
    tracker: CloseTracker,
    backoff: Option<Backoff>,
    queue: SendQueue<JsValue>,
    user_closed: bool,
    /// `reconnect()` is waiting for the old socket's close to open the new one.
    reopen: bool,
    last_close: Option<(CloseInfo, bool)>,
    stats: Stats,
    handlers: [Option<Function>; 4],
    reconnect_timer: Timer,
    heartbeat_timer: Timer,
    pong_timer: Timer,
    drain_timer: Timer,
}

/// The socket callbacks, shared by every socket this `SafeWebSocket` opens.
struct SocketCallbacks {
    open: Closure<dyn FnMut(Event)>,
    message: Closure<dyn FnMut(MessageEvent)>,
    close: Closure<dyn FnMut(CloseEvent)>,
    error: Closure<dyn FnMut(Event)>,
}

struct Inner {
    target: EventTarget,
    callbacks: SocketCallbacks,
    state: RefCell<State>,
}

const EVENT_NAMES: [&str; 4] = ["open", "message", "close", "error"];

/// A browser WebSocket that never throws from `send`, validates `close` with
/// wscore's rules, tells our close from theirs, and can reconnect.
#[wasm_bindgen]
pub struct SafeWebSocket {
    inner: Rc<Inner>,
}

fn byte_len(data: &JsValue) -> usize {
    if let Some(s) = data.as_string() {
        return s.len();
    }
    for key in ["byteLength", "size"] {
        if let Some(n) = js::get(data, key).as_f64() {
            return n as usize;
        }
    }
    0
}

fn close_error(error: CloseError, code: Option<u16>, reason: &str) -> JsValue {
    let (kind, message) = match &error {
        CloseError::InvalidCode(_) => ("invalid-code", error.to_string()),
        CloseError::ReasonTooLong(_) => ("reason-too-long", error.to_string()),
        CloseError::ReasonWithoutCode => ("reason-without-code", error.to_string()),
        // A refusal newer than this mapping (CloseError is non_exhaustive): still
        // thrown, nothing is sent; kind "other" with core's message says why.
        _ => ("other", error.to_string()),
    };
    typed_error(kind, &message, code.map(f64::from), reason)
}

/// A `CloseError` (an `Error` with `kind`, `code` (null when none was given) and `reasonBytes`).
fn typed_error(kind: &str, message: &str, code: Option<f64>, reason: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("CloseError");
    let _ = js_sys::Reflect::set(&error, &"kind".into(), &kind.into());
    let _ = js_sys::Reflect::set(
        &error,
        &"code".into(),
        &code.map_or(JsValue::NULL, JsValue::from),
    );
    let _ = js_sys::Reflect::set(&error, &"reasonBytes".into(), &(reason.len() as f64).into());
    error.into()
}

impl Inner {
    fn dispatch(&self, events: Vec<Event>) {
        for event in events {
            // Listener exceptions are reported by the browser, never thrown into us.
            let _ = self.target.dispatch_event(&event);
        }
    }

    fn open_socket(&self, st: &mut State) -> Result<(), JsValue> {
        let socket = if st.protocols.is_undefined() {
            RawSocket::open(&st.url)?
        } else {
            RawSocket::open_with(&st.url, &st.protocols)?
        };
        socket.set_binary_type(if st.opts.blob {
            BinaryType::Blob
        } else {
            BinaryType::Arraybuffer
        });
        let cb = &self.callbacks;
        socket.set_onopen(Some(cb.open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(cb.message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(cb.close.as_ref().unchecked_ref()));
        socket.set_onerror(Some(cb.error.as_ref().unchecked_ref()));
        st.socket = Some(socket);
        st.phase = Phase::Connecting;
        st.tracker.reset();
        Ok(())
    }

    fn on_open(&self) {
        let events = {
            let mut st = self.state.borrow_mut();
            st.phase = Phase::Open;
            st.stats.opens += 1.0;
            if let Some(backoff) = &mut st.backoff {
                backoff.reset();
            }
            if let Some(hb) = &st.opts.heartbeat {
                let ms = hb.interval_ms;
                st.heartbeat_timer.start(ms);
            }
            flush(&mut st);
            vec![js::event("open")]
        };
        self.dispatch(events);
    }

    fn on_message(&self, event: MessageEvent) {
        let data = event.data();
        {
            let mut st = self.state.borrow_mut();
            st.pong_timer.stop(); // any message proves the peer is alive
            let is_pong = st
                .opts
                .heartbeat
                .as_ref()
                .and_then(|hb| hb.pong.as_deref())
                .is_some_and(|pong| data.as_string().as_deref() == Some(pong));
            // Like the native socket, messages that arrive while closing are still delivered.
            if is_pong || !matches!(st.phase, Phase::Open | Phase::Closing) {
                return;
            }
        }
        self.dispatch(vec![js::message_event(&data, &event.origin())]);
    }

    fn on_error(&self) {
        self.dispatch(vec![js::event("error")]);
    }

    fn on_close(&self, code: u16, reason: &str, was_clean: bool) {
        let events = {
            let mut st = self.state.borrow_mut();
            detach(&mut st);
            // Never `ProtocolError`: a browser fails a connection with 1006 and
            // hides why, so the initiator is local, remote or transport (index.d.ts).
            let info = st.tracker.transport_closed(code, reason, was_clean);
            st.last_close = Some((info.clone(), was_clean));
            if std::mem::take(&mut st.reopen) {
                // reconnect() closed it: open the next one now, no backoff.
                st.reconnect_timer.stop();
                let failed = self.open_socket(&mut st).is_err();
                let event =
                    js::close_event(code, reason, was_clean, info.initiator.as_str(), !failed);
                drop(st);
                self.dispatch(vec![event]);
                if failed {
                    self.on_close(1006, "", false);
                }
                return;
            }
            let user_closed = st.user_closed;
            let decision = match (&mut st.backoff, user_closed) {
                (Some(backoff), false) => backoff.decide(&info, js_sys::Math::random()),
                _ => ReconnectDecision::Stop(wscore::binding::StopReason::ClosedByApplication),
            };
            let initiator = info.initiator.as_str();
            match decision {
                ReconnectDecision::Retry { attempt, delay } => {
                    st.phase = Phase::Reconnecting;
                    let ms = delay.as_secs_f64() * 1000.0;
                    st.reconnect_timer.start(ms);
                    let detail = object(&[("attempt", attempt.into()), ("delayMs", ms.into())]);
                    vec![
                        js::close_event(code, reason, was_clean, initiator, true),
                        js::custom_event("reconnecting", detail),
                    ]
                }
                ReconnectDecision::Stop(_) => {
                    let mut events = finish(&mut st);
                    events.insert(
                        0,
                        js::close_event(code, reason, was_clean, initiator, false),
                    );
                    events
                }
            }
        };
        self.dispatch(events);
    }

    fn on_reconnect_timer(&self) {
        let failed = {
            let mut st = self.state.borrow_mut();
            st.reconnect_timer.fired();
            let overdue = std::mem::take(&mut st.reopen); // the old socket never reported its close
            if st.phase != Phase::Reconnecting && !overdue {
                return;
            }
            if overdue {
                detach(&mut st);
            } else {
                st.stats.reconnects += 1.0;
            }
            self.open_socket(&mut st).is_err()
        };
        if failed {
            self.on_close(1006, "", false);
        }
    }

    fn on_heartbeat_timer(&self) {
        let mut st = self.state.borrow_mut();
        st.heartbeat_timer.fired();
        let Some(hb) = st.opts.heartbeat.clone() else {
            return;
        };
        if st.phase != Phase::Open {
            return;
        }
        if let Some(socket) = st.socket.as_ref().filter(|s| is_open(s)) {
            let _ = socket.try_send(&JsValue::from_str(&hb.message));
        }
        if !st.pong_timer.is_pending() {
            st.pong_timer.start(hb.timeout_ms);
        }
        st.heartbeat_timer.start(hb.interval_ms);
    }

    fn on_pong_timer(&self) {
        let force = {
            let mut st = self.state.borrow_mut();
            st.pong_timer.fired();
            let timeout = st.opts.heartbeat.as_ref().map_or(0.0, |hb| hb.timeout_ms);
            match st.phase {
                Phase::Open => {
                    // No answer: close, and give the closing handshake as long again.
                    let (code, reason) = HEARTBEAT_CLOSE;
                    st.tracker.fail(CloseCode(code), reason);
                    st.heartbeat_timer.stop();
                    if let Some(socket) = &st.socket {
                        let _ = socket.try_close(code, reason);
                    }
                    st.phase = Phase::Closing;
                    st.pong_timer.start(timeout);
                    false
                }
                Phase::Closing => st.socket.is_some(),
                _ => false,
            }
        };
        if force {
            // The peer is gone for good: do not wait for the browser's own timeout.
            self.on_close(1006, "", false);
        }
    }

    fn on_drain_timer(&self) {
        let mut st = self.state.borrow_mut();
        st.drain_timer.fired();
        if st.phase == Phase::Open {
            flush(&mut st);
        }
    }
}

/// Whether the socket itself is OPEN: once the peer's close frame arrived it is
/// CLOSING before our close event, and sending then only logs a console error.
fn is_open(socket: &RawSocket) -> bool {
    socket.ready_state() == web_sys::WebSocket::OPEN
}

/// Sends queued messages in order while the socket is under the high-water mark.
fn flush(st: &mut State) {
    let Some(socket) = st.socket.clone().filter(is_open) else {
        return;
    };
    while let Some(data) = st.queue.pop_sendable(socket.buffered_amount() as usize) {
        let _ = socket.try_send(&data);
        st.stats.sent += 1.0;
    }
    if !st.queue.is_empty() && !st.drain_timer.is_pending() {
        st.drain_timer.start(DRAIN_POLL_MS);
    }
}

/// Unhooks our callbacks from the current socket and stops its timers.
fn detach(st: &mut State) {
    if let Some(socket) = st.socket.take() {
        socket.set_onopen(None);
        socket.set_onmessage(None);
        socket.set_onclose(None);
        socket.set_onerror(None);
        if socket.ready_state() < web_sys::WebSocket::CLOSING {
            let _ = socket.try_close_plain();
        }
    }
    st.heartbeat_timer.stop();
    st.pong_timer.stop();
    st.drain_timer.stop();
}

/// The final close: nothing reopens; what was queued is reported as dropped.
fn finish(st: &mut State) -> Vec<Event> {
    st.phase = Phase::Closed;
    st.reconnect_timer.stop();
    let dropped: Vec<JsValue> = st.queue.drain().collect();
    st.stats.dropped += dropped.len() as f64;
    dropped
        .iter()
        .map(|data| drop_event(data, "closed"))
        .collect()
}

fn drop_event(data: &JsValue, reason: &str) -> Event {
    js::custom_event(
        "drop",
        object(&[("data", data.clone()), ("reason", reason.into())]),
    )
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closures die with us: the socket and timers must not call them afterwards.
        let st = self.state.get_mut();
        detach(st);
        st.reconnect_timer.stop();
    }
}

fn callbacks(weak: &Weak<Inner>) -> SocketCallbacks {
    let w = weak.clone();
    let open = Closure::new(move |_: Event| {
        if let Some(inner) = w.upgrade() {
            inner.on_open();
        }
    });
    let w = weak.clone();
    let message = Closure::new(move |event: MessageEvent| {
        if let Some(inner) = w.upgrade() {
            inner.on_message(event);
        }
    });
    let w = weak.clone();
    let close = Closure::new(move |event: CloseEvent| {
        if let Some(inner) = w.upgrade() {
            inner.on_close(event.code(), &event.reason(), event.was_clean());
        }
    });
    let w = weak.clone();
    let error = Closure::new(move |_: Event| {
        if let Some(inner) = w.upgrade() {
            inner.on_error();
        }
    });
    SocketCallbacks {
        open,
        message,
        close,
        error,
    }
}

fn timer(weak: &Weak<Inner>, fire: fn(&Inner)) -> Timer {
    let w = weak.clone();
    Timer::new(move || {
        if let Some(inner) = w.upgrade() {
            fire(&inner);
        }
    })
}

#[wasm_bindgen]
impl SafeWebSocket {
    /// Opens `url` like `new WebSocket(url, protocols)`; `options` as in index.d.ts.
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: String,
        protocols: JsValue,
        options: JsValue,
    ) -> Result<SafeWebSocket, JsValue> {
        let opts = Options::from_js(&options)?;
        let target = EventTarget::new()?;
        let inner = Rc::new_cyclic(|weak: &Weak<Inner>| Inner {
            target,
            callbacks: callbacks(weak),
            state: RefCell::new(State {
                url,
                protocols: if protocols.is_null() {
                    JsValue::UNDEFINED
                } else {
                    protocols
                },
                queue: SendQueue::new(opts.limits, opts.drop_policy),
                backoff: opts.reconnect.clone().map(Backoff::new),
                opts,
                socket: None,
                phase: Phase::Connecting,
                tracker: CloseTracker::default(),
                user_closed: false,
                reopen: false,
                last_close: None,
                stats: Stats::default(),
                handlers: Default::default(),
                reconnect_timer: timer(weak, Inner::on_reconnect_timer),
                heartbeat_timer: timer(weak, Inner::on_heartbeat_timer),
                pong_timer: timer(weak, Inner::on_pong_timer),
                drain_timer: timer(weak, Inner::on_drain_timer),
            }),
        });
        {
            let mut st = inner.state.borrow_mut();
            inner.open_socket(&mut st)?; // a bad URL throws here, like the native constructor
        }
        Ok(SafeWebSocket { inner })
    }

    /// Sends `data` now, or queues it while connecting, reconnecting or over the
    /// high-water mark. Returns `"sent"`, `"queued"`, or `false` (closed, dropped
    /// or rejected); never throws.
    pub fn send(&self, data: JsValue) -> JsValue {
        let events = {
            let mut st = self.inner.state.borrow_mut();
            let reopening =
                st.backoff.is_some() && matches!(st.phase, Phase::Closing | Phase::Reconnecting);
            let reopening = reopening || st.reopen;
            let accepting = !st.user_closed
                && (matches!(st.phase, Phase::Connecting | Phase::Open) || reopening);
            if !accepting {
                st.stats.after_close += 1.0;
                return JsValue::FALSE;
            }
            // Like the native send: anything else is sent as its string form.
            let data = if data.is_string() || data.is_object() {
                data
            } else {
                js::to_string(&data).into()
            };
            if st.phase == Phase::Open {
                let socket = st.socket.clone().expect("an open phase has a socket");
                if !is_open(&socket) && st.backoff.is_none() {
                    // The peer's close frame is in; our close event is about to fire.
                    st.stats.after_close += 1.0;
                    return JsValue::FALSE;
                }
                if is_open(&socket) && st.queue.can_send_now(socket.buffered_amount() as usize) {
                    let sent = socket.try_send(&data).is_ok();
                    st.stats.sent += f64::from(u8::from(sent));
                    return if sent { "sent".into() } else { JsValue::FALSE };
                }
            }
            let bytes = byte_len(&data);
            let (result, events) = match st.queue.push(data, bytes) {
                Enqueued::Queued => (JsValue::from("queued"), vec![]),
                Enqueued::QueuedAfterDropping(old) => {
                    st.stats.dropped += old.len() as f64;
                    (
                        "queued".into(),
                        old.iter().map(|d| drop_event(d, "queue-full")).collect(),
                    )
                }
                Enqueued::Dropped(new) => {
                    st.stats.dropped += 1.0;
                    (JsValue::FALSE, vec![drop_event(&new, "queue-full")])
                }
                Enqueued::Rejected(_) => {
                    st.stats.rejected += 1.0;
                    (JsValue::FALSE, vec![])
                }
            };
            if result.is_truthy() {
                st.stats.queued += 1.0;
                if st.phase == Phase::Open && !st.drain_timer.is_pending() {
                    st.drain_timer.start(DRAIN_POLL_MS);
                }
            }
            (result, events)
        };
        let (result, events) = events;
        self.inner.dispatch(events);
        result
    }

    /// Closes with `code` and `reason`, checked by wscore's rules first. Returns
    /// `undefined`, or a `CloseError` (never thrown); calling it again is a no-op.
    pub fn close(&self, code: JsValue, reason: Option<String>) -> JsValue {
        let reason = reason.unwrap_or_default();
        let code_num = code.as_f64();
        let code = match code_num {
            _ if code.is_undefined() => None,
            Some(n) if n.fract() == 0.0 && (0.0..=65535.0).contains(&n) => Some(n as u16),
            _ => {
                // JS formats the number: Rust's float formatting would add 6 KB to the module.
                let message = format!(
                    "close code {} is not an integer from 0 to 65535",
                    js::to_string(&code)
                );
                return typed_error("invalid-code", &message, code_num, &reason);
            }
        };
        if let Some(code) = code {
            if let Err(e) = validate_close(CloseCode(code), &reason) {
                return close_error(e, Some(code), &reason);
            }
            if !CloseCode(code).is_allowed_in_browser() {
                let message = format!("close code {code} is valid on the wire but browsers only send 1000 or 3000-4999");
                return typed_error(
                    "code-not-allowed-in-browser",
                    &message,
                    Some(code.into()),
                    &reason,
                );
            }
        }
        let events = {
            let mut st = self.inner.state.borrow_mut();
            if st.phase == Phase::Reconnecting {
                st.tracker.reset(); // it still holds the previous socket's close
            }
            let request = match st.tracker.request(code.map(CloseCode), &reason) {
                Ok(request) => request,
                Err(e) => return close_error(e, code, &reason),
            };
            st.user_closed = true;
            st.reopen = false;
            st.reconnect_timer.stop();
            st.heartbeat_timer.stop();
            match (st.phase, request) {
                (Phase::Reconnecting, _) => {
                    // No socket to close: the close is complete now.
                    let info = st
                        .tracker
                        .transport_closed(code.unwrap_or(1005), &reason, true);
                    st.last_close = Some((info, true));
                    let mut events = finish(&mut st);
                    events.insert(
                        0,
                        js::close_event(code.unwrap_or(1005), &reason, true, "local", false),
                    );
                    events
                }
                (Phase::Connecting | Phase::Open, CloseRequest::Start) => {
                    if let Some(socket) = &st.socket {
                        let _ = match code {
                            Some(code) => socket.try_close(code, &reason),
                            None => socket.try_close_plain(),
                        };
                    }
                    st.phase = Phase::Closing;
                    vec![]
                }
                _ => vec![],
            }
        };
        self.inner.dispatch(events);
        JsValue::UNDEFINED
    }

    /// Opens a fresh socket whatever happened before (even after `close()` or when
    /// retries ran out). A live socket is closed first (1000 "reconnect") and the new
    /// one opens on its close event (at most 1 s later), so never two are live.
    pub fn reconnect(&self) -> Result<(), JsValue> {
        let mut st = self.inner.state.borrow_mut();
        st.reconnect_timer.stop();
        st.user_closed = false;
        if let Some(backoff) = &mut st.backoff {
            backoff.reset();
        }
        st.stats.reconnects += 1.0;
        let live = st
            .socket
            .as_ref()
            .is_some_and(|s| s.ready_state() <= web_sys::WebSocket::OPEN);
        if live && !st.reopen {
            st.tracker.reset();
            let _ = st.tracker.request(Some(CloseCode::NORMAL), "reconnect");
            if let Some(socket) = &st.socket {
                let _ = socket.try_close(1000, "reconnect");
            }
            st.heartbeat_timer.stop();
            st.pong_timer.stop();
            st.phase = Phase::Closing;
            st.reopen = true;
            st.reconnect_timer.start(RECONNECT_CLOSE_WAIT_MS);
            return Ok(());
        }
        if st.reopen {
            st.reconnect_timer.start(RECONNECT_CLOSE_WAIT_MS); // already waiting for that close
            return Ok(());
        }
        detach(&mut st);
        self.inner.open_socket(&mut st)
    }
}

/// Bytes of linear memory the module uses now (tests check it stays flat).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}
