//! Event classes: frozen, slot-only Python objects with a readable repr, equality
//! and `__match_args__`, so `match event: case TextMessage(data): ...` works.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use wscore::{Event, Header, Role};

use crate::errors;

/// Defines a frozen event class whose fields are Python objects, all positional
/// in the constructor and in `__match_args__`.
macro_rules! event_class {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident),* $(,)? }) => {
        $(#[$doc])*
        #[pyclass(frozen, module = "wscore")]
        pub struct $name {
            $($(#[$fdoc])* #[pyo3(get)] pub $field: Py<PyAny>,)*
        }

        #[pymethods]
        impl $name {
            #[new]
            fn new($($field: Py<PyAny>),*) -> Self {
                $name { $($field),* }
            }

            #[classattr]
            fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
                Ok(PyTuple::new(py, [$(stringify!($field)),*])?.unbind())
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let parts: Vec<String> = vec![$(
                    format!("{}={}", stringify!($field), self.$field.bind(py).repr()?),
                )*];
                Ok(format!("{}({})", stringify!($name), parts.join(", ")))
            }

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                let py = other.py();
                let Ok(other) = other.cast::<$name>() else { return Ok(false) };
                let other = other.get();
                $(if !self.$field.bind(py).eq(other.$field.bind(py))? { return Ok(false); })*
                Ok(true)
            }
        }
    };
}

event_class! {
    /// Server: a client asked to open a WebSocket; answer with ``accept()`` or ``reject()``.
    /// ``headers`` is a list of ``(name, value)`` bytes pairs as received;
    /// ``subprotocols`` and ``extensions`` are what the client offered.
    Request {
        /// The request target: path and query, e.g. ``"/chat?room=1"``.
        target,
        /// The request headers as received: a list of ``(name, value)`` bytes pairs.
        headers,
        /// The subprotocols the client offered, in its order of preference.
        subprotocols,
        /// The extensions the client offered (``Sec-WebSocket-Extensions`` items).
        extensions,
    }
}

event_class! {
    /// Client: the server accepted; the connection is open. ``subprotocol`` is the
    /// one agreed (or ``None``); ``headers`` are the response headers.
    Accepted {
        /// The subprotocol the server selected, or ``None``.
        subprotocol,
        /// The extensions the server selected.
        extensions,
        /// The response headers: a list of ``(name, value)`` bytes pairs.
        headers,
    }
}

event_class! {
    /// Client: the server answered the upgrade with an HTTP response other than 101.
    Rejected {
        /// The HTTP status code.
        status,
        /// The response headers: a list of ``(name, value)`` bytes pairs.
        headers,
        /// The response body (as far as ``Content-Length`` says).
        body,
    }
}

event_class! {
    /// A complete text message.
    TextMessage {
        /// The message text.
        data,
    }
}

event_class! {
    /// A complete text message as its UTF-8 ``bytes`` (validated, like any
    /// text received), reported instead of ``TextMessage`` by a connection made
    /// with ``text_as_bytes=True``: text relayed with
    /// ``send_text(data)`` is then never decoded to ``str`` and encoded back.
    TextBytesMessage {
        /// The message's UTF-8 bytes.
        data,
    }
}

event_class! {
    /// A complete binary message.
    BinaryMessage {
        /// The message bytes.
        data,
    }
}

event_class! {
    /// A ping (already answered unless ``auto_pong=False``).
    Ping {
        /// The ping's application data (at most 125 bytes).
        payload,
    }
}

event_class! {
    /// A pong.
    Pong {
        /// The pong's application data (at most 125 bytes).
        payload,
    }
}

event_class! {
    /// The peer sent a close frame; our reply is already queued. ``Closed`` follows.
    CloseReceived {
        /// The peer's close code; 1005 if its frame carried none.
        code,
        /// The peer's close reason, possibly empty.
        reason,
    }
}

event_class! {
    /// The connection is over: always the last event, exactly once. ``code`` and
    /// ``reason`` follow RFC 6455 §7.1.5 (1006 without a closing handshake);
    /// ``clean`` says whether close frames went both ways; ``initiator`` is
    /// ``"local"``, ``"remote"``, ``"protocol_error"`` or ``"transport"``; ``error``
    /// is the message of the error that failed the connection, or ``None``.
    Closed {
        /// The close code (RFC 6455 §7.1.5): the peer's, the one we failed the
        /// connection with, or 1006 without a closing handshake.
        code,
        /// The reason that goes with ``code``.
        reason,
        /// Whether close frames went both ways.
        clean,
        /// Who started the close: ``"local"``, ``"remote"``, ``"protocol_error"`` or ``"transport"``.
        initiator,
        /// The message of the error that failed the connection, or ``None``.
        error,
    }
}

