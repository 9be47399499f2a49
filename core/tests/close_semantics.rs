//! The close rules wscore exists for: every race between sending and closing has
//! a typed outcome, and nothing sent before a clean close is lost.

mod common;

use std::time::Duration;

use common::*;
use wscore::{
    Bytes, CloseCode, CloseError, CloseInfo, CloseOutcome, Config, Connection, Event, Initiator,
    ProtocolError, SendError, SideState, State,
};

#[test]
fn data_queued_before_close_arrives_before_it_and_close_is_clean() {
    let (mut client, mut server) = pair();
    for i in 0..3 {
        client.send_text(format!("msg {i}")).unwrap();
    }
    assert_eq!(
        client.close(CloseCode::NORMAL, "bye"),
        Ok(CloseOutcome::Sent)
    );
    pump(&mut client, &mut server);
    let ev = events(&mut server);
    assert_eq!(
        &ev[..3],
        &[
            Event::Text("msg 0".into()),
            Event::Text("msg 1".into()),
            Event::Text("msg 2".into())
        ]
    );
    assert!(
        matches!(&ev[3], Event::CloseReceived(f) if f.code == CloseCode::NORMAL && f.reason == "bye")
    );
    let c = closed(&ev);
    assert!(c.clean);
    assert_eq!(
        (c.code, c.reason.as_str(), c.initiator),
        (CloseCode::NORMAL, "bye", Initiator::Remote)
    );
    assert!(
        server.should_close_transport(),
        "the server closes TCP first"
    );

    // The server's echoed close reaches the client, which then waits for TCP EOF.
    pump(&mut server, &mut client);
    let ev = events(&mut client);
    assert!(matches!(&ev[0], Event::CloseReceived(f) if f.code == CloseCode::NORMAL));
    assert_eq!(client.state(), State::Closing);
    assert!(!client.should_close_transport());
    client.receive_eof();
    let ev = events(&mut client);
    let c = closed(&ev);
    assert!(c.clean);
    assert_eq!((c.code, c.initiator), (CloseCode::NORMAL, Initiator::Local));
    assert_eq!(client.state(), State::Closed);
}

#[test]
fn send_after_our_close_is_a_typed_error_with_who_and_why() {
    let (mut client, _server) = pair();
    client.close(CloseCode(4001), "shutting down").unwrap();
    let expected = CloseInfo {
        code: CloseCode(4001),
        reason: "shutting down".into(),
        initiator: Initiator::Local,
    };
    assert_eq!(
        client.send_text("late"),
        Err(SendError::Closed(expected.clone()))
    );
    assert_eq!(
        client.send_binary(&b"late"[..]),
        Err(SendError::Closed(expected.clone()))
    );
    assert_eq!(
        client.send_ping(b""),
        Err(SendError::Closed(expected.clone()))
    );
    // A second close is not an error either.
    assert_eq!(
        client.close(CloseCode::NORMAL, ""),
        Ok(CloseOutcome::AlreadyClosed(expected))
    );
}

#[test]
fn send_and_close_after_peer_close_report_the_peer() {
    let (mut client, mut server) = pair();
    server.close(CloseCode::GOING_AWAY, "restart").unwrap();
    pump(&mut server, &mut client);
    let _ = events(&mut client);
    let expected = CloseInfo {
        code: CloseCode::GOING_AWAY,
        reason: "restart".into(),
        initiator: Initiator::Remote,
    };
    assert_eq!(client.our_state(), SideState::Closed);
    assert_eq!(client.their_state(), SideState::Closed);
    assert_eq!(
        client.send_text("x"),
        Err(SendError::Closed(expected.clone()))
    );
    assert_eq!(
        client.close(CloseCode::NORMAL, ""),
        Ok(CloseOutcome::AlreadyClosed(expected))
    );
}

#[test]
fn close_after_transport_died_reports_the_transport() {
    let (mut client, _server) = pair();
    client.receive_eof();
    let ev = events(&mut client);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.clean, c.initiator),
        (CloseCode::ABNORMAL, false, Initiator::Transport)
    );
    let outcome = client.close(CloseCode::NORMAL, "").unwrap();
    assert!(matches!(
        outcome,
        CloseOutcome::AlreadyClosed(CloseInfo {
            initiator: Initiator::Transport,
            ..
        })
    ));
    assert!(matches!(
        client.send_text("x"),
        Err(SendError::Closed(CloseInfo {
            code: CloseCode::ABNORMAL,
            ..
        }))
    ));
    // Closed is reported exactly once.
    client.receive_eof();
    assert!(events(&mut client).is_empty());
}

