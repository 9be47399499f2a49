//! One row, one workload, a fixed number of batches: for instruction counts that
//! repeat on a noisy machine, e.g.
//!   valgrind --tool=callgrind target/bench-rust/release/profile decode binary 16384 wscore 20

use wscore_bench_peers::ring_sink::RingSink;
use wscore_bench_peers::workload::{Kind, Workload};
use wscore_bench_peers::{decode_rows, encode_rows};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 1 {
        eprintln!("size_of Event: {}", std::mem::size_of::<wscore::Event>());
    }
    let [_, op, kind, size, row, iters] = &args[..] else {
        panic!("usage: profile decode|encode text|binary SIZE ROW ITERS");
    };
    let kind = if kind == "text" {
        Kind::Text
    } else {
        Kind::Binary
    };
    let w = Workload::new(kind, size.parse().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut sink = RingSink::default();
    let mut total = std::time::Duration::ZERO;
    for _ in 0..iters.parse::<usize>().unwrap() {
        total += if op == "decode" {
            let f = decode_rows::ROWS
                .iter()
                .find(|r| r.0 == row)
                .expect("row")
                .1;
            f(&w, &rt).0
        } else {
            sink.reset();
            let f = encode_rows::ROWS
                .iter()
                .find(|r| r.0 == row)
                .expect("row")
                .1;
            f(&w, &rt, &mut sink)
        };
    }
    eprintln!(
        "{:.0} MB/s",
        (w.bytes() as f64 * iters.parse::<f64>().unwrap()) / total.as_secs_f64() / 1e6
    );
}
