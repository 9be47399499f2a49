"""The package: import time, stubs and docstrings for everything public."""

import ast
import inspect
import pathlib
import subprocess
import sys

import wscore
import wscore.uvicorn

PACKAGE = pathlib.Path(wscore.__file__).parent


def test_import_under_50_ms():
    code = "import time; t = time.perf_counter(); import wscore; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(7)]
    assert min(runs) < 0.050, f"import wscore took {min(runs) * 1000:.1f} ms at best ({runs})"


def test_import_does_not_pull_heavy_modules():
    code = "import sys, wscore; print(' '.join(sorted(sys.modules)))"
    modules = subprocess.check_output([sys.executable, "-c", code], text=True).split()
    for heavy in ("asyncio", "uvicorn", "typing_extensions", "dataclasses"):
        assert heavy not in modules


def test_everything_public_has_a_docstring():
    missing = []
    for name in wscore.__all__:
        obj = getattr(wscore, name)
        if isinstance(obj, str):
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or attr == "__match_args__":
                    continue
                if not inspect.getdoc(member):
                    missing.append(f"{name}.{attr}")
    for name in wscore.uvicorn.__all__:
        cls = getattr(wscore.uvicorn, name)
        if not inspect.getdoc(cls):
            missing.append(f"uvicorn.{name}")
        for attr, member in vars(cls).items():
            if callable(member) and not attr.startswith("_") and not inspect.getdoc(member):
                missing.append(f"uvicorn.{name}.{attr}")
    assert missing == []


def test_stubs_cover_the_native_module():
    tree = ast.parse((PACKAGE / "_wscore.pyi").read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    stubbed |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target] if isinstance(t, ast.Name)}
    native = {n for n in dir(wscore._wscore) if not n.startswith("_") or n == "__version__"}
    assert native - stubbed == set()
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name, node in classes.items():
        members = {m.name for m in node.body if isinstance(m, ast.FunctionDef)}
        members |= {m.target.id for m in node.body if isinstance(m, ast.AnnAssign) and isinstance(m.target, ast.Name)}
        runtime = getattr(wscore._wscore, name, None)
        if runtime is None:
            continue  # TypedDict and aliases
        public = {m for m in vars(runtime) if not m.startswith("_")}
        assert public - members == set(), name
    assert (PACKAGE / "py.typed").exists()
