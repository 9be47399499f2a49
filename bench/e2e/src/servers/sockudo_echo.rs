//! sockudo-ws's tokio stream API, as its README and examples/simple_echo.rs
//! (`WebSocketServer::accept` exists only with its http2/http3 features): the
//! crate's HTTP/1.1 `server_handshake`, then a `WebSocketStream` given the bytes
//! read past the handshake (what `accept` does), echoing via `StreamExt`/`SinkExt`.

use futures_util::{SinkExt, StreamExt};
use sockudo_ws::handshake::server_handshake;
use sockudo_ws::{Config, Message, Role, WebSocketStream};
use tokio::net::TcpListener;

pub async fn serve(listener: TcpListener) {
    while let Ok((mut stream, _)) = listener.accept().await {
        stream.set_nodelay(true).ok();
        tokio::spawn(async move {
            let Ok(handshake) = server_handshake(&mut stream).await else {
                return;
            };
            let mut ws = WebSocketStream::from_raw_with_leftover(
                stream,
                Role::Server,
                Config::default(),
                handshake.leftover,
            );
            while let Some(Ok(msg)) = ws.next().await {
                let reply = match msg {
                    Message::Text(text) => Message::Text(text),
                    Message::Binary(data) => Message::Binary(data),
                    Message::Close(_) => break,
                    _ => continue,
                };
                if ws.send(reply).await.is_err() {
                    break;
                }
            }
        });
    }
}
