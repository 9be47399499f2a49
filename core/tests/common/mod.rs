//! In-memory helpers: two connections wired back to back, no sockets.
#![allow(dead_code)]

use wscore::{Config, Connection, Event};

pub use wscore::testing::open_pair;

pub fn pair() -> (Connection, Connection) {
    open_pair(Config::default(), Config::default())
}

/// Moves `from`'s pending output into `to`.
pub fn pump(from: &mut Connection, to: &mut Connection) {
    let bytes = from.take_output();
    to.receive(&bytes);
}

/// The `Closed` event that must end `events`.
pub fn closed(events: &[Event]) -> &wscore::Closed {
    match events.last() {
        Some(Event::Closed(c)) => c,
        other => panic!("expected Closed last, got {other:?}"),
    }
}

pub fn events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

/// A masked client frame, as a test peer would write it.
pub fn client_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut out = vec![b0];
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xFFFF {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// An unmasked server frame.
pub fn server_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![b0];
    let len = payload.len();
    if len < 126 {
        out.push(len as u8);
    } else if len <= 0xFFFF {
        out.push(126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
    out
}

/// The head of the frame that starts `bytes`, read here rather than with core's
/// parser (private without the `internals` feature): (head length, payload
/// length, mask key).
pub fn frame_head(bytes: &[u8]) -> (usize, usize, Option<[u8; 4]>) {
    let (len, mut n) = match bytes[1] & 0x7F {
        126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
        127 => (
            u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
            10,
        ),
        len => (len as usize, 2),
    };
    let mut key = None;
    if bytes[1] & 0x80 != 0 {
        key = Some(bytes[n..n + 4].try_into().unwrap());
        n += 4;
    }
    (n, len, key)
}

/// Decodes the unmasked frames a server wrote: (first byte, payload) each.
pub fn parse_server_frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (n, len, mask) = frame_head(bytes);
        assert!(mask.is_none());
        let end = n + len;
        assert!(bytes.len() >= end, "whole frame");
        frames.push((bytes[0], bytes[n..end].to_vec()));
        bytes = &bytes[end..];
    }
    frames
}
