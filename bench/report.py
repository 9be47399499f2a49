"""Collects target/bench/*.json into BENCHMARKS.md: tables with ratios, the
machine, how to reproduce, and which targets of the benchmarks issue are met.
Every ratio is taken within one run (same process tree, same moment), then the
median over runs is shown. Missing parts are listed, not invented.

Usage: python3 bench/report.py [--dir target/bench] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess

SIZE_NAMES = {16: "16 B", 125: "125 B", 1024: "1 KiB", 16384: "16 KiB", 65536: "64 KiB", 1048576: "1 MiB"}
RUST_PEERS = ["tungstenite", "fastwebsockets", "sockudo-ws", "tokio-websockets"]


def load(d: str, name: str):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        return None
    if name.endswith(".jsonl"):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip().startswith("{")]
    with open(path) as f:
        return json.load(f)


def med(v):
    return statistics.median(v)


def fmt(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def msgs(mbps: float, size: int) -> str:
    n = mbps * 1e6 / size
    return f"{n / 1e6:.2f} M" if n >= 1e6 else f"{n / 1e3:.1f} k"


def ratio_runs(rows: dict, mine: str, others: list[str]) -> list[float]:
    """Per run: mine / the best of `others` in that same run."""
    runs = len(rows[mine]["mbps"])
    return [rows[mine]["mbps"][i] / max(rows[o]["mbps"][i] for o in others) for i in range(runs)]


def fastest(rows: dict, others: list[str]) -> str:
    return max(others, key=lambda o: med(rows[o]["mbps"]))


def machine() -> list[str]:
    model, flags = "?", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    simd = " ".join(x for x in ("sse4_2", "avx2", "avx512f", "avx512bw") if x in flags)

    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001 - a missing tool is reported as such
            return "not found"

    return [
        f"- CPU: {model}, {os.cpu_count()} cores visible ({simd}); memory {mem}",
        f"- OS: {' '.join(platform.uname()[i] for i in (0, 2, 4))}",
        f"- {ver(['rustc', '--version'])}; Node {ver(['node', '--version'])}; "
        f"Python {platform.python_version()} (report) — the Python benchmarks' own version is in their section",
        f"- Load average when this report was written: {os.getloadavg()[0]:.2f} "
        "(the machine is shared: other jobs run at the same time; see “Noise”)",
    ]


def rust_section(doc) -> tuple[list[str], list[tuple]]:
    out, targets = [], []
    out += ["## Rust", "",
            f"`{doc.get('command', 'make bench-rust')}` — bench/rust (its own workspace and Cargo.lock), "
            "the neutral socket model of issue 19: decode copies each "
            f"{doc['chunk'] // 1024} KiB read once into the library's own buffer inside the timed loop "
            "(wscore: one `BytesMut` and `receive_buf`) and hands each message over whole; encode sends "
            "each payload as one unmasked message (wscore gets `Bytes`/`Utf8Bytes` by value) and the sink "
            "copies every byte it is given once into a 256 KiB ring. "
            f"Payload MB/s (10^6 B/s), median of {doc['runs']} runs (minimum in brackets), each run ≥ "
            f"{doc['sample_ms']} ms per row, rows taking turns in a rotating order. "
            "“vs fastest” is wscore ÷ the fastest peer of that cell, computed run by run and then the "
            "median; the peer named bold is the fastest by median.", ""]
    for op in ("decode", "encode"):
        for kind in ("text", "binary"):
            res = [r for r in doc["results"] if r["op"] == op and r["kind"] == kind]
            if not res:
                continue
            limit = "memcpy+xor" if op == "decode" else "memcpy"
            # Decode: wscore is `receive_buf` (a BytesMut, as the peers read);
            # `receive(&[u8])`, which copies each message out, is shown beside it.
            slice = ["wscore receive(&[u8])"] if "wscore-slice" in res[0]["rows"] else []
            head = ["size", "wscore", "msg/s"] + slice + RUST_PEERS + [limit, "vs fastest peer"]
            if op == "decode":
                head.append("% of memcpy+xor")
            out += [f"### {op}, {kind}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            for r in res:
                rows = r["rows"]
                ws = rows["wscore"]["mbps"]
                ratios = ratio_runs(rows, "wscore", RUST_PEERS)
                cells = [SIZE_NAMES[r["size"]], f"{fmt(med(ws))} ({fmt(min(ws))})", msgs(med(ws), r["size"])]
                best = fastest(rows, RUST_PEERS)
                if slice:
                    cells.append(fmt(med(rows["wscore-slice"]["mbps"])))
                for p in RUST_PEERS:
                    v = fmt(med(rows[p]["mbps"]))
                    cells.append(f"**{v}**" if p == best else v)
                cells.append(fmt(med(rows[limit]["mbps"])))
                cells.append(f"{med(ratios):.2f}×")
                targets.append((f"Rust {op} {kind} {SIZE_NAMES[r['size']]}: ≥ fastest peer ({best})",
                                med(ratios), 1.0))
                if op == "decode":
                    ref = med(ratio_runs(rows, "wscore", ["memcpy+xor"]))
                    cells.append(f"{ref * 100:.0f}%")
                    if r["size"] >= 16384 and kind == "binary":  # issue 19: binary from 16 KiB
                        targets.append((f"Rust decode {kind} {SIZE_NAMES[r['size']]}: ≥ 80% of memcpy+xor",
                                        ref, 0.8))
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
    return out, targets


def simple_section(doc, title, cmd, base, mine="wscore") -> tuple[list[str], dict]:
    out = [f"## {title}", "", f"`{cmd}` — payload MB/s, median of {doc['runs']} runs (minimum in brackets); "
           f"“vs {base}” is wscore ÷ {base} run by run, then the median. Versions: "
           + ", ".join(f"{k} {v}" for k, v in doc.get("versions", {}).items()), ""]
    ratios = {}
    kinds = list(dict.fromkeys(r["kind"] for r in doc["results"]))  # as measured, e.g. text-bytes too
    for op in ("decode", "encode"):
        for kind in kinds:
            res = [r for r in doc["results"] if r["op"] == op and r["kind"] == kind]
            if not res:
                continue
            names = list(res[0]["rows"])
            head = ["size"] + [f"{n}" for n in names] + ["wscore msg/s", f"vs {base}"]
            out += [f"### {op}, {kind}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            for r in res:
                rows = r["rows"]
                cells = [SIZE_NAMES[r["size"]]]
                for n in names:
                    v = rows[n]["mbps"]
                    cells.append(f"{fmt(med(v))} ({fmt(min(v))})" if n == mine else fmt(med(v)))
                cells.append(msgs(med(rows[mine]["mbps"]), r["size"]))
                q = med(ratio_runs(rows, mine, [base]))
                ratios[(op, kind, r["size"])] = q
                cells.append(f"{q:.2f}×")
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
    return out, ratios


def loadgen_name(doc) -> str:
    if doc.get("loadgen", "").startswith("rust"):
        return "bench/rust/src/bin/loadgen.rs: a thread per client on blocking sockets"
    return "bench/python/loadgen.py, raw asyncio sockets"


def e2e_section(doc) -> tuple[list[str], list[tuple]]:
    res = doc["results"]
    names = list(res)
    clients = list(res[names[0]])
    loop = doc.get("loop", "auto")
    loop_name = {"uvloop": "uvloop, as `uvicorn[standard]` installs",
                 "asyncio": "asyncio's loop, as plain `pip install uvicorn`"}.get(loop, f"--loop {loop}")
    out = [f"## Python end to end: uvicorn over 127.0.0.1 ({loop_name})", "",
           f"`make bench-e2e` — uvicorn {doc['uvicorn']} (`--loop {loop}`) serving an ASGI echo app with each `--ws` protocol; "
           f"a separate load-generator process ({loadgen_name(doc)}) sends "
           f"{doc['size']} B text messages and waits for each echo, {doc['seconds']:.0f} s per measurement, "
           f"{doc['rounds']} rounds that alternate the servers. Round trips/s (median over rounds) and "
           "latency p99 (median over rounds); ratios are run by run, then the median.", ""]
    head = ["clients", *names, "wscore vs auto (default)", "wscore vs websockets-sansio"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    targets = []
    def who(c: str) -> str:
        n, _, cpu = c.partition("@")
        return f"{n}, pinned with the load generator to CPU {cpu}" if cpu else n

    def clients_phrase(c: str) -> str:
        n, _, cpu = c.partition("@")
        phrase = f"{n} client{'' if n == '1' else 's'}"
        return f"{phrase}, pinned with the load generator to CPU {cpu}" if cpu else phrase

    for c in clients:
        cells = [who(c)]
        for n in names:
            rt = med([r["round_trips_per_s"] for r in res[n][c]])
            p99 = med([r["p99_ms"] for r in res[n][c]])
            cells.append(f"{rt:,.0f} rt/s, p99 {p99:.2f} ms")
        for base in ("auto (default)", "websockets-sansio"):
            q = med([a["round_trips_per_s"] / b["round_trips_per_s"] for a, b in zip(res["wscore"][c], res[base][c])])
            cells.append(f"{q:.2f}×")
            if base == "auto (default)":
                targets.append((f"uvicorn echo ({loop}), {clients_phrase(c)}: ≥ 1.5× the default protocol", q, 1.5))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out, targets


def tokio_section(d: str) -> tuple[list[str], list[tuple]]:
    """A pointer to docs/benchmarks-tokio.md (`make bench-tokio` writes it) and, when
    target/bench/tokio-e2e.json is here, its cells as targets."""
    out = ["## Rust end to end: tokio echo servers over 127.0.0.1", "",
           "`make bench-tokio` — wscore-tokio, tokio-tungstenite, fastwebsockets, tokio-websockets and "
           "sockudo-ws echo servers under one load generator: round trips/s, p50/p99 latency, server CPU "
           "per message and memory per idle connection, 1 and 64 connections × 16 B, 1 KiB, 16 KiB. "
           "Tables and analysis: [docs/benchmarks-tokio.md](docs/benchmarks-tokio.md).", ""]
    doc = load(d, "tokio-e2e.json")
    if not doc:
        return out, []
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("tokio_report", os.path.join(here, "e2e", "report.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _, cells = mod.build(doc, os.path.join(here, "e2e", "Cargo.lock"))
    return out, [(f"tokio echo {n}: ≥ best peer", q, 1.0) for n, q in cells]


def memory_section(d: str) -> list[str]:
    core, py, node, echo = (load(d, f) for f in ("memory-core.json", "memory-python.json",
                                                  "memory-node.json", "memory-echo-server.json"))
    out = ["## Memory", "", "`make bench-memory`", ""]
    out += ["| what | bytes per idle open connection |", "|---|---|"]
    if core:
        out.append(f"| core `Connection` (Rust): inline + heap, counting allocator over {core['connections']} | "
                   f"{core['total_bytes_per_connection']:,.0f} ({core['inline_bytes']} inline + "
                   f"{core['heap_bytes_per_connection']:,.0f} heap) |")
    if py:
        for n, r in py["results"].items():
            out.append(f"| Python {n} object (RSS growth over {py['connections']:,}; Python heap part) | "
                       f"{r['rss_bytes_per_connection']:,.0f} ({r['python_heap_bytes_per_connection']:,.0f}) |")
    if node:
        for n, r in node["results"].items():
            out.append(f"| Node {n} (RSS growth over {node['connections']:,}) | "
                       f"{r['rss_bytes_per_connection']:,.0f} |")
    out.append("")
    if echo:
        out += [f"Rust echo server (examples/echo_server.rs: blocking, one thread per connection) holding "
                f"{echo['connections']:,} idle connections: peak RSS {echo['peak_rss_kib'] / 1024:.1f} MiB, "
                f"{echo['bytes_per_connection']:,.0f} B per connection over its idle RSS, {echo['server_threads']:,} "
                "threads. Nearly all of it is each thread's stack and read buffer, not wscore (see the core row).",
                ""]
    if not any((core, py, node, echo)):
        out += ["(not measured in this run)", ""]
    return out


def callgrind_section(d: str) -> list[str]:
    doc = load(d, "callgrind.json")
    if not doc:
        return []
    out = ["## Rust under callgrind: instructions per message", "",
           "`make bench-callgrind` (bench/rust/callgrind.py) — the same rows and bytes as the Rust tables, "
           "counted by `valgrind --tool=callgrind` only inside each row's clock (set-up excluded): "
           "repeatable to a fraction of a percent on this machine, where wall-clock ratios drift by up to "
           "2× between runs. Fewer is better; instructions are not time (a 32-byte AVX2 instruction counts "
           "as one), but they show where the work is. Valgrind has no AVX-512, so under it every row "
           "runs its AVX2 code.", ""]
    for op in ("decode", "encode"):
        for kind in ("text", "binary"):
            res = [r for r in doc["results"] if r["op"] == op and r["kind"] == kind]
            if not res:
                continue
            names = list(res[0]["instructions_per_message"])
            head = ["size", *names, "wscore ÷ fewest peer"]
            out += [f"### {op}, {kind}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            for r in res:
                ipm = r["instructions_per_message"]
                peers = [n for n in names if n != "wscore"]
                best = min(peers, key=lambda n: ipm[n])
                cells = [SIZE_NAMES[r["size"]]]
                cells += [f"**{ipm[n]:,.0f}**" if n == best else f"{ipm[n]:,.0f}" for n in names]
                cells.append(f"{ipm['wscore'] / ipm[best]:.2f} ({best})")
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
    return out


def before_after(d: str, before_path: str) -> str:
    """wscore's instructions per message before the changes in NOTES.md and in this run."""
    now = load(d, "callgrind.json")
    if not now or not os.path.exists(before_path):
        return "(run `make bench-callgrind` for the before/after instruction counts)"
    with open(before_path) as f:
        doc = json.load(f)
    before = {(r["op"], r["kind"], r["size"]): r["instructions_per_message"]["wscore"] for r in doc["results"]}
    label = doc.get("label", "commit 0501098")
    lines = [f"| workload | before ({label}) | after (this run) | change |", "|---|---|---|---|"]
    for r in now["results"]:
        key = (r["op"], r["kind"], r["size"])
        if key in before:
            b, a = before[key], r["instructions_per_message"]["wscore"]
            lines.append(f"| {r['op']} {r['kind']} {SIZE_NAMES[r['size']]} | {b:,.0f} | {a:,.0f} | "
                         f"{(a - b) / b * 100:+.0f}% |")
    return "\n".join(lines)


