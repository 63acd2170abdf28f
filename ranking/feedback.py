"""Implicit feedback: events and reviews turned into one signed, time-decayed weight per user and item.

view < click < cart < purchase; a rating is confidence with a sign (4-5 stars positive, 1-2 negative);
a dismissal is negative. Repeated events of one kind count with diminishing returns, so a hundred
views never outweigh a purchase.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ranking.records import Event
from retrieval.records import Review

KIND_WEIGHTS = {"view": 1.0, "click": 2.0, "cart": 4.0, "purchase": 8.0, "dismiss": -6.0}
HALF_LIFE_DAYS = 90.0


def rating_weight(stars: float) -> float:
    """5 stars -> +6, 4 -> +3, 3 -> 0, 2 -> -3, 1 -> -6."""
    return 3.0 * (float(stars) - 3.0)


@dataclass(slots=True)
class Signals:
    """Per (user, item): summed weights by kind, and the latest time seen; and which items each user
    touched together (a basket: one session, or one day where events carry no session)."""

    by_kind: dict[tuple[str, str], dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    last_time: dict[tuple[str, str], int] = field(default_factory=dict)
    baskets: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add_event(self, e: Event) -> None:
        self._add(
            e.user_id, e.product_id, e.kind, rating_weight(e.value) if e.kind == "rate" else 1.0, e.time
        )
        if e.kind != "dismiss":
            self.baskets[(e.user_id, e.session or _day(e.time))].add(e.product_id)

    def add_review(self, r: Review) -> None:
        if r.user_id:
            self._add(r.user_id, r.product_id, "rate", rating_weight(r.rating), r.time)
            self.baskets[(r.user_id, _day(r.time))].add(r.product_id)

    def latest_by_user(self) -> dict[str, int]:
        """Each user's most recent time: recency is measured within a user's own history."""
        latest: dict[str, int] = {}
        for (user, _), t in self.last_time.items():
            latest[user] = max(t, latest.get(user, 0))
        return latest

    def _add(self, user: str, item: str, kind: str, amount: float, time: int) -> None:
        key = (user, item)
        kinds = self.by_kind[key]
        # Ratings replace each other (the latest opinion counts); other kinds accumulate.
        if kind == "rate":
            if time >= self.last_time.get(key, -1) or kind not in kinds:
                kinds[kind] = amount
        else:
            kinds[kind] = kinds.get(kind, 0.0) + amount
        self.last_time[key] = max(time, self.last_time.get(key, 0))


def _day(time: int) -> str:
    return f"day-{int(time) // 86400}"


def pair_weight(kinds: dict[str, float]) -> float:
    if "dismiss" in kinds and "purchase" not in kinds:
        # "Not interested" is an explicit no: it outweighs any amount of browsing the same product.
        return KIND_WEIGHTS["dismiss"]
    weight = 0.0
    for kind, amount in kinds.items():
        if kind == "rate":
            weight += amount
        else:
            weight += (
                KIND_WEIGHTS[kind] * (1.0 + math.log(amount)) if amount >= 1 else KIND_WEIGHTS[kind] * amount
            )
    return weight


def decay(age_seconds: float, half_life_days: float = HALF_LIFE_DAYS) -> float:
    return 0.5 ** (max(age_seconds, 0.0) / (half_life_days * 86400.0))


@dataclass(slots=True)
class Interactions:
    users: list[str]
    items: list[str]
    matrix: sparse.csr_matrix  # users x items, positive decayed weights only
    negatives: dict[str, set[str]]  # items a user rated badly or dismissed
    purchased: dict[str, set[str]]
    now: int

    @property
    def user_index(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.users)}

    @property
    def item_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.items)}


def collect(events: Iterable[Event], reviews: Iterable[Review]) -> Signals:
    signals = Signals()
    for e in events:
        signals.add_event(e)
    for r in reviews:
        signals.add_review(r)
    return signals


def build_interactions(signals: Signals, items: list[str], now: int | None = None) -> Interactions:
    """The user-item matrix over `items` (the catalog); unknown items are ignored."""
    item_index = {p: i for i, p in enumerate(items)}
    now = now if now is not None else max(signals.last_time.values(), default=0)
    users: dict[str, int] = {}
    rows, cols, vals = [], [], []
    negatives: dict[str, set[str]] = defaultdict(set)
    purchased: dict[str, set[str]] = defaultdict(set)
    latest = signals.latest_by_user()
    for (user, item), kinds in signals.by_kind.items():
        if item not in item_index:
            continue
        u = users.setdefault(user, len(users))
        # Recency within each user's own history (see Ranker._state_from).
        weight = pair_weight(kinds) * decay(latest[user] - signals.last_time[(user, item)])
        if "purchase" in kinds:
            purchased[user].add(item)
        if weight <= 0:
            negatives[user].add(item)
            continue
        rows.append(u)
        cols.append(item_index[item])
        vals.append(weight)
    matrix = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(users), len(items))
    )
    return Interactions(list(users), list(items), matrix, dict(negatives), dict(purchased), now)


def time_split(
    signals: Signals, share: float = 0.2, min_positive: int = 3, items: set[str] | None = None
) -> tuple[Signals, dict[str, set[str]]]:
    """Each user's latest positive interactions (by time) held out; the rest kept.

    Users with fewer than `min_positive` positive items keep everything. Returns (kept, held out).
    """
    by_user: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (user, item), kinds in signals.by_kind.items():
        if pair_weight(kinds) > 0 and (items is None or item in items):
            by_user[user].append((signals.last_time[(user, item)], item))
    held: dict[str, set[str]] = {}
    for user, pairs in by_user.items():
        if len(pairs) >= min_positive:
            pairs.sort()
            n = max(1, int(round(len(pairs) * share)))
            held[user] = {item for _, item in pairs[-n:]}
    kept = Signals()
    for key, kinds in signals.by_kind.items():
        if key[1] not in held.get(key[0], ()):
            kept.by_kind[key] = dict(kinds)
            kept.last_time[key] = signals.last_time[key]
    for key, items in signals.baskets.items():
        kept_items = items - held.get(key[0], set())
        if kept_items:
            kept.baskets[key] = kept_items
    return kept, held
