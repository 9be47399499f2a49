//! A server reading an upgrade request: any bytes, any split. A request it
//! reports can be accepted; anything else is answered with an HTTP error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wscore::{Accept, Connection, Event};
use wscore_fuzz::{config, Run};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, head)) = data.split_first() else {
        return;
    };
    let mut conn = Connection::server(config(mode & 1 != 0));
    let chunk = usize::from(mode >> 1) + 1;
    let mut request = None;
    for part in head.chunks(chunk) {
        conn.receive(part);
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Request(r) => request = Some(r),
                Event::Closed(_) => {
                    let out = conn.take_output();
                    assert!(out.is_empty() || out.starts_with(b"HTTP/1.1 4"), "{out:?}");
                    assert!(conn.should_close_transport());
                    return;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if request.is_some() {
            break;
        }
    }
    let Some(request) = request else { return };
    let subprotocol = request.subprotocols.first().cloned();
    // Offered subprotocols may be anything; one that cannot be a header value is refused.
    if conn
        .accept(Accept {
            subprotocol,
            headers: Vec::new(),
        })
        .is_err()
    {
        conn.accept(Accept::default())
            .expect("a request is pending");
    }
    let out = conn.take_output();
    assert!(out.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    let accept = wscore::binding::accept_key(&request.key);
    assert!(out.windows(accept.len()).any(|w| w == accept.as_bytes()));
    let mut run = Run::without_head(conn);
    run.drain();
    run.finish();
});
