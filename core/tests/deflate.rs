//! permessage-deflate through whole connections: negotiation outcomes, RSV1 on
//! the wire, round trips in both directions, with and without context takeover.
#![cfg(feature = "deflate")]

mod common;

use common::*;
use wscore::{Config, DeflateConfig, DeflateParams, Event};

fn with_deflate(d: DeflateConfig) -> Config {
    Config {
        deflate: Some(d),
        ..Config::default()
    }
}

fn deflate_pair(
    client: DeflateConfig,
    server: DeflateConfig,
) -> (wscore::Connection, wscore::Connection) {
    open_pair(with_deflate(client), with_deflate(server))
}

fn chat(i: usize) -> String {
    format!(
        r#"{{"type":"message","room":"general","user":"user{}","text":"hello everyone, this is message number {i} in the room"}}"#,
        i % 7
    )
}

#[test]
fn both_sides_agree_and_messages_round_trip_compressed() {
    let every = DeflateConfig {
        min_size: 0,
        ..DeflateConfig::default()
    };
    let (mut client, mut server) = deflate_pair(every.clone(), every);
    let expected = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };
    assert_eq!(client.deflate(), Some(&expected));
    assert_eq!(server.deflate(), Some(&expected));
    for i in 0..50 {
        client.send_text(chat(i)).unwrap();
        server.send_text(chat(i)).unwrap();
    }
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    server.send_binary(big.clone()).unwrap();
    pump(&mut client, &mut server);
    let wire = server.take_output();
    // Every server data frame here is compressed: RSV1 set on each first frame.
    let frames = parse_server_frames(&wire);
    assert!(
        frames.iter().all(|(b0, _)| b0 & 0x40 != 0),
        "RSV1 on every message"
    );
    let compressed: usize = frames[..50].iter().map(|(_, p)| p.len()).sum();
    let plain: usize = (0..50).map(|i| chat(i).len()).sum();
    assert!(
        compressed * 3 < plain,
        "chat JSON compresses: {compressed} of {plain} bytes"
    );
    client.receive(&wire);
    let mut got = events(&mut client).into_iter();
    for i in 0..50 {
        assert_eq!(got.next(), Some(Event::Text(chat(i).into())));
    }
    assert_eq!(got.next(), Some(Event::Binary(big.into())));
    let server_got: Vec<Event> = events(&mut server);
    assert_eq!(
        server_got,
        (0..50)
            .map(|i| Event::Text(chat(i).into()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn small_messages_and_control_frames_are_not_compressed() {
    let (_client, mut server) = deflate_pair(
        DeflateConfig::default(),
        DeflateConfig {
            min_size: 64,
            ..DeflateConfig::default()
        },
    );
    server.send_text("short").unwrap();
    server
        .send_ping(b"ping payload that is long enough to compress if it were data ........")
        .unwrap();
    server.send_text("x".repeat(64)).unwrap();
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(frames[0], (0x81, b"short".to_vec()));
    assert_eq!(frames[1].0, 0x89);
    assert_eq!(
        frames[2].0, 0xC1,
        "64 bytes reach the threshold: RSV1 + FIN + text"
    );
}

#[test]
fn fragmented_compressed_message_sets_rsv1_on_the_first_frame_only() {
    let (mut client, mut server) = deflate_pair(DeflateConfig::default(), DeflateConfig::default());
    server.send_text_fragment("hello ", false).unwrap();
    server.send_text_fragment("fragmented ", false).unwrap();
    server.send_text_fragment("world", true).unwrap();
    let wire = server.take_output();
    let frames = parse_server_frames(&wire);
    let first_bytes: Vec<u8> = frames.iter().map(|f| f.0).collect();
    assert_eq!(first_bytes, vec![0x41, 0x00, 0x80]);
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![Event::Text("hello fragmented world".into())]
    );
}

#[test]
fn no_context_takeover_and_small_windows_round_trip() {
    for bits in 9..=15u8 {
        let cfg = DeflateConfig {
            server_max_window_bits: bits,
            client_max_window_bits: bits,
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            min_size: 0,
            ..DeflateConfig::default()
        };
        let (mut client, mut server) = deflate_pair(cfg.clone(), cfg);
        let p = *server.deflate().unwrap();
        assert_eq!(
            (p.server_max_window_bits, p.client_max_window_bits),
            (bits, bits)
        );
        assert!(p.server_no_context_takeover && p.client_no_context_takeover);
        for i in 0..20 {
            client.send_text(chat(i).repeat(20)).unwrap();
        }
        pump(&mut client, &mut server);
        assert_eq!(
            events(&mut server),
            (0..20)
                .map(|i| Event::Text(chat(i).repeat(20).into()))
                .collect::<Vec<_>>(),
            "bits {bits}"
        );
    }
}

#[test]
fn either_side_without_deflate_means_no_compression() {
    let (client, server) = open_pair(with_deflate(DeflateConfig::default()), Config::default());
    assert_eq!((client.deflate(), server.deflate()), (None, None));
    let (mut client, mut server) =
        open_pair(Config::default(), with_deflate(DeflateConfig::default()));
    assert_eq!((client.deflate(), server.deflate()), (None, None));
    server.send_text("x".repeat(1000)).unwrap();
    let wire = server.take_output();
    assert_eq!(wire[0], 0x81, "no RSV1 when not negotiated");
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![Event::Text("x".repeat(1000).into())]
    );
}

#[test]
fn rsv1_without_negotiation_and_on_continuations_fail_with_1002() {
    let (_client, mut server) = pair();
    server.receive(&client_frame(0xC1, b"x"));
    assert_eq!(
        &parse_server_frames(&server.take_output())[0].1[..2],
        &1002u16.to_be_bytes()
    );

    let (_client, mut server) = deflate_pair(DeflateConfig::default(), DeflateConfig::default());
    let mut wire = client_frame(0x01, b"a");
    wire.extend(client_frame(0xC0, b"b")); // RSV1 on a continuation
    server.receive(&wire);
    assert_eq!(
        &parse_server_frames(&server.take_output())[0].1[..2],
        &1002u16.to_be_bytes()
    );
}

#[test]
fn corrupt_compressed_data_fails_with_1007() {
    let (_client, mut server) = deflate_pair(DeflateConfig::default(), DeflateConfig::default());
    server.receive(&client_frame(0xC2, &[0xFF, 0xFF, 0xFF, 0xFF, 0x12]));
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(&frames[0].1[..2], &1007u16.to_be_bytes());
}

#[test]
fn empty_messages_and_empty_last_fragments_keep_the_stream_in_step() {
    // With context takeover the next message must inflate too: a message that adds
    // no compressed data must still end in a way the peer's appended tail completes.
    for no_takeover in [false, true] {
        let every = DeflateConfig {
            min_size: 0,
            server_no_context_takeover: no_takeover,
            client_no_context_takeover: no_takeover,
            ..DeflateConfig::default()
        };
        let (mut client, mut server) = deflate_pair(every.clone(), every);
        for _ in 0..3 {
            client
                .send_binary_fragment(&b"hello hello hello"[..], false)
                .unwrap();
            client.send_binary_fragment(&b""[..], true).unwrap();
            client.send_binary(Vec::new()).unwrap();
            client.send_text(chat(1)).unwrap();
        }
        server.receive(&client.take_output());
        for _ in 0..3 {
            let event = server.poll_event();
            assert_eq!(
                event,
                Some(Event::Binary(b"hello hello hello".to_vec().into()))
            );
            assert_eq!(server.poll_event(), Some(Event::Binary(Vec::new().into())));
            assert_eq!(server.poll_event(), Some(Event::Text(chat(1).into())));
        }
        assert_eq!(
            server.poll_event(),
            None,
            "no_context_takeover: {no_takeover}"
        );
    }
}
