"""Learning the linear blend of ranking features from held-out behaviour (pure numpy).

Pairwise logistic regression: for each held-out item, the blend should score it above a negative for
the same user. The negatives are hard ones, drawn from the user's candidates (the items the first stage
would put in front of them), so the blend learns to tell apart plausible items rather than a liked
item from a random one, which any single feature already does.

A learned blend must also earn its place: on small stores it can fit noise. `choose_blend` compares,
on users it was not learned from (two-fold), the strongest single part alone, that part plus the
blend at a few strengths, and the blend alone, and keeps whichever ranks the held-out items best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ranking.metrics import ndcg_at_k

BLEND_ONLY = float("inf")


@dataclass(frozen=True, slots=True)
class HeldoutUser:
    """One validation user's candidates (items they already know removed) and which were held out."""

    feats: np.ndarray  # candidates x features
    positive: np.ndarray  # bool per candidate
    n_held: int  # held-out items, found by the first stage or not (NDCG's ideal counts all)


def fit_pairwise(diffs: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weights w minimizing mean log(1 + exp(-diffs @ w)) + l2/2 |w|^2 (positive minus negative features)."""

    def loss(w):
        z = diffs @ w
        # log(1 + exp(-z)) and its slope, written to stay finite for large |z|.
        value = np.logaddexp(0.0, -z).mean() + 0.5 * l2 * w @ w
        slope = -0.5 * (1.0 - np.tanh(0.5 * z))
        return value, diffs.T @ slope / len(z) + l2 * w

    return optimize.minimize(loss, np.zeros(diffs.shape[1]), jac=True, method="L-BFGS-B").x


def hard_negative_pairs(users: list[HeldoutUser], negatives: int, rng: np.random.Generator) -> np.ndarray:
    """Positive minus negative features: each held-out candidate against `negatives` of the user's other
    candidates. Held-out items the first stage misses teach nothing: the second stage never sees them."""
    diffs = []
    for user in users:
        pos, neg = np.flatnonzero(user.positive), np.flatnonzero(~user.positive)
        if len(pos) == 0 or len(neg) == 0:
            continue
        for p in pos:
            picked = neg if len(neg) <= negatives else rng.choice(neg, negatives, replace=False)
            diffs.append(user.feats[p] - user.feats[picked])
    return np.concatenate(diffs) if diffs else np.zeros((0, users[0].feats.shape[1] if users else 0))


def heldout_ndcg(users: list[HeldoutUser], w: np.ndarray, k: int = 10) -> float:
    """Mean NDCG@k of ranking each user's candidates by feats @ w."""
    scores = []
    for user in users:
        top = np.argsort(-(user.feats @ w), kind="stable")[:k]
        found = set(np.flatnonzero(user.positive).tolist())
        scores.append(ndcg_at_k([int(i) for i in top], found, k) * _ideal_share(len(found), user.n_held, k))
    return float(np.mean(scores)) if scores else 0.0


def _ideal_share(found: int, held: int, k: int) -> float:
    """ndcg_at_k normalizes by the found items; the held-out items the first stage missed count too."""
    ideal = lambda n: sum(1.0 / np.log2(r + 2) for r in range(min(n, k)))  # noqa: E731
    return ideal(found) / ideal(held) if held else 0.0


def choose_blend(
    users: list[HeldoutUser],
    anchors: list[int],
    strengths: tuple[float, ...],
    negatives: int,
    seed: int = 0,
    min_pairs: int = 50,
    names: tuple[str, ...] | None = None,
) -> tuple[np.ndarray | None, dict]:
    """Weights for the final blend, or None if there is too little to learn from.

    Candidates: an anchor part alone (strength 0), the anchor plus `strength` times the learned blend, and
    the blend alone (anchor -1, strength inf); each scored two-fold (learned on one half of the users, measured on the other)."""
    rng = np.random.default_rng(seed)
    n_features = users[0].feats.shape[1] if users else 0
    everyone = hard_negative_pairs(users, negatives, rng)
    if len(everyone) < min_pairs:
        return None, {"pairs": len(everyone)}
    order = rng.permutation(len(users))
    halves = [[users[i] for i in order[: len(users) // 2]], [users[i] for i in order[len(users) // 2 :]]]
    learned = [
        fit_pairwise(hard_negative_pairs(h, negatives, rng)) if len(h) else np.zeros(n_features)
        for h in halves
    ]

    def weights(anchor: int, strength: float, blend: np.ndarray) -> np.ndarray:
        if strength == BLEND_ONLY:
            return blend
        return np.eye(n_features)[anchor] + strength * blend

    table = {}
    for anchor, strength in [(a, s) for a in anchors for s in strengths] + [(-1, BLEND_ONLY)]:
        # Learned on one half, measured on the other, both ways round.
        table[(anchor, strength)] = np.mean(
            [heldout_ndcg(halves[1 - h], weights(anchor, strength, learned[h])) for h in (0, 1)]
        )
    anchor, strength = max(table, key=lambda c: (round(table[c], 4), c[1]))
    blend = fit_pairwise(everyone)

    def named(a: int, s: float) -> str:
        return "blend alone" if s == BLEND_ONLY else f"{names[a] if names else a} + {s:g} x blend"

    return weights(anchor, strength, blend), {
        "pairs": len(everyone),
        "chosen": named(anchor, strength),
        "two_fold_ndcg": {named(a, s): round(v, 4) for (a, s), v in table.items()},
    }
