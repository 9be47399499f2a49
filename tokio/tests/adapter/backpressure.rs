//! Backpressure both ways over 127.0.0.1: a send waits (and `try_send`
//! refuses) past the write high-water mark; a peer flooding an application
//! that does not read fills socket buffers, not our memory; a peer that stops
//! reading for the stall timeout is dropped with 1008.

use std::time::{Duration, Instant};

use crate::common::{bounded, listen};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as T;
use wscore_tokio::{accept_with, Accept, Bytes, Config, Error, Initiator, Message, WebSocket};

const CHUNK: usize = 64 * 1024;

/// A wscore-tokio server with `config`, and a tungstenite client that has
/// done its handshake (and reads nothing until polled).
async fn pair(
    config: Config,
) -> (
    WebSocket<TcpStream>,
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
) {
    let (listener, url) = listen().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        accept_with(tcp, config, |_| Ok(Accept::default()))
            .await
            .unwrap()
    });
    let (client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    (server.await.unwrap(), client)
}

#[tokio::test]
async fn send_waits_and_try_send_refuses_past_the_high_water_mark() {
    bounded("write backpressure", async {
        let high_water = 256 * 1024;
        let config = Config {
            output_high_water: high_water,
            output_stall_timeout: None,
            ..Config::default()
        };
        let (ws, mut client) = pair(config).await;
        let sender = ws.sender();
        let chunk = Bytes::from(vec![5u8; CHUNK]);
        // The client reads nothing: the socket buffers fill, then our output.
        let mut queued = 0usize;
        let full = loop {
            assert!(queued < 4096, "256 MiB queued and never refused");
            match sender.try_send(chunk.clone()) {
                Ok(()) => queued += 1,
                Err(Error::Full) => break true,
                Err(e) => panic!("{e}"),
            }
            tokio::task::yield_now().await;
        };
        assert!(full);
        let buffered = ws.buffered_amount();
        assert!(
            buffered > high_water && buffered <= high_water + CHUNK + 64,
            "refused only past the mark, by at most one message: {buffered}"
        );
        // A send waits instead of queueing more.
        let waited =
            tokio::time::timeout(Duration::from_millis(300), sender.send(chunk.clone())).await;
        assert!(
            waited.is_err(),
            "send returned while over the mark: {waited:?}"
        );
        assert_eq!(
            ws.buffered_amount(),
            buffered,
            "the abandoned send queued nothing"
        );
        // The client reads: the send completes, and everything arrives.
        let reader = tokio::spawn(async move {
            let mut n = 0;
            while let Some(Ok(m)) = client.next().await {
                if let T::Binary(data) = m {
                    assert_eq!(data.len(), CHUNK);
                    n += 1;
                }
            }
            n
        });
        sender.send(chunk.clone()).await.unwrap();
        let mut ws = ws;
        let closed = ws.close(1000, "").await.unwrap();
        assert!(closed.clean, "{closed:?}");
        assert_eq!(reader.await.unwrap(), queued + 1);
    })
    .await;
}

/// Resident memory of this process, in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test]
async fn a_flood_the_application_does_not_read_stays_in_socket_buffers() {
    bounded("read backpressure", async {
        let (mut ws, client) = pair(Config::default()).await;
        let before = rss();
        // The peer floods 256 MiB; our application reads nothing for a while.
        let (mut flood_tx, _flood_rx) = client.split();
        let flooder = tokio::spawn(async move {
            let chunk = Bytes::from(vec![9u8; CHUNK]);
            let mut sent = 0usize;
            for _ in 0..4096 {
                let step = tokio::time::timeout(
                    Duration::from_millis(500),
                    flood_tx.send(T::Binary(chunk.clone())),
                );
                match step.await {
                    Ok(Ok(())) => sent += 1,
                    Ok(Err(e)) => panic!("{e}"),
                    Err(_) => return (sent, Some(flood_tx)), // stalled: our side reads nothing
                }
            }
            (sent, None)
        });
        let (stalled_at, flood_tx) = flooder.await.unwrap();
        let mut flood_tx = flood_tx.expect("the flood must stall while we do not read");
        let grown = rss().saturating_sub(before);
        // What the peer got rid of sits in the two socket buffers (a few MiB
        // on loopback), not in our process.
        assert!(
            stalled_at * CHUNK < 48 << 20,
            "{stalled_at} messages taken without reading"
        );
        assert!(
            grown < 24 << 20,
            "RSS grew by {grown} bytes while not reading"
        );
        // Now we read: every message arrives, in full, and the flood goes on.
        let finish = tokio::spawn(async move {
            for _ in 0..64 {
                flood_tx
                    .send(T::Binary(Bytes::from(vec![9u8; CHUNK])))
                    .await
                    .unwrap();
            }
            flood_tx.close().await.unwrap();
        });
        let mut received = 0;
        while let Some(item) = ws.recv().await {
            match item.unwrap() {
                Message::Binary(data) => {
                    assert_eq!(data.len(), CHUNK);
                    received += 1;
                }
                Message::Close(_) => {}
                other => panic!("{other:?}"),
            }
        }
        finish.await.unwrap();
        // The message whose send timed out may or may not have gone out whole.
        assert!(
            received == stalled_at + 64 || received == stalled_at + 65,
            "{received} vs {stalled_at}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_peer_that_stops_reading_is_dropped_after_the_stall_timeout() {
    bounded("stall", async {
        let config = Config {
            output_high_water: 128 * 1024,
            output_stall_timeout: Some(Duration::from_millis(300)),
            ..Config::default()
        };
        let (ws, _client) = pair(config).await;
        let sender = ws.sender();
        let chunk = Bytes::from(vec![1u8; CHUNK]);
        let started = Instant::now();
        let err = loop {
            match sender.send(chunk.clone()).await {
                Ok(()) => assert!(started.elapsed() < Duration::from_secs(10)),
                Err(e) => break e,
            }
        };
        let Error::Closed(info) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (info.code.0, info.initiator),
            (1008, Initiator::ProtocolError)
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}
