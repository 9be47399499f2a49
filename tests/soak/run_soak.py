#!/usr/bin/env python3
"""Soak one server: start it, run the load generator (examples/soak_client.rs)
against it on 127.0.0.1, sample the server's RSS and open file descriptors, and
check that

* RSS at the end of the load is at most --rss-growth-mb above RSS after warm-up
  (a quarter of the run, when every client has connected and churned a while);
* once the clients are gone, the server's fd count is back to its baseline;
* every connection the server accepted ended with a reported close code (the
  server's ``stats:`` line: accepted == closed, open == 0);
* the load generator saw every echo and no unexpected failure.

Usage: run_soak.py --name echo --server 'CMD {port}' --client BIN --clients N
                   --seconds S --rss-growth-mb M [--path /]
"""

import argparse
import os
import re
import resource
import shlex
import signal
import socket
import subprocess
import sys
import time

STATS = re.compile(r"stats: accepted=(\d+) open=(-?\d+) closed=(\d+) codes=(\S*)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def stats_lines(log_path):
    with open(log_path, errors="replace") as f:
        return [line for line in f if line.startswith("stats: ")]


def last_stats(log_path):
    with open(log_path, errors="replace") as f:
        found = STATS.findall(f.read())
    if not found:
        return None
    accepted, open_, closed, codes = found[-1]
    return int(accepted), int(open_), int(closed), codes


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        sys.exit(f"soak: need {needed} file descriptors, the hard limit allows {soft}")


def wait_for_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"soak: the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("soak: the server did not listen in time")


def stop(server):
    """Ends the server we started (its own process group), politely first."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--server", required=True, help="command line with {port}")
    ap.add_argument("--client", required=True)
    ap.add_argument("--clients", type=int, required=True)
    ap.add_argument("--seconds", type=int, required=True)
    ap.add_argument("--rss-growth-mb", type=float, required=True)
    ap.add_argument("--path", default="/")
    ap.add_argument("--logdir", default="target/soak")
    args = ap.parse_args()

    # Client and server each hold one fd per connection, and sockets in
    # close-wait linger a moment: leave plenty of room.
    raise_fd_limit(4 * args.clients + 256)
    os.makedirs(args.logdir, exist_ok=True)
    port = free_port()
    server_log = os.path.join(args.logdir, f"{args.name}-server.log")
    client_log = os.path.join(args.logdir, f"{args.name}-client.log")
    cmd = shlex.split(args.server.format(port=port))
    env = dict(os.environ, ECHO_STATS="1", PYTHONUNBUFFERED="1")
    with open(server_log, "w") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    failures = []
    try:
        wait_for_port(port, server)
        time.sleep(1.5)
        pid = server.pid
        samples = {"baseline": (rss_kib(pid), fd_count(pid))}
        url = f"ws://127.0.0.1:{port}{args.path}"
        print(f"soak[{args.name}]: {args.clients} clients for {args.seconds}s against {url} (server pid {pid})")
        with open(client_log, "w") as out:
            client = subprocess.Popen(
                [args.client, url, str(args.clients), str(args.seconds)], stdout=out, stderr=subprocess.STDOUT
            )
        start = time.monotonic()
        peak_fds = 0
        checkpoints = [("warm", 0.25), ("middle", 0.5), ("end", 0.97)]
        while client.poll() is None and time.monotonic() - start < args.seconds + 120:
            elapsed = (time.monotonic() - start) / args.seconds
            peak_fds = max(peak_fds, fd_count(pid))
            while checkpoints and elapsed >= checkpoints[0][1]:
                samples[checkpoints.pop(0)[0]] = (rss_kib(pid), fd_count(pid))
            time.sleep(0.25)
        if client.poll() is None:
            client.kill()
            failures.append("the load generator did not finish in time")
        client.wait()
        with open(client_log) as f:
            client_out = f.read()
        summary = [line for line in client_out.splitlines() if line.startswith("soak-client:")]
        if client.returncode != 0:
            failures.append(f"the load generator exited with {client.returncode} (see {client_log})")
        # The clients are gone: every server connection must end and release its fd.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            stats = last_stats(server_log)
            if stats and stats[1] == 0 and fd_count(pid) <= samples["baseline"][1]:
                break
            time.sleep(0.5)
        time.sleep(1.2)  # one more stats line
        samples["after"] = (rss_kib(pid), fd_count(pid))
        stats = last_stats(server_log)
    finally:
        stop(server)

    print(f"soak[{args.name}]: {summary[-1] if summary else 'no summary from the load generator'}")
    for name in ("baseline", "warm", "middle", "end", "after"):
        if name in samples:
            rss, fds = samples[name]
            print(f"soak[{args.name}]:   {name:<8} RSS {rss / 1024:7.1f} MiB   fds {fds}")
    print(f"soak[{args.name}]:   peak fds during the load: {peak_fds}")
    lines = stats_lines(server_log)
    objects = [m.group(1) for m in (re.search(r"objects=(\d+)", line) for line in lines) if m]
    if objects:
        picks = [objects[0], objects[len(objects) // 4], objects[len(objects) // 2], objects[-1]]
        print(f"soak[{args.name}]: live Python objects (first, 1/4, 1/2, last stats line): {', '.join(picks)}")
    if stats is None:
        failures.append("the server printed no stats line")
    else:
        accepted, open_, closed, codes = stats
        print(f"soak[{args.name}]: server: accepted={accepted} closed={closed} open={open_} close codes {codes}")
        if open_ != 0 or accepted != closed:
            failures.append(f"{accepted} connections accepted but {closed} reported closed")
        if accepted < args.clients:
            failures.append(f"only {accepted} connections for {args.clients} clients")
    if "warm" in samples and "end" in samples:
        growth = (samples["end"][0] - samples["warm"][0]) / 1024
        print(f"soak[{args.name}]: RSS growth after warm-up: {growth:+.1f} MiB (bound {args.rss_growth_mb} MiB)")
        if growth > args.rss_growth_mb:
            failures.append(f"RSS grew by {growth:.1f} MiB after warm-up")
    else:
        failures.append("the run ended before the memory samples were taken")
    if "after" in samples and samples["after"][1] > samples["baseline"][1]:
        failures.append(f"fds did not return to baseline: {samples['baseline'][1]} -> {samples['after'][1]}")
    if failures:
        for f in failures:
            print(f"soak[{args.name}]: FAILED: {f}")
        sys.exit(1)
    print(f"soak[{args.name}]: OK")


if __name__ == "__main__":
    main()