#[test]
fn simultaneous_close_is_clean_on_both_sides() {
    let (mut client, mut server) = pair();
    client.close(CloseCode::NORMAL, "client").unwrap();
    server.close(CloseCode::GOING_AWAY, "server").unwrap();
    pump(&mut client, &mut server);
    pump(&mut server, &mut client);
    client.receive_eof();
    let (cev, sev) = (events(&mut client), events(&mut server));
    let (c, s) = (closed(&cev), closed(&sev));
    assert!(c.clean && s.clean);
    assert!(c.error.is_none() && s.error.is_none());
    // Each reports the code the other sent (RFC 6455 §7.1.5).
    assert_eq!(c.code, CloseCode::GOING_AWAY);
    assert_eq!(s.code, CloseCode::NORMAL);
    assert_eq!(
        (c.initiator, s.initiator),
        (Initiator::Local, Initiator::Local)
    );
}

#[test]
fn invalid_close_arguments_are_rejected_and_send_nothing() {
    let (mut client, _server) = pair();
    let before = client.buffered_amount();
    for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        assert_eq!(
            client.close(CloseCode(code), ""),
            Err(CloseError::InvalidCode(code))
        );
    }
    assert_eq!(
        client.close(CloseCode::NORMAL, &"r".repeat(124)),
        Err(CloseError::ReasonTooLong(124))
    );
    assert_eq!(client.buffered_amount(), before);
    assert_eq!(client.state(), State::Open);
    assert_eq!(
        client.close(CloseCode::NORMAL, &"r".repeat(123)),
        Ok(CloseOutcome::Sent)
    );
}

#[test]
fn close_timeout_without_reply_ends_unclean() {
    let (mut client, _server) = pair();
    client.handle_timeout(Duration::from_secs(1));
    client.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(client.poll_timeout(), Some(Duration::from_secs(11)));
    client.handle_timeout(Duration::from_secs(10));
    assert!(events(&mut client).is_empty());
    client.handle_timeout(Duration::from_secs(11));
    let ev = events(&mut client);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.clean, c.initiator),
        (CloseCode::ABNORMAL, false, Initiator::Local)
    );
    assert!(client.should_close_transport());
}

#[test]
fn client_waits_for_server_tcp_close_but_not_forever() {
    let (mut client, mut server) = pair();
    server.close(CloseCode::NORMAL, "").unwrap();
    pump(&mut server, &mut client);
    let ev = events(&mut client);
    assert!(!ev.iter().any(|e| matches!(e, Event::Closed(_))));
    client.handle_timeout(Duration::from_secs(10));
    let ev = events(&mut client);
    let c = closed(&ev);
    assert!(
        c.clean,
        "the closing handshake completed; only the TCP close was late"
    );
    assert!(client.should_close_transport());
}

#[test]
fn eof_without_close_frame_is_1006_unclean() {
    let (mut client, mut server) = pair();
    client.send_text("partial").unwrap();
    let bytes = client.take_output();
    server.receive(&bytes[..3]);
    server.receive_eof();
    let ev = events(&mut server);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.clean, c.initiator),
        (CloseCode::ABNORMAL, false, Initiator::Transport)
    );
    assert!(c.error.is_none());
}

#[test]
fn data_arriving_after_our_close_is_still_delivered() {
    let (mut client, mut server) = pair();
    server.send_text("in flight").unwrap();
    client.close(CloseCode::NORMAL, "").unwrap();
    pump(&mut server, &mut client);
    assert_eq!(events(&mut client), vec![Event::Text("in flight".into())]);
}

#[test]
fn received_invalid_close_code_fails_with_1002() {
    let (_client, mut server) = pair();
    server.receive(&client_frame(0x88, &1005u16.to_be_bytes()));
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0, 0x88);
    assert_eq!(&frames[0].1[..2], &1002u16.to_be_bytes());
    let ev = events(&mut server);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.initiator),
        (CloseCode::PROTOCOL_ERROR, Initiator::ProtocolError)
    );
    assert_eq!(c.error, Some(ProtocolError::InvalidCloseCode(1005).into()));
    assert!(server.should_close_transport());
}

