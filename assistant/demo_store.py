"""A generated demo store, deterministic from a seed: catalog, users with hidden tastes, behaviour.

Users have hidden tastes (categories, brands, a price tier); their events and reviews are drawn from
those tastes with noise over a time span, so a ranker's quality can be measured against known truth.
Some users and products are new (no history) to exercise cold start. The same generator writes
100k products and millions of events for scale runs; it streams its output.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.demo_catalog import (
    ADJECTIVES,
    ASPECTS,
    BENEFITS,
    CATEGORIES,
    MODEL_WORDS,
    TIER_SPAN,
    TIERS,
    USES,
)

END_TIME = 1_793_491_200  # 2026-10-31 00:00 UTC: fixed so the same seed gives the same store
SPAN_DAYS = 180
TIMEZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
FIRST_NAMES = (
    "Alex",
    "Sam",
    "Maya",
    "Jonas",
    "Priya",
    "Leo",
    "Nora",
    "Kai",
    "Ines",
    "Omar",
    "Lena",
    "Theo",
    "Wei",
    "Mei",
    "Hao",
    "Lin",
    "Yara",
    "Ben",
    "Zoe",
    "Ravi",
)
NEW_SHARE = 0.05  # share of users and of products with no history at all (cold start)
NOISE = 0.15  # share of sessions that ignore the user's tastes


@dataclass(frozen=True, slots=True)
class DemoStorePaths:
    products: Path
    reviews: Path
    events: Path
    users: Path
    hidden_tastes: Path


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


class _Catalog:
    """Products laid out for fast sampling: by category, then by brand, popularity-weighted."""

    def __init__(self, rng: np.random.Generator, n_products: int):
        self.rows: list[dict[str, Any]] = []
        self.aspects: list[tuple[str, ...]] = []
        self.quality: np.ndarray = rng.normal(0.0, 0.6, n_products)
        self.by_brand: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        per_brand: dict[tuple[int, str], list[int]] = {}
        category_of = rng.integers(0, len(CATEGORIES), n_products)
        self.is_new = rng.random(n_products) < NEW_SHARE
        for index in range(n_products):
            c = int(category_of[index])
            spec = CATEGORIES[c]
            brand, tier = spec.brands[int(rng.integers(len(spec.brands)))]
            lo, hi = spec.price
            span_lo, span_hi = TIER_SPAN[tier]
            price = lo + (hi - lo) * rng.uniform(span_lo, span_hi)
            price = round(max(1.0, round(price)) - 0.01, 2)
            picked = rng.choice(len(spec.aspects), size=min(2, len(spec.aspects)), replace=False)
            aspects = tuple(spec.aspects[int(i)] for i in sorted(picked))
            attributes = {name: str(rng.choice(values)) for name, values in spec.attributes.items()}
            noun = str(rng.choice(spec.nouns))
            model = f"{rng.choice(MODEL_WORDS)} {int(rng.integers(1, 9))}"
            adjective = str(rng.choice([a for a in ADJECTIVES if a not in noun]))
            title = f"{brand} {model} {adjective} {noun}"
            if "color" in attributes:
                title += f", {attributes['color'].title()}"
            details = ", ".join(f"{k} {v}" for k, v in attributes.items())
            qualities = ", and ".join(f"{ASPECTS[a][0]}, {BENEFITS[a]}" for a in aspects)
            description = (
                f"The {brand} {model} {noun.lower()} for {spec.tags[0]} and {spec.tags[1]}: {qualities}. "
                f"{USES[noun][index % len(USES[noun])]} Details: {details}."
            )
            pid = f"P{index:06d}"
            self.rows.append(
                {
                    "id": pid,
                    "title": title,
                    "description": description,
                    "category": list(spec.path),
                    "brand": brand,
                    "price": price,
                    "currency": "USD",
                    "attributes": {**attributes, "features": ", ".join(aspects), "tier": tier},
                }
            )
            self.aspects.append(aspects)
            if not self.is_new[index]:
                per_brand.setdefault((c, brand), []).append(index)
        for key, members in per_brand.items():
            ids = np.array(members)
            weights = 1.0 / np.arange(1, len(ids) + 1) ** 0.8  # a long tail within each brand
            rng.shuffle(weights)
            weights = weights * np.exp(self.quality[ids])
            self.by_brand[key] = (ids, np.cumsum(weights / weights.sum()))

    def sample(self, rng: np.random.Generator, category: int, brand: str, size: int) -> np.ndarray:
        ids, cdf = self.by_brand.get((category, brand), (np.array([], dtype=int), np.array([])))
        if len(ids) == 0:
            return ids
        return ids[np.minimum(np.searchsorted(cdf, rng.random(size)), len(ids) - 1)]


def _user_tastes(rng: np.random.Generator, index: int) -> dict[str, Any]:
    n_categories = int(rng.choice([1, 2, 3], p=[0.3, 0.5, 0.2]))
    categories = [int(c) for c in rng.choice(len(CATEGORIES), size=n_categories, replace=False)]
    tier = str(rng.choice(TIERS, p=[0.35, 0.4, 0.25]))
    brands = {}
    for c in categories:
        names = [b for b, _ in CATEGORIES[c].brands]
        tiered = [b for b, t in CATEGORIES[c].brands if t == tier] or names
        first = str(rng.choice(tiered))
        others = [b for b in names if b != first]
        brands[c] = [first] + ([str(rng.choice(others))] if rng.random() < 0.4 else [])
    zh = rng.random() < 0.15
    name = str(rng.choice(FIRST_NAMES))
    return {
        "user": f"U{index:05d}",
        "categories": categories,
        "brands": brands,
        "tier": tier,
        "activity": float(rng.gamma(2.0, 1.0)),
        "new": bool(rng.random() < NEW_SHARE),
        "profile": {
            "id": f"U{index:05d}",
            "name": name,
            "locale": "zh-CN" if zh else "en",
            "marketing_opt_in": bool(rng.random() < 0.8),
            "timezone": str(rng.choice(TIMEZONES)),
            "quiet_hours": [22, 8] if rng.random() < 0.6 else None,
        },
    }


def _review_text(rng: np.random.Generator, aspects: tuple[str, ...], rating: int) -> tuple[str, str]:
    happy = rating >= 4
    lines = [ASPECTS[a][1] if (happy or rng.random() < 0.3) else ASPECTS[a][2] for a in aspects]
    rng.shuffle(lines)
    opener = {
        5: "Love it.",
        4: "Pretty good overall.",
        3: "It is okay.",
        2: "Disappointed.",
        1: "Would not buy again.",
    }
    title = {5: "Excellent", 4: "Good value", 3: "Average", 2: "Not great", 1: "Poor"}[rating]
    return title, " ".join([opener[rating], *lines])


def _session_kind_and_brand(rng: np.random.Generator, taste: dict[str, Any]) -> tuple[int, str]:
    """What one session browses: mostly one of the user's categories and liked brands, sometimes noise."""
    if rng.random() < NOISE:
        c = int(rng.integers(len(CATEGORIES)))
        return c, CATEGORIES[c].brands[int(rng.integers(len(CATEGORIES[c].brands)))][0]
    c = int(rng.choice(taste["categories"]))
    liked = taste["brands"][c]
    brand = (
        str(rng.choice(liked))
        if rng.random() < 0.75
        else CATEGORIES[c].brands[int(rng.integers(len(CATEGORIES[c].brands)))][0]
    )
    return c, brand


