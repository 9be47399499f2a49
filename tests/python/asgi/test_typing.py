"""The drop-in's types, checked by mypy --strict, and what the package imports without Starlette."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import wscore

PACKAGE = pathlib.Path(wscore.__file__).parent
TYPED_APP = pathlib.Path(__file__).parent / "typed_dropin_app.py"
MISUSE = """
from wscore.fastapi import WebSocket

async def endpoint(websocket: WebSocket) -> None:
    await websocket.send_text(b"bytes")
    size: int = websocket.headers
"""


def mypy(*paths: pathlib.Path, cache: pathlib.Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_mypy_strict_accepts_the_modules_and_an_app_typed_against_them(tmp_path: pathlib.Path) -> None:
    result = mypy(PACKAGE / "asgi", PACKAGE / "fastapi.py", TYPED_APP, cache=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_sees_the_dropins_types_not_any(tmp_path: pathlib.Path) -> None:
    misuse = tmp_path / "misuse.py"
    misuse.write_text(MISUSE)
    result = mypy(misuse, cache=tmp_path / "cache")
    assert result.returncode == 1
    assert 'Argument 1 to "send_text" of "WebSocket" has incompatible type "bytes"; expected "str"' in result.stdout
    assert 'expression has type "Headers", variable has type "int"' in result.stdout


def test_import_wscore_needs_neither_starlette_nor_fastapi() -> None:
    code = (
        "import sys\n"
        "class Blocked:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('starlette', 'fastapi'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Blocked())\n"
        "import wscore\n"
        "try:\n"
        "    import wscore.asgi\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    output = subprocess.check_output([sys.executable, "-c", code], text=True, timeout=60)
    assert output.strip() == "blocked: starlette"  # wscore imported; wscore.asgi is where Starlette is needed
