//! What the tests share: bounded waits and listeners on 127.0.0.1.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

/// No test step may take longer than this.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Runs `f`, failing the test if it takes longer than [`LIMIT`].
pub async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    match tokio::time::timeout(LIMIT, f).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: still running after {LIMIT:?}"),
    }
}

/// A listener on a free port, and its `ws://` URL.
pub async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    (listener, url)
}
