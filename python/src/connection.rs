//! `Connection` (the base class) and its `ServerConnection` / `ClientConnection`
//! subclasses: thin wrappers that translate types and catch panics. Every call
//! into core goes through `Connection::core`, so a Rust panic becomes
//! `wscore.InternalError` and fails only that connection.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

// A `bytes` of HOLD_FROM bytes or more, or a `str` of that many characters, is
// offered to core to keep; core's thresholds module has the measurement.
use wscore::binding::HeldPayload;
use wscore::thresholds::HOLD_FROM;
use wscore::{Accept, ClientRequest, CloseOutcome, Header, Role, SideState, State, Text};

use crate::buffer::{self, BytesLike};
use crate::held::{HeldPayloads, Piece};
use crate::{config, errors, events, negotiation};

/// A sans-IO WebSocket connection (RFC 6455): feed it bytes and the time, take
/// events and the bytes to write. Build a ``ServerConnection`` or a ``ClientConnection``.
#[pyclass(subclass, module = "wscore")]
pub struct Connection {
    inner: wscore::Connection,
    /// Set once a panic was caught: the core state is not trusted any more.
    poisoned: Option<String>,
    /// The `Closed` event for a poisoned connection is still to be reported.
    poison_event_pending: bool,
    /// Why the connection failed (for `failure` and `ConnectionClosed.__cause__`).
    failure: Option<PyErr>,
    /// The `bytes` payloads core left with us, until the output is taken.
    held: HeldPayloads,
    /// Report text as `TextBytesMessage` (the `text_as_bytes` setting).
    text_as_bytes: bool,
}

impl Connection {
    fn new(inner: wscore::Connection, text_as_bytes: bool) -> Self {
        Connection {
            inner,
            poisoned: None,
            poison_event_pending: false,
            failure: None,
            held: HeldPayloads::default(),
            text_as_bytes,
        }
    }

    /// Marks the connection failed for good (a panic, a broken invariant):
    /// later calls raise `InternalError` and `events()` reports `Closed`.
    fn poison(&mut self, py: Python<'_>, message: String) -> PyErr {
        self.poisoned = Some(message.clone());
        self.poison_event_pending = true;
        self.held.clear();
        errors::internal_error(py, &format!("internal error in wscore: {message}"))
    }

    /// Runs `f` on the core connection, turning a panic into `InternalError`.
    fn core<T>(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&mut wscore::Connection) -> T,
    ) -> PyResult<T> {
        if let Some(message) = &self.poisoned {
            return Err(errors::internal_error(
                py,
                &format!("connection failed earlier: {message}"),
            ));
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.inner))) {
            Ok(value) => Ok(value),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_string());
                Err(self.poison(py, message))
            }
        }
    }

    /// Sends the payload of `object` through `send` (core's `send_*_or_keep`):
    /// core decides, keeping what it sends verbatim and copying the rest now;
    /// a kept one is held here until the output is taken.
    fn send_or_keep(
        &mut self,
        py: Python<'_>,
        object: &Bound<'_, PyBytes>,
        send: impl FnOnce(&mut wscore::Connection, &[u8]) -> Result<HeldPayload, wscore::SendError>,
    ) -> PyResult<()> {
        match self.core(py, |c| send(c, object.as_bytes()))? {
            Ok(HeldPayload::Kept) => {
                self.held.push(object.clone().unbind());
                Ok(())
            }
            Ok(HeldPayload::Copied) => Ok(()),
            Err(e) => Err(self.send_error(py, e)),
        }
    }

    /// `send_text` for text given as its UTF-8: checked unless `trusted`, then
    /// kept like `send_binary`'s payload (a `bytes` of HOLD_FROM or more) or copied.
    fn send_text_bytes(
        &mut self,
        py: Python<'_>,
        data: BytesLike<'_>,
        trusted: bool,
    ) -> PyResult<()> {
        let bytes = data.as_slice();
        if !trusted && simdutf8::basic::from_utf8(bytes).is_err() {
            return Err(buffer::utf8_error(py, bytes));
        }
        if let BytesLike::Bytes(object) = &data {
            if bytes.len() >= HOLD_FROM {
                return self.send_or_keep(py, object, |c, b| {
                    c.send_text_or_keep(Text::from_utf8_trusted(b))
                });
            }
        }
        self.core(py, |c| c.send_text(Text::from_utf8_trusted(bytes)))?
            .map_err(|e| self.send_error(py, e))
    }

    /// Drops the `total` bytes just taken, and with them every kept payload.
    /// `missing`: core showed a kept payload we do not have, so what was taken
    /// is wrong; the connection cannot go on.
    fn output_taken(&mut self, py: Python<'_>, total: usize, missing: bool) -> PyResult<()> {
        self.held.clear();
        buffer::forget_unused_utf8(py);
        if missing {
            return Err(self.poison(py, "a payload kept by reference is missing".into()));
        }
        self.core(py, |c| c.advance_output(total))
    }

    /// `ConnectionClosed` (with the failure as `__cause__`) and friends.
    fn send_error(&self, py: Python<'_>, e: wscore::SendError) -> PyErr {
        let err = errors::send_error(py, e);
        if let Some(cause) = &self.failure {
            err.set_cause(py, Some(cause.clone_ref(py)));
        }
        err
    }

    fn side(&self, f: impl FnOnce(&wscore::Connection) -> SideState) -> &'static str {
        if self.poisoned.is_some() {
            return SideState::Closed.as_str();
        }
        f(&self.inner).as_str()
    }
}

