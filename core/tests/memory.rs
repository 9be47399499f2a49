//! What one idle open connection costs, counted by a global allocator: the
//! struct itself plus whatever it keeps on the heap after the handshake and a
//! few small messages. (tungstenite reserves a 128 KiB read buffer per socket.)

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wscore::{Connection, Event};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn idle_open_connection_cost_is_small_and_bounded() {
    const N: usize = 1000;
    let before = LIVE.load(Ordering::Relaxed);
    let mut servers: Vec<Connection> = Vec::with_capacity(N);
    let vec_cost = LIVE.load(Ordering::Relaxed) - before;
    for _ in 0..N {
        let (mut client, mut server) = common::pair();
        // A little traffic, as an idle chat connection would have seen.
        client.send_text("hello").unwrap();
        common::pump(&mut client, &mut server);
        server.send_text("welcome").unwrap();
        let _ = server.take_output();
        while let Some(ev) = server.poll_event() {
            assert!(matches!(ev, Event::Text(_)));
        }
        drop(client);
        servers.push(server);
    }
    let total = LIVE.load(Ordering::Relaxed) - before - vec_cost;
    let heap_per_conn = total / N;
    let struct_size = std::mem::size_of::<Connection>();
    println!(
        "idle open server connection: {} bytes ({} inline + {} on the heap)",
        struct_size + heap_per_conn,
        struct_size,
        heap_per_conn
    );
    assert!(struct_size + heap_per_conn < 4096, "an idle connection costs {} bytes", struct_size + heap_per_conn);
    drop(servers);
}