def _rating_and_review(
    rng: np.random.Generator,
    catalog: _Catalog,
    pid_index: int,
    event: dict[str, Any],
    fits: bool,
    review_seq: list[int],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """After a purchase: a rating some days later (if before the data ends), most often with a review."""
    pid, user, t = event["product_id"], event["user_id"], event["time"]
    rating = int(
        np.clip(round(3.9 + catalog.quality[pid_index] + (0.4 if fits else -0.5) + rng.normal(0, 0.7)), 1, 5)
    )
    later = t + int(rng.integers(3, 20)) * 86400
    if later >= END_TIME or rng.random() >= 0.7:
        return
    yield (
        "event",
        {"user_id": user, "product_id": pid, "kind": "rate", "value": rating, "time": later, "session": None},
    )
    if rng.random() < 0.8:
        title, text = _review_text(rng, catalog.aspects[pid_index], rating)
        review_seq[0] += 1
        review = {"id": f"R{review_seq[0]:07d}", "product_id": pid, "user_id": user, "rating": rating}
        yield "review", {**review, "title": title, "text": text, "time": later, "verified": True}


def _product_visit(
    rng: np.random.Generator,
    catalog: _Catalog,
    taste: dict[str, Any],
    c: int,
    pid_index: int,
    t: int,
    session: str,
    review_seq: list[int],
) -> Generator[tuple[str, dict[str, Any]], None, int]:
    """One product seen in a session: a view, and perhaps a dismissal, or a click, cart and purchase.
    Returns the time the shopper moved on from it."""
    row = catalog.rows[pid_index]
    fits = row["brand"] in taste["brands"].get(c, []) and row["attributes"]["tier"] == taste["tier"]

    def event(kind: str, at: int) -> tuple[str, dict[str, Any]]:
        return "event", {
            "user_id": taste["user"],
            "product_id": row["id"],
            "kind": kind,
            "time": at,
            "session": session,
        }

    yield event("view", t)
    if rng.random() > (0.55 if fits else 0.25):
        if rng.random() < 0.08 and not fits:
            yield event("dismiss", t + 5)
        return t
    steps = (
        ("click", (5, 60), 0.45 if fits else 0.15),
        ("cart", (30, 300), 0.6),
        ("purchase", (60, 900), None),
    )
    for kind, (low, high), goes_on in steps:
        t += int(rng.integers(low, high))
        yield event(kind, t)
        if goes_on is not None and rng.random() > goes_on:
            return t
    yield from _rating_and_review(rng, catalog, pid_index, event("purchase", t)[1], fits, review_seq)
    return t


def _behaviour(
    rng: np.random.Generator, catalog: _Catalog, taste: dict[str, Any], review_seq: list[int]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Sessions of one user: views, clicks, carts, purchases, ratings, dismissals and reviews."""
    n_sessions = 1 + int(rng.poisson(3 * taste["activity"]))
    for s in range(n_sessions):
        t = END_TIME - int(rng.uniform(0, SPAN_DAYS * 86400))
        c, brand = _session_kind_and_brand(rng, taste)
        viewed = catalog.sample(rng, c, brand, int(rng.integers(2, 7)))
        for pid_index in dict.fromkeys(int(i) for i in viewed):
            t += int(rng.integers(20, 400))
            session = f"{taste['user']}-s{s}"
            t = yield from _product_visit(rng, catalog, taste, c, pid_index, t, session, review_seq)


def generate_demo_store(
    out_dir: str | Path, seed: int = 7, products: int = 3000, users: int = 1000, show_progress: bool = False
) -> DemoStorePaths:
    """Write products, reviews, events and users JSONL files (the formats `shopmate ingest` reads)."""
    if products < len(CATEGORIES) or users < 1:
        raise ValueError(f"the demo store needs at least {len(CATEGORIES)} products and 1 user")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = DemoStorePaths(
        out / "products.jsonl",
        out / "reviews.jsonl",
        out / "events.jsonl",
        out / "users.jsonl",
        out / "hidden_tastes.json",
    )
    rng = np.random.default_rng(seed)
    catalog = _Catalog(rng, products)
    _write_jsonl(paths.products, iter(catalog.rows))
    tastes = [_user_tastes(rng, i) for i in range(users)]
    _write_jsonl(paths.users, (t["profile"] for t in tastes))
    review_seq = [0]
    with (
        open(paths.events, "w", encoding="utf-8") as events_fh,
        open(paths.reviews, "w", encoding="utf-8") as reviews_fh,
    ):
        for taste in tqdm(tastes, desc="demo users", unit=" users", disable=not show_progress):
            if taste["new"]:
                continue
            for kind, row in _behaviour(rng, catalog, taste, review_seq):
                (events_fh if kind == "event" else reviews_fh).write(json.dumps(row) + "\n")
    hidden = {
        t["user"]: {
            "categories": [" > ".join(CATEGORIES[c].path) for c in t["categories"]],
            "brands": sorted({b for bs in t["brands"].values() for b in bs}),
            "tier": t["tier"],
            "new": t["new"],
        }
        for t in tastes
    }
    paths.hidden_tastes.write_text(
        json.dumps(
            {
                "seed": seed,
                "users": hidden,
                "new_products": [r["id"] for r, new in zip(catalog.rows, catalog.is_new, strict=True) if new],
            },
            indent=1,
        )
    )
    return paths
