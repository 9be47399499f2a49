//! `Config::origin_policy` through a server `Connection`: a browser page on
//! another origin (cross-site WebSocket hijacking) or a forged `Host` (DNS
//! rebinding) is answered 403 before the application hears of the request; what
//! the policy allows goes through as before.

mod common;

use wscore::binding::check_origin;
use wscore::{
    ClientRequest, CloseCode, Closed, Config, Connection, Error, Event, HandshakeError, Initiator,
    OriginPolicy, SAME_ORIGIN,
};

/// A server with `policy`, fed the upgrade request a client for `url` writes
/// with `headers` (e.g. `Origin`). Returns the server's wire output and events.
fn serve(policy: OriginPolicy, url: &str, headers: &[(&str, &str)]) -> (String, Vec<Event>) {
    let mut request = ClientRequest::new(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut client = Connection::client(Config::default(), request).unwrap();
    let mut server = Connection::server(Config {
        origin_policy: Some(policy.into()),
        ..Config::default()
    });
    server.receive(&client.take_output());
    let events = common::events(&mut server);
    (
        String::from_utf8_lossy(&server.take_output()).into_owned(),
        events,
    )
}

fn accepted(events: &[Event]) -> bool {
    matches!(events, [Event::Request(_)])
}

/// Refused: a 403 whose body is the error's message, `Connection: close`, and
/// the application sees only `Closed` 1006 with the error.
fn assert_refused(wire: &str, events: &[Event], error: HandshakeError) {
    let body = format!("{error}\n");
    assert_eq!(
        wire,
        format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\nConnection: close\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{body}",
            body.len()
        )
    );
    assert_eq!(
        events,
        [Event::Closed(Closed {
            code: CloseCode::ABNORMAL,
            reason: error.to_string(),
            clean: false,
            initiator: Initiator::ProtocolError,
            error: Some(Error::Handshake(error)),
        })]
    );
}

#[test]
fn default_policy_checks_nothing() {
    assert_eq!(Config::default().origin_policy, None);
    let (_, events) = serve(
        OriginPolicy::default(),
        "ws://evil.example:1/",
        &[("Origin", "https://evil.example")],
    );
    assert!(accepted(&events), "{events:?}");
}

#[test]
fn a_page_on_another_origin_is_refused_with_403() {
    let (wire, events) = serve(
        OriginPolicy::same_origin(),
        "ws://127.0.0.1:8000/ws/lobby",
        &[("Origin", "http://evil.example")],
    );
    assert_refused(
        &wire,
        &events,
        HandshakeError::OriginNotAllowed {
            origin: "http://evil.example".into(),
            allowed: "same-origin (Host \"127.0.0.1:8000\")".into(),
        },
    );
    assert!(wire.contains("origin \"http://evil.example\" is not allowed"));
}

#[test]
fn the_same_origin_and_listed_origins_are_accepted() {
    let url = "ws://127.0.0.1:8000/ws/lobby";
    let same = OriginPolicy::same_origin();
    let (_, events) = serve(same.clone(), url, &[("Origin", "http://127.0.0.1:8000")]);
    assert!(accepted(&events), "{events:?}");
    // Non-browser clients send no Origin: allowed unless required.
    let (_, events) = serve(same.clone(), url, &[]);
    assert!(accepted(&events), "{events:?}");
    let required = OriginPolicy {
        require_origin: true,
        ..same
    };
    let (wire, events) = serve(required, url, &[]);
    assert_refused(&wire, &events, HandshakeError::OriginRequired);

    let listed = OriginPolicy::origins(["https://Chat.Example", SAME_ORIGIN]);
    for origin in ["https://chat.example:443", "http://127.0.0.1:8000"] {
        let (_, events) = serve(listed.clone(), url, &[("Origin", origin)]);
        assert!(accepted(&events), "{origin}: {events:?}");
    }
    for origin in ["null", "http://chat.example", "http://127.0.0.1:8001"] {
        let (wire, _) = serve(listed.clone(), url, &[("Origin", origin)]);
        assert!(wire.starts_with("HTTP/1.1 403 "), "{origin}: {wire}");
    }
}

