//! Load generator for the uvicorn end-to-end benchmark (bench/python/e2e.py): N
//! clients, one thread each on a blocking socket, each sending one masked text
//! message and waiting for its echo, again and again, for a fixed time. A separate
//! process from the server, and thin (the frame is built once, replies are only
//! counted), so that the server is what is measured: per round trip it costs a
//! few microseconds where the Python one (loadgen.py) costs tens, which on this
//! 2-core machine would otherwise share the measurement with the server.
//! Prints one JSON object: round trips/s, latency percentiles, maximum and mean
//! (a closed loop's rate is 1 / mean: a few long stalls lower it, not the p50).
//!
//!   loadgen HOST:PORT CLIENTS SECONDS SIZE

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use wscore_bench_peers::workload::text_of_len;

/// Connecting and warming up: round trips finished before this are dropped.
const WARM_UP: Duration = Duration::from_secs(1);

fn masked_text_frame(payload: &[u8]) -> Vec<u8> {
    let key = [0x5a, 0xc3, 0x19, 0x7e];
    let n = payload.len();
    let mut frame = vec![0x81];
    if n < 126 {
        frame.push(0x80 | n as u8);
    } else if n < 65536 {
        frame.push(0xfe);
        frame.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        frame.push(0xff);
        frame.extend_from_slice(&(n as u64).to_be_bytes());
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i & 3]));
    frame
}

fn reply_len(n: usize) -> usize {
    n + if n < 126 {
        2
    } else if n < 65536 {
        4
    } else {
        10
    }
}

/// One client: the upgrade, then round trips until `end`. Returns when each
/// round trip finished and how long it took.
fn client(addr: &str, frame: &[u8], expect: usize, end: Instant) -> Vec<(Instant, Duration)> {
    let mut sock = TcpStream::connect(addr).expect("connect");
    sock.set_nodelay(true).unwrap();
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    sock.write_all(request.as_bytes()).unwrap();
    let mut buf = vec![0u8; 64 * 1024 + expect];
    let mut head = Vec::new();
    let mut extra = loop {
        let n = sock.read(&mut buf).expect("read the 101");
        assert!(n > 0, "server closed during the handshake");
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(head.starts_with(b"HTTP/1.1 101"), "handshake refused");
            break head.len() - end - 4;
        }
    };
    let mut done = Vec::new();
    while Instant::now() < end {
        let t0 = Instant::now();
        sock.write_all(frame).unwrap();
        let mut got = std::mem::take(&mut extra);
        while got < expect {
            let n = sock.read(&mut buf).expect("read the echo");
            assert!(n > 0, "server closed mid-run");
            got += n;
        }
        assert_eq!(got, expect, "unexpected bytes from the server");
        let now = Instant::now();
        done.push((now, now - t0));
    }
    done
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, clients, seconds, size] = &args[..] else {
        panic!("usage: loadgen HOST:PORT CLIENTS SECONDS SIZE");
    };
    let clients: usize = clients.parse().unwrap();
    let seconds: f64 = seconds.parse().unwrap();
    let size: usize = size.parse().unwrap();
    let frame = Arc::new(masked_text_frame(text_of_len(size).as_bytes()));
    let expect = reply_len(size);
    let start = Instant::now();
    let from = start + WARM_UP;
    let end = from + Duration::from_secs_f64(seconds);
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (addr, frame) = (addr.clone(), frame.clone());
            thread::spawn(move || client(&addr, &frame, expect, end))
        })
        .collect();
    let mut latencies: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client failed"))
        .filter(|(at, _)| *at >= from && *at <= end)
        .map(|(_, took)| took)
        .collect();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((p * latencies.len() as f64) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{{\"clients\": {clients}, \"size\": {size}, \"seconds\": {seconds}, \"round_trips\": {n}, \
         \"round_trips_per_s\": {rate}, \"p50_ms\": {p50}, \"p99_ms\": {p99}, \"p999_ms\": {p999}, \
         \"max_ms\": {max}, \"mean_ms\": {mean}, \"loadgen\": \"rust\"}}",
        n = latencies.len(),
        rate = latencies.len() as f64 / seconds,
        p50 = pct(0.50),
        p99 = pct(0.99),
        p999 = pct(0.999),
        max = pct(1.0),
        mean = latencies.iter().map(Duration::as_secs_f64).sum::<f64>() * 1e3 / latencies.len().max(1) as f64,
    );
}
