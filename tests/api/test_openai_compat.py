"""POST /v1/chat/completions through OpenAI's own Python client, against the real `shopmate serve` process.

The official client is the contract: if it parses our answers, streams our chunks and raises the right
exception class for our errors, tools written against OpenAI's API work with the assistant.
"""

from __future__ import annotations

import sqlite3

import httpx
import openai
import pytest

from tests.api.conftest import demo_user

pytestmark = pytest.mark.slow

MODEL = "any-model-name-is-echoed"


def client(server, key: str | None = "chat") -> openai.OpenAI:
    # No retries: a refusal must reach the test as the client raises it, not be retried away.
    return openai.OpenAI(
        base_url=f"{server.url}/v1",
        api_key=server.keys[key] if key else "no-such-key",
        max_retries=0,
        timeout=120,
    )


def catalog_ids(server) -> set[str]:
    with sqlite3.connect(server.home / "shopmate.sqlite3") as conn:
        return {r[0] for r in conn.execute("SELECT id FROM products")}


def transcript(server, session: str) -> dict:
    with server.client("read") as api:
        response = api.get(f"/v1/sessions/{session}")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_completion_answers_with_catalog_products_for_the_shopper(server):
    user = demo_user(server.home, 6)
    completion = client(server).chat.completions.create(
        model=MODEL,
        user=user,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "I need hiking boots under $120"},
        ],
    )
    assert completion.object == "chat.completion" and completion.id.startswith("chatcmpl-")
    assert completion.model == MODEL
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.message.content and choice.finish_reason == "stop"
    shopmate = completion.model_extra["shopmate"]
    assert shopmate["products"] and {p["id"] for p in shopmate["products"]} <= catalog_ids(server)
    assert "outcome" in shopmate["checks"]
    turns = transcript(server, shopmate["session"])
    assert turns["user_id"] == user  # the shopper the ranking personalised for
    assert turns["turns"][-1]["text"] == choice.message.content


def test_a_streamed_completion_comes_as_chunks_that_add_up_to_the_stored_reply(server):
    user = demo_user(server.home, 6)
    stream = client(server).chat.completions.create(
        model=MODEL,
        user=user,
        stream=True,
        messages=[{"role": "user", "content": "a gift for a runner under $50"}],
    )
    chunks = list(stream)
    assert len(chunks) >= 3 and all(c.object == "chat.completion.chunk" and c.model == MODEL for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    shopmate = chunks[-1].model_extra["shopmate"]
    assert {p["id"] for p in shopmate["products"]} <= catalog_ids(server)
    assert transcript(server, shopmate["session"])["turns"][-1]["text"] == text
    with server.client("chat") as raw:
        body = raw.post(
            "/v1/chat/completions", json={"messages": [{"role": "user", "content": "boots"}], "stream": True}
        ).text
    assert body.startswith("data: {") and body.rstrip().endswith("data: [DONE]")


def test_the_history_a_completion_produced_continues_its_session(server):
    user = demo_user(server.home, 7)
    api = client(server)
    asked = [{"role": "user", "content": "I need hiking boots under $120"}]
    first = api.chat.completions.create(model=MODEL, user=user, messages=asked)
    said = [
        *asked,
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "cheaper"},
    ]
    second = api.chat.completions.create(model=MODEL, user=user, messages=said)
    session = first.model_extra["shopmate"]["session"]
    assert second.model_extra["shopmate"]["session"] == session
    assert [t["text"] for t in transcript(server, session)["turns"] if t["role"] == "user"] == [
        "I need hiking boots under $120",
        "cheaper",
    ]
    # The same words from another shopper are another conversation.
    other = api.chat.completions.create(model=MODEL, user=demo_user(server.home, 8), messages=said)
    assert other.model_extra["shopmate"]["session"] != session


def test_a_history_from_elsewhere_is_rebuilt_into_a_new_session(server):
    said = [
        {"role": "user", "content": "I need hiking boots under $120"},
        {"role": "assistant", "content": "Here are some boots another assistant found."},
        {"role": "user", "content": "cheaper"},
    ]
    completion = client(server).chat.completions.create(model=MODEL, messages=said)
    turns = transcript(server, completion.model_extra["shopmate"]["session"])["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"] == ["I need hiking boots under $120", "cheaper"]
    # The rebuilt turn is the code's own listing, not the other assistant's words.
    assert "another assistant" not in turns[1]["text"]


def test_the_model_list_names_the_assistant_for_a_chat_key_only(server):
    assert [m.id for m in client(server).models.list()] == ["shopmate"]
    with pytest.raises(openai.PermissionDeniedError):
        client(server, key="read").models.list()


def test_keys_are_checked_as_for_the_chat_endpoint(server):
    question = [{"role": "user", "content": "boots"}]
    with pytest.raises(openai.AuthenticationError) as refused:
        client(server, key=None).chat.completions.create(model=MODEL, messages=question)
    assert refused.value.status_code == 401 and refused.value.body["type"] == "authentication_error"
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client(server, key="read").chat.completions.create(model=MODEL, messages=question)
    assert "chat" in refused.value.body["message"] and refused.value.body["type"] == "permission_error"
    response = httpx.post(f"{server.url}/v1/chat/completions", json={"messages": question})
    assert response.status_code == 401 and set(response.json()["error"]) == {
        "message",
        "type",
        "param",
        "code",
    }


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        (
            [{"role": "user", "content": "boots"}, {"role": "assistant", "content": "Here you are."}],
            "messages.1.role",
        ),
        ([{"role": "user", "content": "   "}], "messages.0.content"),
        ([{"role": "user", "content": "boots " * 1000}], "messages.0.content"),
        ([{"role": "shopper", "content": "boots"}], "messages.0.role"),
        ([], "messages"),
    ],
)
def test_a_request_that_is_not_valid_is_a_400_naming_the_field(server, messages, param):
    with pytest.raises(openai.BadRequestError) as refused:
        client(server).chat.completions.create(model=MODEL, messages=messages)
    assert refused.value.status_code == 400
    assert refused.value.body["param"] == param and refused.value.body["type"] == "invalid_request_error"


def test_an_oversized_body_is_a_413_in_openais_shape(server):
    with server.client("chat") as raw:
        response = raw.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "x" * 15_000} for _ in range(80)]},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
