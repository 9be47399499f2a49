"""The wheels and sdist that `make wheel` puts in target/wheels: tags, size, metadata,
and a smoke test of the manylinux wheel in fresh venvs on the oldest and newest
Python it supports (no Rust, no other package installed)."""

from __future__ import annotations

import email
import os
import pathlib
import re
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WHEELS = pathlib.Path(os.environ.get("WHEEL_DIR", ROOT / "target" / "wheels"))
SMOKE = pathlib.Path(__file__).with_name("smoke.py")
# Oldest and newest supported CPython: exact pyenv versions, installed by mk/python.mk.
PYTHONS = os.environ.get("WHEEL_TEST_PYTHONS", "").split()
EXTRAS = {"uvicorn", "starlette", "redis", "prometheus", "otel"}
MAX_SO_BYTES = 1_500_000  # stripped: about 1.1 MB; with debug info it was 2.8 MB


def only(pattern: str) -> pathlib.Path:
    found = sorted(WHEELS.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {WHEELS} (make wheel), found {found}"
    return found[0]


def manylinux() -> pathlib.Path:
    return only("wscore_rs-*-cp39-abi3-*manylinux_2_17_x86_64.whl")


def musllinux() -> pathlib.Path:
    return only("wscore_rs-*-cp39-abi3-musllinux_1_2_x86_64.whl")


def dist_info(wheel: pathlib.Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as z:
        [path] = [n for n in z.namelist() if re.fullmatch(rf"wscore_rs-[^/]+\.dist-info/{name}", n)]
        return z.read(path).decode()


def extension(wheel: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    with zipfile.ZipFile(wheel) as z:
        [name] = [n for n in z.namelist() if n.startswith("wscore/_wscore") and n.endswith(".so")]
        return pathlib.Path(z.extract(name, tmp_path))


def readelf(*args: str) -> str:
    return subprocess.run(["readelf", "-W", *args], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("kind", ["manylinux", "musllinux"])
def test_wheel_is_abi3_stripped_and_small(kind: str, tmp_path: pathlib.Path) -> None:
    wheel = manylinux() if kind == "manylinux" else musllinux()
    tags = [line.split(": ", 1)[1] for line in dist_info(wheel, "WHEEL").splitlines() if line.startswith("Tag: ")]
    assert tags and all(t.startswith("cp39-abi3-") for t in tags), tags
    so = extension(wheel, tmp_path)
    sections = readelf("-S", str(so))
    assert ".debug_info" not in sections and ".symtab" not in sections, "the extension is not stripped"
    assert so.stat().st_size < MAX_SO_BYTES, so.stat().st_size


def test_manylinux_needs_glibc_2_17_at_most(tmp_path: pathlib.Path) -> None:
    so = extension(manylinux(), tmp_path)
    versions = {tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_([0-9.]+)", readelf("--dyn-syms", str(so)))}
    assert versions and max(versions) <= (2, 17), sorted(versions)
    assert "manylinux_2_17_x86_64" in dist_info(manylinux(), "WHEEL")


def test_musllinux_links_musl_not_glibc(tmp_path: pathlib.Path) -> None:
    so = str(extension(musllinux(), tmp_path))
    needed = re.findall(r"\(NEEDED\).*\[(.+?)\]", readelf("-d", so))
    # musl's loader resolves libc.so to itself; nothing else may be needed.
    assert needed == ["libc.so"], needed
    assert "GLIBC_" not in readelf("--dyn-syms", so)


def test_auditwheel_agrees_on_manylinux() -> None:
    # auditwheel cannot read a musl wheel on a glibc machine: the test above covers it.
    out = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", str(manylinux())], check=True, capture_output=True, text=True
    ).stdout
    words = " ".join(out.split())  # auditwheel wraps its lines
    assert 'is consistent with the following platform tag: "manylinux_2_17_x86_64"' in words, out


def check_metadata(text: str) -> None:
    meta = email.message_from_string(text)
    assert meta["Name"] == "wscore-rs"
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert sorted(meta.get_all("License-File")) == ["LICENSE-APACHE", "LICENSE-MIT"]
    assert set(meta.get_all("Provides-Extra")) == EXTRAS
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert urls["Repository"] == "https://github.com/wscore-rs/wscore", urls
    assert "Programming Language :: Python :: 3.9" in meta.get_all("Classifier")
    assert meta["Requires-Python"] == ">=3.9"
    body = meta.get_payload()
    assert body.index("pip install wscore-rs") < body.index("wscore.fastapi"), "the PyPI page starts with the install"


def test_wheel_metadata_and_license_files() -> None:
    check_metadata(dist_info(manylinux(), "METADATA"))
    for name in ("LICENSE-MIT", "LICENSE-APACHE"):
        text = dist_info(manylinux(), f"licenses/{name}")
        assert text == (ROOT / name).read_text()


def test_sdist_has_sources_metadata_and_licenses() -> None:
    sdist = only("wscore_rs-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = set(tar.getnames())
        top = sdist.name[: -len(".tar.gz")]
        check_metadata(tar.extractfile(f"{top}/PKG-INFO").read().decode())  # type: ignore[union-attr]
        for name in ("LICENSE-MIT", "LICENSE-APACHE", "core/src/lib.rs", "python/src/lib.rs", "Cargo.lock",
                     "wscore/__init__.py", "wscore/asgi/__init__.py", "wscore/py.typed", "wscore/_wscore.pyi"):
            assert f"{top}/{name}" in names, name
        assert not [n for n in names if n.endswith(".so")], "a built module in the sdist"
        assert tar.getmember(f"{top}/LICENSE-MIT").isfile()


@pytest.mark.parametrize("python", PYTHONS)
def test_smoke_in_a_fresh_venv(python: str, tmp_path: pathlib.Path) -> None:
    assert pathlib.Path(python).is_file(), f"{python} is missing (make wheel-test installs it with pyenv)"
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-index", str(manylinux())],
        check=True,
        timeout=120,
    )
    run = subprocess.run(
        [venv / "bin" / "python", "-I", str(SMOKE)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    print(run.stdout, run.stderr)
    assert run.returncode == 0 and run.stdout.rstrip().endswith("smoke: ok"), run.stdout + run.stderr
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
    assert f"python {version.stdout.strip()[1:-1].replace(', ', '.')}." in run.stdout


def test_every_python_is_tested() -> None:
    assert len(PYTHONS) == 2, f"WHEEL_TEST_PYTHONS names the oldest and newest Python: {PYTHONS!r}"
