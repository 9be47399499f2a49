//! One cell of the table: `conns` connections each doing round trips of one
//! `size`-byte binary message (send, wait for the whole echo, again) for a
//! fixed time after a warm-up. Server CPU comes from /proc over the same window.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::client::{masked_frame, payload, Client};
use crate::proc_stat::{cpu_seconds, cpu_seconds_precise};

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const STOPPING: u8 = 2;

pub struct Cell {
    pub conns: usize,
    pub size: usize,
    pub warm: Duration,
    pub measure: Duration,
}

/// Runs the cell against the server at `addr` (process `pid`) and returns its
/// row: round trips per second, p50/p99 latency (µs), server CPU seconds per
/// million round trips, and this process's own CPU over the window.
pub async fn run(cell: &Cell, addr: SocketAddr, pid: &str, ticks: f64) -> std::io::Result<Value> {
    let body = payload(cell.size);
    let frame = Arc::new(masked_frame(0x2, &body));
    let mut clients = Vec::with_capacity(cell.conns);
    for _ in 0..cell.conns {
        let mut c = Client::connect(addr).await?;
        c.round_trip(&frame, Some(&body)).await?; // every echo checked once
        clients.push(c);
    }
    let phase = Arc::new(AtomicU8::new(WARMING));
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            let (frame, phase) = (frame.clone(), phase.clone());
            tokio::spawn(async move {
                let mut took_ns: Vec<u32> = Vec::with_capacity(1 << 16);
                while phase.load(Ordering::Relaxed) != STOPPING {
                    let t0 = Instant::now();
                    c.round_trip(&frame, None).await?;
                    if phase.load(Ordering::Relaxed) == MEASURING {
                        took_ns.push(t0.elapsed().as_nanos().min(u32::MAX as u128) as u32);
                    }
                }
                Ok::<_, std::io::Error>(took_ns)
            })
        })
        .collect();
    tokio::time::sleep(cell.warm).await;
    let (cpu0, tick0) = (cpu_seconds_precise(pid), cpu_seconds(pid, ticks));
    let (me0, t0) = (cpu_seconds_precise("self"), Instant::now());
    phase.store(MEASURING, Ordering::Relaxed);
    tokio::time::sleep(cell.measure).await;
    phase.store(STOPPING, Ordering::Relaxed);
    let (cpu1, tick1) = (cpu_seconds_precise(pid), cpu_seconds(pid, ticks));
    let (me1, secs) = (cpu_seconds_precise("self"), t0.elapsed());
    let mut took: Vec<u32> = Vec::new();
    for t in tasks {
        took.extend(t.await.expect("client task panicked")?);
    }
    took.sort_unstable();
    let pct = |p: f64| took.get(((p * took.len() as f64) as usize).min(took.len().max(1) - 1));
    let us = |v: Option<&u32>| v.map_or(0.0, |&ns| ns as f64 / 1e3);
    let n = took.len() as f64;
    let server_cpu = cpu1 - cpu0;
    Ok(json!({
        "conns": cell.conns,
        "size": cell.size,
        "seconds": secs.as_secs_f64(),
        "round_trips": took.len(),
        "rt_per_s": n / secs.as_secs_f64(),
        "p50_us": us(pct(0.50)),
        "p99_us": us(pct(0.99)),
        "server_cpu_s": server_cpu,
        "server_cpu_s_ticks": tick1 - tick0,
        "cpu_s_per_m": if n > 0.0 { server_cpu / n * 1e6 } else { 0.0 },
        "loadgen_cpu_s": me1 - me0,
    }))
}

/// For profiling (`e2e_bench --profile`): `cell.conns` connections, each
/// handshaken and checked with one echo; `before` runs once they are all up
/// (e.g. to zero a profiler's counters), then exactly `per_conn` round trips
/// on each, no warm-up, no timing. Returns the round trips done after `before`.
pub async fn run_fixed(
    cell: &Cell,
    addr: SocketAddr,
    per_conn: usize,
    before: impl FnOnce(),
) -> std::io::Result<usize> {
    let body = payload(cell.size);
    let frame = Arc::new(masked_frame(0x2, &body));
    let mut clients = Vec::with_capacity(cell.conns);
    for _ in 0..cell.conns {
        let mut c = Client::connect(addr).await?;
        c.round_trip(&frame, Some(&body)).await?;
        clients.push(c);
    }
    before();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            let frame = frame.clone();
            tokio::spawn(async move {
                for _ in 0..per_conn {
                    c.round_trip(&frame, None).await?;
                }
                Ok::<_, std::io::Error>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("client task panicked")?;
    }
    Ok(cell.conns * per_conn)
}
