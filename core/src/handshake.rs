//! The opening handshake (RFC 6455 §4): parsing and writing the HTTP/1.1 upgrade
//! request and response. Pure functions over byte buffers; [`crate::Connection`] drives them.

use serde::{Deserialize, Serialize};

use crate::error::{AcceptError, HandshakeError};
use crate::head_scan::HeadScan;

/// One HTTP header: the name as it was written and the raw value bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Header name, as received or as given (compare case-insensitively).
    pub name: String,
    /// Header value bytes (usually ASCII; HTTP allows other octets).
    pub value: Vec<u8>,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A client's upgrade request, as a server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The request target: path and query, e.g. `/chat?room=1`.
    pub target: String,
    /// Every header, in the order received.
    pub headers: Vec<Header>,
    /// Subprotocols the client offered (`Sec-WebSocket-Protocol`), in order.
    pub subprotocols: Vec<String>,
    /// Extension offers (`Sec-WebSocket-Extensions`), one per comma-separated item, in order.
    pub extensions: Vec<String>,
    /// The `Sec-WebSocket-Key` value.
    pub key: String,
}

/// What a server answers when it accepts a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accept {
    /// The subprotocol to select; it must be one the client offered.
    pub subprotocol: Option<String>,
    /// Extra headers for the 101 response (e.g. `Set-Cookie`).
    pub headers: Vec<Header>,
}

/// How a client opens a connection: URL, subprotocols to offer, extra headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRequest {
    /// A `ws://` or `wss://` URL.
    pub url: String,
    /// Subprotocols to offer, in order of preference.
    pub subprotocols: Vec<String>,
    /// Extra headers (e.g. `Origin`, `Authorization`).
    pub headers: Vec<Header>,
}

/// The server's 101 answer, as a client received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Always 101.
    pub status: u16,
    /// Every header, in the order received.
    pub headers: Vec<Header>,
    /// The subprotocol the server selected, if any.
    pub subprotocol: Option<String>,
    /// Extensions the server selected, one per comma-separated item.
    pub extensions: Vec<String>,
}

/// A server's refusal: any non-101 response to the upgrade request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The HTTP status, e.g. 403.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<Header>,
    /// Response body (as much as `Content-Length` announced, up to the handshake limit).
    pub body: Vec<u8>,
}

/// What a client learns from the server's response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResponseOutcome {
    Accepted(Response),
    Rejected(Rejection),
}

/// The GUID RFC 6455 §1.3 appends to the key before hashing.
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The most headers a request or response head may carry; more is `TooManyHeaders`.
const MAX_HEADERS: usize = 128;

impl ClientRequest {
    /// A request for `url` with no subprotocols and no extra headers.
    pub fn new(url: impl Into<String>) -> Self {
        ClientRequest {
            url: url.into(),
            subprotocols: Vec::new(),
            headers: Vec::new(),
        }
    }
    /// Offers one more subprotocol.
    pub fn subprotocol(mut self, name: impl Into<String>) -> Self {
        self.subprotocols.push(name.into());
        self
    }
    /// Adds one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }
}

impl Request {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.headers, name)
    }
}

impl Response {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.headers, name)
    }
}

/// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)).
pub fn accept_key(key: &str) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    let mut sha = sha1::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(WS_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A fresh random `Sec-WebSocket-Key` (16 random bytes, base64).
pub(crate) fn new_key() -> String {
    use base64::Engine as _;
    let mut nonce = [0u8; 16];
    crate::random::fill(&mut nonce);
    base64::engine::general_purpose::STANDARD.encode(nonce)
}

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

/// [`parse_request`] for a buffer that grows between calls: `scan` remembers how
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

/// Writes the client's upgrade request for `req` with `key` into `out`.
pub(crate) fn write_request(
    req: &ClientRequest,
    key: &str,
    extensions: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    let url = parse_ws_url(&req.url)?;
    for (i, proto) in req.subprotocols.iter().enumerate() {
        if proto.is_empty() || !proto.bytes().all(is_tchar) {
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
/// Same `Ok(None)`/`TooLarge` contract as [`parse_request`].
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

/// [`parse_response`] for a buffer that grows between calls, linear in its
/// length like [`parse_request_scanned`]; a rejection's body is waited for
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

// ---------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------

/// The part of `buf` a head must fit in.
fn window(buf: &[u8], max_size: usize) -> &[u8] {
    buf.get(..max_size).unwrap_or(buf)
}

/// Turns httparse's verdict on `window(buf, max_size)` into the head length,
/// `None` for "need more bytes", or the size/syntax error.
fn head_status(
    result: httparse::Result<usize>,
    buf: &[u8],
    max_size: usize,
) -> Result<Option<usize>, HandshakeError> {
    match result {
        Ok(httparse::Status::Complete(n)) => Ok(Some(n)),
        Ok(httparse::Status::Partial) if buf.len() > max_size => {
            Err(HandshakeError::TooLarge(max_size))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(HandshakeError::TooManyHeaders(MAX_HEADERS)),
        Err(e) => Err(HandshakeError::MalformedHttp(e.to_string())),
    }
}

fn to_headers(raw: &[httparse::Header<'_>]) -> Vec<Header> {
    raw.iter().map(|h| Header::new(h.name, h.value)).collect()
}

fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

fn header_values<'a>(headers: &'a [Header], name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

fn count_headers(headers: &[Header], name: &str) -> usize {
    header_values(headers, name).count()
}

/// The value of a header that may appear at most once.
fn single_header<'a>(
    headers: &'a [Header],
    name: &'static str,
) -> Result<Option<&'a [u8]>, HandshakeError> {
    let mut values = header_values(headers, name);
    let first = values.next();
    if values.next().is_some() {
        return Err(HandshakeError::DuplicateHeader(name));
    }
    Ok(first)
}

fn invalid(name: &'static str, detail: String) -> HandshakeError {
    HandshakeError::InvalidHeader { name, detail }
}

fn utf8_value<'a>(name: &'static str, value: &'a [u8]) -> Result<&'a str, HandshakeError> {
    std::str::from_utf8(value).map_err(|_| invalid(name, "not valid UTF-8".to_string()))
}

fn all_utf8_values<'a>(
    headers: &'a [Header],
    name: &'static str,
) -> Result<Vec<&'a str>, HandshakeError> {
    header_values(headers, name)
        .map(|v| utf8_value(name, v))
        .collect()
}

/// Trims optional whitespace (SP, HTAB) from both ends.
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Requires that the comma-separated token lists of every `name` header contain
/// `token` (case-insensitively).
fn require_token(
    headers: &[Header],
    name: &'static str,
    token: &str,
) -> Result<(), HandshakeError> {
    let values = all_utf8_values(headers, name)?;
    if values.is_empty() {
        return Err(HandshakeError::MissingHeader(name));
    }
    if values
        .iter()
        .flat_map(|v| v.split(','))
        .any(|t| trim_ows(t).eq_ignore_ascii_case(token))
    {
        Ok(())
    } else {
        Err(invalid(
            name,
            format!("{:?} does not contain {token:?}", values.join(", ")),
        ))
    }
}

/// Splits an extension list on the commas that separate extensions (not those
/// inside quoted parameter values), trimming each item and dropping empty ones.
fn split_top_level(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
        } else if in_quotes && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        } else if c == ',' && !in_quotes {
            items.push(value.get(start..i).unwrap_or_default());
            start = i + 1;
        }
    }
    items.push(value.get(start..).unwrap_or_default());
    items
        .into_iter()
        .map(trim_ows)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
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

