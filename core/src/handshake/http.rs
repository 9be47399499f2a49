//! HTTP/1.1 rules both roles share: reading a head with httparse, header lookup,
//! comma-separated lists, the one HTTP token rule, and the field values we write.

use super::Header;
use crate::error::HandshakeError;

/// The most headers a request or response head may carry; more is `TooManyHeaders`.
pub(super) const MAX_HEADERS: usize = 128;

/// The part of `buf` a head must fit in.
pub(super) fn window(buf: &[u8], max_size: usize) -> &[u8] {
    buf.get(..max_size).unwrap_or(buf)
}

/// Turns httparse's verdict on `window(buf, max_size)` into the head length,
/// `None` for "need more bytes", or the size/syntax error.
pub(super) fn head_status(
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

pub(super) fn to_headers(raw: &[httparse::Header<'_>]) -> Vec<Header> {
    raw.iter().map(|h| Header::new(h.name, h.value)).collect()
}

pub(super) fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

pub(super) fn header_values<'a>(
    headers: &'a [Header],
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

pub(super) fn count_headers(headers: &[Header], name: &str) -> usize {
    header_values(headers, name).count()
}

/// The value of a header that may appear at most once.
pub(super) fn single_header<'a>(
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

pub(super) fn invalid(name: &'static str, detail: String) -> HandshakeError {
    HandshakeError::InvalidHeader { name, detail }
}

pub(super) fn utf8_value<'a>(
    name: &'static str,
    value: &'a [u8],
) -> Result<&'a str, HandshakeError> {
    std::str::from_utf8(value).map_err(|_| invalid(name, "not valid UTF-8".to_string()))
}

pub(super) fn all_utf8_values<'a>(
    headers: &'a [Header],
    name: &'static str,
) -> Result<Vec<&'a str>, HandshakeError> {
    header_values(headers, name)
        .map(|v| utf8_value(name, v))
        .collect()
}

/// Trims optional whitespace (SP, HTAB) from both ends.
pub(super) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Requires that the comma-separated token lists of every `name` header contain
/// `token` (case-insensitively).
pub(super) fn require_token(
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
pub(super) fn split_top_level(value: &str) -> Vec<String> {
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

/// HTTP `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// An HTTP token (RFC 9110 §5.6.2): one or more `tchar`s. Header names,
/// subprotocols and extension names and parameters all follow it.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// A field value we are willing to write: no CR, LF, NUL or other control
/// characters except HTAB.
pub(super) fn is_valid_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// The first header with an invalid name or value, if any.
pub(super) fn check_headers(headers: &[Header]) -> Result<(), &Header> {
    match headers
        .iter()
        .find(|h| !is_token(&h.name) || !is_valid_value(&h.value))
    {
        Some(bad) => Err(bad),
        None => Ok(()),
    }
}

pub(super) fn push_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}
