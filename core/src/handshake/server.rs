//! The server's side of the handshake: parsing the client's request, writing the
//! 101 that accepts it, a rejection, or the error response for a bad request.

use super::http::{
    all_utf8_values, check_headers, count_headers, find_header, head_status, header_values,
    invalid, is_valid_value, push_header, require_token, single_header, split_top_level,
    to_headers, trim_ows, utf8_value, window, MAX_HEADERS,
};
use super::{accept_key, Accept, Header, Request};
use crate::error::{AcceptError, HandshakeError};
use crate::head_scan::HeadScan;

/// Parses a complete request head from the start of `buf`.
/// `Ok(None)`: incomplete, need more bytes (but `buf` longer than `max_size`
/// without a complete head is `TooLarge`). `Ok(Some((req, n)))`: the head took `n` bytes.
#[cfg(test)]
pub(crate) fn parse_request(
    buf: &[u8],
    max_size: usize,
) -> Result<Option<(Request, usize)>, HandshakeError> {
    parse_request_scanned(buf, max_size, &mut HeadScan::default())
}

/// `parse_request` for a buffer that grows between calls: `scan` remembers how
/// far the search for the head's end got, so the work is linear in the head's
/// length however it is split into reads.
pub(crate) fn parse_request_scanned(
    buf: &[u8],
    max_size: usize,
    scan: &mut HeadScan,
) -> Result<Option<(Request, usize)>, HandshakeError> {
    if !scan.parse_due(window(buf, max_size), buf.len() > max_size) {
        return Ok(None);
    }
    let mut raw = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut raw);
    let n = match head_status(parsed.parse(window(buf, max_size)), buf, max_size)? {
        Some(n) => n,
        None => return Ok(None),
    };
    let method = parsed.method.unwrap_or_default();
    if method != "GET" {
        return Err(HandshakeError::NotGet(method.to_string()));
    }
    if parsed.version != Some(1) {
        return Err(HandshakeError::HttpVersion);
    }
    let target = parsed.path.unwrap_or_default().to_string();
    let headers = to_headers(parsed.headers);

    match count_headers(&headers, "Host") {
        0 => return Err(HandshakeError::MissingHeader("Host")),
        1 => {}
        _ => return Err(HandshakeError::DuplicateHeader("Host")),
    }
    refuse_body(&headers)?;
    require_token(&headers, "Upgrade", "websocket")?;
    require_token(&headers, "Connection", "upgrade")?;

    // The version is checked before the key so that a client speaking an older
    // draft (no Sec-WebSocket-Key at all) is told 426 and which version we speak.
    let version = match single_header(&headers, "Sec-WebSocket-Version")? {
        None => return Err(HandshakeError::UnsupportedVersion(String::new())),
        Some(v) => trim_ows(utf8_value("Sec-WebSocket-Version", v)?),
    };
    if version != "13" {
        return Err(HandshakeError::UnsupportedVersion(version.to_string()));
    }

    let key = match single_header(&headers, "Sec-WebSocket-Key")? {
        None => return Err(HandshakeError::MissingHeader("Sec-WebSocket-Key")),
        Some(v) => trim_ows(utf8_value("Sec-WebSocket-Key", v)?),
    };
    {
        use base64::Engine as _;
        match base64::engine::general_purpose::STANDARD.decode(key) {
            Ok(nonce) if nonce.len() == 16 => {}
            Ok(nonce) => {
                return Err(invalid(
                    "Sec-WebSocket-Key",
                    format!("decodes to {} bytes, not 16", nonce.len()),
                ))
            }
            Err(e) => return Err(invalid("Sec-WebSocket-Key", format!("not base64: {e}"))),
        }
    }
    let key = key.to_string();

    let mut subprotocols = Vec::new();
    for value in all_utf8_values(&headers, "Sec-WebSocket-Protocol")? {
        subprotocols.extend(
            value
                .split(',')
                .map(trim_ows)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
    }
    let mut extensions = Vec::new();
    for value in all_utf8_values(&headers, "Sec-WebSocket-Extensions")? {
        extensions.extend(split_top_level(value));
    }

    Ok(Some((
        Request {
            target,
            headers,
            subprotocols,
            extensions,
            key,
        },
        n,
    )))
}

