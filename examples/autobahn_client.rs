//! Drives the Autobahn|Testsuite fuzzing server with wscore as the client:
//! fetch the case count, echo every case, then ask for the reports.
//!
//! `cargo run --release -p wscore --example autobahn_client -- ws://127.0.0.1:9001 wscore-client`

#[path = "common/blocking.rs"]
mod blocking;

use std::net::TcpStream;

use blocking::Blocking;
use wscore::{ClientRequest, Config, Connection, Event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The first argument is the program name.
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "wscore-client".into());

    let count: u32 = match run(&base, "/getCaseCount", false)? {
        Some(text) => text.trim().parse()?,
        None => return Err("no case count received".into()),
    };
    println!("{count} cases");
    for case in 1..=count {
        run(&base, &format!("/runCase?case={case}&agent={agent}"), true)?;
    }
    run(&base, &format!("/updateReports?agent={agent}"), false)?;
    println!("reports updated for {agent}");
    Ok(())
}

/// Opens `base + path`; echoes messages if `echo`, otherwise returns the first text.
fn run(base: &str, path: &str, echo: bool) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let url = format!("{base}{path}");
    let host = base.trim_start_matches("ws://").trim_end_matches('/');
    let stream = TcpStream::connect(host)?;
    let config = Config {
        max_frame_size: 64 << 20,
        max_message_size: 64 << 20,
        deflate: Some(wscore::DeflateConfig::default()),
        ..Config::default()
    };
    let mut ws = Blocking::new(stream, Connection::client(config, ClientRequest::new(url))?);
    let mut first_text = None;
    while let Some(event) = ws.next_event()? {
        match event {
            Event::Text(text) if echo => {
                let _ = ws.conn.send_text(text);
            }
            Event::Binary(data) if echo => {
                let _ = ws.conn.send_binary(data);
            }
            Event::Text(text) if first_text.is_none() => first_text = Some(text.into()),
            _ => {}
        }
    }
    Ok(first_text)
}