#[pymethods]
impl Connection {
    /// Feeds bytes read from the transport (``bytes``, ``bytearray`` or
    /// ``memoryview``; read in place). Never raises for bad input: problems are
    /// reported by ``events()`` (a failed connection ends with ``Closed(error=...)``).
    fn receive_data(&mut self, py: Python<'_>, data: BytesLike<'_>) -> PyResult<()> {
        self.core(py, |c| c.receive(data.as_slice()))
    }

    /// Reports that the peer closed the transport (a read returned nothing).
    fn receive_eof(&mut self, py: Python<'_>) -> PyResult<()> {
        self.core(py, |c| c.receive_eof())
    }

    /// The events produced since the last call, in order (an empty list when there
    /// are none). Call it after each ``receive_data``/``receive_eof``/``handle_timeout``.
    fn events<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        while let Some(event) = self.next_event(py)? {
            list.append(event)?;
        }
        Ok(list)
    }

    /// The next event, or ``None`` when there is none. A protocol error found
    /// behind complete messages takes effect on the call after the last of them,
    /// so an application that answers each message before asking for the next one
    /// gets its answers on the wire before the close frame.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.poisoned.is_some() {
            if std::mem::take(&mut self.poison_event_pending) {
                let message = self.poisoned.clone().unwrap_or_default();
                return events::internal_closed(py, &message).map(Some);
            }
            return Ok(None);
        }
        let role = self.inner.role();
        let Some(event) = self.core(py, |c| c.poll_event())? else {
            return Ok(None);
        };
        let mut failure = None;
        let event = events::to_python(py, event, role, self.text_as_bytes, &mut failure)?;
        if failure.is_some() {
            self.failure = failure;
        }
        Ok(Some(event))
    }

    /// Queues a text message: a ``str``, or its UTF-8 already encoded
    /// (``bytes``, ``bytearray``, ``memoryview``), checked first: bytes that are
    /// not UTF-8 raise ``UnicodeDecodeError`` and nothing is sent.
    /// ``skip_utf8_check=True`` skips that check for bytes the caller has
    /// validated already (a ``TextBytesMessage`` received): bytes that are not
    /// UTF-8 then go out as they are and the peer fails the connection (1007).
    /// Raises ``ConnectionClosed`` (saying who closed, with which code and
    /// reason) once the connection is closing or closed, and ``InvalidState``
    /// before the opening handshake is complete. A ``str`` of 4096 characters or
    /// more is encoded into a ``bytes`` that a server sending it uncompressed
    /// keeps by reference, like a ``bytes`` in ``send_binary``, and
    /// ``data_to_send_chunks()`` hands out as it is; the same ``str`` sent again
    /// (to many connections) is encoded once. A ``bytes`` of 4 KiB or more is
    /// kept the same way, as it is.
    #[pyo3(signature = (data, *, skip_utf8_check = false))]
    fn send_text(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        skip_utf8_check: bool,
    ) -> PyResult<()> {
        let Ok(data) = data.cast::<PyString>() else {
            return self.send_text_bytes(py, text_bytes(data)?, skip_utf8_check);
        };
        // By characters, so its UTF-8 is at least HOLD_FROM bytes; a non-ASCII
        // one with fewer characters is copied like any short text.
        if buffer::str_chars(data)? >= HOLD_FROM {
            let utf8 = buffer::str_utf8_bytes(data)?;
            return self.send_or_keep(py, &utf8, |c, bytes| {
                // SAFETY: CPython's UTF-8 encoding of a `str` is valid UTF-8.
                c.send_text_or_keep(unsafe { std::str::from_utf8_unchecked(bytes) })
            });
        }
        let text = buffer::str_utf8(data)?;
        self.core(py, |c| c.send_text(text))?
            .map_err(|e| self.send_error(py, e))
    }

    /// Queues a binary message (``bytes``, ``bytearray`` or ``memoryview``).
    /// A ``bytes`` of 4 KiB or more that goes out as it is (a server's
    /// uncompressed message) is kept by reference, never copied into the
    /// connection, until the output is taken (``data_to_send_chunks()`` hands that
    /// very object back); anything else is copied now. Raises like ``send_text``.
    fn send_binary(&mut self, py: Python<'_>, data: BytesLike<'_>) -> PyResult<()> {
        let object = match &data {
            BytesLike::Bytes(b) if b.as_bytes().len() >= HOLD_FROM => b,
            _ => {
                return self
                    .core(py, |c| c.send_binary(data.as_slice()))?
                    .map_err(|e| self.send_error(py, e));
            }
        };
        self.send_or_keep(py, object, |c, bytes| c.send_binary_or_keep(bytes))
    }

    /// Queues one fragment of a text message; ``fin`` marks the last one. Other
    /// messages cannot start until then (``InvalidState``, as is switching to
    /// binary mid-message). Raises like ``send_text``.
    fn send_text_fragment(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyString>,
        fin: bool,
    ) -> PyResult<()> {
        let text = buffer::str_utf8(data)?;
        self.core(py, |c| c.send_text_fragment(text, fin))?
            .map_err(|e| self.send_error(py, e))
    }

    /// Queues one fragment of a binary message; ``fin`` marks the last one.
    /// Copied now, whatever its type. Raises like ``send_text_fragment``.
    fn send_binary_fragment(
        &mut self,
        py: Python<'_>,
        data: BytesLike<'_>,
        fin: bool,
    ) -> PyResult<()> {
        self.core(py, |c| c.send_binary_fragment(data.as_slice(), fin))?
            .map_err(|e| self.send_error(py, e))
    }

    /// Queues a ping (at most 125 bytes, else ``ControlFrameTooLong``). Raises like ``send_text``.
    #[pyo3(signature = (payload = None))]
    fn send_ping(&mut self, py: Python<'_>, payload: Option<BytesLike<'_>>) -> PyResult<()> {
        let data = payload
            .as_ref()
            .map(BytesLike::as_slice)
            .unwrap_or_default();
        self.core(py, |c| c.send_ping(data))?
            .map_err(|e| self.send_error(py, e))
    }

    /// Queues a pong (the answer to a ping when ``auto_pong=False``, or unsolicited).
    #[pyo3(signature = (payload = None))]
    fn send_pong(&mut self, py: Python<'_>, payload: Option<BytesLike<'_>>) -> PyResult<()> {
        let data = payload
            .as_ref()
            .map(BytesLike::as_slice)
            .unwrap_or_default();
        self.core(py, |c| c.send_pong(data))?
            .map_err(|e| self.send_error(py, e))
    }

    /// Starts the closing handshake. Returns ``True`` if a close frame was queued,
    /// ``False`` if there was nothing to do (already closing or closed: never
    /// raises for that) or the opening handshake was still in progress (then the
    /// transport is to be dropped: see ``should_close_transport``). A code the RFC
    /// forbids or a reason over 123 UTF-8 bytes raises ``InvalidCloseArguments``.
    #[pyo3(signature = (code = 1000, reason = ""))]
    fn close(&mut self, py: Python<'_>, code: u16, reason: &str) -> PyResult<bool> {
        if self.poisoned.is_some() {
            return Ok(false);
        }
        match self.core(py, |c| c.close(code, reason))? {
            Ok(CloseOutcome::Sent) => Ok(true),
            Ok(CloseOutcome::AlreadyClosed(_) | CloseOutcome::Aborted) => Ok(false),
            Err(e) => Err(errors::close_error(py, e)),
        }
    }

    /// Takes every pending byte to write to the transport as one ``bytes``
    /// (``b""`` when none). Kept payloads are copied into it: see
    /// ``data_to_send_chunks()`` for the form without that copy.
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        if self.poisoned.is_some() {
            self.held.clear();
            return Ok(PyBytes::new(py, b""));
        }
        let total = self.inner.buffered_amount();
        let mut missing = false;
        let pieces = self.held.pieces(py, self.inner.output_segments());
        let slices = pieces.map(|piece| match piece {
            Piece::Bytes(bytes) | Piece::Held { bytes, .. } => bytes,
            Piece::Missing => {
                missing = true;
                &[]
            }
        });
        let bytes = buffer::bytes_from_slices(py, total, slices)?;
        self.output_taken(py, total, missing)?;
        Ok(bytes)
    }

    /// Takes every pending byte to write to the transport as a list of ``bytes``
    /// (``[]`` when none), for ``transport.writelines()`` or ``socket.sendmsg()``:
    /// the same bytes as ``data_to_send()``, without copying the payloads kept by
    /// reference. A ``bytes`` passed to ``send_binary`` that is kept (4 KiB or
    /// more, a server's uncompressed message) appears in the list as that very object,
    /// a kept ``str`` (4096 characters or more) as the ``bytes`` of its UTF-8;
    /// everything else (headers, text, control frames, masked or compressed
    /// payloads) is joined into one ``bytes`` per run between them.
    fn data_to_send_chunks<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        if self.poisoned.is_some() {
            self.held.clear();
            return Ok(PyList::empty(py));
        }
        if self.held.is_empty() {
            // Nothing kept (small messages, short text, a client): at most one `bytes`,
            // as `data_to_send()` gives it.
            let bytes = self.data_to_send(py)?;
            if bytes.as_bytes().is_empty() {
                return Ok(PyList::empty(py));
            }
            return PyList::new(py, [bytes]);
        }
        let total = self.inner.buffered_amount();
        let list = PyList::empty(py);
        let mut missing = false;
        // Consecutive byte pieces, written out as one `bytes` when a kept payload
        // (or the end) comes.
        let mut run: Vec<&[u8]> = Vec::new();
        let mut run_len = 0;
        for piece in self.held.pieces(py, self.inner.output_segments()) {
            match piece {
                Piece::Bytes(bytes) => {
                    run.push(bytes);
                    run_len += bytes.len();
                }
                Piece::Held { object, bytes } => {
                    if run_len > 0 {
                        let joined = buffer::bytes_from_slices(py, run_len, run.drain(..))?;
                        list.append(joined)?;
                        run_len = 0;
                    }
                    if bytes.len() == object.as_bytes(py).len() {
                        list.append(object.clone_ref(py))?;
                    } else {
                        // The rest of a payload partly written before: its tail.
                        list.append(PyBytes::new(py, bytes))?;
                    }
                }
                Piece::Missing => {
                    missing = true;
                    break;
                }
            }
        }
        if run_len > 0 && !missing {
            list.append(buffer::bytes_from_slices(py, run_len, run.into_iter())?)?;
        }
        self.output_taken(py, total, missing)?;
        Ok(list)
    }

    /// When ``handle_timeout`` must next be called, in seconds on the clock you
    /// pass to it; ``None`` when no timer is armed.
    fn next_timeout(&self) -> Option<f64> {
        if self.poisoned.is_some() {
            return None;
        }
        self.inner.poll_timeout().map(|t| t.as_secs_f64())
    }

    /// Tells the connection the time (seconds, float, from any monotonic clock with
    /// an origin of your choice, e.g. ``loop.time()``) and fires due timers:
    /// handshake, close and keepalive. Call it before feeding input or sending.
    fn handle_timeout(&mut self, py: Python<'_>, now: f64) -> PyResult<()> {
        let now = config::seconds("now", now)?;
        self.core(py, |c| c.handle_timeout(now))
    }

    /// Whether to stop reading from the transport for now: events are waiting
    /// (``next_event``), or more than ``output_high_water`` bytes wait to be
    /// sent. Read again once it is false.
    #[getter]
    fn should_pause_reading(&self) -> bool {
        self.inner.should_pause_reading()
    }

    /// Whether the transport should be closed once ``data_to_send()`` is written.
    #[getter]
    fn should_close_transport(&self) -> bool {
        self.poisoned.is_some() || self.inner.should_close_transport()
    }

    /// ``"connecting"``, ``"open"``, ``"closing"`` or ``"closed"``.
    #[getter]
    fn state(&self) -> &'static str {
        if self.poisoned.is_some() {
            return State::Closed.as_str();
        }
        self.inner.state().as_str()
    }

    /// Whether we may still send: ``"connecting"``, ``"open"`` or ``"closed"``.
    #[getter]
    fn our_state(&self) -> &'static str {
        self.side(wscore::Connection::our_state)
    }

    /// Whether the peer may still send: ``"connecting"``, ``"open"`` or ``"closed"``.
    #[getter]
    fn their_state(&self) -> &'static str {
        self.side(wscore::Connection::their_state)
    }

    /// ``"client"`` or ``"server"``.
    #[getter]
    fn role(&self) -> &'static str {
        self.inner.role().as_str()
    }

    /// Bytes queued for the transport and not yet taken by ``data_to_send()``.
    #[getter]
    fn buffered_amount(&self) -> usize {
        if self.poisoned.is_some() {
            return 0;
        }
        self.inner.buffered_amount()
    }

    /// The subprotocol agreed in the opening handshake, or ``None``.
    #[getter]
    fn subprotocol(&self) -> Option<&str> {
        self.inner.subprotocol()
    }

    /// Who closed and why (a ``CloseInfo``) once our side has stopped sending; ``None`` while open.
    #[getter]
    fn close_info(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.inner
            .close_info()
            .map(|info| events::close_info(py, info))
            .transpose()
    }

    /// The exception describing why the connection failed (``ProtocolError``,
    /// ``PayloadTooBig`` or ``HandshakeError``), once ``events()`` has reported
    /// the ``Closed`` event; ``None`` otherwise.
    #[getter]
    fn failure(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.failure
            .as_ref()
            .map(|e| e.value(py).clone().into_any().unbind())
    }

    /// The permessage-deflate parameters agreed in the opening handshake (a dict:
    /// ``server_no_context_takeover``, ``client_no_context_takeover``,
    /// ``server_max_window_bits``, ``client_max_window_bits``), or ``None``.
    #[getter]
    fn deflate<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        if self.poisoned.is_some() {
            return Ok(None);
        }
        self.inner
            .deflate()
            .map(|p| config::deflate_params(py, p))
            .transpose()
    }

    /// The settings this connection runs with, as a dict of keyword arguments.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        config::to_dict(py, self.inner.config(), self.text_as_bytes)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().name()?;
        let this = slf.borrow();
        Ok(format!(
            "<{name} state={} buffered={}>",
            this.state(),
            this.buffered_amount()
        ))
    }

    /// A connection whose HTTP handshake was done elsewhere, open at once:
    /// ``role`` is ``"client"`` or ``"server"``; ``deflate_params`` the
    /// permessage-deflate parameters that handshake agreed (a dict as the
    /// ``deflate`` property returns), or ``None``. Keyword arguments are settings.
    #[staticmethod]
    #[pyo3(signature = (role, deflate_params = None, **config))]
    fn upgraded(
        py: Python<'_>,
        role: &str,
        deflate_params: Option<&Bound<'_, PyDict>>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<Connection>> {
        let role = negotiation::role_from(role)?;
        let params = deflate_params.map(negotiation::params_from).transpose()?;
        let settings = config::from_kwargs(config)?;
        let inner = wscore::Connection::upgraded(role, settings.core, params);
        Py::new(py, Connection::new(inner, settings.text_as_bytes))
    }

    /// Test hook: panics inside a core call (built only with the `test-hooks` feature).
    #[cfg(feature = "test-hooks")]
    fn _debug_panic(&mut self, py: Python<'_>) -> PyResult<()> {
        self.core(py, |_| panic!("debug panic requested by a test"))
    }
}

