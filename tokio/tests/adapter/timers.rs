//! Core's timers on tokio time: keepalive pings and the pong timeout, the
//! close timeout, the handshake timeout.

use std::time::{Duration, Instant};

use crate::common::{bounded, listen};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use wscore_tokio::{
    accept_with, connect_with, Accept, ClientRequest, Config, Error, Initiator, Message,
};

async fn server_with(
    config: Config,
) -> (
    tokio::task::JoinHandle<wscore_tokio::WebSocket<TcpStream>>,
    String,
) {
    let (listener, url) = listen().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        accept_with(tcp, config, |_| Ok(Accept::default()))
            .await
            .unwrap()
    });
    (server, url)
}

fn keepalive() -> Config {
    Config {
        ping_interval: Some(Duration::from_millis(100)),
        pong_timeout: Some(Duration::from_millis(400)),
        ..Config::default()
    }
}

#[tokio::test]
async fn keepalive_pings_are_answered_by_a_reading_peer() {
    bounded("keepalive", async {
        let (server, url) = server_with(keepalive()).await;
        let (mut client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        // tungstenite answers pings while it is polled.
        let peer = tokio::spawn(async move { while let Some(Ok(_)) = client.next().await {} });
        let mut ws = server.await.unwrap();
        let started = Instant::now();
        let mut pongs = 0;
        while pongs < 4 {
            match ws.recv().await.unwrap().unwrap() {
                Message::Pong(_) => pongs += 1,
                other => panic!("{other:?}"),
            }
        }
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(350) && took < Duration::from_secs(5),
            "{took:?}"
        );
        let closed = ws.close(1000, "").await.unwrap();
        assert!(closed.clean);
        peer.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_silent_peer_meets_the_pong_timeout() {
    bounded("pong timeout", async {
        let (server, url) = server_with(keepalive()).await;
        let (_silent, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut ws = server.await.unwrap();
        let started = Instant::now();
        let end = ws.recv().await;
        let Some(Err(Error::Failed(closed))) = end else {
            panic!("{end:?}")
        };
        assert_eq!(
            (closed.code.0, closed.initiator),
            (1011, Initiator::ProtocolError)
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(450) && took < Duration::from_secs(5),
            "{took:?}"
        );
        assert!(ws.recv().await.is_none());
    })
    .await;
}

#[tokio::test]
async fn close_gives_up_on_a_peer_that_never_replies() {
    bounded("close timeout", async {
        let (listener, url) = listen().await;
        let silent = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(ws);
        });
        let config = Config {
            close_timeout: Some(Duration::from_millis(300)),
            ..Config::default()
        };
        let (mut ws, _) = connect_with(ClientRequest::new(url), config).await.unwrap();
        let started = Instant::now();
        let closed = ws.close(1000, "bye").await.unwrap();
        let took = started.elapsed();
        assert!(!closed.clean, "{closed:?}");
        assert_eq!(closed.initiator, Initiator::Local);
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(5),
            "{took:?}"
        );
        silent.abort();
    })
    .await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_meets_the_handshake_timeout() {
    bounded("handshake timeout", async {
        let (listener, _) = listen().await;
        let addr = listener.local_addr().unwrap();
        let config = Config {
            handshake_timeout: Some(Duration::from_millis(200)),
            ..Config::default()
        };
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let started = Instant::now();
            (
                accept_with(tcp, config, |_| Ok(Accept::default()))
                    .await
                    .err(),
                started.elapsed(),
            )
        });
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap(); // and nothing more
        let (err, took) = server.await.unwrap();
        assert!(
            matches!(err, Some(Error::Handshake(wscore::HandshakeError::Timeout))),
            "{err:?}"
        );
        assert!(
            took >= Duration::from_millis(200) && took < Duration::from_secs(5),
            "{took:?}"
        );
    })
    .await;
}
