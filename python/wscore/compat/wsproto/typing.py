"""wsproto.typing: the header list type."""

from __future__ import annotations

from typing import List, Tuple

Headers = List[Tuple[bytes, bytes]]