#[test]
fn protocol_errors_put_the_right_code_on_the_wire() {
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (common::server_frame(0x81, b"unmasked"), 1002),
        (client_frame(0x83, b""), 1002),       // unknown opcode
        (client_frame(0xC1, b"x"), 1002),      // RSV1 without extension
        (client_frame(0x80, b"x"), 1002),      // continuation with nothing to continue
        (client_frame(0x09, b""), 1002),       // fragmented ping
        (client_frame(0x89, &[0; 126]), 1002), // ping over 125 bytes
        (client_frame(0x81, &[0xFF]), 1007),   // invalid UTF-8
        (client_frame(0x88, &[3]), 1002),      // 1-byte close payload
        (client_frame(0x88, &[3, 0xE8, 0xC0]), 1007), // invalid UTF-8 in the close reason
    ];
    for (bytes, code) in cases {
        let (_client, mut server) = pair();
        server.receive(&bytes);
        let frames = parse_server_frames(&server.take_output());
        assert_eq!(frames.last().map(|f| f.0), Some(0x88), "{bytes:02x?}");
        assert_eq!(
            &frames.last().unwrap().1[..2],
            &code.to_be_bytes(),
            "{bytes:02x?}"
        );
        let ev = events(&mut server);
        assert_eq!(closed(&ev).code, CloseCode(code));
        assert!(matches!(
            server.send_text("x"),
            Err(SendError::Closed(CloseInfo {
                initiator: Initiator::ProtocolError,
                ..
            }))
        ));
    }
}

#[test]
fn message_over_the_limit_fails_with_1009_before_buffering_it() {
    let config = Config {
        max_message_size: 1000,
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    let frame = client_frame(0x82, &vec![0; 1001]);
    server.receive(&frame[..20]); // only the header and a little payload
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(&frames[0].1[..2], &1009u16.to_be_bytes());
}

#[test]
fn pings_are_answered_unless_auto_pong_is_off() {
    let (mut client, mut server) = pair();
    client.send_ping(b"are you there").unwrap();
    pump(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        vec![Event::Ping(b"are you there".to_vec())]
    );
    pump(&mut server, &mut client);
    assert_eq!(
        events(&mut client),
        vec![Event::Pong(b"are you there".to_vec())]
    );

    let quiet = Config {
        auto_pong: false,
        ..Config::default()
    };
    let (mut client, mut server) = open_pair(Config::default(), quiet);
    client.send_ping(b"x").unwrap();
    pump(&mut client, &mut server);
    assert_eq!(events(&mut server), vec![Event::Ping(b"x".to_vec())]);
    assert_eq!(server.buffered_amount(), 0);
    assert_eq!(
        client.send_ping(&[0; 126]),
        Err(SendError::ControlFrameTooLong(126))
    );
}

#[test]
fn keepalive_pings_and_drops_a_silent_peer() {
    let config = Config {
        ping_interval: Some(Duration::from_secs(5)),
        pong_timeout: Some(Duration::from_secs(3)),
        ..Config::default()
    };
    let (mut client, mut server) = open_pair(Config::default(), config);
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(5)));
    server.handle_timeout(Duration::from_secs(5));
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(frames[0].0, 0x89, "a ping went out");
    // The client answers; the pong deadline is cleared.
    client.receive(&server_frame(0x89, &frames[0].1));
    pump(&mut client, &mut server);
    assert!(matches!(events(&mut server)[..], [Event::Pong(_)]));
    server.handle_timeout(Duration::from_secs(9));
    assert!(events(&mut server).is_empty());
    // Next ping at 10 s; no answer by 13 s drops the connection.
    server.handle_timeout(Duration::from_secs(10));
    assert_eq!(parse_server_frames(&server.take_output())[0].0, 0x89);
    server.handle_timeout(Duration::from_secs(13));
    let ev = events(&mut server);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.clean, c.initiator),
        (CloseCode::INTERNAL_ERROR, false, Initiator::ProtocolError)
    );
    assert_eq!(c.error, Some(ProtocolError::PongTimeout.into()));
    assert!(server.should_close_transport());
    // The peer is told why before the transport is dropped.
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(
        frames.last().map(|f| (f.0, f.1[..2].to_vec())),
        Some((0x88, 1011u16.to_be_bytes().to_vec()))
    );
}

