import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.ingest.cleaning import (
    RowRejected,
    clean_text,
    clean_title,
    parse_money,
    parse_price,
    parse_rating,
    parse_time,
    title_from_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$1,299.00", 1299.0),
        ("$25.00", 25.0),
        ("19.99", 19.99),
        (" 7 ", 7.0),
        (12, 12.0),
        ("USD 5.5", 5.5),
        ("", None),
        ("abc", None),
        (None, None),
        ("$10 - $20", None),
        ("-3", None),
        ("nan", None),
        (True, None),
        (".a-box-inner{background-color:#fff}", None),
    ],
)
def test_parse_price_reads_prices_and_turns_junk_into_missing(raw, expected):
    assert parse_price(raw) == expected


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False))
def test_parse_price_round_trips_formatted_amounts(amount):
    assert parse_price(f"${amount:,.2f}") == pytest.approx(float(amount))


@given(st.text())
def test_parse_price_never_raises_and_never_invents_zero_from_text_without_digits(text):
    price = parse_price(text)
    assert price is None or price >= 0
    if not any(c.isdigit() for c in text):
        assert price is None


def test_clean_text_strips_html_entities_and_whitespace():
    assert clean_text("<b>Gift&nbsp;Card</b>\n\t &amp; more") == "Gift Card & more"
    assert clean_text("&lt;script&gt;alert(1)&lt;/script&gt;Hi") == "alert(1) Hi"
    assert clean_text(["a", "<i>b</i>"]) == "a b"
    assert clean_text("ｆｕｌｌ\u3000width") == "full width"


@given(st.text())
def test_clean_text_output_has_no_tags_or_runs_of_whitespace(text):
    out = clean_text(text)
    assert out == out.strip()
    assert "  " not in out and "\n" not in out


@pytest.mark.parametrize("bad", [0, 6, 9, "nine", 4.5, None, float("nan")])
def test_parse_rating_rejects_impossible_ratings(bad):
    with pytest.raises(RowRejected):
        parse_rating(bad)


def test_parse_rating_and_time_accept_common_forms():
    assert parse_rating("4") == 4 and parse_rating(5.0) == 5
    assert parse_time(1529193600) == 1529193600
    assert parse_time(1529193600000) == 1529193600  # milliseconds (Amazon 2023)
    assert parse_time("2018-06-17T00:00:00Z") == 1529193600
    with pytest.raises(RowRejected):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("€12,50", 12.5, "EUR"),
        ("15.00 EUR", 15.0, "EUR"),
        ("1.299,00 €", 1299.0, "EUR"),
        ("$1,299.00", 1299.0, "USD"),
        ("£5", 5.0, "GBP"),
        ("USD 3.5", 3.5, "USD"),
        ("19.99", 19.99, None),
        ("¥1200", 1200.0, None),
        ("12,50", 12.5, None),
        ("$10 - $20", None, None),
        ("from 5 to 7", None, None),
        ("¼", None, None),
    ],
)
def test_parse_money_reads_the_locale_and_keeps_the_currency(raw, amount, currency):
    money = parse_money(raw)
    assert (money.amount, money.currency if amount is not None else None) == (amount, currency)


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ('<span class="a-size-medium a-color-secondary"', ""),
        (".a-box-inner{background-color:#fff}", ""),
        ('Gift card <span class="a-color-', "Gift card"),
        ('a-color-secondary">Birthday Card', "Birthday Card"),
        ("Tom &amp; Jerry <3", "Tom & Jerry <3"),
        ("A < B comparison chart", "A < B comparison chart"),
    ],
)
def test_clean_title_removes_cut_off_markup_and_keeps_real_titles(raw, title):
    assert clean_title(raw) == title


def test_a_stand_in_title_is_the_descriptions_first_sentence_cut_at_a_word():
    assert title_from_text("A leather wallet. Holds ten cards.") == "A leather wallet"
    long = title_from_text("word " * 60)
    assert len(long) <= 101 and long.endswith("…") and not long.endswith(" …")
    assert title_from_text("") == ""
