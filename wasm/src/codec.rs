//! The sans-IO `Connection` for JavaScript (Node, Deno, Bun on raw sockets): it
//! translates types and nothing else; every protocol rule is core's.
//!
//! Bytes cross the wasm boundary at most once each way: `receive` copies its
//! argument in once; `sendBinary` of over 1 KiB on the server side does not copy
//! at all (core keeps only the length and the output shows "the caller's payload
//! here"; a client masks, so it copies in once); `takeOutput` copies the pending bytes out
//! once into one `Uint8Array` and `takeOutputChunks` hands kept payloads back as
//! they are; text comes in as a JS string (or, with `sendTextBytes`, as UTF-8
//! bytes copied in once to be validated). Events leave in one call per `events()`:
//! codec.rs lists where each payload lies in wasm memory and events.mjs builds the
//! objects from there (one copy, or one UTF-8 decode, per payload).

use js_sys::{Array, Object, Uint8Array};
use std::cell::{Cell, RefCell, RefMut};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wscore::binding::{HeldPayload, OutputSegment};
use wscore::{Accept, ClientRequest, Connection, Event, Header, SideState, State, Text};

use crate::errors;
use crate::js_types;

#[wasm_bindgen(module = "/src/events.mjs")]
extern "C" {
    /// Event objects from `[kind, ptr, len]` triples (see `to_js`); kind
    /// `OTHER` takes the next object of `others`.
    #[wasm_bindgen(js_name = buildEvents)]
    fn build_events(desc: &[u32], others: &JsValue) -> Array;
    /// A `Uint8Array` copy of `len` bytes at `ptr`.
    #[wasm_bindgen(js_name = copyBytes)]
    fn copy_bytes(ptr: u32, len: u32) -> Uint8Array;
    /// The output of `[ptr, len]` slices where `ptr == HELD` takes the next of
    /// `held`: one `Uint8Array` (`join`) or the list of pieces, kept payloads as is.
    /// `[copy of len bytes at ptr]`.
    #[wasm_bindgen(js_name = oneChunk)]
    fn one_chunk(ptr: u32, len: u32) -> Array;
    /// The byte length of a `Uint8Array`, other `ArrayBuffer` view or `ArrayBuffer`;
    /// -1 for anything else (one crossing for the type check and the length).
    #[wasm_bindgen(js_name = byteLength)]
    fn byte_length(data: &JsValue) -> f64;
    /// Appends the bytes of `data` to `held`, as a `Uint8Array` over its memory.
    #[wasm_bindgen(js_name = keepPayload)]
    fn keep_payload(held: &Array, data: &JsValue);
    /// Copies the bytes of `data` into wasm memory at `ptr`.
    #[wasm_bindgen(js_name = copyPayload)]
    fn copy_payload(data: &JsValue, ptr: u32);
    #[wasm_bindgen(js_name = outputWithHeld)]
    /// Empties `held` (every kept payload is then in the output it returns).
    fn output_with_held(desc: &[u32], held: &Array, total: u32, join: bool) -> JsValue;
    /// 1 when the runtime's own checker says `data` is UTF-8, 0 when not, -1
    /// without one (Node's `buffer.isUtf8`).
    #[wasm_bindgen(js_name = utf8Check)]
    fn utf8_check(data: &JsValue) -> i32;
    /// Hands wasm memory to events.mjs (once).
    #[wasm_bindgen(js_name = useMemory)]
    fn use_memory(memory: &JsValue);
}

/// events.mjs reads wasm memory directly; it learns which one here, once.
fn share_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| use_memory(&wasm_bindgen::memory()));
}

/// Event kinds shared with events.mjs.
const TEXT: u32 = 0;
const BINARY: u32 = 1;
const PING: u32 = 2;
const PONG: u32 = 3;
const OTHER: u32 = 4;
/// A text message handed out as its (validated) UTF-8 bytes: `textAsBytes`.
const TEXT_BYTES: u32 = 5;

