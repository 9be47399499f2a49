"""Bytes per idle open connection object in Python: wscore's sans-IO connection
next to websockets' Protocol and wsproto's Connection (each in the open state,
as after a handshake). Each library runs in a fresh interpreter that creates
10,000 objects; the resident-set growth is divided by the count (it includes
memory allocated outside Python's allocator, e.g. by the Rust core).

Usage: python bench/python/memory.py [--out target/bench/memory-python.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

N = 10_000
MAKERS = {
    "wscore": "import wscore\nmake = lambda: wscore.Connection.upgraded('server')",
    "websockets": "from websockets.protocol import Protocol, Side\nmake = lambda: Protocol(Side.SERVER)",
    "wsproto": "from wsproto.connection import Connection, ConnectionType\n"
               "make = lambda: Connection(ConnectionType.SERVER)",
}
CHILD = """
import gc, os, tracemalloc
{maker}
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
keep = [make() for _ in range(100)]  # warm up imports and caches
gc.collect()
before = rss()
tracemalloc.start()
keep = [make() for _ in range({n})]
py = tracemalloc.get_traced_memory()[0]
tracemalloc.stop()
gc.collect()
print(rss() - before, py)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="target/bench/memory-python.json")
    a = ap.parse_args()
    results = {}
    for name, maker in MAKERS.items():
        out = subprocess.run([sys.executable, "-c", CHILD.format(maker=maker, n=N)],
                             check=True, capture_output=True, text=True).stdout.split()
        rss, py = int(out[0]), int(out[1])
        results[name] = {"rss_bytes_per_connection": rss / N, "python_heap_bytes_per_connection": py / N}
        print(f"{name:10}: {rss / N:8.0f} B resident, {py / N:8.0f} B in Python's heap per connection",
              file=sys.stderr)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"runtime": "python-memory", "connections": N, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