def deflate_section(d: str) -> list[str]:
    ours, theirs = load(d, "deflate-wscore.jsonl"), load(d, "deflate-zlib.jsonl")
    if not ours:
        return []
    out = ["## permessage-deflate", "", "`make bench-deflate` — chat-like JSON, best of 5 (core/benches/deflate.rs "
           "and tests/bench/zlib_baseline.py).", "", "| size | wscore compress MB/s | wscore inflate MB/s | "
           "Python zlib compress MB/s | Python zlib inflate MB/s |", "|---|---|---|---|---|"]
    z = {r["size"]: r for r in (theirs or [])}
    for r in ours:
        t = z.get(r["size"], {})
        out.append(f"| {r['size']} B | {r['compress_mb_s']} | {r['inflate_mb_s']} | "
                   f"{t.get('compress_mb_s', '–')} | {t.get('inflate_mb_s', '–')} |")
    return out + [""]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="target/bench")
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--notes", default="bench/NOTES.md", help="hand-written analysis appended verbatim")
    a = ap.parse_args()
    body, targets, missing = [], [], []

    rust = load(a.dir, "rust.json")
    if rust:
        s, t = rust_section(rust)
        body += s
        targets += t
    else:
        missing.append("Rust (make bench-rust)")

    python = load(a.dir, "python.json")
    if python:
        s, ratios = simple_section(python, f"Python {python.get('python', '')}: sans-IO codecs",
                                   "make bench-python", "websockets")
        body += s
        for (op, kind, size), q in ratios.items():
            if kind == "text-bytes":
                # Issue 19: text encode from 16 KiB against websockets fed bytes. Decode
                # has no target here: websockets' bytes are not checked as UTF-8.
                if op == "encode" and size >= 16384:
                    targets.append((f"Python encode text from bytes {SIZE_NAMES[size]}: "
                                    "≥ 2× websockets fed bytes", q, 2.0))
            elif size == 16:
                targets.append((f"Python {op} {kind} 16 B: ≥ 5× websockets", q, 5.0))
            elif size >= 16384:
                targets.append((f"Python {op} {kind} {SIZE_NAMES[size]}: ≥ 2× websockets", q, 2.0))
    else:
        missing.append("Python codecs (make bench-python)")

    e2e = [doc for doc in (load(a.dir, "e2e.json"), load(a.dir, "e2e-uvloop.json")) if doc]
    for doc in e2e:
        s, t = e2e_section(doc)
        body += s
        targets += t
    if not e2e:
        missing.append("uvicorn end to end (make bench-e2e)")

    s, t = tokio_section(a.dir)
    body += s
    targets += t

    node = load(a.dir, "node.json")
    if node:
        s, ratios = simple_section(node, f"Node {node['versions']['node']}: wasm Connection and ws",
                                   "make bench-node", "ws+bufferutil")
        body += s
        for (op, kind, size), q in ratios.items():
            targets.append((f"Node {op} {kind} {SIZE_NAMES[size]}: ≥ ws with bufferutil", q, 1.0))
    else:
        missing.append("Node (make bench-node)")

    body += callgrind_section(a.dir)
    body += memory_section(a.dir)
    body += deflate_section(a.dir)

    met = [t for t in targets if t[1] >= t[2]]
    missed = [t for t in targets if t[1] < t[2]]
    head = [
        "# Benchmarks", "",
        "Generated by `make bench` (bench/report.py from target/bench/*.json) on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. These are benchmarks, not "
        "tests: nothing in `make test` depends on speed. Rerun one part with `make bench-rust`, "
        "`bench-python`, `bench-e2e`, `bench-node`, `bench-memory`, `bench-callgrind` or `bench-deflate` "
        "(each rewrites this file from the JSON files present).", "",
        "## Machine", "", *machine(), "",
        "## Targets", "",
        f"{len(met)} of {len(targets)} ratio targets met in this run (median of per-run ratios). "
        "What limits the missed ones, and what was changed to close gaps, is under “Analysis” at the end.", "",
        "| target | ratio in this run | |", "|---|---|---|",
        *[f"| {n} | {q:.2f}× | {'met' if q >= goal else '**missed**'} |" for n, q, goal in targets], "",
    ]
    if missing:
        head += ["Not in this report (no results file): " + ", ".join(missing) + ".", ""]
    notes = []
    if os.path.exists(a.notes):
        with open(a.notes) as f:
            text = f.read().strip().replace(
                "CALLGRIND_BEFORE_AFTER",
                before_after(a.dir, os.path.join(os.path.dirname(a.notes), "rust", "callgrind-before.json")))
            notes = ["", text, ""]
    with open(a.out, "w") as f:
        f.write("\n".join(head + body + notes) + "\n")
    print(f"wrote {a.out}: {len(met)}/{len(targets)} targets met")


if __name__ == "__main__":
    main()