/// The JS objects for `events`, in order, in one call across the boundary:
/// messages go as `[kind, ptr, len]` pointing at their bytes in wasm memory
/// (valid while `events` lives); the rare other events are built here.
fn to_js(events: &mut [Event], text_as_bytes: bool) -> Array {
    let text_kind = if text_as_bytes { TEXT_BYTES } else { TEXT };
    let mut desc = Vec::with_capacity(events.len() * 3);
    let mut others: Option<Array> = None;
    for event in events.iter_mut() {
        let (kind, data): (u32, &[u8]) = match event {
            Event::Text(text) => (text_kind, text.as_bytes()),
            Event::Binary(data) => (BINARY, data),
            Event::Ping(data) => (PING, data),
            Event::Pong(data) => (PONG, data),
            other => {
                // Taken by value (an empty Vec in its place allocates nothing).
                let other = std::mem::replace(other, Event::Pong(Vec::new()));
                others
                    .get_or_insert_with(Array::new)
                    .push(&js_types::event(other));
                (OTHER, &[])
            }
        };
        desc.extend([kind, data.as_ptr() as usize as u32, data.len() as u32]);
    }
    build_events(&desc, others.as_ref().map_or(&JsValue::UNDEFINED, |a| a))
}

/// A WebSocket connection without I/O (sans-IO): feed it the bytes you read
/// (`receive`, `receiveEof`) and the time (`handleTimeout`), write the bytes it
/// gives you (`takeOutput`/`takeOutputChunks`), and read what happened
/// (`events`). Every protocol rule (framing, masking, UTF-8 checks, the opening
/// and closing handshakes, timeouts, limits) is core's; you bring the socket.
///
/// Errors: problems on the wire never throw, they become events (and a
/// `closed` event ends every connection, exactly once). Calls that do not fit
/// throw the typed errors of `Connection.errors`: `ConnectionClosedError` for a
/// send after a close, `InvalidStateError`, `InvalidCloseArgumentsError`,
/// `InvalidUtf8Error`, `TypeError`/`RangeError` for bad arguments, and
/// `InternalError` after a bug in wscore (only that connection is failed).
///
/// Memory: the connection lives in WebAssembly memory. Call `free()` when done
/// with it (or declare it with `using`, which calls `[Symbol.dispose]()`, the
/// same as `free()`); after `free()` every call on it, `free()` included,
/// throws an `Error`. A
/// connection you drop without `free()` is released by the garbage collector
/// through a `FinalizationRegistry`, later: until then it holds its memory and
/// makes every wasm call slower.
// Every method is `&self` with the core connection behind a `RefCell`: see
// errors.rs for why that contains a panic.
#[wasm_bindgen(js_name = Connection)]
pub struct JsConnection {
    inner: RefCell<Connection>,
    /// `textAsBytes`: text events carry a `Uint8Array`.
    text_as_bytes: bool,
    /// The payloads core kept (`HeldPayload::Kept`), oldest first, until taken
    /// (one JS array for the connection's life), and how many there are.
    held: Array,
    held_count: Cell<usize>,
}

/// Marks a kept payload in the slice list given to events.mjs (never a wasm address
/// of output: those are below the 4 GiB limit minus the stack).
const HELD: u32 = u32::MAX;

/// `sendTextBytes` asks the runtime's UTF-8 checker above this size (where a
/// server may keep the payload); below, the wasm check costs less than the call.
const NATIVE_UTF8_OVER: usize = 1024;

/// Largest `sendTextBytes` scratch buffer kept for the next call.
const SCRATCH_KEPT: usize = 1 << 20;

