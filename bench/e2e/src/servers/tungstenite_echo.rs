//! tokio-tungstenite, as its examples/echo-server.rs: `accept_async`, then the
//! read half forwarded into the write half.

use futures_util::{future, StreamExt, TryStreamExt};
use tokio::net::TcpListener;

pub async fn serve(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        stream.set_nodelay(true).ok();
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let (write, read) = ws.split();
            let _ = read
                .try_filter(|msg| future::ready(msg.is_text() || msg.is_binary()))
                .forward(write)
                .await;
        });
    }
}
