//! `send_binary_held`: a payload the caller keeps (a JS `Uint8Array`, a Python
//! `bytes`) is never copied into core, appears in the output as a placeholder in
//! the right place, and is copied in instead wherever core must transform it.

mod common;

use std::io;

use common::{events, pair};
use wscore::binding::{HeldPayload, OutputSegment};
use wscore::{Config, Connection, Event, SendError, Text};

/// Writes `conn`'s whole output, putting `held` payloads (oldest first) where
/// the output shows them, as an adapter does.
fn drain(conn: &mut Connection, held: &[&[u8]]) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut held = held.iter();
    for segment in conn.output_segments() {
        match segment {
            OutputSegment::Bytes(b) => wire.extend_from_slice(b),
            OutputSegment::Held(n) => {
                let payload = held.next().expect("more held segments than payloads");
                assert_eq!(n, payload.len());
                wire.extend_from_slice(payload);
            }
        }
    }
    assert!(held.next().is_none(), "a held payload never showed up");
    let total = conn.buffered_amount();
    assert_eq!(total, wire.len(), "buffered_amount counts held bytes");
    conn.advance_output(total);
    wire
}

fn no_fill(_: &mut [u8]) {
    panic!("fill must not be called when the payload is kept");
}

#[test]
fn a_server_keeps_the_payload_and_the_frame_arrives_whole() {
    let (mut client, mut server) = pair();
    assert_eq!(
        server.send_binary_held(0, |b| assert!(b.is_empty())),
        Ok(HeldPayload::Copied)
    );
    client.receive(&server.take_output());
    assert_eq!(events(&mut client), vec![Event::Binary(Vec::new().into())]);
    // Up to 1 KiB a payload is copied next to its header (as a shared one is),
    // straight into the output.
    for len in [1, 125, 126, 1024] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let got = server.send_binary_held(len, |buf| buf.copy_from_slice(&payload));
        assert_eq!(got, Ok(HeldPayload::Copied), "{len} bytes");
        client.receive(&server.take_output());
        assert_eq!(events(&mut client), vec![Event::Binary(payload.into())]);
    }
    for len in [1025, 65_535, 65_536, 200_000] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let kept = server.send_binary_held(len, no_fill).unwrap();
        assert_eq!(kept, HeldPayload::Kept);
        let segments: Vec<_> = server.output_segments().collect();
        assert!(
            matches!(segments.as_slice(), [OutputSegment::Bytes(_), OutputSegment::Held(n)] if *n == len)
        );
        let wire = drain(&mut server, &[&payload]);
        client.receive(&wire);
        assert_eq!(events(&mut client), vec![Event::Binary(payload.into())]);
    }
}

#[test]
fn held_payloads_keep_their_place_between_other_frames() {
    let (mut client, mut server) = pair();
    let big = vec![b'b'; 3000];
    let small = vec![b's'; 2000];
    server.send_text("before").unwrap();
    assert_eq!(
        server.send_binary_held(small.len(), no_fill),
        Ok(HeldPayload::Kept)
    );
    server.send_ping(b"p").unwrap();
    assert_eq!(
        server.send_binary_held(big.len(), no_fill),
        Ok(HeldPayload::Kept)
    );
    server.send_text("after").unwrap();
    let kinds: Vec<bool> = server
        .output_segments()
        .map(|s| matches!(s, OutputSegment::Held(_)))
        .collect();
    assert_eq!(kinds, [false, true, false, true, false]);
    let wire = drain(&mut server, &[&small, &big]);
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![
            Event::Text("before".into()),
            Event::Binary(small.into()),
            Event::Ping(b"p".to_vec()),
            Event::Binary(big.into()),
            Event::Text("after".into()),
        ]
    );
}

