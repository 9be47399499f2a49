//! tokio-websockets, as its examples/echo_server.rs: `ServerBuilder::accept`
//! with the example's config and limits, echo through `StreamExt`/`SinkExt`,
//! spawned `unconstrained` as the example does.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_websockets::{Config, Limits, ServerBuilder};

pub async fn serve(listener: TcpListener) {
    while let Ok((conn, _)) = listener.accept().await {
        conn.set_nodelay(true).ok();
        tokio::spawn(tokio::task::unconstrained(async move {
            let Ok((_request, mut server)) = ServerBuilder::new()
                .config(Config::default().frame_size(usize::MAX))
                .limits(Limits::unlimited())
                .accept(conn)
                .await
            else {
                return;
            };
            while let Some(Ok(item)) = server.next().await {
                if (item.is_text() || item.is_binary()) && server.send(item).await.is_err() {
                    return;
                }
            }
        }));
    }
}
