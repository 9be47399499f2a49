//! What a connection holds when the peer or the application is slow: one pending
//! pong, a pause signal for reading, a stall timer on unread output, and a memory
//! budget shared across connections.

mod common;

use std::time::Duration;

use common::{client_frame, closed, events, open_pair, pair, parse_server_frames};
use wscore::{CloseCode, Config, Event, Initiator, MemoryBudget, ProtocolError};

#[test]
fn a_ping_flood_past_the_mark_queues_one_pong_for_the_latest_ping() {
    let config = Config {
        output_high_water: 60,
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    let mut flood = Vec::new();
    for i in 0u32..10_000 {
        flood.extend(client_frame(0x89, &i.to_be_bytes()));
    }
    // A peer that never reads: nothing is taken from the output meanwhile.
    for chunk in flood.chunks(4096) {
        server.receive(chunk);
        events(&mut server);
    }
    // One pong per ping up to the mark (6 bytes each), then one for the latest.
    let mut expected: Vec<_> = (0u32..10)
        .map(|i| (0x8A, i.to_be_bytes().to_vec()))
        .collect();
    expected.push((0x8A, 9_999u32.to_be_bytes().to_vec()));
    assert_eq!(parse_server_frames(&server.take_output()), expected);
}

#[test]
fn while_the_peer_keeps_up_every_ping_gets_its_pong() {
    let (_client, mut server) = pair();
    let mut pings = Vec::new();
    for i in 0u8..10 {
        pings.extend(client_frame(0x89, &[i]));
    }
    server.receive(&pings);
    let pongs: Vec<_> = parse_server_frames(&server.take_output());
    assert_eq!(
        pongs,
        (0u8..10).map(|i| (0x8A, vec![i])).collect::<Vec<_>>()
    );
}

#[test]
fn pongs_already_written_or_followed_by_data_stay() {
    let config = Config {
        output_high_water: 0,
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    server.receive(&client_frame(0x89, b"one"));
    let first = server.take_output();
    server.receive(&client_frame(0x89, b"two"));
    server.send_text("data").unwrap();
    server.receive(&client_frame(0x89, b"three"));
    server.receive(&client_frame(0x89, b"four"));
    let frames = parse_server_frames(&server.take_output());
    assert_eq!(parse_server_frames(&first), vec![(0x8A, b"one".to_vec())]);
    assert_eq!(
        frames,
        vec![
            (0x8A, b"two".to_vec()),
            (0x81, b"data".to_vec()),
            (0x8A, b"four".to_vec()),
        ]
    );
}

#[test]
fn reading_pauses_while_events_wait_or_output_is_above_the_mark() {
    let config = Config {
        output_high_water: 1000,
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    assert!(!server.should_pause_reading());
    server.receive(&client_frame(0x81, b"a"));
    assert!(server.should_pause_reading(), "an event is waiting");
    assert!(matches!(server.poll_event(), Some(Event::Text(_))));
    assert!(!server.should_pause_reading());
    server.send_binary(vec![0; 1000]).unwrap();
    assert!(server.should_pause_reading(), "1004 bytes pending > 1000");
    server.advance_output(10);
    assert!(!server.should_pause_reading());
}

#[test]
fn output_above_the_mark_for_the_stall_timeout_fails_with_1008() {
    let config = Config {
        output_high_water: 1000,
        output_stall_timeout: Some(Duration::from_secs(5)),
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    server.handle_timeout(Duration::from_secs(100));
    server.send_binary(vec![0; 2000]).unwrap();
    // Not noticed yet: the connection asks for the time now.
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(100)));
    server.handle_timeout(Duration::from_secs(101));
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(106)));
    // The peer reads a little, never below the mark: the timer keeps running.
    server.advance_output(500);
    server.handle_timeout(Duration::from_secs(105));
    assert!(events(&mut server).is_empty());
    server.handle_timeout(Duration::from_secs(106));
    let ev = events(&mut server);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.clean, c.initiator),
        (CloseCode::POLICY_VIOLATION, false, Initiator::ProtocolError)
    );
    assert_eq!(
        c.error,
        Some(
            ProtocolError::OutputStalled {
                high_water: 1000,
                after: Duration::from_secs(5)
            }
            .into()
        )
    );
    assert!(server.should_close_transport());
}

