"""wsproto.frame_protocol: opcodes, close codes and frame tuples.

Framing itself is wscore's core; wsproto's pure-Python frame machinery
(``FrameProtocol``, ``FrameDecoder``, ``MessageDecoder``, ``Buffer`` and the XOR
maskers) exists here by name only and refuses to be built, so code that reaches
into it fails loudly instead of running a second, different frame parser.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import Any, NamedTuple, Optional, Tuple, Union


class Opcode(IntEnum):
    """RFC 6455 §5.2 opcodes."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA

    def iscontrol(self) -> bool:
        return bool(self & 0x08)


class CloseReason(IntEnum):
    """RFC 6455 §7.4.1 close codes (and 1012/1013)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXT = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    TLS_HANDSHAKE_FAILED = 1015


# Codes that only report a condition and are never sent in a close frame.
LOCAL_ONLY_CLOSE_REASONS = (
    CloseReason.NO_STATUS_RCVD,
    CloseReason.ABNORMAL_CLOSURE,
    CloseReason.TLS_HANDSHAKE_FAILED,
)

# Payload length encodings (RFC 6455 §5.2).
PAYLOAD_LENGTH_TWO_BYTE = 126
PAYLOAD_LENGTH_EIGHT_BYTE = 127
MAX_PAYLOAD_NORMAL = 125
MAX_PAYLOAD_TWO_BYTE = 2**16 - 1
MAX_PAYLOAD_EIGHT_BYTE = 2**64 - 1
MAX_FRAME_PAYLOAD = MAX_PAYLOAD_EIGHT_BYTE

# Bits of the first two header bytes.
MASK_MASK = 0x80
PAYLOAD_LEN_MASK = 0x7F
FIN_MASK = 0x80
RSV1_MASK = 0x40
RSV2_MASK = 0x20
RSV3_MASK = 0x10
OPCODE_MASK = 0x0F

# Close code ranges (RFC 6455 §7.4.2).
MIN_CLOSE_REASON = 1000
MIN_PROTOCOL_CLOSE_REASON = 1000
MAX_PROTOCOL_CLOSE_REASON = 2999
MIN_LIBRARY_CLOSE_REASON = 3000
MAX_LIBRARY_CLOSE_REASON = 3999
MIN_PRIVATE_CLOSE_REASON = 4000
MAX_PRIVATE_CLOSE_REASON = 4999
MAX_CLOSE_REASON = 4999

NULL_MASK = struct.pack("!I", 0)


class ParseFailed(Exception):
    """A frame could not be parsed; ``code`` is the close code for it."""

    def __init__(self, msg: str, code: CloseReason = CloseReason.PROTOCOL_ERROR) -> None:
        super().__init__(msg)
        self.code = code


class RsvBits(NamedTuple):
    rsv1: bool
    rsv2: bool
    rsv3: bool


class Header(NamedTuple):
    fin: bool
    rsv: RsvBits
    opcode: Opcode
    payload_len: int
    masking_key: Optional[bytes]


class Frame(NamedTuple):
    opcode: Opcode
    payload: Union[bytes, str, Tuple[int, str]]
    frame_finished: bool
    message_finished: bool


class _CoreOnly:
    """wsproto's frame machinery: replaced by wscore's core, not available."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"wscore.compat.wsproto does not provide wsproto's {type(self).__name__}: framing, "
            "masking and compression run in wscore's core; use wsproto.connection.Connection"
        )


class XorMaskerSimple(_CoreOnly):
    """Not available (masking runs in wscore's core)."""


class XorMaskerNull(_CoreOnly):
    """Not available (masking runs in wscore's core)."""


class Buffer(_CoreOnly):
    """Not available (buffering runs in wscore's core)."""


class MessageDecoder(_CoreOnly):
    """Not available (message assembly and UTF-8 checks run in wscore's core)."""


class FrameDecoder(_CoreOnly):
    """Not available (frame parsing runs in wscore's core)."""


class FrameProtocol(_CoreOnly):
    """Not available (use :class:`wscore.compat.wsproto.connection.Connection`)."""
