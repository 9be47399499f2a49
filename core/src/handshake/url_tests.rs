//! Tests of URL handling, through the request line and `Host` header it yields.

use super::super::client::write_request;
use super::super::test_support::*;
use super::super::ClientRequest;
use super::*;

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
fn endpoint_gives_host_port_and_tls_for_connecting() {
    let cases = [
        ("ws://example.com", false, "example.com", 80),
        ("WSS://Example.com/a", true, "Example.com", 443),
        ("wss://example.com:80/", true, "example.com", 80),
        ("ws://[2001:db8::7]:8080/p", false, "2001:db8::7", 8080),
        ("ws://127.0.0.1:65535/x", false, "127.0.0.1", 65535),
    ];
    for (url, secure, host, port) in cases {
        let e = endpoint(url).unwrap();
        assert_eq!(
            (e.secure, e.host.as_str(), e.port),
            (secure, host, port),
            "{url}"
        );
    }
    for bad in ["http://h/", "ws://u@h/", "ws://h:99999/", "ws:///x"] {
        assert!(endpoint(bad).is_err(), "{bad}");
    }
}
