"""Counters, gauges and histograms for /metrics, rendered in the Prometheus text format (0.0.4).

Small on purpose (prometheus_client is not a dependency): labels are route templates, never raw
paths or ids, so the number of series stays bounded.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = labels + extra
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self._help: dict[str, tuple[str, str]] = {}
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._gauges: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histograms: dict[str, dict[Labels, list[float]]] = defaultdict(dict)
        self._callbacks: list[Callable[[], dict[str, float]]] = []

    def describe(self, name: str, kind: str, text: str) -> None:
        self._help[name] = (kind, text)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._counters[name]
            series[key] = series.get(key, 0.0) + amount

    def add_gauge(self, name: str, amount: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._gauges[name]
            series[key] = series.get(key, 0.0) + amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._histograms[name]
            counts = series.get(key)
            if counts is None:
                # one count per bucket, then +Inf, sum
                counts = series[key] = [0.0] * (len(LATENCY_BUCKETS) + 2)
            for i, bound in enumerate(LATENCY_BUCKETS):
                if value <= bound:
                    counts[i] += 1
            counts[-2] += 1
            counts[-1] += value

    def gauge_callback(self, callback: Callable[[], dict[str, float]]) -> None:
        """Gauges read at scrape time (e.g. store counts): callback returns {metric_name: value}."""
        self._callbacks.append(callback)

    def counter_value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        scraped: dict[str, float] = {}
        for callback in self._callbacks:
            scraped.update(callback())
        with self._lock:
            names = sorted(set(self._counters) | set(self._gauges) | set(self._histograms) | set(scraped))
            for name in names:
                kind, text = self._help.get(name, ("untyped", name))
                lines.append(f"# HELP {name} {text}")
                lines.append(f"# TYPE {name} {kind}")
                for labels, value in sorted(self._counters.get(name, {}).items()):
                    lines.append(f"{name}{_labels(labels)} {_number(value)}")
                for labels, value in sorted(self._gauges.get(name, {}).items()):
                    lines.append(f"{name}{_labels(labels)} {_number(value)}")
                if name in scraped:
                    lines.append(f"{name} {_number(scraped[name])}")
                for labels, counts in sorted(self._histograms.get(name, {}).items()):
                    for bound, count in zip(LATENCY_BUCKETS, counts, strict=False):
                        lines.append(f"{name}_bucket{_labels(labels, (('le', repr(bound)),))} {_number(count)}")
                    lines.append(f"{name}_bucket{_labels(labels, (('le', '+Inf'),))} {_number(counts[-2])}")
                    lines.append(f"{name}_count{_labels(labels)} {_number(counts[-2])}")
                    lines.append(f"{name}_sum{_labels(labels)} {counts[-1]!r}")
        return "\n".join(lines) + "\n"
