"""The collaborative ranker: behaviour, content and profile features blended by weights learned from
held-out behaviour with a pairwise objective.

Features of (user, product), each standardized so that one linear blend fits every user:
collaborative (ALS), content (product embeddings against the user's liked items), category, brand
and price-band affinity, popularity and freshness. For search, query relevance joins them.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse

from ranking.als import ImplicitALS
from ranking.feedback import Signals, build_interactions, decay, pair_weight, time_split
from retrieval.records import Product

log = logging.getLogger(__name__)

FEATURES = ("collaborative", "co_occurrence", "content", "category", "brand", "price", "popularity", "trending",
            "freshness")
DAY = 86400


@dataclass(frozen=True, slots=True)
class RankerParams:
    factors: int = 32
    regularization: float = 0.1
    alpha: float = 2.0
    iterations: int = 10
    holdout_share: float = 0.2      # of each user's latest interactions, used to learn the blend
    max_brand_share: float = 0.5    # diversity: at most this share of a page from one brand
    near_duplicate: float = 0.97    # diversity: skip items this similar (cosine) to one already shown
    seed: int = 0


@dataclass(slots=True)
class UserState:
    """What the ranker knows of one user right now (computed from the store at request time)."""

    user_id: str
    weights: dict[int, float] = field(default_factory=dict)   # item index -> positive weight
    negatives: set[int] = field(default_factory=set)
    purchased: set[int] = field(default_factory=set)
    vector: np.ndarray | None = None
    content: np.ndarray | None = None
    categories: dict[str, float] = field(default_factory=dict)
    brands: dict[str, float] = field(default_factory=dict)
    price_center: float | None = None

    @property
    def is_cold(self) -> bool:
        return not self.weights


def _standardize(x: np.ndarray) -> np.ndarray:
    std = x.std()
    return (x - x.mean()) / std if std > 1e-9 else np.zeros_like(x)


class Ranker:
    def __init__(self, params: RankerParams | None = None):
        self.params = params or RankerParams()

    # -- training -----------------------------------------------------------------------------------
    def fit(self, products: list[Product], embeddings: np.ndarray, signals: Signals) -> Ranker:
        """Learn the blend on a time split of `signals`, then refit the parts on all of them."""
        self.item_ids_ = [p.id for p in products]
        self.index_ = {pid: i for i, pid in enumerate(self.item_ids_)}
        self.categories_ = [p.category_path for p in products]
        self.leaf_ = [p.category[-1] if p.category else "" for p in products]
        self.brands_ = [p.brand for p in products]
        self.titles_ = [p.title for p in products]
        self.prices_ = np.array([p.price if p.price is not None else np.nan for p in products])
        self.embeddings_ = embeddings.astype(np.float32)
        early, late = time_split(signals, self.params.holdout_share, items=set(self.index_))
        self.weights_ = np.array([1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.2, 0.1])  # the prior, if too little data to learn
        if late:
            self._fit_parts(early)
            learned = self._learn_blend(early, late)
            if learned is not None:
                self.weights_ = learned
        self._fit_parts(signals)
        # The saved model keeps no per-user data: users are rebuilt from the store on each request, so
        # erasing a user from the store erases them from the ranker too.
        self.n_users_ = len(self.interactions_.users)
        del self.interactions_
        self.als_.user_factors_ = None
        return self

    def _fit_parts(self, signals: Signals) -> None:
        p = self.params
        self.interactions_ = build_interactions(signals, self.item_ids_)
        self.now_ = self.interactions_.now
        self.als_ = ImplicitALS(p.factors, p.regularization, p.alpha, p.iterations, p.seed)
        self.als_.fit(self.interactions_.matrix)
        self._impute_cold_items()
        # Item-item co-occurrence (cosine over who touched what), sparse: "people who chose X chose Y".
        touched = (self.interactions_.matrix > 0).astype(np.float32).tocsc()
        norms = np.sqrt(np.asarray(touched.sum(axis=0)).ravel()) + 1e-9
        co = (touched.T @ touched).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        scale = sparse.diags(1.0 / norms)
        self.co_occurrence_ = (scale @ co @ scale).tocsr().astype(np.float32)
        # Popularity: recent positive weight per item; freshness: how recently an item first drew interest.
        first_seen = np.full(len(self.item_ids_), np.nan)
        recent = np.zeros(len(self.item_ids_))
        overall = np.asarray((self.interactions_.matrix > 0).sum(axis=0)).ravel().astype(float)
        for (_, item), t in signals.last_time.items():
            i = self.index_.get(item)
            if i is None:
                continue
            first_seen[i] = t if np.isnan(first_seen[i]) else min(first_seen[i], t)
            recent[i] += decay(self.now_ - t, 30.0)
        seen = ~np.isnan(first_seen)
        # Popularity over all time and over the last weeks: stores differ in which one predicts.
        self.popularity_ = np.log1p(overall)
        self.trending_ = np.log1p(recent)
        self.freshness_ = np.exp(-(self.now_ - np.nan_to_num(first_seen)) / DAY / 30.0)
        if seen.any():
            # Nothing is known yet of a product nobody has touched: neutral, not least popular nor newest.
            self.popularity_[~seen] = self.popularity_[seen].mean()
            self.trending_[~seen] = self.trending_[seen].mean()
            self.freshness_[~seen] = self.freshness_[seen].mean()
        repeat = Counter()
        buyers = Counter()
        for (_, item), kinds in signals.by_kind.items():
            if "purchase" in kinds and item in self.index_:
                buyers[self.leaf_[self.index_[item]]] += 1
                repeat[self.leaf_[self.index_[item]]] += kinds["purchase"] >= 2
        self.repeat_categories_ = {c for c, n in buyers.items() if n >= 5 and repeat[c] / n >= 0.1}

    def _impute_cold_items(self, neighbours: int = 10) -> None:
        """Items nobody has touched get the factors of their nearest products by content, so a new
        product can be recommended on its first day."""
        warm = np.asarray(self.interactions_.matrix.getnnz(axis=0)).ravel() > 0
        cold = np.flatnonzero(~warm)
        if len(cold) == 0 or not warm.any():
            return
        warm_idx = np.flatnonzero(warm)
        sims = self.embeddings_[cold] @ self.embeddings_[warm_idx].T
        top = np.argsort(-sims, axis=1)[:, :neighbours]
        for row, i in enumerate(cold):
            w = np.maximum(sims[row, top[row]], 0.0)
            factors = self.als_.item_factors_[warm_idx[top[row]]]
            self.als_.item_factors_[i] = (w[:, None] * factors).sum(axis=0) / max(w.sum(), 1e-9)

    def _learn_blend(self, early: Signals, late: dict[str, set[str]]) -> np.ndarray | None:
        """Pairwise logistic regression: a held-out item should outscore a sampled one for its user."""
        rng = np.random.default_rng(self.params.seed)
        early_by_user: dict[str, list] = defaultdict(list)
        for (user, item), kinds in early.by_kind.items():
            early_by_user[user].append((item, kinds, early.last_time[(user, item)]))
        popular = np.argsort(-self.popularity_)[:200]
        diffs = []
        users = list(late)
        rng.shuffle(users)
        for user in users[:2000]:
            state = self._state_from(user, early_by_user.get(user, []))
            if state.is_cold:
                continue
            feats = self.features(state)
            for item in late[user]:
                pos = self.index_[item]
                for neg in np.concatenate([rng.integers(0, len(self.item_ids_), 3), rng.choice(popular, 2)]):
                    if neg != pos and neg not in state.weights and self.item_ids_[neg] not in late[user]:
                        diffs.append(feats[pos] - feats[neg])
        if len(diffs) < 50:
            log.info("too few held-out pairs (%d) to learn the blend; keeping the prior weights", len(diffs))
            return None
        x = np.array(diffs)
        w = np.zeros(x.shape[1])
        for _ in range(300):  # plain gradient descent on the logistic loss with a little L2
            z = np.clip(x @ w, -30, 30)
            grad = -(x * (1.0 / (1.0 + np.exp(z)))[:, None]).mean(axis=0) + 1e-3 * w
            w -= 0.5 * grad
        log.info("learned blend from %d pairs: %s", len(diffs), dict(zip(FEATURES, np.round(w, 3), strict=True)))
        return w

    # -- users --------------------------------------------------------------------------------------
    def user_state(self, user_id: str, signals: Signals) -> UserState:
        """Fold the user's current signals in: new events change the vector at once, no retrain."""
        rows = [(item, kinds, signals.last_time[(u, item)]) for (u, item), kinds in signals.by_kind.items()
                if u == user_id]
        return self._state_from(user_id, rows)

    def _state_from(self, user_id: str, rows: list) -> UserState:
        state = UserState(user_id)
        # Recency within the user's own history: a shopper away for a year still has their tastes.
        latest = max((t for _, _, t in rows), default=0)
        categories: Counter = Counter()
        brands: Counter = Counter()
        prices = []
        for item, kinds, t in rows:
            i = self.index_.get(item)
            if i is None:
                continue
            if "purchase" in kinds:
                state.purchased.add(i)
            w = pair_weight(kinds) * decay(latest - t)
            if w <= 0:
                state.negatives.add(i)
                continue
            state.weights[i] = w
            categories[self.categories_[i]] += w
            if self.brands_[i]:
                brands[self.brands_[i]] += w
            if not np.isnan(self.prices_[i]):
                prices.append((np.log(max(self.prices_[i], 0.01)), w))
        if state.weights:
            idx = np.fromiter(state.weights, dtype=int)
            vals = np.fromiter(state.weights.values(), dtype=float)
            state.vector = self.als_.fold_in(idx, vals)
            content = (self.embeddings_[idx] * vals[:, None]).sum(axis=0)
            state.content = content / max(np.linalg.norm(content), 1e-9)
            total = vals.sum()
            state.categories = {c: w / total for c, w in categories.items()}
            state.brands = {b: w / total for b, w in brands.items()}
            if prices:
                state.price_center = float(np.average([p for p, _ in prices], weights=[w for _, w in prices]))
        return state

    # -- scoring ------------------------------------------------------------------------------------
    def features(self, state: UserState, items: np.ndarray | None = None) -> np.ndarray:
        """Standardized feature matrix (len(items) x len(FEATURES)) for one user."""
        idx = np.arange(len(self.item_ids_)) if items is None else items
        n = len(idx)
        cf = self.als_.item_factors_[idx] @ state.vector if state.vector is not None else np.zeros(n)
        if state.weights:
            liked = np.fromiter(state.weights, dtype=int)
            co = np.asarray(self.co_occurrence_[liked].sum(axis=0)).ravel()[idx]
        else:
            co = np.zeros(n)
        content = self.embeddings_[idx] @ state.content if state.content is not None else np.zeros(n)
        category = np.array([state.categories.get(self.categories_[i], 0.0) for i in idx])
        brand = np.array([state.brands.get(self.brands_[i], 0.0) for i in idx])
        if state.price_center is not None:
            logp = np.log(np.maximum(np.nan_to_num(self.prices_[idx], nan=np.exp(state.price_center)), 0.01))
            price = np.exp(-np.abs(logp - state.price_center) / 0.4)
        else:
            price = np.zeros(n)
        cols = [cf, co, content, category, brand, price, self.popularity_[idx], self.trending_[idx], self.freshness_[idx]]
        return np.stack([_standardize(c) for c in cols], axis=1)

    def score(self, state: UserState, items: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        feats = self.features(state, items)
        return feats @ self.weights_, feats

    def allowed(self, state: UserState, i: int) -> bool:
        if i in state.negatives:
            return False
        return not (i in state.purchased and self.leaf_[i] not in self.repeat_categories_)

    def diversify(self, order: list[int], k: int) -> list[int]:
        """Greedy pick in score order, capping items per brand and skipping near-duplicates."""
        picked: list[int] = []
        per_brand: Counter = Counter()
        cap = max(2, int(k * self.params.max_brand_share))
        for i in order:
            if per_brand[self.brands_[i]] >= cap and self.brands_[i]:
                continue
            if picked and float(np.max(self.embeddings_[picked] @ self.embeddings_[i])) > self.params.near_duplicate:
                continue
            picked.append(i)
            per_brand[self.brands_[i]] += 1
            if len(picked) == k:
                return picked
        # Too few distinct items to fill the page: fill from the rest in score order.
        return picked + [i for i in order if i not in picked][: k - len(picked)]

    def recommend(self, state: UserState, k: int = 10, mask: np.ndarray | None = None,
                  diversify: bool = True) -> list[tuple[int, float, np.ndarray]]:
        scores, feats = self.score(state)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        order = [int(i) for i in np.argsort(-scores) if np.isfinite(scores[i]) and self.allowed(state, int(i))]
        chosen = self.diversify(order[: 20 * k], k) if diversify else order[:k]
        return [(i, float(scores[i]), feats[i]) for i in chosen]

    # -- explanations -------------------------------------------------------------------------------
    def reasons(self, state: UserState, i: int, feats: np.ndarray) -> tuple[str, ...]:
        contributions = feats * self.weights_
        reasons = []
        for f in np.argsort(-contributions):
            if contributions[f] <= 0 or len(reasons) == 2:
                break
            text = self._reason(FEATURES[f], state, i)
            if text and text not in reasons:
                reasons.append(text)
        return tuple(reasons) or (f"popular in {self.leaf_[i] or 'the store'}",)

    def _reason(self, feature: str, state: UserState, i: int) -> str | None:
        leaf = self.leaf_[i] or "the store"
        if feature in ("collaborative", "co_occurrence", "content") and state.weights:
            liked = np.fromiter(state.weights, dtype=int)
            space = self.embeddings_ if feature == "content" else self.als_.item_factors_
            sims = space[liked] @ space[i] / (np.linalg.norm(space[liked], axis=1) * np.linalg.norm(space[i]) + 1e-9)
            j = int(liked[np.argmax(sims)])
            if j == i:
                return None
            if feature != "content":
                verb = "bought" if j in state.purchased else "liked"
                return f"{verb} {self.titles_[j]}; people who {verb} it also chose this"
            return f"similar to {self.titles_[j]}, which you liked"
        if feature in ("brand", "price") and state.weights:
            brand_ok = state.brands.get(self.brands_[i], 0) >= 0.2
            price_ok = state.price_center is not None and not np.isnan(self.prices_[i]) and \
                abs(np.log(max(self.prices_[i], 0.01)) - state.price_center) < 0.4
            if brand_ok and price_ok:
                return "matches your usual brands and price band"
            if brand_ok:
                return f"from {self.brands_[i]}, a brand you like"
            if price_ok:
                return "in your usual price band"
            return None
        if feature == "category" and state.weights:
            return f"you often shop {leaf}"
        if feature == "popularity":
            return f"popular in {leaf}"
        if feature == "trending":
            return f"trending in {leaf}"
        if feature == "freshness":
            return f"new in {leaf}"
        return None

    def describe(self) -> dict:
        return {"params": asdict(self.params), "weights": dict(zip(FEATURES, map(float, self.weights_), strict=True)),
                "items": len(self.item_ids_), "users": self.n_users_,
                "repeat_categories": sorted(self.repeat_categories_)}
