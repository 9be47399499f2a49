"""What the chat accepts from a page: nicknames, room names and messages.

Everything a client sends is checked here, before it reaches a room. A refusal is a
``Refused(code, reason, kind)``: the app closes the connection with that code (1003 for a
binary message, 1008 for anything else) and logs one line; never a traceback.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Union

ROOM = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
MAX_NICK = 24  # characters, after NFC normalization
MAX_TEXT = 2000  # characters of a chat line
MAX_ID = 64  # characters of a page's message id

# Unicode categories a nickname may not contain: control (Cc), format (Cf: the bidi
# overrides, isolates and marks, zero-width space/joiners, word joiner, BOM, soft
# hyphen), surrogates, private use, unassigned, and line/paragraph separators.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Letters and symbols that render as nothing: Hangul fillers, the braille blank.
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class Refused(Exception):
    """A client's input the chat does not accept.

    ``code`` is the close code to answer with, ``reason`` the close reason the page
    shows, ``kind`` a short label for ``/metrics`` (room, nick, binary, json, fields).
    """

    def __init__(self, code: int, reason: str, kind: str) -> None:
        super().__init__(code, reason, kind)
        self.code = code
        self.reason = reason
        self.kind = kind


def check_room(room: str) -> str:
    if not ROOM.fullmatch(room):
        raise Refused(1008, "room: a-z 0-9 _ - (1-32, starting with a letter or digit)", "room")
    return room


def check_nick(raw: str) -> str:
    """The nickname as shown (NFC, outer spaces stripped), or ``Refused``."""
    nick = unicodedata.normalize("NFC", raw).strip(" ")
    if not 0 < len(nick) <= MAX_NICK:
        raise Refused(1008, f"nickname: 1-{MAX_NICK} characters", "nick")
    for char in nick:
        category = unicodedata.category(char)
        if category in FORBIDDEN_CATEGORIES or char in INVISIBLE or (category == "Zs" and char != " "):
            reason = f"nickname: no control, invisible or direction characters (U+{ord(char):04X})"
            raise Refused(1008, reason, "nick")
    if "  " in nick:
        raise Refused(1008, "nickname: no runs of spaces", "nick")
    if unicodedata.category(nick[0]).startswith("M"):
        raise Refused(1008, "nickname: may not start with a combining mark", "nick")
    return nick


def nick_key(nick: str) -> str:
    """What makes two nicknames the same in a room: "Ann", "ann" and "Ａｎｎ" are one."""
    return unicodedata.normalize("NFKC", nick).casefold()


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class Hello:
    opens: int


@dataclass(frozen=True)
class Message:
    id: str
    text: str


Event = Union[Ping, Hello, Message]


def parse_event(data: Union[str, bytes]) -> Event:
    """A page's message as a typed event, or ``Refused``."""
    if not isinstance(data, str):
        raise Refused(1003, "text messages only", "binary")
    try:
        event: Any = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, an int over 4300 digits, nested too deep
        raise Refused(1008, "expected a JSON object", "json") from None
    if not isinstance(event, dict):
        raise Refused(1008, "expected a JSON object", "json")
    kind = event.get("type")
    if kind == "ping":
        return Ping()
    if kind == "hello":
        opens = event.get("opens", 1)
        if type(opens) is not int or not 1 <= opens <= 1_000_000:
            raise Refused(1008, "hello: opens must be a positive integer", "fields")
        return Hello(opens)
    if kind == "message":
        return _message(event)
    raise Refused(1008, "unknown message type", "fields")


def _message(event: Dict[str, Any]) -> Message:
    text, msg_id = event.get("text"), event.get("id")
    if not (isinstance(text, str) and 0 < len(text) <= MAX_TEXT):
        raise Refused(1008, f"message: text must be 1-{MAX_TEXT} characters", "fields")
    if not (isinstance(msg_id, str) and 0 < len(msg_id) <= MAX_ID):
        raise Refused(1008, f"message: id must be 1-{MAX_ID} characters", "fields")
    if not (_is_utf8(text) and _is_utf8(msg_id)):
        # JSON's "\ud800" decodes to a lone surrogate, which no member could be sent.
        raise Refused(1008, "message: text and id must be valid Unicode (no lone surrogates)", "fields")
    return Message(msg_id, text)


def _is_utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
