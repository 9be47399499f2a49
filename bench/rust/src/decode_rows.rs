//! Decode rows: a server receiving the client-masked wire image in CHUNK-sized
//! reads, each message handed to the caller as bytes or a string. Each row
//! returns the time of the batch (set-up excluded) and the payload bytes it got.

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::StreamExt;
use tokio::runtime::Runtime;

use crate::clock::Clock;
use crate::copy_xor::copy_xor;
use crate::mem_stream::MemStream;
use crate::workload::{open_server, Kind, Workload, CHUNK};

pub type DecodeRow = fn(&Workload, &Runtime) -> (Duration, usize);

pub const ROWS: &[(&str, DecodeRow)] = &[
    ("wscore", wscore),
    ("wscore-slice", wscore_slice),
    ("tungstenite", tungstenite),
    ("fastwebsockets", fastwebsockets),
    ("sockudo-ws", sockudo),
    ("tokio-websockets", tokio_websockets),
    ("memcpy+xor", memcpy_xor),
];

/// Reads into one `BytesMut`, as a tokio server would (`read_buf`): whole
/// messages are unmasked in place and handed out without a copy.
fn wscore(w: &Workload, _: &Runtime) -> (Duration, usize) {
    let mut server = open_server();
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut got = 0;
    let t = Clock::start();
    for chunk in w.wire.chunks(CHUNK) {
        buf.extend_from_slice(chunk); // the socket read
        server.receive_buf(&mut buf);
        got += drain(&mut server);
    }
    (t.stop(), got)
}

/// `receive(&[u8])` from a reused read buffer: each message is copied out
/// (unmasked on the way).
fn wscore_slice(w: &Workload, _: &Runtime) -> (Duration, usize) {
    let mut server = open_server();
    let mut read_buf = vec![0u8; CHUNK];
    let mut got = 0;
    let t = Clock::start();
    for chunk in w.wire.chunks(CHUNK) {
        // The socket read every other row pays inside its stream.
        let buf = &mut read_buf[..chunk.len()];
        buf.copy_from_slice(chunk);
        server.receive(buf);
        got += drain(&mut server);
    }
    (t.stop(), got)
}

fn drain(server: &mut wscore::Connection) -> usize {
    let mut got = 0;
    while let Some(event) = server.poll_event() {
        got += match event {
            wscore::Event::Text(s) => black_box(s).len(),
            wscore::Event::Binary(b) => black_box(b).len(),
            other => panic!("unexpected {other:?}"),
        };
    }
    got
}

fn tungstenite(w: &Workload, _: &Runtime) -> (Duration, usize) {
    use tungstenite::{protocol::Role, Message, WebSocket};
    let mut ws = WebSocket::from_raw_socket(MemStream::reader(&w.wire), Role::Server, None);
    let mut got = 0;
    let t = Clock::start();
    for _ in 0..w.count {
        got += match ws.read().unwrap() {
            Message::Text(s) => black_box(s).len(),
            Message::Binary(b) => black_box(b).len(),
            other => panic!("unexpected {other:?}"),
        };
    }
    (t.stop(), got)
}

fn fastwebsockets(w: &Workload, rt: &Runtime) -> (Duration, usize) {
    use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
    rt.block_on(async {
        let mut ws = FragmentCollector::new(WebSocket::after_handshake(
            MemStream::reader(&w.wire),
            Role::Server,
        ));
        let mut got = 0;
        let t = Clock::start();
        for _ in 0..w.count {
            let frame = ws.read_frame().await.unwrap();
            // Text is UTF-8-checked by the library before it returns the frame.
            assert!(matches!(frame.opcode, OpCode::Text | OpCode::Binary));
            got += black_box(&frame.payload[..]).len();
        }
        (t.stop(), got)
    })
}

fn sockudo(w: &Workload, _: &Runtime) -> (Duration, usize) {
    use sockudo_ws::protocol::{Message, Protocol, Role};
    let mut proto = Protocol::new(Role::Server, 64 << 20, 64 << 20);
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut messages = Vec::new();
    let mut got = 0;
    let t = Clock::start();
    for chunk in w.wire.chunks(CHUNK) {
        buf.extend_from_slice(chunk); // the socket read
        proto.process_into(&mut buf, &mut messages).unwrap();
        for m in messages.drain(..) {
            got += match m {
                Message::Text(b) | Message::Binary(b) => black_box(b).len(),
                other => panic!("unexpected {other:?}"),
            };
        }
    }
    (t.stop(), got)
}

fn tokio_websockets(w: &Workload, rt: &Runtime) -> (Duration, usize) {
    rt.block_on(async {
        let mut ws = tokio_websockets::ServerBuilder::new().serve(MemStream::reader(&w.wire));
        let mut got = 0;
        let t = Clock::start();
        for _ in 0..w.count {
            let m = ws.next().await.unwrap().unwrap();
            got += match w.kind {
                Kind::Text => black_box(m.as_text().unwrap()).len(),
                Kind::Binary => black_box(m.as_payload()).len(),
            };
        }
        (t.stop(), got)
    })
}

/// The reference: each read copied into one reused 64 KiB buffer, then
/// unmasked in place (every frame's key is the same word here; the bytes
/// touched are what count).
fn memcpy_xor(w: &Workload, _: &Runtime) -> (Duration, usize) {
    let mut buf = vec![1u8; CHUNK];
    let t = Clock::start();
    for chunk in w.wire.chunks(CHUNK) {
        copy_xor(&mut buf, chunk, 0x1234_5678);
        black_box(&buf);
    }
    (t.stop(), w.bytes())
}
