//! Keyword arguments ↔ core's `Config`. Defaults come from `Config::default()`, so
//! core stays the one place that decides them.

use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use wscore::{Config, DeflateConfig};

use crate::budget::MemoryBudget;

/// Seconds (a float) as a `Duration`; negative, NaN or infinite values are refused.
pub(crate) fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be a finite number of seconds >= 0, got {value}"
        ))
    })
}

fn opt_seconds(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<Duration>> {
    if value.is_none() {
        return Ok(None);
    }
    seconds(name, value.extract::<f64>()?).map(Some)
}

fn size(name: &str, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    value
        .extract::<usize>()
        .map_err(|_| PyValueError::new_err(format!("{name} must be an int >= 0")))
}

/// permessage-deflate settings: `None`/`False` (off), `True` (core's defaults) or
/// a dict overriding some of `DeflateConfig`'s fields.
pub(crate) fn deflate_from(value: &Bound<'_, PyAny>) -> PyResult<Option<DeflateConfig>> {
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(on) = value.extract::<bool>() {
        return Ok(on.then(DeflateConfig::default));
    }
    let dict = value.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(
            "deflate must be None, a bool or a dict of permessage-deflate settings",
        )
    })?;
    let mut d = DeflateConfig::default();
    for (key, value) in dict.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "server_max_window_bits" => d.server_max_window_bits = value.extract()?,
            "client_max_window_bits" => d.client_max_window_bits = value.extract()?,
            "server_no_context_takeover" => d.server_no_context_takeover = value.extract()?,
            "client_no_context_takeover" => d.client_no_context_takeover = value.extract()?,
            "level" => d.level = value.extract()?,
            "mem_level" => d.mem_level = value.extract()?,
            "min_size" => d.min_size = value.extract()?,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "unknown deflate setting {key:?}"
                )))
            }
        }
    }
    Ok(Some(d))
}

fn deflate_dict<'py>(py: Python<'py>, d: &DeflateConfig) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("server_max_window_bits", d.server_max_window_bits)?;
    out.set_item("client_max_window_bits", d.client_max_window_bits)?;
    out.set_item("server_no_context_takeover", d.server_no_context_takeover)?;
    out.set_item("client_no_context_takeover", d.client_no_context_takeover)?;
    out.set_item("level", d.level)?;
    out.set_item("mem_level", d.mem_level)?;
    out.set_item("min_size", d.min_size)?;
    Ok(out)
}

/// The permessage-deflate parameters agreed in a handshake, as a dict.
pub(crate) fn deflate_params<'py>(
    py: Python<'py>,
    p: &wscore::DeflateParams,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("server_no_context_takeover", p.server_no_context_takeover)?;
    out.set_item("client_no_context_takeover", p.client_no_context_takeover)?;
    out.set_item("server_max_window_bits", p.server_max_window_bits)?;
    out.set_item("client_max_window_bits", p.client_max_window_bits)?;
    Ok(out)
}

/// What `**config` sets: core's `Config`, and the settings of this binding alone.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) core: Config,
    /// Text messages are reported as `TextBytesMessage` (validated UTF-8 `bytes`)
    /// instead of `TextMessage` (`str`): for an application that relays text,
    /// which then never pays the decode to `str` and the encode back.
    pub(crate) text_as_bytes: bool,
}

/// Builds the `Settings` from `**config`; unknown keys are a `TypeError`, like any
/// unexpected keyword argument.
pub(crate) fn from_kwargs(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Settings> {
    let mut config = Config::default();
    let mut text_as_bytes = false;
    let Some(kwargs) = kwargs else {
        return Ok(Settings::default());
    };
    let mut policy = wscore::OriginPolicy::default();
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "max_frame_size" => config.max_frame_size = size(&key, &value)?,
            "max_message_size" => config.max_message_size = size(&key, &value)?,
            "max_handshake_size" => config.max_handshake_size = size(&key, &value)?,
            "handshake_timeout" => config.handshake_timeout = opt_seconds(&key, &value)?,
            "close_timeout" => config.close_timeout = opt_seconds(&key, &value)?,
            "ping_interval" => config.ping_interval = opt_seconds(&key, &value)?,
            "pong_timeout" => config.pong_timeout = opt_seconds(&key, &value)?,
            "auto_pong" => config.auto_pong = value.extract::<bool>()?,
            "auto_close_reply" => config.auto_close_reply = value.extract::<bool>()?,
            "text_as_bytes" => text_as_bytes = value.extract::<bool>()?,
            "deflate" => config.deflate = deflate_from(&value)?,
            "output_high_water" => config.output_high_water = size(&key, &value)?,
            "output_stall_timeout" => config.output_stall_timeout = opt_seconds(&key, &value)?,
            "memory_budget" => {
                config.memory_budget = if value.is_none() {
                    None
                } else {
                    let budget = value.cast::<MemoryBudget>().map_err(|_| {
                        PyTypeError::new_err("memory_budget must be a wscore.MemoryBudget or None")
                    })?;
                    Some(budget.get().inner.clone())
                }
            }
            _ if crate::origin::set(&mut policy, &key, &value)? => {}
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "unexpected keyword argument {key:?}"
                )))
            }
        }
    }
    crate::origin::validate(&policy)?;
    config.origin_policy = policy.is_active().then(|| Box::new(policy));
    Ok(Settings {
        core: config,
        text_as_bytes,
    })
}

/// The config as a dict of the same keyword arguments (seconds as floats).
pub(crate) fn to_dict<'py>(
    py: Python<'py>,
    config: &Config,
    text_as_bytes: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let secs = |t: Option<Duration>| t.map(|t| t.as_secs_f64());
    d.set_item("max_frame_size", config.max_frame_size)?;
    d.set_item("max_message_size", config.max_message_size)?;
    d.set_item("max_handshake_size", config.max_handshake_size)?;
    d.set_item("handshake_timeout", secs(config.handshake_timeout))?;
    d.set_item("close_timeout", secs(config.close_timeout))?;
    d.set_item("ping_interval", secs(config.ping_interval))?;
    d.set_item("pong_timeout", secs(config.pong_timeout))?;
    d.set_item("auto_pong", config.auto_pong)?;
    d.set_item("auto_close_reply", config.auto_close_reply)?;
    d.set_item("text_as_bytes", text_as_bytes)?;
    crate::origin::to_dict(&d, config.origin_policy.as_deref())?;
    d.set_item("output_high_water", config.output_high_water)?;
    d.set_item("output_stall_timeout", secs(config.output_stall_timeout))?;
    d.set_item(
        "memory_budget",
        config
            .memory_budget
            .clone()
            .map(|inner| MemoryBudget { inner }),
    )?;
    d.set_item(
        "deflate",
        config
            .deflate
            .as_ref()
            .map(|c| deflate_dict(py, c))
            .transpose()?,
    )?;
    Ok(d)
}

/// The default settings, as the keyword arguments `ServerConnection` and
/// `ClientConnection` accept.
#[pyfunction]
pub(crate) fn default_config(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    to_dict(py, &Config::default(), false)
}