#[test]
fn a_client_masks_so_it_copies_the_payload_in() {
    let (mut client, mut server) = pair();
    let got = client.send_binary_held(4, |buf| buf.copy_from_slice(b"data"));
    assert_eq!(got, Ok(HeldPayload::Copied));
    assert!(client
        .output_segments()
        .all(|s| matches!(s, OutputSegment::Bytes(_))));
    server.receive(&client.take_output());
    assert_eq!(
        events(&mut server),
        vec![Event::Binary(b"data".to_vec().into())]
    );
}

// Needs permessage-deflate, which `--no-default-features` leaves out.
#[cfg(feature = "deflate")]
#[test]
fn a_compressed_message_is_copied_in_and_a_small_one_below_min_size_is_kept() {
    let deflate = wscore::DeflateConfig {
        min_size: 4096,
        ..wscore::DeflateConfig::default()
    };
    let config = Config {
        deflate: Some(deflate),
        ..Config::default()
    };
    let (mut client, mut server) = common::open_pair(config.clone(), config);
    assert!(server.deflate().is_some(), "deflate negotiated");
    let long = vec![b'z'; 5000];
    let got = server.send_binary_held(long.len(), |buf| buf.copy_from_slice(&long));
    assert_eq!(got, Ok(HeldPayload::Copied));
    let under = vec![b'u'; 2000];
    assert_eq!(
        server.send_binary_held(under.len(), no_fill),
        Ok(HeldPayload::Kept)
    );
    let wire = drain(&mut server, &[&under]);
    assert!(
        wire.len() < 100 + under.len(),
        "the long message went out compressed"
    );
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![Event::Binary(long.into()), Event::Binary(under.into())]
    );
}

#[test]
fn errors_come_before_fill_and_nothing_is_queued() {
    let (_client, mut server) = pair();
    server.send_binary_fragment(&b"first"[..], false).unwrap();
    assert_eq!(
        server.send_binary_held(3, no_fill),
        Err(SendError::MessageInProgress)
    );
    server.send_binary_fragment(&b"last"[..], true).unwrap();
    server.close(1000, "bye").unwrap();
    let before = server.buffered_amount();
    assert!(matches!(
        server.send_binary_held(3, no_fill),
        Err(SendError::Closed(_))
    ));
    assert_eq!(server.buffered_amount(), before);
    let handshaking = &mut Connection::server(Config::default());
    assert_eq!(
        handshaking.send_binary_held(3, no_fill),
        Err(SendError::NotOpen)
    );
}

#[test]
fn byte_only_drains_stop_before_a_held_payload() {
    let (_client, mut server) = pair();
    server.send_text("t").unwrap();
    server.send_binary_held(2000, no_fill).unwrap();
    // take_output and write_to give what precedes the held payload...
    let head = server.take_output();
    assert_eq!(
        head.len(),
        3 + 4,
        "the text frame and the held frame's header"
    );
    assert_eq!(server.buffered_amount(), 2000);
    // ...and then say plainly that only output_segments can go on.
    let err = server.write_to(&mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(server.take_output().is_empty());
    // A partial write of the held payload leaves the rest of it in place.
    server.advance_output(4);
    assert_eq!(
        server.output_segments().collect::<Vec<_>>(),
        [OutputSegment::Held(1996)]
    );
    server.advance_output(1996);
    assert_eq!(server.buffered_amount(), 0);
    assert_eq!(server.output_segments().count(), 0);
    assert_eq!(server.write_to(&mut Vec::new()).unwrap(), 0);
}

#[test]
fn a_lent_payload_is_kept_where_it_would_go_verbatim_and_copied_elsewhere() {
    let (mut client, mut server) = pair();
    let big = vec![b'k'; 5000];
    assert_eq!(server.send_binary_or_keep(&big), Ok(HeldPayload::Kept));
    assert_eq!(server.send_binary_or_keep(b""), Ok(HeldPayload::Copied));
    let wire = drain(&mut server, &[&big]);
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![
            Event::Binary(big.clone().into()),
            Event::Binary(Vec::new().into())
        ]
    );
    // A client masks: copied now, so the caller may reuse its buffer at once.
    assert_eq!(client.send_binary_or_keep(&big), Ok(HeldPayload::Copied));
    server.receive(&client.take_output());
    assert_eq!(events(&mut server), vec![Event::Binary(big.into())]);
    client.close(1000, "").unwrap();
    assert!(matches!(
        client.send_binary_or_keep(b"x"),
        Err(SendError::Closed(_))
    ));
}

