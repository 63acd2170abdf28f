"""Texts quoted to the shopper or the model end where a sentence or a word ends, never mid-word."""

from __future__ import annotations

from assistant.chat.prompts import quote

DESCRIPTION = (
    "The Cragline Orbit 3 hiking boots for hiking and outdoors: built to last, so it holds up to years of "
    "regular use, and cut for wide feet, leaving extra room so wider feet are not pinched. Hiking boots are "
    "sturdy outdoor boots with ankle support and a rugged, treaded sole. Details: color grey."
)


def test_a_long_description_is_quoted_by_its_whole_sentences():
    quoted = quote(DESCRIPTION, 200)
    assert quoted.endswith("wider feet are not pinched.") and len(quoted) <= 200


def test_without_a_sentence_end_it_stops_at_a_whole_word_and_says_there_is_more():
    quoted = quote("lightweight breathable mesh upper " * 12, 100)
    assert quoted.endswith("…") and len(quoted) <= 101
    assert quoted[:-1].split()[-1] in {"lightweight", "breathable", "mesh", "upper"}


def test_chinese_sentences_and_short_texts():
    quoted = quote("轻便透气，适合长跑。" * 20, 50)
    assert quoted.endswith("。") and len(quoted) <= 50
    assert quote('He said "great" <b>', 80) == "He said 'great'  b"
