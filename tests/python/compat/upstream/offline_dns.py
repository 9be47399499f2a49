"""pytest plugin (``-p offline_dns``): simple-websocket's client tests mock the
socket but still resolve ``example.com``; this machine has no DNS, so names
resolve to 127.0.0.1 (nothing connects: the socket is a mock)."""

import socket

_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(host, str) and host not in ("localhost",) and not host[:1].isdigit():
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
