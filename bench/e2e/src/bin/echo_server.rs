//! `echo_server PEER [ADDR] [--exit-on-eof]`: binds (default 127.0.0.1:0), prints
//! `LISTENING <port>` on stdout, and serves PEER's echo server until killed, or
//! with `--exit-on-eof` until its stdin closes: a normal exit, so that a tool
//! wrapped around it (strace -c, valgrind) writes its report.
//!
//! Every peer runs on the same runtime: tokio's current_thread runtime with
//! all drivers enabled. On this 2-core machine the load generator needs the
//! other core; a multi-thread server would fight it for both cores and add
//! cross-thread wake-ups to the noise, and the per-message cost each crate adds
//! is what we compare. (fastwebsockets' and tokio-websockets' own echo examples
//! use current_thread too.)

use std::io::Write;

use tokio::net::TcpListener;
use wscore_bench_e2e::servers;

fn main() {
    let exit_on_eof = std::env::args().any(|a| a == "--exit-on-eof");
    let mut args = std::env::args().skip(1).filter(|a| a != "--exit-on-eof");
    let peer = args.next().unwrap_or_else(|| {
        eprintln!(
            "usage: echo_server PEER [ADDR]; peers: {:?}",
            servers::PEERS
        );
        std::process::exit(2)
    });
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_string());
    if exit_on_eof {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await.expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let mut out = std::io::stdout();
        writeln!(out, "LISTENING {port}")
            .and_then(|_| out.flush())
            .expect("stdout");
        servers::serve(&peer, listener).await;
    });
}
