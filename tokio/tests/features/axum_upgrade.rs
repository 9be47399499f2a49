//! WebSockets upgraded from an axum handler (our `WebSocketUpgrade`
//! extractor) and from a plain hyper service (`wscore_tokio::hyper::upgrade`),
//! over 127.0.0.1: tokio-tungstenite's client (it has no permessage-deflate,
//! so it checks that an unoffered extension stays off), our client with
//! permessage-deflate, the compressed frames on the wire, and the refusals:
//! a bad upgrade request (400, 426) and a bad Origin (403).

use std::convert::Infallible;

use crate::common::{bounded, listen};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as T};
use wscore::{DeflateParams, OriginPolicy};
use wscore_tokio::axum::{UpgradedWebSocket, WebSocketUpgrade};
use wscore_tokio::{connect_with, ClientRequest, Closed, Config, DeflateConfig, Message};

/// What the server saw of one connection: the deflate parameters agreed, the
/// subprotocol the upgraded socket reports, and how it ended.
type Report = (Option<DeflateParams>, Option<String>, Closed);

/// Echoes text and binary until the connection ends, then reports.
async fn echo(
    mut ws: UpgradedWebSocket,
    selected: Option<String>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let deflate = ws.deflate();
    // The socket knows what the handler selected before the upgrade.
    let protocol = ws.subprotocol();
    assert_eq!(protocol, selected);
    while let Some(Ok(message)) = ws.recv().await {
        if let Message::Text(_) | Message::Binary(_) = message {
            let _ = ws.send(message).await;
        }
    }
    let _ = reports.send((deflate, protocol, ws.close_report().expect("ended")));
}

/// An axum app on 127.0.0.1 whose `/ws` upgrades with `config` (and selects
/// the `chat` subprotocol when offered); its `ws://` URL and the reports.
async fn axum_server(config: Config) -> (String, mpsc::UnboundedReceiver<Report>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/ws",
        get(move |ws: WebSocketUpgrade| async move {
            let tx = tx.clone();
            let ws = ws.config(config).protocol("chat");
            let protocol = ws.selected_protocol().map(str::to_string);
            ws.on_upgrade(move |ws| echo(ws, protocol, tx))
        }),
    );
    let (listener, url) = listen().await;
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("{url}ws"), rx)
}

fn deflate_config() -> Config {
    Config {
        deflate: Some(DeflateConfig::default()),
        ..Config::default()
    }
}

/// Sends a raw request head and reads the response head: status and head text.
async fn raw_exchange(url: &str, head: String) -> (u16, String) {
    let addr = url.trim_start_matches("ws://").split('/').next().unwrap();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed before a response head: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    (status, text)
}

fn upgrade_head(path: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    )
}

#[tokio::test]
async fn tungstenite_through_the_axum_extractor() {
    bounded("axum + tungstenite", async {
        // The server would compress, but tungstenite does not offer it.
        let (url, mut reports) = axum_server(deflate_config()).await;
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "other, chat".parse().unwrap());
        let (mut client, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
        assert!(response.headers().get("sec-websocket-extensions").is_none());

        client.send(T::text("hello axum")).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), T::text("hello axum"));
        let big = vec![42u8; 100_000];
        client.send(T::binary(big.clone())).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), T::binary(big));
        client.close(None).await.unwrap();
        while let Some(Ok(_)) = client.next().await {}

        let (deflate, protocol, closed) = reports.recv().await.unwrap();
        assert_eq!(deflate, None);
        assert_eq!(protocol.as_deref(), Some("chat"));
        assert!(closed.clean, "{closed:?}");
    })
    .await;
}

