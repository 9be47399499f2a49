"""Optional dependencies: a missing one fails with the line that installs it."""

import importlib
from typing import Optional

# The distribution on PyPI; `wscore` there is an unrelated project.
DISTRIBUTION = "wscore-rs"


def require(module: str, needed_by: str, extra: Optional[str]) -> None:
    """Imports ``module`` or raises ModuleNotFoundError with ``pip install 'wscore-rs[extra]'``
    (or ``pip install module`` when no extra brings it)."""
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # the dependency itself is broken: keep its own error
        install = f"'{DISTRIBUTION}[{extra}]'" if extra else module
        raise ModuleNotFoundError(f"{needed_by} needs {module}: pip install {install}", name=module) from exc
