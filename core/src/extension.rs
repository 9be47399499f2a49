//! Extension negotiation (RFC 6455 §9): parsing `Sec-WebSocket-Extensions` items.
//! The connection negotiates permessage-deflate (see `crate::deflate`) from these;
//! any other extension is declined.

use crate::error::HandshakeError;
use crate::handshake::http::is_token;

/// One item of a `Sec-WebSocket-Extensions` header: a name and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExtensionParams {
    /// The extension token, e.g. `permessage-deflate`.
    pub name: String,
    /// Parameters in order, each with its value if it has one (quotes removed).
    pub params: Vec<(String, Option<String>)>,
}

impl ExtensionParams {
    /// Parses one item such as `permessage-deflate; client_max_window_bits; server_max_window_bits=10`.
    pub fn parse(item: &str) -> Result<ExtensionParams, HandshakeError> {
        let bad = |detail: &str| HandshakeError::InvalidHeader {
            name: "Sec-WebSocket-Extensions",
            detail: format!("{detail} in {item:?}"),
        };
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        if !is_token(name) {
            return Err(bad("invalid extension name"));
        }
        let mut params = Vec::new();
        for part in parts {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (
                    k.trim(),
                    Some(unquote(v.trim()).ok_or_else(|| bad("invalid parameter value"))?),
                ),
                None => (part, None),
            };
            if !is_token(key) {
                return Err(bad("invalid parameter name"));
            }
            params.push((key.to_owned(), value));
        }
        Ok(ExtensionParams {
            name: name.to_owned(),
            params,
        })
    }
}

impl std::fmt::Display for ExtensionParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        for (key, value) in &self.params {
            match value {
                Some(v) => write!(f, "; {key}={v}")?,
                None => write!(f, "; {key}")?,
            }
        }
        Ok(())
    }
}

/// A token, or a quoted string whose content is a token (RFC 6455 §9.1).
fn unquote(v: &str) -> Option<String> {
    let inner = match v.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => v,
    };
    is_token(inner).then(|| inner.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_flags_values_and_quoted_values() {
        let p = ExtensionParams::parse(
            "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\"",
        )
        .unwrap();
        assert_eq!(p.name, "permessage-deflate");
        assert_eq!(
            p.params,
            vec![
                ("client_max_window_bits".into(), None),
                ("server_max_window_bits".into(), Some("10".into()))
            ]
        );
        assert_eq!(
            p.to_string(),
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10"
        );
    }

    #[test]
    fn rejects_malformed_items() {
        for bad in [
            "",
            "; x",
            "a b",
            "x; =1",
            "x; y=\"1",
            "x; y=a b",
            "x; y=\"\"",
        ] {
            assert!(ExtensionParams::parse(bad).is_err(), "{bad:?}");
        }
    }
}
