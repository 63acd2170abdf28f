"""Keeping a page varied: a cap on items per brand, and no near-duplicates (pure function).

The cap exists so that a page is not ten variations of one maker, but it must not fight the shopper:
a brand may fill as much of the page as it fills of the user's own history, or of the candidates the
page is drawn from (a store that sells mostly one brand shows mostly that brand).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


def brand_caps(
    order: list[int], k: int, brands: list[str], user_brands: dict[str, float], max_brand_share: float
) -> tuple[int, dict[str, int]]:
    """(base cap, caps raised for brands that fill more of the user's history or of the top 3k candidates)."""
    base = max(2, int(k * max_brand_share))
    pool = order[: 3 * k]
    shares = {b: n / len(pool) for b, n in Counter(brands[i] for i in pool).items()} if pool else {}
    raised = {}
    for brand in set(shares) | set(user_brands):
        cap = math.ceil(k * max(shares.get(brand, 0.0), user_brands.get(brand, 0.0)) - 1e-9)
        if cap > base:
            raised[brand] = cap
    return base, raised


def diversify(
    order: list[int],
    k: int,
    brands: list[str],
    embeddings: np.ndarray,
    user_brands: dict[str, float] | None = None,
    max_brand_share: float = 0.5,
    near_duplicate: float = 0.97,
) -> list[int]:
    """Greedy pick in score order under the brand caps, skipping items too similar (cosine) to one already
    picked; a max_brand_share of 1 or more lifts the cap. Falls back to score order to fill the page."""
    picked: list[int] = []
    per_brand: Counter = Counter()
    capped = max_brand_share < 1
    base, raised = brand_caps(order, k, brands, user_brands or {}, max_brand_share) if capped else (k, {})
    for i in order:
        brand = brands[i]
        if capped and brand and per_brand[brand] >= raised.get(brand, base):
            continue
        if picked and float(np.max(embeddings[picked] @ embeddings[i])) > near_duplicate:
            continue
        picked.append(i)
        per_brand[brand] += 1
        if len(picked) == k:
            return picked
    chosen = set(picked)
    return picked + [i for i in order if i not in chosen][: k - len(picked)]