#[test]
fn null_origin_is_refused_unless_listed() {
    let url = "ws://127.0.0.1:8000/";
    let (wire, _) = serve(OriginPolicy::same_origin(), url, &[("Origin", "null")]);
    assert!(wire.starts_with("HTTP/1.1 403 "), "{wire}");
    let (_, events) = serve(
        OriginPolicy::origins([SAME_ORIGIN, "null"]),
        url,
        &[("Origin", "null")],
    );
    assert!(accepted(&events), "{events:?}");
}

#[test]
fn two_origin_headers_are_not_one_origin() {
    let (wire, events) = serve(
        OriginPolicy::same_origin(),
        "ws://127.0.0.1:8000/",
        &[
            ("Origin", "http://127.0.0.1:8000"),
            ("Origin", "http://evil.example"),
        ],
    );
    assert_refused(
        &wire,
        &events,
        HandshakeError::OriginNotAllowed {
            origin: "http://127.0.0.1:8000, http://evil.example".into(),
            allowed: "same-origin (Host \"127.0.0.1:8000\")".into(),
        },
    );
}

#[test]
fn a_forged_host_is_refused_even_when_origin_matches_it() {
    // DNS rebinding: evil.example now resolves to this server, so the page's
    // Origin and the Host both say evil.example. Same-origin alone passes it.
    let headers = [("Origin", "http://evil.example:8000")];
    let url = "ws://evil.example:8000/ws/lobby";
    let (_, events) = serve(OriginPolicy::same_origin(), url, &headers);
    assert!(accepted(&events), "same-origin alone: {events:?}");
    let policy = OriginPolicy::same_origin().with_allowed_hosts(["127.0.0.1", "localhost"]);
    let (wire, events) = serve(policy.clone(), url, &headers);
    assert_refused(
        &wire,
        &events,
        HandshakeError::HostNotAllowed {
            host: "evil.example:8000".into(),
            allowed: "127.0.0.1, localhost".into(),
        },
    );
    let (_, events) = serve(
        policy,
        "ws://localhost:8000/",
        &[("Origin", "http://localhost:8000")],
    );
    assert!(accepted(&events), "{events:?}");
}

#[test]
fn frames_pipelined_behind_a_refused_request_are_never_read() {
    let mut client = Connection::client(
        Config::default(),
        ClientRequest::new("ws://127.0.0.1:8000/").header("Origin", "http://evil.example"),
    )
    .unwrap();
    let mut bytes = client.take_output();
    bytes.extend_from_slice(&common::client_frame(0x81, b"hello"));
    let mut server = Connection::server(Config {
        origin_policy: Some(OriginPolicy::same_origin().into()),
        ..Config::default()
    });
    server.receive(&bytes);
    let events = common::events(&mut server);
    assert!(
        matches!(events.as_slice(), [Event::Closed(c)] if c.code == CloseCode::ABNORMAL),
        "{events:?}"
    );
    assert!(server.should_close_transport());
}

#[test]
fn check_origin_for_adapters_that_parse_the_request_themselves() {
    let policy = OriginPolicy::same_origin().with_allowed_hosts(["127.0.0.1"]);
    assert_eq!(
        check_origin(
            &policy,
            Some("http://127.0.0.1:8000"),
            Some("127.0.0.1:8000")
        ),
        Ok(())
    );
    assert_eq!(check_origin(&policy, None, Some("127.0.0.1:8000")), Ok(()));
    let err = check_origin(&policy, Some("http://evil.example"), Some("127.0.0.1:8000"));
    assert_eq!(err.map_err(|e| e.status()), Err(403));
    let err = check_origin(&policy, None, Some("evil.example"));
    assert!(
        matches!(err, Err(HandshakeError::HostNotAllowed { .. })),
        "{err:?}"
    );
    assert!(OriginPolicy::origins(["https://a.example/path"])
        .validate()
        .is_err());
}
