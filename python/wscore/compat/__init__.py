"""Drop-in replacements for other WebSocket libraries' APIs, running on wscore's core.

- :mod:`wscore.compat.wsproto`: wsproto 1.3's public API (hypercorn, trio-websocket,
  simple-websocket run on it unchanged).
"""
