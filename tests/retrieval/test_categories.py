"""The category step: a query's kind of product, from centroids of the catalog's own product vectors."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.categories import CategoryGuess, CategoryModel, category_label


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


def test_query_goes_to_the_nearest_centroid_and_rare_kinds_are_not_kinds():
    labels = ["A"] * 3 + ["B"] * 3 + ["C"]  # C has one product: noise in the path, not a kind
    vectors = _unit([1, 0.1, 0], [1, -0.1, 0], [1, 0, 0], [0.1, 1, 0], [-0.1, 1, 0], [0, 1, 0], [0, 0, 1])
    model = CategoryModel().fit(labels, {"main": vectors})
    assert model.names_ == ("A", "B")
    near_b, between = model.predict({"main": _unit([0.1, 1, 0], [1, 1, 0])}, {"main": 1.0})
    assert near_b.top == "B" and near_b.weight("A") < 0.1 and near_b.close_pair(0.6) is None
    assert between.close_pair(0.6) is not None and abs(sum(between.probs) - 1) < 1e-6


def test_channels_weigh_as_told():
    labels = ["A"] * 3 + ["B"] * 3
    en = _unit(*[[1, 0]] * 3, *[[0, 1]] * 3)
    ml = _unit(*[[0, 1]] * 3, *[[1, 0]] * 3)  # the other channel disagrees
    model = CategoryModel().fit(labels, {"en": en, "ml": ml})
    query = {"en": _unit([1, 0]), "ml": _unit([1, 0])}
    assert model.predict(query, {"en": 1.0})[0].top == "A"
    assert model.predict(query, {"ml": 1.0})[0].top == "B"
    assert model.predict(query, {"en": 1.0, "ml": 0.0})[0].top == "A"


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="call fit"):
        CategoryModel().predict({"main": np.zeros((1, 2))}, {"main": 1.0})
    with pytest.raises(ValueError, match="one vector per product"):
        CategoryModel().fit(["A", "B"], {"main": np.zeros((3, 2))})


def test_restricted_guess_renormalizes_over_the_offered_kinds():
    guess = CategoryGuess(("A", "B", "C"), (0.5, 0.3, 0.2))
    only = guess.restricted(["C", "B"])
    assert only.names == ("B", "C") and only.probs == pytest.approx((0.6, 0.4))
    assert guess.weight("A") == 1.0 and guess.weight("Z") == 0.0
