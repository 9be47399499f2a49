//! Fixtures the handshake tests share: the RFC's key and request, a request
//! builder, and shorthands for the outcomes.

use super::server::parse_request;
use super::{Rejection, Request, Response, ResponseOutcome};
use crate::error::HandshakeError;

pub(super) const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// From RFC 6455 §1.3.
pub(super) const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
pub(super) const LIMIT: usize = 8192;

/// The request from RFC 6455 §1.2.
pub(super) const RFC_REQUEST: &str = "GET /chat HTTP/1.1\r\n\
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
pub(super) fn request_with(edits: &[&str]) -> Vec<u8> {
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

pub(super) fn parse_ok(buf: &[u8]) -> Request {
    match parse_request(buf, LIMIT) {
        Ok(Some((req, n))) => {
            assert_eq!(n, buf.len());
            req
        }
        other => panic!("expected a request, got {other:?}"),
    }
}

pub(super) fn parse_err(buf: &[u8]) -> HandshakeError {
    match parse_request(buf, LIMIT) {
        Err(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

pub(super) fn accepted(outcome: ResponseOutcome) -> Response {
    match outcome {
        ResponseOutcome::Accepted(r) => r,
        other => panic!("expected Accepted, got {other:?}"),
    }
}

pub(super) fn rejected(outcome: ResponseOutcome) -> Rejection {
    match outcome {
        ResponseOutcome::Rejected(r) => r,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

pub(super) fn response_101(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {ACCEPT}\r\n{extra}\r\n"
    )
    .into_bytes()
}

pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
