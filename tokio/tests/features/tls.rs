//! `wss://` over 127.0.0.1 with a self-signed certificate the test makes
//! (rcgen): our client and server, tokio-tungstenite's client against our
//! server and our client against its server (the TLS layer is tokio-rustls on
//! both sides), and the refusals a client must make (unknown issuer, wrong name).

use std::sync::Arc;

use crate::common::{bounded, listen};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tokio_tungstenite::tungstenite::Message as T;
use wscore_tokio::rustls::crypto::ring;
use wscore_tokio::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};
use wscore_tokio::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use wscore_tokio::{
    accept, connect, connect_tls, ClientRequest, Config, Error, Initiator, Message, WebSocket,
};

/// A fresh self-signed certificate for `names`: the server's settings, and a
/// client's that trust that certificate alone.
fn tls_pair(names: &[&str]) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names).unwrap();
    let cert: CertificateDer<'static> = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let provider = Arc::new(ring::default_provider());
    let server = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

/// A listener on 127.0.0.1 and its `wss://` URL.
async fn listen_tls() -> (TcpListener, String) {
    let (listener, url) = listen().await;
    (listener, url.replacen("ws://", "wss://", 1))
}

/// Our TLS echo server for one connection: how the WebSocket ended.
fn our_echo_server(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
) -> tokio::task::JoinHandle<wscore_tokio::Closed> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        // The whole server side of wss://: tokio-rustls, then `accept`.
        let stream = TlsAcceptor::from(tls).accept(tcp).await.unwrap();
        let mut ws = accept(stream).await.unwrap();
        while let Some(Ok(message)) = ws.recv().await {
            if let Message::Text(_) | Message::Binary(_) = message {
                let _ = ws.send(message).await;
            }
        }
        ws.close_report().expect("the stream ended")
    })
}

/// The next text, binary or close message (pings and pongs skipped).
async fn next_data<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>) -> Message {
    loop {
        let message = ws.recv().await.expect("a message").unwrap();
        if let Message::Text(_) | Message::Binary(_) | Message::Close(_) = message {
            return message;
        }
    }
}

#[tokio::test]
async fn our_client_and_server_over_tls() {
    bounded("tls echo", async {
        let (server_tls, client_tls) = tls_pair(&["127.0.0.1"]);
        let (listener, url) = listen_tls().await;
        let server = our_echo_server(listener, server_tls);

        let (mut ws, response) =
            connect_tls(ClientRequest::new(url), Config::default(), client_tls)
                .await
                .unwrap();
        assert_eq!(response.status, 101);
        ws.send("over tls").await.unwrap();
        assert_eq!(next_data(&mut ws).await.as_text(), Some("over tls"));
        // Larger than a TLS record (16 KiB): several records each way.
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        ws.send(big.clone()).await.unwrap();
        assert_eq!(next_data(&mut ws).await.as_bytes(), &big[..]);

        let closed = ws.close(1000, "done").await.unwrap();
        assert!(closed.clean, "{closed:?}");
        let server_end = server.await.unwrap();
        assert!(server_end.clean, "{server_end:?}");
        assert_eq!(server_end.initiator, Initiator::Remote);
    })
    .await;
}

#[tokio::test]
async fn tungstenite_client_against_our_tls_server() {
    bounded("tungstenite client", async {
        let (server_tls, client_tls) = tls_pair(&["127.0.0.1"]);
        let (listener, url) = listen_tls().await;
        let port = listener.local_addr().unwrap().port();
        let server = our_echo_server(listener, server_tls);

        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let tls = TlsConnector::from(client_tls)
            .connect(name, tcp)
            .await
            .unwrap();
        let (mut client, _) = tokio_tungstenite::client_async(url, tls).await.unwrap();
        client.send(T::text("hello")).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), T::text("hello"));
        client.send(T::binary(vec![7u8; 70_000])).await.unwrap();
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            T::binary(vec![7u8; 70_000])
        );
        client.close(None).await.unwrap();
        while let Some(Ok(_)) = client.next().await {}

        let server_end = server.await.unwrap();
        assert!(server_end.clean, "{server_end:?}");
    })
    .await;
}

