//! Frame decoding: header parsing alone, then the bytes as the frames an open
//! connection receives (server or client side, with or without deflate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wscore::frame::{FrameHeader, MAX_HEADER_LEN};
use wscore::{Accept, Connection};
use wscore_fuzz::{client, config, Run, REQUEST, RESPONSE};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, frames)) = data.split_first() else {
        return;
    };
    if let Ok(Some((header, n))) = FrameHeader::parse(frames) {
        assert!(n <= MAX_HEADER_LEN && n <= frames.len());
        if header.opcode.is_control() {
            assert!(header.fin && header.len <= 125);
        }
        // What we write parses back to the same header.
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let len = header.encode(&mut bytes);
        assert_eq!(FrameHeader::parse(&bytes[..len]), Ok(Some((header, len))));
    }

    let deflate = mode & 1 != 0;
    let server_side = mode & 2 != 0;
    let chunk = usize::from(mode >> 2) + 1;
    let mut run = if server_side {
        let mut conn = Connection::server(config(deflate));
        conn.receive(REQUEST);
        while conn.poll_event().is_some() {}
        conn.accept(Accept::default()).unwrap();
        Run::new(conn)
    } else {
        let (mut conn, head) = client(config(deflate));
        conn.receive(&wscore_fuzz::with_accept_key(RESPONSE, &head));
        Run::new(conn)
    };
    run.drain();
    for part in frames.chunks(chunk) {
        run.receive(part);
    }
    run.finish();
});
