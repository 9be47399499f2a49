//! Core errors → the Python exception hierarchy of `wscore._exceptions` (the one
//! place the classes are defined; we only look them up).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyType};

use wscore::{
    AcceptError, CloseError, CloseInfo, Error, HandshakeError, ProtocolError, Role, SendError,
};

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The exception class `name` from `wscore._exceptions`.
pub(crate) fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let module =
        EXCEPTIONS.get_or_try_init(py, || py.import("wscore._exceptions").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

/// An instance of exception class `name` built with `args`, as a `PyErr`.
pub(crate) fn new_err<'py, A>(py: Python<'py>, name: &str, args: A) -> PyErr
where
    A: pyo3::call::PyCallArgs<'py>,
{
    match class(py, name).and_then(|ty| ty.call1(args)) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `ConnectionClosed(code, reason, initiator)`: the class builds its
/// `ConnectionClosedOK` or `ConnectionClosedError` subclass from the code.
pub(crate) fn connection_closed(py: Python<'_>, info: &CloseInfo) -> PyErr {
    new_err(
        py,
        "ConnectionClosed",
        (info.code.0, info.reason.as_str(), info.initiator.as_str()),
    )
}

pub(crate) fn send_error(py: Python<'_>, e: SendError) -> PyErr {
    match &e {
        SendError::Closed(info) => connection_closed(py, info),
        SendError::ControlFrameTooLong(_) => new_err(py, "ControlFrameTooLong", (e.to_string(),)),
        SendError::NotOpen | SendError::MessageInProgress | SendError::FragmentKindMismatch => {
            new_err(py, "InvalidState", (e.to_string(),))
        }
        // A refusal newer than this mapping (SendError is non_exhaustive): nothing
        // was queued; raised as the base class with core's message.
        _ => new_err(py, "WebSocketError", (e.to_string(),)),
    }
}

pub(crate) fn close_error(py: Python<'_>, e: CloseError) -> PyErr {
    let message = match e {
        // Core's words name the Rust helper; Python has its own.
        CloseError::ReasonTooLong(n) => format!(
            "close reason of {n} bytes exceeds 123 (wscore.truncate_close_reason() cuts it safely)"
        ),
        _ => e.to_string(),
    };
    new_err(py, "InvalidCloseArguments", (message,))
}

pub(crate) fn accept_error(py: Python<'_>, e: AcceptError) -> PyErr {
    match e {
        AcceptError::NoPendingRequest => new_err(py, "InvalidState", (e.to_string(),)),
        _ => new_err(py, "InvalidHandshakeAnswer", (e.to_string(),)),
    }
}

/// `HandshakeError(message, status)`: the status a server answered with (or the
/// one a client received); `None` where no HTTP status is involved.
pub(crate) fn handshake_error(py: Python<'_>, e: &HandshakeError, role: Role) -> PyErr {
    let status = match (e, role) {
        (HandshakeError::NotSwitching(status), _) => Some(*status),
        (HandshakeError::Eof | HandshakeError::Timeout, _) => None,
        (_, Role::Server) => Some(e.status()),
        (_, Role::Client) => None,
    };
    new_err(py, "HandshakeError", (e.to_string(), status))
}

/// The exception that describes why a connection failed: `ProtocolError(message,
/// code)`, `PayloadTooBig` for 1009, or `HandshakeError`.
pub(crate) fn failure(py: Python<'_>, e: &Error, role: Role) -> PyErr {
    match e {
        Error::Protocol(
            p @ (ProtocolError::FrameTooBig { .. } | ProtocolError::MessageTooBig { .. }),
        ) => new_err(py, "PayloadTooBig", (p.to_string(), p.close_code().0)),
        Error::Protocol(p) => new_err(py, "ProtocolError", (p.to_string(), p.close_code().0)),
        Error::Handshake(h) => handshake_error(py, h, role),
        // A failure kind newer than this mapping (Error is non_exhaustive): the
        // base class with core's message, still the `Closed` event's cause.
        _ => new_err(py, "WebSocketError", (e.to_string(),)),
    }
}

pub(crate) fn internal_error(py: Python<'_>, message: &str) -> PyErr {
    new_err(py, "InternalError", (message,))
}
