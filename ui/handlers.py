"""The UI's event handlers: small functions of the Shop facade and the tab's session state.

They know nothing of Gradio's components, so tests (and other front ends) can call them directly.
Session state is a plain dict per browser tab: who is shopping, the chat session, the cards on
screen and the products the shopper turned down.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.api.readiness import FAILED, LOADING, WAITING, warm_up_of
from ui.cards import Card
from ui.door import Identity

FEEDBACK_KINDS = {"like": ("rate", 5.0), "not_interested": ("dismiss", None), "cart": ("cart", None)}
FEEDBACK_NOTES = {"like": "Liked", "cart": "In your cart"}
SAMPLE_USERS = 10  # shoppers a campaign preview writes for, unless the marketer asks for more or fewer
MAX_SAMPLE_USERS = 50  # written while the marketer waits: ten took 65 s with the tiny test model on 2 cores


def new_session(user_id: str | None = None) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "session_id": uuid.uuid4().hex[:12],
        "cards": [],
        "dismissed": [],
        "marks": {},
        "last_message": "",
    }


def session_for(identity: Identity | None, state: Mapping[str, Any] | None) -> dict[str, Any]:
    """The tab's state, bound to whoever signed in: a state that belongs to someone else starts afresh.

    A shopper chats as themselves; the store team chats as an anonymous visitor (no history, nothing
    recorded), so no one acts as a shopper they did not sign in as.
    """
    owner = identity.username if identity else None
    if state and state.get("owner") == owner and owner is not None:
        return dict(state)
    fresh = new_session(identity.subject if identity and identity.kind == "shopper" else None)
    fresh["owner"] = owner
    return fresh


def profile_subject(identity: Identity | None, asked: str | None) -> str | None:
    """Whose profile a caller may see: a shopper only their own; the team (read) the one they ask for."""
    if identity is None:
        return None
    if identity.kind == "shopper":
        return identity.subject
    if not identity.can("read"):
        return None
    return (asked or "").strip() or None


def readiness_note(shop) -> str:
    """A line for the shopper while the language model loads, or why it failed; empty once it is ready."""
    warm = warm_up_of(shop)
    state = warm.state_of("generator") if warm else None
    if state in (WAITING, LOADING):
        return "The assistant is warming up (loading its language model); answers start in a moment."
    if state == FAILED:
        return "The assistant's language model failed to load; the store team has the details in the log."
    return ""


def _visible_cards(items, state: Mapping[str, Any], k: int) -> list[dict[str, Any]]:
    dismissed = set(state.get("dismissed", ()))
    cards = []
    for item in items or ():
        card = Card.from_item(item)
        if card.id not in dismissed and all(c["id"] != card.id for c in cards):
            cards.append(_card_dict(card))
        if len(cards) >= k:
            break
    return cards


def _card_dict(card: Card) -> dict[str, Any]:
    return {
        "id": card.id,
        "title": card.title,
        "price": card.price,
        "currency": card.currency,
        "rating": card.rating,
        "rating_count": card.rating_count,
        "image_url": card.image_url,
        "brand": card.brand,
        "why": card.why,
    }


def chat_stream(
    shop, state: dict[str, Any], message: str, k: int = 4
) -> Iterator[tuple[str, list[dict[str, Any]] | None]]:
    """Yield (reply so far, cards or None) as the assistant streams; the cards come with the final reply."""
    user_id = state.get("user_id")
    state["last_message"] = message
    text = ""
    final = None
    for piece in shop.ask_stream(user_id, message, session_id=state["session_id"]):
        if isinstance(piece, str):
            text += piece
            yield text, None
        else:
            final = piece
    if final is not None:
        text = text or final.reply
        cards = _visible_cards(final.products, state, k)
        if not cards:  # every product the reply named was turned down: fill from the shopper's suggestions
            cards = _visible_cards(suggest(shop, user_id, message, k + len(state["dismissed"])), state, k)
        yield text, cards


def suggest(shop, user_id: str | None, query: str = "", k: int = 4) -> list:
    """Products for the card panel outside a chat reply: search-then-rank, or plain recommendations."""
    if query:
        return shop.search_for_user(user_id, query, k=k)
    return shop.recommend(user_id, k=k) if user_id else []


def record_feedback(shop, state: dict[str, Any], slot: int, action: str, k: int = 4) -> str:
    """Record like / not interested / add to cart for the card in `slot`; returns a line for the shopper."""
    cards = state.get("cards") or []
    user_id = state.get("user_id")
    if not user_id:
        return "Likes and carts are kept for signed-in shoppers; the store team's chat records nothing."
    if slot >= len(cards):
        return "That card is gone; ask again for new suggestions."
    card = cards[slot]
    kind, value = FEEDBACK_KINDS[action]
    from ranking.records import Event

    shop.record_events(
        [
            Event(
                user_id=user_id,
                product_id=card["id"],
                kind=kind,
                time=int(time.time()),
                value=value,
                session=state.get("session_id"),
            )
        ]
    )
    if action == "not_interested":
        state["dismissed"] = [*state.get("dismissed", []), card["id"]]
        state["cards"] = [c for c in cards if c["id"] != card["id"]]
        return f"Noted: not interested in {card['title']}. It will stay out of your suggestions."
    state.setdefault("marks", {})[card["id"]] = FEEDBACK_NOTES[action]
    return f"{FEEDBACK_NOTES[action]}: {card['title']}. Your suggestions take it into account."


# -- profile ---------------------------------------------------------------------------------------------
def profile_summary(shop, user_id: str | None) -> dict[str, Any] | None:
    """The chosen user's profile as plain data for the charts, or None when there is nothing to show."""
    if not user_id:
        return None
    data = shop.profile(user_id).to_dict()
    data["recent"] = sorted(data["recent"], key=lambda e: -int(e["time"]))
    titles = shop.products([e["product_id"] for e in data["recent"]])
    for e in data.get("recent", []):
        product = titles.get(e["product_id"])
        e["title"] = product.title if product else e["product_id"]
        e["when"] = datetime.fromtimestamp(int(e["time"]), UTC).strftime("%Y-%m-%d %H:%M")
    return data