/// Writes the 101 response accepting `req` into `out`.
pub(crate) fn write_accept(
    req: &Request,
    accept: &Accept,
    extensions: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), AcceptError> {
    if let Some(proto) = &accept.subprotocol {
        if !req.subprotocols.iter().any(|offered| offered == proto) {
            return Err(AcceptError::UnofferedSubprotocol(proto.clone()));
        }
        // `req` normally comes from `parse_request`, but its fields are public.
        if !is_valid_value(proto.as_bytes()) {
            return Err(AcceptError::InvalidHeader(
                "Sec-WebSocket-Protocol".to_string(),
            ));
        }
    }
    check_headers(&accept.headers).map_err(|h| AcceptError::InvalidHeader(h.name.clone()))?;

    out.extend_from_slice(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
    );
    push_header(out, "Sec-WebSocket-Accept", accept_key(&req.key).as_bytes());
    if let Some(proto) = &accept.subprotocol {
        push_header(out, "Sec-WebSocket-Protocol", proto.as_bytes());
    }
    if let Some(extensions) = extensions {
        push_header(out, "Sec-WebSocket-Extensions", extensions.as_bytes());
    }
    for h in &accept.headers {
        push_header(out, &h.name, &h.value);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Writes a non-101 response (`Connection: close`, `Content-Length`) into `out`.
pub(crate) fn write_reject(
    status: u16,
    headers: &[Header],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), AcceptError> {
    if !(100..=599).contains(&status) || status == 101 {
        return Err(AcceptError::InvalidStatus(status));
    }
    check_headers(headers).map_err(|h| AcceptError::InvalidHeader(h.name.clone()))?;
    // We frame the body and close the connection ourselves: the application's own
    // framing or Connection headers (ASGI apps often send Content-Length) are
    // dropped, so a peer or proxy can never read two conflicting framings.
    let ours = |h: &&Header| {
        ["Content-Length", "Transfer-Encoding", "Connection"]
            .iter()
            .any(|n| h.name.eq_ignore_ascii_case(n))
    };
    let kept = headers.iter().filter(|h| !ours(h));
    write_response(
        status,
        kept.map(|h| (h.name.as_str(), h.value.as_slice())),
        body,
        out,
    );
    Ok(())
}

/// Writes the response a server sends for a handshake it could not parse or accept:
/// `err.status()`, a `text/plain` body with the error's message, and
/// `Sec-WebSocket-Version: 13` on a 426.
pub(crate) fn write_error_response(err: &HandshakeError, out: &mut Vec<u8>) {
    let status = err.status();
    let body = format!("{err}\n");
    let content_type: (&str, &[u8]) = ("Content-Type", b"text/plain; charset=utf-8");
    let version: (&str, &[u8]) = ("Sec-WebSocket-Version", b"13");
    let extra: &[(&str, &[u8])] = if status == 426 {
        &[content_type, version]
    } else {
        &[content_type]
    };
    write_response(status, extra.iter().copied(), body.as_bytes(), out);
}

/// A GET upgrade has no body (RFC 9110 §9.3.1 gives one no meaning): bytes after
/// the head are frames, so a request that announces a body is refused rather
/// than have its body read as frames.
fn refuse_body(headers: &[Header]) -> Result<(), HandshakeError> {
    if let Some(te) = find_header(headers, "Transfer-Encoding") {
        return Err(HandshakeError::RequestBody(format!(
            "Transfer-Encoding: {}",
            String::from_utf8_lossy(te)
                .chars()
                .take(100)
                .collect::<String>()
        )));
    }
    let lengths: Vec<&[u8]> = header_values(headers, "Content-Length").collect();
    match lengths.as_slice() {
        [] => Ok(()),
        [zero] if zero.trim_ascii() == b"0" => Ok(()),
        [one] => Err(HandshakeError::RequestBody(format!(
            "Content-Length: {}",
            String::from_utf8_lossy(one.trim_ascii())
                .chars()
                .take(100)
                .collect::<String>()
        ))),
        many => Err(HandshakeError::RequestBody(format!(
            "{} Content-Length headers",
            many.len()
        ))),
    }
}

/// Writes a complete non-101 response; the caller has validated everything.
fn write_response<'a>(
    status: u16,
    headers: impl Iterator<Item = (&'a str, &'a [u8])>,
    body: &[u8],
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    push_header(out, "Content-Length", body.len().to_string().as_bytes());
    out.extend_from_slice(b"Connection: close\r\n");
    for (name, value) in headers {
        push_header(out, name, value);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => match status / 100 {
            1 => "Informational",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            _ => "Server Error",
        },
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
