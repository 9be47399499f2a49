//! A client reading the server's response: any bytes, any split. `{ACCEPT}` in
//! the input becomes the right accept key, so the fuzzer gets past that check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wscore::{Event, State};
use wscore_fuzz::{client, config, with_accept_key, Run};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, response)) = data.split_first() else {
        return;
    };
    let (conn, head) = client(config(mode & 1 != 0));
    let response = with_accept_key(response, &head);
    let chunk = usize::from(mode >> 1) + 1;
    let mut run = Run::new(conn);
    for part in response.chunks(chunk) {
        run.conn.receive(part);
        while let Some(event) = run.conn.poll_event() {
            match event {
                Event::Accepted(r) => {
                    assert_eq!(r.status, 101);
                    assert!(matches!(
                        r.subprotocol.as_deref(),
                        None | Some("chat" | "superchat")
                    ));
                    // Frames behind the 101 in the same read may already be closing it.
                    assert_ne!(run.conn.state(), State::Connecting);
                    if let Some(p) = run.conn.deflate() {
                        assert!((9..=15).contains(&p.server_max_window_bits));
                        assert!((9..=15).contains(&p.client_max_window_bits));
                    }
                }
                Event::Rejected(r) => assert_ne!(r.status, 101),
                Event::Closed(_) => {
                    assert!(run.conn.should_close_transport());
                    return;
                }
                // Frames right behind the 101 are fine too.
                _ => {}
            }
        }
    }
    run.finish();
});
