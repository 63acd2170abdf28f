"""A tiny store written in code for the push tests: every user is there to exercise one rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ranking.records import Event, User
from retrieval.records import Product

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
DAY = 86400

PRODUCTS = [
    Product(
        id="P1",
        title="Trailforge Summit 3 Pro Hiking Boots, Brown",
        brand="Trailforge",
        category=("Sports & Outdoors", "Hiking Boots"),
        price=149.99,
        description="Waterproof hiking boots.",
    ),
    Product(
        id="P2",
        title="Northpeak Ridge 2 Trail Hiking Boots, Olive",
        brand="Northpeak",
        category=("Sports & Outdoors", "Hiking Boots"),
        price=119.99,
        description="Durable trail boots.",
    ),
    Product(
        id="P3",
        title="Quietwave Echo 4 Lite Wireless Headphones, Black",
        brand="Quietwave",
        category=("Electronics", "Headphones"),
        price=89.99,
        description="Noise cancelling headphones.",
    ),
    Product(
        id="P4",
        title="Cragline Nova 5 Everyday Approach Shoes, Grey",
        brand="Cragline",
        category=("Sports & Outdoors", "Hiking Boots"),
        price=64.99,
        description="Light approach shoes.",
    ),
]

# name -> (id, locale, opted in, time zone, quiet hours)
USERS = {
    "Alex": ("U01", "en", True, "UTC", None),
    "Mei": ("U02", "zh-CN", True, "Asia/Shanghai", (22, 8)),
    "Sam": ("U03", "en", False, "UTC", None),  # opted out
    "Leo": ("U04", "en", True, "America/New_York", (22, 8)),  # 07:00 local at NOW: quiet
    "Nora": ("U05", "en", True, "UTC", None),  # bought every promoted product lately
    "Ravi": ("U06", "en", True, "Europe/Berlin", None),  # already got 2 pushes this week
    "Zoe": ("U07", "en", True, "Europe/London", None),
    "Ben": ("U08", "en", True, "UTC", None),
}


def user_id(name: str) -> str:
    return USERS[name][0]


def events() -> list[Event]:
    out = []
    for uid, *_rest in USERS.values():
        out.append(Event(uid, "P1", "view", T - 20 * DAY))
        out.append(Event(uid, "P2", "view", T - 19 * DAY))
    for pid in ("P1", "P2", "P4"):
        out.append(Event(user_id("Nora"), pid, "purchase", T - 10 * DAY))
    out.append(Event(user_id("Ben"), "P3", "purchase", T - 200 * DAY))
    return out


def build_push_store(home: Path):
    from assistant.shop import Shop

    shop = Shop.open(home, llm="test")
    shop.catalog.upsert_products(PRODUCTS)
    shop.events.upsert_users(
        User(id=uid, name=name, locale=loc, marketing_opt_in=opt, timezone=tz, quiet_hours=q)
        for name, (uid, loc, opt, tz, q) in USERS.items()
    )
    shop.events.add_events(events())
    return shop


CAMPAIGN_TOML = """
id = "{id}"
name = "Boots week"
tone = "friendly"
banned_words = ["guaranteed", "cheapest"]
personalized = {personalized}

[[promotions]]
categories = ["Sports & Outdoors > Hiking Boots"]
discount_pct = 20
ends = 2026-12-31

[channel]
kind = "push"

[variants]
count = {variants}

[send_window]
start = 2026-11-21T09:00:00Z
end = {end}

[limits]
frequency_cap = 2
frequency_days = 7
exclude_bought_days = 60
"""


def write_campaign(
    folder: Path,
    campaign_id: str = "boots",
    variants: int = 2,
    personalized: bool = True,
    end: str = "2026-12-20T21:00:00Z",
) -> Path:
    path = folder / f"{campaign_id}.toml"
    path.write_text(
        CAMPAIGN_TOML.format(
            id=campaign_id, variants=variants, end=end, personalized=str(personalized).lower()
        )
    )
    return path
