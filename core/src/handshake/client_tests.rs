//! Tests of the client side: the request it writes and how it reads answers.

use super::super::server::write_reject;
use super::super::test_support::*;
use super::super::Header;
use super::*;

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
    let buf =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
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
    let buf = response_101(
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, x-unknown\r\n",
    );
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
    let buf =
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 99999999999999999999999\r\n\r\n";
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
    let buf = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok";
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
