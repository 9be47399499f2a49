"""The guard's counters exported in one line: Prometheus collector and OpenTelemetry meter, read back."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any, Dict, Optional, Tuple

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import CollectorRegistry

import wscore
from wscore.asgi import TOTALS, Counters, GuardedWebSocket, instrument_otel, register_prometheus
from wscore.asgi._metrics import KNOWN_CLOSE_CODES

from .endpoint import Endpoint
from .servers import client, running


def some_connections() -> Counters:
    """Totals of four connections: two closed (1000 by the client, 4001 by the app), one timed out, one open."""
    totals = Counters()
    first, second, third, fourth = (Counters(parent=totals) for _ in range(4))
    first.add_close_code(1000, "remote")
    second.add("sends_after_close_avoided", 2)
    second.add_close_code(4001, "local")
    second.add_close_code(1000, "remote")  # a second record for one connection: counted, not closed twice
    third.add("send_timeouts")
    third.add_close_code(1006, "transport")
    fourth.add("evictions")
    fourth.add("evictions_lag_bytes")
    return totals


def test_prometheus_collector_reads_the_counters_back() -> None:
    registry = CollectorRegistry()
    register_prometheus(registry, counters=some_connections(), const_labels={"worker": "7"})

    def value(name: str, **labels: str) -> Optional[float]:
        return registry.get_sample_value(name, {"worker": "7", **labels})

    assert value("wscore_connections_open") == 1
    assert value("wscore_connections_closed_total", code="1000", initiator="remote") == 2
    assert value("wscore_connections_closed_total", code="other", initiator="local") == 1  # 4001: an app's code
    assert value("wscore_connections_closed_total", code="1006", initiator="transport") == 1
    assert value("wscore_sends_after_close_avoided_total") == 2
    assert value("wscore_send_timeouts_total") == 1
    assert value("wscore_evictions_total") == value("wscore_evictions_lag_bytes_total") == 1
    assert value("wscore_close_races_resolved_total") == value("wscore_close_timeouts_total") == 0


def test_label_sets_stay_bounded() -> None:
    """Every code 1000-4999 and a made-up initiator: at most (known codes + other) x (3 initiators + other) series."""
    totals = Counters()
    for code in range(1000, 5000):
        Counters(parent=totals).add_close_code(code, "remote")
        Counters(parent=totals).add_close_code(code, "somebody")
    registry = CollectorRegistry()
    register_prometheus(registry, counters=totals)
    [family] = [m for m in registry.collect() if m.name == "wscore_connections_closed"]
    series = {(s.labels["code"], s.labels["initiator"]) for s in family.samples if s.name.endswith("_total")}
    assert len(series) == 2 * (len(KNOWN_CLOSE_CODES) + 1)
    assert {initiator for _, initiator in series} == {"remote", "other"}
    assert sum(s.value for s in family.samples if s.name.endswith("_total")) == 8000
    assert registry.get_sample_value("wscore_connections_open") == 0


def otel_points(reader: InMemoryMetricReader) -> Dict[Tuple[str, Tuple[Tuple[str, Any], ...]], Any]:
    """{(instrument name, sorted attributes): value} of one collection."""
    points: Dict[Tuple[str, Tuple[Tuple[str, Any], ...]], Any] = {}
    data = reader.get_metrics_data()
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    attributes = tuple(sorted((point.attributes or {}).items()))
                    points[metric.name, attributes] = getattr(point, "value", None)
    return points


def test_otel_meter_reads_the_counters_back() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    counters = some_connections()
    instrument_otel(provider, counters=counters, attributes={"service": "chat"})
    points = otel_points(reader)
    service = (("service", "chat"),)
    assert points["wscore.connections.open", service] == 1
    assert points["wscore.connections.closed", (("code", "1000"), ("initiator", "remote"), *service)] == 2
    assert points["wscore.connections.closed", (("code", "other"), ("initiator", "local"), *service)] == 1
    assert points["wscore.sends_after_close_avoided", service] == 2
    assert points["wscore.evictions_lag_bytes", service] == 1
    counters.add("close_races_resolved", 3)
    assert otel_points(reader)["wscore.close_races_resolved", service] == 3  # read at each collection
    provider.shutdown()


@pytest.mark.asyncio
async def test_real_connections_show_up_in_the_collector() -> None:
    """A guarded connection on uvicorn: open while it lasts, then closed by the app (4001) or the client (1000)."""
    registry = CollectorRegistry()
    register_prometheus(registry)  # TOTALS, as an app does

    def value(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, labels) or 0.0

    async def handler(ws: GuardedWebSocket) -> Any:
        if await ws.receive() == "close me":
            await ws.close(4001)
            await ws.try_send("too late")  # avoided, and counted
        else:
            async for _ in ws:
                pass
        return ws.closed

    base = {
        "open": value("wscore_connections_open"),
        "app": value("wscore_connections_closed_total", code="other", initiator="local"),
        "client": value("wscore_connections_closed_total", code="1000", initiator="remote"),
        "avoided": value("wscore_sends_after_close_avoided_total"),
    }
    for message, closed_by in (("close me", "app"), ("bye", "client")):
        endpoint = Endpoint(handler)
        async with running("uvicorn", endpoint.app) as url, client(url + "/ws") as connection:
            await connection.send(message)
            await until(lambda: value("wscore_connections_open") == base["open"] + 1 or endpoint.result.done())
            if closed_by == "client":
                assert value("wscore_connections_open") == base["open"] + 1
                await connection.close(1000)
            outcome: Optional[wscore.ConnectionClosed] = await endpoint.outcome()
        assert outcome is not None
        assert value("wscore_connections_open") == base["open"]
        base[closed_by] += 1
    assert value("wscore_connections_closed_total", code="other", initiator="local") == base["app"]
    assert value("wscore_connections_closed_total", code="1000", initiator="remote") == base["client"]
    assert value("wscore_sends_after_close_avoided_total") == base["avoided"] + 1
    assert TOTALS.open_connections == base["open"]


async def until(predicate: Any, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


def test_the_extras_are_imported_only_when_used() -> None:
    code = (
        "import sys, wscore.asgi; "
        "print(sorted(m for m in ('redis', 'prometheus_client', 'opentelemetry') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert (done.stdout, done.returncode) == ("[]\n", 0), done.stderr
