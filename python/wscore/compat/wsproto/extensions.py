"""wsproto.extensions: ``Extension`` (subclassable) and ``PerMessageDeflate``.

``PerMessageDeflate`` takes wsproto's constructor arguments (plus wscore's
``min_size``, ``level`` and ``mem_level``); its offer, acceptance and checks are
core's negotiation (RFC 7692), and compression and capped inflation run in the core.
A custom :class:`Extension` may take part in negotiation, but cannot run: a
connection refuses it with :class:`~.utilities.UnsupportedExtension`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, Optional, Tuple, Union

from ... import _wscore
from ..._exceptions import HandshakeError
from .frame_protocol import CloseReason, FrameDecoder, FrameProtocol, Opcode, RsvBits  # noqa: F401 (wsproto names)
from .utilities import RemoteProtocolError, UnsupportedExtension


class Extension(ABC):
    """A WebSocket extension: ``offer`` (client), ``accept`` (server) and
    ``finalize`` (client) negotiate it; the ``frame_*`` hooks are wsproto's frame
    processing hooks, which wscore's core never calls."""

    name: str

    def enabled(self) -> bool:
        return False

    @abstractmethod
    def offer(self) -> Union[bool, str]:
        pass

    def accept(self, offer: str) -> Union[bool, str, None]:
        pass

    def finalize(self, offer: str) -> None:
        pass

    def frame_inbound_header(self, proto: Any, opcode: Opcode, rsv: RsvBits, payload_length: int) -> Union[CloseReason, RsvBits]:
        return RsvBits(False, False, False)

    def frame_inbound_payload_data(self, proto: Any, data: bytes) -> Union[bytes, CloseReason]:
        return data

    def frame_inbound_complete(self, proto: Any, fin: bool) -> Union[bytes, CloseReason, None]:
        pass

    def frame_outbound(self, proto: Any, opcode: Opcode, rsv: RsvBits, data: bytes, fin: bool) -> Tuple[RsvBits, bytes]:
        return (rsv, data)


def _params_part(item: str) -> str:
    """``"permessage-deflate; a; b=1"`` -> ``"a; b=1"`` (wsproto's offer/accept format)."""
    return item.partition(";")[2].strip()


class PerMessageDeflate(Extension):
    """permessage-deflate (RFC 7692) with wsproto's constructor. Keyword-only
    extras for wscore: ``min_size`` (messages shorter than this go out
    uncompressed), ``level`` (zlib 0-9) and ``mem_level`` (1-9); ``None`` means
    core's default."""

    name = "permessage-deflate"

    DEFAULT_CLIENT_MAX_WINDOW_BITS = 15
    DEFAULT_SERVER_MAX_WINDOW_BITS = 15

    def __init__(
        self,
        client_no_context_takeover: bool = False,
        client_max_window_bits: Optional[int] = None,
        server_no_context_takeover: bool = False,
        server_max_window_bits: Optional[int] = None,
        *,
        min_size: Optional[int] = None,
        level: Optional[int] = None,
        mem_level: Optional[int] = None,
    ) -> None:
        self.client_no_context_takeover = client_no_context_takeover
        self.server_no_context_takeover = server_no_context_takeover
        self._client_max_window_bits = self.DEFAULT_CLIENT_MAX_WINDOW_BITS
        self._server_max_window_bits = self.DEFAULT_SERVER_MAX_WINDOW_BITS
        if client_max_window_bits is not None:
            self.client_max_window_bits = client_max_window_bits
        if server_max_window_bits is not None:
            self.server_max_window_bits = server_max_window_bits
        self._tuning = {k: v for k, v in (("min_size", min_size), ("level", level), ("mem_level", mem_level)) if v is not None}
        # What the handshake agreed (core's DeflateParams as a dict), once enabled.
        self._agreed: Optional[Dict[str, Any]] = None
        self._enabled = False

    @property
    def client_max_window_bits(self) -> int:
        return self._client_max_window_bits

    @client_max_window_bits.setter
    def client_max_window_bits(self, value: int) -> None:
        self._client_max_window_bits = _window_bits(value)

    @property
    def server_max_window_bits(self) -> int:
        return self._server_max_window_bits

    @server_max_window_bits.setter
    def server_max_window_bits(self, value: int) -> None:
        self._server_max_window_bits = _window_bits(value)

    def enabled(self) -> bool:
        return self._enabled

    def core_settings(self) -> Dict[str, Any]:
        """These settings as wscore's ``deflate=`` dict."""
        return {
            "client_no_context_takeover": bool(self.client_no_context_takeover),
            "server_no_context_takeover": bool(self.server_no_context_takeover),
            "client_max_window_bits": self.client_max_window_bits,
            "server_max_window_bits": self.server_max_window_bits,
            **self._tuning,
        }

    def offer(self) -> Union[bool, str]:
        """Client: the offer's parameters (core's offer for these settings)."""
        return _params_part(_wscore.deflate_client_offer(self.core_settings()))

    def accept(self, offer: str) -> Union[bool, None, str]:
        """Server: the response parameters for one offer item, or ``None`` to decline it."""
        agreed = _wscore.deflate_server_accept([offer], self.core_settings())
        if agreed is None:
            return None
        item, params = agreed
        self.agreed(params)
        return _params_part(item)

    def finalize(self, offer: str) -> None:
        """Client: checks the server's response item and enables compression with it."""
        from .events import RejectConnection

        try:
            params = _wscore.deflate_client_accept([offer], self.core_settings())
        except HandshakeError as exc:
            raise RemoteProtocolError(str(exc), event_hint=RejectConnection()) from exc
        if params is not None:
            self.agreed(params)

    def agreed(self, params: Dict[str, Any]) -> None:
        """Records the parameters a handshake agreed (core's dict) and enables the extension."""
        self._agreed = dict(params)
        self.client_no_context_takeover = params["client_no_context_takeover"]
        self.server_no_context_takeover = params["server_no_context_takeover"]
        self._client_max_window_bits = params["client_max_window_bits"]
        self._server_max_window_bits = params["server_max_window_bits"]
        self._enabled = True

    @property
    def agreed_params(self) -> Optional[Dict[str, Any]]:
        """The agreed parameters (core's dict), or ``None`` before negotiation."""
        return None if self._agreed is None else dict(self._agreed)

    def _core_only(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedExtension("wscore compresses and inflates in its core; the frame hooks are not used")

    frame_inbound_header = _core_only  # type: ignore[assignment]
    frame_inbound_payload_data = _core_only  # type: ignore[assignment]
    frame_inbound_complete = _core_only  # type: ignore[assignment]
    frame_outbound = _core_only  # type: ignore[assignment]

    def __repr__(self) -> str:
        descr = [f"client_max_window_bits={self.client_max_window_bits}"]
        if self.client_no_context_takeover:
            descr.append("client_no_context_takeover")
        descr.append(f"server_max_window_bits={self.server_max_window_bits}")
        if self.server_no_context_takeover:
            descr.append("server_no_context_takeover")
        return "<{} {}>".format(self.__class__.__name__, "; ".join(descr))


def _window_bits(value: int) -> int:
    if value < 9 or value > 15:
        raise ValueError("Window size must be between 9 and 15 inclusive")
    return value


#: Supported extensions by name.
SUPPORTED_EXTENSIONS = {PerMessageDeflate.name: PerMessageDeflate}