// ---------------------------------------------------------------------------
// Writing helpers
// ---------------------------------------------------------------------------

/// HTTP `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A field value we are willing to write: no CR, LF, NUL or other control
/// characters except HTAB.
fn is_valid_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// The first header with an invalid name or value, if any.
fn check_headers(headers: &[Header]) -> Result<(), &Header> {
    match headers
        .iter()
        .find(|h| h.name.is_empty() || !h.name.bytes().all(is_tchar) || !is_valid_value(&h.value))
    {
        Some(bad) => Err(bad),
        None => Ok(()),
    }
}

fn push_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
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

// ---------------------------------------------------------------------------
// Client URL
// ---------------------------------------------------------------------------

/// What the request line and `Host` header need from a `ws://` / `wss://` URL.
#[derive(Debug, PartialEq, Eq)]
struct WsUrl {
    /// `Host` header value: host, plus `:port` when it is not the scheme's default.
    host_header: String,
    /// Request target: path (at least `/`) and query.
    target: String,
}

fn parse_ws_url(url: &str) -> Result<WsUrl, HandshakeError> {
    let bad = |why: &'static str| HandshakeError::InvalidUrl(url.to_string(), why);

    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("scheme must be ws or wss"))?;
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
    Ok(WsUrl {
        host_header,
        target,
    })
}

