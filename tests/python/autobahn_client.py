"""Drives the Autobahn|Testsuite fuzzing server with wscore's sans-IO
ClientConnection over asyncio (the same protocol as examples/autobahn_client.rs):
fetch the case count, echo every case, then ask for the reports.

    python tests/python/autobahn_client.py ws://127.0.0.1:9001 wscore-python-client
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wscore  # noqa: E402
from ws_driver import Driver, connect  # noqa: E402

LIMITS = {"max_frame_size": 64 << 20, "max_message_size": 64 << 20, "deflate": True}


def echo(driver: Driver, event: object) -> None:
    """Answers each message before the next event is polled."""
    try:
        if isinstance(event, wscore.TextMessage):
            driver.conn.send_text(event.data)
        elif isinstance(event, wscore.BinaryMessage):
            driver.conn.send_binary(event.data)
    except wscore.ConnectionClosed:
        pass  # the fuzzer closed or we failed the connection: expected


async def run(url: str, answer: bool) -> "str | None":
    """Opens ``url``; echoes messages if ``answer``, else returns the first text."""
    driver, _ = await connect(url, timeout=30, on_event=echo if answer else None, **LIMITS)
    first_text = None
    while True:
        event = await driver.next_event(timeout=120)
        if isinstance(event, wscore.Closed):
            return first_text
        if first_text is None and isinstance(event, wscore.TextMessage):
            first_text = event.data


async def main(base: str, agent: str) -> None:
    text = await run(f"{base}/getCaseCount", answer=False)
    if text is None:
        raise SystemExit("no case count received")
    count = int(text)
    print(f"{count} cases", flush=True)
    for case in range(1, count + 1):
        await run(f"{base}/runCase?case={case}&agent={agent}", answer=True)
    await run(f"{base}/updateReports?agent={agent}", answer=False)
    print(f"reports updated for {agent}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0] if args else "ws://127.0.0.1:9001", args[1] if len(args) > 1 else "wscore-python-client"))
