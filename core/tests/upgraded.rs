//! `Connection::upgraded` (the HTTP handshake was done elsewhere) and
//! `Connection::set_deflate` (a server decides compression per request).
#![cfg(feature = "deflate")]

use wscore::binding::{deflate_client_accept, deflate_client_offer, deflate_server_accept};
use wscore::{
    Accept, AcceptError, ClientRequest, CloseCode, Config, Connection, DeflateConfig, Event, Role,
    SendError, State,
};

fn relay(from: &mut Connection, to: &mut Connection) -> Vec<Event> {
    to.receive(&from.take_output());
    std::iter::from_fn(|| to.poll_event()).collect()
}

#[test]
fn upgraded_pair_is_open_and_exchanges_messages_and_closes() {
    let mut server = Connection::upgraded(Role::Server, Config::default(), None);
    let mut client = Connection::upgraded(Role::Client, Config::default(), None);
    assert_eq!((server.state(), client.state()), (State::Open, State::Open));
    assert_eq!(server.take_output(), Vec::<u8>::new(), "no handshake bytes");

    client.send_text("hello").unwrap();
    assert_eq!(
        relay(&mut client, &mut server),
        vec![Event::Text("hello".into())]
    );
    server.close(CloseCode::NORMAL, "bye").unwrap();
    assert!(matches!(
        server.send_text("late"),
        Err(SendError::Closed(_))
    ));
    let events = relay(&mut server, &mut client);
    assert!(matches!(&events[0], Event::CloseReceived(f) if f.reason == "bye"));
}

#[test]
fn upgraded_pair_compresses_with_negotiated_parameters() {
    let cfg = DeflateConfig {
        server_max_window_bits: 10,
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let offer = deflate_client_offer(&cfg);
    let (response, server_params) =
        deflate_server_accept(std::slice::from_ref(&offer), &DeflateConfig::default()).unwrap();
    let client_params = deflate_client_accept(&[response], Some(&cfg))
        .unwrap()
        .unwrap();
    assert_eq!(server_params, client_params);
    assert_eq!(server_params.server_max_window_bits, 10);

    let config = Config {
        deflate: Some(DeflateConfig::default()),
        ..Config::default()
    };
    let mut server = Connection::upgraded(Role::Server, config.clone(), Some(server_params));
    let mut client = Connection::upgraded(Role::Client, config, Some(client_params));
    let text = "chat message ".repeat(100);
    server.send_text(text.as_str()).unwrap();
    let wire = server.take_output();
    assert!(
        wire.len() < text.len() / 4,
        "compressed: {} bytes",
        wire.len()
    );
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1 set");
    client.receive(&wire);
    assert_eq!(client.poll_event(), Some(Event::Text(text.into())));
}

#[test]
fn set_deflate_decides_compression_per_request() {
    for (setting, expect_deflate) in [(None, false), (Some(DeflateConfig::default()), true)] {
        let client_config = Config {
            deflate: Some(DeflateConfig::default()),
            ..Config::default()
        };
        let mut client =
            Connection::client(client_config, ClientRequest::new("ws://localhost/")).unwrap();
        let mut server = Connection::server(Config::default());
        assert_eq!(
            server.set_deflate(None),
            Err(AcceptError::NoPendingRequest),
            "no request yet"
        );
        let events = relay(&mut client, &mut server);
        assert!(matches!(&events[..], [Event::Request(_)]));
        server.set_deflate(setting).unwrap();
        server.accept(Accept::default()).unwrap();
        relay(&mut server, &mut client);
        assert_eq!(server.deflate().is_some(), expect_deflate);
        assert_eq!(client.deflate().is_some(), expect_deflate);
        assert_eq!(server.set_deflate(None), Err(AcceptError::NoPendingRequest));
    }
}

#[test]
fn upgraded_connection_reports_the_subprotocol_selected_elsewhere() {
    let plain = Connection::upgraded(Role::Server, Config::default(), None);
    assert_eq!(plain.subprotocol(), None);
    let chat = Connection::upgraded(Role::Server, Config::default(), None).with_subprotocol("chat");
    assert_eq!(chat.subprotocol(), Some("chat"));
}
