//! The client's side of the handshake: writing the upgrade request and parsing
//! the server's answer, a 101 or a rejection with its body.

use super::http::{
    all_utf8_values, check_headers, head_status, header_values, invalid, is_token, is_valid_value,
    push_header, require_token, single_header, split_top_level, to_headers, trim_ows, window,
    MAX_HEADERS,
};
use super::url::parse_ws_url;
use super::{accept_key, ClientRequest, Header, Rejection, Response, ResponseOutcome};
use crate::error::HandshakeError;
use crate::head_scan::HeadScan;

/// Writes the client's upgrade request for `req` with `key` into `out`.
pub(crate) fn write_request(
    req: &ClientRequest,
    key: &str,
    extensions: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    let url = parse_ws_url(&req.url)?;
    for (i, proto) in req.subprotocols.iter().enumerate() {
        if !is_token(proto) {
            return Err(invalid(
                "Sec-WebSocket-Protocol",
                format!("{proto:?} is not an HTTP token"),
            ));
        }
        if req.subprotocols.iter().take(i).any(|p| p == proto) {
            return Err(invalid(
                "Sec-WebSocket-Protocol",
                format!("{proto:?} is offered twice"),
            ));
        }
    }
    if !is_valid_value(key.as_bytes()) {
        return Err(invalid(
            "Sec-WebSocket-Key",
            format!("{key:?} contains control characters"),
        ));
    }
    check_headers(&req.headers).map_err(|h| {
        invalid(
            "request header",
            format!("{:?} has an invalid name or value", h.name),
        )
    })?;

    out.extend_from_slice(b"GET ");
    out.extend_from_slice(url.target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    push_header(out, "Host", url.host_header.as_bytes());
    out.extend_from_slice(b"Upgrade: websocket\r\nConnection: Upgrade\r\n");
    push_header(out, "Sec-WebSocket-Key", key.as_bytes());
    out.extend_from_slice(b"Sec-WebSocket-Version: 13\r\n");
    if !req.subprotocols.is_empty() {
        push_header(
            out,
            "Sec-WebSocket-Protocol",
            req.subprotocols.join(", ").as_bytes(),
        );
    }
    if let Some(extensions) = extensions {
        push_header(out, "Sec-WebSocket-Extensions", extensions.as_bytes());
    }
    for h in &req.headers {
        push_header(out, &h.name, &h.value);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Parses the server's response head (and a rejection's body) from the start of `buf`.
/// Same `Ok(None)`/`TooLarge` contract as [`super::parse_request_scanned`].
#[cfg(test)]
pub(crate) fn parse_response(
    buf: &[u8],
    key: &str,
    offered_subprotocols: &[String],
    max_size: usize,
) -> Result<Option<(ResponseOutcome, usize)>, HandshakeError> {
    parse_response_scanned(
        buf,
        key,
        offered_subprotocols,
        max_size,
        &mut HeadScan::default(),
    )
}

/// `parse_response` for a buffer that grows between calls, linear in its
/// length like [`super::parse_request_scanned`]; a rejection's body is waited for
/// without parsing the head again.
pub(crate) fn parse_response_scanned(
    buf: &[u8],
    key: &str,
    offered_subprotocols: &[String],
    max_size: usize,
    scan: &mut HeadScan,
) -> Result<Option<(ResponseOutcome, usize)>, HandshakeError> {
    if !scan.parse_due(window(buf, max_size), buf.len() > max_size) {
        return Ok(None);
    }
    let mut raw = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut raw);
    let n = match head_status(parsed.parse(window(buf, max_size)), buf, max_size)? {
        Some(n) => n,
        None => return Ok(None),
    };
    if parsed.version != Some(1) {
        return Err(HandshakeError::HttpVersion);
    }
    let status = parsed.code.unwrap_or_default();
    let headers = to_headers(parsed.headers);

    if status != 101 {
        // RFC 9112 §6.3: 1xx, 204 and 304 responses never have a body.
        let body_len = if status < 200 || status == 204 || status == 304 {
            0
        } else {
            content_length(&headers)?.unwrap_or(0)
        };
        // The whole response, head and body, must fit in `max_size`.
        let total = match usize::try_from(body_len)
            .ok()
            .and_then(|b| b.checked_add(n))
        {
            Some(total) if total <= max_size => total,
            _ => return Err(HandshakeError::TooLarge(max_size)),
        };
        let body = match buf.get(n..total) {
            Some(body) => body.to_vec(),
            None => {
                scan.wait_for(total);
                return Ok(None);
            }
        };
        return Ok(Some((
            ResponseOutcome::Rejected(Rejection {
                status,
                headers,
                body,
            }),
            total,
        )));
    }

    require_token(&headers, "Upgrade", "websocket")?;
    require_token(&headers, "Connection", "upgrade")?;
    let accept = match single_header(&headers, "Sec-WebSocket-Accept")? {
        None => return Err(HandshakeError::MissingHeader("Sec-WebSocket-Accept")),
        Some(v) => trim_ows(std::str::from_utf8(v).map_err(|_| HandshakeError::BadAccept)?),
    };
    if accept != accept_key(key) {
        return Err(HandshakeError::BadAccept);
    }

    let mut selected = Vec::new();
    for value in all_utf8_values(&headers, "Sec-WebSocket-Protocol")? {
        selected.extend(value.split(',').map(trim_ows).filter(|s| !s.is_empty()));
    }
    let subprotocol = match selected.as_slice() {
        [] => None,
        [one] if offered_subprotocols.iter().any(|o| o == one) => Some(one.to_string()),
        [one] => return Err(HandshakeError::UnofferedSubprotocol(one.to_string())),
        [..] => {
            return Err(invalid(
                "Sec-WebSocket-Protocol",
                format!("server selected {} subprotocols", selected.len()),
            ))
        }
    };
    let mut extensions = Vec::new();
    for value in all_utf8_values(&headers, "Sec-WebSocket-Extensions")? {
        extensions.extend(split_top_level(value));
    }

    Ok(Some((
        ResponseOutcome::Accepted(Response {
            status,
            headers,
            subprotocol,
            extensions,
        }),
        n,
    )))
}

/// The `Content-Length` of a response, if it has one. Repeated headers (or a
/// list) must all agree.
fn content_length(headers: &[Header]) -> Result<Option<u64>, HandshakeError> {
    let mut length = None;
    for value in header_values(headers, "Content-Length") {
        for item in value.split(|&b| b == b',') {
            let item = item.trim_ascii();
            let parsed = std::str::from_utf8(item)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .map(|s| s.parse::<u64>().unwrap_or(u64::MAX));
            match (parsed, length) {
                (None, _) => {
                    return Err(invalid(
                        "Content-Length",
                        "not a decimal number".to_string(),
                    ))
                }
                (Some(a), Some(b)) if a != b => {
                    return Err(invalid("Content-Length", "conflicting values".to_string()))
                }
                (Some(a), _) => length = Some(a),
            }
        }
    }
    Ok(length)
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
