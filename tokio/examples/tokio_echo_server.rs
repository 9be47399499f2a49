//! Echo server on tokio: every text and binary message comes straight back.
//!
//! `cargo run --release -p wscore-tokio --example tokio_echo_server -- 127.0.0.1:9001`
//!
//! Limits raised so the Autobahn|Testsuite's 16 MiB messages fit, and
//! permessage-deflate accepted. One task per connection; no copy of a
//! message on the way in or out.

use tokio::net::TcpListener;
use wscore_tokio::{accept_with, Accept, Config, DeflateConfig, Message};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "wscore-tokio echo server listening on ws://{}/",
        listener.local_addr()?
    );
    let config = Config {
        max_frame_size: 64 << 20,
        max_message_size: 64 << 20,
        deflate: Some(DeflateConfig::default()),
        ..Config::default()
    };
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: wait instead of spinning.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let config = config.clone();
        tokio::spawn(async move {
            let mut ws = match accept_with(tcp, config, |_| Ok(Accept::default())).await {
                Ok(ws) => ws,
                Err(e) => return eprintln!("handshake failed: {e}"),
            };
            while let Some(Ok(message)) = ws.recv().await {
                if let Message::Text(_) | Message::Binary(_) = message {
                    // After the peer's close this is a typed error we can ignore.
                    let _ = ws.send(message).await;
                }
            }
        });
    }
}
