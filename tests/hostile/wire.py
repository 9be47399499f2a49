"""Raw bytes on a socket: client frames (masked or not, any header bits), an upgrade
request written by hand, and readers for the server's HTTP answer and frames.

Blocking sockets with timeouts, so that every read in the suite ends by itself.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Iterable, Optional

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
MASK = b"\x37\xfa\x21\x3d"


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: Optional[bytes] = MASK,
    length: Optional[int] = None,
) -> bytes:
    """One client frame. ``rsv`` is the three RSV bits (0b100 = RSV1); ``mask=None``
    sends it unmasked; ``length`` declares a length other than the payload's."""
    declared = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv & 0b111) << 4 | opcode
    masked = 0x80 if mask is not None else 0
    if declared < 126:
        head = struct.pack("!BB", first, masked | declared)
    elif declared < 1 << 16:
        head = struct.pack("!BBH", first, masked | 126, declared)
    else:
        head = struct.pack("!BBQ", first, masked | 127, declared)
    if mask is None:
        return head + payload
    return head + mask + masked_bytes(payload, mask)


def masked_bytes(payload: bytes, mask: bytes) -> bytes:
    """XOR with the 4-byte mask, at the speed of int arithmetic (no per-byte loop)."""
    if not payload:
        return b""
    key = (mask * (len(payload) // 4 + 1))[: len(payload)]
    n = int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")
    return n.to_bytes(len(payload), "little")


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


def upgrade_request(
    host: str,
    *,
    path: str = "/",
    key: Optional[str] = None,
    extra: Iterable[tuple[str, str]] = (),
    omit: Iterable[str] = (),
    version: str = "13",
) -> bytes:
    """A valid upgrade request head, with headers added (``extra``) or left out (``omit``, lowercase names)."""
    headers = [
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key or base64.b64encode(os.urandom(16)).decode()),
        ("Sec-WebSocket-Version", version),
    ]
    skip = set(omit)
    lines = [f"GET {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers if k.lower() not in skip]
    lines += [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class HttpAnswer:
    status: int
    head: bytes
    body: bytes
    rest: bytes = b""  # bytes after the head (frames, on a 101)

    def header(self, name: str) -> Optional[str]:
        for line in self.head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == name.lower().encode():
                return v.strip().decode("latin-1")
        return None


def connect(port: int, *, timeout: float = 5.0, rcvbuf: Optional[int] = None, sndbuf: Optional[int] = None) -> socket.socket:
    """A blocking TCP connection to 127.0.0.1:port; small buffers make a stalled
    peer push back after kilobytes, not the kernel's autotuned megabytes."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if sndbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


def read_http_answer(sock: socket.socket, timeout: float = 5.0) -> Optional[HttpAnswer]:
    """The server's HTTP answer (head, and a body framed by Content-Length, read up to
    a connection close otherwise); None if the server closed without answering."""
    deadline = time.monotonic() + timeout
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = recv_until(sock, deadline)
        if not chunk:
            return None
        buf += chunk
        if len(buf) > 1 << 20:
            raise AssertionError("an HTTP answer head over 1 MiB")
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    answer = HttpAnswer(status, head, b"", rest)
    if status == 101:
        return answer
    length = answer.header("content-length")
    want = int(length) if length is not None else 1 << 20
    while len(rest) < want:
        chunk = recv_until(sock, deadline)
        if not chunk:
            break
        rest += chunk
    answer.body, answer.rest = rest[:want], rest[want:]
    return answer


def recv_until(sock: socket.socket, deadline: float, size: int = 65536) -> bytes:
    """One recv that gives up at ``deadline`` (b"" then, as on EOF) or on a reset."""
    left = deadline - time.monotonic()
    if left <= 0:
        return b""
    sock.settimeout(left)
    try:
        return sock.recv(size)
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        return b""


@dataclass
class Frame:
    fin: bool
    opcode: int
    payload: bytes


@dataclass
class FrameReader:
    """Parses the server's (unmasked) frames from a socket."""

    sock: socket.socket
    buf: bytes = b""
    eof: bool = False  # the last next() found no frame: EOF, reset or time out
    timed_out: bool = False  # ... and it was the time that ran out
    received: int = field(default=0)

    def next(self, timeout: float = 5.0) -> Optional[Frame]:
        """The next whole frame, or None on EOF/timeout."""
        deadline = time.monotonic() + timeout
        while True:
            parsed = self._parse()
            if parsed is not None:
                return parsed
            chunk = recv_until(self.sock, deadline)
            if not chunk:
                self.eof, self.timed_out = True, time.monotonic() >= deadline
                return None
            self.received += len(chunk)
            self.buf += chunk

    def _parse(self) -> Optional[Frame]:
        b = self.buf
        if len(b) < 2:
            return None
        fin, opcode, n, pos = bool(b[0] & 0x80), b[0] & 0x0F, b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, pos = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, pos = struct.unpack("!Q", b[2:10])[0], 10
        if b[1] & 0x80:
            raise AssertionError("the server sent a masked frame")
        if len(b) < pos + n:
            return None
        self.buf = b[pos + n :]
        return Frame(fin, opcode, b[pos : pos + n])

    def close_code(self, timeout: float = 5.0) -> Optional[tuple[int, str]]:
        """Skips data frames up to the server's close frame: (code, reason), or None if
        the connection ended (or the time ran out) without one."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.next(max(0.0, deadline - time.monotonic()))
            if f is None:
                return None
            if f.opcode == CLOSE:
                if len(f.payload) < 2:
                    return (1005, "")
                return (struct.unpack("!H", f.payload[:2])[0], f.payload[2:].decode("utf-8", "replace"))


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """True once the server ends the TCP connection (EOF or reset) within ``timeout``;
    whatever it still sends is read and dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def open_websocket(
    port: int, *, extra: Iterable[tuple[str, str]] = (), timeout: float = 5.0, **sockopts: int
) -> tuple[socket.socket, FrameReader, HttpAnswer]:
    """A raw WebSocket connection after a 101 (asserted)."""
    sock = connect(port, timeout=timeout, **sockopts)
    sock.sendall(upgrade_request(f"127.0.0.1:{port}", extra=extra))
    answer = read_http_answer(sock, timeout)
    assert answer is not None, "the server closed without answering the upgrade"
    assert answer.status == 101, f"upgrade answered {answer.status}: {answer.body[:200]!r}"
    return sock, FrameReader(sock, answer.rest), answer


def abort(sock: socket.socket) -> None:
    """Close with RST (linger 0), like a client that vanished."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()