/// The bytes of a text given as UTF-8: a clearer error than `BytesLike`'s for
/// anything else.
fn text_bytes<'py>(data: &Bound<'py, PyAny>) -> PyResult<BytesLike<'py>> {
    data.extract::<BytesLike<'py>>().map_err(|_| {
        let ty = data
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        pyo3::exceptions::PyTypeError::new_err(format!(
            "send_text() takes a str or its UTF-8 as bytes, bytearray or memoryview, got {ty}"
        ))
    })
}

/// Headers from Python: an iterable of ``(name, value)`` pairs, each ``str`` or ``bytes``.
fn headers_from(headers: &Bound<'_, PyAny>) -> PyResult<Vec<Header>> {
    let mut out = Vec::new();
    for item in headers.try_iter()? {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let name = match name.cast::<PyString>() {
            Ok(s) => s.to_cow()?.into_owned(),
            Err(_) => String::from_utf8(name.extract::<Vec<u8>>()?)
                .map_err(|_| pyo3::exceptions::PyValueError::new_err("header name is not ASCII"))?,
        };
        let value = match value.cast::<PyString>() {
            Ok(s) => s.to_cow()?.into_owned().into_bytes(),
            Err(_) => value.extract::<Vec<u8>>()?,
        };
        out.push(Header { name, value });
    }
    Ok(out)
}

