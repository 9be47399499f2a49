//! What one idle open connection costs, counted by a global allocator: the
//! struct itself plus whatever it keeps on the heap after the handshake and a
//! few small messages. (tungstenite reserves a 128 KiB read buffer per socket.)

mod alloc_counter;
mod common;

use std::sync::atomic::Ordering;

#[cfg(feature = "deflate")]
use alloc_counter::PEAK;
use alloc_counter::{LIVE, SERIAL};
#[cfg(feature = "deflate")]
use wscore::{CloseCode, Config, DeflateConfig};
use wscore::{Connection, Event};

#[test]
fn idle_open_connection_cost_is_small_and_bounded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 1000;
    let before = LIVE.load(Ordering::Relaxed);
    let mut servers: Vec<Connection> = Vec::with_capacity(N);
    let vec_cost = LIVE.load(Ordering::Relaxed) - before;
    for _ in 0..N {
        let (mut client, mut server) = common::pair();
        // A little traffic, as an idle chat connection would have seen.
        client.send_text("hello").unwrap();
        common::pump(&mut client, &mut server);
        server.send_text("welcome").unwrap();
        let _ = server.take_output();
        while let Some(ev) = server.poll_event() {
            assert!(matches!(ev, Event::Text(_)));
        }
        drop(client);
        servers.push(server);
    }
    let total = LIVE.load(Ordering::Relaxed) - before - vec_cost;
    let heap_per_conn = total / N;
    let struct_size = std::mem::size_of::<Connection>();
    println!(
        "idle open server connection: {} bytes ({} inline + {} on the heap)",
        struct_size + heap_per_conn,
        struct_size,
        heap_per_conn
    );
    assert!(
        struct_size + heap_per_conn < 4096,
        "an idle connection costs {} bytes",
        struct_size + heap_per_conn
    );
    drop(servers);
}

/// Heap bytes per open connection (server side) after a compressed message each way.
#[cfg(feature = "deflate")]
fn deflate_cost(bits: u8, mem_level: u8, no_context_takeover: bool) -> usize {
    const N: usize = 50;
    let cfg = DeflateConfig {
        server_max_window_bits: bits,
        client_max_window_bits: bits,
        mem_level,
        server_no_context_takeover: no_context_takeover,
        client_no_context_takeover: no_context_takeover,
        min_size: 0,
        ..DeflateConfig::default()
    };
    let config = Config {
        deflate: Some(cfg),
        ..Config::default()
    };
    let mut servers = Vec::with_capacity(N);
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..N {
        let (mut client, mut server) = common::open_pair(config.clone(), config.clone());
        assert_eq!(
            server.deflate().map(|p| p.client_max_window_bits),
            Some(bits)
        );
        client
            .send_text("hello, compressed world ".repeat(20))
            .unwrap();
        common::pump(&mut client, &mut server);
        server
            .send_text("welcome, compressed client ".repeat(20))
            .unwrap();
        let _ = server.take_output();
        assert!(matches!(server.poll_event(), Some(Event::Text(_))));
        drop(client);
        servers.push(server);
    }
    (LIVE.load(Ordering::Relaxed) - before) / N
}

#[cfg(feature = "deflate")]
#[test]
fn deflate_memory_per_connection_by_window_bits() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let costs: Vec<(u8, usize)> = (9..=15)
        .map(|bits| (bits, deflate_cost(bits, 8, false)))
        .collect();
    for (bits, cost) in &costs {
        println!("permessage-deflate, context takeover, window bits {bits}, memLevel 8: {} KiB per connection", cost / 1024);
    }
    let frugal = deflate_cost(9, 1, false);
    println!(
        "permessage-deflate, context takeover, window bits 9, memLevel 1: {} KiB per connection",
        frugal / 1024
    );
    let stateless = deflate_cost(15, 8, true);
    println!(
        "permessage-deflate, no context takeover either way: {stateless} bytes per idle connection"
    );
    let (small, large) = (costs[0].1, costs[6].1);
    assert!(
        small < large,
        "a 512-byte window must cost less than a 32 KiB one: {small} vs {large}"
    );
    assert!(
        large < 512 << 10,
        "window 15 costs {large} bytes per connection"
    );
    assert!(
        frugal < small,
        "memLevel 1 must shrink the compressor: {frugal} vs {small}"
    );
    assert!(
        stateless < 8 << 10,
        "no context takeover keeps no zlib state between messages: {stateless}"
    );
}

#[cfg(feature = "deflate")]
#[test]
fn compression_bomb_is_stopped_at_the_message_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const LIMIT: usize = 16 << 20;
    let config = Config {
        max_message_size: LIMIT,
        deflate: Some(DeflateConfig::default()),
        ..Config::default()
    };
    let (mut client, mut server) = common::open_pair(config.clone(), config);
    // 256 MiB of zeros, compressed by the sending connection, in 1 MiB fragments.
    let zeros = vec![0u8; 1 << 20];
    for i in 0..256 {
        client.send_binary_fragment(&zeros[..], i == 255).unwrap();
    }
    let wire = client.take_output();
    drop(zeros);
    assert!(
        wire.len() < 2 << 20,
        "the bomb is small on the wire: {} bytes",
        wire.len()
    );

    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    for chunk in wire.chunks(64 << 10) {
        server.receive(chunk);
    }
    let peak_growth = PEAK.load(Ordering::Relaxed) - base;
    let events: Vec<Event> = std::iter::from_fn(|| server.poll_event()).collect();
    println!(
        "compression bomb: 256 MiB declared, {} bytes on the wire, peak growth {} KiB",
        wire.len(),
        peak_growth / 1024
    );
    assert!(
        matches!(events.last(), Some(Event::Closed(c)) if c.code == CloseCode::MESSAGE_TOO_BIG),
        "{events:?}"
    );
    assert!(
        peak_growth < 2 * LIMIT,
        "peak grew by {peak_growth} bytes, limit {LIMIT}"
    );
}
