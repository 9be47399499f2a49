//! Writing a client's upgrade request from any URL, subprotocols and header
//! value: either a clean error, or a request a wscore server accepts, with the
//! same target and subprotocols, and whose 101 the client accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wscore::{Accept, ClientRequest, Config, Connection, Event};

/// Lines: the URL, then comma-separated subprotocols, then (optional) a header value.
#[derive(Debug)]
struct Input {
    url: String,
    subprotocols: Vec<String>,
    header_value: Option<Vec<u8>>,
}

fn parse(data: &[u8]) -> Option<Input> {
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let url = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let protocols = std::str::from_utf8(parts.next().unwrap_or_default()).ok()?;
    let subprotocols = if protocols.is_empty() {
        Vec::new()
    } else {
        protocols.split(',').map(str::to_owned).collect()
    };
    let header_value = parts.next().map(<[u8]>::to_vec);
    Some(Input {
        url,
        subprotocols,
        header_value,
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = parse(data) else { return };
    let mut request = ClientRequest::new(input.url.clone());
    for p in &input.subprotocols {
        request = request.subprotocol(p.clone());
    }
    if let Some(value) = &input.header_value {
        request = request.header("X-Fuzz", value.clone());
    }
    let Ok(mut client) = Connection::client(Config::default(), request) else {
        return;
    };
    let mut server = Connection::server(Config::default());
    server.receive(&client.take_output());
    let request = match server.poll_event() {
        Some(Event::Request(r)) => r,
        other => panic!("our own request was refused: {other:?} for {input:?}"),
    };
    assert_eq!(request.subprotocols, input.subprotocols);
    assert!(request.target.starts_with('/'), "{request:?}");
    let chosen = request.subprotocols.first().cloned();
    server
        .accept(Accept {
            subprotocol: chosen.clone(),
            headers: Vec::new(),
        })
        .unwrap();
    client.receive(&server.take_output());
    match client.poll_event() {
        Some(Event::Accepted(r)) => assert_eq!(r.subprotocol, chosen),
        other => panic!("our own 101 was refused: {other:?}"),
    }
});
