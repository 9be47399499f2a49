//! permessage-deflate inflation: random compressed payloads, in random frames,
//! with random window bits and context takeover; and a round trip of the same
//! bytes through our own compressor, which must come back unchanged.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wscore::testing::open_pair;
use wscore::{Config, Connection, DeflateConfig, Event};
use wscore_fuzz::Run;

#[derive(Debug, Arbitrary)]
struct Input {
    server_bits: u8,
    client_bits: u8,
    server_nct: bool,
    client_nct: bool,
    text: bool,
    /// Raw DEFLATE fragments (RSV1 on the first), each with its FIN bit.
    fragments: Vec<(Vec<u8>, bool)>,
}

const LIMIT: usize = 64 << 10;

fn pair(input: &Input) -> (Connection, Connection) {
    let deflate = DeflateConfig {
        server_max_window_bits: 9 + input.server_bits % 7,
        client_max_window_bits: 9 + input.client_bits % 7,
        server_no_context_takeover: input.server_nct,
        client_no_context_takeover: input.client_nct,
        min_size: 0,
        ..DeflateConfig::default()
    };
    let config = Config {
        max_frame_size: LIMIT,
        max_message_size: LIMIT,
        deflate: Some(deflate),
        ..Config::default()
    };
    let (client, server) = open_pair(config.clone(), config);
    assert!(server.deflate().is_some());
    (client, server)
}

/// A masked client frame.
fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![b0];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

fuzz_target!(|input: Input| {
    // Inflating whatever the peer sends.
    let (_client, server) = pair(&input);
    let mut run = Run::without_head(server);
    for (i, (payload, fin)) in input.fragments.iter().enumerate() {
        let opcode = match (i, input.text) {
            (0, true) => 0x41, // RSV1 + text
            (0, false) => 0x42,
            _ => 0x00,
        };
        run.receive(&frame(opcode | if *fin { 0x80 } else { 0 }, payload));
    }
    run.finish();

    // What we compress, we inflate back unchanged.
    let (mut client, mut server) = pair(&input);
    let message: Vec<u8> = input
        .fragments
        .iter()
        .flat_map(|(p, _)| p.iter().copied())
        .collect();
    let message = &message[..message.len().min(LIMIT)];
    client.send_binary(message).unwrap();
    client.send_binary(message).unwrap(); // again, with the window from the first
    server.receive(&client.take_output());
    for _ in 0..2 {
        assert_eq!(server.poll_event(), Some(Event::Binary(message.to_vec().into())));
    }
});