# -- push ------------------------------------------------------------------------------------------------
def campaign_files(shop, extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """Campaign files the push tab can pick: the store's own, the examples, and any given directory."""
    dirs = (*extra_dirs, Path(shop.home) / "campaigns", Path("examples/campaigns"))
    found: list[str] = []
    for d in dirs:
        if d.is_dir():
            found += sorted(str(p) for p in d.iterdir() if p.suffix in (".toml", ".yaml", ".yml"))
    return list(dict.fromkeys(found))


def write_campaign(
    shop,
    name: str,
    category: str,
    discount_pct: float,
    channel: str,
    tone: str,
    days: int = 14,
    now: datetime | None = None,
) -> str:
    """Turn the short form into a campaign file under HOME/campaigns; returns its path."""
    name = (name or "").strip()
    if not name:
        raise ValueError("give the campaign a name")
    if not category:
        raise ValueError("choose a category to promote")
    now = now or datetime.now(UTC)
    cid = "ui-" + "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())[:40]
    ends = datetime.fromtimestamp(now.timestamp() + days * 86400, UTC)
    campaign = {
        "id": cid,
        "name": name,
        "tone": tone,
        "language": "auto",
        "personalized": True,
        "banned_words": ["guarantee", "cheapest", "free"],
        "audience": {"categories": [category.split(" > ")[0]]},
        "promotions": [
            {"categories": [category], "discount_pct": float(discount_pct), "ends": ends.date().isoformat()}
        ],
        "channel": {"kind": channel},
        "send_window": {
            "start": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": ends.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }
    out = Path(shop.home) / "campaigns" / f"{cid}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(campaign, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return str(out)


def sample_users(shop, n: int = SAMPLE_USERS) -> list[str]:
    """The first n users who agreed to marketing: the ones a campaign may reach."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLE_USERS:
        raise ValueError(
            f"sample shoppers must be a whole number from 1 to {MAX_SAMPLE_USERS}, got {n!r}; "
            "a whole audience is the batch run's job"
        )
    users = []
    for user in shop.users():
        if user.marketing_opt_in:
            users.append(user.id)
        if len(users) >= n:
            break
    return users


def preview_rows(shop, campaign_path: str, n: int = SAMPLE_USERS) -> list[list[str]]:
    """One row per sample user: the message they would get now and its checks, or why they get none."""
    rows = []
    for result in shop.push_previews(campaign_path, sample_users(shop, n)):
        user_id = result["user_id"]
        if not result.get("messages"):
            rows.append([user_id, "", "", "", f"skipped: {result.get('skipped')}"])
            continue
        for m in result["messages"]:
            checks = m.get("checks") or {}
            passed = ", ".join(checks.get("passed", []))
            # The model's draft failed a check and a template was sent instead: say which check.
            fallback = checks.get("fallback")
            rows.append(
                [
                    user_id,
                    m.get("title", ""),
                    m.get("body", ""),
                    passed,
                    f"template (model's draft failed: {fallback})" if fallback else "model's copy passed",
                ]
            )
    return rows


# -- insights --------------------------------------------------------------------------------------------
def store_facts(shop) -> dict[str, Any]:
    """Counts, data versions and models in use: cheap, never loads a model."""
    return {
        "counts": shop.counts(),
        "versions": shop.versions(),
        "models": {"encoder": shop.settings.encoder, "llm": shop.settings.llm_url or shop.settings.llm},
    }


def metric_table(result: Any) -> dict[str, dict[str, float]]:
    """Find {model: {metric: number}} inside whatever evaluate() returned."""
    if not isinstance(result, Mapping):
        return {}
    if isinstance(result.get("models"), Mapping):
        result = result["models"]
    numeric = {
        k: v
        for k, v in result.items()
        if isinstance(v, Mapping) and v and all(isinstance(x, int | float) for x in v.values())
    }
    if numeric:
        return {str(k): {str(m): float(x) for m, x in v.items()} for k, v in numeric.items()}
    for value in result.values():
        found = metric_table(value)
        if found:
            return found
    return {}
