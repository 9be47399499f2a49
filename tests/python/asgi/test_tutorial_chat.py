"""The FastAPI tutorial's chat, as published and with the documented change (tutorial_chat.py).

A moderator closes a member from another task and announces it to the room:
the published tutorial's broadcast raises Starlette's headline error at the
closed socket; with ``from wscore.fastapi import WebSocket`` that send does
nothing, and the close is reported once, to the member's own handler, which
leaves the room the tutorial's way.
"""

from __future__ import annotations

import asyncio
import pathlib
import types
from typing import Any, List

import pytest

from . import tutorial_chat
from .servers import captured_problems, client, running

CHANGED = "from fastapi import FastAPI, WebSocketDisconnect\nfrom wscore.fastapi import WebSocket\n"
PUBLISHED = "from fastapi import FastAPI, WebSocket, WebSocketDisconnect\n"
HEADLINE = 'Cannot call "send" once a close message has been sent.'


def tutorial(published: bool) -> Any:
    """A fresh copy of tutorial_chat.py, with the published import if ``published``."""
    source = pathlib.Path(tutorial_chat.__file__).read_text()
    assert source.count(CHANGED) == 1  # the whole documented change
    module = types.ModuleType("published_tutorial" if published else "changed_tutorial")
    code = compile(source.replace(CHANGED, PUBLISHED) if published else source, tutorial_chat.__file__, "exec")
    exec(code, vars(module))
    return module


async def recv_until(connection: Any, last: str) -> List[str]:
    received: List[str] = []
    while not received or received[-1] != last:
        received.append(await asyncio.wait_for(connection.recv(), 5))
    return received


@pytest.mark.parametrize("published", [False, True], ids=["changed", "published"])
async def test_a_moderator_closes_a_member_then_announces_it(published: bool) -> None:
    chat = tutorial(published)
    error = None
    async with captured_problems() as problems:
        async with running("uvicorn", chat.app) as url:
            async with client(url + "/ws/1") as one, client(url + "/ws/2") as two:
                await one.send("hi")
                assert await recv_until(one, "Client #1 says: hi") == ["You wrote: hi", "Client #1 says: hi"]
                assert await recv_until(two, "Client #1 says: hi") == ["Client #1 says: hi"]
                moderated = chat.manager.active_connections[1]
                await moderated.close(4000, "moderated")  # from this task, not the member's handler
                try:
                    await chat.manager.broadcast("Moderator: #2 was removed")
                except RuntimeError as raised:
                    error = raised
                assert await recv_until(one, "Moderator: #2 was removed") == ["Moderator: #2 was removed"]
                if not published:  # the member's own handler saw the close and left the room
                    assert await recv_until(one, "Client #2 left the chat") == ["Client #2 left the chat"]
                await asyncio.wait_for(two.wait_closed(), 5)
                assert two.close_code == 4000
            for _ in range(50):  # the handlers see the clients leave
                if not chat.manager.active_connections:
                    break
                await asyncio.sleep(0.02)
            assert chat.manager.active_connections == []
    if published:
        assert isinstance(error, RuntimeError) and str(error) == HEADLINE
    else:
        assert error is None
        assert problems.summary() == []
        assert moderated.closed is not None and moderated.closed.initiator == "local"
