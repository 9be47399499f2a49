//! permessage-deflate throughput through whole connections, on the chat-like JSON
//! that tests/bench/zlib_baseline.py feeds Python's zlib: a server compressing and
//! framing, a client unframing and inflating. Prints one JSON line per size
//! (best of 5), the same shape as the Python baseline, so `make bench` can put
//! them side by side.

use std::time::Instant;

use wscore::testing::open_pair;
use wscore::{Config, Connection, DeflateConfig, Event};

const COUNT: usize = 2000;

/// Byte-for-byte the messages of tests/bench/chat_messages.py.
fn chat_message(i: usize, size: usize) -> String {
    let mut s = String::new();
    let mut k = 0;
    while s.len() < size {
        s.push_str(&format!(
            r#"{{"type":"message","room":"general","user":"user{}","id":{},"text":"hello there, how are you doing today? item {k}","ts":{}}},"#,
            (i + k) % 37,
            i * 31 + k,
            1_700_000_000 + i + k
        ));
        k += 1;
    }
    s.truncate(size);
    s
}

/// A connected pair that compresses every message.
fn pair() -> (Connection, Connection) {
    let deflate = DeflateConfig {
        min_size: 0,
        ..DeflateConfig::default()
    };
    let config = Config {
        deflate: Some(deflate),
        ..Config::default()
    };
    let (client, server) = open_pair(config.clone(), config);
    assert!(server.deflate().is_some());
    (client, server)
}

fn main() {
    // `cargo test --benches` runs bench targets once with no arguments: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    for size in [100usize, 1024, 16384] {
        let msgs: Vec<String> = (0..COUNT).map(|i| chat_message(i, size)).collect();
        let total: usize = msgs.iter().map(String::len).sum();
        let (mut best_c, mut best_d, mut wire_len) = (f64::MAX, f64::MAX, 0);
        for _ in 0..5 {
            let (mut client, mut server) = pair();
            let t = Instant::now();
            for m in &msgs {
                server.send_text(m.as_str()).unwrap();
            }
            let wire = server.take_output();
            best_c = best_c.min(t.elapsed().as_secs_f64());
            wire_len = wire.len();
            let t = Instant::now();
            client.receive(&wire);
            let mut got = 0;
            while let Some(Event::Text(text)) = client.poll_event() {
                got += text.len();
            }
            best_d = best_d.min(t.elapsed().as_secs_f64());
            assert_eq!(got, total);
        }
        let mb = total as f64 / 1e6;
        println!(
            r#"{{"lib": "wscore", "size": {size}, "compress_mb_s": {:.1}, "inflate_mb_s": {:.1}, "ratio": {:.4}}}"#,
            mb / best_c,
            mb / best_d,
            wire_len as f64 / total as f64
        );
    }
}
