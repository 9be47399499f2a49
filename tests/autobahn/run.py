#!/usr/bin/env python3
"""Run the Autobahn|Testsuite against a WebSocket server or client and check the results.

  run.py server --cmd "prog 127.0.0.1:{port}" --agent NAME --cases '1.*,2.*' --outdir DIR
  run.py client --cmd "prog {url} {agent}"   --agent NAME --cases '1.*,2.*' --outdir DIR
  run.py check  --agent NAME --cases ... --outdir DIR     (re-check existing reports)

server: starts the server under test on a free 127.0.0.1 port, runs wstest fuzzingclient.
client: starts wstest fuzzingserver on a free 127.0.0.1 port, runs the client under test
        (it fetches /getCaseCount, runs /runCase?case=N&agent=NAME, then /updateReports).
Then reads DIR/index.json, prints a summary, writes DIR/summary.json and exits non-zero on
any failure, on UNIMPLEMENTED outside --allow-unimplemented, or on a wrong case count.
Case patterns have wstest's own semantics ('*' globs, otherwise exact case ids).
Needs the suite installed by tests/autobahn/install.sh. Stdlib only.
"""
import argparse
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = Path(__file__).resolve().parent / "wstest_loopback.py"
BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
# wstest's own HTML report shows these closing behaviours as failures.
FAILED_CLOSE = {"FAILED", "UNCLEAN"}

# Runs in the Python 2 venv: resolve the selection with wstest's own code so the
# expected case list can never drift from what wstest actually runs.
SELECT_PY2 = r"""
import json, sys
from autobahntestsuite.caseset import CaseSet
from autobahntestsuite.case import Cases, CaseSetname, CaseBasename, CaseCategories, CaseSubCategories
cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
ids = cs.parseSpecCases(json.load(open(sys.argv[1])))
unknown = [i for i in ids if i not in cs.CasesById]
if unknown:
    sys.exit("unknown case ids: " + ", ".join(unknown))
print(json.dumps(ids))
"""


class Failure(Exception):
    pass


def csv(s):
    return [x.strip() for x in s.split(",") if x.strip()]


def case_key(case_id):
    return tuple(int(x) for x in case_id.split("."))


def matches(case_id, patterns):
    """wstest's pattern semantics (caseset.resolveCasePatternList)."""
    for p in patterns:
        if "*" in p:
            if re.match(p.replace(".", r"\.").replace("*", ".*"), case_id):
                return True
        elif p == case_id:
            return True
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(argv, log_path):
    # Own process group, so everything it starts can be stopped together.
    with open(log_path, "wb") as log:
        try:
            return subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            raise Failure(f"cannot start {argv[0]}: {e}") from None


def stop(proc):
    if proc is None:
        return
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(grace)
            break
        except subprocess.TimeoutExpired:
            pass


def tail(path, n=25):
    try:
        lines = Path(path).read_text(errors="replace").splitlines()[-n:]
    except OSError:
        return
    if not lines:
        return
    print(f"--- last {len(lines)} lines of {path}:")
    for line in lines:
        print("    " + line)


def cases_started(log_path):
    try:
        return Path(log_path).read_text(errors="replace").count("Running test case ID")
    except OSError:
        return 0


