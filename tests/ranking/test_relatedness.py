"""Reasons that name another product ("similar to X", "goes with X") only when X is close enough and
the two categories are ones people combine, both learned from the store's data."""

import re

import numpy as np
import pytest

from ranking.feedback import Signals, time_split
from ranking.ranker import Ranker, RankerParams
from ranking.records import Event
from ranking.relatedness import CategoryCombinations, similarity_floor
from retrieval.records import Product

CATS = {
    "S": ("Sports", "Running Shoes"),
    "U": ("Beauty", "Sunscreen"),
    "H": ("Electronics", "Headphones"),
    "C": ("Electronics", "Phone Cases"),
}
DAY = 86_400


def test_combined_categories_need_lift_over_chance_and_enough_baskets():
    baskets = (
        [["A", "B"]] * 12 + [["A"]] * 10 + [["B"]] * 10 + [["C"]] * 10 + [["C", "D"]] * 2 + [["A", "C"]] * 2
    )
    combos = CategoryCombinations(min_support=5).fit(baskets)
    assert combos.lift("A", "B") > 1 and combos.combined("A", "B") and combos.combined("B", "A")
    assert combos.lift("C", "D") > 1 and not combos.combined("C", "D")  # two baskets are not evidence
    assert combos.lift("A", "C") < 1 and not combos.combined("A", "C")  # seen together, less than by chance
    assert combos.combined("C", "C") and combos.combined("never seen", "never seen")
    assert combos.describe()["combined_pairs"] == 1


def test_an_unfitted_combination_table_says_to_call_fit():
    with pytest.raises(ValueError, match=r"call fit\(baskets\) first"):
        CategoryCombinations().combined("A", "B")


def test_the_floor_sits_above_unrelated_pairs_and_below_most_same_category_pairs():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16))
    categories = [c for c in "ABCD" for _ in range(50)]
    vectors = np.stack([centres["ABCD".index(c)] + 0.5 * rng.normal(size=16) for c in categories])
    choice = similarity_floor(vectors, categories, lambda a, b: a == b)
    assert choice.unrelated_median < choice.floor < choice.same_category_median
    assert choice.same_category_passing > 0.9 and choice.unrelated_pairs > 1000
    # A one-category store has no unrelated pairs: random pairs are the reference instead.
    one = similarity_floor(vectors, ["A"] * len(vectors), lambda a, b: True)
    assert one.unrelated_pairs == 0 and -1.0 <= one.floor <= 1.0