/// RFC 3986 `reg-name` characters: unreserved, sub-delims and `%` of pct-encoded.
fn is_reg_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    /// From RFC 6455 §1.3.
    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    const LIMIT: usize = 8192;

    /// The request from RFC 6455 §1.2.
    const RFC_REQUEST: &str = "GET /chat HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\
        \r\n";

    /// A minimal valid request (`/chat`, Host, Upgrade, Connection, Key, Version)
    /// edited by `edits`: `"Name: value"` replaces the base header spelled exactly
    /// `Name` (or is appended if there is none), a bare `"Name"` removes it.
    fn request_with(edits: &[&str]) -> Vec<u8> {
        let mut lines: Vec<(String, bool)> = [
            "Host: example.com".to_string(),
            "Upgrade: websocket".to_string(),
            "Connection: Upgrade".to_string(),
            format!("Sec-WebSocket-Key: {KEY}"),
            "Sec-WebSocket-Version: 13".to_string(),
        ]
        .into_iter()
        .map(|l| (l, true))
        .collect();
        for edit in edits {
            let name = edit.split(':').next().unwrap();
            let base = lines
                .iter()
                .position(|(l, is_base)| *is_base && l.split(':').next().unwrap() == name);
            match (base, edit.contains(':')) {
                (Some(i), true) => lines[i] = (edit.to_string(), false),
                (Some(i), false) => {
                    lines.remove(i);
                }
                (None, true) => lines.push((edit.to_string(), false)),
                (None, false) => panic!("nothing to remove for {edit:?}"),
            }
        }
        let mut out = b"GET /chat HTTP/1.1\r\n".to_vec();
        for (l, _) in lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    fn parse_ok(buf: &[u8]) -> Request {
        match parse_request(buf, LIMIT) {
            Ok(Some((req, n))) => {
                assert_eq!(n, buf.len());
                req
            }
            other => panic!("expected a request, got {other:?}"),
        }
    }

    fn parse_err(buf: &[u8]) -> HandshakeError {
        match parse_request(buf, LIMIT) {
            Err(e) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn accepted(outcome: ResponseOutcome) -> Response {
        match outcome {
            ResponseOutcome::Accepted(r) => r,
            other => panic!("expected Accepted, got {other:?}"),
        }
    }

    fn rejected(outcome: ResponseOutcome) -> Rejection {
        match outcome {
            ResponseOutcome::Rejected(r) => r,
            other => panic!("expected Rejected, got {other:?}"),
        }
    }

    fn response_101(extra: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {ACCEPT}\r\n{extra}\r\n"
        )
        .into_bytes()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    // --- keys -------------------------------------------------------------

    #[test]
    fn accept_key_matches_rfc_example() {
        assert_eq!(accept_key(KEY), ACCEPT);
    }

    #[test]
    fn new_key_is_16_random_bytes_in_base64() {
        use base64::Engine as _;
        let a = new_key();
        let b = new_key();
        assert_eq!(a.len(), 24);
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&a)
                .unwrap()
                .len(),
            16
        );
        assert_ne!(a, b);
        // A server accepts it.
        let buf = request_with(&[&format!("Sec-WebSocket-Key: {a}")]);
        assert_eq!(parse_ok(&buf).key, a);
    }

    // --- parse_request: the happy path --------------------------------------

    #[test]
    fn parses_rfc_request() {
        let req = parse_ok(RFC_REQUEST.as_bytes());
        assert_eq!(req.target, "/chat");
        assert_eq!(req.key, KEY);
        assert_eq!(req.subprotocols, strings(&["chat", "superchat"]));
        assert!(req.extensions.is_empty());
        assert_eq!(req.headers.len(), 7);
        assert_eq!(req.headers[0], Header::new("Host", "server.example.com"));
        assert_eq!(req.headers[4], Header::new("Origin", "http://example.com"));
        assert_eq!(req.header("origin"), Some(&b"http://example.com"[..]));
        assert_eq!(req.header("SEC-WEBSOCKET-VERSION"), Some(&b"13"[..]));
        assert_eq!(req.header("Cookie"), None);
    }

    #[test]
    fn header_names_keep_their_case_and_values_their_bytes() {
        let mut buf = request_with(&["x-CUSTOM: a\u{e9}b"]);
        // A non-UTF-8 (obs-text) value in a header we do not interpret is fine.
        let pos = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        buf.splice(pos..pos, b"\r\nX-Latin1: caf\xe9".iter().copied());
        let req = parse_ok(&buf);
        let custom = req.headers.iter().find(|h| h.name == "x-CUSTOM").unwrap();
        assert_eq!(custom.value, "a\u{e9}b".as_bytes());
        assert_eq!(req.header("x-latin1"), Some(&b"caf\xe9"[..]));
    }

    #[test]
    fn target_keeps_the_query() {
        let buf = RFC_REQUEST.replace("GET /chat ", "GET /chat?room=1&x=%20 ");
        assert_eq!(parse_ok(buf.as_bytes()).target, "/chat?room=1&x=%20");
    }

    #[test]
    fn subprotocols_from_several_headers_trimmed_without_empties() {
        let buf = request_with(&[
            "Sec-WebSocket-Protocol: a ,, b",
            "Sec-WebSocket-Protocol: ",
            "Sec-WebSocket-Protocol: c,\td ,",
        ]);
        assert_eq!(parse_ok(&buf).subprotocols, strings(&["a", "b", "c", "d"]));
    }

    #[test]
    fn extensions_split_on_top_level_commas_only() {
        let buf = request_with(&[
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, foo; a=\"x,y\\\"z\" ,",
            "Sec-WebSocket-Extensions: bar",
        ]);
        assert_eq!(
            parse_ok(&buf).extensions,
            strings(&[
                "permessage-deflate; client_max_window_bits",
                "foo; a=\"x,y\\\"z\"",
                "bar"
            ])
        );
    }

    // --- parse_request: each rejection rule -------------------------------

    #[test]
    fn rejects_non_get_with_405() {
        let buf = RFC_REQUEST.replacen("GET", "POST", 1);
        let err = parse_err(buf.as_bytes());
        assert_eq!(err, HandshakeError::NotGet("POST".into()));
        assert_eq!(err.status(), 405);
        // Methods are case-sensitive.
        let buf = RFC_REQUEST.replacen("GET", "get", 1);
        assert_eq!(
            parse_err(buf.as_bytes()),
            HandshakeError::NotGet("get".into())
        );
    }

    #[test]
    fn rejects_http_1_0() {
        let buf = RFC_REQUEST.replacen("HTTP/1.1", "HTTP/1.0", 1);
        let err = parse_err(buf.as_bytes());
        assert_eq!(err, HandshakeError::HttpVersion);
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn rejects_missing_and_duplicate_host() {
        assert_eq!(
            parse_err(&request_with(&["Host"])),
            HandshakeError::MissingHeader("Host")
        );
        let buf = request_with(&["host: other.example"]);
        assert_eq!(parse_err(&buf), HandshakeError::DuplicateHeader("Host"));
    }

    #[test]
    fn rejects_missing_key() {
        let err = parse_err(&request_with(&["Sec-WebSocket-Key"]));
        assert_eq!(err, HandshakeError::MissingHeader("Sec-WebSocket-Key"));
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn rejects_duplicate_key() {
        let buf = request_with(&[&format!("sec-websocket-key: {KEY}")]);
        assert_eq!(
            parse_err(&buf),
            HandshakeError::DuplicateHeader("Sec-WebSocket-Key")
        );
    }

    #[test]
    fn rejects_key_of_wrong_length() {
        // base64 of 15 bytes.
        let buf = request_with(&["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j"]);
        match parse_err(&buf) {
            HandshakeError::InvalidHeader { name, detail } => {
                assert_eq!(name, "Sec-WebSocket-Key");
                assert!(detail.contains("15 bytes"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        // base64 of 17 bytes.
        let buf = request_with(&["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE="]);
        assert!(matches!(
            parse_err(&buf),
            HandshakeError::InvalidHeader {
                name: "Sec-WebSocket-Key",
                ..
            }
        ));
    }

    #[test]
    fn rejects_key_that_is_not_base64() {
        for key in [
            "dGhlIHNhbXBsZSBub25jZQ",
            "dGhlIHNhbXBsZSBub25jZQ=!",
            "not a key at all",
        ] {
            let buf = request_with(&[&format!("Sec-WebSocket-Key: {key}")]);
            assert!(
                matches!(
                    parse_err(&buf),
                    HandshakeError::InvalidHeader {
                        name: "Sec-WebSocket-Key",
                        ..
                    }
                ),
                "{key}"
            );
        }
    }

    #[test]
    fn rejects_non_utf8_key() {
        let mut buf = request_with(&[]);
        let pos = buf.windows(2).position(|w| w == b"==").unwrap();
        buf[pos] = 0xff;
        assert!(matches!(
            parse_err(&buf),
            HandshakeError::InvalidHeader {
                name: "Sec-WebSocket-Key",
                ..
            }
        ));
    }

    #[test]
    fn rejects_wrong_version_with_426() {
        let err = parse_err(&request_with(&["Sec-WebSocket-Version: 8"]));
        assert_eq!(err, HandshakeError::UnsupportedVersion("8".into()));
        assert_eq!(err.status(), 426);
    }

    #[test]
    fn rejects_missing_version_with_426() {
        let err = parse_err(&request_with(&["Sec-WebSocket-Version"]));
        assert_eq!(err, HandshakeError::UnsupportedVersion(String::new()));
        assert_eq!(err.status(), 426);
    }

    #[test]
    fn rejects_duplicate_version() {
        let buf = request_with(&["sec-websocket-version: 13"]);
        assert_eq!(
            parse_err(&buf),
            HandshakeError::DuplicateHeader("Sec-WebSocket-Version")
        );
    }

    #[test]
    fn upgrade_token_list() {
        for ok in [
            "websocket",
            "WebSocket",
            "h2c, websocket",
            " foo ,WEBSOCKET , bar",
        ] {
            let buf = request_with(&[&format!("Upgrade: {ok}")]);
            assert_eq!(parse_ok(&buf).key, KEY, "{ok}");
        }
        for bad in ["websocketx", "h2c", "web socket", ""] {
            let buf = request_with(&[&format!("Upgrade: {bad}")]);
            assert!(
                matches!(
                    parse_err(&buf),
                    HandshakeError::InvalidHeader {
                        name: "Upgrade",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_err(&request_with(&["Upgrade"])),
            HandshakeError::MissingHeader("Upgrade")
        );
    }

    #[test]
    fn connection_token_list() {
        for ok in [
            "Upgrade",
            "upgrade",
            "UPGRADE",
            "keep-alive, Upgrade",
            "keep-alive,upgrade",
            "Upgrade, close",
        ] {
            let buf = request_with(&[&format!("Connection: {ok}")]);
            assert_eq!(parse_ok(&buf).key, KEY, "{ok}");
        }
        for bad in ["keep-alive", "upgraded", "keep-alive upgrade"] {
            let buf = request_with(&[&format!("Connection: {bad}")]);
            assert!(
                matches!(
                    parse_err(&buf),
                    HandshakeError::InvalidHeader {
                        name: "Connection",
                        ..
                    }
                ),
                "{bad}"
            );
        }
        assert_eq!(
            parse_err(&request_with(&["Connection"])),
            HandshakeError::MissingHeader("Connection")
        );
        // The token may come in a second Connection header.
        let buf = request_with(&["Connection: keep-alive", "connection: Upgrade"]);
        assert_eq!(parse_ok(&buf).key, KEY);
    }

    #[test]
    fn rejects_non_utf8_in_interpreted_headers() {
        for name in [
            "Upgrade",
            "Connection",
            "Sec-WebSocket-Protocol",
            "Sec-WebSocket-Extensions",
        ] {
            let mut buf = request_with(&[]);
            let pos = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let line = format!("\r\n{name}: websocket upgrade \u{0}");
            let mut line = line.into_bytes();
            *line.last_mut().unwrap() = 0xfe;
            buf.splice(pos..pos, line);
            match parse_err(&buf) {
                HandshakeError::InvalidHeader { name: got, detail } => {
                    assert_eq!(got, name);
                    assert_eq!(detail, "not valid UTF-8");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_http_is_400() {
        let err = parse_err(b"GET /chat HTTP/1.1\r\nBad Header\r\n\r\n");
        assert!(matches!(err, HandshakeError::MalformedHttp(_)), "{err:?}");
        assert_eq!(err.status(), 400);
        assert!(matches!(
            parse_err(b"\x16\x03\x01\x02\x00\x01\x00"),
            HandshakeError::MalformedHttp(_)
        ));
    }

    // --- parse_request: incremental input and limits -----------------------

    #[test]
    fn byte_by_byte_request_is_incomplete_until_the_last_byte() {
        let buf = RFC_REQUEST.as_bytes();
        for end in 0..buf.len() {
            assert_eq!(parse_request(&buf[..end], LIMIT), Ok(None), "at {end}");
        }
        let (req, n) = parse_request(buf, LIMIT).unwrap().unwrap();
        assert_eq!(n, buf.len());
        assert_eq!(req.key, KEY);
    }

    #[test]
    fn extra_bytes_after_the_head_are_not_consumed() {
        let mut buf = RFC_REQUEST.as_bytes().to_vec();
        buf.extend_from_slice(b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
        let (req, n) = parse_request(&buf, LIMIT).unwrap().unwrap();
        assert_eq!(n, RFC_REQUEST.len());
        assert_eq!(req.target, "/chat");
    }

    #[test]
    fn head_over_the_limit_before_completion_is_431() {
        let buf = RFC_REQUEST.as_bytes();
        let max = 50;
        // Up to the limit, an incomplete head just needs more bytes.
        assert_eq!(parse_request(&buf[..max], max), Ok(None));
        // One byte more without a complete head is too large.
        let err = parse_request(&buf[..max + 1], max).unwrap_err();
        assert_eq!(err, HandshakeError::TooLarge(max));
        assert_eq!(err.status(), 431);
    }

    #[test]
    fn complete_head_over_the_limit_is_431() {
        let buf = RFC_REQUEST.as_bytes();
        let len = buf.len();
        assert_eq!(
            parse_request(buf, len - 1),
            Err(HandshakeError::TooLarge(len - 1))
        );
        assert_eq!(parse_request(buf, len).unwrap().unwrap().1, len);
        // With trailing bytes, the limit is still on the head alone.
        let mut more = buf.to_vec();
        more.extend_from_slice(&[0x81; 100]);
        assert_eq!(parse_request(&more, len).unwrap().unwrap().1, len);
        assert_eq!(
            parse_request(&more, len - 1),
            Err(HandshakeError::TooLarge(len - 1))
        );
    }

    #[test]
    fn one_mebibyte_header_is_too_large() {
        let big = format!("X-Big: {}", "a".repeat(1 << 20));
        let buf = request_with(&[&big]);
        let err = parse_request(&buf, 64 * 1024).unwrap_err();
        assert_eq!(err, HandshakeError::TooLarge(64 * 1024));
        assert_eq!(err.status(), 431);
    }

    #[test]
    fn too_many_headers_is_431_saying_so() {
        let lines: Vec<String> = (0..MAX_HEADERS).map(|i| format!("X-H{i}: v")).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let buf = request_with(&refs);
        let err = parse_request(&buf, 1 << 20).unwrap_err();
        assert_eq!(err, HandshakeError::TooManyHeaders(MAX_HEADERS));
        assert_eq!(err.status(), 431);
        assert_eq!(
            err.to_string(),
            format!("too many header fields: at most {MAX_HEADERS} allowed")
        );
        // Exactly the maximum is fine.
        let buf = request_with(&refs[..MAX_HEADERS - 5]);
        assert_eq!(parse_ok_with(&buf, 1 << 20).headers.len(), MAX_HEADERS);
    }

    #[test]
    fn a_request_announcing_a_body_is_400() {
        let body = |edits: &[&str]| parse_err(&request_with(edits));
        for (edits, detail) in [
            (&["Content-Length: 5"][..], "Content-Length: 5"),
            (
                &["Transfer-Encoding: chunked"][..],
                "Transfer-Encoding: chunked",
            ),
            (
                &["Content-Length: 0", "Transfer-Encoding: chunked"][..],
                "Transfer-Encoding: chunked",
            ),
            (
                &["Content-Length: 0", "Content-Length: 0"][..],
                "2 Content-Length headers",
            ),
            (
                &["Content-Length: 0", "Content-Length: 7"][..],
                "2 Content-Length headers",
            ),
            (&["Content-Length: 0, 0"][..], "Content-Length: 0, 0"),
            (&["Content-Length: -1"][..], "Content-Length: -1"),
        ] {
            let err = body(edits);
            assert_eq!(err, HandshakeError::RequestBody(detail.into()), "{edits:?}");
            assert_eq!(err.status(), 400);
        }
        // A zero length is no body.
        assert_eq!(parse_ok(&request_with(&["Content-Length:  0 "])).key, KEY);
    }

    #[test]
    fn a_head_fed_one_byte_at_a_time_is_parsed_once_complete() {
        let buf = RFC_REQUEST.as_bytes();
        let mut scan = HeadScan::default();
        for end in 1..buf.len() {
            assert_eq!(
                parse_request_scanned(&buf[..end], LIMIT, &mut scan),
                Ok(None),
                "at {end}"
            );
        }
        let (req, n) = parse_request_scanned(buf, LIMIT, &mut scan)
            .unwrap()
            .unwrap();
        assert_eq!((n, req.key.as_str()), (buf.len(), KEY));
        // Not HTTP at all: refused on the first read, not at the timeout.
        let mut scan = HeadScan::default();
        assert!(matches!(
            parse_request_scanned(b"\x16\x03\x01", LIMIT, &mut scan),
            Err(HandshakeError::MalformedHttp(_))
        ));
    }

    fn parse_ok_with(buf: &[u8], max: usize) -> Request {
        parse_request(buf, max).unwrap().unwrap().0
    }

    // --- write_accept -------------------------------------------------------

    #[test]
    fn write_accept_exact_bytes() {
        let req = parse_ok(RFC_REQUEST.as_bytes());
        let accept = Accept {
            subprotocol: Some("chat".into()),
            headers: vec![Header::new("Set-Cookie", "a=b; Path=/")],
        };
        let mut out = b"prefix".to_vec();
        write_accept(&req, &accept, None, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "prefixHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
             Set-Cookie: a=b; Path=/\r\n\r\n"
        );
    }

    #[test]
    fn write_accept_round_trips_through_parse_response() {
        let req = parse_ok(RFC_REQUEST.as_bytes());
        let accept = Accept {
            subprotocol: Some("superchat".into()),
            headers: vec![
                Header::new("X-Server", "wscore"),
                Header::new("Sec-WebSocket-Extensions", "foo, bar; x=1"),
            ],
        };
        let mut out = Vec::new();
        write_accept(&req, &accept, None, &mut out).unwrap();
        let offered = req.subprotocols.clone();
        let (outcome, n) = parse_response(&out, KEY, &offered, LIMIT).unwrap().unwrap();
        assert_eq!(n, out.len());
        let resp = accepted(outcome);
        assert_eq!(resp.status, 101);
        assert_eq!(resp.subprotocol.as_deref(), Some("superchat"));
        assert_eq!(resp.extensions, strings(&["foo", "bar; x=1"]));
        assert_eq!(resp.header("x-server"), Some(&b"wscore"[..]));
        assert_eq!(resp.header("sec-websocket-accept"), Some(ACCEPT.as_bytes()));
    }

    #[test]
    fn write_accept_without_subprotocol() {
        let req = parse_ok(RFC_REQUEST.as_bytes());
        let mut out = Vec::new();
        write_accept(&req, &Accept::default(), None, &mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(!text.contains("Sec-WebSocket-Protocol"), "{text}");
        let resp = accepted(
            parse_response(&out, KEY, &req.subprotocols, LIMIT)
                .unwrap()
                .unwrap()
                .0,
        );
        assert_eq!(resp.subprotocol, None);
    }

    #[test]
    fn write_accept_refuses_unoffered_subprotocol() {
        let req = parse_ok(RFC_REQUEST.as_bytes());
        let mut out = b"keep".to_vec();
        for bad in ["mqtt", "Chat", "chat "] {
            let accept = Accept {
                subprotocol: Some(bad.into()),
                headers: vec![],
            };
            assert_eq!(
                write_accept(&req, &accept, None, &mut out),
                Err(AcceptError::UnofferedSubprotocol(bad.into()))
            );
        }
        assert_eq!(out, b"keep");
    }

    #[test]
    fn write_accept_refuses_header_injection() {
        let req = parse_ok(RFC_REQUEST.as_bytes());
        let mut out = b"keep".to_vec();
        let cases = [
            Header::new("X-A", "ok\r\nSet-Cookie: evil=1"),
            Header::new("X-A", "line\nbreak"),
            Header::new("X-A", "bare\rcr"),
            Header::new("X-A", "nul\0"),
            Header::new("X-A\r\nEvil", "v"),
            Header::new("Bad Name", "v"),
            Header::new("X:Y", "v"),
            Header::new("", "v"),
        ];
        for bad in cases {
            let name = bad.name.clone();
            let accept = Accept {
                subprotocol: None,
                headers: vec![Header::new("X-Fine", "1"), bad],
            };
            assert_eq!(
                write_accept(&req, &accept, None, &mut out),
                Err(AcceptError::InvalidHeader(name))
            );
        }
        assert_eq!(out, b"keep");
        // Tabs and obs-text are legal in values.
        let accept = Accept {
            subprotocol: None,
            headers: vec![Header::new("X-Ok", &b"a\tb\xe9"[..])],
        };
        write_accept(&req, &accept, None, &mut out).unwrap();
        assert!(out.windows(11).any(|w| w == b"X-Ok: a\tb\xe9\r"));
    }

    // --- write_reject / write_error_response --------------------------------

    #[test]
    fn write_reject_exact_bytes() {
        let mut out = Vec::new();
        write_reject(
            403,
            &[Header::new("X-Reason", "banned")],
            b"go away",
            &mut out,
        )
        .unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nConnection: close\r\nX-Reason: banned\r\n\r\ngo away"
        );
    }

    #[test]
    fn write_reject_reason_phrases() {
        for (status, phrase) in [
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (404, "Not Found"),
            (426, "Upgrade Required"),
            (429, "Too Many Requests"),
            (431, "Request Header Fields Too Large"),
            (503, "Service Unavailable"),
            (599, "Server Error"),
            (302, "Found"),
        ] {
            let mut out = Vec::new();
            write_reject(status, &[], b"", &mut out).unwrap();
            let expected = format!(
                "HTTP/1.1 {status} {phrase}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    #[test]
    fn write_reject_refuses_bad_status() {
        let mut out = b"keep".to_vec();
        for status in [0, 99, 101, 600, 1000, u16::MAX] {
            assert_eq!(
                write_reject(status, &[], b"x", &mut out),
                Err(AcceptError::InvalidStatus(status))
            );
        }
        assert_eq!(out, b"keep");
        write_reject(100, &[], b"", &mut out).unwrap();
        write_reject(599, &[], b"", &mut out).unwrap();
    }

    #[test]
    fn write_reject_refuses_header_injection() {
        let mut out = b"keep".to_vec();
        for bad in [
            Header::new("Location", "/x\r\n\r\n<html>"),
            Header::new("X\n", "v"),
        ] {
            let name = bad.name.clone();
            assert_eq!(
                write_reject(400, &[bad], b"body", &mut out),
                Err(AcceptError::InvalidHeader(name))
            );
        }
        assert_eq!(out, b"keep");
    }

    #[test]
    fn write_reject_replaces_the_apps_framing_headers_with_its_own() {
        let mut out = Vec::new();
        let app_headers = [
            Header::new("content-length", "999"),
            Header::new("Transfer-Encoding", "chunked"),
            Header::new("Connection", "keep-alive"),
            Header::new("X-Why", "banned"),
        ];
        write_reject(403, &app_headers, b"go away", &mut out).unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nConnection: close\r\nX-Why: banned\r\n\r\ngo away"
        );
    }

    #[test]
    fn write_error_response_426_advertises_version() {
        let err = HandshakeError::UnsupportedVersion("8".into());
        let mut out = Vec::new();
        write_error_response(&err, &mut out);
        let body = format!("{err}\n");
        let expected = format!(
            "HTTP/1.1 426 Upgrade Required\r\nContent-Length: {}\r\nConnection: close\r\n\
             Content-Type: text/plain; charset=utf-8\r\nSec-WebSocket-Version: 13\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(String::from_utf8(out.clone()).unwrap(), expected);
        let rej = rejected(parse_response(&out, KEY, &[], LIMIT).unwrap().unwrap().0);
        assert_eq!(rej.status, 426);
        assert_eq!(rej.body, body.as_bytes());
    }

    #[test]
    fn write_error_response_statuses() {
        for (err, status) in [
            (HandshakeError::TooLarge(8192), 431),
            (HandshakeError::NotGet("POST".into()), 405),
            (HandshakeError::MissingHeader("Host"), 400),
        ] {
            let mut out = Vec::new();
            write_error_response(&err, &mut out);
            let text = String::from_utf8(out.clone()).unwrap();
            assert!(!text.contains("Sec-WebSocket-Version"), "{text}");
            assert!(
                text.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"),
                "{text}"
            );
            let (outcome, n) = parse_response(&out, KEY, &[], LIMIT).unwrap().unwrap();
            assert_eq!(n, out.len());
            let rej = rejected(outcome);
            assert_eq!(rej.status, status);
            assert_eq!(rej.body, format!("{err}\n").into_bytes());
        }
    }

    // --- write_request ------------------------------------------------------

    fn request_bytes(req: &ClientRequest) -> Result<String, HandshakeError> {
        let mut out = Vec::new();
        write_request(req, KEY, None, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn write_request_exact_bytes() {
        let req = ClientRequest::new("ws://server.example.com/chat")
            .subprotocol("chat")
            .subprotocol("superchat")
            .header("Origin", "http://example.com");
        assert_eq!(
            request_bytes(&req).unwrap(),
            "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: chat, superchat\r\nOrigin: http://example.com\r\n\r\n"
        );
    }

    #[test]
    fn client_request_builder() {
        let req = ClientRequest::new("wss://a/")
            .subprotocol("x")
            .header("H", b"v".to_vec());
        assert_eq!(
            req,
            ClientRequest {
                url: "wss://a/".into(),
                subprotocols: strings(&["x"]),
                headers: vec![Header::new("H", "v")],
            }
        );
    }

    #[test]
    fn write_request_round_trips_through_parse_request() {
        let cases = [
            ("ws://example.com", "example.com", "/"),
            ("ws://example.com:80/a", "example.com", "/a"),
            (
                "WSS://Example.com:443/a/b?x=1&y=2",
                "Example.com",
                "/a/b?x=1&y=2",
            ),
            ("wss://example.com:80/", "example.com:80", "/"),
            ("ws://example.com:443/", "example.com:443", "/"),
            ("ws://example.com:9001?q", "example.com:9001", "/?q"),
            ("ws://[::1]/chat", "[::1]", "/chat"),
            (
                "ws://[2001:db8::7]:8080/p?q=1",
                "[2001:db8::7]:8080",
                "/p?q=1",
            ),
            ("wss://[::ffff:192.0.2.1]:443", "[::ffff:192.0.2.1]", "/"),
            ("ws://127.0.0.1:65535/x", "127.0.0.1:65535", "/x"),
            ("ws://h/a b/\u{e9}?\"q\"", "h", "/a%20b/%C3%A9?%22q%22"),
        ];
        for (url, host, target) in cases {
            let creq = ClientRequest::new(url).header("Authorization", "Bearer t");
            let mut out = Vec::new();
            write_request(&creq, KEY, None, &mut out).unwrap();
            let req = parse_ok(&out);
            assert_eq!(req.header("Host"), Some(host.as_bytes()), "{url}");
            assert_eq!(req.target, target, "{url}");
            assert_eq!(req.key, KEY);
            assert!(req.subprotocols.is_empty());
            assert_eq!(req.header("authorization"), Some(&b"Bearer t"[..]));
        }
    }

    #[test]
    fn write_request_rejects_bad_urls() {
        let cases = [
            ("http://example.com/", "scheme must be ws or wss"),
            ("wss:/example.com/", "scheme must be ws or wss"),
            ("example.com/chat", "scheme must be ws or wss"),
            ("ws://", "empty host"),
            ("ws:///chat", "empty host"),
            ("ws://:80/", "empty host"),
            ("ws://user:pw@example.com/", "userinfo not allowed"),
            ("ws://example.com:99999/", "invalid port"),
            ("ws://example.com:abc/", "invalid port"),
            ("ws://example.com:+80/", "invalid port"),
            ("ws://example.com:/", "invalid port"),
            ("ws://example.com:80:81/", "invalid port"),
            ("ws://example.com/chat#frag", "fragment not allowed"),
            ("ws://example.com#", "fragment not allowed"),
            ("ws://[::1/", "unterminated IPv6 literal"),
            ("ws://[]/", "invalid IPv6 literal"),
            ("ws://[::1]x/", "invalid character after IPv6 literal"),
            ("ws://[::1\r\nX: y]/", "invalid IPv6 literal"),
            ("ws://exa mple.com/", "invalid character in host"),
            (
                "ws://example.com\r\nX-Evil: 1/",
                "invalid character in host",
            ),
            ("ws://b\u{fc}cher.de/", "invalid character in host"),
            (
                "ws://example.com/a\r\nX-Evil: 1",
                "control character in path",
            ),
            ("ws://example.com/?a\tb", "control character in path"),
        ];
        for (url, why) in cases {
            let mut out = b"keep".to_vec();
            let err = write_request(&ClientRequest::new(url), KEY, None, &mut out).unwrap_err();
            assert_eq!(err, HandshakeError::InvalidUrl(url.into(), why), "{url:?}");
            assert_eq!(out, b"keep");
        }
    }

    #[test]
    fn write_request_refuses_header_injection() {
        for bad in [
            Header::new("X-A", "v\r\nHost: evil"),
            Header::new("X-A", "v\n"),
            Header::new("X-A", "\0"),
            Header::new("X A", "v"),
            Header::new("", "v"),
        ] {
            let mut out = b"keep".to_vec();
            let req = ClientRequest {
                url: "ws://h/".into(),
                subprotocols: vec![],
                headers: vec![bad],
            };
            let err = write_request(&req, KEY, None, &mut out).unwrap_err();
            assert!(
                matches!(
                    err,
                    HandshakeError::InvalidHeader {
                        name: "request header",
                        ..
                    }
                ),
                "{err:?}"
            );
            assert_eq!(out, b"keep");
        }
    }

    #[test]
    fn write_request_refuses_bad_subprotocols() {
        for protos in [
            vec!["a,b"],
            vec![""],
            vec!["a b"],
            vec!["x\r\nY: z"],
            vec!["a", "a"],
        ] {
            let mut out = Vec::new();
            let req = ClientRequest {
                url: "ws://h/".into(),
                subprotocols: strings(&protos),
                headers: vec![],
            };
            let err = write_request(&req, KEY, None, &mut out).unwrap_err();
            assert!(
                matches!(
                    err,
                    HandshakeError::InvalidHeader {
                        name: "Sec-WebSocket-Protocol",
                        ..
                    }
                ),
                "{protos:?}"
            );
            assert!(out.is_empty());
        }
    }

    // --- subprotocol negotiation end to end ---------------------------------

    #[test]
    fn subprotocol_negotiation_both_directions() {
        let creq = ClientRequest::new("ws://h/")
            .subprotocol("v2.json")
            .subprotocol("v1.json");
        let mut wire = Vec::new();
        write_request(&creq, KEY, None, &mut wire).unwrap();
        let req = parse_ok(&wire);
        assert_eq!(req.subprotocols, strings(&["v2.json", "v1.json"]));

        // The server picks the second one.
        let mut wire = Vec::new();
        write_accept(
            &req,
            &Accept {
                subprotocol: Some("v1.json".into()),
                headers: vec![],
            },
            None,
            &mut wire,
        )
        .unwrap();
        let resp = accepted(
            parse_response(&wire, KEY, &creq.subprotocols, LIMIT)
                .unwrap()
                .unwrap()
                .0,
        );
        assert_eq!(resp.subprotocol.as_deref(), Some("v1.json"));

        // A client that offered nothing refuses a selection.
        assert_eq!(
            parse_response(&wire, KEY, &[], LIMIT),
            Err(HandshakeError::UnofferedSubprotocol("v1.json".into()))
        );
    }

    // --- parse_response -----------------------------------------------------

    #[test]
    fn parses_rfc_response_byte_by_byte() {
        let mut buf = response_101("Sec-WebSocket-Protocol: chat\r\n");
        let head = buf.len();
        for end in 0..head {
            assert_eq!(
                parse_response(&buf[..end], KEY, &strings(&["chat"]), LIMIT),
                Ok(None),
                "at {end}"
            );
        }
        // Frame bytes right behind the head are not consumed.
        buf.extend_from_slice(b"\x81\x05Hello");
        let (outcome, n) = parse_response(&buf, KEY, &strings(&["superchat", "chat"]), LIMIT)
            .unwrap()
            .unwrap();
        assert_eq!(n, head);
        let resp = accepted(outcome);
        assert_eq!(resp.subprotocol.as_deref(), Some("chat"));
        assert_eq!(resp.headers.len(), 4);
        assert!(resp.extensions.is_empty());
    }

    #[test]
    fn response_missing_or_wrong_accept() {
        let buf = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        assert_eq!(
            parse_response(buf, KEY, &[], LIMIT),
            Err(HandshakeError::MissingHeader("Sec-WebSocket-Accept"))
        );
        let buf = response_101("");
        assert_eq!(
            parse_response(&buf, "AQIDBAUGBwgJCgsMDQ4PEA==", &[], LIMIT),
            Err(HandshakeError::BadAccept)
        );
        let buf = response_101(&format!("Sec-WebSocket-Accept: {ACCEPT}\r\n"));
        assert_eq!(
            parse_response(&buf, KEY, &[], LIMIT),
            Err(HandshakeError::DuplicateHeader("Sec-WebSocket-Accept"))
        );
    }

    #[test]
    fn response_upgrade_and_connection_tokens() {
        let ok = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, UPGRADE\r\n\
                   sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        assert!(matches!(
            parse_response(ok, KEY, &[], LIMIT),
            Ok(Some((ResponseOutcome::Accepted(_), _)))
        ));

        let text = String::from_utf8(response_101("")).unwrap();
        let cases = [
            (
                text.replace("Upgrade: websocket\r\n", ""),
                HandshakeError::MissingHeader("Upgrade"),
            ),
            (
                text.replace("Connection: Upgrade\r\n", ""),
                HandshakeError::MissingHeader("Connection"),
            ),
        ];
        for (buf, err) in cases {
            assert_eq!(parse_response(buf.as_bytes(), KEY, &[], LIMIT), Err(err));
        }
        let buf = text.replace("Upgrade: websocket", "Upgrade: h2c");
        assert!(matches!(
            parse_response(buf.as_bytes(), KEY, &[], LIMIT),
            Err(HandshakeError::InvalidHeader {
                name: "Upgrade",
                ..
            })
        ));
        let buf = text.replace("Connection: Upgrade", "Connection: keep-alive");
        assert!(matches!(
            parse_response(buf.as_bytes(), KEY, &[], LIMIT),
            Err(HandshakeError::InvalidHeader {
                name: "Connection",
                ..
            })
        ));
    }

    #[test]
    fn response_must_be_http_1_1() {
        let buf = String::from_utf8(response_101(""))
            .unwrap()
            .replace("HTTP/1.1", "HTTP/1.0");
        assert_eq!(
            parse_response(buf.as_bytes(), KEY, &[], LIMIT),
            Err(HandshakeError::HttpVersion)
        );
    }

    #[test]
    fn response_with_more_than_one_subprotocol() {
        let offered = strings(&["a", "b"]);
        let two_lines = "Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b\r\n";
        for extra in ["Sec-WebSocket-Protocol: a, b\r\n", two_lines] {
            let buf = response_101(extra);
            assert!(
                matches!(
                    parse_response(&buf, KEY, &offered, LIMIT),
                    Err(HandshakeError::InvalidHeader {
                        name: "Sec-WebSocket-Protocol",
                        ..
                    })
                ),
                "{extra}"
            );
        }
        // Case matters: subprotocol names are compared exactly.
        let buf = response_101("Sec-WebSocket-Protocol: A\r\n");
        assert_eq!(
            parse_response(&buf, KEY, &offered, LIMIT),
            Err(HandshakeError::UnofferedSubprotocol("A".into()))
        );
    }

    #[test]
    fn response_extensions_are_reported_not_judged() {
        let buf =
            response_101("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, x-unknown\r\n");
        let resp = accepted(parse_response(&buf, KEY, &[], LIMIT).unwrap().unwrap().0);
        assert_eq!(
            resp.extensions,
            strings(&[
                "permessage-deflate; server_no_context_takeover",
                "x-unknown"
            ])
        );
    }

    #[test]
    fn rejection_with_body_byte_by_byte() {
        let head = "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nX-Why: banned\r\n\r\n";
        let mut buf = format!("{head}forbidden").into_bytes();
        let total = buf.len();
        for end in 0..total {
            assert_eq!(
                parse_response(&buf[..end], KEY, &[], LIMIT),
                Ok(None),
                "at {end}"
            );
        }
        buf.extend_from_slice(b"trailing garbage");
        let (outcome, n) = parse_response(&buf, KEY, &[], LIMIT).unwrap().unwrap();
        assert_eq!(n, total);
        let rej = rejected(outcome);
        assert_eq!(rej.status, 403);
        assert_eq!(rej.body, b"forbidden");
        assert_eq!(rej.headers[1], Header::new("X-Why", "banned"));
    }

    #[test]
    fn responses_fed_one_byte_at_a_time_cost_linear_work() {
        // A 101 with 8 KiB of headers, and a rejection whose 8 KiB body is blank
        // lines (each would look like a head's end to a naive search).
        let filler: String = (0..50)
            .map(|i| format!("X-Filler-{i:02}: {}\r\n", "a".repeat(150)))
            .collect();
        let accept = response_101(&filler);
        let mut reject =
            format!("HTTP/1.1 403 Forbidden\r\n{filler}Content-Length: 8000\r\n\r\n").into_bytes();
        reject.extend_from_slice(&[b'\n'; 8000]);
        for buf in [accept, reject] {
            let n = buf.len();
            let mut scan = HeadScan::default();
            for end in 1..n {
                let parsed = parse_response_scanned(&buf[..end], KEY, &[], 64 << 10, &mut scan);
                assert_eq!(parsed, Ok(None), "at {end}");
            }
            let (_, used) = parse_response_scanned(&buf, KEY, &[], 64 << 10, &mut scan)
                .unwrap()
                .unwrap();
            assert_eq!(used, n);
            // Parsing the whole buffer on each read would be n(n+1)/2.
            assert!(
                scan.examined <= 4 * n,
                "{} bytes examined for {n}",
                scan.examined
            );
        }
    }

    #[test]
    fn write_reject_round_trips_through_parse_response() {
        let mut out = Vec::new();
        write_reject(
            429,
            &[Header::new("Retry-After", "30")],
            b"slow down\n",
            &mut out,
        )
        .unwrap();
        let (outcome, n) = parse_response(&out, KEY, &[], LIMIT).unwrap().unwrap();
        assert_eq!(n, out.len());
        assert_eq!(
            rejected(outcome),
            Rejection {
                status: 429,
                headers: vec![
                    Header::new("Content-Length", "10"),
                    Header::new("Connection", "close"),
                    Header::new("Retry-After", "30"),
                ],
                body: b"slow down\n".to_vec(),
            }
        );
    }

    #[test]
    fn rejection_without_content_length_has_empty_body() {
        let buf = b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n\r\nbody we do not read";
        let (outcome, n) = parse_response(buf, KEY, &[], LIMIT).unwrap().unwrap();
        assert_eq!(n, 44);
        let rej = rejected(outcome);
        assert_eq!(rej.status, 302);
        assert!(rej.body.is_empty());
        // A 304 never has a body, whatever Content-Length says.
        let buf = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n";
        let (outcome, n) = parse_response(buf, KEY, &[], LIMIT).unwrap().unwrap();
        assert_eq!((rejected(outcome).body.len(), n), (0, buf.len()));
    }

    #[test]
    fn rejection_body_over_the_limit_is_too_large() {
        let buf = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100000\r\n\r\npartial";
        assert_eq!(
            parse_response(buf, KEY, &[], LIMIT),
            Err(HandshakeError::TooLarge(LIMIT))
        );
        let buf = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert_eq!(
            parse_response(buf, KEY, &[], LIMIT),
            Err(HandshakeError::TooLarge(LIMIT))
        );
        // Head plus body exactly at the limit is fine.
        let buf = b"HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nabc";
        let (_, n) = parse_response(buf, KEY, &[], buf.len()).unwrap().unwrap();
        assert_eq!(n, buf.len());
        assert_eq!(
            parse_response(buf, KEY, &[], buf.len() - 1),
            Err(HandshakeError::TooLarge(buf.len() - 1))
        );
    }

    #[test]
    fn rejection_with_bad_content_length() {
        for cl in ["abc", "-1", "1, 2", "", "0x10"] {
            let buf = format!("HTTP/1.1 400 Bad Request\r\nContent-Length: {cl}\r\n\r\n");
            assert!(
                matches!(
                    parse_response(buf.as_bytes(), KEY, &[], LIMIT),
                    Err(HandshakeError::InvalidHeader {
                        name: "Content-Length",
                        ..
                    })
                ),
                "{cl:?}"
            );
        }
        // Repeated but equal values are tolerated.
        let buf =
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(
            rejected(parse_response(buf, KEY, &[], LIMIT).unwrap().unwrap().0).body,
            b"ok"
        );
    }

    #[test]
    fn response_head_over_the_limit() {
        let buf = response_101("");
        let len = buf.len();
        assert_eq!(parse_response(&buf[..len - 1], KEY, &[], len - 1), Ok(None));
        assert_eq!(
            parse_response(&buf, KEY, &[], len - 1),
            Err(HandshakeError::TooLarge(len - 1))
        );
        assert_eq!(parse_response(&buf, KEY, &[], len).unwrap().unwrap().1, len);
        let big = response_101(&format!("X-Big: {}\r\n", "b".repeat(1 << 20)));
        assert_eq!(
            parse_response(&big, KEY, &[], 65536),
            Err(HandshakeError::TooLarge(65536))
        );
    }

    // --- robustness ---------------------------------------------------------

    /// Arbitrary and mutated inputs never panic, and a parsed head never claims
    /// more bytes than the buffer or the limit allow.
    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let samples: Vec<Vec<u8>> = vec![
            RFC_REQUEST.as_bytes().to_vec(),
            response_101("Sec-WebSocket-Protocol: a\r\n"),
        ];
        let alphabet = b"\r\n:, ;\"\\\t\x00\xffGETHTP/1.01abcUpgrade";
        let mut parsed_ok = 0;
        for round in 0..20_000 {
            let mut buf = samples[round % 2].clone();
            for _ in 0..(next() % 4) {
                let pos = (next() as usize) % (buf.len() + 1);
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if pos < buf.len() => buf[pos] = byte,
                    1 if pos < buf.len() => {
                        buf.remove(pos);
                    }
                    _ => buf.insert(pos, byte),
                }
            }
            if round % 10 == 0 {
                buf = (0..next() % 300).map(|_| next() as u8).collect();
            }
            let max = [0, 1, 64, 150, LIMIT][(next() as usize) % 5];
            if let Ok(Some((_, n))) = parse_request(&buf, max) {
                assert!(n <= buf.len() && n <= max);
                parsed_ok += 1;
            }
            if let Ok(Some((_, n))) = parse_response(&buf, KEY, &strings(&["a"]), max) {
                assert!(n <= buf.len() && n <= max);
                parsed_ok += 1;
            }
        }
        // The mutations are mild enough that many inputs still parse.
        assert!(parsed_ok > 1000, "{parsed_ok}");
    }
}
