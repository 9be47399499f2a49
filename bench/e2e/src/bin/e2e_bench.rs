//! The end-to-end benchmark driver and load generator. For each round, for each
//! peer (order rotated every round), it starts that peer's `echo_server` in its
//! own process, runs every cell (connections × message size) against it, then
//! starts a fresh one for the idle-memory measurement. Writes one JSON file with
//! every round's rows; bench/report.py turns it into medians and ratios.
//!
//!   e2e_bench [--rounds 3] [--seconds 1.0] [--warm 0.3] [--conns 1,64]
//!             [--sizes 16,1024,16384] [--idle 2000] [--peers a,b] [--out FILE]
//!             [--server PATH] [--smoke]
//!
//! `--smoke`: each peer starts and echoes each size once on one connection; no
//! timing, exit status 1 on any failure.
//!
//! `--profile N --wrap "CMD ARGS" [--before "CMD ARGS"]`: for each peer and
//! cell, a server started under the wrapping tool (e.g. `strace -f -c -o F`, or
//! valgrind) does exactly N round trips per connection, then exits normally;
//! the round trips are printed so the tool's counts can be divided by them.
//! `--before` runs once the connections are up, before the round trips (e.g.
//! `callgrind_control -z {pid}`: start-up and handshakes out of the counts).
//! `{peer}`, `{conns}`, `{size}` and, in `--before`, `{pid}` are replaced.
//!
//! The load generator runs on tokio's current_thread runtime in this process,
//! like every server: one core each on this 2-core machine.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use wscore_bench_e2e::cells::{self, Cell};
use wscore_bench_e2e::client::{masked_frame, payload, Client};
use wscore_bench_e2e::{idle, proc_stat, servers};

struct Args {
    rounds: usize,
    seconds: f64,
    warm: f64,
    conns: Vec<usize>,
    sizes: Vec<usize>,
    idle: usize,
    peers: Vec<String>,
    out: Option<PathBuf>,
    server: PathBuf,
    smoke: bool,
    profile: usize,
    wrap: String,
    before: String,
}

fn list<T: std::str::FromStr>(v: &str) -> Vec<T> {
    v.split(',')
        .map(|x| x.trim().parse().ok().expect("bad list item"))
        .collect()
}