#[tokio::test]
async fn our_client_against_a_tungstenite_tls_server() {
    bounded("tungstenite server", async {
        let (server_tls, client_tls) = tls_pair(&["127.0.0.1"]);
        let (listener, url) = listen_tls().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = TlsAcceptor::from(server_tls).accept(tcp).await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tls).await.unwrap();
            // Echo one message, then close from the server's side.
            let message = ws.next().await.unwrap().unwrap();
            ws.send(message).await.unwrap();
            ws.close(None).await.unwrap();
            while let Some(Ok(_)) = ws.next().await {}
        });

        let (mut ws, _) = connect_tls(ClientRequest::new(url), Config::default(), client_tls)
            .await
            .unwrap();
        let sender = ws.sender();
        ws.send("ping me back").await.unwrap();
        assert_eq!(next_data(&mut ws).await.as_text(), Some("ping me back"));
        assert!(next_data(&mut ws).await.is_close());
        assert!(ws.recv().await.is_none(), "the stream ends after the close");
        let report = ws.close_report().unwrap();
        assert!(report.clean, "{report:?}");
        assert_eq!(report.initiator, Initiator::Remote);
        match sender.send("too late").await {
            Err(Error::Closed(info)) => assert_eq!(info.initiator, Initiator::Remote),
            other => panic!("a send after the close: {other:?}"),
        }
        server.await.unwrap();
    })
    .await;
}

/// The TLS error inside a failed connect.
fn tls_error<T>(result: Result<T, Error>) -> rustls::Error {
    match result {
        Err(Error::Io(e)) => e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .unwrap_or_else(|| panic!("not a TLS error: {e:?}"))
            .clone(),
        Err(other) => panic!("expected a TLS failure, got {other:?}"),
        Ok(_) => panic!("expected a TLS failure, but the connection opened"),
    }
}

/// A server that completes nothing: it takes the TCP connection and lets the
/// TLS handshake fail on the client's side.
fn tls_server_expecting_failure(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        assert!(
            TlsAcceptor::from(tls).accept(tcp).await.is_err(),
            "the client must refuse"
        );
    })
}

#[tokio::test]
async fn connect_uses_the_web_roots_and_refuses_a_self_signed_certificate() {
    bounded("unknown issuer", async {
        let (server_tls, _) = tls_pair(&["127.0.0.1"]);
        let (listener, url) = listen_tls().await;
        let server = tls_server_expecting_failure(listener, server_tls);
        let error = tls_error(connect(&url).await);
        assert!(
            matches!(
                error,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
            ),
            "{error:?}"
        );
        server.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused_and_the_right_name_passes() {
    bounded("server name", async {
        // The certificate names `localhost` only.
        let (server_tls, client_tls) = tls_pair(&["localhost"]);
        let (listener, url) = listen_tls().await;
        let server = tls_server_expecting_failure(listener, server_tls.clone());
        let refused = connect_tls(
            ClientRequest::new(url),
            Config::default(),
            client_tls.clone(),
        )
        .await;
        let error = tls_error(refused);
        assert!(
            matches!(error, rustls::Error::InvalidCertificate(_)),
            "{error:?}"
        );
        server.await.unwrap();

        // The same certificate, asked for by its name (SNI and verification by DNS name).
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = our_echo_server(listener, server_tls);
        let url = format!("wss://localhost:{port}/");
        let (mut ws, _) = connect_tls(ClientRequest::new(url), Config::default(), client_tls)
            .await
            .unwrap();
        ws.send("by name").await.unwrap();
        assert_eq!(next_data(&mut ws).await.as_text(), Some("by name"));
        assert!(ws.close(1000, "").await.unwrap().clean);
        assert!(server.await.unwrap().clean);
    })
    .await;
}
