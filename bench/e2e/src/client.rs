//! The load generator's WebSocket client: raw TCP and the few lines of RFC 6455
//! framing it needs, so that no peer's own client code is in the measurement.
//! It sends one masked binary frame, waits for the whole echo, answers pings.

use std::io::{Error, ErrorKind, Result};
use std::net::SocketAddr;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MASK: [u8; 4] = [0x5a, 0xc3, 0x19, 0x7e];

/// A client frame (FIN set, masked) with `opcode` and `payload`, built once per cell.
pub fn masked_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let n = payload.len();
    let mut frame = vec![0x80 | opcode];
    if n < 126 {
        frame.push(0x80 | n as u8);
    } else if n < 65536 {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        frame.push(0x80 | 127);
        frame.extend_from_slice(&(n as u64).to_be_bytes());
    }
    frame.extend_from_slice(&MASK);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i & 3]));
    frame
}

/// A payload whose bytes differ from position to position, so a bad echo shows.
pub fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

fn bad(msg: &'static str) -> Error {
    Error::new(ErrorKind::InvalidData, msg)
}

pub struct Client {
    sock: TcpStream,
    buf: BytesMut,
}

impl Client {
    /// TCP connect and the HTTP upgrade; bytes after the 101 stay in the buffer.
    pub async fn connect(addr: SocketAddr) -> Result<Client> {
        let mut sock = TcpStream::connect(addr).await?;
        sock.set_nodelay(true)?;
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        sock.write_all(request.as_bytes()).await?;
        let mut buf = BytesMut::with_capacity(64 * 1024);
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                if !buf.starts_with(b"HTTP/1.1 101") {
                    return Err(bad("handshake refused"));
                }
                buf.advance(end + 4);
                return Ok(Client { sock, buf });
            }
            if buf.len() > 16 * 1024 || sock.read_buf(&mut buf).await? == 0 {
                return Err(bad("no 101 response"));
            }
        }
    }

    /// Sends `frame` and waits for the next data message; returns its payload
    /// length. With `expect`, the echoed payload must equal it.
    pub async fn round_trip(&mut self, frame: &[u8], expect: Option<&[u8]>) -> Result<usize> {
        self.sock.write_all(frame).await?;
        self.read_message(expect).await
    }

    async fn read_message(&mut self, expect: Option<&[u8]>) -> Result<usize> {
        let mut total = 0;
        loop {
            let Some((fin, opcode, head, len)) = parse_header(&self.buf)? else {
                self.fill().await?;
                continue;
            };
            while self.buf.len() < head + len {
                self.fill().await?;
            }
            let body = &self.buf[head..head + len];
            match opcode {
                0x9 => {
                    let pong = masked_frame(0xA, body);
                    self.buf.advance(head + len);
                    self.sock.write_all(&pong).await?;
                    continue;
                }
                0xA => {}
                0x8 => return Err(Error::new(ErrorKind::ConnectionAborted, "server closed")),
                0x0..=0x2 => {
                    if let Some(want) = expect {
                        if want.get(total..total + len) != Some(body) {
                            return Err(bad("echo differs from what was sent"));
                        }
                    }
                    total += len;
                    if fin {
                        self.buf.advance(head + len);
                        if expect.is_some_and(|want| want.len() != total) {
                            return Err(bad("echo shorter than what was sent"));
                        }
                        return Ok(total);
                    }
                }
                _ => return Err(bad("unknown opcode")),
            }
            self.buf.advance(head + len);
        }
    }

    async fn fill(&mut self) -> Result<()> {
        self.buf.reserve(64 * 1024);
        if self.sock.read_buf(&mut self.buf).await? == 0 {
            return Err(Error::new(
                ErrorKind::UnexpectedEof,
                "server closed the socket",
            ));
        }
        Ok(())
    }
}

/// (FIN, opcode, header length, payload length) of the frame at the start of `b`.
fn parse_header(b: &[u8]) -> Result<Option<(bool, u8, usize, usize)>> {
    if b.len() < 2 {
        return Ok(None);
    }
    if b[1] & 0x80 != 0 {
        return Err(bad("server frame is masked"));
    }
    let (head, len) = match b[1] & 0x7f {
        126 if b.len() >= 4 => (4, u16::from_be_bytes([b[2], b[3]]) as usize),
        127 if b.len() >= 10 => (
            10,
            u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize,
        ),
        126 | 127 => return Ok(None),
        n => (2, n as usize),
    };
    Ok(Some((b[0] & 0x80 != 0, b[0] & 0x0f, head, len)))
}
