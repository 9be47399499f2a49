//! Decode and encode throughput of a server connection, next to a memcpy of the
//! same bytes in the same run (the physical limit), so the ratio is what matters.
//! The side-by-side comparison with other libraries is bench/rust (`make bench-rust`).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wscore::testing::open_pair;
use wscore::{Bytes, Config, Connection, Event};

const SIZES: [usize; 6] = [16, 125, 1024, 16 << 10, 64 << 10, 1 << 20];
const CHUNK: usize = 64 << 10;

/// A connected pair whose limits take the largest message here.
fn pair() -> (Connection, Connection) {
    let config = Config {
        max_message_size: 64 << 20,
        max_frame_size: 64 << 20,
        ..Config::default()
    };
    open_pair(config.clone(), config)
}

/// About 1 MiB of client-masked binary frames of `size` bytes each.
fn masked_frames(size: usize) -> (Vec<u8>, usize) {
    let (mut client, _) = pair();
    let count = ((1 << 20) / size).max(1);
    let payload = vec![0xA5u8; size];
    for _ in 0..count {
        client.send_binary(&payload[..]).unwrap();
    }
    (client.take_output(), count)
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.measurement_time(Duration::from_secs(3));
    for size in SIZES {
        let (wire, count) = masked_frames(size);
        group.throughput(Throughput::Bytes((size * count) as u64));
        group.bench_with_input(BenchmarkId::new("wscore", size), &wire, |b, wire| {
            b.iter(|| {
                let (_, mut server) = pair();
                let mut got = 0;
                for chunk in wire.chunks(CHUNK) {
                    server.receive(chunk);
                    while let Some(ev) = server.poll_event() {
                        if let Event::Binary(m) = ev {
                            got += m.len();
                        }
                    }
                }
                assert_eq!(got, size * count);
            })
        });
        group.bench_with_input(BenchmarkId::new("memcpy", size), &wire, |b, wire| {
            b.iter(|| {
                let mut dst = Vec::with_capacity(wire.len());
                for chunk in wire.chunks(CHUNK) {
                    dst.extend_from_slice(chunk);
                }
                std::hint::black_box(dst)
            })
        });
    }
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    group.measurement_time(Duration::from_secs(3));
    for size in SIZES {
        let count = ((1 << 20) / size).max(1);
        let payload = Bytes::from(vec![0x5Au8; size]);
        group.throughput(Throughput::Bytes((size * count) as u64));
        group.bench_with_input(BenchmarkId::new("wscore", size), &payload, |b, payload| {
            let (_, mut server) = pair();
            b.iter(|| {
                for _ in 0..count {
                    server.send_binary(&payload[..]).unwrap();
                }
                std::hint::black_box(server.take_output())
            })
        });
    }
    group.finish();
}

/// Why the decoder uses `simdutf8` (compat API, for incremental validation)
/// rather than `std::str::from_utf8`: compared here on chat-like multi-byte text.
fn utf8(c: &mut Criterion) {
    let mut group = c.benchmark_group("utf8");
    group.measurement_time(Duration::from_secs(2));
    let unit = "héllo wörld — ça va? 你好 👋 plain ascii words here. ";
    for size in [125, 1024, 16 << 10, 1 << 20] {
        let text: String = unit.chars().cycle().take(size).collect();
        let bytes = text.as_bytes();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("std", size), bytes, |b, t| {
            b.iter(|| std::str::from_utf8(std::hint::black_box(t)).is_ok())
        });
        group.bench_with_input(BenchmarkId::new("simdutf8", size), bytes, |b, t| {
            b.iter(|| simdutf8::compat::from_utf8(std::hint::black_box(t)).is_ok())
        });
    }
    group.finish();
}

criterion_group!(benches, decode, encode, utf8);
criterion_main!(benches);