def wait_listening(port, proc, deadline, what):
    while True:
        if proc.poll() is not None:
            raise Failure(f"{what} exited with code {proc.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise Failure(f"{what} did not listen on 127.0.0.1:{port} in time")
        time.sleep(0.1)


def wait_exit(proc, deadline, what, progress_log, total):
    """Wait for proc, printing progress now and then so long runs do not look hung."""
    next_note = time.monotonic() + 30
    while proc.poll() is None:
        now = time.monotonic()
        if now > deadline:
            raise Failure(f"timeout: {what} still running at the overall deadline")
        if now >= next_note:
            print(f"  ... {cases_started(progress_log)}/{total} cases started", flush=True)
            next_note = now + 30
        time.sleep(0.2)
    return proc.returncode


def selected_cases(args, spec_path):
    py = Path(args.venv) / "bin" / "python"
    if not py.exists():
        raise Failure(f"{py} not found: run tests/autobahn/install.sh first")
    out = subprocess.run([str(py), "-c", SELECT_PY2, str(spec_path)], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise Failure(f"cannot resolve case selection: {out.stderr.strip()}")
    ids = json.loads(out.stdout)
    if not ids:
        raise Failure(f"the selection {args.cases!r} (excluding {args.exclude!r}) matches no case")
    return ids


def write_spec(args, path, extra):
    spec = {"outdir": str(Path(args.outdir).resolve()), "cases": csv(args.cases),
            "exclude-cases": csv(args.exclude), "exclude-agent-cases": {}}
    spec.update(extra)
    path.write_text(json.dumps(spec, indent=2) + "\n")


def wstest(args, mode, spec_path, log_path):
    py = Path(args.venv) / "bin" / "python"
    return spawn([str(py), str(WRAPPER), "-m", mode, "-s", str(spec_path), "-u", "0"], log_path)


def run_server(args, outdir, deadline):
    """Server under test, wstest fuzzingclient drives it."""
    port = free_port()
    spec = outdir / "fuzzingclient.json"
    write_spec(args, spec, {"servers": [{"agent": args.agent, "url": f"ws://127.0.0.1:{port}"}]})
    ids = selected_cases(args, spec)
    print(f"autobahn server: {len(ids)} cases against [{args.agent}] on 127.0.0.1:{port}", flush=True)
    server = driver = None
    try:
        server = spawn(shlex.split(args.cmd.replace("{port}", str(port))), outdir / "peer.log")
        wait_listening(port, server, min(deadline, time.monotonic() + args.startup_timeout), "server under test")
        driver = wstest(args, "fuzzingclient", spec, outdir / "wstest.log")
        rc = wait_exit(driver, deadline, "wstest fuzzingclient", outdir / "wstest.log", len(ids))
        if server.poll() is not None:
            print(f"server under test exited early with code {server.returncode}")
        if rc != 0:
            tail(outdir / "wstest.log")
            raise Failure(f"wstest fuzzingclient exited with code {rc}")
    except Failure:
        tail(outdir / "peer.log")
        raise
    finally:
        stop(driver)
        stop(server)
    return ids


def run_client(args, outdir, deadline):
    """wstest fuzzingserver, the client under test connects to it."""
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    spec = outdir / "fuzzingserver.json"
    write_spec(args, spec, {"url": url})
    ids = selected_cases(args, spec)
    print(f"autobahn client: {len(ids)} cases for [{args.agent}] from {url}", flush=True)
    fuzzer = client = None
    try:
        fuzzer = wstest(args, "fuzzingserver", spec, outdir / "wstest.log")
        wait_listening(port, fuzzer, min(deadline, time.monotonic() + args.startup_timeout), "wstest fuzzingserver")
        cmd = args.cmd.replace("{url}", url).replace("{agent}", args.agent)
        client = spawn(shlex.split(cmd), outdir / "peer.log")
        rc = wait_exit(client, deadline, "client under test", outdir / "wstest.log", len(ids))
        if rc != 0:
            tail(outdir / "peer.log")
            raise Failure(f"client under test exited with code {rc}")
        # The fuzzing server writes the reports while handling /updateReports; give it a moment.
        until = min(deadline, time.monotonic() + 15)
        while args.agent not in load_index(outdir) and time.monotonic() < until:
            time.sleep(0.2)
    except Failure:
        tail(outdir / "wstest.log")
        raise
    finally:
        stop(client)
        stop(fuzzer)  # it never exits by itself
    return ids


def load_index(outdir):
    try:
        return json.loads((outdir / "index.json").read_text())
    except (OSError, ValueError):
        return {}


def check(args, outdir, ids, wall=None):
    """Read index.json, print and save the summary; return True when the run passes."""
    allow = csv(args.allow_unimplemented)
    index = load_index(outdir)
    results = index.get(args.agent)
    problems = []
    if results is None:
        problems.append(f"agent {args.agent!r} not in {outdir / 'index.json'} "
                        f"(agents: {sorted(index) or 'none'}): peer unreachable or run aborted")
        results = {}
    missing = sorted(set(ids) - set(results), key=case_key)
    extra = sorted(set(results) - set(ids), key=case_key)
    if results and (missing or extra):
        problems.append(f"ran {len(results)} cases, expected {len(ids)}; "
                        f"missing: {' '.join(missing[:20]) or '-'}; unexpected: {' '.join(extra[:20]) or '-'}")

    behavior = Counter(r["behavior"] for r in results.values())
    close = Counter(r["behaviorClose"] for r in results.values())
    notable, failed, unimpl = [], [], []
    for cid in sorted(results, key=case_key):
        r = results[cid]
        b, c = r["behavior"], r["behaviorClose"]
        if b != "OK" or c not in ("OK", "INFORMATIONAL"):
            notable.append({"case": cid, "behavior": b, "behaviorClose": c,
                            "remoteCloseCode": r.get("remoteCloseCode")})
        if b == "UNIMPLEMENTED":
            if not matches(cid, allow):
                unimpl.append(cid)
        elif b not in ("OK", "NON-STRICT", "INFORMATIONAL") or c in FAILED_CLOSE:
            failed.append(cid)
    if failed:
        problems.append(f"{len(failed)} FAILED: {' '.join(failed)}")
    if unimpl:
        problems.append(f"{len(unimpl)} UNIMPLEMENTED outside --allow-unimplemented "
                        f"{args.allow_unimplemented!r}: {' '.join(unimpl[:40])}")

    ok = not problems
    summary = {"agent": args.agent, "mode": args.mode, "cases": args.cases, "exclude": args.exclude,
               "expected_cases": len(ids), "cases_run": len(results),
               "behavior": dict(behavior), "behaviorClose": dict(close),
               "wall_seconds": wall, "passed": ok, "problems": problems, "notable": notable}
    (outdir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    def fmt(counter, order):
        keys = [k for k in order if k in counter] + sorted(set(counter) - set(order))
        return ", ".join(f"{k} {counter[k]}" for k in keys) or "-"

    took = f" in {wall:.1f} s" if wall is not None else ""
    print(f"== Autobahn {args.mode} [{args.agent}]: {len(results)}/{len(ids)} cases{took}")
    print(f"   behavior:      {fmt(behavior, BEHAVIORS)}")
    print(f"   behaviorClose: {fmt(close, ['OK', 'INFORMATIONAL'])}")
    shown = [n for n in notable if n["behavior"] != "UNIMPLEMENTED" or n["case"] in unimpl]
    for n in shown:
        print(f"   {n['behavior']:<14} {n['case']:<9} close: {n['behaviorClose']} ({n['remoteCloseCode']})")
    hidden = len(notable) - len(shown)
    if hidden:
        print(f"   ({hidden} allowed UNIMPLEMENTED cases not listed; see summary.json)")
    for p in problems:
        print(f"   PROBLEM: {p}")
    print(f"   reports: {outdir / 'index.html'}")
    print(f"== Autobahn {args.mode} [{args.agent}]: {'PASS' if ok else 'FAIL'}", flush=True)
    # A plain closing line test-log readers recognise: allowed UNIMPLEMENTED counts as skipped.
    skipped = sum(1 for r in results.values() if r["behavior"] == "UNIMPLEMENTED") - len(unimpl)
    n_failed = len(failed) + len(unimpl) + (len(ids) - len(results) if len(results) < len(ids) else 0)
    n_passed = len(results) - len(failed) - len(unimpl) - skipped
    print(f"autobahn: {n_passed} passed, {n_failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["server", "client", "check"])
    ap.add_argument("--cmd", help="peer command: {port} (server) or {url} {agent} (client)")
    ap.add_argument("--agent", required=True)
    ap.add_argument("--cases", default="*", help="comma-separated case patterns, e.g. '1.*,6.4.*'")
    ap.add_argument("--exclude", default="", help="comma-separated case patterns to skip")
    ap.add_argument("--allow-unimplemented", default="", help="case patterns allowed to be UNIMPLEMENTED")
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--timeout", type=float, default=1200, help="overall seconds per run (default 20 min)")
    ap.add_argument("--startup-timeout", type=float, default=60, help="seconds for the listener to come up")
    ap.add_argument("--venv", default=str(ROOT / "target" / "autobahn-venv"))
    args = ap.parse_args()
    if args.mode != "check" and not args.cmd:
        ap.error("--cmd is required")

    # Turn SIGTERM into an exception so the finally blocks stop our children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    outdir = Path(args.outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    try:
        if args.mode == "check":
            spec = outdir / "selection.json"
            write_spec(args, spec, {})
            return 0 if check(args, outdir, selected_cases(args, spec)) else 1
        for stale in ("index.json", "summary.json"):
            (outdir / stale).unlink(missing_ok=True)
        runner = run_server if args.mode == "server" else run_client
        ids = runner(args, outdir, start + args.timeout)
    except Failure as e:
        print(f"== Autobahn {args.mode} [{args.agent}]: FAIL: {e}", flush=True)
        return 1
    return 0 if check(args, outdir, ids, time.monotonic() - start) else 1


if __name__ == "__main__":
    sys.exit(main())