#[test]
fn a_lent_text_is_kept_as_a_text_frame_and_short_ones_are_copied() {
    let (mut client, mut server) = pair();
    let long = "é".repeat(3000);
    assert_eq!(server.send_text_or_keep(&long), Ok(HeldPayload::Kept));
    assert_eq!(server.send_text_or_keep("hi"), Ok(HeldPayload::Copied));
    let wire = drain(&mut server, &[long.as_bytes()]);
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![Event::Text(long.as_str().into()), Event::Text("hi".into())]
    );
    assert_eq!(client.send_text_or_keep(&long), Ok(HeldPayload::Copied));
    client.close(1000, "").unwrap();
    assert!(matches!(
        client.send_text_or_keep("x"),
        Err(SendError::Closed(_))
    ));
}

#[test]
fn trusted_text_bytes_are_sent_as_they_are_and_kept_like_a_str() {
    let (mut client, mut server) = pair();
    let long = "é".repeat(3000);
    let text = Text::from_utf8_trusted(long.as_bytes());
    assert_eq!(server.send_text_or_keep(text), Ok(HeldPayload::Kept));
    let short = Text::from_utf8_trusted(b"hi");
    assert_eq!(server.send_text_or_keep(short), Ok(HeldPayload::Copied));
    let wire = drain(&mut server, &[long.as_bytes()]);
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![Event::Text(long.as_str().into()), Event::Text("hi".into())]
    );
    // Not checked: bytes that are not UTF-8 reach the peer, which fails the
    // connection with 1007 as it would for any other sender.
    server
        .send_text(Text::from_utf8_trusted(b"\xff\xfe"))
        .unwrap();
    let wire = drain(&mut server, &[]);
    client.receive(&wire);
    let got = events(&mut client);
    assert!(
        matches!(got.last(), Some(Event::Closed(c)) if c.code.0 == 1007),
        "{got:?}"
    );
}

/// `send_text_held_trusted`: text the caller validated is kept over 1 KiB on a
/// server (a text frame), copied in below that and on a client, and refused
/// after a close like any send, before `fill` runs.
#[test]
fn trusted_text_is_kept_or_copied_and_arrives_as_text() {
    let (mut client, mut server) = pair();
    let long = "é€ relay ".repeat(200);
    for text in ["héllo", long.as_str()] {
        let bytes = text.as_bytes();
        let got = if bytes.len() > 1024 {
            server.send_text_held_trusted(bytes.len(), no_fill)
        } else {
            server.send_text_held_trusted(bytes.len(), |buf| buf.copy_from_slice(bytes))
        };
        let kept = got.unwrap();
        assert_eq!(kept == HeldPayload::Kept, bytes.len() > 1024);
        let held: &[&[u8]] = if kept == HeldPayload::Kept {
            &[bytes]
        } else {
            &[]
        };
        client.receive(&drain(&mut server, held));
        assert_eq!(events(&mut client), vec![Event::Text(text.into())]);
    }
    let got = client.send_text_held_trusted(4, |buf| buf.copy_from_slice(b"mask"));
    assert_eq!(got, Ok(HeldPayload::Copied));
    server.receive(&client.take_output());
    assert_eq!(events(&mut server), vec![Event::Text("mask".into())]);

    server.close(wscore::CloseCode::NORMAL, "").unwrap();
    assert!(matches!(
        server.send_text_held_trusted(3, no_fill),
        Err(SendError::Closed(_))
    ));
}
