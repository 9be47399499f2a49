//! Echo server: every text and binary message comes straight back.
//!
//! `cargo run --release -p wscore --example echo_server -- 127.0.0.1:9001`
//!
//! Blocking `std::net`, one thread per connection, limits raised so the
//! Autobahn|Testsuite's 16 MiB messages fit. With `ECHO_STATS=1` it prints a
//! line a second: connections accepted, still open, and closes by code (the
//! soak test checks that every connection ends with a reported close).
//! `ECHO_ALLOWED_ORIGINS=same-origin,https://app.example` and
//! `ECHO_ALLOWED_HOSTS=127.0.0.1,localhost` (comma-separated, entries as in
//! `wscore::OriginPolicy`) turn on the Origin and Host checks: others get 403.

#[path = "common/blocking.rs"]
mod blocking;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use blocking::Blocking;
use wscore::{Accept, Config, Connection, Event, MemoryBudget, OriginPolicy};

/// Bytes of partly received messages across all connections: two messages at
/// this server's 64 MiB limit (the Autobahn|Testsuite's largest is 16 MiB).
const MEMORY_BUDGET: usize = 128 << 20;

/// `accept` failing (no file descriptors left: EMFILE/ENFILE, or no memory)
/// would fail again at once: wait before retrying, 10 ms doubling to 1 s, so a
/// flood of connections cannot make the accept loop spin a core.
#[derive(Default)]
struct AcceptBackoff {
    wait: Option<Duration>,
}

impl AcceptBackoff {
    fn failed(&mut self, error: &std::io::Error) {
        let wait = self.wait.map_or(Duration::from_millis(10), |w| {
            (w * 2).min(Duration::from_secs(1))
        });
        if self.wait.is_none() {
            eprintln!("accept failed ({error}); retrying with back-off");
        }
        self.wait = Some(wait);
        std::thread::sleep(wait);
    }

    fn reset(&mut self) {
        self.wait = None;
    }
}

/// TCP connections accepted, and the close code each one ended with.
static ACCEPTED: AtomicU64 = AtomicU64::new(0);
static CLOSES: Mutex<BTreeMap<u16, u64>> = Mutex::new(BTreeMap::new());

fn print_stats_every_second() {
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let accepted = ACCEPTED.load(Ordering::Relaxed);
        let closes = CLOSES.lock().unwrap().clone();
        let closed: u64 = closes.values().sum();
        let codes: Vec<String> = closes.iter().map(|(c, n)| format!("{c}:{n}")).collect();
        println!(
            "stats: accepted={accepted} open={} closed={closed} codes={}",
            accepted - closed,
            codes.join(",")
        );
    }
}

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
        // All connections together hold at most this in messages still arriving
        // or inflating (a crowd of peers each starting a large one gets 1013).
        memory_budget: Some(MemoryBudget::new(MEMORY_BUDGET)),
        origin_policy: origin_policy_from_env()?,
        ..Config::default()
    };
    if std::env::var_os("ECHO_STATS").is_some() {
        std::thread::spawn(print_stats_every_second);
    }
    let mut backoff = AcceptBackoff::default();
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                backoff.failed(&e);
                continue;
            }
        };
        backoff.reset();
        ACCEPTED.fetch_add(1, Ordering::Relaxed);
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

/// The Origin/Host policy of `ECHO_ALLOWED_ORIGINS` and `ECHO_ALLOWED_HOSTS`;
/// `None` when neither is set. An entry that could never match is an error.
fn origin_policy_from_env() -> std::io::Result<Option<Box<OriginPolicy>>> {
    let list = |name: &str| -> Option<Vec<String>> {
        let value = std::env::var(name).ok()?;
        let items: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        (!items.is_empty()).then_some(items)
    };
    let policy = OriginPolicy {
        origins: list("ECHO_ALLOWED_ORIGINS"),
        allowed_hosts: list("ECHO_ALLOWED_HOSTS"),
        ..OriginPolicy::default()
    };
    policy
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    Ok(policy.is_active().then(|| Box::new(policy)))
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
            Event::Closed(closed) => {
                *CLOSES.lock().unwrap().entry(closed.code.0).or_default() += 1;
            }
            _ => {}
        }
    }
    Ok(())
}