#[test]
fn handshake_timeout_drops_a_slow_client() {
    let mut server = Connection::server(Config::default());
    server.handle_timeout(Duration::from_secs(100));
    server.receive(b"GET / HTTP/1.1\r\n");
    server.handle_timeout(Duration::from_secs(109));
    assert!(events(&mut server).is_empty());
    server.handle_timeout(Duration::from_secs(110));
    let ev = events(&mut server);
    assert_eq!(
        closed(&ev).error,
        Some(wscore::HandshakeError::Timeout.into())
    );
    assert!(server.should_close_transport());
}

#[test]
fn close_during_handshake_aborts() {
    let mut server = Connection::server(Config::default());
    assert_eq!(
        server.close(CloseCode::NORMAL, ""),
        Ok(CloseOutcome::Aborted)
    );
    assert!(server.should_close_transport());
    assert_eq!(
        server.send_text("x"),
        Err(SendError::Closed(CloseInfo {
            code: CloseCode::ABNORMAL,
            reason: "closed during the opening handshake".into(),
            initiator: Initiator::Local,
        }))
    );
}

#[test]
fn send_before_open_is_not_open() {
    let mut server = Connection::server(Config::default());
    assert_eq!(server.send_text("x"), Err(SendError::NotOpen));
}

#[test]
fn fragmented_sending_rules() {
    let (mut client, mut server) = pair();
    client.send_text_fragment("hel", false).unwrap();
    client.send_ping(b"between").unwrap();
    assert_eq!(client.send_text("other"), Err(SendError::MessageInProgress));
    assert_eq!(
        client.send_binary_fragment(&b"x"[..], true),
        Err(SendError::FragmentKindMismatch)
    );
    client.send_text_fragment("lo", true).unwrap();
    client.send_binary(&b"after"[..]).unwrap();
    pump(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        vec![
            Event::Ping(b"between".to_vec()),
            Event::Text("hello".into()),
            Event::Binary(b"after".to_vec().into())
        ]
    );
}

#[test]
fn shared_payloads_are_queued_without_a_copy() {
    let (_client, mut server) = pair();
    let big = Bytes::from(vec![7u8; 100_000]);
    server.send_binary(big.clone()).unwrap();
    assert_eq!(server.buffered_amount(), 100_000 + 10); // 2 + 8-byte length
    assert!(
        server.output_segments().any(
            |s| matches!(s, wscore::binding::OutputSegment::Bytes(b) if b.as_ptr() == big.as_ptr())
        ),
        "payload slice is the caller's buffer"
    );
    server.advance_output(50_010);
    assert_eq!(server.buffered_amount(), 50_000);
}

#[test]
fn shared_text_is_queued_without_a_copy() {
    let (mut client, mut server) = pair();
    let text: std::sync::Arc<str> = "é".repeat(5000).into();
    server.send_text(text.clone()).unwrap();
    assert!(
        server.output_segments().any(
            |s| matches!(s, wscore::binding::OutputSegment::Bytes(b) if b.as_ptr() == text.as_ptr())
        ),
        "payload slice is the caller's string"
    );
    pump(&mut server, &mut client);
    assert_eq!(
        events(&mut client),
        vec![Event::Text(text.to_string().into())]
    );
}

#[test]
fn write_to_takes_bytes_in_order() {
    let (mut client, mut server) = pair();
    server.send_text("a").unwrap();
    server.send_binary(Bytes::from(vec![1u8; 5000])).unwrap();
    server.send_text("b").unwrap();
    let mut wire = Vec::new();
    while server.buffered_amount() > 0 {
        server.write_to(&mut wire).unwrap();
    }
    client.receive(&wire);
    assert_eq!(
        events(&mut client),
        vec![
            Event::Text("a".into()),
            Event::Binary(vec![1; 5000].into()),
            Event::Text("b".into())
        ]
    );
}

#[test]
fn messages_before_a_protocol_error_can_still_be_answered() {
    let (_client, mut server) = pair();
    let mut bytes = client_frame(0x81, b"valid");
    bytes.extend(client_frame(0xA1, b"rsv2")); // RSV2 with no extension
    server.receive(&bytes);
    assert_eq!(server.pending_events(), 1);
    // Time passing does not advance it either: only polling does.
    server.handle_timeout(Duration::from_secs(1));
    assert_eq!(
        server.buffered_amount(),
        0,
        "no close frame before the message is polled"
    );
    assert_eq!(server.poll_event(), Some(Event::Text("valid".into())));
    server.send_text("echo: valid").unwrap();
    let ev = events(&mut server);
    assert_eq!(closed(&ev).code, CloseCode::PROTOCOL_ERROR);
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(
        frames[0],
        (0x81, b"echo: valid".to_vec()),
        "the answer goes out before the close"
    );
    assert_eq!(frames[1].0, 0x88);
}

