"""A raw-socket WebSocket client that writes down what a server puts on the wire:
the HTTP status and a few headers, a denial's body and whether it was complete,
the frames, the close frame, and whether the server then closed TCP.

Written from RFC 6455 with no WebSocket library, so it judges every server the
same way. Blocking sockets with timeouts: every read ends by itself.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from typing import Optional

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
MASK = b"\x11\x22\x33\x44"
# Headers whose value a client or a proxy acts on.
HEADERS = ("content-type", "sec-websocket-protocol", "x-test")


def client_frame(opcode: int, payload: bytes = b"") -> bytes:
    """One masked client frame (payloads here are short)."""
    assert len(payload) < 126
    masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + MASK + masked


def close_frame(code: Optional[int], reason: bytes = b"") -> bytes:
    return client_frame(CLOSE, b"" if code is None else struct.pack("!H", code) + reason)


class Peer:
    """One connection: a buffered reader over a socket, with a deadline per read."""

    def __init__(self, port: int, path: str, timeout: float) -> None:
        self.timeout = timeout
        self.buf = b""
        self.eof = False
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: chat\r\n\r\n"
            ).encode()
        )

    def _fill(self, deadline: float) -> bool:
        """Reads more; False at EOF, a reset or the deadline."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_until(self, marker: bytes) -> Optional[bytes]:
        deadline = time.monotonic() + self.timeout
        while marker not in self.buf:
            if not self._fill(deadline):
                return None
        head, _, self.buf = self.buf.partition(marker)
        return head

    def read_exact(self, n: int) -> Optional[bytes]:
        deadline = time.monotonic() + self.timeout
        while len(self.buf) < n:
            if not self._fill(deadline):
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_eof(self) -> bytes:
        deadline = time.monotonic() + self.timeout
        while self._fill(deadline):
            pass
        out, self.buf = self.buf, b""
        return out

    def wait_eof(self) -> str:
        """'eof' once the server closes TCP (data still arriving is dropped), else 'open'."""
        deadline = time.monotonic() + self.timeout
        while not self.eof and self._fill(deadline):
            self.buf = b""
        return "eof" if self.eof else "open"

    def read_frame(self) -> Optional[tuple[int, bytes]]:
        head = self.read_exact(2)
        if head is None:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            ext = self.read_exact(2)
            length = struct.unpack("!H", ext)[0] if ext else 0
        elif length == 127:
            ext = self.read_exact(8)
            length = struct.unpack("!Q", ext)[0] if ext else 0
        payload = self.read_exact(length)
        return None if payload is None else (opcode, payload)

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the server is gone: what it sent before is what we compare

    def close(self) -> None:
        self.sock.close()


def _chunked(body: bytes) -> tuple[bytes, bool]:
    """Decodes a chunked body; True when the last chunk arrived."""
    out = b""
    while True:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            return out, False
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            return out, False
        if size == 0:
            return out, True
        if len(rest) < size + 2:
            return out + rest[:size], False
        out += rest[:size]
        body = rest[size + 2 :]


def _denial(peer: Peer, headers: dict[str, str]) -> dict[str, str]:
    """A non-101 answer: its body as the client decodes it, and whether it was complete."""
    raw = peer.read_to_eof()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body, complete = _chunked(raw)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        body, complete = raw[:length], len(raw) >= length
    else:
        body, complete = raw, peer.eof
    return {"body": f"{body!r} {'complete' if complete else 'cut'}", "end": "eof" if peer.eof else "open"}


def observe(port: int, path: str, script: str, timeout: float = 3.0) -> dict[str, str]:
    """Opens a WebSocket to ``path`` and plays ``script`` (see SCRIPTS); returns what
    the client saw, one short string per field."""
    peer = Peer(port, path, timeout)
    try:
        seen: dict[str, str] = {}
        head = peer.read_until(b"\r\n\r\n")
        if head is None:
            seen["status"] = "no response"
            seen["end"] = peer.wait_eof()
            return seen
        status_line, *lines = head.decode("latin-1").split("\r\n")
        seen["status"] = status_line.split(" ")[1]
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        seen["headers"] = " ".join(f"{h}={headers[h]}" for h in HEADERS if h in headers)
        if seen["status"] != "101":
            seen.update(_denial(peer, headers))
            return seen
        seen.update(SCRIPTS[script](peer))
        return seen
    finally:
        peer.close()


def _closing(peer: Peer, received: list[str]) -> dict[str, str]:
    """Reads frames until the server's close frame, answers it, waits for EOF."""
    while True:
        frame = peer.read_frame()
        if frame is None:
            return {"frames": " ".join(received), "close": "none", "end": peer.wait_eof()}
        opcode, payload = frame
        if opcode == CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            reason = payload[2:].decode("utf-8", "replace")
            peer.send(close_frame(code))
            return {"frames": " ".join(received), "close": f"{code} {reason!r}", "end": peer.wait_eof()}
        if opcode == PING:
            peer.send(client_frame(PONG, payload))
        else:
            received.append(f"{opcode}:{payload.decode('utf-8', 'replace')}")


def _wait_close(peer: Peer) -> dict[str, str]:
    """The server closes: read until its close frame."""
    return _closing(peer, [])


def _echo_then_close(peer: Peer, code: Optional[int], reason: bytes) -> dict[str, str]:
    """Sends "hi", reads the echo, then closes with ``code``/``reason`` and reads
    until the server's close reply."""
    peer.send(client_frame(TEXT, b"hi"))
    frame = peer.read_frame()
    received = [] if frame is None else [f"{frame[0]}:{frame[1].decode('utf-8', 'replace')}"]
    if frame is None or frame[0] == CLOSE:
        return {"frames": " ".join(received), "close": "early", "end": peer.wait_eof()}
    peer.send(close_frame(code, reason))
    return _closing(peer, received)


def _echo_then_drop(peer: Peer) -> dict[str, str]:
    """Sends "hi", reads the echo, then closes TCP without a close frame."""
    peer.send(client_frame(TEXT, b"hi"))
    frame = peer.read_frame()
    peer.sock.shutdown(socket.SHUT_RDWR)
    return {"frames": "" if frame is None else f"{frame[0]}:{frame[1].decode('utf-8', 'replace')}"}


SCRIPTS = {
    "wait_close": _wait_close,
    "client_close": lambda peer: _echo_then_close(peer, 4002, b"client bye"),
    "client_close_no_code": lambda peer: _echo_then_close(peer, None, b""),
    "client_drop": _echo_then_drop,
}
