"""The UI's handlers and card rendering, without a browser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ranking.records import RankedItem, Reason
from retrieval.records import Product
from ui import charts, handlers
from ui.cards import Card, card_html, format_price
from ui.door import Identity


def _item(pid: str, price: float = 10.0) -> RankedItem:
    return RankedItem(
        Product(id=pid, title=f"Thing {pid}", price=price, rating=4.5, rating_count=3),
        score=1.0,
        reasons=(Reason("brand", brand="Thingmaker"),),
    )


class _RecordingShop:
    """Just enough of the facade to see which events the buttons record and what refills the panel."""

    def __init__(self, items):
        self.items, self.recorded = items, []

    def record_events(self, events):
        self.recorded += events

    def recommend(self, user_id, k=10, filters=None):
        return self.items[:k]


def test_card_comes_from_a_ranked_item_or_a_dict_alike():
    a = Card.from_item(_item("p1"))
    b = Card.from_item(_item("p1").to_dict())
    assert a == b
    assert a.why == "from Thingmaker, a brand you like"


def test_card_html_escapes_catalog_text_and_shows_a_picture_only_when_there_is_one():
    card = Card(id="p<1>", title="<script>alert(1)</script>", price=5.0)
    html = card_html(card)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    assert "<img" in card_html(Card(id="p", title="t", image_url="https://example.com/a.jpg"))


def test_price_reads_like_money():
    assert format_price(1234.5) == "$1,234.50"
    assert format_price(None) == "price on request"
    assert format_price(3, "JPY") == "3.00 JPY"


def test_not_interested_records_a_dismiss_and_the_product_leaves_the_panel_for_good():
    shop = _RecordingShop([_item(f"p{i}") for i in range(8)])
    state = handlers.new_session("U1")
    state["cards"] = [handlers._card_dict(Card.from_item(i)) for i in shop.items[:4]]
    line = handlers.record_feedback(shop, state, 0, "not_interested", k=4)
    assert "not interested" in line
    assert [(e.kind, e.product_id, e.user_id) for e in shop.recorded] == [("dismiss", "p0", "U1")]
    assert [c["id"] for c in state["cards"]] == ["p1", "p2", "p3"]
    assert "p0" not in [c["id"] for c in handlers._visible_cards(shop.items, state, 4)]


def test_like_and_cart_record_their_events_and_mark_the_card():
    shop = _RecordingShop([_item("p0")])
    state = handlers.new_session("U1")
    state["cards"] = [handlers._card_dict(Card.from_item(shop.items[0]))]
    handlers.record_feedback(shop, state, 0, "like")
    handlers.record_feedback(shop, state, 0, "cart")
    assert [(e.kind, e.value) for e in shop.recorded] == [("rate", 5.0), ("cart", None)]
    assert state["marks"]["p0"] == "In your cart"


def test_feedback_without_a_signed_in_shopper_records_nothing():
    shop = _RecordingShop([_item("p0")])
    state = handlers.new_session(None)
    assert "signed-in shoppers" in handlers.record_feedback(shop, state, 0, "like")
    assert shop.recorded == []


def test_metric_table_finds_models_and_metrics_wherever_evaluate_puts_them():
    result = {
        "split": "time",
        "models": {
            "ranker": {"ndcg@10": 0.3, "recall@10": 0.4},
            "popularity": {"ndcg@10": 0.1, "recall@10": 0.2},
        },
    }
    assert handlers.metric_table(result)["popularity"] == {"ndcg@10": 0.1, "recall@10": 0.2}
    assert handlers.metric_table({"nothing": 1}) == {}
    charts.evaluation_chart(handlers.metric_table(result))


def test_form_campaign_is_a_valid_campaign_file(empty_shop):
    from assistant.push.campaign import load_campaign

    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    path = handlers.write_campaign(
        empty_shop, "Winter audio!", "Electronics > Headphones", 20, "push", "friendly", days=10, now=now
    )
    campaign = load_campaign(path)
    assert campaign.id == "ui-winter-audio"
    assert campaign.promotions[0].discount_pct == 20
    assert path in handlers.campaign_files(empty_shop)


def test_a_tab_state_belongs_to_whoever_signed_in_and_starts_afresh_for_anyone_else():
    alice, bob = Identity("shopper", "U1"), Identity("shopper", "U2")
    state = handlers.session_for(alice, None)
    state["cards"] = [{"id": "p1"}]
    assert handlers.session_for(alice, state)["cards"] == [{"id": "p1"}]
    taken = handlers.session_for(bob, state)
    assert taken["user_id"] == "U2" and taken["cards"] == [] and taken["session_id"] != state["session_id"]
    assert handlers.session_for(Identity("staff", "k1", ("admin",)), state)["user_id"] is None
    assert handlers.session_for(None, state)["user_id"] is None


def test_a_shopper_sees_only_their_own_profile_and_the_team_needs_the_read_scope():
    assert handlers.profile_subject(Identity("shopper", "U1"), "U2") == "U1"
    assert handlers.profile_subject(Identity("staff", "k1", ("read",)), " U2 ") == "U2"
    assert handlers.profile_subject(Identity("staff", "k2", ("push",)), "U2") is None
    assert handlers.profile_subject(None, "U2") is None


def test_the_app_builds_without_serving(demo_shop):
    from ui.app import build_app

    app = build_app(demo_shop)
    assert app.title == "shopmate"


def test_a_preview_sample_is_the_first_shoppers_who_opted_in(demo_shop):
    opted_in = [u.id for u in demo_shop.users() if u.marketing_opt_in]
    assert len(opted_in) > 3
    assert handlers.sample_users(demo_shop, 3) == opted_in[:3]


@pytest.mark.parametrize("bad", [0, handlers.MAX_SAMPLE_USERS + 1, None, 2.5, True])
def test_a_preview_sample_of_a_bad_size_is_refused_with_the_range(demo_shop, bad):
    with pytest.raises(
        ValueError, match=f"sample shoppers must be a whole number from 1 to {handlers.MAX_SAMPLE_USERS}"
    ):
        handlers.sample_users(demo_shop, bad)
