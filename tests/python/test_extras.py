"""A missing optional dependency fails with the pip line that installs it."""

import re
import subprocess
import sys

import pytest

import wscore.asgi


@pytest.mark.parametrize(
    "module, make, install",
    [
        ("redis", lambda: wscore.asgi.RedisBroadcaster("redis://127.0.0.1:1"), "'wscore-rs[redis]'"),
        ("prometheus_client", wscore.asgi.register_prometheus, "'wscore-rs[prometheus]'"),
        ("opentelemetry", wscore.asgi.instrument_otel, "'wscore-rs[otel]'"),
    ],
)
def test_feature_without_its_extra(monkeypatch, module, make, install):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(ModuleNotFoundError, match=re.escape(f"pip install {install}") + "$") as info:
        make()
    assert info.value.name == module


@pytest.mark.parametrize(
    "blocked, module, install",
    [
        ("starlette", "wscore.asgi", "'wscore-rs[starlette]'"),
        ("uvicorn", "wscore.uvicorn", "'wscore-rs[uvicorn]'"),
        ("fastapi", "wscore.fastapi", "fastapi"),
    ],
)
def test_module_without_its_extra(blocked, module, install):
    code = f"import sys; sys.modules[{blocked!r}] = None; import {module}"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert run.returncode == 1
    assert run.stderr.rstrip().endswith(f"ModuleNotFoundError: {module} needs {blocked}: pip install {install}"), run.stderr