/// The server side: reports a ``Request`` event, then ``accept()`` or ``reject()`` it.
/// Keyword arguments are settings (see ``default_config()``).
#[pyclass(extends = Connection, module = "wscore")]
pub struct ServerConnection;

#[pymethods]
impl ServerConnection {
    #[new]
    #[pyo3(signature = (**config))]
    fn new(config: Option<&Bound<'_, PyDict>>) -> PyResult<PyClassInitializer<Self>> {
        let settings = config::from_kwargs(config)?;
        let inner = wscore::Connection::server(settings.core);
        Ok(
            PyClassInitializer::from(Connection::new(inner, settings.text_as_bytes))
                .add_subclass(ServerConnection),
        )
    }

    /// Accepts the pending ``Request`` with an optional subprotocol (one the client
    /// offered) and extra response headers. ``InvalidState`` when no request is
    /// waiting; ``InvalidHandshakeAnswer`` for an unoffered subprotocol or a bad header.
    #[pyo3(signature = (subprotocol = None, headers = None))]
    fn accept(
        mut slf: PyRefMut<'_, Self>,
        subprotocol: Option<String>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let headers = headers.map(headers_from).transpose()?.unwrap_or_default();
        let base = slf.as_super();
        let accept = Accept {
            subprotocol,
            headers,
        };
        base.core(py, |c| c.accept(accept))?
            .map_err(|e| errors::accept_error(py, e))
    }