#[test]
fn draining_below_the_mark_restarts_the_stall_clock() {
    let config = Config {
        output_high_water: 1000,
        output_stall_timeout: Some(Duration::from_secs(5)),
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    server.handle_timeout(Duration::from_secs(0));
    server.send_binary(vec![0; 2000]).unwrap();
    server.handle_timeout(Duration::from_secs(1));
    // Drained, then above again at once: the stall counts from the next
    // reading of the time (6 s), not from 1 s.
    server.advance_output(2004);
    server.send_binary(vec![0; 2000]).unwrap();
    server.handle_timeout(Duration::from_secs(6));
    server.handle_timeout(Duration::from_secs(10));
    assert!(events(&mut server).is_empty(), "only 4 s above the mark");
    server.handle_timeout(Duration::from_secs(11));
    assert_eq!(
        closed(&events(&mut server)).code,
        CloseCode::POLICY_VIOLATION
    );
}

#[test]
fn connections_share_one_budget_for_partial_messages() {
    // Room for the first message's buffer as it grows (capacity doubles: 400 KB
    // when its last bytes arrive), not for a second one of 350 KB beside it.
    // Neither draws its first 64 KiB (the allowance).
    let budget = MemoryBudget::new(400_000);
    let config = Config {
        memory_budget: Some(budget.clone()),
        ..Config::default()
    };
    let (_c1, mut first) = open_pair(Config::default(), config.clone());
    let (_c2, mut second) = open_pair(Config::default(), config);
    // A fragment of 200 KB stays in the first connection, unfinished.
    first.receive(&client_frame(0x02, &vec![7; 200_000]));
    assert!(events(&mut first).is_empty());
    assert_eq!(budget.used(), 200_000 - 65_536);
    // The second cannot get 350 KB more: 1013, and it holds nothing after.
    second.receive(&client_frame(0x02, &vec![7; 350_000]));
    let ev = events(&mut second);
    let c = closed(&ev);
    assert_eq!(
        (c.code, c.error.clone()),
        (
            CloseCode::TRY_AGAIN_LATER,
            Some(ProtocolError::MemoryBudgetExhausted.into())
        )
    );
    assert_eq!(
        budget.used(),
        200_000 - 65_536,
        "the refused one holds nothing"
    );
    // The first message completes: its budget is returned.
    first.receive(&client_frame(0x80, b"end"));
    match events(&mut first).as_slice() {
        [Event::Binary(data)] => assert_eq!(data.len(), 200_003),
        other => panic!("expected the message, got {other:?}"),
    }
    assert_eq!(budget.used(), 0);
}

#[test]
fn small_messages_pass_while_large_ones_hold_the_budget() {
    let budget = MemoryBudget::new(200_000);
    let config = Config {
        memory_budget: Some(budget.clone()),
        deflate: Some(wscore::DeflateConfig::default()),
        ..Config::default()
    };
    let (_c1, mut hog) = open_pair(Config::default(), config.clone());
    hog.receive(&client_frame(0x02, &vec![7; 265_536]));
    assert!(events(&mut hog).is_empty());
    assert_eq!(budget.used(), 200_000, "used up");
    // Another connection's chat message, split over two reads and compressed:
    // within its allowance, so it is delivered.
    let (mut client, mut server) = open_pair(config.clone(), config);
    client.send_text("x".repeat(3000)).unwrap();
    let wire = client.take_output();
    server.receive(&wire[..wire.len() / 2]);
    server.receive(&wire[wire.len() / 2..]);
    assert!(matches!(events(&mut server).as_slice(), [Event::Text(t)] if t.len() == 3000));
}

#[test]
fn a_connection_dropped_mid_message_returns_its_budget() {
    let budget = MemoryBudget::new(1 << 20);
    let config = Config {
        memory_budget: Some(budget.clone()),
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    // A single frame split across reads holds budget too, sized up front.
    let frame = client_frame(0x82, &vec![1; 200_000]);
    server.receive(&frame[..50_000]);
    assert_eq!(budget.used(), 200_000 - 65_536);
    drop(server);
    assert_eq!(budget.used(), 0);
}
