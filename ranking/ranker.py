"""The collaborative ranker, in two stages: candidates from several sources, then a learned linear blend.

Features of (user, product), each standardized so that one linear blend fits every user: collaborative
(ALS, fitted by the `implicit` library), co-occurrence (item-kNN over the user's weighted items), recent
(the same neighbours of what the user touched lately), content (product embeddings against the user's
liked items), category, brand and category-and-brand affinity (log shares), price band, popularity,
trending and freshness. For search, query relevance joins them.

Training (`Ranker.fit`) holds out each user's latest interactions as a validation split, chooses the
ALS settings, the kNN shrinkage and the recency half-life there as the baselines are tuned, learns the
blend against hard negatives from the first stage (ranking.blend), chooses the brand cap's strength
on the page it ships, then refits the parts on everything.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace

import numpy as np

from ranking.als import ImplicitALS
from ranking.blend import HeldoutUser, choose_blend
from ranking.diversity import diversify as diversify_page
from ranking.feedback import Signals, build_interactions, decay, pair_weight, time_split
from ranking.metrics import ndcg_at_k
from ranking.neighbours import item_neighbours
from ranking.reasons import Explanations
from ranking.relatedness import CategoryCombinations, similarity_floor
from ranking.state import UserState
from ranking.tuning import recency_matrices, tune_als, tune_recency, tune_shrink
from retrieval.records import Product

log = logging.getLogger(__name__)

FEATURES = (
    "collaborative",
    "co_occurrence",
    "recent",
    "content",
    "category",
    "brand",
    "category_brand",
    "price",
    "popularity",
    "trending",
    "freshness",
)
# Where the first stage draws a user's candidates from: the strongest items by each of these.
CANDIDATE_SOURCES = ("collaborative", "co_occurrence", "recent", "content", "category_brand", "popularity")
# The blend is measured against these parts alone, and mixed with them at these strengths (ranking.blend).
ANCHORS = ("collaborative", "co_occurrence", "recent")
BLEND_STRENGTHS = (0.0, 0.5, 1.0, 2.0)
PRIOR_WEIGHTS = np.array(
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0, 0.5, 0.5, 0.2, 0.1]
)  # if too little data to learn
DAY = 86400


@dataclass(frozen=True, slots=True)
class RankerParams:
    factors: int = 32
    regularization: float = 0.1
    alpha: float = 2.0
    iterations: int = 10
    shrink: float = 10.0  # item-kNN: similarity = overlap / (norms + shrink)
    neighbours: int = 200  # item-kNN: strongest neighbours kept per item
    tune: bool = True  # choose the settings below on the validation split (else use the above)
    als_grid: tuple[tuple[int, float, float], ...] = (
        (16, 0.1, 2.0),
        (32, 0.1, 2.0),
        (32, 0.01, 10.0),
        (64, 0.1, 2.0),
        (32, 1.0, 2.0),
    )
    shrink_grid: tuple[float, ...] = (0.0, 10.0, 50.0)
    recent_days: float = 10.0  # half-life of "what you looked at lately" (the recent kNN feature)
    recent_days_grid: tuple[float, ...] = (3.0, 10.0, 30.0)
    brand_share_grid: tuple[float, ...] = (0.5, 0.7, 1.0)
    holdout_share: float = 0.2  # of each user's latest interactions: the validation split
    candidates: int = 100  # first stage: top items per candidate source
    negatives: int = 10  # hard negatives per held-out item when learning the blend
    max_brand_share: float = 0.5  # diversity: base share of a page one brand may take (1 lifts the cap)
    near_duplicate: float = 0.97  # diversity: skip items this similar (cosine) to one already shown
    seed: int = 0


def _standardize(x: np.ndarray) -> np.ndarray:
    std = x.std()
    return (x - x.mean()) / std if std > 1e-9 else np.zeros_like(x)


def _codes(keys: list) -> tuple[dict, np.ndarray]:
    """Each distinct key's code, and every item's code: shares then look up as one array index."""
    vocab: dict = {}
    return vocab, np.array([vocab.setdefault(key, len(vocab)) for key in keys], dtype=int)


def _log_share(shares: dict, vocab: dict, codes: np.ndarray) -> np.ndarray:
    """log(share + 1%) per item: tastes multiply (a category, then a brand within it), so their logs add."""
    by_code = np.zeros(len(vocab) + 1)
    for key, share in shares.items():
        by_code[vocab.get(key, len(vocab))] = share
    return np.log(by_code[codes] + 0.01)


class Ranker(Explanations):
    feature_names = FEATURES  # what Explanations names each feature column by

    def __init__(self, params: RankerParams | None = None):
        self.params = params or RankerParams()

    # -- training -----------------------------------------------------------------------------------
    def fit(self, products: list[Product], embeddings: np.ndarray, signals: Signals) -> Ranker:
        """Tune the parts and learn the blend on a time split of `signals`, then refit the parts on all."""
        self.item_ids_ = [p.id for p in products]
        self.index_ = {pid: i for i, pid in enumerate(self.item_ids_)}
        self.categories_ = [p.category_path for p in products]
        self.leaf_ = [p.category[-1] if p.category else "" for p in products]
        self.brands_ = [p.brand for p in products]
        self.category_brands_ = list(zip(self.categories_, self.brands_, strict=True))
        self.codes_ = {
            name: _codes(keys)
            for name, keys in (
                ("category", self.categories_),
                ("brand", self.brands_),
                ("category_brand", self.category_brands_),
            )
        }
        self.titles_ = [p.title for p in products]
        self.prices_ = np.array([p.price if p.price is not None else np.nan for p in products])
        self.embeddings_ = embeddings.astype(np.float32)
        self.chosen_ = self.params
        self.validation_ = {}
        self.weights_ = PRIOR_WEIGHTS.copy()
        early, late = time_split(signals, self.params.holdout_share, items=set(self.index_))
        if late:
            if self.params.tune:
                self._tune_parts(early, late)
            self._fit_parts(early)
            learned = self._learn_blend(early, late)
            if learned is not None:
                self.weights_ = learned
                if self.params.tune:
                    self._tune_diversity(early, late)
        self._fit_parts(signals)
        self._fit_relatedness(signals)
        # The saved model keeps no per-user data: users are rebuilt from the store on each request, so
        # erasing a user from the store erases them from the ranker too.
        self.n_users_ = len(self.interactions_.users)
        del self.interactions_
        self.als_.user_factors_ = None
        return self

    def _heldout(
        self, inter, late: dict[str, set[str]], limit: int = 2000
    ) -> tuple[np.ndarray, list[set[int]]]:
        """Matrix rows of (up to `limit`) held-out users, and their held-out item indices."""
        rows = inter.user_index
        users = [u for u in late if u in rows]
        if len(users) > limit:
            users = list(np.random.default_rng(self.params.seed).choice(users, limit, replace=False))
        return np.array([rows[u] for u in users], dtype=int), [
            {self.index_[i] for i in late[u]} for u in users
        ]

    def _tune_parts(self, early: Signals, late: dict[str, set[str]]) -> None:
        """ALS settings, kNN shrinkage and the recent half-life by held-out NDCG of each part alone, as the
        baselines are tuned."""
        p = self.params
        inter = build_interactions(early, self.item_ids_)
        users, truth = self._heldout(inter, late)
        if len(users) == 0:
            return
        (factors, reg, alpha), als_table = tune_als(
            inter.matrix, users, truth, p.als_grid, p.iterations, p.seed
        )
        shrink, knn_table = tune_shrink(inter.matrix, users, truth, p.shrink_grid, p.neighbours)
        recency = recency_matrices(early, inter, p.recent_days_grid)
        days, recent_table = tune_recency(recency, inter.matrix, users, truth, shrink, p.neighbours)
        self.chosen_ = replace(
            self.chosen_, factors=factors, regularization=reg, alpha=alpha, shrink=shrink, recent_days=days
        )
        self.validation_.update(
            {"users": len(users), "als": als_table, "item_knn": knn_table, "recent": recent_table}
        )
        log.info(
            "tuned on %d validation users: ALS %s, kNN shrink %s", len(users), (factors, reg, alpha), shrink
        )

    def _fit_parts(self, signals: Signals) -> None:
        p = self.chosen_
        self.interactions_ = build_interactions(signals, self.item_ids_)
        self.now_ = self.interactions_.now
        self.als_ = ImplicitALS(p.factors, p.regularization, p.alpha, p.iterations, p.seed)
        self.als_.fit(self.interactions_.matrix)
        self._impute_cold_items()
        self.neighbours_ = item_neighbours(self.interactions_.matrix, p.shrink, p.neighbours)
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

    def _fit_relatedness(self, signals: Signals) -> None:
        """What a reason may name (ranking.relatedness): the categories people combine, and how close is
        close enough in each space the reasons compare products in."""
        cats = self.categories_
        self.combinations_ = CategoryCombinations().fit(
            [cats[self.index_[p]] for p in items if p in self.index_] for items in signals.baskets.values()
        )
        self.floors_ = {
            space: similarity_floor(vectors, cats, self.combinations_.combined, seed=self.params.seed)
            for space, vectors in (("content", self.embeddings_), ("behaviour", self.als_.item_factors_))
        }

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
        w = np.maximum(np.take_along_axis(sims, top, axis=1), 0.0)
        factors = self.als_.item_factors_[warm_idx[top]]  # cold x neighbours x factors
        imputed = (w[:, :, None] * factors).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-9)[:, None]
        self.als_.set_item_factors(cold, imputed)

    def _heldout_states(self, early: Signals, late: dict[str, set[str]], limit: int = 1000):
        """(state, held-out item indices) for up to `limit` held-out users with a history."""
        rows: dict[str, list] = defaultdict(list)
        for (user, item), kinds in early.by_kind.items():
            rows[user].append((item, kinds, early.last_time[(user, item)]))
        users = [u for u in late if rows.get(u)]
        rng = np.random.default_rng(self.params.seed)
        if len(users) > limit:
            users = list(rng.choice(users, limit, replace=False))
        for user in users:
            state = self._state_from(user, rows[user])
            if not state.is_cold:
                yield state, {self.index_[i] for i in late[user]}

    def _learn_blend(self, early: Signals, late: dict[str, set[str]]) -> np.ndarray | None:
        """The blend from held-out items against hard negatives (see ranking.blend.choose_blend)."""
        users = []
        for state, held in self._heldout_states(early, late):
            feats = self.features(state)
            known = set(state.weights) | state.negatives
            candidates = np.array([c for c in self.candidates(feats).tolist() if c not in known], dtype=int)
            users.append(HeldoutUser(feats[candidates], np.isin(candidates, list(held)), len(held)))
        anchors = [FEATURES.index(f) for f in ANCHORS]
        w, table = choose_blend(
            users, anchors, BLEND_STRENGTHS, self.params.negatives, self.params.seed, names=FEATURES
        )
        self.validation_["blend"] = table
        if w is None:
            log.info(
                "too few held-out pairs (%d) to learn the blend; keeping the prior weights", table["pairs"]
            )
            return None
        log.info(
            "learned blend from %d pairs: %s",
            table["pairs"],
            dict(zip(FEATURES, np.round(w, 3), strict=True)),
        )
        return w

    def _tune_diversity(self, early: Signals, late: dict[str, set[str]], k: int = 10) -> None:
        """The brand cap's strength by held-out NDCG of the page we ship (ties go to more diversity)."""
        pages = {share: [] for share in self.params.brand_share_grid}
        for state, held in self._heldout_states(early, late):
            seen = np.ones(len(self.item_ids_), dtype=bool)
            seen[list(state.weights) + list(state.negatives)] = False
            order = self.ranked(state, 20 * k, seen)[0]
            for share in pages:
                pages[share].append(ndcg_at_k(self._diversify(order, k, state, share), held, k))
        table = {share: float(np.mean(v)) for share, v in pages.items() if v}
        if table:
            best = max(table, key=lambda s: (round(table[s], 4), -s))
            self.chosen_ = replace(self.chosen_, max_brand_share=best)
            self.validation_["max_brand_share"] = {f"{s}": round(v, 4) for s, v in table.items()}

    # -- users --------------------------------------------------------------------------------------
    def user_state(self, user_id: str, signals: Signals) -> UserState:
        """Fold the user's current signals in: new events change the vector at once, no retrain."""
        rows = [
            (item, kinds, signals.last_time[(u, item)])
            for (u, item), kinds in signals.by_kind.items()
            if u == user_id
        ]
        return self._state_from(user_id, rows)

    def _state_from(self, user_id: str, rows: list) -> UserState:
        state = UserState(user_id)
        # Recency within the user's own history: a shopper away for a year still has their tastes.
        latest = max((t for _, _, t in rows), default=0)
        categories: Counter = Counter()
        brands: Counter = Counter()
        category_brands: Counter = Counter()
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
            state.touch[i] = (
                "bought"
                if "purchase" in kinds
                else "liked"
                if "cart" in kinds or kinds.get("rate", 0) > 0
                else "viewed"
            )
            state.recent[i] = decay(latest - t, self.chosen_.recent_days)
            categories[self.categories_[i]] += w
            if self.brands_[i]:
                brands[self.brands_[i]] += w
                category_brands[self.category_brands_[i]] += w
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
            state.category_brands = {cb: w / total for cb, w in category_brands.items()}
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
            vals = np.fromiter(state.weights.values(), dtype=np.float32)
            co = (vals @ self.neighbours_[liked]).ravel()[idx]  # item-kNN, weighted by the user's own weights
            # The same neighbours of what the user touched lately, each counted once: the current errand.
            recency = np.fromiter(state.recent.values(), dtype=np.float32)
            recent = (recency @ self.neighbours_[np.fromiter(state.recent, dtype=int)]).ravel()[idx]
        else:
            co = recent = np.zeros(n)
        content = self.embeddings_[idx] @ state.content if state.content is not None else np.zeros(n)
        if state.weights:
            category, brand, category_brand = (
                _log_share(shares, self.codes_[name][0], self.codes_[name][1][idx])
                for name, shares in (
                    ("category", state.categories),
                    ("brand", state.brands),
                    ("category_brand", state.category_brands),
                )
            )
        else:
            category = brand = category_brand = np.zeros(n)
        if state.price_center is not None:
            logp = np.log(np.maximum(np.nan_to_num(self.prices_[idx], nan=np.exp(state.price_center)), 0.01))
            price = np.exp(-np.abs(logp - state.price_center) / 0.4)
        else:
            price = np.zeros(n)
        cols = [
            cf,
            co,
            recent,
            content,
            category,
            brand,
            category_brand,
            price,
            self.popularity_[idx],
            self.trending_[idx],
            self.freshness_[idx],
        ]
        return np.stack([_standardize(c) for c in cols], axis=1)

    def score(self, state: UserState, items: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        feats = self.features(state, items)
        return feats @ self.weights_, feats

    def candidates(self, feats: np.ndarray) -> np.ndarray:
        """First stage: the union of the strongest items by each candidate source (all items if few)."""
        n = self.chosen_.candidates
        if len(feats) <= n * len(CANDIDATE_SOURCES):
            return np.arange(len(feats))
        tie_break = 1e-3 * feats[:, FEATURES.index("popularity")]
        picked = [
            np.argpartition(-(feats[:, FEATURES.index(f)] + tie_break), n)[:n] for f in CANDIDATE_SOURCES
        ]
        return np.unique(np.concatenate(picked))

    def allowed(self, state: UserState, i: int) -> bool:
        if i in state.negatives:
            return False
        return not (i in state.purchased and self.leaf_[i] not in self.repeat_categories_)

    def ranked(
        self, state: UserState, limit: int, mask: np.ndarray | None = None
    ) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Up to `limit` allowed items best first: the candidates ranked by the blend, then the rest (if
        filters leave too few candidates); with every item's score and features."""
        scores, feats = self.score(state)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        first = np.zeros(len(scores), dtype=bool)
        first[self.candidates(feats) if not state.is_cold else slice(None)] = True
        passing = np.flatnonzero(np.isfinite(scores))
        order = []
        for i in passing[np.lexsort((-scores[passing], ~first[passing]))]:
            if len(order) == limit:
                break
            if self.allowed(state, int(i)):
                order.append(int(i))
        return order, scores, feats

    def recommend(
        self, state: UserState, k: int = 10, mask: np.ndarray | None = None, diversify: bool = True
    ) -> list[tuple[int, float, np.ndarray]]:
        """The page for one user, diversified: (item index, score, features) best first."""
        order, scores, feats = self.ranked(state, 20 * k, mask)
        chosen = self._diversify(order, k, state) if diversify else order[:k]
        return [(i, float(scores[i]), feats[i]) for i in chosen]

    def _diversify(self, order: list[int], k: int, state: UserState, max_brand_share: float | None = None):
        p = self.chosen_
        share = p.max_brand_share if max_brand_share is None else max_brand_share
        return diversify_page(order, k, self.brands_, self.embeddings_, state.brands, share, p.near_duplicate)

    def describe(self) -> dict:
        return {
            "params": asdict(self.chosen_),
            "weights": dict(zip(FEATURES, map(float, self.weights_), strict=True)),
            "validation": self.validation_,
            "items": len(self.item_ids_),
            "users": self.n_users_,
            "repeat_categories": sorted(self.repeat_categories_),
            "reason_gate": {
                "combinations": self.combinations_.describe(),
                "similarity_floors": {s: f.to_dict() for s, f in self.floors_.items()},
            },
        }
