"""The guard's counters as Prometheus metrics (the extra ``wscore-rs[prometheus]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, Optional

from .._extras import require
from ._metrics import CLOSED_HELP, COUNTER_HELP, OPEN_HELP, closes_by_label
from ._stats import TOTALS, Counters

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import CollectorRegistry

__all__ = ["PrometheusCollector", "register_prometheus"]


class PrometheusCollector:
    """Reads :class:`Counters` (default: :data:`TOTALS`) at each scrape.

    Exports ``wscore_connections_open`` (gauge), ``wscore_connections_closed_total``
    with ``code`` and ``initiator`` labels (bounded: see
    :data:`wscore.asgi._metrics.KNOWN_CLOSE_CODES`), and one counter per
    :class:`Counters` counter: ``wscore_sends_after_close_avoided_total``,
    ``wscore_close_races_resolved_total``, ``wscore_send_timeouts_total``,
    ``wscore_close_timeouts_total``, ``wscore_evictions_total`` (and
    ``_lag_bytes``/``_lag_time``), ``wscore_rate_limited_drops_total``,
    ``wscore_rate_limited_closes_total``, ``wscore_origins_refused_total``.
    ``const_labels`` go on every series (e.g. ``{"worker": str(os.getpid())}``).
    """

    def __init__(
        self, counters: Counters = TOTALS, *, namespace: str = "wscore", const_labels: Optional[Dict[str, str]] = None
    ) -> None:
        self.counters = counters
        self.namespace = namespace
        self.const_labels = dict(const_labels or {})

    def collect(self) -> Iterator["Metric"]:
        """The metric families, read now."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        names: List[str] = list(self.const_labels)
        values: List[str] = list(self.const_labels.values())
        prefix = self.namespace + "_" if self.namespace else ""
        opened = GaugeMetricFamily(prefix + "connections_open", OPEN_HELP, labels=names)
        opened.add_metric(values, self.counters.open_connections)
        yield opened
        closed = CounterMetricFamily(prefix + "connections_closed", CLOSED_HELP, labels=names + ["code", "initiator"])
        for (code, initiator), count in sorted(closes_by_label(self.counters).items()):
            closed.add_metric(values + [code, initiator], count)
        yield closed
        for name, help_text in COUNTER_HELP.items():
            family = CounterMetricFamily(prefix + name, help_text, labels=names)
            family.add_metric(values, self.counters[name])
            yield family


def register_prometheus(
    registry: Optional["CollectorRegistry"] = None,
    *,
    counters: Counters = TOTALS,
    namespace: str = "wscore",
    const_labels: Optional[Dict[str, str]] = None,
) -> PrometheusCollector:
    """Register a :class:`PrometheusCollector` in ``registry`` (default: prometheus_client's ``REGISTRY``).

    One line in an app: ``wscore.asgi.register_prometheus()``; the app's
    ``/metrics`` (``prometheus_client.make_asgi_app()``) then shows them.
    """
    require("prometheus_client", "register_prometheus()", "prometheus")
    from prometheus_client import REGISTRY

    collector = PrometheusCollector(counters, namespace=namespace, const_labels=const_labels)
    (REGISTRY if registry is None else registry).register(collector)
    return collector
