//! Drives the Autobahn|Testsuite fuzzing server with wscore-tokio as the
//! client: fetch the case count, echo every case, then ask for the reports.
//!
//! `cargo run --release -p wscore-tokio --example tokio_autobahn_client -- ws://127.0.0.1:9001 wscore-tokio-client`

use wscore_tokio::{connect_with, ClientRequest, Config, DeflateConfig, Message};

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // The first argument is the program name.
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "wscore-tokio-client".into());

    let count: u32 = match run(&base, "/getCaseCount", false).await? {
        Some(text) => text.trim().parse()?,
        None => return Err("no case count received".into()),
    };
    println!("{count} cases");
    for case in 1..=count {
        run(&base, &format!("/runCase?case={case}&agent={agent}"), true).await?;
    }
    run(&base, &format!("/updateReports?agent={agent}"), false).await?;
    println!("reports updated for {agent}");
    Ok(())
}

/// Opens `base + path`; echoes messages if `echo`, otherwise returns the first text.
async fn run(base: &str, path: &str, echo: bool) -> Result<Option<String>, Error> {
    let config = Config {
        max_frame_size: 64 << 20,
        max_message_size: 64 << 20,
        deflate: Some(DeflateConfig::default()),
        ..Config::default()
    };
    let (mut ws, _) = connect_with(ClientRequest::new(format!("{base}{path}")), config).await?;
    let mut first_text = None;
    // Errors (the fuzzer breaks the protocol on purpose) end the stream.
    while let Some(Ok(message)) = ws.recv().await {
        match message {
            Message::Text(_) | Message::Binary(_) if echo => {
                let _ = ws.send(message).await;
            }
            Message::Text(text) if first_text.is_none() => first_text = Some(text.into()),
            _ => {}
        }
    }
    Ok(first_text)
}
