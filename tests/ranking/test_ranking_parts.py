"""The ranker's parts on synthetic data whose right answers are known: neighbours, the hard-negative
blend, the brand cap, and tuning on the validation split."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from ranking.blend import HeldoutUser, choose_blend, fit_pairwise, hard_negative_pairs
from ranking.diversity import brand_caps, diversify
from ranking.feedback import Signals
from ranking.metrics import paired_bootstrap
from ranking.neighbours import item_neighbours
from ranking.ranker import FEATURES, Ranker, RankerParams
from ranking.records import Event
from retrieval.records import Product


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 5.0]), st.integers(1, 6))
def test_item_neighbours_match_a_brute_force_shrunk_cosine(seed, shrink, keep):
    rng = np.random.default_rng(seed)
    matrix = sparse.csr_matrix(rng.random((12, 9)) < 0.3) * 3.0
    sims = item_neighbours(matrix, shrink, keep, block=4).toarray()
    x = (matrix.toarray() > 0).astype(float)
    norms = np.sqrt(x.sum(axis=0))
    full = (x.T @ x) / (np.outer(norms, norms) + shrink + 1e-9)
    np.fill_diagonal(full, 0.0)
    assert np.all(np.diag(sims) == 0) and np.all((sims > 0).sum(axis=1) <= keep)
    for i in range(9):
        kept = np.flatnonzero(sims[i])
        assert np.allclose(sims[i, kept], full[i, kept], atol=1e-5)  # kept values are the true ones
        if len(kept):  # and they are the strongest ones
            assert sims[i, kept].min() >= np.sort(full[i])[::-1][min(keep, 9) - 1] - 1e-5


def _group_store(n_users=120, n_items=60, groups=4, seed=0):
    """Users and items in hidden groups; every product looks the same (one category, brand and price, random
    text), so only behaviour can tell a user's next item apart."""
    rng = np.random.default_rng(seed)
    products = [Product(f"i{i}", f"Item {i}", "", ("Shop", "Things"), "Same", 10.0) for i in range(n_items)]
    embeddings = rng.normal(size=(n_items, 8)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    signals = Signals()
    popular = rng.permutation(n_items)[:10]  # popular with everyone, so popularity alone is a trap
    for u in range(n_users):
        mine = [i for i in range(n_items) if i % groups == u % groups]
        for t in range(10):
            item = int(rng.choice(mine)) if rng.random() < 0.8 else int(rng.choice(popular))
            signals.add_event(Event(f"u{u}", f"i{item}", "click", 1_000_000 + 86_400 * t + u))
    return products, embeddings, signals


def test_the_hard_negative_blend_learns_to_trust_behaviour_on_a_store_with_hidden_groups():
    products, embeddings, signals = _group_store()
    ranker = Ranker(
        RankerParams(als_grid=((8, 0.1, 2.0),), shrink_grid=(10.0,), recent_days_grid=(10.0,), candidates=5)
    ).fit(products, embeddings, signals)
    w = dict(zip(FEATURES, ranker.weights_, strict=True))
    assert w["collaborative"] + w["co_occurrence"] + w["recent"] > 0
    assert w["collaborative"] + w["co_occurrence"] + w["recent"] > abs(w["content"]) + abs(w["popularity"])
    # A user of group 1 gets group 1 items first.
    state = ranker.user_state("u1", signals)
    top = [i for i, _, _ in ranker.recommend(state, 5, diversify=False)]
    assert sum(int(ranker.item_ids_[i][1:]) % 4 == 1 for i in top) >= 4


def test_hard_negatives_come_from_the_candidates_and_held_out_items_outside_them_teach_nothing():
    feats = np.array([[2.0, 0.0], [1.0, 5.0], [0.0, 5.0]])
    found = HeldoutUser(feats, np.array([True, False, False]), n_held=1)
    missed = HeldoutUser(feats, np.array([False, False, False]), n_held=1)
    diffs = hard_negative_pairs([found, missed], negatives=5, rng=np.random.default_rng(0))
    assert diffs.tolist() == [[1.0, -5.0], [2.0, -5.0]]
    assert fit_pairwise(diffs)[0] > 0 > fit_pairwise(diffs)[1]


def test_a_blend_that_does_not_beat_the_best_part_on_unseen_users_is_not_used_alone():
    rng = np.random.default_rng(0)
    users = []
    for _ in range(200):  # feature 0 ranks perfectly; feature 1 is noise
        feats = rng.normal(size=(30, 2))
        positive = np.zeros(30, dtype=bool)
        positive[np.argmax(feats[:, 0])] = True
        users.append(HeldoutUser(feats, positive, 1))
    w, table = choose_blend(users, anchors=[0], strengths=(0.0, 1.0), negatives=5, names=("signal", "noise"))
    assert table["two_fold_ndcg"]["signal + 0 x blend"] == pytest.approx(1.0)
    assert w[0] > 0 and abs(w[1]) < 0.5 * w[0]


def _page(order, brands, user_brands=None, share=0.5):
    return diversify(order, 10, brands, np.eye(len(brands)), user_brands or {}, share)


def test_the_brand_cap_keeps_a_mixed_page_varied():
    brands = ["A"] * 20 + ["B"] * 20 + ["C"] * 20
    order = list(range(6)) + list(range(20, 26)) + list(range(40, 60))  # six A, six B, then C
    page = _page(order, brands)
    assert max(sum(brands[i] == b for i in page) for b in "ABC") == 5


def test_the_brand_cap_gives_way_to_a_brand_that_fills_the_users_history_or_the_candidates():
    brands = ["Amazon"] * 30 + ["Cafe"] * 30
    mixed = list(range(6)) + list(range(30, 60))
    assert sum(brands[i] == "Amazon" for i in _page(mixed, brands, {"Amazon": 0.8})) == 6
    mostly_one = list(range(25)) + list(range(30, 35))  # the candidates are mostly Amazon
    assert brand_caps(mostly_one, 10, brands, {}, 0.5) == (5, {"Amazon": 9})
    assert sum(brands[i] == "Amazon" for i in _page(mostly_one, brands)) == 9
    assert sum(brands[i] == "Amazon" for i in _page(mixed, brands, share=1.0)) == 6  # 1 lifts the cap


def test_near_duplicates_never_share_a_page():
    brands = [""] * 12
    embeddings = np.eye(12)
    embeddings[1] = embeddings[0]  # item 1 is item 0 again
    page = diversify(list(range(12)), 10, brands, embeddings, {}, 1.0)
    assert 0 in page and 1 not in page and len(page) == 10


def test_tuned_settings_come_from_the_grids_and_are_recorded_in_the_manifest():
    products, embeddings, signals = _group_store()
    params = RankerParams(
        als_grid=((4, 0.1, 2.0), (8, 1.0, 2.0)),
        shrink_grid=(0.0, 10.0),
        recent_days_grid=(3.0, 30.0),
        brand_share_grid=(0.5, 1.0),
    )
    described = Ranker(params).fit(products, embeddings, signals).describe()
    chosen = described["params"]
    assert (chosen["factors"], chosen["regularization"], chosen["alpha"]) in params.als_grid
    assert chosen["shrink"] in params.shrink_grid and chosen["recent_days"] in params.recent_days_grid
    assert chosen["max_brand_share"] in params.brand_share_grid
    assert set(described["validation"]) >= {"als", "item_knn", "recent", "blend", "max_brand_share"}
    assert len(described["validation"]["als"]) == 2


def test_paired_bootstrap_separates_a_real_gap_from_noise():
    rng = np.random.default_rng(0)
    base = rng.random(400)
    assert paired_bootstrap(base + 0.1, base) == pytest.approx((0.1, 0.1, 0.1))
    mean, low, high = paired_bootstrap(base + rng.normal(0, 0.3, 400), base)
    assert low < 0 < high and low < mean < high


def test_when_filters_rule_out_every_candidate_the_page_is_filled_from_the_rest():
    products, embeddings, signals = _group_store()
    ranker = Ranker(RankerParams(tune=False, candidates=5)).fit(products, embeddings, signals)
    state = ranker.user_state("u1", signals)
    outside = np.ones(len(products), dtype=bool)
    outside[ranker.candidates(ranker.features(state))] = False
    page = [i for i, _, _ in ranker.recommend(state, 5, mask=outside)]
    assert len(page) == 5 and all(outside[i] for i in page)
