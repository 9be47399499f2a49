"""Python's zlib on the messages the Rust deflate bench uses: permessage-deflate
style (raw deflate, sync flush per message, context takeover, level 6).
Prints one JSON line per size: compress and inflate MB/s (best of 5) and ratio."""

import json
import sys
import time
import zlib

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from chat_messages import chat_message  # noqa: E402

COUNT = 2000


def run(size: int) -> dict:
    msgs = [chat_message(i, size) for i in range(COUNT)]
    total = sum(len(m) for m in msgs)
    best_c = best_d = float("inf")
    out_len = 0
    for _ in range(5):
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        t = time.perf_counter()
        outs = [c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH) for m in msgs]
        best_c = min(best_c, time.perf_counter() - t)
        out_len = sum(len(o) - 4 for o in outs)  # the sync tail is not sent
        d = zlib.decompressobj(-15)
        t = time.perf_counter()
        for o, m in zip(outs, msgs):
            assert len(d.decompress(o)) == len(m)
        best_d = min(best_d, time.perf_counter() - t)
    mb = total / 1e6
    return {"lib": "python-zlib", "size": size, "compress_mb_s": mb / best_c, "inflate_mb_s": mb / best_d,
            "ratio": out_len / total}


if __name__ == "__main__":
    for size in (100, 1024, 16384):
        print(json.dumps(run(size)))
