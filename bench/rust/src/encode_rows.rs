//! Encode rows: a server sending unmasked frames of the payload, each message
//! written (as a socket write would take it) into an in-memory sink.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::SinkExt;
use tokio::runtime::Runtime;

use crate::mem_stream::MemStream;
use crate::workload::{open_server, Kind, Workload};

/// Takes the sink to write into (reused across batches so its pages are warm).
pub type EncodeRow = fn(&Workload, &Runtime, &mut Vec<u8>) -> Duration;

pub const ROWS: &[(&str, EncodeRow)] = &[
    ("wscore", wscore),
    ("tungstenite", tungstenite),
    ("fastwebsockets", fastwebsockets),
    ("sockudo-ws", sockudo),
    ("tokio-websockets", tokio_websockets),
    ("memcpy", memcpy),
];

fn check(w: &Workload, sink: &[u8]) {
    assert!(
        sink.len() >= w.bytes() + 2 * w.count,
        "short output: {}",
        sink.len()
    );
}

fn wscore(w: &Workload, _: &Runtime, sink: &mut Vec<u8>) -> Duration {
    let mut server = open_server();
    let shared = Bytes::from(w.payload.clone());
    // Shared text, as the tungstenite, sockudo-ws and tokio-websockets rows use.
    let text: std::sync::Arc<str> = w.text().into();
    let t = Instant::now();
    for _ in 0..w.count {
        match w.kind {
            Kind::Text => server.send_text(text.clone()),
            Kind::Binary => server.send_binary(shared.clone()),
        }
        .unwrap();
        while server.buffered_amount() > 0 {
            server.write_to(sink).unwrap();
        }
    }
    let elapsed = t.elapsed();
    check(w, sink);
    elapsed
}

fn tungstenite(w: &Workload, _: &Runtime, sink: &mut Vec<u8>) -> Duration {
    use tungstenite::{protocol::Role, Message, Utf8Bytes, WebSocket};
    let mut ws =
        WebSocket::from_raw_socket(MemStream::writer(std::mem::take(sink)), Role::Server, None);
    let binary = Bytes::from(w.payload.clone());
    let text = match w.kind {
        Kind::Text => Utf8Bytes::from(w.text().to_owned()),
        Kind::Binary => Utf8Bytes::default(),
    };
    let t = Instant::now();
    for _ in 0..w.count {
        let m = match w.kind {
            Kind::Text => Message::Text(text.clone()),
            Kind::Binary => Message::Binary(binary.clone()),
        };
        ws.send(m).unwrap();
    }
    let elapsed = t.elapsed();
    *sink = std::mem::take(&mut ws.get_mut().sink);
    check(w, sink);
    elapsed
}

fn fastwebsockets(w: &Workload, rt: &Runtime, sink: &mut Vec<u8>) -> Duration {
    use fastwebsockets::{Frame, Payload, Role, WebSocket};
    rt.block_on(async {
        let mut ws =
            WebSocket::after_handshake(MemStream::writer(std::mem::take(sink)), Role::Server);
        let t = Instant::now();
        for _ in 0..w.count {
            let payload = Payload::Borrowed(&w.payload);
            let frame = match w.kind {
                Kind::Text => Frame::text(payload),
                Kind::Binary => Frame::binary(payload),
            };
            ws.write_frame(frame).await.unwrap();
        }
        let elapsed = t.elapsed();
        *sink = ws.into_inner().sink;
        check(w, sink);
        elapsed
    })
}

fn sockudo(w: &Workload, _: &Runtime, sink: &mut Vec<u8>) -> Duration {
    use sockudo_ws::protocol::{Message, Protocol, Role};
    let mut proto = Protocol::new(Role::Server, 64 << 20, 64 << 20);
    let shared = Bytes::from(w.payload.clone());
    let mut buf = BytesMut::new();
    let t = Instant::now();
    for _ in 0..w.count {
        let m = match w.kind {
            Kind::Text => Message::Text(shared.clone()),
            Kind::Binary => Message::Binary(shared.clone()),
        };
        proto.encode_message(&m, &mut buf).unwrap();
        sink.extend_from_slice(&buf); // the socket write
        buf.clear();
    }
    let elapsed = t.elapsed();
    check(w, sink);
    elapsed
}

fn tokio_websockets(w: &Workload, rt: &Runtime, sink: &mut Vec<u8>) -> Duration {
    use tokio_websockets::Message;
    rt.block_on(async {
        let mut ws =
            tokio_websockets::ServerBuilder::new().serve(MemStream::writer(std::mem::take(sink)));
        let shared = Bytes::from(w.payload.clone());
        let t = Instant::now();
        for _ in 0..w.count {
            let m = match w.kind {
                Kind::Text => Message::text(shared.clone()),
                Kind::Binary => Message::binary(shared.clone()),
            };
            ws.send(m).await.unwrap();
        }
        let elapsed = t.elapsed();
        *sink = ws.into_inner().sink;
        check(w, sink);
        elapsed
    })
}

/// Physical limit: copy each payload into the sink (headers omitted).
fn memcpy(w: &Workload, _: &Runtime, sink: &mut Vec<u8>) -> Duration {
    let t = Instant::now();
    for _ in 0..w.count {
        sink.extend_from_slice(&w.payload);
        sink.extend_from_slice(&[0x82, 0x7e]);
    }
    let elapsed = t.elapsed();
    black_box(&sink);
    elapsed
}
