"""Fixtures: the servers under attack, as subprocesses on free 127.0.0.1 ports.

``server`` is one long-lived server per kind (restarted if an attack killed it),
for attacks that leave nothing behind; ``fresh`` starts a server of its own for
an attack whose damage (a backlog, a memory peak) would spill into the next test.
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from servers import OURS, Server

ServerFactory = Callable[..., Server]


@pytest.fixture(scope="session")
def _pool() -> Iterator[dict[str, Server]]:
    pool: dict[str, Server] = {}
    yield pool
    for server in pool.values():
        server.__exit__()  # stops it and removes its log


@pytest.fixture(params=OURS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(_pool: dict[str, Server], kind: str) -> Server:
    """The shared echo server of this kind."""
    current = _pool.get(kind)
    if current is None or not current.alive():
        if current is not None:
            current.__exit__()
        _pool[kind] = current = Server(kind).start()
    return current


@pytest.fixture
def fresh(kind: str) -> Iterator[ServerFactory]:
    """Starts a server of this kind for one test: ``fresh(app="slow", env=..., nofile=...)``."""
    started: list[Server] = []

    def start(**options: object) -> Server:
        server = Server(kind, **options).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> object:
    return val if isinstance(val, str) else None