def _store(seed=0):
    """Shoes and sunscreen bought by the same people on different days (never together); headphones
    and phone cases bought in one session. One sunscreen's text reads like a shoe's, to tempt content."""
    rng = np.random.default_rng(seed)
    products, vectors = [], []
    centres = {k: rng.normal(size=16) for k in CATS}
    for k, cat in CATS.items():
        for i in range(10):
            products.append(
                Product(f"{k}{i}", f"{cat[1]} model {k}{i}", "", cat, f"Brand{k}{i % 3}", 20.0 + i)
            )
            vectors.append(centres[k] + 0.4 * rng.normal(size=16))
    vectors[products.index(next(p for p in products if p.id == "U0"))] = centres["S"] + 0.1 * rng.normal(
        size=16
    )
    embeddings = np.array(vectors, dtype=np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    signals = Signals()
    for u in range(160):
        t = 10_000_000 + u
        if u % 2:  # shoes one day, sunscreen another: the same people, not the same basket
            for d in range(4):
                kind = "S" if d % 2 else "U"
                for _ in range(2):
                    item = f"{kind}{int(rng.integers(10))}"
                    signals.add_event(Event(f"u{u}", item, "click", t + d * 3 * DAY, session=f"u{u}-{d}"))
        else:  # headphones and a case in one session
            for d in range(3):
                for kind in ("H", "C"):
                    signals.add_event(
                        Event(
                            f"u{u}",
                            f"{kind}{int(rng.integers(10))}",
                            "purchase" if d == 0 else "click",
                            t + d * 3 * DAY + (kind == "C") * 60,
                            session=f"u{u}-{d}",
                        )
                    )
    return products, embeddings, signals


@pytest.fixture(scope="module")
def fitted():
    products, embeddings, signals = _store()
    params = RankerParams(
        als_grid=((8, 0.1, 2.0),), shrink_grid=(10.0,), recent_days_grid=(10.0,), candidates=10
    )
    return Ranker(params).fit(products, embeddings, signals), products, signals


def test_the_ranker_learns_which_categories_people_combine_from_its_baskets(fitted):
    ranker, _, _ = fitted
    combos = ranker.combinations_
    assert combos.combined("Electronics > Headphones", "Electronics > Phone Cases")
    assert not combos.combined("Sports > Running Shoes", "Beauty > Sunscreen")
    described = ranker.describe()["reason_gate"]
    assert described["combinations"]["combined_pairs"] == 1
    assert set(described["similarity_floors"]) == {"content", "behaviour"}


def _named(ranker, reason):
    """The catalog index of the product a reason names, if it names one."""
    for j, title in enumerate(ranker.titles_):
        if re.search(rf"(?<![\w]){re.escape(title)}(?![\w])", reason):
            return j
    return None


def test_no_reason_names_a_product_from_a_category_people_do_not_combine_or_too_far_away(fitted):
    ranker, products, signals = fitted
    named = 0
    for u in range(160):
        state = ranker.user_state(f"u{u}", signals)
        for i, _, feats in ranker.recommend(state, 6):
            for reason in map(str, ranker.reasons(state, i, feats)):
                j = _named(ranker, reason)
                if j is None:
                    continue
                named += 1
                assert ranker.combinations_.combined(ranker.categories_[i], ranker.categories_[j]), reason
                space = "content" if reason.startswith("similar to") else "behaviour"
                vectors = ranker.embeddings_ if space == "content" else ranker.als_.item_factors_
                sim = vectors[i] @ vectors[j] / (np.linalg.norm(vectors[i]) * np.linalg.norm(vectors[j]))
                assert sim >= ranker.floors_[space].floor - 1e-6, reason
                assert not (ranker.categories_[i] != ranker.categories_[j] and "alternative" in reason)
    assert named > 0  # the gate lets through what the data supports; it does not silence every reason


def test_a_shoe_is_never_similar_to_the_sunscreen_that_reads_like_a_shoe(fitted):
    ranker, _, signals = fitted
    sunscreen = ranker.index_["U0"]
    state = ranker.user_state("u1", signals)
    state.weights[sunscreen] = max(state.weights.values()) * 10  # the strongest thing they liked
    for shoe in [ranker.index_[f"S{k}"] for k in range(10)]:
        reason = ranker._reason("content", state, shoe)
        assert reason is None or "Sunscreen" not in reason.title
        assert ranker._anchor(shoe, np.array([sunscreen]), "content") is None


def test_headphones_may_go_with_the_case_bought_in_the_same_session(fitted):
    ranker, _, signals = fitted
    heads = [ranker.index_[f"H{k}"] for k in range(10)]
    cases = np.array([ranker.index_[f"C{k}"] for k in range(10)])
    anchors = [ranker._anchor(h, cases, "behaviour") for h in heads]
    assert any(a is not None for a in anchors)  # combined categories, close in behaviour: allowed
    state = ranker.user_state("u0", signals)
    recent_case = next(j for j in state.recent if ranker.categories_[j].endswith("Phone Cases"))
    state.recent = {recent_case: 1.0}
    reasons = [ranker._reason("recent", state, h) for h in heads]
    assert all(
        r is None or str(r).startswith("goes with ") and str(r).endswith("which you looked at lately")
        for r in reasons
    )


def test_reasons_say_what_the_person_did_viewed_liked_or_bought(fitted):
    ranker, _, signals = fitted
    state = ranker.user_state("u0", signals)  # bought on day 0, clicked on later days
    assert set(state.touch.values()) <= {"bought", "liked", "viewed"}
    assert {ranker.item_ids_[i][0] for i, v in state.touch.items() if v == "bought"} <= {"H", "C"}
    for i, _, feats in ranker.recommend(state, 6):
        for reason in map(str, ranker.reasons(state, i, feats)):
            j = _named(ranker, reason)
            if j is not None and "which you" in reason and "lately" not in reason:
                assert reason.endswith(f"which you {state.touch[j]}")


def test_the_time_split_keeps_baskets_without_the_held_out_items():
    signals = Signals()
    for k in range(5):
        signals.add_event(Event("u", f"p{k}", "click", 1000 + k, session="s1"))
    kept, held = time_split(signals, 0.2)
    assert held == {"u": {"p4"}}
    assert kept.baskets[("u", "s1")] == {"p0", "p1", "p2", "p3"}
    review_day = Signals()
    review_day.add_event(Event("u", "p0", "view", 5 * DAY + 10))
    review_day.add_event(Event("u", "p1", "view", 5 * DAY + 500))
    assert list(review_day.baskets.values()) == [{"p0", "p1"}]  # no session: one basket per day
