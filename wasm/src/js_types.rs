//! Plain JS objects to and from core types for codec.rs, with the TypeScript
//! declarations that describe them. String values (event types, initiators,
//! outcomes) are core's serde names, the same as in Python.

use std::time::Duration;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wscore::{CloseInfo, CloseOutcome, Config, DeflateConfig, Event, Header};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type State = "connecting" | "open" | "closing" | "closed";
export type SideState = "connecting" | "open" | "closed";
export type Initiator = "local" | "remote" | "protocol_error" | "transport";
/** Header values are strings: UTF-8 when valid, otherwise one char per byte (latin1). */
export type HeaderList = Array<[string, string]> | Record<string, string>;

/** Limits and timeouts; omitted fields keep core's defaults. `null` disables a timeout. */
export interface ConnectionOptions {
  maxFrameSize?: number;
  maxMessageSize?: number;
  maxHandshakeSize?: number;
  handshakeTimeoutMs?: number | null;
  closeTimeoutMs?: number | null;
  pingIntervalMs?: number | null;
  pongTimeoutMs?: number | null;
  autoPong?: boolean;
  /** Pending output above this many bytes turns `shouldPauseReading` on (default 1 MiB). */
  outputHighWater?: number;
  /** Output above `outputHighWater` this long fails the connection with 1008 (default 30000). */
  outputStallTimeoutMs?: number | null;
  /** permessage-deflate: `true` for core's defaults, or the settings to change; offered (client) or accepted (server). */
  deflate?: boolean | DeflateOptions;
}
export interface DeflateOptions {
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  level?: number;
  memLevel?: number;
  minSize?: number;
}
export interface ClientOptions extends ConnectionOptions {
  subprotocols?: string[];
  headers?: HeaderList;
}
export interface AcceptOptions {
  subprotocol?: string;
  headers?: HeaderList;
}

export interface CloseInfo { code: number; reason: string; initiator: Initiator }
export type CloseOutcome =
  | { outcome: "sent" }
  | { outcome: "aborted" }
  | ({ outcome: "already_closed" } & CloseInfo);

export type WsEvent =
  | { type: "request"; target: string; headers: Array<[string, string]>; subprotocols: string[]; extensions: string[]; key: string }
  | { type: "accepted"; status: number; headers: Array<[string, string]>; subprotocol: string | null; extensions: string[] }
  | { type: "rejected"; status: number; headers: Array<[string, string]>; body: Uint8Array }
  | { type: "text"; data: string }
  | { type: "binary"; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "close_received"; code: number; reason: string }
  | { type: "closed"; code: number; reason: string; clean: boolean; initiator: Initiator; error: string | null };

export declare class WebSocketError extends Error {}
export declare class ConnectionClosedError extends WebSocketError {
  readonly code: number;
  readonly reason: string;
  readonly initiator: Initiator;
  readonly closedByUs: boolean;
}
export declare class InvalidCloseArgumentsError extends WebSocketError {}
export declare class InvalidStateError extends WebSocketError {}
export declare class HandshakeError extends WebSocketError { readonly status: number | undefined }
export declare class InternalError extends WebSocketError {}
export interface WscoreErrorClasses {
  WebSocketError: typeof WebSocketError;
  ConnectionClosedError: typeof ConnectionClosedError;
  InvalidCloseArgumentsError: typeof InvalidCloseArgumentsError;
  InvalidStateError: typeof InvalidStateError;
  HandshakeError: typeof HandshakeError;
  InternalError: typeof InternalError;
}
"#;

// ----- JS → core -----

fn get(obj: &Object, key: &str) -> Result<Option<JsValue>, JsValue> {
    let value = Reflect::get(obj, &JsValue::from_str(key))?;
    Ok(if value.is_undefined() {
        None
    } else {
        Some(value)
    })
}

/// The error for a `sendBinary` argument that is not bytes.
pub(crate) fn not_bytes() -> JsValue {
    type_error(String::from(
        "expected a Uint8Array, Buffer, ArrayBuffer view or ArrayBuffer (use sendText for strings)",
    ))
}

fn type_error(message: String) -> JsValue {
    js_sys::TypeError::new(&message).into()
}

fn size(obj: &Object, key: &str) -> Result<Option<usize>, JsValue> {
    match get(obj, key)? {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && n >= 0.0 && n <= usize::MAX as f64 => {
                Ok(Some(n as usize))
            }
            _ => Err(type_error(format!("{key} must be a non-negative integer"))),
        },
    }
}

/// `undefined`: keep the default; `null`: no timeout; a number of milliseconds.
fn timeout(
    obj: &Object,
    key: &str,
    default: Option<Duration>,
) -> Result<Option<Duration>, JsValue> {
    match get(obj, key)? {
        None => Ok(default),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => Ok(Some(duration_ms(v.as_f64().unwrap_or(f64::NAN), key)?)),
    }
}

