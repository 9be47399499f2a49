"""Runs the public test suites of wsproto, hypercorn, trio-websocket and
simple-websocket (from their sdists, at the versions python/requirements-dev.txt
pins) twice: on the real wsproto and on wscore.compat.wsproto (through
``install()``). Prints pass counts per suite and every test whose outcome differs.

    python tests/python/compat/upstream/run_suites.py [--json results.json] [--expect FILE]

With ``--expect``, exits 1 unless the differences are exactly those listed in FILE
(one ``package test real-outcome ours-outcome`` a line; docs/wsproto-compat.md
gives the reason for each group).

Sdists are fetched with ``pip download`` into target/compat-suites/ once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
CACHE = ROOT / "target" / "compat-suites"
PACKAGES = ["wsproto", "hypercorn", "trio-websocket", "simple-websocket"]
TIMEOUT = 900  # seconds per suite run; a hang is reported, not waited on
# What each suite's own repository configures but its sdist does not carry.
OPTIONS = {
    "trio-websocket": ["-o", "trio_mode=true"],  # its pytest.ini
    "simple-websocket": ["-p", "offline_dns"],  # see offline_dns.py
}


def pins() -> Dict[str, str]:
    found = {}
    for line in (ROOT / "python" / "requirements-dev.txt").read_text().splitlines():
        m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
        if m:
            found[m.group(1).lower()] = m.group(2)
    return found


def sdist(package: str, version: str) -> Path:
    """The unpacked sdist of ``package==version`` (downloaded once)."""
    stem = f"{package.replace('-', '_')}-{version}"
    for name in (stem, f"{package}-{version}"):
        if (CACHE / name).is_dir():
            return CACHE / name
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", str(CACHE), f"{package}=={version}"],
        check=True,
        timeout=600,
    )
    for archive in CACHE.glob("*.tar.gz"):
        if archive.name.lower().replace("-", "_").startswith(stem.lower().replace("-", "_")):
            with tarfile.open(archive) as tar:
                tar.extractall(CACHE, filter="data")
            return CACHE / archive.name[: -len(".tar.gz")]
    raise SystemExit(f"no sdist for {package}=={version} in {CACHE}")


def run(package: str, src: Path, impl: str) -> Dict[str, str]:
    """{test id: passed|failed|skipped} for one suite on one implementation."""
    xml = CACHE / f"{package}-{impl}.xml"
    xml.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "--rootdir", str(src), "-o", "addopts=", f"--junitxml={xml}"]
    cmd += OPTIONS.get(package, [])
    if impl == "ours":
        cmd[3:3] = ["-p", "install_ours"]
    env = dict(os.environ, PYTHONPATH=str(HERE), PYTHONDONTWRITEBYTECODE="1")
    try:
        subprocess.run(cmd, cwd=src, env=env, timeout=TIMEOUT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        print(f"{package} on {impl}: timed out after {TIMEOUT} s", file=sys.stderr)
    if not xml.exists():
        return {}
    outcomes = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[test] = "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--expect", type=Path, help="the differences allowed, one a line")
    parser.add_argument("packages", nargs="*", default=PACKAGES)
    args = parser.parse_args()
    versions = pins()
    report: Dict[str, Dict[str, Dict[str, str]]] = {}
    found: List[str] = []
    for package in args.packages:
        src = sdist(package, versions[package])
        real, ours = run(package, src, "real"), run(package, src, "ours")
        report[package] = {"real": real, "ours": ours}
        count = lambda o: sum(v == "passed" for v in o.values())  # noqa: E731
        print(f"{package} {versions[package]}: real wsproto {count(real)}/{len(real)} pass, wscore {count(ours)}/{len(ours)} pass")
        diffs: List[Tuple[str, str, str]] = [
            (t, real.get(t, "absent"), ours.get(t, "absent")) for t in sorted(set(real) | set(ours)) if real.get(t) != ours.get(t)
        ]
        for test, r, o in diffs:
            print(f"  {test}: real {r}, ours {o}")
            found.append(f"{package} {test} {r} {o}")
        if not real or not ours:
            found.append(f"{package} (suite did not run) {bool(real)} {bool(ours)}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, sort_keys=True))
    if args.expect:
        allowed = {line for line in args.expect.read_text().splitlines() if line and not line.startswith("#")}
        new, gone = sorted(set(found) - allowed), sorted(allowed - set(found))
        for line in new:
            print(f"NEW DIFFERENCE: {line}")
        for line in gone:
            print(f"no longer different (remove it from {args.expect.name}): {line}")
        sys.exit(1 if new or gone else 0)


if __name__ == "__main__":
    main()
