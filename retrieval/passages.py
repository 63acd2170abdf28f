"""Review text split into short passages, so a match can cite the sentence that supports it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.records import Review

MAX_PASSAGE_WORDS = 60
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    product_id: str
    review_id: str
    text: str
    rating: int


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def split_passages(text: str, max_words: int = MAX_PASSAGE_WORDS) -> list[str]:
    """Sentences grouped into passages of at most `max_words` words (one long sentence is cut)."""
    passages: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        words = sentence.split()
        # Scripts without spaces (Chinese, Japanese) count characters / 2 as words.
        size = len(words) if len(words) > 1 else max(1, len(sentence) // 2)
        if current and count + size > max_words:
            passages.append(" ".join(current))
            current, count = [], 0
        if size > max_words and len(words) > max_words:
            for start in range(0, len(words), max_words):
                passages.append(" ".join(words[start : start + max_words]))
            continue
        current.append(sentence)
        count += size
    if current:
        passages.append(" ".join(current))
    return passages


def review_passages(review: Review, max_words: int = MAX_PASSAGE_WORDS) -> list[Passage]:
    """A review's passages; the title leads the first one, since titles often carry the verdict."""
    body = split_passages(review.text, max_words)
    if review.title.strip():
        body = [f"{review.title.strip()}. {body[0]}" if body else review.title.strip(), *body[1:]]
    return [
        Passage(
            id=f"{review.id}#{i}",
            product_id=review.product_id,
            review_id=review.id,
            text=t,
            rating=review.rating,
        )
        for i, t in enumerate(body)
    ]