/// Milliseconds as a `Duration`: finite and not negative.
pub(crate) fn duration_ms(ms: f64, what: &str) -> Result<Duration, JsValue> {
    if ms.is_finite() && ms >= 0.0 {
        Ok(Duration::from_secs_f64(ms / 1000.0))
    } else {
        Err(type_error(format!(
            "{what} must be a finite, non-negative number of milliseconds"
        )))
    }
}

pub(crate) fn config(options: Option<&Object>) -> Result<Config, JsValue> {
    let mut c = Config::default();
    let Some(o) = options else { return Ok(c) };
    c.max_frame_size = size(o, "maxFrameSize")?.unwrap_or(c.max_frame_size);
    c.max_message_size = size(o, "maxMessageSize")?.unwrap_or(c.max_message_size);
    c.max_handshake_size = size(o, "maxHandshakeSize")?.unwrap_or(c.max_handshake_size);
    c.handshake_timeout = timeout(o, "handshakeTimeoutMs", c.handshake_timeout)?;
    c.close_timeout = timeout(o, "closeTimeoutMs", c.close_timeout)?;
    c.ping_interval = timeout(o, "pingIntervalMs", c.ping_interval)?;
    c.pong_timeout = timeout(o, "pongTimeoutMs", c.pong_timeout)?;
    c.output_high_water = size(o, "outputHighWater")?.unwrap_or(c.output_high_water);
    c.output_stall_timeout = timeout(o, "outputStallTimeoutMs", c.output_stall_timeout)?;
    if let Some(v) = get(o, "autoPong")? {
        c.auto_pong = boolean(&v, "autoPong")?;
    }
    c.deflate = match get(o, "deflate")? {
        None => c.deflate,
        Some(v) if v.as_bool() == Some(false) || v.is_null() => None,
        Some(v) if v.as_bool() == Some(true) => Some(DeflateConfig::default()),
        Some(v) if v.is_object() => Some(deflate(v.unchecked_ref())?),
        Some(_) => return Err(type_error("deflate must be a boolean or an object".into())),
    };
    Ok(c)
}

/// Only the shape is checked here; core clamps the values to what zlib supports.
fn deflate(o: &Object) -> Result<DeflateConfig, JsValue> {
    let mut d = DeflateConfig::default();
    let small = |key: &str, default: u8| -> Result<u8, JsValue> {
        Ok(size(o, key)?
            .map(|n| n.min(u8::MAX as usize) as u8)
            .unwrap_or(default))
    };
    d.server_max_window_bits = small("serverMaxWindowBits", d.server_max_window_bits)?;
    d.client_max_window_bits = small("clientMaxWindowBits", d.client_max_window_bits)?;
    d.mem_level = small("memLevel", d.mem_level)?;
    d.level = size(o, "level")?
        .map(|n| n.min(u32::MAX as usize) as u32)
        .unwrap_or(d.level);
    d.min_size = size(o, "minSize")?.unwrap_or(d.min_size);
    if let Some(v) = get(o, "serverNoContextTakeover")? {
        d.server_no_context_takeover = boolean(&v, "serverNoContextTakeover")?;
    }
    if let Some(v) = get(o, "clientNoContextTakeover")? {
        d.client_no_context_takeover = boolean(&v, "clientNoContextTakeover")?;
    }
    Ok(d)
}

fn boolean(v: &JsValue, key: &str) -> Result<bool, JsValue> {
    v.as_bool()
        .ok_or_else(|| type_error(format!("{key} must be a boolean")))
}

pub(crate) fn optional_string(obj: &Object, key: &str) -> Result<Option<String>, JsValue> {
    match get(obj, key)? {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| type_error(format!("{key} must be a string"))),
    }
}

pub(crate) fn string_list(obj: &Object, key: &str) -> Result<Vec<String>, JsValue> {
    let Some(v) = get(obj, key)? else {
        return Ok(Vec::new());
    };
    let bad = || type_error(format!("{key} must be an array of strings"));
    if !Array::is_array(&v) {
        return Err(bad());
    }
    Array::from(&v)
        .iter()
        .map(|s| s.as_string().ok_or_else(bad))
        .collect()
}

pub(crate) fn headers(obj: &Object, key: &str) -> Result<Vec<Header>, JsValue> {
    match get(obj, key)? {
        None => Ok(Vec::new()),
        Some(v) => header_list(&v),
    }
}

/// `[[name, value], …]` or `{ name: value, … }`.
pub(crate) fn header_list(value: &JsValue) -> Result<Vec<Header>, JsValue> {
    let pairs = if Array::is_array(value) {
        Array::from(value)
    } else if value.is_object() {
        Object::entries(value.unchecked_ref())
    } else {
        return Err(type_error(
            "headers must be [name, value] pairs or an object".into(),
        ));
    };
    pairs
        .iter()
        .map(|pair| {
            let pair = Array::from(&pair);
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(name), Some(value)) => Ok(Header::new(name, value)),
                _ => Err(type_error(
                    "each header must be a [name, value] pair of strings".into(),
                )),
            }
        })
        .collect()
}