#[tokio::test]
async fn permessage_deflate_is_negotiated_through_the_upgrade() {
    bounded("axum + deflate", async {
        let (url, mut reports) = axum_server(deflate_config()).await;
        let (mut ws, response) = connect_with(ClientRequest::new(url.clone()), deflate_config())
            .await
            .unwrap();
        assert_eq!(response.extensions.len(), 1, "{response:?}");
        assert!(response.extensions[0].starts_with("permessage-deflate"));
        assert!(ws.deflate().is_some());
        let text = "compress me ".repeat(10_000);
        ws.send(text.as_str()).await.unwrap();
        match ws.recv().await.unwrap().unwrap() {
            Message::Text(echoed) => assert_eq!(echoed.as_str(), text),
            other => panic!("{other:?}"),
        }
        assert!(ws.close(1000, "").await.unwrap().clean);
        let (deflate, _, closed) = reports.recv().await.unwrap();
        assert_eq!(deflate, ws.deflate(), "both sides agree");
        assert!(closed.clean);

        // On the wire: the server's echo is a compressed frame (RSV1 set).
        let offer = "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n";
        let mut tcp =
            TcpStream::connect(url.trim_start_matches("ws://").split('/').next().unwrap())
                .await
                .unwrap();
        tcp.write_all(upgrade_head("/ws", offer).as_bytes())
            .await
            .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 101"), "{head}");
        assert!(
            head.contains("sec-websocket-extensions: permessage-deflate"),
            "{head}"
        );
        // A masked, uncompressed text frame (zero mask) of 1000 'a's.
        let mut frame = vec![0x81, 0x80 | 126, 0x03, 0xE8, 0, 0, 0, 0];
        frame.extend(std::iter::repeat_n(b'a', 1000));
        tcp.write_all(&frame).await.unwrap();
        let (first, second) = (tcp.read_u8().await.unwrap(), tcp.read_u8().await.unwrap());
        assert_eq!(first, 0xC1, "FIN + RSV1 (compressed) + text");
        assert!(
            second < 126 && second > 0,
            "1000 bytes compressed to {second}"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_upgrade_requests_are_refused_before_the_handler() {
    bounded("bad requests", async {
        let (url, _reports) = axum_server(Config::default()).await;
        // No Sec-WebSocket-Version: 426 and the version we speak.
        let (status, head) = raw_exchange(&url, upgrade_head("/ws", "")).await;
        assert_eq!(status, 426, "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("sec-websocket-version: 13"),
            "{head}"
        );
        // An old draft's version: 426 too.
        let (status, _) =
            raw_exchange(&url, upgrade_head("/ws", "Sec-WebSocket-Version: 8\r\n")).await;
        assert_eq!(status, 426);
        // A plain GET (no Upgrade): 400, with core's reason.
        let plain = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_string();
        let (status, head) = raw_exchange(&url, plain).await;
        assert_eq!(status, 400, "{head}");
        // A key that is not 16 bytes of base64: 400.
        let bad_key = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
                       Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                       Sec-WebSocket-Key: c2hvcnQ=\r\n\r\n";
        let (status, _) = raw_exchange(&url, bad_key.to_string()).await;
        assert_eq!(status, 400);
    })
    .await;
}

#[tokio::test]
async fn the_origin_policy_applies_to_the_upgrade() {
    bounded("origin", async {
        let config = Config {
            origin_policy: Some(Box::new(OriginPolicy::origins(["https://good.example"]))),
            ..Config::default()
        };
        let (url, mut reports) = axum_server(config).await;
        let with_origin = |origin: &str| {
            let mut request = url.as_str().into_client_request().unwrap();
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
            request
        };
        match tokio_tungstenite::connect_async(with_origin("https://evil.example")).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403);
                let body =
                    String::from_utf8_lossy(response.body().as_deref().unwrap_or(&[])).into_owned();
                assert!(body.contains("evil.example"), "{body}");
            }
            Err(other) => panic!("expected a 403, got {other:?}"),
            Ok(_) => panic!("a refused origin was let through"),
        }
        let (mut client, _) = tokio_tungstenite::connect_async(with_origin("https://good.example"))
            .await
            .unwrap();
        client.send(T::text("allowed")).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), T::text("allowed"));
        client.close(None).await.unwrap();
        // Only the allowed connection reached the handler's callback.
        let (_, _, closed) = reports.recv().await.unwrap();
        assert!(closed.clean);
        assert!(reports.try_recv().is_err());
    })
    .await;
}

/// A plain hyper service: `/ws` upgrades, anything else is a page.
async fn hyper_service(
    mut request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, Infallible> {
    if !wscore_tokio::hyper::is_upgrade_request(&request) {
        return Ok(hyper::Response::new("a page".to_string().into()));
    }
    Ok(
        match wscore_tokio::hyper::upgrade(&mut request, deflate_config()) {
            Ok((response, upgrading)) => {
                tokio::spawn(async move {
                    let mut ws = upgrading.await.unwrap();
                    assert!(ws.deflate().is_some(), "our client offered deflate");
                    while let Some(Ok(message)) = ws.recv().await {
                        if !message.is_close() {
                            let _ = ws.send(message).await;
                        }
                    }
                });
                response
            }
            Err(refusal) => refusal,
        },
    )
}

#[tokio::test]
async fn a_plain_hyper_service_upgrades() {
    bounded("hyper", async {
        let (listener, url) = listen().await;
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let io = hyper_util::rt::TokioIo::new(tcp);
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, hyper::service::service_fn(hyper_service))
                        .with_upgrades(),
                );
            }
        });
        let (mut ws, response) = connect_with(ClientRequest::new(url.clone()), deflate_config())
            .await
            .unwrap();
        assert!(!response.extensions.is_empty());
        ws.send("through hyper").await.unwrap();
        assert_eq!(
            ws.recv().await.unwrap().unwrap().as_text(),
            Some("through hyper")
        );
        assert!(ws.close(1000, "").await.unwrap().clean);

        let (status, head) =
            raw_exchange(&url, upgrade_head("/", "Sec-WebSocket-Version: 7\r\n")).await;
        assert_eq!(status, 426, "{head}");
    })
    .await;
}
