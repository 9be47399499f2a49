//! `ws://` and `wss://` URLs (RFC 6455 §3): what a client's request line and
//! `Host` header are made of.

use crate::error::HandshakeError;

/// What the request line and `Host` header need from a `ws://` / `wss://` URL.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct WsUrl {
    /// `Host` header value: host, plus `:port` when it is not the scheme's default.
    pub(super) host_header: String,
    /// Request target: path (at least `/`) and query.
    pub(super) target: String,
    /// Where to connect.
    pub(super) endpoint: Endpoint,
}

/// Where a client connects for a `ws://` or `wss://` URL: what an I/O adapter
/// needs for DNS, TCP and TLS (see [`endpoint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `wss://`: the connection runs over TLS.
    pub secure: bool,
    /// The host name or IP literal, IPv6 without its brackets (as DNS
    /// resolution and TLS server names want it).
    pub host: String,
    /// The URL's port, or the scheme's default (80 for `ws`, 443 for `wss`).
    pub port: u16,
}

/// Reads where a client URL connects, with the checks a [`crate::ClientRequest`]
/// for it gets (scheme, host, port, no userinfo or fragment).
///
/// ```
/// use wscore::binding::endpoint;
/// let e = endpoint("wss://[::1]/chat").unwrap();
/// assert_eq!((e.secure, e.host.as_str(), e.port), (true, "::1", 443));
/// assert_eq!(endpoint("ws://example.com:9001").unwrap().port, 9001);
/// assert!(endpoint("http://example.com").is_err());
/// ```
pub fn endpoint(url: &str) -> Result<Endpoint, HandshakeError> {
    parse_ws_url(url).map(|u| u.endpoint)
}

/// Reads a client URL into its `Host` value and request target, or says what is wrong.
pub(super) fn parse_ws_url(url: &str) -> Result<WsUrl, HandshakeError> {
    let bad = |why: &'static str| HandshakeError::InvalidUrl(url.to_string(), why);

    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("scheme must be ws or wss"))?;
    let secure = scheme.eq_ignore_ascii_case("wss");
    let default_port = if scheme.eq_ignore_ascii_case("ws") {
        80
    } else if scheme.eq_ignore_ascii_case("wss") {
        443
    } else {
        return Err(bad("scheme must be ws or wss"));
    };

    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(bad("userinfo not allowed"));
    }
    if path_and_query.contains('#') {
        return Err(bad("fragment not allowed"));
    }

    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (literal, after) = bracketed
            .split_once(']')
            .ok_or_else(|| bad("unterminated IPv6 literal"))?;
        if literal.is_empty()
            || !literal
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(bad("invalid IPv6 literal"));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| bad("invalid character after IPv6 literal"))?,
            ),
        };
        (
            authority.get(..literal.len() + 2).unwrap_or(authority),
            port,
        )
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad("empty host"));
    }
    if !host.starts_with('[') && !host.bytes().all(is_reg_name_char) {
        return Err(bad("invalid character in host"));
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| bad("invalid port"))?)
        }
        Some(_) => return Err(bad("invalid port")),
    };
    let host_header = match port {
        Some(p) if p != default_port => format!("{host}:{p}"),
        _ => host.to_string(),
    };

    let mut target = String::with_capacity(path_and_query.len() + 1);
    if !path_and_query.starts_with('/') {
        target.push('/');
    }
    for &b in path_and_query.as_bytes() {
        match b {
            0x00..=0x1f | 0x7f => return Err(bad("control character in path")),
            b' ' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | 0x80..=0xff => {
                target.push_str(&format!("%{b:02X}"));
            }
            _ => target.push(char::from(b)),
        }
    }
    let endpoint = Endpoint {
        secure,
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port: port.unwrap_or(default_port),
    };
    Ok(WsUrl {
        host_header,
        target,
        endpoint,
    })
}

/// RFC 3986 `reg-name` characters: unreserved, sub-delims and `%` of pct-encoded.
fn is_reg_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b)
}

#[cfg(test)]
#[path = "url_tests.rs"]
mod tests;
