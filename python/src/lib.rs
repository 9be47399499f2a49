//! wscore for Python (pip package `wscore-rs`, native module `wscore._wscore`): a
//! pyo3 adapter that only translates types. All protocol rules live in core.

use pyo3::prelude::*;

mod budget;
mod buffer;
mod config;
mod connection;
mod errors;
mod events;
mod held;
mod negotiation;
mod origin;

/// Whether `code` may be sent in a close frame (RFC 6455 §7.4).
#[pyfunction]
fn is_sendable_close_code(code: u16) -> bool {
    wscore::CloseCode(code).is_sendable()
}

/// Check a close code and reason before sending them: raises
/// `wscore.InvalidCloseArguments` with core's message when the code may not be sent
/// or the reason is over 123 UTF-8 bytes.
#[pyfunction]
fn validate_close(py: Python<'_>, code: u16, reason: &str) -> PyResult<()> {
    wscore::binding::validate_close(wscore::CloseCode(code), reason)
        .map_err(|e| errors::close_error(py, e))
}

/// `reason` cut to fit a close frame (at most 123 UTF-8 bytes, on a character boundary).
#[pyfunction]
fn truncate_close_reason(reason: &str) -> &str {
    wscore::binding::truncate_reason(reason)
}

/// The native module behind the `wscore` Python package.
#[pymodule]
fn _wscore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(is_sendable_close_code, m)?)?;
    m.add_function(wrap_pyfunction!(validate_close, m)?)?;
    m.add_function(wrap_pyfunction!(truncate_close_reason, m)?)?;
    m.add_function(wrap_pyfunction!(config::default_config, m)?)?;
    m.add_function(wrap_pyfunction!(origin::check_origin, m)?)?;
    m.add_function(wrap_pyfunction!(negotiation::accept_key, m)?)?;
    m.add_function(wrap_pyfunction!(negotiation::deflate_client_offer, m)?)?;
    m.add_function(wrap_pyfunction!(negotiation::deflate_server_accept, m)?)?;
    m.add_function(wrap_pyfunction!(negotiation::deflate_client_accept, m)?)?;
    m.add_class::<budget::MemoryBudget>()?;
    m.add_class::<connection::Connection>()?;
    m.add_class::<connection::ServerConnection>()?;
    m.add_class::<connection::ClientConnection>()?;
    m.add_class::<events::Request>()?;
    m.add_class::<events::Accepted>()?;
    m.add_class::<events::Rejected>()?;
    m.add_class::<events::TextMessage>()?;
    m.add_class::<events::TextBytesMessage>()?;
    m.add_class::<events::BinaryMessage>()?;
    m.add_class::<events::Ping>()?;
    m.add_class::<events::Pong>()?;
    m.add_class::<events::CloseReceived>()?;
    m.add_class::<events::Closed>()?;
    m.add_class::<events::CloseInfo>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn close_code_rule_comes_from_core() {
        assert!(super::is_sendable_close_code(4000));
        assert!(!super::is_sendable_close_code(1005));
    }
}