    /// Replaces the ``deflate`` setting for answering the pending ``Request``
    /// (``None``/``False``: decline compression, ``True`` or a dict: accept an
    /// acceptable offer), so it can be decided per request. ``InvalidState``
    /// when no request is waiting.
    fn set_deflate(mut slf: PyRefMut<'_, Self>, deflate: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let deflate = config::deflate_from(deflate)?;
        let base = slf.as_super();
        base.core(py, |c| c.set_deflate(deflate))?
            .map_err(|e| errors::accept_error(py, e))
    }

    /// Refuses the pending ``Request`` with an HTTP response (core adds
    /// ``Content-Length`` and ``Connection: close``); the transport is then to be
    /// closed once ``data_to_send()`` is written.
    #[pyo3(signature = (status, headers = None, body = None))]
    fn reject(
        mut slf: PyRefMut<'_, Self>,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<BytesLike<'_>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let headers = headers.map(headers_from).transpose()?.unwrap_or_default();
        let body = body.as_ref().map(BytesLike::as_slice).unwrap_or_default();
        let base = slf.as_super();
        base.core(py, |c| c.reject(status, &headers, body))?
            .map_err(|e| errors::accept_error(py, e))
    }
}

/// The client side: its upgrade request for ``url`` (``ws://`` or ``wss://``) is
/// queued at once; ``Accepted`` or ``Rejected`` follows. Keyword arguments are
/// settings (see ``default_config()``). A bad URL, subprotocol or header raises
/// ``HandshakeError``.
#[pyclass(extends = Connection, module = "wscore")]
pub struct ClientConnection;

#[pymethods]
impl ClientConnection {
    #[new]
    #[pyo3(signature = (url, subprotocols = None, headers = None, **config))]
    fn new(
        py: Python<'_>,
        url: String,
        subprotocols: Option<Vec<String>>,
        headers: Option<&Bound<'_, PyAny>>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let settings = config::from_kwargs(config)?;
        let headers = headers.map(headers_from).transpose()?.unwrap_or_default();
        let request = ClientRequest {
            url,
            subprotocols: subprotocols.unwrap_or_default(),
            headers,
        };
        let inner = catch_unwind(AssertUnwindSafe(|| {
            wscore::Connection::client(settings.core, request)
        }))
        .map_err(|_| {
            errors::internal_error(py, "internal error in wscore while building the request")
        })?
        .map_err(|e| errors::handshake_error(py, &e, Role::Client))?;
        Ok(
            PyClassInitializer::from(Connection::new(inner, settings.text_as_bytes))
                .add_subclass(ClientConnection),
        )
    }
}
