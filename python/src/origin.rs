//! Keyword arguments ↔ core's `OriginPolicy` (`origins=`, `require_origin=`,
//! `allowed_hosts=`), and `check_origin` for ASGI apps whose handshake another
//! server did. The rules are core's.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use wscore::{OriginPolicy, Role};

use crate::errors;

/// `None`, or a list/tuple of `str`; a bare `str` is refused (it would be read
/// as a list of one-character entries).
fn strings(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<Vec<String>>> {
    if value.is_none() {
        return Ok(None);
    }
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a list of strings or None, not a str"
        )));
    }
    value
        .extract::<Vec<String>>()
        .map(Some)
        .map_err(|_| PyTypeError::new_err(format!("{name} must be a list of strings or None")))
}

/// Sets one of the policy's keyword arguments; `false` if `key` is not one of them.
pub(crate) fn set(
    policy: &mut OriginPolicy,
    key: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    match key {
        "origins" => policy.origins = strings(key, value)?,
        "require_origin" => policy.require_origin = value.extract::<bool>()?,
        "allowed_hosts" => policy.allowed_hosts = strings(key, value)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// A policy with an entry that could never match is a `ValueError` up front.
pub(crate) fn validate(policy: &OriginPolicy) -> PyResult<()> {
    policy.validate().map_err(PyValueError::new_err)
}

/// The policy's keyword arguments, into a config dict.
pub(crate) fn to_dict(d: &Bound<'_, PyDict>, policy: Option<&OriginPolicy>) -> PyResult<()> {
    let default = OriginPolicy::default();
    let policy = policy.unwrap_or(&default);
    d.set_item("origins", policy.origins.clone())?;
    d.set_item("require_origin", policy.require_origin)?;
    d.set_item("allowed_hosts", policy.allowed_hosts.clone())?;
    Ok(())
}

/// Checks a request's `Origin` and `Host` header values (`None` when absent)
/// against the policy given as keyword arguments, as a server's handshake does.
/// Raises `wscore.HandshakeError(message, 403)` when refused, `ValueError` for
/// a policy entry that could never match.
#[pyfunction]
#[pyo3(signature = (origin, host, *, origins=None, require_origin=false, allowed_hosts=None))]
pub(crate) fn check_origin(
    py: Python<'_>,
    origin: Option<&str>,
    host: Option<&str>,
    origins: Option<&Bound<'_, PyAny>>,
    require_origin: bool,
    allowed_hosts: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let mut policy = OriginPolicy {
        require_origin,
        ..OriginPolicy::default()
    };
    if let Some(origins) = origins {
        set(&mut policy, "origins", origins)?;
    }
    if let Some(hosts) = allowed_hosts {
        set(&mut policy, "allowed_hosts", hosts)?;
    }
    validate(&policy)?;
    wscore::binding::check_origin(&policy, origin, host)
        .map_err(|e| errors::handshake_error(py, &e, Role::Server))
}
