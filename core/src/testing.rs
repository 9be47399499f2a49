//! Test support (the `test-support` feature): helpers that wscore's own tests,
//! benches and fuzz targets share, so each is written once. Not part of the
//! protocol API; enable the feature in a dev-dependency.

use std::time::Duration;

use crate::{Accept, ClientRequest, Config, Connection, Event};

/// A client and a server in memory, no sockets, through the opening handshake
/// (the `Request` and `Accepted` events taken). Both clocks start at zero.
///
/// ```
/// use wscore::{testing::open_pair, Config, Event};
///
/// let (mut client, mut server) = open_pair(Config::default(), Config::default());
/// client.send_text("hi").unwrap();
/// server.receive(&client.take_output());
/// assert_eq!(server.poll_event(), Some(Event::Text("hi".into())));
/// ```
pub fn open_pair(client_config: Config, server_config: Config) -> (Connection, Connection) {
    let mut client =
        Connection::client(client_config, ClientRequest::new("ws://localhost/test")).unwrap();
    let mut server = Connection::server(server_config);
    client.handle_timeout(Duration::ZERO);
    server.handle_timeout(Duration::ZERO);
    server.receive(&client.take_output());
    assert!(matches!(server.poll_event(), Some(Event::Request(_))));
    server.accept(Accept::default()).unwrap();
    client.receive(&server.take_output());
    assert!(matches!(client.poll_event(), Some(Event::Accepted(_))));
    (client, server)
}
