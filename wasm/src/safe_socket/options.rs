//! `SafeWebSocket` options, read from the JS object once at construction.

use std::time::Duration;

use wasm_bindgen::prelude::*;
use wscore::binding::{DropPolicy, QueueLimits, ReconnectPolicy};
use wscore::CloseCode;

use super::js::get;

/// The application-level heartbeat (browsers expose no ping frames).
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    pub message: String,
    pub pong: Option<String>,
    pub interval_ms: f64,
    pub timeout_ms: f64,
}

/// Everything `new SafeWebSocket(url, protocols, options)` can set.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub blob: bool,
    pub reconnect: Option<ReconnectPolicy>,
    pub heartbeat: Option<Heartbeat>,
    pub limits: QueueLimits,
    pub drop_policy: DropPolicy,
}

fn number(obj: &JsValue, key: &str) -> Result<Option<f64>, JsError> {
    let value = get(obj, key);
    match value.as_f64() {
        _ if value.is_undefined() => Ok(None),
        Some(n) if n >= 0.0 && n.is_finite() => Ok(Some(n)),
        _ => Err(JsError::new(&format!(
            "option {key} must be a non-negative number"
        ))),
    }
}

fn count(obj: &JsValue, key: &str) -> Result<Option<usize>, JsError> {
    Ok(number(obj, key)?.map(|n| n as usize))
}

fn string(obj: &JsValue, key: &str) -> Result<Option<String>, JsError> {
    let value = get(obj, key);
    match value.as_string() {
        _ if value.is_undefined() => Ok(None),
        Some(s) => Ok(Some(s)),
        None => Err(JsError::new(&format!("option {key} must be a string"))),
    }
}

fn millis(n: f64) -> Duration {
    Duration::from_secs_f64(n / 1000.0)
}

fn reconnect(value: &JsValue) -> Result<Option<ReconnectPolicy>, JsError> {
    if value.is_undefined() || value.is_null() || value.as_bool() == Some(false) {
        return Ok(None);
    }
    let mut policy = ReconnectPolicy::default();
    if value.as_bool() == Some(true) {
        return Ok(Some(policy));
    }
    if let Some(n) = number(value, "initialDelayMs")? {
        policy.initial_delay = millis(n);
    }
    if let Some(n) = number(value, "maxDelayMs")? {
        policy.max_delay = millis(n);
    }
    policy.max_retries = number(value, "maxRetries")?.map(|n| n as u32);
    let codes = get(value, "stopCodes");
    if !codes.is_undefined() {
        let codes: js_sys::Array = codes
            .dyn_into()
            .map_err(|_| JsError::new("option stopCodes must be an array"))?;
        for code in codes.iter() {
            let code = code.as_f64().filter(|c| (0.0..=65535.0).contains(c));
            let code = code.ok_or_else(|| JsError::new("stopCodes must hold close codes"))?;
            policy.stop_codes.push(CloseCode(code as u16));
        }
    }
    Ok(Some(policy))
}

fn heartbeat(value: &JsValue) -> Result<Option<Heartbeat>, JsError> {
    if value.is_undefined() || value.is_null() || value.as_bool() == Some(false) {
        return Ok(None);
    }
    Ok(Some(Heartbeat {
        message: string(value, "message")?.unwrap_or_else(|| "ping".into()),
        pong: string(value, "pong")?,
        interval_ms: number(value, "intervalMs")?.unwrap_or(30_000.0),
        timeout_ms: number(value, "timeoutMs")?.unwrap_or(10_000.0),
    }))
}

impl Options {
    /// Reads `value` (`undefined` gives the defaults); a wrong type is a `TypeError`-like error.
    pub fn from_js(value: &JsValue) -> Result<Options, JsError> {
        let blob = match string(value, "binaryType")?.as_deref() {
            None | Some("arraybuffer") => false,
            Some("blob") => true,
            Some(other) => {
                return Err(JsError::new(&format!(
                    "binaryType {other:?} is not arraybuffer or blob"
                )))
            }
        };
        let queue = get(value, "queue");
        let defaults = QueueLimits::default();
        let limits = QueueLimits {
            max_messages: count(&queue, "maxMessages")?.unwrap_or(defaults.max_messages),
            max_bytes: count(&queue, "maxBytes")?.unwrap_or(defaults.max_bytes),
            high_water_mark: count(value, "highWaterMark")?.unwrap_or(defaults.high_water_mark),
        };
        let drop_policy = match string(&queue, "dropPolicy")?.as_deref() {
            None | Some("drop-oldest") => DropPolicy::DropOldest,
            Some("drop-newest") => DropPolicy::DropNewest,
            Some("reject") => DropPolicy::Reject,
            Some(other) => {
                return Err(JsError::new(&format!(
                    "dropPolicy {other:?} is not drop-oldest, drop-newest or reject"
                )))
            }
        };
        Ok(Options {
            blob,
            reconnect: reconnect(&get(value, "reconnect"))?,
            heartbeat: heartbeat(&get(value, "heartbeat"))?,
            limits,
            drop_policy,
        })
    }
}