// ----- core → JS -----

fn set(obj: &Object, key: &'static str, value: impl Into<JsValue>) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &interned(key), &value.into());
}

thread_local! {
    /// JS strings for property names and event types, made once: building each
    /// anew (a UTF-8 decode across the boundary) cost more than the event itself.
    static INTERNED: std::cell::RefCell<std::collections::HashMap<&'static str, JsValue>> =
        Default::default();
}

fn interned(s: &'static str) -> JsValue {
    INTERNED.with(|m| {
        m.borrow_mut()
            .entry(s)
            .or_insert_with(|| JsValue::from_str(s))
            .clone()
    })
}

fn bytes(data: &[u8]) -> Uint8Array {
    Uint8Array::from(data)
}

fn strings(items: &[String]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

fn header_value(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(s) => s.to_owned(),
        Err(_) => value.iter().map(|&b| char::from(b)).collect(),
    }
}

fn header_pairs(headers: &[Header]) -> Array {
    headers
        .iter()
        .map(|h| -> JsValue {
            let pair = Array::new();
            pair.push(&JsValue::from_str(&h.name));
            pair.push(&JsValue::from_str(&header_value(&h.value)));
            pair.into()
        })
        .collect()
}

/// One event as a plain object with a `type` field (see `WsEvent`).
pub(crate) fn event(event: Event) -> JsValue {
    let o = Object::new();
    set(&o, "type", interned(event_type(&event)));
    match event {
        Event::Request(r) => {
            set(&o, "target", r.target);
            set(&o, "headers", header_pairs(&r.headers));
            set(&o, "subprotocols", strings(&r.subprotocols));
            set(&o, "extensions", strings(&r.extensions));
            set(&o, "key", r.key);
        }
        Event::Accepted(r) => {
            set(&o, "status", r.status);
            set(&o, "headers", header_pairs(&r.headers));
            set(
                &o,
                "subprotocol",
                r.subprotocol.map(JsValue::from).unwrap_or(JsValue::NULL),
            );
            set(&o, "extensions", strings(&r.extensions));
        }
        Event::Rejected(r) => {
            set(&o, "status", r.status);
            set(&o, "headers", header_pairs(&r.headers));
            set(&o, "body", bytes(&r.body));
        }
        Event::Text(text) => set(&o, "data", text.as_str()),
        Event::Binary(data) => set(&o, "data", bytes(&data)),
        Event::Ping(data) | Event::Pong(data) => set(&o, "data", bytes(&data)),
        Event::CloseReceived(frame) => {
            set(&o, "code", frame.code.0);
            set(&o, "reason", frame.reason);
        }
        Event::Closed(c) => {
            set(&o, "code", c.code.0);
            set(&o, "reason", c.reason);
            set(&o, "clean", c.clean);
            set(&o, "initiator", c.initiator.as_str());
            set(
                &o,
                "error",
                c.error
                    .map(|e| JsValue::from(e.to_string()))
                    .unwrap_or(JsValue::NULL),
            );
        }
        // An event kind newer than this mapping (core's Event is non_exhaustive):
        // JS still gets it, as `{ type: "unknown" }` without fields, never nothing.
        _ => {}
    }
    o.into()
}

pub(crate) fn close_info(info: &CloseInfo) -> Object {
    let o = Object::new();
    set(&o, "code", info.code.0);
    set(&o, "reason", info.reason.as_str());
    set(&o, "initiator", info.initiator.as_str());
    o
}

pub(crate) fn close_outcome(outcome: CloseOutcome) -> Object {
    match outcome {
        CloseOutcome::Sent => outcome_object("sent"),
        CloseOutcome::Aborted => outcome_object("aborted"),
        CloseOutcome::AlreadyClosed(info) => {
            let o = close_info(&info);
            set(&o, "outcome", "already_closed");
            o
        }
    }
}

fn outcome_object(name: &str) -> Object {
    let o = Object::new();
    set(&o, "outcome", name);
    o
}

fn event_type(event: &Event) -> &'static str {
    match event {
        Event::Request(_) => "request",
        Event::Accepted(_) => "accepted",
        Event::Rejected(_) => "rejected",
        Event::Text(_) => "text",
        Event::Binary(_) => "binary",
        Event::Ping(_) => "ping",
        Event::Pong(_) => "pong",
        Event::CloseReceived(_) => "close_received",
        Event::Closed(_) => "closed",
        // Newer than this mapping: see `event`, which sends it without fields.
        _ => "unknown",
    }
}
