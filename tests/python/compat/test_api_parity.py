"""Every public name of the installed wsproto 1.3 exists in wscore.compat.wsproto,
and the main classes and functions take the same arguments with the same defaults
(ours may add keyword-only ones)."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import types
import typing

import pytest

import wsproto as real_wsproto

MODULES = ["", ".connection", ".events", ".extensions", ".handshake", ".utilities", ".typing", ".frame_protocol"]


def real(name: str) -> types.ModuleType:
    return importlib.import_module("wsproto" + name)


def ours(name: str) -> types.ModuleType:
    return importlib.import_module("wscore.compat.wsproto" + name)


def public_names(module: types.ModuleType) -> list[str]:
    """Names wsproto defines (classes, functions, constants), not what it imports
    from the standard library or h11."""
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or name == "TYPE_CHECKING" or isinstance(value, types.ModuleType):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            if not value.__module__.startswith("wsproto"):
                continue
        elif not isinstance(value, (int, str, bytes, tuple, dict, enum.Enum, typing.TypeVar, types.GenericAlias)):
            continue
        names.append(name)
    return names


def test_real_wsproto_is_the_pinned_one() -> None:
    assert real_wsproto.__version__ == "1.3.2"
    assert not hasattr(real_wsproto, "__wscore__")


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_exists(module: str) -> None:
    names = public_names(real(module))
    assert names, "the filter must find names to compare"
    missing = [n for n in names if not hasattr(ours(module), n)]
    assert not missing, f"wsproto{module} names missing from wscore.compat.wsproto{module}: {missing}"


def test_known_names_are_in_the_comparison() -> None:
    # Guards the filter above against silently comparing too little.
    assert {"WSConnection", "ConnectionType"} <= set(public_names(real("")))
    assert {"server_extensions_handshake", "WEBSOCKET_VERSION", "H11Handshake"} <= set(public_names(real(".handshake")))
    assert {"CloseReason", "Opcode", "LOCAL_ONLY_CLOSE_REASONS", "MAX_CLOSE_REASON"} <= set(public_names(real(".frame_protocol")))
    assert {"Headers"} <= set(public_names(real(".typing")))


def parameters(func: object) -> list[tuple[str, object, object]]:
    sig = inspect.signature(func)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


MAIN_CALLABLES = [
    ("", "WSConnection"),
    ("", "WSConnection.send"),
    ("", "WSConnection.receive_data"),
    ("", "WSConnection.events"),
    ("", "WSConnection.initiate_upgrade_connection"),
    (".connection", "Connection"),
    (".connection", "Connection.send"),
    (".connection", "Connection.receive_data"),
    (".handshake", "H11Handshake"),
    (".handshake", "H11Handshake.send"),
    (".handshake", "H11Handshake.receive_data"),
    (".handshake", "server_extensions_handshake"),
    (".handshake", "client_extensions_handshake"),
    (".extensions", "PerMessageDeflate"),
    (".extensions", "PerMessageDeflate.offer"),
    (".extensions", "PerMessageDeflate.accept"),
    (".extensions", "PerMessageDeflate.finalize"),
    (".extensions", "Extension.offer"),
    (".extensions", "Extension.accept"),
    (".utilities", "generate_accept_token"),
    (".utilities", "split_comma_header"),
    (".utilities", "normed_header_dict"),
    (".utilities", "RemoteProtocolError"),
    (".frame_protocol", "ParseFailed"),
    (".events", "CloseConnection.response"),
    (".events", "Ping.response"),
]


def resolve(module: types.ModuleType, dotted: str) -> object:
    obj: object = module
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("module, name", MAIN_CALLABLES)
def test_same_parameters(module: str, name: str) -> None:
    theirs = parameters(resolve(real(module), name))
    mine = parameters(resolve(ours(module), name))
    assert mine[: len(theirs)] == theirs
    extra = mine[len(theirs) :]
    assert all(kind is inspect.Parameter.KEYWORD_ONLY for _, kind, _ in extra), extra


EVENTS = ["Request", "AcceptConnection", "RejectConnection", "RejectData", "CloseConnection", "Message", "TextMessage", "BytesMessage", "Ping", "Pong"]


@pytest.mark.parametrize("name", EVENTS)
def test_events_are_frozen_dataclasses_with_the_same_fields(name: str) -> None:
    theirs, mine = getattr(real(".events"), name), getattr(ours(".events"), name)
    fields = lambda cls: [(f.name, f.default, f.default_factory) for f in dataclasses.fields(cls)]  # noqa: E731
    assert fields(mine) == fields(theirs)
    assert mine.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert issubclass(mine, ours(".events").Event)


@pytest.mark.parametrize("module, name", [(".connection", "ConnectionState"), (".connection", "ConnectionType"), (".frame_protocol", "CloseReason"), (".frame_protocol", "Opcode")])
def test_enums_have_the_same_members(module: str, name: str) -> None:
    theirs, mine = getattr(real(module), name), getattr(ours(module), name)
    assert [(m.name, m.value) for m in mine] == [(m.name, m.value) for m in theirs]


def test_constants_have_the_same_values() -> None:
    for module in MODULES:
        for name in public_names(real(module)):
            value = getattr(real(module), name)
            if isinstance(value, (int, bytes, str)) and not isinstance(value, enum.Enum):
                assert getattr(ours(module), name) == value, f"wsproto{module}.{name}"
