"""Chat-like JSON messages, byte-for-byte the same as core/benches/deflate.rs makes."""


def chat_message(i: int, size: int) -> bytes:
    parts = []
    total = 0
    k = 0
    while total < size:
        part = (
            f'{{"type":"message","room":"general","user":"user{(i + k) % 37}","id":{i * 31 + k},'
            f'"text":"hello there, how are you doing today? item {k}","ts":{1700000000 + i + k}}},'
        )
        parts.append(part)
        total += len(part)
        k += 1
    return "".join(parts).encode()[:size]