thread_local! {
    /// Where `sendTextBytes` copies its argument to validate it: one for the
    /// module, not one per connection, kept between calls so that sends do not
    /// allocate. Taken out while in use, so a panic loses it instead of leaving
    /// it borrowed.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

#[wasm_bindgen(js_class = Connection)]
impl JsConnection {
    /// A server connection waiting for a client's upgrade request: feed it what
    /// the client sends, then answer the `request` event with `accept()` or
    /// `reject()`. Throws `TypeError` for an option of the wrong type.
    #[wasm_bindgen(unchecked_return_type = "Connection")]
    pub fn server(
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectionOptions")] options: Option<
            Object,
        >,
    ) -> Result<JsConnection, JsValue> {
        errors::install_panic_hook();
        share_memory();
        let config = js_types::config(options.as_ref())?;
        let text_as_bytes = js_types::text_as_bytes(options.as_ref())?;
        Ok(JsConnection::wrap(
            Connection::server(config),
            text_as_bytes,
        ))
    }

    /// A client connection for a `ws://` or `wss://` URL (TLS is the socket's
    /// job): its upgrade request is in the output at once; an `accepted` or
    /// `rejected` event tells the server's answer. Throws `HandshakeError` for a
    /// URL it cannot use, `TypeError` for an option of the wrong type.
    #[wasm_bindgen(unchecked_return_type = "Connection")]
    pub fn client(
        url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: Option<Object>,
    ) -> Result<JsConnection, JsValue> {
        errors::install_panic_hook();
        share_memory();
        let config = js_types::config(options.as_ref())?;
        let text_as_bytes = js_types::text_as_bytes(options.as_ref())?;
        let mut request = ClientRequest::new(url);
        if let Some(options) = &options {
            request.subprotocols = js_types::string_list(options, "subprotocols")?;
            request.headers = js_types::headers(options, "headers")?;
        }
        let conn = Connection::client(config, request).map_err(errors::handshake_error)?;
        Ok(JsConnection::wrap(conn, text_as_bytes))
    }

    // ----- from the network and the clock -----

    /// Feeds bytes read from the transport (copied in once; the argument is not
    /// kept). Problems on the wire become events, never exceptions (only
    /// `InternalError` is thrown). Then read `events()` and write the output.
    // (A `receive` that copied the JS bytes straight into one shared `BytesMut`
    // for core's `receive_buf` measured slower: 16 KiB decode 3,400 -> 2,600 MB/s,
    // 64 KiB 3,200 -> 1,800, best of 5 each; as in bench/NOTES.md, not kept.)
    pub fn receive(&self, data: &[u8]) -> Result<(), JsValue> {
        self.core()?.receive(data);
        Ok(())
    }

    /// The transport was closed by the peer (read returned EOF, or it was
    /// reset): without a closing handshake first, the connection ends with 1006
    /// and initiator `"transport"`.
    #[wasm_bindgen(js_name = receiveEof)]
    pub fn receive_eof(&self) -> Result<(), JsValue> {
        self.core()?.receive_eof();
        Ok(())
    }

    /// Tells the time (milliseconds on any monotonic clock, e.g.
    /// `performance.now()`) and fires due timers (handshake, close, ping, pong,
    /// output stall). Call it before feeding input or sending, and when
    /// `pollTimeout()` says. Throws `TypeError` for a negative or non-finite time.
    #[wasm_bindgen(js_name = handleTimeout)]
    #[allow(non_snake_case)] // the parameter's name in the .d.ts
    pub fn handle_timeout(&self, nowMs: f64) -> Result<(), JsValue> {
        let now = js_types::duration_ms(nowMs, "nowMs")?;
        self.core()?.handle_timeout(now);
        Ok(())
    }

    /// When `handleTimeout` must next be called (same clock, milliseconds), or
    /// `undefined` when no timer runs.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        let conn = self.inner.try_borrow().ok()?;
        conn.poll_timeout().map(|t| t.as_secs_f64() * 1000.0)
    }

    // ----- events -----

    /// The next event, or `undefined`. Call until `undefined` after each input
    /// (or use `events()`, which takes them all in one call).
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "WsEvent | undefined")]
    pub fn poll_event(&self) -> Result<JsValue, JsValue> {
        let event = self.core()?.poll_event();
        Ok(match event {
            Some(event) => to_js(&mut [event], self.text_as_bytes).get(0),
            None => JsValue::UNDEFINED,
        })
    }

    /// Every pending event, in order (an empty array when none). Binary
    /// payloads of one call may share an `ArrayBuffer` (see `BinaryEvent`).
    #[wasm_bindgen(unchecked_return_type = "WsEvent[]")]
    pub fn events(&self) -> Result<Array, JsValue> {
        let mut events = Vec::new();
        {
            let mut conn = self.core()?;
            while let Some(event) = conn.poll_event() {
                events.push(event);
            }
        }
        Ok(to_js(&mut events, self.text_as_bytes))
    }

    // ----- from the application -----

    /// Queues a text message (the string is encoded to UTF-8 in wasm memory).
    /// Throws `ConnectionClosedError` once closing or closed (with who closed,
    /// the code and reason), `InvalidStateError` before the handshake completes.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&self, text: String) -> Result<(), JsValue> {
        self.core()?.send_text(text).map_err(errors::send_error)
    }

    /// Queues a text message given as its UTF-8 bytes (a `Uint8Array`/`Buffer`,
    /// any other `ArrayBuffer` view, or an `ArrayBuffer`), e.g. one received with
    /// `textAsBytes`: no string is made. The bytes are validated (over 1 KiB by
    /// the runtime's own checker where it has one, Node's `buffer.isUtf8`; else
    /// in wasm, as core checks received text): invalid UTF-8
    /// throws `InvalidUtf8Error` (with `validUpTo`), sends nothing and leaves
    /// the connection as it was. `{ skipUtf8Check: true }` skips that check for
    /// bytes already validated (a text received with `textAsBytes`): bytes that
    /// are not UTF-8 then go out as they are and the peer fails the connection
    /// (1007). Other errors as for `sendText`; a server keeps a payload over
    /// 1 KiB as `sendBinary` does (do not modify it before the output is taken).
    #[wasm_bindgen(js_name = sendTextBytes)]
    pub fn send_text_bytes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBufferView | ArrayBuffer")]
        data: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SendTextBytesOptions")] options: Option<
            Object,
        >,
    ) -> Result<(), JsValue> {
        let len = byte_length(data);
        if len < 0.0 {
            return Err(js_types::not_bytes());
        }
        let trusted = js_types::skip_utf8_check(options.as_ref())?;
        if len > NATIVE_UTF8_OVER as f64 && (trusted || utf8_check(data) == 1) {
            // Checked where the bytes are (simdutf in Node): a server keeps
            // them without copying them into wasm memory at all.
            let kept = self
                .core()?
                .send_text_held_trusted(len as usize, |buf| {
                    copy_payload(data, buf.as_mut_ptr() as usize as u32)
                })
                .map_err(errors::send_error)?;
            if kept == HeldPayload::Kept {
                keep_payload(&self.held, data);
                self.held_count.set(self.held_count.get() + 1);
            }
            return Ok(());
        }
        let mut scratch = SCRATCH.take();
        scratch.clear();
        scratch.resize(len as usize, 0);
        copy_payload(data, scratch.as_mut_ptr() as usize as u32);
        // `basic` is the faster check; `compat` only to say where it failed.
        let checked = if trusted {
            Ok(Text::from_utf8_trusted(&scratch))
        } else {
            simdutf8::basic::from_utf8(&scratch).map(Text::from)
        };
        let result = match checked {
            Ok(text) => self
                .core()
                .and_then(|mut conn| conn.send_text_or_keep(text).map_err(errors::send_error)),
            Err(_) => Err(errors::invalid_utf8(
                simdutf8::compat::from_utf8(&scratch).map_or_else(|e| e.valid_up_to(), |_| 0),
            )),
        };
        if scratch.capacity() <= SCRATCH_KEPT {
            SCRATCH.set(scratch);
        }
        if result? == HeldPayload::Kept {
            keep_payload(&self.held, data);
            self.held_count.set(self.held_count.get() + 1);
        }
        Ok(())
    }

    /// Queues a binary message (a `Uint8Array`/`Buffer`, any other `ArrayBuffer`
    /// view, or an `ArrayBuffer`; anything else throws `TypeError`); errors as
    /// for `sendText`. A server does not copy a payload over 1 KiB:
    /// `takeOutput()`/`takeOutputChunks()` read it then, so do not modify it
    /// before (as with Node's `socket.write`). A client, or a smaller payload,
    /// is copied now.
    #[wasm_bindgen(js_name = sendBinary)]
    pub fn send_binary(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBufferView | ArrayBuffer")]
        data: &JsValue,
    ) -> Result<(), JsValue> {
        let len = byte_length(data);
        if len < 0.0 {
            return Err(js_types::not_bytes());
        }
        let kept = self
            .core()?
            .send_binary_held(len as usize, |buf| {
                copy_payload(data, buf.as_mut_ptr() as usize as u32)
            })
            .map_err(errors::send_error)?;
        if kept == HeldPayload::Kept {
            keep_payload(&self.held, data);
            self.held_count.set(self.held_count.get() + 1);
        }
        Ok(())
    }

    /// Queues a ping (at most 125 bytes, else `RangeError`); errors as for
    /// `sendText`. The peer's pong arrives as a `pong` event.
    #[wasm_bindgen(js_name = sendPing)]
    pub fn send_ping(&self, data: Option<Vec<u8>>) -> Result<(), JsValue> {
        self.core()?
            .send_ping(&data.unwrap_or_default())
            .map_err(errors::send_error)
    }

    /// Queues an unsolicited pong (or, with `autoPong: false`, the answer to a ping).
    #[wasm_bindgen(js_name = sendPong)]
    pub fn send_pong(&self, data: Option<Vec<u8>>) -> Result<(), JsValue> {
        self.core()?
            .send_pong(&data.unwrap_or_default())
            .map_err(errors::send_error)
    }

    /// Starts the closing handshake (code defaults to 1000, reason to none).
    /// Idempotent, never throws for the state: the result says what happened,
    /// including who closed first when it was already closed. A code or reason
    /// RFC 6455 forbids (1005, 1006, 1015, codes below 1000, a reason without a
    /// code or over 123 UTF-8 bytes) throws `InvalidCloseArgumentsError` and
    /// sends nothing. Sends after this throw `ConnectionClosedError`.
    #[wasm_bindgen(unchecked_return_type = "CloseOutcome")]
    pub fn close(&self, code: Option<f64>, reason: Option<String>) -> Result<Object, JsValue> {
        let code = match code {
            None => 1000,
            Some(c) if c.fract() == 0.0 && (0.0..=65535.0).contains(&c) => c as u16,
            Some(c) => {
                return Err(errors::invalid_close_arguments(&format!(
                    "close code {c} is not an integer from 0 to 65535"
                )))
            }
        };
        let outcome = self
            .core()?
            .close(code, reason.as_deref().unwrap_or(""))
            .map_err(errors::close_error)?;
        Ok(js_types::close_outcome(outcome))
    }

    /// Server: accepts the pending request (optionally with a subprotocol the
    /// client offered and extra headers); the 101 response is in the output and
    /// the connection is open. Throws `InvalidStateError` without a pending
    /// request, `TypeError` for a subprotocol the client did not offer or a bad
    /// header.
    pub fn accept(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "AcceptOptions")] options: Option<Object>,
    ) -> Result<(), JsValue> {
        let mut accept = Accept::default();
        if let Some(options) = &options {
            accept.subprotocol = js_types::optional_string(options, "subprotocol")?;
            accept.headers = js_types::headers(options, "headers")?;
        }
        self.core()?.accept(accept).map_err(errors::accept_error)
    }

    /// Server: refuses the pending request with an HTTP `status` (e.g. 403),
    /// optional headers and body; the transport is to be closed once the output
    /// is written (`shouldCloseTransport`). Errors as for `accept`.
    pub fn reject(
        &self,
        status: u16,
        #[wasm_bindgen(unchecked_optional_param_type = "HeaderList")] headers: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] body: Option<Vec<u8>>,
    ) -> Result<(), JsValue> {
        let headers = match headers {
            Some(h) => js_types::header_list(&h)?,
            None => Vec::<Header>::new(),
        };
        self.core()?
            .reject(status, &headers, &body.unwrap_or_default())
            .map_err(errors::accept_error)
    }

    // ----- to the network -----

    /// Every pending byte as one `Uint8Array`, to write to the transport (one
    /// copy out of wasm memory; kept payloads copied in after their headers).
    /// Empty when there is nothing to write. The result may share its
    /// `ArrayBuffer` with earlier results.
    #[wasm_bindgen(js_name = takeOutput)]
    pub fn take_output(&self) -> Result<Uint8Array, JsValue> {
        if let Some(out) = self.take_if_one_slice(copy_bytes)? {
            return Ok(out);
        }
        Ok(self.take_pieces(true)?.unchecked_into())
    }

    /// Every pending byte as a list of `Uint8Array`s to write in order (e.g. with
    /// `socket.cork()`, `write` each, `uncork()`): frame bytes copied out of wasm
    /// memory, and each payload `sendBinary` kept, as the very object passed to it.
    #[wasm_bindgen(js_name = takeOutputChunks, unchecked_return_type = "Uint8Array[]")]
    pub fn take_output_chunks(&self) -> Result<Array, JsValue> {
        if let Some(out) = self.take_if_one_slice(one_chunk)? {
            return Ok(out);
        }
        Ok(self.take_pieces(false)?.unchecked_into())
    }

    /// Bytes queued for the transport and not yet taken.
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> usize {
        self.inner
            .try_borrow()
            .map(|c| c.buffered_amount())
            .unwrap_or(0)
    }

    /// Whether to stop reading from the transport for now: events wait to be
    /// polled, or the pending output is above `outputHighWater` (the peer does
    /// not read). Read again once it is false (after polling, writing output).
    /// True after an internal error.
    #[wasm_bindgen(getter, js_name = shouldPauseReading)]
    pub fn should_pause_reading(&self) -> bool {
        self.inner
            .try_borrow()
            .map(|c| c.should_pause_reading())
            .unwrap_or(true)
    }

    /// Whether to close the transport once the output is written (also true
    /// after an internal error).
    #[wasm_bindgen(getter, js_name = shouldCloseTransport)]
    pub fn should_close_transport(&self) -> bool {
        self.inner
            .try_borrow()
            .map(|c| c.should_close_transport())
            .unwrap_or(true)
    }

    // ----- state -----

    /// `"connecting"` until the handshake completes, `"open"`, `"closing"` once
    /// either side sent a close frame, `"closed"` after the `closed` event.
    #[wasm_bindgen(getter, unchecked_return_type = "State")]
    pub fn state(&self) -> String {
        self.inner
            .try_borrow()
            .map(|c| c.state())
            .unwrap_or(State::Closed)
            .as_str()
            .to_owned()
    }

    /// Whether we may still send: `"connecting" | "open" | "closed"`.
    #[wasm_bindgen(getter, js_name = ourState, unchecked_return_type = "SideState")]
    pub fn our_state(&self) -> String {
        self.inner
            .try_borrow()
            .map(|c| c.our_state())
            .unwrap_or(SideState::Closed)
            .as_str()
            .to_owned()
    }

    /// Whether the peer may still send: `"connecting" | "open" | "closed"`.
    #[wasm_bindgen(getter, js_name = theirState, unchecked_return_type = "SideState")]
    pub fn their_state(&self) -> String {
        self.inner
            .try_borrow()
            .map(|c| c.their_state())
            .unwrap_or(SideState::Closed)
            .as_str()
            .to_owned()
    }

    /// The subprotocol agreed in the handshake, if any.
    #[wasm_bindgen(getter)]
    pub fn subprotocol(&self) -> Option<String> {
        self.inner
            .try_borrow()
            .ok()?
            .subprotocol()
            .map(str::to_owned)
    }

    /// Who closed and why, once our side stopped sending; `undefined` while open.
    #[wasm_bindgen(getter, js_name = closeInfo, unchecked_return_type = "CloseInfo | undefined")]
    pub fn close_info(&self) -> JsValue {
        match self.inner.try_borrow() {
            Ok(c) => c
                .close_info()
                .map(|i| js_types::close_info(i).into())
                .unwrap_or(JsValue::UNDEFINED),
            Err(_) => JsValue::UNDEFINED,
        }
    }

    /// The error classes wscore throws, for `instanceof`:
    /// `{ WebSocketError, ConnectionClosedError, InvalidCloseArgumentsError,
    /// InvalidStateError, HandshakeError, InternalError, InvalidUtf8Error }`.
    #[wasm_bindgen(getter = errors, unchecked_return_type = "WscoreErrorClasses")]
    pub fn error_classes() -> Object {
        errors::error_classes()
    }
}

