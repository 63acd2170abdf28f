"""The server's Prometheus metrics, on prometheus_client with a registry of its own per app.

A registry per app (not the library's global one) keeps several apps in one process (the tests, an
embedding host) from colliding over metric names. Labels are route templates, never raw paths or ids,
so the number of series stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
STORE_PARTS = ("products", "reviews", "users", "events")
# The classic text format: every Prometheus server reads it (the library's default, 1.0.0, is newer).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class _StoreCounts:
    """shopmate_store_* gauges from one `counts()` call per scrape (one query round, not four)."""

    def __init__(self, counts: Callable[[], dict[str, int]]):
        self._counts = counts

    def _families(self, counts: dict[str, int] | None) -> Iterable[GaugeMetricFamily]:
        for part in STORE_PARTS:
            family = GaugeMetricFamily(f"shopmate_store_{part}", f"{part} in the store")
            if counts is not None:
                family.add_metric([], counts.get(part, 0))
            yield family

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Lets the registry check names at registration without counting the store.
        return list(self._families(None))

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return list(self._families(self._counts()))


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shopmate_http_requests",
            "HTTP requests by method, route and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "shopmate_http_request_duration_seconds",
            "HTTP request latency by route",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "shopmate_api_rate_limited", "requests refused by the per-key rate limit", registry=self.registry
        )
        self.generation_timeouts = Counter(
            "shopmate_generation_timeouts", "generations that ran past the time limit", registry=self.registry
        )
        self.generation_in_flight = Gauge(
            "shopmate_generation_in_flight",
            "generations running or waiting for a worker",
            registry=self.registry,
        )

    def watch(self, in_flight: Callable[[], float], store_counts: Callable[[], dict[str, int]]) -> None:
        """Values read at scrape time: the generation pool's load and the store's counts."""
        self.generation_in_flight.set_function(in_flight)
        self.registry.register(_StoreCounts(store_counts))

    def render(self) -> bytes:
        return generate_latest(self.registry)
