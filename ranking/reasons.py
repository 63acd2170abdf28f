"""Reasons a shopper can read, for the ranker's placements: what the user touched that is close enough
to name (in a category people combine with this one), their brands and price band, or the store's own
reasons (popular, trending, new)."""

from __future__ import annotations

import numpy as np

from ranking.records import Reason
from ranking.state import UserState

# The ranker's features whose reasons speak of the store, not of the user: the same for everyone.
STORE_REASONS = {"popularity": "popular", "trending": "trending", "freshness": "new"}


class Explanations:
    """The explaining half of `ranking.ranker.Ranker`: it reads the fitted ranker's arrays (feature
    weights, titles, categories, brands, prices, vectors, the category combinations and similarity
    floors), so it is a mixin of the ranker rather than an object of its own."""

    feature_names: tuple[str, ...]

    def reasons(self, state: UserState, i: int, feats: np.ndarray) -> tuple[Reason, ...]:
        contributions = feats * self.weights_
        reasons: list[Reason] = []
        for f in np.argsort(-contributions):
            if contributions[f] <= 0 or len(reasons) == 2:
                break
            reason = self._reason(self.feature_names[f], state, i)
            if reason and reason not in reasons:
                reasons.append(reason)
        return tuple(reasons) or (Reason("popular", kind=self.leaf_[i] or "the store"),)

    def _reason(self, feature: str, state: UserState, i: int) -> Reason | None:
        leaf = self.leaf_[i] or "the store"
        if feature in ("collaborative", "co_occurrence", "recent", "content") and state.weights:
            return self._related_reason(feature, state, i)
        if feature in ("brand", "category_brand", "price") and state.weights:
            return self._taste_reason(state, i)
        if feature == "category" and state.weights:
            return Reason("often", kind=leaf)
        return Reason(STORE_REASONS[feature], kind=leaf) if feature in STORE_REASONS else None

    def _related_reason(self, feature: str, state: UserState, i: int) -> Reason | None:
        """A reason naming something the user touched, when one is close enough to name."""
        pool = np.fromiter(state.recent if feature == "recent" else state.weights, dtype=int)
        j = self._anchor(i, pool, "content" if feature == "content" else "behaviour")
        if j is None:
            return None  # nothing the user touched is close enough to name: the next reason speaks
        title, verb = self.titles_[j], state.touch.get(j, "viewed")
        if feature == "recent":
            relation = "alternative" if self.categories_[j] == self.categories_[i] else "goes_with"
            return Reason(relation, title=title)
        return Reason("also_chose" if feature != "content" else "similar", title=title, did=verb)

    def _taste_reason(self, state: UserState, i: int) -> Reason | None:
        """The user's brands and price band, where this item fits them."""
        brand_ok = state.brands.get(self.brands_[i], 0) >= 0.2
        price_ok = (
            state.price_center is not None
            and not np.isnan(self.prices_[i])
            and abs(np.log(max(self.prices_[i], 0.01)) - state.price_center) < 0.4
        )
        if brand_ok and price_ok:
            return Reason("brands_and_price")
        if brand_ok:
            return Reason("brand", brand=self.brands_[i])
        return Reason("price_band") if price_ok else None

    def _anchor(self, i: int, pool: np.ndarray, space: str) -> int | None:
        """The user's item a reason about item i may name: the closest one in a category people combine
        with i's, if it reaches the space's similarity floor; else None."""
        pool = np.array(
            [
                j
                for j in pool.tolist()
                if j != i and self.combinations_.combined(self.categories_[j], self.categories_[i])
            ],
            dtype=int,
        )
        if len(pool) == 0:
            return None
        vectors = self.embeddings_ if space == "content" else self.als_.item_factors_
        sims = (
            vectors[pool]
            @ vectors[i]
            / (np.linalg.norm(vectors[pool], axis=1) * np.linalg.norm(vectors[i]) + 1e-9)
        )
        best = int(np.argmax(sims))
        return int(pool[best]) if sims[best] >= self.floors_[space].floor else None