fn parse_args() -> Args {
    let exe_dir = std::env::current_exe()
        .expect("current exe")
        .with_file_name("");
    let mut a = Args {
        rounds: 3,
        seconds: 1.0,
        warm: 0.3,
        conns: vec![1, 64],
        sizes: vec![16, 1024, 16384],
        idle: 2000,
        peers: servers::PEERS.iter().map(|p| p.to_string()).collect(),
        out: None,
        server: exe_dir.join("echo_server"),
        smoke: false,
        profile: 0,
        wrap: String::new(),
        before: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--smoke" {
            a.smoke = true;
            continue;
        }
        let v = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--rounds" => a.rounds = v.parse().expect("--rounds"),
            "--seconds" => a.seconds = v.parse().expect("--seconds"),
            "--warm" => a.warm = v.parse().expect("--warm"),
            "--conns" => a.conns = list(&v),
            "--sizes" => a.sizes = list(&v),
            "--idle" => a.idle = v.parse().expect("--idle"),
            "--peers" => a.peers = list(&v),
            "--out" => a.out = Some(v.into()),
            "--server" => a.server = v.into(),
            "--profile" => a.profile = v.parse().expect("--profile"),
            "--wrap" => a.wrap = v,
            "--before" => a.before = v,
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// A running echo server; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(path: &PathBuf, peer: &str) -> Server {
        Server::start_wrapped(path, peer, &[])
    }

    /// The server under `wrap` (a command and its arguments), if any; it exits
    /// when its stdin closes (`stop`).
    fn start_wrapped(path: &PathBuf, peer: &str, wrap: &[String]) -> Server {
        let mut cmd = match wrap.split_first() {
            Some((tool, args)) => {
                let mut c = Command::new(tool);
                c.args(args).arg(path);
                c
            }
            None => Command::new(path),
        };
        let mut child = cmd
            .args([peer, "--exit-on-eof"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read LISTENING line");
        let port: u16 = line
            .strip_prefix("LISTENING ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("{peer}: expected `LISTENING <port>`, got {line:?}"));
        Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Closes the server's stdin and waits (up to 30 s) for it to exit by itself.
    fn stop(mut self) {
        drop(self.child.stdin.take());
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn smoke(a: &Args, rt: &tokio::runtime::Runtime) -> bool {
    let mut ok = true;
    for peer in &a.peers {
        let server = Server::start(&a.server, peer);
        let result = rt.block_on(async {
            let mut c = Client::connect(server.addr).await?;
            for &size in &a.sizes {
                let body = payload(size);
                c.round_trip(&masked_frame(0x2, &body), Some(&body)).await?;
            }
            Ok::<_, std::io::Error>(())
        });
        match result {
            Ok(()) => eprintln!("smoke {peer}: echoed {:?} bytes", a.sizes),
            Err(e) => {
                eprintln!("smoke {peer}: FAILED: {e}");
                ok = false;
            }
        }
    }
    ok
}

fn profile(a: &Args, rt: &tokio::runtime::Runtime) {
    for peer in &a.peers {
        for &conns in &a.conns {
            for &size in &a.sizes {
                let fill = |cmd: &str| -> Vec<String> {
                    cmd.replace("{peer}", peer)
                        .replace("{conns}", &conns.to_string())
                        .replace("{size}", &size.to_string())
                        .split_whitespace()
                        .map(String::from)
                        .collect()
                };
                let server = Server::start_wrapped(&a.server, peer, &fill(&a.wrap));
                let before = fill(&a.before.replace("{pid}", &server.pid()));
                let run_before = || {
                    if let Some((cmd, args)) = before.split_first() {
                        let ok = Command::new(cmd).args(args).stdout(Stdio::null()).status();
                        assert!(ok.is_ok_and(|s| s.success()), "--before {before:?} failed");
                    }
                };
                let cell = Cell {
                    conns,
                    size,
                    warm: Duration::ZERO,
                    measure: Duration::ZERO,
                };
                let done = rt
                    .block_on(cells::run_fixed(&cell, server.addr, a.profile, run_before))
                    .unwrap_or_else(|e| panic!("{peer} {conns}x{size}: {e}"));
                server.stop();
                println!("{peer} {conns} {size} {done}");
            }
        }
    }
}

fn main() {
    let a = parse_args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if a.smoke {
        std::process::exit(if smoke(&a, &rt) { 0 } else { 1 });
    }
    if a.profile > 0 {
        return profile(&a, &rt);
    }
    let ticks = proc_stat::clock_ticks();
    let load_start = loadavg();
    let mut runs: Vec<Value> = Vec::new();
    for round in 0..a.rounds {
        for i in 0..a.peers.len() {
            let peer = &a.peers[(i + round) % a.peers.len()];
            let server = Server::start(&a.server, peer);
            let mut rows = Vec::new();
            for &conns in &a.conns {
                for &size in &a.sizes {
                    let cell = Cell {
                        conns,
                        size,
                        warm: Duration::from_secs_f64(a.warm),
                        measure: Duration::from_secs_f64(a.seconds),
                    };
                    let row = rt
                        .block_on(cells::run(&cell, server.addr, &server.pid(), ticks))
                        .unwrap_or_else(|e| panic!("{peer} {conns}x{size}: {e}"));
                    eprintln!(
                        "round {}/{} {peer:>18} {conns:>3} x {size:>5} B: {:>9.0} rt/s  p50 {:>7.1} µs  p99 {:>7.1} µs  {:.2} CPU s/M",
                        round + 1,
                        a.rounds,
                        row["rt_per_s"].as_f64().unwrap(),
                        row["p50_us"].as_f64().unwrap(),
                        row["p99_us"].as_f64().unwrap(),
                        row["cpu_s_per_m"].as_f64().unwrap(),
                    );
                    rows.push(row);
                }
            }
            drop(server);
            let idle = if a.idle > 0 {
                let server = Server::start(&a.server, peer);
                let v = rt
                    .block_on(idle::run(a.idle, server.addr, &server.pid()))
                    .unwrap_or_else(|e| panic!("{peer} idle: {e}"));
                eprintln!(
                    "round {}/{} {peer:>18} idle: {:.0} bytes per connection",
                    round + 1,
                    a.rounds,
                    v["bytes_per_conn"].as_f64().unwrap()
                );
                v
            } else {
                Value::Null
            };
            runs.push(json!({"round": round, "peer": peer, "cells": rows, "idle": idle}));
        }
    }
    let out = json!({
        "runtime": "tokio current_thread (servers and load generator)",
        "rounds": a.rounds,
        "seconds": a.seconds,
        "warm": a.warm,
        "conns": a.conns,
        "sizes": a.sizes,
        "idle_connections": a.idle,
        "peers": a.peers,
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
        "runs": runs,
    });
    let text = serde_json::to_string_pretty(&out).expect("json");
    match &a.out {
        Some(path) => std::fs::write(path, text).expect("write --out"),
        None => println!("{text}"),
    }
}
