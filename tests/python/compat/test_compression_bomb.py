"""A compression bomb through wscore.compat.wsproto ends with 1009 and bounded
memory: wsproto inflates without limit, wscore keeps core's cap while inflating."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Runs in its own process so that its peak RSS is its own.
RECEIVER = textwrap.dedent(
    """
    import json, struct, zlib
    from wscore.compat import wsproto
    from wscore.compat.wsproto import events
    from wscore.compat.wsproto.extensions import PerMessageDeflate

    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server.receive_data(client.send(events.Request(host="h", target="/", extensions=[PerMessageDeflate()])))
    list(server.events())
    client.receive_data(server.send(events.AcceptConnection(extensions=[PerMessageDeflate()])))
    [accepted] = list(client.events())
    assert accepted.extensions, "permessage-deflate negotiated"

    # {inflated_mib} MiB of zeros, deflated in 1 MiB steps (never held whole).
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1 << 20)
    body = b"".join(deflater.compress(zeros) for _ in range({inflated_mib}))
    body += deflater.flush(zlib.Z_SYNC_FLUSH)
    body = body[:-4]
    # One masked binary frame with RSV1 (an all-zero mask leaves the bytes as they are).
    frame = bytes([0x80 | 0x40 | 0x2, 0x80 | 127]) + struct.pack("!Q", len(body)) + bytes(4) + body

    def status_kib(field):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

    # Peak RSS of this process from here on (ru_maxrss would include the parent's).
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status_kib("VmRSS")
    server.receive_data(frame)
    got = list(server.events())
    after = status_kib("VmHWM")
    state = server.state.name
    reply = server.send(got[-1].response())
    client.receive_data(reply)
    print(json.dumps({{
        "wire_bytes": len(frame),
        "events": [type(e).__name__ for e in got],
        "code": int(got[-1].code),
        "state": state,
        "peer_saw": [int(e.code) for e in client.events()],
        "peak_growth_kib": after - before,
    }}))
    """
)


def run_bomb(inflated_mib: int) -> dict:
    out = subprocess.run([sys.executable, "-c", RECEIVER.format(inflated_mib=inflated_mib)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_compression_bomb_closes_with_1009_and_bounded_memory() -> None:
    result = run_bomb(256)
    print(result)
    assert result["wire_bytes"] < 1 << 20, "a small frame on the wire"
    assert result["events"] == ["CloseConnection"], "no message delivered"
    assert result["code"] == 1009
    assert result["state"] == "REMOTE_CLOSING"
    assert result["peer_saw"] == [1009], "the response sent core's 1009 close frame"
    # Core's default cap is 16 MiB per message: peak growth stays far below the
    # 256 MiB an unbounded inflater (wsproto's) would need.
    assert 0 < result["peak_growth_kib"] < 64 * 1024
