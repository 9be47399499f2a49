//! Soak load generator: CLIENTS concurrent WebSocket clients (one thread each)
//! for SECONDS against a server, each one connecting again and again and, per
//! connection, sending text and binary messages (checking every echo), pinging,
//! and then closing with a random code or vanishing without a close frame
//! (sometimes in the middle of a frame). Prints one summary line and exits 1 if
//! an echo was wrong or missing or a connection failed unexpectedly.
//!
//! `soak_client ws://127.0.0.1:9001/ 1000 60 [seed]` (used by `make soak`).

#[path = "common/blocking.rs"]
mod blocking;

use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use blocking::Blocking;
use wscore::{ClientRequest, CloseCode, Config, Connection, DeflateConfig, Event};

/// What the clients did, summed over all of them.
#[derive(Default)]
struct Counts {
    connections: AtomicU64,
    clean_closes: AtomicU64,
    vanished: AtomicU64,
    vanished_mid_frame: AtomicU64,
    messages: AtomicU64,
    pings: AtomicU64,
    /// Connect errors, rejected or failed handshakes, closes we did not ask for.
    failures: AtomicU64,
    /// An echo that did not match what was sent, or never came.
    bad_echoes: AtomicU64,
}

/// xorshift64*: enough randomness for a load pattern, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How long to wait for an echo or a pong before calling it missing.
const ECHO_TIMEOUT: Duration = Duration::from_secs(15);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: soak_client URL CLIENTS SECONDS [SEED]");
        std::process::exit(2);
    }
    let url = args[1].clone();
    let clients: usize = args[2].parse().expect("CLIENTS");
    let seconds: u64 = args[3].parse().expect("SECONDS");
    let seed: u64 = args.get(4).map_or(1, |s| s.parse().expect("SEED"));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let counts = Arc::new(Counts::default());

    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (url, counts) = (url.clone(), counts.clone());
            let mut rng = Rng((seed ^ (i as u64 + 1)).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            thread::Builder::new()
                .stack_size(256 << 10)
                .spawn(move || {
                    // Spread the first connects over a second.
                    thread::sleep(Duration::from_millis(rng.below(1000)));
                    while Instant::now() < deadline {
                        session(&url, &mut rng, deadline, &counts);
                    }
                })
                .expect("spawn a client thread")
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "soak-client: clients={clients} seconds={seconds} connections={} clean_closes={} vanished={} \
         vanished_mid_frame={} messages={} pings={} failures={} bad_echoes={}",
        c(&counts.connections),
        c(&counts.clean_closes),
        c(&counts.vanished),
        c(&counts.vanished_mid_frame),
        c(&counts.messages),
        c(&counts.pings),
        c(&counts.failures),
        c(&counts.bad_echoes),
    );
    if c(&counts.failures) > 0 || c(&counts.bad_echoes) > 0 {
        std::process::exit(1);
    }
}

fn client_config(rng: &mut Rng) -> Config {
    Config {
        // Keepalive pings keep the loop turning while it waits for an echo.
        ping_interval: Some(Duration::from_secs(2)),
        pong_timeout: Some(ECHO_TIMEOUT),
        deflate: (rng.below(4) == 0).then(DeflateConfig::default),
        ..Config::default()
    }
}

/// One connection: open, a random number of random actions, a random ending.
fn session(url: &str, rng: &mut Rng, deadline: Instant, counts: &Counts) {
    let addr = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host:port");
    let stream = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soak-client: connect: {e}");
            counts.failures.fetch_add(1, Ordering::Relaxed);
            thread::sleep(Duration::from_millis(500));
            return;
        }
    };
    let conn = Connection::client(client_config(rng), ClientRequest::new(url)).expect("URL");
    let mut ws = Blocking::new(stream, conn);
    counts.connections.fetch_add(1, Ordering::Relaxed);
    match ws.next_event() {
        Ok(Some(Event::Accepted(_))) => {}
        other => {
            eprintln!("soak-client: handshake: {other:?}");
            counts.failures.fetch_add(1, Ordering::Relaxed);
            return;
        }
    }
    for _ in 0..5 + rng.below(40) {
        if Instant::now() >= deadline {
            break;
        }
        thread::sleep(Duration::from_millis(50 + rng.below(450)));
        let ok = match rng.below(10) {
            0..=5 => {
                let text: String = (0..1 + rng.below(2000))
                    .map(|i| char::from(b'a' + ((i + rng.below(3)) % 26) as u8))
                    .collect();
                let _ = ws.conn.send_text(text.as_str());
                counts.messages.fetch_add(1, Ordering::Relaxed);
                expect(&mut ws, |e| matches!(e, Event::Text(t) if *t == text))
            }
            6..=7 => {
                let data: Vec<u8> = (0..1 + rng.below(8000)).map(|_| rng.next() as u8).collect();
                let _ = ws.conn.send_binary(data.clone());
                counts.messages.fetch_add(1, Ordering::Relaxed);
                expect(&mut ws, |e| matches!(e, Event::Binary(b) if *b == data))
            }
            _ => {
                let payload = rng.next().to_be_bytes();
                let _ = ws.conn.send_ping(&payload);
                counts.pings.fetch_add(1, Ordering::Relaxed);
                expect(&mut ws, |e| matches!(e, Event::Pong(p) if *p == payload))
            }
        };
        if !ok {
            counts.bad_echoes.fetch_add(1, Ordering::Relaxed);
            return; // vanish: dropping `ws` closes the socket
        }
    }
    match rng.below(10) {
        // Vanish: the socket just closes, no close frame.
        0..=1 => {
            counts.vanished.fetch_add(1, Ordering::Relaxed);
        }
        // Vanish halfway through a frame.
        2 => {
            let _ = ws
                .conn
                .send_text("this frame is cut short".repeat(10).as_str());
            let frame = ws.conn.take_output();
            use std::io::Write;
            let _ = ws.stream.write_all(&frame[..frame.len() / 2]);
            counts.vanished_mid_frame.fetch_add(1, Ordering::Relaxed);
        }
        _ => {
            let code = match rng.below(3) {
                0 => CloseCode::NORMAL,
                1 => CloseCode::GOING_AWAY,
                _ => CloseCode(4000 + 321 * rng.below(2) as u16),
            };
            let _ = ws.conn.close(code, "soak");
            loop {
                match ws.next_event() {
                    Ok(Some(Event::Closed(c))) if c.clean && c.code == code => {
                        counts.clean_closes.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Ok(Some(Event::Closed(c))) => {
                        eprintln!("soak-client: unclean close {c:?}");
                        counts.failures.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => {
                        counts.failures.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }
    }
}

/// Waits for the event `want` accepts (pongs to keepalive pings may come
/// first); false if something else arrives or nothing does in time.
fn expect(ws: &mut Blocking, want: impl Fn(&Event) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < ECHO_TIMEOUT {
        match ws.next_event() {
            Ok(Some(e)) if want(&e) => return true,
            Ok(Some(Event::Pong(_) | Event::Ping(_))) => {}
            other => {
                eprintln!("soak-client: expected an echo, got {other:?}");
                return false;
            }
        }
    }
    eprintln!("soak-client: no echo within {ECHO_TIMEOUT:?}");
    false
}
