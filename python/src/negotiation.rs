//! permessage-deflate negotiation on its own, and connections whose HTTP handshake
//! was done elsewhere: what `wscore.compat.wsproto` needs to run hypercorn's
//! `Connection(ConnectionType.SERVER, extensions)`. The rules are core's
//! (`wscore::deflate_*`, `wscore::Connection::upgraded`); this only translates.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use wscore::{DeflateConfig, DeflateParams, Role};

use crate::{config, errors};

/// Settings as `deflate=` takes them (`True` or a dict); `None`/`False` is refused here.
fn deflate_settings(value: &Bound<'_, PyAny>) -> PyResult<DeflateConfig> {
    config::deflate_from(value)?
        .ok_or_else(|| PyValueError::new_err("permessage-deflate settings are required"))
}

/// Agreed parameters from the dict `Connection.deflate` returns.
pub(crate) fn params_from(dict: &Bound<'_, PyDict>) -> PyResult<DeflateParams> {
    let get = |key: &str| {
        dict.get_item(key)?
            .ok_or_else(|| PyTypeError::new_err(format!("deflate parameters need {key:?}")))
    };
    Ok(DeflateParams {
        server_no_context_takeover: get("server_no_context_takeover")?.extract()?,
        client_no_context_takeover: get("client_no_context_takeover")?.extract()?,
        server_max_window_bits: get("server_max_window_bits")?.extract()?,
        client_max_window_bits: get("client_max_window_bits")?.extract()?,
    })
}

/// Client: the ``Sec-WebSocket-Extensions`` item offering permessage-deflate with
/// ``settings`` (``True`` or a dict of deflate settings).
#[pyfunction]
pub(crate) fn deflate_client_offer(settings: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(wscore::binding::deflate_client_offer(&deflate_settings(
        settings,
    )?))
}

/// Server: the first acceptable permessage-deflate offer among ``offers`` as
/// ``(response item, agreed parameters dict)``, or ``None`` (declined: no compression).
#[pyfunction]
pub(crate) fn deflate_server_accept<'py>(
    py: Python<'py>,
    offers: Vec<String>,
    settings: &Bound<'py, PyAny>,
) -> PyResult<Option<(String, Bound<'py, PyDict>)>> {
    wscore::binding::deflate_server_accept(&offers, &deflate_settings(settings)?)
        .map(|(item, params)| Ok((item, config::deflate_params(py, &params)?)))
        .transpose()
}

/// Client: checks the server's selected extension items against what ``settings``
/// offered; the agreed parameters dict, ``None`` when the server declined, or
/// ``HandshakeError`` for an answer the client must refuse.
#[pyfunction]
pub(crate) fn deflate_client_accept<'py>(
    py: Python<'py>,
    selected: Vec<String>,
    settings: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let cfg = deflate_settings(settings)?;
    match wscore::binding::deflate_client_accept(&selected, Some(&cfg)) {
        Ok(params) => params.map(|p| config::deflate_params(py, &p)).transpose(),
        Err(e) => Err(errors::handshake_error(py, &e, Role::Client)),
    }
}

/// ``"client"``/``"server"`` as a core `Role`.
pub(crate) fn role_from(role: &str) -> PyResult<Role> {
    match role {
        "client" => Ok(Role::Client),
        "server" => Ok(Role::Server),
        _ => Err(PyValueError::new_err(format!(
            "role must be \"client\" or \"server\", got {role:?}"
        ))),
    }
}

/// The ``Sec-WebSocket-Accept`` value for a client's ``Sec-WebSocket-Key`` (RFC 6455 §4.2.2).
#[pyfunction]
pub(crate) fn accept_key(key: &str) -> String {
    wscore::binding::accept_key(key)
}
