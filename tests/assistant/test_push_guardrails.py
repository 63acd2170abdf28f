"""The checks on the user, the moment and the text, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from assistant.push.copy import Brief, fit_to_limits, parse_reply, template_options
from assistant.push.guardrails import (
    banned_word_problems,
    cut_name_problems,
    in_quiet_hours,
    language_problems,
    length_problems,
    plan_send_time,
    recently_bought_problems,
    under_frequency_cap,
)
from assistant.push.records import Offer, sale_price
from ranking.records import User
from retrieval.records import Product

START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
END = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


def test_sale_prices_are_computed_in_code_to_the_cent():
    assert sale_price(149.99, 20) == 119.99
    assert sale_price(64.99, 25) == 48.74
    assert sale_price(10.0, 33) == 6.7


def test_quiet_hours_wrap_past_midnight_in_the_users_zone():
    noon_utc = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert in_quiet_hours(noon_utc, "America/New_York", (22, 8))  # 07:00 in New York
    assert not in_quiet_hours(noon_utc, "Europe/Berlin", (22, 8))  # 13:00 in Berlin
    assert in_quiet_hours(noon_utc, "Asia/Shanghai", (20, 23))  # 20:00 in Shanghai
    assert not in_quiet_hours(noon_utc, "UTC", None)


def test_a_send_in_quiet_hours_moves_to_their_end_or_is_dropped_outside_the_window():
    leo = User(id="U", timezone="America/New_York", quiet_hours=(22, 8), marketing_opt_in=True)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    moved = plan_send_time(leo, START, END, now)
    assert moved == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    assert moved.astimezone(ZoneInfo("America/New_York")).hour == 8
    assert plan_send_time(leo, START, datetime(2026, 11, 21, 12, 30, tzinfo=UTC), now) is None


@given(
    hour=st.integers(0, 23),
    start=st.integers(0, 23),
    end=st.integers(0, 23),
    tz=st.sampled_from(["UTC", "Asia/Tokyo", "America/Los_Angeles", "Australia/Sydney", "Europe/London"]),
    day=st.integers(0, 200),
)
def test_a_planned_send_never_falls_in_quiet_hours_nor_outside_the_window(hour, start, end, tz, day):
    user = User(id="U", timezone=tz, quiet_hours=(start, end), marketing_opt_in=True)
    window_start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)
    window_end = window_start + timedelta(days=3)
    now = window_start + timedelta(hours=hour)
    planned = plan_send_time(user, window_start, window_end, now)
    if planned is not None:
        assert window_start <= planned <= window_end and planned >= now.replace(second=0, microsecond=0)
        assert not in_quiet_hours(planned, tz, (start, end))
    else:
        assert start != end  # with no real quiet hours, a send inside the window is always possible


def test_frequency_cap_counts_other_sends_within_the_span():
    send = datetime(2026, 11, 21, 12, tzinfo=UTC)
    two_recent = [send - timedelta(days=1), send - timedelta(days=6)]
    assert not under_frequency_cap(two_recent, send, cap=2, days=7)
    assert under_frequency_cap(two_recent, send, cap=3, days=7)
    assert under_frequency_cap([send - timedelta(days=8)] * 5, send, cap=1, days=7)


def test_length_banned_words_language_and_recent_purchases():
    assert length_problems("x" * 41, "y" * 120, 40, 120) == ["title has 41 characters, the channel allows 40"]
    assert length_problems("x" * 40, "y" * 121, 40, 120)[0].startswith("body has 121")
    assert banned_word_problems("It is GUARANTEED to fit", ["guaranteed"])
    assert not banned_word_problems("Free-range thinking", ["free range"])
    assert not banned_word_problems("freedom", ["free"])
    assert banned_word_problems("全场免费送", ["免费"])
    assert language_problems("Hello there", "zh") and not language_problems("你好", "zh")
    assert language_problems("限时优惠", "en")
    assert recently_bought_problems(["P1", "P2"], {"P2"}) == ["P2 was bought by this user recently"]


def test_replies_are_parsed_with_or_without_decoration():
    assert parse_reply("TITLE: 20% off\nBODY: Boots for $1.") == ("20% off", "Boots for $1.")
    assert parse_reply('**Title:** "Hi"\n**Body:** "There"') == ("Hi", "There")
    assert parse_reply("标题：冬季特卖\n正文：靴子现价$1。") == ("冬季特卖", "靴子现价$1。")
    assert parse_reply("Sure, here you go!") == ("", "")


product_titles = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=3, max_size=60
).filter(str.strip)


@given(
    title=product_titles,
    price=st.floats(1, 5000),
    pct=st.integers(1, 90),
    name=st.sampled_from(["", "Wei", "Alexandra"]),
    language=st.sampled_from(["en", "zh"]),
    channel=st.sampled_from([("push", 40, 120), ("sms", 0, 160), ("email", 60, 90)]),
)
def test_template_messages_always_fit_the_channel_and_state_the_computed_price(
    title, price, pct, name, language, channel
):
    price = round(price, 2)
    offer = Offer(
        Product(id="P", title=title, brand="Brand", price=price), pct, datetime(2026, 12, 31, tzinfo=UTC)
    )
    kind, title_max, body_max = channel
    brief = Brief(
        user_name=name,
        language=language,
        offers=(offer,),
        reasons=(),
        tone="friendly",
        angle="discount",
        channel=kind,
        title_max=title_max,
        body_max=body_max,
    )
    options = template_options(brief)
    assert options or len(title) > 55  # catalog names up to 55 characters always fit
    for t, b in options:
        assert len(t) <= title_max and len(b) <= body_max
        assert f"${offer.sale_price:,.2f}" in b


def test_an_overlong_draft_keeps_its_leading_whole_sentences_and_a_title_cut_at_a_word():
    body = (
        "The Trailforge Summit 3 Hiking Boots are now $119.99 (was $149.99). Warm and dry on winter trails. "
        "Offer ends Dec 31, so hurry!"
    )
    title, fitted = fit_to_limits("Stay warm this winter with the Trailforge Summit boots", body, 40, 120)
    assert title == "Stay warm this winter"
    assert (
        fitted
        == "The Trailforge Summit 3 Hiking Boots are now $119.99 (was $149.99). Warm and dry on winter trails."
    )
    assert fit_to_limits("Fine", "Short and sweet.", 40, 120) == ("Fine", "Short and sweet.")
    assert (
        fit_to_limits("Priya, your favorite rain jacket is on sale now", "", 36, 120)[0]
        == "Priya, your favorite rain jacket"
    )
    # Nothing whole fits: left as it is, for the length check to reject and the model to try again.
    long = "one sentence that never stops " * 6
    assert fit_to_limits("", long, 0, 120) == ("", long)


@given(st.text(max_size=300), st.text(max_size=80), st.integers(10, 160), st.integers(5, 60))
def test_fitting_never_lengthens_and_a_fitted_body_is_a_prefix(body, title, body_max, title_max):
    new_title, new_body = fit_to_limits(title, body, title_max, body_max)
    assert len(new_body) <= len(body) and len(new_title) <= len(title)
    assert body.startswith(new_body.strip()) or new_body == body
    assert len(new_body) <= body_max or new_body == body


def test_a_title_that_breaks_a_product_name_off_is_caught():
    """From the push sample: "Maya, the Driftline Ridge 7 Pro Rain" (the title cut to fit the channel)."""
    offer = Offer(
        Product(id="P", title="Driftline Ridge 7 Pro Rain Jacket, Green", brand="Driftline", price=152.99),
        25,
        datetime(2026, 12, 31, tzinfo=UTC),
    )
    assert cut_name_problems("Maya, the Driftline Ridge 7 Pro Rain", [offer])
    assert cut_name_problems("Maya, the Driftline Ridge…", [offer])
    for whole in (
        "Maya, the Driftline Ridge 7 Pro Rain Jacket",
        "Maya, a Driftline for the rain",
        "Rain, rain",
    ):
        assert cut_name_problems(whole, [offer]) == []
