//! Echo server: every text and binary message comes straight back.
//!
//! `cargo run --release -p wscore --example echo_server -- 127.0.0.1:9001`
//!
//! Blocking `std::net`, one thread per connection, limits raised so the
//! Autobahn|Testsuite's 16 MiB messages fit.

#[path = "common/blocking.rs"]
mod blocking;

use std::net::TcpListener;

use blocking::Blocking;
use wscore::{Accept, Config, Connection, Event};

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr)?;
    let addr = listener.local_addr()?;
    println!("wscore echo server listening on ws://{addr}/");
    println!("try it: python3 -m websockets ws://{addr}/   (or any WebSocket client)");
    let config = Config {
        max_frame_size: 64 << 20,
        max_message_size: 64 << 20,
        deflate: Some(wscore::DeflateConfig::default()),
        ..Config::default()
    };
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let config = config.clone();
        std::thread::spawn(move || {
            let mut ws = Blocking::new(stream, Connection::server(config));
            if let Err(e) = echo(&mut ws) {
                eprintln!("connection error: {e}");
            }
        });
    }
    Ok(())
}

fn echo(ws: &mut Blocking) -> std::io::Result<()> {
    while let Some(event) = ws.next_event()? {
        match event {
            Event::Request(_) => {
                ws.conn
                    .accept(Accept::default())
                    .expect("a request is pending");
            }
            // A send after the peer's close is a typed error we can ignore here.
            Event::Text(text) => {
                let _ = ws.conn.send_text(text);
            }
            Event::Binary(data) => {
                let _ = ws.conn.send_binary(data);
            }
            _ => {}
        }
    }
    Ok(())
}