event_class! {
    /// Who closed and why: ``code``, ``reason`` and ``initiator`` (see ``Closed``).
    CloseInfo {
        /// The close code (1005: the frame carried none; 1006: there was no close frame).
        code,
        /// The close reason, possibly empty.
        reason,
        /// Who started the close: ``"local"``, ``"remote"``, ``"protocol_error"`` or ``"transport"``.
        initiator,
    }
}

fn headers_list<'py>(py: Python<'py>, headers: &[Header]) -> PyResult<Bound<'py, PyList>> {
    let items = headers
        .iter()
        .map(|h| {
            PyTuple::new(
                py,
                [
                    PyBytes::new(py, h.name.as_bytes()),
                    PyBytes::new(py, &h.value),
                ],
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

fn strings<'py>(py: Python<'py>, items: &[String]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, items)
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<Py<PyAny>> {
    value.into_py_any(py)
}

pub(crate) fn close_info(py: Python<'_>, info: &wscore::CloseInfo) -> PyResult<Py<PyAny>> {
    let info = CloseInfo {
        code: obj(py, info.code.0)?,
        reason: obj(py, info.reason.as_str())?,
        initiator: obj(py, info.initiator.as_str())?,
    };
    Ok(Py::new(py, info)?.into_any())
}

/// The Python object for one core event. `failure` receives the exception that
/// describes a failed connection (for `ConnectionClosed.__cause__`);
/// `text_as_bytes`: text becomes a `TextBytesMessage`.
pub(crate) fn to_python(
    py: Python<'_>,
    event: Event,
    role: Role,
    text_as_bytes: bool,
    failure: &mut Option<PyErr>,
) -> PyResult<Py<PyAny>> {
    let object = match event {
        Event::Text(text) if text_as_bytes => Py::new(
            py,
            TextBytesMessage {
                data: obj(py, PyBytes::new(py, text.as_bytes()))?,
            },
        )?
        .into_any(),
        Event::Request(r) => Py::new(
            py,
            Request {
                target: obj(py, r.target)?,
                headers: obj(py, headers_list(py, &r.headers)?)?,
                subprotocols: obj(py, strings(py, &r.subprotocols)?)?,
                extensions: obj(py, strings(py, &r.extensions)?)?,
            },
        )?
        .into_any(),
        Event::Accepted(r) => Py::new(
            py,
            Accepted {
                subprotocol: obj(py, r.subprotocol)?,
                extensions: obj(py, strings(py, &r.extensions)?)?,
                headers: obj(py, headers_list(py, &r.headers)?)?,
            },
        )?
        .into_any(),
        Event::Rejected(r) => Py::new(
            py,
            Rejected {
                status: obj(py, r.status)?,
                headers: obj(py, headers_list(py, &r.headers)?)?,
                body: obj(py, PyBytes::new(py, &r.body))?,
            },
        )?
        .into_any(),
        Event::Text(text) => Py::new(
            py,
            TextMessage {
                data: obj(py, PyString::new(py, &text))?,
            },
        )?
        .into_any(),
        Event::Binary(data) => Py::new(
            py,
            BinaryMessage {
                data: obj(py, PyBytes::new(py, &data))?,
            },
        )?
        .into_any(),
        Event::Ping(data) => Py::new(
            py,
            Ping {
                payload: obj(py, PyBytes::new(py, &data))?,
            },
        )?
        .into_any(),
        Event::Pong(data) => Py::new(
            py,
            Pong {
                payload: obj(py, PyBytes::new(py, &data))?,
            },
        )?
        .into_any(),
        Event::CloseReceived(frame) => Py::new(
            py,
            CloseReceived {
                code: obj(py, frame.code.0)?,
                reason: obj(py, frame.reason)?,
            },
        )?
        .into_any(),
        Event::Closed(closed) => {
            if let Some(error) = &closed.error {
                *failure = Some(errors::failure(py, error, role));
            }
            Py::new(
                py,
                Closed {
                    code: obj(py, closed.code.0)?,
                    reason: obj(py, closed.reason)?,
                    clean: obj(py, closed.clean)?,
                    initiator: obj(py, closed.initiator.as_str())?,
                    error: obj(py, closed.error.map(|e| e.to_string()))?,
                },
            )?
            .into_any()
        }
        // An event kind newer than this mapping (Event is non_exhaustive): raised
        // as InternalError naming it, so the application hears of it.
        other => {
            let message = format!("event not mapped for Python: {other:?}");
            return Err(errors::internal_error(py, &message));
        }
    };
    Ok(object)
}

/// The `Closed` event reported after an internal error (a caught Rust panic).
pub(crate) fn internal_closed(py: Python<'_>, message: &str) -> PyResult<Py<PyAny>> {
    let closed = Closed {
        code: obj(py, 1006u16)?,
        reason: obj(py, "internal error")?,
        clean: obj(py, false)?,
        initiator: obj(py, wscore::Initiator::Local.as_str())?,
        error: obj(py, format!("internal error: {message}"))?,
    };
    Ok(Py::new(py, closed)?.into_any())
}
