//! Writes the seed corpus for the byte-input fuzz targets into `fuzz/corpus/`,
//! made with core's own encoder (frames from a real `Connection`), so nothing
//! binary needs committing: `cargo run --manifest-path fuzz/Cargo.toml --example seeds`.

use std::fs;
use std::path::Path;

use wscore::testing::open_pair;
use wscore::{ClientRequest, CloseCode, Config, Connection, DeflateConfig};
use wscore_fuzz::{REQUEST, RESPONSE};

/// A connected pair; the peer whose frames we capture is `from_client`'s side.
fn pair(deflate: bool) -> (Connection, Connection) {
    let config = Config {
        deflate: deflate.then(|| DeflateConfig {
            min_size: 0,
            ..DeflateConfig::default()
        }),
        ..Config::default()
    };
    open_pair(config.clone(), config)
}

/// A chat-like session from `conn`: messages, fragments, a ping, a close.
fn session(conn: &mut Connection) -> Vec<u8> {
    conn.send_text("hello, world").unwrap();
    conn.send_binary(&[0u8, 1, 2, 3, 255][..]).unwrap();
    conn.send_text(r#"{"type":"message","room":"general","text":"héllo ✓"}"#.repeat(3))
        .unwrap();
    conn.send_text_fragment("frag", false).unwrap();
    conn.send_ping(b"ping").unwrap();
    conn.send_text_fragment("mented", true).unwrap();
    conn.send_binary(vec![7u8; 300]).unwrap();
    conn.close(CloseCode::NORMAL, "bye").unwrap();
    conn.take_output()
}

fn write(dir: &Path, name: &str, mode: u8, body: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    let mut bytes = vec![mode];
    bytes.extend_from_slice(body);
    fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");

    // frame_decode: mode bit 0 = deflate, bit 1 = server side (masked input).
    let dir = corpus.join("frame_decode");
    for deflate in [false, true] {
        let (mut client, mut server) = pair(deflate);
        let d = u8::from(deflate);
        write(
            &dir,
            &format!("client-frames-{d}"),
            0b10 | d,
            &session(&mut client),
        );
        write(
            &dir,
            &format!("server-frames-{d}"),
            d,
            &session(&mut server),
        );
        write(
            &dir,
            &format!("client-frames-split-{d}"),
            0b1110 | d,
            &session(&mut pair(deflate).0),
        );
    }

    // handshake_request: mode bit 0 = deflate, the rest picks the read size.
    let dir = corpus.join("handshake_request");
    write(&dir, "browser", 0xFF, REQUEST);
    write(&dir, "browser-bytewise", 0x01, REQUEST);
    let mut client = Connection::client(
        Config {
            deflate: Some(DeflateConfig {
                client_no_context_takeover: true,
                server_max_window_bits: 10,
                ..DeflateConfig::default()
            }),
            ..Config::default()
        },
        ClientRequest::new("ws://example.com:8080/chat?room=1")
            .subprotocol("chat")
            .header("Origin", "http://example.com"),
    )
    .unwrap();
    write(&dir, "wscore-client", 0xFF, &client.take_output());
    write(
        &dir,
        "old-version",
        0xFE,
        &String::from_utf8_lossy(REQUEST)
            .replace("Version: 13", "Version: 8")
            .into_bytes(),
    );

    // handshake_response: `{ACCEPT}` stands for the right accept key.
    let dir = corpus.join("handshake_response");
    write(&dir, "deflate", 0xFF, RESPONSE);
    let plain =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n";
    let mut with_frames = plain.to_vec();
    with_frames.extend_from_slice(&session(&mut pair(false).1));
    write(&dir, "plain-then-frames", 0xFE, &with_frames);
    write(
        &dir,
        "windows",
        0xFF,
        &String::from_utf8_lossy(RESPONSE)
            .replace(
                "permessage-deflate",
                "permessage-deflate; server_max_window_bits=10; client_no_context_takeover",
            )
            .into_bytes(),
    );
    write(
        &dir,
        "rejected",
        0x03,
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nnope!\n",
    );
    // client_request: URL, subprotocols, header value (one per line).
    let dir = corpus.join("client_request");
    for (name, seed) in [
        ("plain", &b"ws://localhost/chat"[..]),
        (
            "port-query",
            b"ws://example.com:8080/a/b?x=1&y=%20\nchat,superchat\nvalue",
        ),
        ("ipv6", b"wss://[::1]:9001/\nv1.chat"),
        ("userinfo-fragment", b"ws://user@host/path#frag\n\n"),
    ] {
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("seed-{name}")), seed).unwrap();
    }
    println!("seeds written to {}", corpus.display());
}
