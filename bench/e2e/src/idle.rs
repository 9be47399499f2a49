//! Memory per idle connection: the server's RSS growth while it holds `n`
//! connections, each handshaken and with one 16-byte message echoed, then idle.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use crate::client::{masked_frame, payload, Client};
use crate::proc_stat::rss_bytes;

/// Time for the server to finish its side of the last echoes before RSS is read.
const SETTLE: Duration = Duration::from_millis(300);

pub async fn run(n: usize, addr: SocketAddr, pid: &str) -> std::io::Result<Value> {
    let body = payload(16);
    let frame = masked_frame(0x2, &body);
    // One connection first, so the runtime's and the library's one-time set-up
    // is in the baseline, not in the per-connection figure.
    let mut first = Client::connect(addr).await?;
    first.round_trip(&frame, Some(&body)).await?;
    drop(first);
    tokio::time::sleep(SETTLE).await;
    let before = rss_bytes(pid);
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let mut c = Client::connect(addr).await?;
        c.round_trip(&frame, Some(&body)).await?;
        held.push(c);
    }
    tokio::time::sleep(SETTLE).await;
    let after = rss_bytes(pid);
    drop(held);
    Ok(json!({
        "connections": n,
        "rss_before": before,
        "rss_after": after,
        "bytes_per_conn": (after as f64 - before as f64) / n as f64,
    }))
}
