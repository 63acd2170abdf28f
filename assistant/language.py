"""The shopper's language as the chat and push copy need it: which language a text is in (the one rule
lives in retrieval, where the query's language also decides how the search channels weigh) and the words
a shopper points at a product with."""

from __future__ import annotations

from retrieval.language import detect_language

__all__ = ["ORDINALS", "detect_language"]


# How a shopper points at a product shown: "the second one", "第二个", "the last".
ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "last": -1,
    "第一": 0,
    "第二": 1,
    "第三": 2,
    "第四": 3,
    "最后": -1,
}
