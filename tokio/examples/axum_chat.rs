//! A chat room on axum: every text a client sends goes to every client in
//! the room, its own included. Copy it as a start.
//!
//! ```sh
//! cargo run -p wscore-tokio --features axum --example axum_chat -- 127.0.0.1:3000
//! ```
//! then open <http://127.0.0.1:3000> in two browser tabs.

use axum::extract::State;
use axum::response::{Html, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::broadcast;
use wscore_tokio::axum::WebSocketUpgrade;
use wscore_tokio::{Config, DeflateConfig, Message, OriginPolicy, Utf8Bytes};

/// The room: a broadcast channel of texts. A `Utf8Bytes` clone shares the
/// received buffer, so fanning a message out copies nothing.
type Room = broadcast::Sender<Utf8Bytes>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:3000".into());
    let (room, _) = broadcast::channel(256);
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/ws", get(join))
        .with_state(room);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("chat on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}

async fn join(ws: WebSocketUpgrade, State(room): State<Room>) -> Response {
    let config = Config {
        // Browsers offer permessage-deflate; chat text compresses well.
        deflate: Some(DeflateConfig::default()),
        // Only this site's pages may join (another site's page would ride
        // the visitor's cookies): others get 403.
        origin_policy: Some(Box::new(OriginPolicy::same_origin())),
        ..Config::default()
    };
    ws.config(config).on_upgrade(move |ws| async move {
        let (sender, mut receiver) = ws.split();
        let mut feed = room.subscribe();
        // The room to this client, in a task of its own.
        let forward = tokio::spawn(async move {
            loop {
                let text = match feed.recv().await {
                    Ok(text) => text,
                    // A client too slow for the room misses messages, and is told.
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        format!("({n} messages missed)").into()
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                // Err(Error::Closed): the client left; stop forwarding.
                if sender.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        // This client to the room, until it leaves.
        while let Some(Ok(message)) = receiver.recv().await {
            if let Message::Text(text) = message {
                let _ = room.send(text); // Err: nobody in the room
            }
        }
        forward.abort();
    })
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8"><title>wscore chat</title>
<ul id="log"></ul>
<form id="form"><input id="text" autocomplete="off" autofocus><button>Send</button></form>
<script>
  const ws = new WebSocket(`ws://${location.host}/ws`);
  const log = (text) => {
    const item = document.createElement("li");
    item.textContent = text;
    document.getElementById("log").append(item);
  };
  ws.onmessage = (event) => log(event.data);
  ws.onclose = (event) => log(`(closed: ${event.code} ${event.reason})`);
  document.getElementById("form").onsubmit = (event) => {
    event.preventDefault();
    const input = document.getElementById("text");
    if (input.value) ws.send(input.value);
    input.value = "";
  };
</script>
"#;
