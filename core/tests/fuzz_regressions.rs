//! Inputs the fuzz targets (fuzz/) stopped on, pinned as plain tests. Both were
//! the harness expecting too much, not core failing; the behaviour they showed
//! is deliberate, and these tests keep it so.

mod common;

use common::*;
use wscore::binding::accept_key;
use wscore::{ClientRequest, CloseCode, Config, Connection, Event, SendError, State};

/// handshake_response: a 101 and, in the same read, a message and a close frame.
/// `Accepted` comes first, but by the time the application polls it the
/// connection has already seen the close: its state is `Closing`, not `Open`.
#[test]
fn response_with_frames_and_a_close_in_the_same_read() {
    let mut client = Connection::client(Config::default(), ClientRequest::new("ws://h/")).unwrap();
    let head = String::from_utf8(client.take_output()).unwrap();
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap();
    let mut input = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key)
    )
    .into_bytes();
    input.extend(server_frame(0x81, b"hello"));
    input.extend(server_frame(0x88, &[0x03, 0xE8, b'b', b'y', b'e']));
    client.receive(&input);
    assert!(matches!(client.poll_event(), Some(Event::Accepted(_))));
    assert_eq!(client.state(), State::Closing);
    assert_eq!(client.poll_event(), Some(Event::Text("hello".into())));
    assert!(
        matches!(client.poll_event(), Some(Event::CloseReceived(f)) if f.code == CloseCode::NORMAL)
    );
}

/// server_connection: a ping over 125 bytes after the connection ended is refused
/// for its length before the state is looked at (as `close` checks its code
/// first); a valid one gets the typed `Closed` outcome.
#[test]
fn over_long_ping_after_close_is_refused_for_its_length() {
    let (_client, mut server) = pair();
    server.receive_eof();
    assert!(matches!(events(&mut server).last(), Some(Event::Closed(_))));
    assert_eq!(
        server.send_ping(&[0; 135]),
        Err(SendError::ControlFrameTooLong(135))
    );
    assert!(matches!(server.send_ping(b"ok"), Err(SendError::Closed(_))));
}
