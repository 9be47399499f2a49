//! Encode rows: a server sending each payload as one unmasked message, each
//! message's bytes handed to the sink (a 256 KiB ring, as a socket's send
//! buffer) as soon as the library has them. Payloads are passed the way each
//! library's docs recommend: `Bytes`/`Utf8Bytes` by value for wscore, each
//! peer's own message type (`Bytes`-backed) or, for fastwebsockets, a borrowed slice.

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::SinkExt;
use tokio::runtime::Runtime;

use crate::clock::Clock;
use crate::mem_stream::MemStream;
use crate::ring_sink::RingSink;
use crate::workload::{open_server, Kind, Workload};

pub type EncodeRow = fn(&Workload, &Runtime, &mut RingSink) -> Duration;

pub const ROWS: &[(&str, EncodeRow)] = &[
    ("wscore", wscore),
    ("tungstenite", tungstenite),
    ("fastwebsockets", fastwebsockets),
    ("sockudo-ws", sockudo),
    ("tokio-websockets", tokio_websockets),
    ("memcpy", memcpy),
];

/// Every payload byte and at least a two-byte header per message reached the sink.
fn check(w: &Workload, sink: &RingSink) {
    assert!(
        sink.written >= w.bytes() + 2 * w.count,
        "short output: {}",
        sink.written
    );
}

fn wscore(w: &Workload, _: &Runtime, sink: &mut RingSink) -> Duration {
    let mut server = open_server();
    let binary = w.shared.clone();
    // Validated here, outside the clock (a binary payload is not UTF-8).
    let text = (w.kind == Kind::Text).then(|| wscore::Utf8Bytes::try_from(binary.clone()).unwrap());
    let t = Clock::start();
    for _ in 0..w.count {
        match &text {
            Some(text) => server.send_text(text.clone()),
            None => server.send_binary(binary.clone()),
        }
        .unwrap();
        while server.buffered_amount() > 0 {
            server.write_to(sink).unwrap();
        }
    }
    let elapsed = t.stop();
    check(w, sink);
    elapsed
}

fn tungstenite(w: &Workload, _: &Runtime, sink: &mut RingSink) -> Duration {
    use tungstenite::{protocol::Role, Message, Utf8Bytes, WebSocket};
    let binary = w.shared.clone();
    let text = (w.kind == Kind::Text).then(|| Utf8Bytes::try_from(binary.clone()).unwrap());
    let mut ws = WebSocket::from_raw_socket(MemStream::writer(sink), Role::Server, None);
    let t = Clock::start();
    for _ in 0..w.count {
        let m = match &text {
            Some(text) => Message::Text(text.clone()),
            None => Message::Binary(binary.clone()),
        };
        ws.send(m).unwrap();
    }
    let elapsed = t.stop();
    drop(ws);
    check(w, sink);
    elapsed
}

fn fastwebsockets(w: &Workload, rt: &Runtime, sink: &mut RingSink) -> Duration {
    use fastwebsockets::{Frame, Payload, Role, WebSocket};
    let elapsed = rt.block_on(async {
        let mut ws = WebSocket::after_handshake(MemStream::writer(sink), Role::Server);
        let t = Clock::start();
        for _ in 0..w.count {
            let payload = Payload::Borrowed(&w.shared);
            let frame = match w.kind {
                Kind::Text => Frame::text(payload),
                Kind::Binary => Frame::binary(payload),
            };
            ws.write_frame(frame).await.unwrap();
        }
        t.stop()
    });
    check(w, sink);
    elapsed
}

fn sockudo(w: &Workload, _: &Runtime, sink: &mut RingSink) -> Duration {
    use sockudo_ws::protocol::{Message, Protocol, Role};
    let mut proto = Protocol::new(Role::Server, 64 << 20, 64 << 20);
    let payload = w.shared.clone();
    let mut buf = BytesMut::new();
    let t = Clock::start();
    for _ in 0..w.count {
        let m = match w.kind {
            Kind::Text => Message::Text(payload.clone()),
            Kind::Binary => Message::Binary(payload.clone()),
        };
        proto.encode_message(&m, &mut buf).unwrap();
        sink.put(&buf); // the socket write
        buf.clear();
    }
    let elapsed = t.stop();
    check(w, sink);
    elapsed
}

fn tokio_websockets(w: &Workload, rt: &Runtime, sink: &mut RingSink) -> Duration {
    use tokio_websockets::Message;
    let payload = w.shared.clone();
    let elapsed = rt.block_on(async {
        let mut ws = tokio_websockets::ServerBuilder::new().serve(MemStream::writer(sink));
        let t = Clock::start();
        for _ in 0..w.count {
            let m = match w.kind {
                Kind::Text => Message::text(payload.clone()),
                Kind::Binary => Message::binary(payload.clone()),
            };
            ws.send(m).await.unwrap();
        }
        t.stop()
    });
    check(w, sink);
    elapsed
}

/// Physical limit: each payload and a two-byte header copied into the ring.
fn memcpy(w: &Workload, _: &Runtime, sink: &mut RingSink) -> Duration {
    let t = Clock::start();
    for _ in 0..w.count {
        sink.put(&[0x82, 0x7e]);
        sink.put(black_box(&w.shared));
    }
    t.stop()
}
