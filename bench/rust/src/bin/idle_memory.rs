//! Bytes per idle open server connection in core: the struct itself plus the heap
//! it holds after the opening handshake, counted by a global allocator over many
//! connections (so allocator rounding is averaged). Prints JSON.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use wscore::{Accept, ClientRequest, Config, Connection, Event};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static A: Counting = Counting;

const N: usize = 1000;

fn main() {
    let mut servers = Vec::with_capacity(N);
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..N {
        let mut client =
            Connection::client(Config::default(), ClientRequest::new("ws://bench/chat")).unwrap();
        let mut server = Connection::server(Config::default());
        server.receive(&client.take_output());
        assert!(matches!(server.poll_event(), Some(Event::Request(_))));
        server.accept(Accept::default()).unwrap();
        client.receive(&server.take_output());
        drop(client);
        servers.push(server);
    }
    // The Vec of inline structs was allocated before `before`; only heap behind them counts here.
    let heap = (LIVE.load(Ordering::Relaxed) - before) as f64 / N as f64;
    let inline = std::mem::size_of::<Connection>();
    println!(
        "{}",
        serde_json::json!({
            "connections": N,
            "inline_bytes": inline,
            "heap_bytes_per_connection": heap,
            "total_bytes_per_connection": inline as f64 + heap,
        })
    );
    drop(servers);
}
