"""Matplotlib figures for the Profile and Insights tabs (rendered to images, so nothing loads from a CDN)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def bar_chart(pairs: Sequence[tuple[str, float]], title: str, xlabel: str = "share of activity") -> Figure:
    """Horizontal bars, biggest on top: a user's top categories or brands."""
    fig, ax = plt.subplots(figsize=(5, 2.8), layout="constrained")
    ax.set_title(title)
    if not pairs:
        _empty(ax, "no activity yet")
        return fig
    labels = [str(name).split(" > ")[-1] if " > " in str(name) else str(name) for name, _ in pairs][::-1]
    ax.barh(labels, [float(v) for _, v in pairs][::-1], color="#3b82f6")
    ax.set_xlabel(xlabel)
    return fig


def activity_chart(kinds: Sequence[str], title: str = "Recent activity") -> Figure:
    """How many of each kind of event (view, cart, purchase, ...) among the recent ones."""
    fig, ax = plt.subplots(figsize=(5, 2.4), layout="constrained")
    ax.set_title(title)
    counts = Counter(kinds)
    if not counts:
        _empty(ax, "no activity yet")
        return fig
    names = sorted(counts, key=lambda k: -counts[k])
    ax.bar(names, [counts[k] for k in names], color="#10b981")
    ax.set_ylabel("events")
    return fig


def evaluation_chart(metrics: Mapping[str, Mapping[str, float]], title: str = "Offline evaluation") -> Figure:
    """Grouped bars: one group per metric, one bar per model (our ranker and the baselines)."""
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    ax.set_title(title)
    models = list(metrics)
    names = sorted({m for values in metrics.values() for m in values})
    if not models or not names:
        _empty(ax, "no evaluation yet: press 'Run offline evaluation'")
        return fig
    width = 0.8 / len(models)
    for i, model in enumerate(models):
        xs = [j + i * width for j in range(len(names))]
        ax.bar(xs, [float(metrics[model].get(n, 0.0)) for n in names], width, label=model)
    ax.set_xticks([j + width * (len(models) - 1) / 2 for j in range(len(names))], names)
    ax.legend(fontsize="small")
    return fig
