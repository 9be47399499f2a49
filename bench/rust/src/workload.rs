//! The bytes every row sees: payloads of an exact size (text is valid UTF-8 with
//! multi-byte characters) and the client-masked wire image of a batch of them.

use bytes::Bytes;
use wscore::{Accept, ClientRequest, Config, Connection};

/// The socket read size every decoder is fed.
pub const CHUNK: usize = 64 << 10;
/// Payload bytes per batch; at least two messages per batch.
const BATCH_BYTES: usize = 2 << 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Text,
    Binary,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Binary => "binary",
        }
    }
}

pub struct Workload {
    pub kind: Kind,
    pub size: usize,
    /// Messages per batch.
    pub count: usize,
    /// The payload (for text, valid UTF-8 of exactly `size` bytes).
    pub payload: Vec<u8>,
    /// `count` client-masked frames carrying `payload`, back to back.
    pub wire: Vec<u8>,
    /// `payload` in one shared buffer made once: every encode row copies from
    /// this same address. The source's offset in its page decides, with the
    /// ring position, how fast the sink's memcpy runs (up to ~1.4x at 16 KiB
    /// on this CPU), so a buffer of its own per row would make rows unequal.
    pub shared: Bytes,
}

impl Workload {
    pub fn new(kind: Kind, size: usize) -> Workload {
        let count = (BATCH_BYTES / size).max(2);
        let payload = match kind {
            Kind::Text => text_of_len(size).into_bytes(),
            Kind::Binary => (0..size).map(|i| (i * 131 + 7) as u8).collect(),
        };
        let mut client = open_client();
        for _ in 0..count {
            match kind {
                Kind::Text => client.send_text(std::str::from_utf8(&payload).unwrap()),
                Kind::Binary => client.send_binary(&payload[..]),
            }
            .unwrap();
        }
        let wire = client.take_output();
        let shared = Bytes::from(payload.clone());
        drop(shared.clone()); // the first clone of a `Vec`-backed `Bytes` allocates
        Workload {
            kind,
            size,
            count,
            payload,
            wire,
            shared,
        }
    }

    /// Payload bytes per batch.
    pub fn bytes(&self) -> usize {
        self.size * self.count
    }
}

/// Chat-like text mixing 1-, 2-, 3- and 4-byte characters (11 of every 53, ~21%,
/// are multi-byte), padded with ASCII to `len` bytes.
pub fn text_of_len(len: usize) -> String {
    let unit = "héllo wörld — ça va? 你好 👋 naïve café, déjà vu words. ";
    let mut s = String::with_capacity(len);
    for c in unit.chars().cycle() {
        if s.len() + c.len_utf8() > len {
            break;
        }
        s.push(c);
    }
    while s.len() < len {
        s.push('.');
    }
    s
}

pub fn config() -> Config {
    Config {
        max_message_size: 64 << 20,
        max_frame_size: 64 << 20,
        ..Config::default()
    }
}

/// An open client (its frames are masked); the server side is discarded.
fn open_client() -> Connection {
    let mut client = Connection::client(config(), ClientRequest::new("ws://bench/")).unwrap();
    let mut server = open_server_for(&mut client);
    let _ = server.take_output();
    client
}

/// A server that has accepted `client`'s handshake; the client has seen the 101.
pub fn open_server_for(client: &mut Connection) -> Connection {
    let mut server = Connection::server(config());
    server.receive(&client.take_output());
    server.poll_event().expect("upgrade request");
    server.accept(Accept::default()).unwrap();
    client.receive(&server.take_output());
    client.poll_event().expect("101 response");
    server
}

/// An open server connection, for decoding and encoding benchmarks.
pub fn open_server() -> Connection {
    let mut client = Connection::client(config(), ClientRequest::new("ws://bench/")).unwrap();
    open_server_for(&mut client)
}
