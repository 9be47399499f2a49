//! Tests of the server side: request parsing and every rule it enforces, and
//! the bytes of each answer.

use super::super::client::parse_response;
use super::super::test_support::*;
use super::*;

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
        let expected =
            format!("HTTP/1.1 {status} {phrase}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
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
