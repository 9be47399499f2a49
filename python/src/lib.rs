//! wscore for Python (pip package `wscore`). The full adapter is built in its own
//! issue; for now it exposes the core's close-code rule so the module is real.

use pyo3::prelude::*;

/// Whether `code` may be sent in a close frame (RFC 6455 §7.4).
#[pyfunction]
fn is_sendable_close_code(code: u16) -> bool {
    wscore::CloseCode(code).is_sendable()
}

/// The native module behind the `wscore` Python package.
#[pymodule]
fn _wscore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(is_sendable_close_code, m)?)?;
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
