"""The bytes every Python row sees: payloads of an exact size (text: valid UTF-8
with multi-byte characters, the same text as bench/rust/src/workload.rs) and the
client-masked wire image of a batch of them, cut into 64 KiB socket reads."""

from __future__ import annotations

import itertools

import wscore

CHUNK = 64 << 10
SIZES = [16, 125, 1024, 16 << 10, 64 << 10, 1 << 20]
UNIT = "héllo wörld — ça va? 你好 👋 naïve café, déjà vu words. "
LIMITS = {"max_message_size": 64 << 20, "max_frame_size": 64 << 20}


def text_of_len(n: int) -> str:
    out, used = [], 0
    for c in itertools.cycle(UNIT):
        w = len(c.encode())
        if used + w > n:
            break
        out.append(c)
        used += w
    return "".join(out) + "." * (n - used)


class Workload:
    def __init__(self, kind: str, size: int, batch_bytes: int) -> None:
        self.kind, self.size = kind, size
        self.count = max(batch_bytes // size, 2)
        if kind == "text":
            self.text = text_of_len(size)
            self.payload = self.text.encode()
        else:
            self.text = ""
            self.payload = bytes((i * 131 + 7) & 0xFF for i in range(size))
        assert len(self.payload) == size
        client = wscore.Connection.upgraded("client", **LIMITS)
        parts = []
        for _ in range(self.count):
            if kind == "text":
                client.send_text(self.text)
            else:
                client.send_binary(self.payload)
            parts.append(client.data_to_send())
        wire = b"".join(parts)
        self.chunks = [wire[i : i + CHUNK] for i in range(0, len(wire), CHUNK)]

    @property
    def bytes(self) -> int:
        return self.size * self.count
