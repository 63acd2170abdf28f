"""Reasons a shopper can read, for the ranker's placements: what the user touched that is close enough
to name (in a category people combine with this one), their brands and price band, or the store's own
reasons (popular, trending, new)."""

from __future__ import annotations

import numpy as np

from ranking.state import UserState

# Reasons that speak of the store, not of the user: the same for everyone.
_STORE_REASONS = {
    "popularity": "popular in {leaf}",
    "trending": "trending in {leaf}",
    "freshness": "new in {leaf}",
}


class Explanations:
    """The explaining half of `ranking.ranker.Ranker`: it reads the fitted ranker's arrays (feature
    weights, titles, categories, brands, prices, vectors, the category combinations and similarity
    floors), so it is a mixin of the ranker rather than an object of its own."""

    feature_names: tuple[str, ...]

    def reasons(self, state: UserState, i: int, feats: np.ndarray) -> tuple[str, ...]:
        contributions = feats * self.weights_
        reasons = []
        for f in np.argsort(-contributions):
            if contributions[f] <= 0 or len(reasons) == 2:
                break
            text = self._reason(self.feature_names[f], state, i)
            if text and text not in reasons:
                reasons.append(text)
        return tuple(reasons) or (f"popular in {self.leaf_[i] or 'the store'}",)

    def _reason(self, feature: str, state: UserState, i: int) -> str | None:
        leaf = self.leaf_[i] or "the store"
        if feature in ("collaborative", "co_occurrence", "recent", "content") and state.weights:
            return self._related_reason(feature, state, i)
        if feature in ("brand", "category_brand", "price") and state.weights:
            return self._taste_reason(state, i)
        if feature == "category" and state.weights:
            return f"you often shop {leaf}"
        return _STORE_REASONS[feature].format(leaf=leaf) if feature in _STORE_REASONS else None

    def _related_reason(self, feature: str, state: UserState, i: int) -> str | None:
        """A reason naming something the user touched, when one is close enough to name."""
        pool = np.fromiter(state.recent if feature == "recent" else state.weights, dtype=int)
        j = self._anchor(i, pool, "content" if feature == "content" else "behaviour")
        if j is None:
            return None  # nothing the user touched is close enough to name: the next reason speaks
        title, verb = self.titles_[j], state.touch.get(j, "viewed")
        if feature == "recent":
            relation = "an alternative to" if self.categories_[j] == self.categories_[i] else "goes with"
            return f"{relation} {title}, which you looked at lately"
        if feature != "content":
            return f"{verb} {title}; people who {verb} it also chose this"
        return f"similar to {title}, which you {verb}"

    def _taste_reason(self, state: UserState, i: int) -> str | None:
        """The user's brands and price band, where this item fits them."""
        brand_ok = state.brands.get(self.brands_[i], 0) >= 0.2
        price_ok = (
            state.price_center is not None
            and not np.isnan(self.prices_[i])
            and abs(np.log(max(self.prices_[i], 0.01)) - state.price_center) < 0.4
        )
        if brand_ok and price_ok:
            return "matches your usual brands and price band"
        if brand_ok:
            return f"from {self.brands_[i]}, a brand you like"
        return "in your usual price band" if price_ok else None

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
