"""User profiles: interest tags, top categories and brands, price band and recent activity.

A profile is a pure function of a user's events and reviews and the products they touch, so it is
recomputed from the store whenever it is asked for: new events show at once, with no retrain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from ranking.feedback import KIND_WEIGHTS, rating_weight
from ranking.records import Event, UserProfile
from retrieval.records import Product, Review


def _weight(event: Event) -> float:
    return rating_weight(event.value or 3) if event.kind == "rate" else KIND_WEIGHTS[event.kind]


def build_profile(
    user_id: str,
    events: list[Event],
    reviews: Iterable[Review],
    products: dict[str, Product],
    recent: int = 8,
) -> UserProfile:
    weighted: list[tuple[Product, float]] = []
    signals = list(events) + [Event(user_id, r.product_id, "rate", r.time, float(r.rating)) for r in reviews]
    for e in signals:
        product = products.get(e.product_id)
        if product is not None:
            weighted.append((product, _weight(e)))
    categories: Counter = Counter()
    brands: Counter = Counter()
    tags: Counter = Counter()
    prices: list[tuple[float, float]] = []
    for product, w in weighted:
        if w <= 0:
            continue
        if product.category:
            categories[product.category_path] += w
            tags[product.category[-1].lower()] += w
        if product.brand:
            brands[product.brand] += w
        for feature in product.attributes.get("features", "").split(","):
            if feature.strip():
                tags[feature.strip().lower()] += w / 2
        if product.price is not None:
            prices.append((product.price, w))
    total_c = sum(categories.values()) or 1.0
    total_b = sum(brands.values()) or 1.0
    band = None
    if prices:
        values = np.array([p for p, _ in prices])
        weights = np.array([w for _, w in prices])
        order = np.argsort(values)
        cdf = np.cumsum(weights[order]) / weights.sum()
        band = (
            float(values[order][np.searchsorted(cdf, 0.1)]),
            float(values[order][min(np.searchsorted(cdf, 0.9), len(values) - 1)]),
        )
    return UserProfile(
        user_id=user_id,
        interest_tags=tuple(t for t, _ in tags.most_common(6)),
        top_categories=tuple((c, round(w / total_c, 3)) for c, w in categories.most_common(5)),
        top_brands=tuple((b, round(w / total_b, 3)) for b, w in brands.most_common(5)),
        price_band=band,
        recent=tuple(sorted(events, key=lambda e: e.time, reverse=True)[:recent]),
        n_events=len(signals),
    )


def summarize(profile: UserProfile) -> str:
    """One line for prompts and logs."""
    if profile.is_cold:
        return "new shopper, no history yet"
    parts = []
    if profile.top_categories:
        parts.append("likes " + ", ".join(c.split(" > ")[-1] for c, _ in profile.top_categories[:3]))
    if profile.top_brands:
        parts.append("brands " + ", ".join(b for b, _ in profile.top_brands[:3]))
    if profile.price_band:
        parts.append(f"usually spends ${profile.price_band[0]:.0f}-${profile.price_band[1]:.0f}")
    return "; ".join(parts)
