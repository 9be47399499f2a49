//! One echo server per crate, each written the way that crate's README or
//! examples write one. Every server echoes text and binary messages back, ends
//! a connection quietly on close or error (the load generator drops its sockets
//! at the end of a cell), and sets TCP_NODELAY on accepted sockets (the same for
//! all: a header and payload written separately must not wait for an ACK).

pub mod fastwebsockets_echo;
pub mod sockudo_echo;
pub mod tokio_websockets_echo;
pub mod tungstenite_echo;
pub mod wscore_echo;

use tokio::net::TcpListener;

/// The peers by the name the driver and the report use.
pub const PEERS: &[&str] = &[
    "wscore",
    "tokio-tungstenite",
    "fastwebsockets",
    "tokio-websockets",
    "sockudo-ws",
];

/// Runs the named peer's accept loop until the process is killed.
pub async fn serve(peer: &str, listener: TcpListener) {
    match peer {
        "wscore" => wscore_echo::serve(listener).await,
        "tokio-tungstenite" => tungstenite_echo::serve(listener).await,
        "fastwebsockets" => fastwebsockets_echo::serve(listener).await,
        "tokio-websockets" => tokio_websockets_echo::serve(listener).await,
        "sockudo-ws" => sockudo_echo::serve(listener).await,
        other => panic!("unknown peer {other:?}; known: {PEERS:?}"),
    }
}
