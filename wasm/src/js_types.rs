//! Plain JS objects to and from core types for codec.rs, with the TypeScript
//! declarations that describe them. String values (event types, initiators,
//! outcomes) are core's serde names, the same as in Python.

use std::time::Duration;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wscore::{CloseInfo, CloseOutcome, Config, DeflateConfig, Event, Header};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** `Connection.state`: the phase of the whole connection. */
export type State = "connecting" | "open" | "closing" | "closed";
/** `ourState` / `theirState`: whether one side may still send messages. */
export type SideState = "connecting" | "open" | "closed";
/**
 * Who ended a connection: our `close()` (`"local"`), the peer's close frame
 * (`"remote"`), a protocol violation or limit we detected and closed for
 * (`"protocol_error"`), or the transport ending without a closing handshake
 * (`"transport"`: EOF, reset, a timeout).
 */
export type Initiator = "local" | "remote" | "protocol_error" | "transport";
/**
 * HTTP headers as `[name, value]` pairs or a `{ name: value }` object. Header
 * values are strings: UTF-8 when valid, otherwise one char per byte (latin1).
 */
export type HeaderList = Array<[string, string]> | Record<string, string>;

/**
 * Limits, timeouts and switches of a connection (`Connection.server(options)`).
 * Omitted fields keep core's defaults; a timeout set to `null` never fires.
 * A value of the wrong type throws `TypeError` and no connection is made.
 */
export interface ConnectionOptions {
  /** Largest frame payload accepted in bytes; a bigger one fails the connection with 1009 (default 16 MiB). */
  maxFrameSize?: number;
  /** Largest message accepted in bytes, all fragments together; bigger fails with 1009 (default 16 MiB). */
  maxMessageSize?: number;
  /** Largest opening-handshake head in bytes: a server answers 431, a client fails (default 16 KiB). */
  maxHandshakeSize?: number;
  /** Time the opening handshake may take, in ms, before the connection is dropped (default 10000). */
  handshakeTimeoutMs?: number | null;
  /** Time to wait for the peer's close frame after ours, in ms, before closing the transport anyway (default 10000). */
  closeTimeoutMs?: number | null;
  /** Send a ping this often while open, in ms (keepalive; default `null`: never). */
  pingIntervalMs?: number | null;
  /** With `pingIntervalMs`: fail the connection if no pong arrives within this many ms (default 20000). */
  pongTimeoutMs?: number | null;
  /** Answer pings with pongs automatically; the `ping` event is delivered either way (default `true`). */
  autoPong?: boolean;
  /** Pending output above this many bytes turns `shouldPauseReading` on (default 1 MiB). */
  outputHighWater?: number;
  /** Output above `outputHighWater` this long, in ms, fails the connection with 1008 (default 30000). */
  outputStallTimeoutMs?: number | null;
  /** permessage-deflate: `true` for core's defaults, or the settings to change; offered (client) or accepted (server). Off by default. */
  deflate?: boolean | DeflateOptions;
  /**
   * Deliver text messages as `Uint8Array`s of their UTF-8 bytes instead of
   * strings (`{ type: "text", data: Uint8Array }`): for a server that relays
   * text without reading it. The bytes are validated UTF-8 all the same (invalid
   * text fails the connection with 1007, as always); only the string decode is
   * skipped. Pair with `sendTextBytes` to send them on. Default `false`.
   */
  textAsBytes?: boolean;
}
/** Options of `sendTextBytes`. */
export interface SendTextBytesOptions {
  /**
   * Send the bytes without checking that they are UTF-8, for bytes validated
   * already (a text message received with `textAsBytes`, relayed). Bytes that
   * are not UTF-8 then go out as they are, and the peer fails the connection
   * with 1007. Default `false`.
   */
  skipUtf8Check?: boolean;
}
/** permessage-deflate settings (RFC 7692); omitted fields keep core's defaults. */
export interface DeflateOptions {
  /** LZ77 window of the server's compressor, 8 to 15 (default 15). */
  serverMaxWindowBits?: number;
  /** LZ77 window of the client's compressor, 8 to 15 (default 15). */
  clientMaxWindowBits?: number;
  /** The server resets its compressor after each message (less memory, worse ratio; default `false`). */
  serverNoContextTakeover?: boolean;
  /** The client resets its compressor after each message (default `false`). */
  clientNoContextTakeover?: boolean;
  /** zlib compression level, 0 to 9 (default 6). */
  level?: number;
  /** zlib memory level, 1 to 9 (default 8). */
  memLevel?: number;
  /** Messages smaller than this many bytes are sent uncompressed (default 128). */
  minSize?: number;
}
/** Options of `Connection.client(url, options)`: the connection's, plus the request's. */
export interface ClientOptions extends ConnectionOptions {
  /** Subprotocols offered in `Sec-WebSocket-Protocol`, in order of preference. */
  subprotocols?: string[];
  /** Extra request headers (e.g. `Authorization`, `Origin`). */
  headers?: HeaderList;
}
/** Server: how to accept the pending request (`accept(options)`). */
export interface AcceptOptions {
  /** One of the subprotocols the client offered (the request event's `subprotocols`). */
  subprotocol?: string;
  /** Extra response headers (e.g. `Set-Cookie`). */
  headers?: HeaderList;
}

/** Who closed and why (`closeInfo`, and the fields of `ConnectionClosedError`). */
export interface CloseInfo {
  /** The close code (1005 when the close frame had none, 1006 when there was no close frame). */
  code: number;
  reason: string;
  initiator: Initiator;
}
/**
 * What `close()` did: `"sent"` our close frame; `"aborted"` the handshake had not
 * completed, so the transport is just to be closed; `"already_closed"`, with who
 * closed first and how (calling `close()` again is never an error).
 */
