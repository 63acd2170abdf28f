"""The category step: a query's kind of product, from the catalog's own product vectors and titles."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.categories import CategoryGuess, CategoryModel, Reading, category_label, kind_names


def _unit(*rows):
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_label_is_the_most_specific_of_the_first_two_levels():
    assert category_label(("Clothing", "Rain Jackets")) == "Rain Jackets"
    assert (
        category_label(("Gift Cards", "No expiration, no fees.", "Redeemable")) == "No expiration, no fees."
    )
    assert category_label(("Gift Cards",)) == "Gift Cards"
    assert category_label(()) == ""


def test_query_goes_to_the_nearest_kind_and_rare_kinds_are_not_kinds():
    labels = ["A"] * 3 + ["B"] * 3 + ["C"]  # C has one product: noise in the path, not a kind
    vectors = _unit([1, 0.1, 0], [1, -0.1, 0], [1, 0, 0], [0.1, 1, 0], [-0.1, 1, 0], [0, 1, 0], [0, 0, 1])
    model = CategoryModel().fit(labels, {"main": vectors})
    assert model.names_ == ("A", "B")
    near_b, between = model.predict([Reading("main", _unit([0.1, 1, 0], [1, 1, 0]), 1.0)])
    assert near_b.top == "B" and near_b.weight("A") < 0.1 and near_b.close_pair(0.6) is None
    assert between.close_pair(0.6) is not None and abs(sum(between.probs) - 1) < 1e-6


def test_channels_weigh_as_told():
    labels = ["A"] * 3 + ["B"] * 3
    en = _unit(*[[1, 0]] * 3, *[[0, 1]] * 3)
    ml = _unit(*[[0, 1]] * 3, *[[1, 0]] * 3)  # the other channel disagrees
    model = CategoryModel().fit(labels, {"en": en, "ml": ml})
    query = _unit([1, 0])
    assert model.predict([Reading("en", query, 1.0)])[0].top == "A"
    assert model.predict([Reading("ml", query, 1.0)])[0].top == "B"
    assert model.predict([Reading("en", query, 1.0), Reading("ml", query, 0.0)])[0].top == "A"
    # One channel may read two texts (a need and its rewrite): both count, by their say.
    other = _unit([0, 1])
    assert model.predict([Reading("en", query, 1.0), Reading("en", other, 3.0)])[0].top == "B"
    assert model.predict([Reading("en", query, 3.0), Reading("en", other, 1.0)])[0].top == "A"


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="call fit"):
        CategoryModel().predict([Reading("main", np.zeros((1, 2)), 1.0)])
    with pytest.raises(ValueError, match="one vector per product"):
        CategoryModel().fit(["A", "B"], {"main": np.zeros((3, 2))})


def test_restricted_guess_renormalizes_over_the_offered_kinds():
    guess = CategoryGuess(("A", "B", "C"), (0.5, 0.3, 0.2))
    only = guess.restricted(["C", "B"])
    assert only.names == ("B", "C") and only.probs == pytest.approx((0.6, 0.4))
    assert guess.weight("A") == 1.0 and guess.weight("Z") == 0.0


def test_a_kind_of_several_sorts_is_read_by_its_nearest_products_not_its_blurred_middle():
    # Kind A holds two sorts of product (say earbuds and over-ear headphones); B sits between them. A
    # query right on one sort of A is A's, though B is nearer to A's mean.
    labels = ["A"] * 10 + ["B"] * 5
    vectors = _unit(*[[1, 0, 0]] * 5, *[[0, 1, 0]] * 5, *[[0.8, 0.6, 0]] * 5)
    model = CategoryModel().fit(labels, {"main": vectors})
    assert model.predict([Reading("main", _unit([1, 0, 0]), 1.0)])[0].top == "A"
    assert model.predict([Reading("main", _unit([0.8, 0.6, 0]), 1.0)])[0].top == "B"


TITLES = {
    "Headphones": [
        "Auralis Nova 6 Pro Earbuds, Blue",
        "Quietwave Echo 2 Lite Wireless Headphones, Black",
        "Beatnik Core 3 Sport Earbuds, White",
        "Auralis Flow 1 Pro Wireless Headphones, Red",
        "Quietwave Apex 9 Lite Earbuds, Black",
        "Beatnik Zen 4 Sport Wireless Headphones, Blue",
    ],
    "Yoga & Fitness": [
        "Zenflex Nova 2 Pro Foam Roller, Teal",
        "Lotusline Echo 5 Lite Yoga Mat, Pink",
        "Zenflex Core 8 Sport Foam Roller, Grey",
        "Lotusline Apex 1 Pro Yoga Mat, Black",
        "Corebasics Flow 3 Lite Foam Roller, Purple",
        "Corebasics Zen 7 Sport Yoga Mat, Teal",
    ],
}


def _titles():
    labels = [k for k, ts in TITLES.items() for _ in ts]
    titles = [t for ts in TITLES.values() for t in ts]
    return labels, titles, [t.split()[0] for t in titles]


def test_kind_names_are_the_product_types_its_titles_name():
    names = kind_names(*_titles())
    assert names["Headphones"][0] == "Headphones" and set(names["Headphones"][1:]) == {
        "earbuds",
        "wireless headphones",
    }
    assert set(names["Yoga & Fitness"][1:]) == {"foam roller", "yoga mat"}
    # Model names, adjectives and brands shared with (or absent from) other kinds name no type.
    flat = {n for ns in names.values() for n in ns}
    assert not flat & {"nova", "pro", "lite", "sport", "auralis", "zenflex", "blue"}
    with pytest.raises(ValueError, match="one of each per product"):
        kind_names(["A"], ["a", "b"])


class _WordEncoder:
    """Texts to vectors by the first listed word they contain: a stand-in for a sentence encoder."""

    name, dim = "words", 3
    WORDS = {"earbuds": [1, 0, 0], "headphones": [1, 0, 0], "roller": [0, 1, 0], "mat": [0, 1, 0]}

    def encode(self, texts, batch_size=32, show_progress=False):
        rows = [next((v for w, v in self.WORDS.items() if w in t.lower()), [0, 0, 1]) for t in texts]
        return _unit(*rows)


def test_a_kind_is_also_read_by_its_names_when_its_products_do_not_settle_it():
    labels, titles, brands = _titles()
    same = _unit(*[[0, 0, 1]] * len(labels))  # products that say nothing apart
    with_names = CategoryModel().fit(labels, {"main": same}, titles, {"main": _WordEncoder()}, brands)
    query = [Reading("main", _WordEncoder().encode(["something with earbuds for the gym"]), 1.0)]
    assert with_names.predict(query)[0].top == "Headphones"
    without = CategoryModel().fit(labels, {"main": same})
    assert without.predict(query)[0].probs[0] == pytest.approx(0.5)
