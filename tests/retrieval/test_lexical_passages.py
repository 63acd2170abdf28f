"""BM25 against a direct formula, tokenization, and review passages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.lexical import BM25, tokenize
from retrieval.passages import review_passages, split_passages
from retrieval.records import Review

DOCS = [
    "waterproof hiking boots",
    "quiet coffee maker",
    "running shoes for wide feet",
    "boots boots boots",
    "",
]


def _bm25_by_hand(docs, query, k1=1.2, b=0.75):
    toks = [tokenize(d) for d in docs]
    avg = sum(map(len, toks)) / len(toks)
    out = []
    for t in toks:
        s = 0.0
        for q in tokenize(query):
            df = sum(q in u for u in toks)
            if not df:
                continue
            idf = math.log1p((len(toks) - df + 0.5) / (df + 0.5))
            tf = t.count(q)
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(t) / avg))
        out.append(s)
    return np.array(out)


@pytest.mark.parametrize("query", ["boots", "waterproof boots", "coffee", "wide feet shoes", "nothing here"])
def test_bm25_matches_the_formula(query):
    np.testing.assert_allclose(BM25().fit(DOCS).score(query), _bm25_by_hand(DOCS, query), rtol=1e-5)


def test_top_respects_the_mask_and_skips_zero_scores():
    bm = BM25().fit(DOCS)
    rows, scores = bm.top("boots", 10)
    assert list(rows) == [3, 0] and scores[0] > scores[1] > 0
    rows, _ = bm.top("boots", 10, mask=np.array([True, True, True, False, True]))
    assert list(rows) == [0]
    with pytest.raises(ValueError, match="call fit"):
        BM25().score("x")


def test_tokenize_folds_plurals_and_splits_cjk():
    assert tokenize("Boots, BOXES and the Glasses") == ["boot", "box", "glass"]
    assert tokenize("降噪耳机") == ["降噪", "噪耳", "耳机"]


def test_review_passages_keep_title_and_split_long_text():
    review = Review("R1", "P1", "u", 5, "Great", " ".join(["Sentence number one is here."] * 30))
    passages = review_passages(review, max_words=20)
    assert passages[0].text.startswith("Great. ") and len(passages) > 3
    assert all(len(p.text.split()) <= 21 for p in passages)
    assert [p.id for p in passages] == [f"R1#{i}" for i in range(len(passages))]
    assert review_passages(Review("R2", "P1", "u", 3)) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_split_passages_loses_no_words(text):
    assert " ".join(split_passages(text, max_words=7)).split() == text.split() or "".join(
        "".join(split_passages(text, max_words=7)).split()
    ) == "".join(text.split())
