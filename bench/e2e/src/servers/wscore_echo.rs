//! wscore-tokio, as its README and crate docs: `accept`, then `recv`/`send`
//! (`StreamExt::next` and `SinkExt::send`), the received message sent back as is.

use tokio::net::TcpListener;
use wscore_tokio::{accept, Message};

pub async fn serve(listener: TcpListener) {
    while let Ok((tcp, _)) = listener.accept().await {
        tcp.set_nodelay(true).ok();
        tokio::spawn(async move {
            let Ok(mut ws) = accept(tcp).await else {
                return;
            };
            while let Some(Ok(msg)) = ws.recv().await {
                if let Message::Text(_) | Message::Binary(_) = msg {
                    if ws.send(msg).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}
