"""Conversations from clients that send the history instead of a session id (assistant/chat/threads.py),
on the demo store with the small test model."""

from __future__ import annotations

import pytest

from assistant.chat.threads import MAX_REBUILT_TURNS, Said, thread_key
from assistant.llm.types import GenerationParams


@pytest.fixture(scope="module")
def shop(indexed_demo_shop):
    indexed_demo_shop.chat.params = GenerationParams(max_new_tokens=24)
    return indexed_demo_shop


def _user_turns(shop, session: str) -> list[str]:
    return [t["text"] for t in shop.transcript(session)["turns"] if t["role"] == "user"]


def test_the_history_it_answered_continues_the_session_even_re_wrapped(shop):
    first = shop.ask_with_history("U00005", [], "I need hiking boots under $150")
    history = [
        Said("user", "I need hiking boots under $150"),
        Said("assistant", "\n  ".join(first.reply.split(" "))),
    ]  # a client that re-wraps the text
    second = shop.ask_with_history("U00005", history, "cheaper")
    assert second.session == first.session and second.intent == "refine"
    assert _user_turns(shop, first.session) == ["I need hiking boots under $150", "cheaper"]
    assert thread_key("U00005", history) != thread_key("U00006", history)


def test_a_foreign_history_is_rebuilt_so_a_refinement_still_refines(shop):
    history = [
        Said("user", "I need hiking boots under $150"),
        Said("assistant", "Some boots from elsewhere."),
    ]
    rebuilt = shop.ask_with_history("U00007", history, "cheaper")
    assert rebuilt.intent == "refine" and rebuilt.products
    assert all(p["price"] <= 150 and "Hiking Boots" in p["category"] for p in rebuilt.products)
    turns = shop.transcript(rebuilt.session)["turns"]
    assert "elsewhere" not in turns[1]["text"]  # the rebuilt turn says what the code composed
    alone = shop.ask_with_history("U00007", [], "cheaper")
    assert alone.intent != "refine" and alone.session != rebuilt.session


def test_only_the_last_shopper_messages_are_rebuilt(shop):
    needs = [f"I need a tent for {n} people" for n in range(2, 2 + MAX_REBUILT_TURNS + 3)]
    history = [Said("user", text) for text in needs]
    reply = shop.ask_with_history(None, history, "cheaper")
    assert _user_turns(shop, reply.session) == [*needs[-MAX_REBUILT_TURNS:], "cheaper"]


def test_erasing_the_shoppers_sessions_erases_their_thread_keys(shop):
    reply = shop.ask_with_history("T-erase-threads", [], "a gift for a runner under $50")
    count = "SELECT COUNT(*) FROM chat_threads WHERE session_id = ?"
    assert shop.db.conn.execute(count, (reply.session,)).fetchone()[0] == 1
    shop.sessions.erase_user("T-erase-threads")
    assert shop.db.conn.execute(count, (reply.session,)).fetchone()[0] == 0
