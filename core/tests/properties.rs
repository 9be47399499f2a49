//! Properties over random input: splits do not matter, what is sent is what
//! arrives, and no byte sequence or call order makes a connection panic.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use wscore::{Accept, BytesMut, CloseCode, Config, Connection, Event};

#[derive(Debug, Clone)]
enum Msg {
    Text(String, usize),
    Binary(Vec<u8>, usize),
    Ping(Vec<u8>),
}

/// A message and how many fragments to send it in.
fn msg() -> impl Strategy<Value = Msg> {
    prop_oneof![
        (".{0,300}", 1usize..5).prop_map(|(s, f)| Msg::Text(s, f)),
        (prop::collection::vec(any::<u8>(), 0..70_000), 1usize..5)
            .prop_map(|(b, f)| Msg::Binary(b, f)),
        prop::collection::vec(any::<u8>(), 0..=125).prop_map(Msg::Ping),
    ]
}

/// Sends `m` from `conn`, in fragments cut at character boundaries.
fn send(conn: &mut Connection, m: &Msg) {
    match m {
        Msg::Text(s, frags) => {
            let cuts: Vec<usize> = (1..*frags)
                .map(|i| s.len() * i / frags)
                .map(|c| floor_char(s, c))
                .collect();
            let mut start = 0;
            for c in cuts {
                conn.send_text_fragment(&s[start..c], false).unwrap();
                start = c;
            }
            conn.send_text_fragment(&s[start..], true).unwrap();
        }
        Msg::Binary(b, frags) => {
            let chunk = b.len() / frags + 1;
            let mut parts = b.chunks(chunk).peekable();
            if parts.peek().is_none() {
                conn.send_binary(&b[..]).unwrap();
            }
            while let Some(p) = parts.next() {
                conn.send_binary_fragment(p, parts.peek().is_none())
                    .unwrap();
            }
        }
        Msg::Ping(p) => conn.send_ping(p).unwrap(),
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn expected_event(m: &Msg) -> Event {
    match m {
        Msg::Text(s, _) => Event::Text(s.clone().into()),
        Msg::Binary(b, _) => Event::Binary(b.clone().into()),
        Msg::Ping(p) => Event::Ping(p.clone()),
    }
}

/// Feeds `bytes` to a fresh server in the given chunk sizes (through
/// `receive_buf` and one `BytesMut` read buffer if `via_buf`), accepting the
/// request when it appears; returns every event and every output byte.
fn run_server(bytes: &[u8], chunks: &[usize], via_buf: bool) -> (Vec<Event>, Vec<u8>) {
    let mut server = Connection::server(Config::default());
    server.handle_timeout(Duration::ZERO);
    let (mut all_events, mut out) = (Vec::new(), Vec::new());
    let mut rest = bytes;
    let mut sizes = chunks.iter().cycle();
    let mut read_buf = BytesMut::new();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        if via_buf {
            read_buf.extend_from_slice(&rest[..n]);
            server.receive_buf(&mut read_buf);
        } else {
            server.receive(&rest[..n]);
        }
        rest = &rest[n..];
        while let Some(ev) = server.poll_event() {
            if matches!(ev, Event::Request(_)) {
                server.accept(Accept::default()).unwrap();
            }
            all_events.push(ev);
        }
        out.extend(server.take_output());
    }
    (all_events, out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_split_gives_the_same_events(msgs in prop::collection::vec(msg(), 0..8),
                                       chunks in prop::collection::vec(1usize..3000, 1..20),
                                       close in any::<bool>()) {
        let mut client = Connection::client(Config::default(), wscore::ClientRequest::new("ws://h/")).unwrap();
        let mut bytes = client.take_output();
        // Pretend the server accepted so the client frames its messages.
        let mut server = Connection::server(Config::default());
        server.receive(&bytes);
        let _ = server.poll_event();
        server.accept(Accept::default()).unwrap();
        client.receive(&server.take_output());
        let _ = client.poll_event();
        for m in &msgs {
            send(&mut client, m);
        }
        if close {
            client.close(CloseCode::NORMAL, "done").unwrap();
        }
        bytes.extend(client.take_output());

        let (whole_events, whole_out) = run_server(&bytes, &[bytes.len()], false);
        let (split_events, split_out) = run_server(&bytes, &chunks, false);
        prop_assert_eq!(&whole_events, &split_events);
        prop_assert_eq!(&whole_out, &split_out);
        // Reading into one `BytesMut` changes nothing either, whole or split.
        for chunks in [&[bytes.len()][..], &chunks] {
            let (buf_events, buf_out) = run_server(&bytes, chunks, true);
            prop_assert_eq!(&whole_events, &buf_events);
            prop_assert_eq!(&whole_out, &buf_out);
        }
        // And the events are the messages, in order.
        let data: Vec<Event> = whole_events.into_iter()
            .filter(|e| matches!(e, Event::Text(_) | Event::Binary(_) | Event::Ping(_)))
            .collect();
        let expected: Vec<Event> = msgs.iter().map(expected_event).collect();
        prop_assert_eq!(data, expected);
    }

    #[test]
    fn server_to_client_round_trip(msgs in prop::collection::vec(msg(), 0..8)) {
        let (mut client, mut server) = pair();
        for m in &msgs {
            send(&mut server, m);
        }
        pump(&mut server, &mut client);
        let got: Vec<Event> = events(&mut client).into_iter()
            .filter(|e| !matches!(e, Event::Pong(_)))
            .collect();
        let expected: Vec<Event> = msgs.iter().map(expected_event).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn random_bytes_and_calls_never_panic(
        prefix_valid in any::<bool>(),
        input in prop::collection::vec(any::<u8>(), 0..4000),
        chunks in prop::collection::vec(1usize..500, 1..10),
        calls in prop::collection::vec(0u8..7, 0..20),
        server_role in any::<bool>(),
        via_buf in any::<bool>(),
    ) {
        let config = Config { max_message_size: 2048, max_frame_size: 1024, max_handshake_size: 1024, ..Config::default() };
        let mut conn = if server_role {
            Connection::server(config)
        } else {
            Connection::client(config, wscore::ClientRequest::new("ws://h/")).unwrap()
        };
        let mut bytes = Vec::new();
        if prefix_valid && server_role {
            bytes.extend_from_slice(b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        }
        bytes.extend_from_slice(&input);
        let mut rest = &bytes[..];
        let mut now = Duration::ZERO;
        let mut seen = Vec::new();
        let mut read_buf = BytesMut::new();
        for (i, &n) in chunks.iter().cycle().enumerate().take(200) {
            if rest.is_empty() { break; }
            let n = n.min(rest.len());
            if via_buf {
                read_buf.extend_from_slice(&rest[..n]);
                conn.receive_buf(&mut read_buf);
            } else {
                conn.receive(&rest[..n]);
            }
            rest = &rest[n..];
            match calls.get(i).copied().unwrap_or(255) {
                0 => { let _ = conn.send_text("hi"); }
                1 => { let _ = conn.send_binary(&[1u8, 2, 3][..]); }
                2 => { let _ = conn.close(CloseCode(1000 + (i as u16 % 20)), "x"); }
                3 => { let _ = conn.send_ping(b"p"); }
                4 => { now += Duration::from_secs(3); conn.handle_timeout(now); }
                5 => { let _ = conn.accept(Accept::default()); }
                6 => { let _ = conn.take_output(); }
                _ => {}
            }
            seen.extend(std::iter::from_fn(|| conn.poll_event()));
        }
        conn.receive_eof();
        conn.handle_timeout(now + Duration::from_secs(60));
        seen.extend(std::iter::from_fn(|| conn.poll_event()));
        let closed: Vec<usize> = seen.iter().enumerate()
            .filter(|(_, e)| matches!(e, Event::Closed(_))).map(|(i, _)| i).collect();
        prop_assert_eq!(closed.len(), 1, "exactly one Closed: {:?}", seen);
        prop_assert_eq!(closed[0], seen.len() - 1, "Closed is last");
        prop_assert!(conn.should_close_transport());
    }
}