/// `auto_close_reply: false`: the application answers the peer's close itself.
fn manual_reply() -> Config {
    Config {
        auto_close_reply: false,
        ..Config::default()
    }
}

#[test]
fn with_auto_close_reply_off_the_server_answers_with_its_own_code_and_reason() {
    let (mut client, mut server) = open_pair(Config::default(), manual_reply());
    client.close(CloseCode(4000), "bye").unwrap();
    pump(&mut client, &mut server);
    let ev = events(&mut server);
    assert!(
        matches!(&ev[..], [Event::CloseReceived(f)] if f.code == CloseCode(4000)),
        "no Closed before the reply: {ev:?}"
    );
    assert!(server.take_output().is_empty(), "no automatic echo");
    assert!(!server.should_close_transport());
    assert_eq!(server.state(), State::Closing);
    let remote = CloseInfo {
        code: CloseCode(4000),
        reason: "bye".into(),
        initiator: Initiator::Remote,
    };
    assert_eq!(server.send_text("late"), Err(SendError::Closed(remote)));
    // A code core may not send is refused and the reply stays due.
    assert_eq!(
        server.close(CloseCode(1005), ""),
        Err(CloseError::InvalidCode(1005))
    );
    assert_eq!(
        server.close(CloseCode(4001), "app reason"),
        Ok(CloseOutcome::Sent)
    );
    let c = closed(&events(&mut server)).clone();
    assert!(c.clean);
    assert_eq!(
        (c.code, c.reason.as_str(), c.initiator),
        (CloseCode(4000), "bye", Initiator::Remote)
    );
    assert!(server.should_close_transport());
    assert!(matches!(
        server.close(CloseCode::NORMAL, ""),
        Ok(CloseOutcome::AlreadyClosed(_))
    ));

    pump(&mut server, &mut client);
    let ev = events(&mut client);
    assert!(
        matches!(&ev[0], Event::CloseReceived(f) if f.code == CloseCode(4001) && f.reason == "app reason"),
        "the client sees the application's reply: {ev:?}"
    );
}

#[test]
fn with_auto_close_reply_off_the_client_answers_then_waits_for_tcp() {
    let (mut client, mut server) = open_pair(manual_reply(), Config::default());
    server.close(CloseCode::GOING_AWAY, "restart").unwrap();
    pump(&mut server, &mut client);
    assert!(matches!(
        &events(&mut client)[..],
        [Event::CloseReceived(_)]
    ));
    assert!(client.take_output().is_empty());
    client.close(CloseCode::NORMAL, "ok").unwrap();
    assert_eq!(client.state(), State::Closing, "a client waits for TCP");
    pump(&mut client, &mut server);
    let ev = events(&mut server);
    assert!(
        matches!(&ev[0], Event::CloseReceived(f) if f.code == CloseCode::NORMAL && f.reason == "ok")
    );
    client.receive_eof();
    let c = closed(&events(&mut client)).clone();
    assert!(c.clean);
    assert_eq!(
        (c.code, c.initiator),
        (CloseCode::GOING_AWAY, Initiator::Remote)
    );
}

#[test]
fn an_unanswered_close_ends_at_the_close_timeout_or_eof() {
    let (mut client, mut server) = open_pair(Config::default(), manual_reply());
    client.close(CloseCode::NORMAL, "").unwrap();
    pump(&mut client, &mut server);
    assert_eq!(events(&mut server).len(), 1);
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(10)));
    server.handle_timeout(Duration::from_secs(10));
    let c = closed(&events(&mut server)).clone();
    assert!(
        c.clean,
        "the peer's close frame came; only our reply is missing"
    );
    assert!(server.take_output().is_empty(), "nothing sent for it");

    let (mut client, mut server) = open_pair(Config::default(), manual_reply());
    client.close(CloseCode::NORMAL, "").unwrap();
    pump(&mut client, &mut server);
    server.receive_eof();
    assert!(closed(&events(&mut server)).clean);
}
