"""The guard's counters as OpenTelemetry metrics (the extra ``wscore-rs[otel]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Iterable, Optional

from .._extras import require
from ._metrics import CLOSED_HELP, COUNTER_HELP, OPEN_HELP, closes_by_label
from ._stats import TOTALS, Counters

if TYPE_CHECKING:
    from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider, Observation

__all__ = ["instrument_otel"]


def instrument_otel(
    meter_provider: Optional["MeterProvider"] = None,
    *,
    counters: Counters = TOTALS,
    attributes: Optional[Dict[str, str]] = None,
) -> "Meter":
    """Observe :class:`Counters` (default: :data:`TOTALS`) through an OpenTelemetry meter; returns it.

    One line in an app: ``wscore.asgi.instrument_otel()`` (the global meter
    provider; pass one to use another). Instruments, read at each collection:
    ``wscore.connections.open`` (an up-down counter), ``wscore.connections.closed``
    with ``code`` and ``initiator`` attributes (bounded as for Prometheus), and
    one counter per :class:`Counters` counter: ``wscore.sends_after_close_avoided``,
    ``wscore.close_races_resolved``, ``wscore.send_timeouts``, ``wscore.close_timeouts``,
    ``wscore.evictions`` (and ``_lag_bytes``/``_lag_time``), ``wscore.rate_limited_drops``,
    ``wscore.rate_limited_closes``, ``wscore.origins_refused``. ``attributes`` go on
    every observation.
    """
    require("opentelemetry", "instrument_otel()", "otel")
    from opentelemetry import metrics

    from .. import __version__

    provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
    meter = provider.get_meter("wscore", __version__)
    common = dict(attributes or {})

    def observe(read: Callable[[], int]) -> Callable[["CallbackOptions"], Iterable["Observation"]]:
        return lambda options: [metrics.Observation(read(), common)]

    def closed(options: "CallbackOptions") -> Iterable["Observation"]:
        return [
            metrics.Observation(count, {**common, "code": code, "initiator": initiator})
            for (code, initiator), count in sorted(closes_by_label(counters).items())
        ]

    meter.create_observable_up_down_counter(
        "wscore.connections.open", [observe(lambda: counters.open_connections)], "{connection}", OPEN_HELP
    )
    meter.create_observable_counter("wscore.connections.closed", [closed], "{connection}", CLOSED_HELP)
    for name, help_text in COUNTER_HELP.items():
        meter.create_observable_counter(f"wscore.{name}", [observe(_reader(counters, name))], "1", help_text)
    return meter


def _reader(counters: Counters, name: str) -> Callable[[], int]:
    return lambda: counters[name]


