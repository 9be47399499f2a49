//! wscore next to the fastest Rust WebSocket libraries and two physical limits,
//! on identical bytes. One process measures every row of a workload in turn, run
//! after run, so each run's ratios come from the same moment of this (noisy,
//! shared) machine. Writes JSON for bench/report.py.
//!
//! Usage: wscore-bench-peers [--runs N] [--sample-ms MS] [--sizes 16,125,...]
//!        [--ops decode,encode] [--out target/bench/rust.json]

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wscore_bench_peers::ring_sink::RingSink;
use wscore_bench_peers::workload::{self, Kind, Workload};
use wscore_bench_peers::{decode_rows, encode_rows};

struct Args {
    runs: usize,
    sample: Duration,
    sizes: Vec<usize>,
    ops: Vec<String>,
    /// Only these rows (all when empty): for profiling one library.
    rows: Vec<String>,
    out: String,
}

fn parse_args() -> Args {
    let mut a = Args {
        runs: 5,
        sample: Duration::from_millis(60),
        sizes: vec![16, 125, 1024, 16 << 10, 64 << 10, 1 << 20],
        ops: vec!["decode".into(), "encode".into()],
        rows: Vec::new(),
        out: "target/bench/rust.json".into(),
    };
    let mut it = std::env::args().skip(1); // past the program name
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => a.runs = value.parse().unwrap(),
            "--sample-ms" => a.sample = Duration::from_millis(value.parse().unwrap()),
            "--sizes" => a.sizes = value.split(',').map(|s| s.parse().unwrap()).collect(),
            "--ops" => a.ops = value.split(',').map(String::from).collect(),
            "--rows" => a.rows = value.split(',').map(String::from).collect(),
            "--out" => a.out = value,
            // `cargo bench` passes --bench; nothing else is expected.
            _ => panic!("unknown flag {flag}"),
        }
    }
    a
}

/// Repeats `batch` until `min` has passed; returns payload MB/s.
fn sample(min: Duration, bytes: usize, mut batch: impl FnMut() -> Duration) -> f64 {
    let (mut spent, mut n) = (Duration::ZERO, 0usize);
    let wall = Instant::now();
    while spent < min && wall.elapsed() < min * 20 {
        spent += batch();
        n += 1;
    }
    (bytes * n) as f64 / spent.as_secs_f64() / 1e6
}

fn measure(args: &Args, op: &str, w: &Workload, rt: &tokio::runtime::Runtime) -> Value {
    let mut sink = RingSink::default();
    let names: Vec<&str> = match op {
        "decode" => decode_rows::ROWS.iter().map(|r| r.0).collect(),
        _ => encode_rows::ROWS.iter().map(|r| r.0).collect(),
    };
    let mut runs = vec![Vec::new(); names.len()];
    // Run 0 is a warm-up (caches, allocator, page faults) and is discarded.
    // Rows take turns, starting one later each run, so none always goes first.
    for run in 0..=args.runs {
        for turn in 0..names.len() {
            let i = (turn + run) % names.len();
            let runs_of_row = &mut runs[i];
            if !args.rows.is_empty() && !args.rows.iter().any(|r| r == names[i]) {
                if run > 0 {
                    runs_of_row.push(f64::NAN);
                }
                continue;
            }
            let mbps = match op {
                "decode" => {
                    let row = decode_rows::ROWS[i].1;
                    sample(args.sample, w.bytes(), || {
                        let (t, got) = row(w, rt);
                        assert_eq!(got, w.bytes(), "{} delivered the wrong amount", names[i]);
                        t
                    })
                }
                _ => {
                    let row = encode_rows::ROWS[i].1;
                    sample(args.sample, w.bytes(), || {
                        sink.reset();
                        row(w, rt, &mut sink)
                    })
                }
            };
            if run > 0 {
                runs_of_row.push(mbps);
            }
        }
    }
    let rows: serde_json::Map<String, Value> = names
        .iter()
        .zip(&runs)
        .map(|(name, mbps)| (name.to_string(), json!({ "mbps": mbps })))
        .collect();
    eprintln!(
        "{op:6} {:6} {:>8} B: {}",
        w.kind.name(),
        w.size,
        names
            .iter()
            .zip(&runs)
            .map(|(n, r)| format!("{n} {:.0}", median(r)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    json!({ "op": op, "kind": w.kind.name(), "size": w.size, "messages_per_batch": w.count, "rows": rows })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

fn main() {
    let args = parse_args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut results = Vec::new();
    for op in &args.ops {
        for &size in &args.sizes {
            for kind in [Kind::Text, Kind::Binary] {
                let w = Workload::new(kind, size);
                results.push(measure(&args, op, &w, &rt));
            }
        }
    }
    let doc = json!({
        "runtime": "rust",
        "runs": args.runs,
        "sample_ms": args.sample.as_millis() as u64,
        "chunk": workload::CHUNK,
        "unit": "payload MB/s (1e6 bytes), one value per run",
        "results": results,
    });
    if let Some(dir) = std::path::Path::new(&args.out).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    eprintln!("wrote {}", args.out);
}
