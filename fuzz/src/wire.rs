//! Checks the bytes a connection writes, in the order they leave: an HTTP head
//! first on a server, then frames that any RFC 6455 peer must accept.

use wscore::frame::{FrameHeader, OpCode};
use wscore::mask::apply_mask;
use wscore::{CloseCode, Role};

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    /// A server's response head (the client's request is checked elsewhere).
    Head,
    Frames,
    /// After our close frame, or after a non-101 response: nothing may follow
    /// but the response body, so stop looking.
    Done,
}

pub struct WireCheck {
    role: Role,
    phase: Phase,
    buf: Vec<u8>,
    pos: usize,
    in_message: bool,
    closed: bool,
}

impl WireCheck {
    pub fn new(role: Role) -> Self {
        WireCheck {
            role,
            phase: if role == Role::Server {
                Phase::Head
            } else {
                Phase::Frames
            },
            buf: Vec::new(),
            pos: 0,
            in_message: false,
            closed: false,
        }
    }

    /// For a connection whose handshake bytes were already taken.
    pub fn frames_only(role: Role) -> Self {
        WireCheck {
            phase: Phase::Frames,
            ..WireCheck::new(role)
        }
    }

    /// Bytes that left the connection; `deflate` tells whether RSV1 may be set.
    pub fn written(&mut self, bytes: &[u8], deflate: bool) {
        self.buf.extend_from_slice(bytes);
        loop {
            match self.phase {
                Phase::Done => return,
                Phase::Head => {
                    let rest = &self.buf[self.pos..];
                    let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
                        return;
                    };
                    assert!(rest.starts_with(b"HTTP/1.1 "), "bad head {rest:?}");
                    self.phase = if rest.starts_with(b"HTTP/1.1 101 ") {
                        Phase::Frames
                    } else {
                        Phase::Done
                    };
                    self.pos += end + 4;
                }
                Phase::Frames => {
                    if !self.next_frame(deflate) {
                        return;
                    }
                }
            }
        }
    }

    /// Checks one whole frame if it is all there.
    fn next_frame(&mut self, deflate: bool) -> bool {
        let rest = &self.buf[self.pos..];
        let (h, n) = match FrameHeader::parse(rest) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return false,
            Err(e) => panic!("we wrote an invalid frame header: {e} in {rest:?}"),
        };
        let Some(payload) = rest.get(n..n + h.len as usize) else {
            return false;
        };
        let mut payload = payload.to_vec();
        assert!(!self.closed, "a frame after our close frame: {h:?}");
        assert_eq!(
            h.mask.is_some(),
            self.role == Role::Client,
            "masking: {h:?}"
        );
        if let Some(key) = h.mask {
            apply_mask(&mut payload, key, 0);
        }
        match h.opcode {
            OpCode::Text | OpCode::Binary => {
                assert!(!self.in_message, "a new message inside a fragmented one");
                assert!(
                    h.rsv == 0 || (h.rsv == 0b100 && deflate),
                    "rsv {:#b}",
                    h.rsv
                );
                self.in_message = !h.fin;
                if h.opcode == OpCode::Text && h.rsv == 0 && h.fin {
                    assert!(std::str::from_utf8(&payload).is_ok(), "text is not UTF-8");
                }
            }
            OpCode::Continuation => {
                assert!(self.in_message, "a continuation with no message");
                assert_eq!(h.rsv, 0, "RSV1 on a continuation");
                self.in_message = !h.fin;
            }
            OpCode::Close => {
                assert_eq!(h.rsv, 0);
                match payload.as_slice() {
                    [] => {}
                    [_] => panic!("a 1-byte close payload"),
                    [hi, lo, reason @ ..] => {
                        let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                        assert!(code.is_sendable(), "we sent close code {code}");
                        assert!(
                            std::str::from_utf8(reason).is_ok(),
                            "close reason not UTF-8"
                        );
                    }
                }
                self.closed = true;
            }
            OpCode::Ping | OpCode::Pong => assert_eq!(h.rsv, 0),
        }
        self.pos += n + h.len as usize;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(role: Role, bytes: &[u8]) {
        WireCheck::frames_only(role).written(bytes, false);
    }

    #[test]
    fn accepts_valid_frames() {
        check(
            Role::Server,
            &[0x01, 1, b'a', 0x89, 0, 0x80, 1, b'b', 0x88, 2, 0x03, 0xE8],
        );
    }

    #[test]
    #[should_panic(expected = "masking")]
    fn a_masked_server_frame_fails() {
        check(Role::Server, &[0x81, 0x80, 0, 0, 0, 0]);
    }

    #[test]
    #[should_panic(expected = "we sent close code 1006")]
    fn an_unsendable_close_code_fails() {
        check(Role::Server, &[0x88, 2, 0x03, 0xEE]);
    }

    #[test]
    #[should_panic(expected = "after our close frame")]
    fn a_frame_after_close_fails() {
        check(Role::Server, &[0x88, 0, 0x81, 0]);
    }

    #[test]
    #[should_panic(expected = "rsv")]
    fn rsv1_without_deflate_fails() {
        check(Role::Server, &[0xC1, 0]);
    }

    #[test]
    #[should_panic(expected = "continuation with no message")]
    fn an_orphan_continuation_fails() {
        check(Role::Server, &[0x80, 0]);
    }
}
