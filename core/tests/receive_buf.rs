//! `receive_buf`: whole messages are handed out from the caller's read buffer
//! without a copy; everything else behaves exactly as `receive`.

mod common;

use std::ops::Range;

use common::*;
use wscore::{BytesMut, CloseCode, Config, Connection, Event, SHARE_FROM};

fn span(b: &[u8]) -> Range<usize> {
    b.as_ptr() as usize..b.as_ptr() as usize + b.len()
}

/// Whether `inner` lies inside the memory `outer` spanned.
fn inside(inner: &[u8], outer: &Range<usize>) -> bool {
    let i = span(inner);
    outer.start <= i.start && i.end <= outer.end
}

fn data_events(conn: &mut Connection) -> Vec<Event> {
    events(conn)
        .into_iter()
        .filter(|e| matches!(e, Event::Text(_) | Event::Binary(_)))
        .collect()
}

#[test]
fn whole_messages_share_the_read_buffer_and_short_ones_are_copied() {
    let big = vec![0xA5u8; 4096];
    let text = "é".repeat(SHARE_FROM); // 2 bytes a character
    let small = vec![7u8; SHARE_FROM - 1];
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&client_frame(0x82, &big));
    buf.extend_from_slice(&client_frame(0x81, text.as_bytes()));
    buf.extend_from_slice(&client_frame(0x82, &small));
    let read = span(&buf);

    let (_, mut server) = pair();
    server.receive_buf(&mut buf);
    assert!(buf.is_empty(), "whole frames are taken: {} left", buf.len());
    let got = data_events(&mut server);
    assert_eq!(
        got,
        vec![
            Event::Binary(big.into()),
            Event::Text(text.into()),
            Event::Binary(small.into()),
        ]
    );
    match &got[..] {
        [Event::Binary(b), Event::Text(t), Event::Binary(s)] => {
            assert!(
                inside(b, &read),
                "a binary message over the limit is shared"
            );
            assert!(inside(t.as_bytes(), &read), "so is a text message");
            assert!(!inside(s, &read), "a short message is copied out");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_frame_that_arrives_in_pieces_is_copied_out_and_the_buffer_left_empty() {
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let wire = client_frame(0x82, &payload);
    let (_, mut server) = pair();
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for piece in [&wire[..3], &wire[3..5000], &wire[5000..]] {
        buf.extend_from_slice(piece);
        server.receive_buf(&mut buf);
        assert!(buf.is_empty(), "all of it is taken");
        got.extend(data_events(&mut server));
    }
    assert_eq!(got, vec![Event::Binary(payload.into())]);
}

#[test]
fn invalid_utf8_fails_before_a_long_text_frame_ends() {
    let mut text = vec![b'a'; 20_000];
    text[10] = 0xFF;
    let wire = client_frame(0x81, &text);
    let (_, mut server) = pair();
    let mut buf = BytesMut::from(&wire[..100]);
    server.receive_buf(&mut buf);
    let closed = events(&mut server).into_iter().find_map(|e| match e {
        Event::Closed(c) => Some(c),
        _ => None,
    });
    assert_eq!(closed.map(|c| c.code), Some(CloseCode::INVALID_PAYLOAD));
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(
        frames.last().map(|f| (f.0, f.1[..2].to_vec())),
        Some((0x88, vec![0x03, 0xEF]))
    );
}

/// Bad input gets the same events and the same bytes on the wire either way.
#[test]
fn errors_are_those_of_receive() {
    let oversized = Config {
        max_frame_size: 2000,
        ..Config::default()
    };
    let mut bad_text = client_frame(0x81, &[b'x'; 3000]);
    let n = bad_text.len();
    bad_text[n - 1] ^= 0x80; // a lone continuation byte at the very end
    let cases: Vec<(&str, Config, Vec<u8>)> = vec![
        (
            "unmasked",
            Config::default(),
            server_frame(0x82, &[1; 2000]),
        ),
        (
            "reserved bit",
            Config::default(),
            client_frame(0xC2, &[1; 2000]),
        ),
        (
            "over the frame limit",
            oversized,
            client_frame(0x82, &[1; 2001]),
        ),
        ("invalid UTF-8 at the end", Config::default(), bad_text),
        (
            "continuation first",
            Config::default(),
            client_frame(0x80, &[1; 2000]),
        ),
    ];
    for (name, config, wire) in cases {
        let run = |via_buf: bool| {
            let (_, mut server) = open_pair(Config::default(), config.clone());
            let mut wire = wire.clone();
            wire.extend(client_frame(0x82, b"after the error"));
            if via_buf {
                server.receive_buf(&mut BytesMut::from(&wire[..]));
            } else {
                server.receive(&wire);
            }
            (events(&mut server), server.take_output())
        };
        let (with_slice, with_buf) = (run(false), run(true));
        assert!(
            matches!(with_slice.0.last(), Some(Event::Closed(c)) if c.error.is_some()),
            "{name}: {:?}",
            with_slice.0
        );
        assert_eq!(with_slice, with_buf, "{name}");
    }
}

#[test]
fn the_handshake_and_frames_behind_it_can_come_through_the_buffer() {
    let mut client =
        Connection::client(Config::default(), wscore::ClientRequest::new("ws://h/")).unwrap();
    let mut server = Connection::server(Config::default());
    let mut buf = BytesMut::from(&client.take_output()[..]);
    server.receive_buf(&mut buf);
    assert!(buf.is_empty());
    assert!(matches!(server.poll_event(), Some(Event::Request(_))));
    server.accept(wscore::Accept::default()).unwrap();
    client.receive(&server.take_output());
    let _ = client.poll_event();
    let big = vec![3u8; 5000];
    client.send_binary(&big[..]).unwrap();
    client.close(CloseCode::NORMAL, "bye").unwrap();
    buf.extend_from_slice(&client.take_output());
    server.receive_buf(&mut buf);
    let got = events(&mut server);
    assert_eq!(got[0], Event::Binary(big.into()));
    assert!(matches!(&got[1], Event::CloseReceived(f) if f.code == CloseCode::NORMAL));
    assert!(matches!(got.last(), Some(Event::Closed(c)) if c.clean));
}

#[test]
fn a_client_takes_the_servers_unmasked_frames_without_a_copy() {
    let (mut client, mut server) = pair();
    let big = vec![9u8; 3000];
    server.send_binary(&big[..]).unwrap();
    let mut buf = BytesMut::from(&server.take_output()[..]);
    let read = span(&buf);
    client.receive_buf(&mut buf);
    let got = data_events(&mut client);
    assert_eq!(got, vec![Event::Binary(big.into())]);
    let Event::Binary(b) = &got[0] else {
        unreachable!()
    };
    assert!(inside(b, &read));
}

/// The buffer's memory comes back for the next read once the messages are dropped.
#[test]
fn a_read_buffer_is_reused_once_its_messages_are_dropped() {
    let (_, mut server) = pair();
    let wire = client_frame(0x82, &[1u8; 8000]);
    let mut buf = BytesMut::with_capacity(16 << 10);
    let first = buf.as_ptr() as usize;
    for _ in 0..3 {
        buf.reserve(16 << 10);
        assert_eq!(buf.as_ptr() as usize, first, "same allocation");
        buf.extend_from_slice(&wire);
        server.receive_buf(&mut buf);
        assert_eq!(data_events(&mut server).len(), 1);
    }
}

#[test]
fn short_messages_kept_while_later_ones_arrive_keep_their_bytes() {
    // Many reads of short messages of every length below SHARE_FROM, more
    // than one small-message buffer each; every third event is kept to the end
    // (its buffer cannot be reused under it), the others are dropped at once.
    let (_, mut server) = pair();
    let mut buf = BytesMut::new();
    let (mut kept, mut seen) = (Vec::new(), 0usize);
    for round in 0..12usize {
        let mut sent = Vec::new();
        for i in 0..150usize {
            let len = (round * 150 + i) * 37 % SHARE_FROM;
            let payload: Vec<u8> = (0..len).map(|j| (j ^ i ^ round) as u8).collect();
            buf.extend_from_slice(&client_frame(0x82, &payload));
            sent.push(payload);
        }
        server.receive_buf(&mut buf);
        let got = data_events(&mut server);
        assert_eq!(got.len(), sent.len());
        for (event, payload) in got.into_iter().zip(sent) {
            assert_eq!(event, Event::Binary(payload.clone().into()));
            if seen % 3 == 0 {
                kept.push((event, payload));
            }
            seen += 1;
        }
    }
    for (event, payload) in kept {
        assert_eq!(
            event,
            Event::Binary(payload.into()),
            "a kept message changed"
        );
    }
}