impl JsConnection {
    fn wrap(conn: Connection, text_as_bytes: bool) -> JsConnection {
        JsConnection {
            inner: RefCell::new(conn),
            text_as_bytes,
            held: Array::new(),
            held_count: Cell::new(0),
        }
    }

    /// The common case, frames only in one slice: taken with one call to JS
    /// (`make(ptr, len)`), no list to pass. `None` otherwise (nothing taken).
    fn take_if_one_slice<T>(&self, make: fn(u32, u32) -> T) -> Result<Option<T>, JsValue> {
        if self.held_count.get() > 0 {
            return Ok(None);
        }
        let mut conn = self.core()?;
        let total = conn.buffered_amount();
        let out = match conn.output_segments().next() {
            Some(OutputSegment::Bytes(bytes)) if total > 0 && bytes.len() == total => {
                make(bytes.as_ptr() as usize as u32, total as u32)
            }
            _ => return Ok(None),
        };
        conn.advance_output(total);
        Ok(Some(out))
    }

    /// All pending output, kept payloads included, in one call to events.mjs:
    /// joined into one `Uint8Array`, or as a list of pieces.
    fn take_pieces(&self, join: bool) -> Result<JsValue, JsValue> {
        let mut conn = self.core()?;
        let total = conn.buffered_amount();
        let mut desc = Vec::with_capacity(8);
        for segment in conn.output_segments() {
            match segment {
                OutputSegment::Bytes(b) => {
                    desc.extend([b.as_ptr() as usize as u32, b.len() as u32])
                }
                OutputSegment::Held(n) => desc.extend([HELD, n as u32]),
            }
        }
        let out = output_with_held(&desc, &self.held, total as u32, join);
        self.held_count.set(0);
        conn.advance_output(total);
        Ok(out)
    }

    /// The core connection for staged.rs's fast path: `None` where `core`
    /// would fail (the ordinary method then throws its error).
    pub(crate) fn core_if_free(&self) -> Option<RefMut<'_, Connection>> {
        self.inner.try_borrow_mut().ok()
    }

    /// Whether output holds payloads that only `take_pieces` can write.
    pub(crate) fn has_held(&self) -> bool {
        self.held_count.get() > 0
    }

    /// The core connection for one call. A call that panicked never released
    /// its borrow, so the connection stays failed with `InternalError`.
    fn core(&self) -> Result<RefMut<'_, Connection>, JsValue> {
        self.inner
            .try_borrow_mut()
            .map_err(|_| errors::poisoned_error())
    }

    /// Runs `f` on the core connection exactly as the exported methods do: for
    /// tests of the panic containment (not exported to JS).
    #[doc(hidden)]
    pub fn with_core<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> Result<R, JsValue> {
        let mut conn = self.core()?;
        Ok(f(&mut conn))
    }
}