export type CloseOutcome =
  | { outcome: "sent" }
  | { outcome: "aborted" }
  | ({ outcome: "already_closed" } & CloseInfo);

/** Server: the client's upgrade request. Answer it with `accept()` or `reject()`. */
export interface RequestEvent {
  type: "request";
  /** The request target: path and query, e.g. `"/chat?room=1"`. */
  target: string;
  headers: Array<[string, string]>;
  /** Subprotocols the client offered, in its order. */
  subprotocols: string[];
  /** Extension names the client offered (`Sec-WebSocket-Extensions`). */
  extensions: string[];
  /** The client's `Sec-WebSocket-Key`. */
  key: string;
}
/** Client: the server accepted the upgrade; the connection is open. */
export interface AcceptedEvent {
  type: "accepted";
  status: number;
  headers: Array<[string, string]>;
  subprotocol: string | null;
  extensions: string[];
}
/** Client: the server answered the upgrade with another HTTP status; a `closed` event follows. */
export interface RejectedEvent {
  type: "rejected";
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}
/** A whole text message, as a string. */
export interface TextEvent {
  type: "text";
  data: string;
}
/** A whole text message as its UTF-8 bytes (already validated): only on a connection made with `textAsBytes: true`. */
export interface TextBytesEvent {
  type: "text";
  data: Uint8Array;
}
/**
 * A whole binary message. `data` may share its `ArrayBuffer` with other
 * payloads of the same `events()` call: `.slice()` it before handing `.buffer` on.
 */
export interface BinaryEvent {
  type: "binary";
  data: Uint8Array;
}
/** A ping from the peer (already answered unless `autoPong: false`). */
export interface PingEvent {
  type: "ping";
  data: Uint8Array;
}
/** A pong from the peer. */
export interface PongEvent {
  type: "pong";
  data: Uint8Array;
}
/** The peer's close frame arrived (core answers it; `closed` follows once the transport is done). */
export interface CloseReceivedEvent {
  type: "close_received";
  code: number;
  reason: string;
}
/**
 * The last event of every connection, exactly once: both sides are done
 * (`clean` when the closing handshake completed). Close the transport once
 * `shouldCloseTransport` is true and the output is written.
 */
export interface ClosedEvent {
  type: "closed";
  code: number;
  reason: string;
  clean: boolean;
  initiator: Initiator;
  /** What went wrong, for `protocol_error` and some `transport` closes; else `null`. */
  error: string | null;
}
/** An event newer than these declarations (never emitted by this version). */
export interface UnknownEvent {
  type: "unknown";
}
/** What `events()` and `pollEvent()` return; switch on `type`. */
export type WsEvent =
  | RequestEvent
  | AcceptedEvent
  | RejectedEvent
  | TextEvent
  | TextBytesEvent
  | BinaryEvent
  | PingEvent
  | PongEvent
  | CloseReceivedEvent
  | ClosedEvent;

/** Base class of every error wscore throws (`instanceof` works across entries). */
export declare class WebSocketError extends Error {}
/**
 * A send after the connection closed or started closing: an expected outcome,
 * not a bug. Says who closed, with which code and reason.
 */
export declare class ConnectionClosedError extends WebSocketError {
  readonly code: number;
  readonly reason: string;
  readonly initiator: Initiator;
  /** `initiator` is `"local"` or `"protocol_error"`. */
  readonly closedByUs: boolean;
}
/** `close()` with a code or reason RFC 6455 forbids (e.g. 1006, a reason over 123 bytes); nothing was sent. */
export declare class InvalidCloseArgumentsError extends WebSocketError {}
/** A call that does not fit the state: a send before the handshake completed, `accept()` without a request. */
export declare class InvalidStateError extends WebSocketError {}
/** `Connection.client()` got a URL it cannot use; `status` is the HTTP status where one applies. */
export declare class HandshakeError extends WebSocketError { readonly status: number | undefined }
/** A bug inside wscore (a Rust panic): only the connection it happened on fails; every later call on it throws this. */
export declare class InternalError extends WebSocketError {}
/** `sendTextBytes()` got bytes that are not valid UTF-8; nothing was sent and the connection carries on. */
export declare class InvalidUtf8Error extends WebSocketError {
  /** Bytes at the start of the argument that are valid UTF-8. */
  readonly validUpTo: number;
}
/** `Connection.errors`: the error classes, for `instanceof`. */
export interface WscoreErrorClasses {
  WebSocketError: typeof WebSocketError;
  ConnectionClosedError: typeof ConnectionClosedError;
  InvalidCloseArgumentsError: typeof InvalidCloseArgumentsError;
  InvalidStateError: typeof InvalidStateError;
  HandshakeError: typeof HandshakeError;
  InternalError: typeof InternalError;
  InvalidUtf8Error: typeof InvalidUtf8Error;
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

/// `sendTextBytes`'s `skipUtf8Check`: default `false`.
pub(crate) fn skip_utf8_check(options: Option<&Object>) -> Result<bool, JsValue> {
    match options {
        Some(o) => get(o, "skipUtf8Check")?.map_or(Ok(false), |v| boolean(&v, "skipUtf8Check")),
        None => Ok(false),
    }
}

/// `textAsBytes` (an option of the JS binding, not of core): default `false`.
pub(crate) fn text_as_bytes(options: Option<&Object>) -> Result<bool, JsValue> {
    match options {
        Some(o) => get(o, "textAsBytes")?.map_or(Ok(false), |v| boolean(&v, "textAsBytes")),
        None => Ok(false),
    }
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
