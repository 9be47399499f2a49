//! The opening handshake as a `Connection` drives it: answers on the wire and
//! the events each side reports.

mod common;

use common::*;
use wscore::{
    Accept, ClientRequest, Config, Connection, Event, HandshakeError, Header, Initiator, SendError,
};

const REQUEST: &str =
    "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

fn head(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn server_declines_extensions_it_does_not_implement() {
    let mut server = Connection::server(Config::default());
    server.receive(
        format!(
            "{REQUEST}Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        )
        .as_bytes(),
    );
    let Some(Event::Request(req)) = server.poll_event() else {
        panic!()
    };
    assert_eq!(
        req.extensions,
        vec!["permessage-deflate; client_max_window_bits".to_string()]
    );
    server.accept(Accept::default()).unwrap();
    let response = head(&server.take_output());
    assert!(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert!(!response
        .to_ascii_lowercase()
        .contains("sec-websocket-extensions"));
}

#[test]
fn bad_requests_get_an_http_error_and_a_closed_event() {
    let cases = [
        (
            REQUEST.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"),
            426,
        ),
        (
            REQUEST.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
            400,
        ),
        (format!("{REQUEST}X-Big: {}\r\n", "a".repeat(20_000)), 431),
    ];
    for (request, status) in cases {
        let mut server = Connection::server(Config::default());
        server.receive(format!("{request}\r\n").as_bytes());
        let response = head(&server.take_output());
        assert!(
            response.starts_with(&format!("HTTP/1.1 {status} ")),
            "{response}"
        );
        if status == 426 {
            assert!(response.contains("Sec-WebSocket-Version: 13\r\n"));
        }
        assert!(server.should_close_transport());
        let ev = events(&mut server);
        assert!(
            matches!(&ev[..], [Event::Closed(c)] if !c.clean && matches!(c.error, Some(wscore::Error::Handshake(_))))
        );
    }
}

#[test]
fn rejected_client_sees_status_headers_and_body() {
    let mut client = Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
    let mut server = Connection::server(Config::default());
    server.receive(&client.take_output());
    assert!(matches!(server.poll_event(), Some(Event::Request(_))));
    server
        .reject(403, &[Header::new("X-Why", "banned")], b"go away")
        .unwrap();
    assert!(server.should_close_transport());
    assert!(
        matches!(events(&mut server)[..], [Event::Closed(ref c)] if c.initiator == Initiator::Local)
    );
    client.receive(&server.take_output());
    let ev = events(&mut client);
    match &ev[0] {
        Event::Rejected(r) => {
            assert_eq!((r.status, r.body.as_slice()), (403, &b"go away"[..]));
            assert!(r
                .headers
                .iter()
                .any(|h| h.name == "X-Why" && h.value == b"banned"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&ev[1], Event::Closed(c) if c.error == Some(HandshakeError::NotSwitching(403).into()))
    );
    assert!(matches!(client.send_text("x"), Err(SendError::Closed(_))));
}

/// A 1xx answer other than 101 (e.g. `100 Continue`) is a rejection with that
/// status and no body (RFC 9112 §6.3), not a malformed response.
#[test]
fn an_informational_answer_is_a_rejection_without_body() {
    for status in [100u16, 102, 103] {
        let mut client =
            Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
        let _ = client.take_output();
        // Bytes after the head are not a body of a 1xx answer.
        client.receive(format!("HTTP/1.1 {status} Continue\r\nX-A: b\r\n\r\ntrailing").as_bytes());
        let ev = events(&mut client);
        match &ev[0] {
            Event::Rejected(r) => {
                assert_eq!(r.status, status);
                assert!(r.body.is_empty(), "{status}: {:?}", r.body);
                assert!(r.headers.iter().any(|h| h.name == "X-A" && h.value == b"b"));
            }
            other => panic!("{status}: {other:?}"),
        }
        assert!(
            matches!(&ev[1], Event::Closed(c) if c.error == Some(HandshakeError::NotSwitching(status).into()))
        );
    }
}

#[test]
fn subprotocol_is_negotiated_and_checked() {
    let request = ClientRequest::new("ws://h/")
        .subprotocol("chat.v2")
        .subprotocol("chat.v1");
    let mut client = Connection::client(Config::default(), request).unwrap();
    let mut server = Connection::server(Config::default());
    server.receive(&client.take_output());
    let Some(Event::Request(req)) = server.poll_event() else {
        panic!()
    };
    assert_eq!(req.subprotocols, vec!["chat.v2", "chat.v1"]);
    let refused = server.accept(Accept {
        subprotocol: Some("mqtt".into()),
        ..Accept::default()
    });
    assert_eq!(
        refused,
        Err(wscore::AcceptError::UnofferedSubprotocol("mqtt".into()))
    );
    server
        .accept(Accept {
            subprotocol: Some("chat.v1".into()),
            ..Accept::default()
        })
        .unwrap();
    client.receive(&server.take_output());
    assert!(
        matches!(client.poll_event(), Some(Event::Accepted(r)) if r.subprotocol.as_deref() == Some("chat.v1"))
    );
    assert_eq!(
        (client.subprotocol(), server.subprotocol()),
        (Some("chat.v1"), Some("chat.v1"))
    );
}

#[test]
fn client_refuses_an_extension_it_did_not_offer() {
    let mut client = Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
    let request = head(&client.take_output());
    let key = request
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap()
        .to_string();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
        wscore::binding::accept_key(&key)
    );
    client.receive(response.as_bytes());
    let ev = events(&mut client);
    assert!(matches!(&ev[..], [Event::Closed(c)]
        if c.error == Some(HandshakeError::UnofferedExtension("permessage-deflate".into()).into())));
}

#[test]
fn frames_pipelined_behind_the_request_are_kept() {
    let mut server = Connection::server(Config::default());
    let mut bytes = format!("{REQUEST}\r\n").into_bytes();
    bytes.extend(client_frame(0x81, b"early"));
    server.receive(&bytes);
    assert!(matches!(server.poll_event(), Some(Event::Request(_))));
    assert_eq!(server.poll_event(), None);
    server.accept(Accept::default()).unwrap();
    assert_eq!(server.poll_event(), Some(Event::Text("early".into())));
}

#[test]
fn bad_client_url_is_a_clear_error() {
    let err = Connection::client(Config::default(), ClientRequest::new("http://h/")).unwrap_err();
    assert!(matches!(err, HandshakeError::InvalidUrl(_, _)));
    assert!(err.to_string().contains("ws or wss"), "{err}");
}

#[test]
fn frames_in_the_same_read_as_the_101_are_kept() {
    let mut client = Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
    let mut server = Connection::server(Config::default());
    server.receive(&client.take_output());
    assert!(matches!(server.poll_event(), Some(Event::Request(_))));
    server.accept(Accept::default()).unwrap();
    server.send_text("welcome").unwrap();
    client.receive(&server.take_output()); // 101 and the first frame together
    assert!(matches!(client.poll_event(), Some(Event::Accepted(_))));
    assert_eq!(client.poll_event(), Some(Event::Text("welcome".into())));
}
