"""Loading files into the store: the real Gift Cards data, broken files, idempotence, every format."""

import gzip
import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from assistant.cli.common import EXIT_REJECTED_ROWS


def _shopmate(home, *args):
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_gift_cards_load_with_html_prices_and_duplicates_reported(empty_shop, gift_cards):
    report = empty_shop.ingest(
        catalog=gift_cards / "meta_Gift_Cards.json.gz", reviews=gift_cards / "Gift_Cards_5.json.gz"
    )
    catalog, reviews = report.files
    assert catalog.rows == 1547 and catalog.store.inserted == 1547 and catalog.rejected == 0
    assert catalog.cleaned["html stripped from title"] > 0
    assert catalog.cleaned["unreadable price set to missing"] > 0
    assert reviews.duplicates > 0  # the 5-core file repeats user-product pairs
    counts = empty_shop.counts()
    assert counts["products"] == 1547
    assert counts["reviews"] == reviews.rows - reviews.duplicates - reviews.rejected
    assert counts["users"] == 458
    titles = [p.title for p in empty_shop.catalog.iter_products()]
    assert not any("<" in t and ">" in t for t in titles)
    assert not any('class="' in t or t.startswith("<") for t in titles), "a markup fragment passed as a title"
    assert all(p.price is None or p.price > 0 for p in empty_shop.catalog.iter_products())
    lines = report.report_path.read_text().splitlines()
    assert {json.loads(line)["kind"] for line in lines} >= {"cleaned", "duplicate"}


def test_latest_of_duplicate_user_product_reviews_is_kept(empty_shop, tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "A", "title": "Mug"}) + "\n")
    rows = [
        {"product_id": "A", "user_id": "u1", "rating": 2, "text": "old", "time": 100},
        {"product_id": "A", "user_id": "u1", "rating": 5, "text": "new", "time": 200},
        {"product_id": "A", "user_id": "u1", "rating": 1, "text": "older", "time": 50},
    ]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = empty_shop.ingest(catalog=tmp_path / "p.jsonl", reviews=tmp_path / "r.jsonl")
    assert report.files[1].duplicates == 2
    [kept] = empty_shop.catalog.reviews_for("A")
    assert kept.text == "new" and kept.rating == 5
    assert empty_shop.catalog.get_product("A").rating == 5.0


BROKEN_CATALOG = (
    b'{"id": "ok-1", "title": "Good kettle", "price": "$1,299.00"}\n'
    b'{"id": "bad-json", "title": \n'
    b'{"id": "bad-utf8", "title": "caf\xe9"}\n'
    b'{"title": "no id at all", "price": 5}\n'
    b'{"id": "ok-2", "title": "Priceless mug", "price": "abc"}\n'
    b'{"id": "ok-1", "title": "Good kettle", "price": "$1,299.00"}\n'
)


def test_broken_file_loads_good_rows_names_each_bad_one_and_exits_distinctly(tmp_path):
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_bytes(BROKEN_CATALOG)
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("product_id,user_id,rating,text\nok-1,u1,9,great\nok-1,u2,4,nice\nghost,u3,5,who\n")
    home = tmp_path / "home"
    result = _shopmate(home, "ingest", "--catalog", str(catalog), "--reviews", str(reviews), "--json")
    assert result.returncode == EXIT_REJECTED_ROWS, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["products"] == 2 and report["counts"]["reviews"] == 1
    with open(report["report"]) as fh:
        issues = [json.loads(line) for line in fh]
    rejected = {
        (i["line"], i["reason"].split(":")[0].split(" ")[0])
        for i in issues
        if i["kind"] == "rejected" and i["file"] == str(catalog)
    }
    assert {line for line, _ in rejected} == {2, 3, 4}
    reasons = " | ".join(i["reason"] for i in issues)
    assert "bad JSON" in reasons and "UTF-8" in reasons and "missing product id" in reasons
    assert "rating 9 is impossible" in reasons and "unknown product id 'ghost'" in reasons
    assert any(i["kind"] == "cleaned" and i["line"] == 5 and "'abc'" in i["reason"] for i in issues)
    assert any(i["kind"] == "duplicate" and i["line"] == 6 for i in issues)
    assert "rejected" in result.stderr and ":2:" in result.stderr


def test_ingesting_twice_changes_no_counts(tmp_path, demo_source):
    home = tmp_path / "home"
    args = [
        "ingest",
        "--catalog",
        str(demo_source.products),
        "--reviews",
        str(demo_source.reviews),
        "--events",
        str(demo_source.events),
        "--users",
        str(demo_source.users),
        "--json",
    ]
    first = _shopmate(home, *args)
    second = _shopmate(home, *args)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["counts"] == two["counts"] and one["counts"]["events"] > 0
    assert all(f["store"]["inserted"] == 0 and f["store"]["updated"] == 0 for f in two["files"])


def test_csv_parquet_and_gzip_with_a_column_mapping_load_the_same_products(empty_shop, tmp_path):
    rows = [
        {
            "sku": "S1",
            "product_name": "Blue mug",
            "price": "$4.50",
            "brand": "Kiln",
            "category": "Home > Mugs",
        },
        {"sku": "S2", "product_name": "Red mug", "price": "5", "brand": "Kiln", "category": "Home > Mugs"},
    ]
    csv_path = tmp_path / "c.csv"
    csv_path.write_text(
        "sku,product_name,price,brand,category\n"
        + "".join(f"{r['sku']},{r['product_name']},{r['price']},{r['brand']},{r['category']}\n" for r in rows)
    )
    parquet_path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet_path)
    gz_path = tmp_path / "c.jsonl.gz"
    with gzip.open(gz_path, "wt") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    columns = {"title": "product_name"}
    for path in (csv_path, parquet_path, gz_path):
        report = empty_shop.ingest(catalog=path, columns=columns)
        assert report.rejected == 0
    product = empty_shop.catalog.get_product("S1")
    assert (product.title, product.price, product.category) == ("Blue mug", 4.5, ("Home", "Mugs"))
    assert empty_shop.catalog.count_products() == 2
    assert report.files[0].store.unchanged == 2  # the third format found the same rows already there


def test_amazon_2023_layout_is_read(empty_shop, tmp_path):
    meta = {
        "parent_asin": "B01",
        "title": "Trail <b>Socks</b>",
        "store": "Woolly",
        "price": 12.0,
        "main_category": "Clothing",
        "categories": [],
        "features": ["merino"],
        "description": ["warm"],
        "images": [{"large": "https://example.com/s.jpg"}],
        "average_rating": 4.4,
        "rating_number": 10,
        "details": {"Material": "wool"},
    }
    review = {
        "rating": 4.0,
        "title": "Cozy",
        "text": "Warm feet",
        "asin": "B01X",
        "parent_asin": "B01",
        "user_id": "AG1",
        "timestamp": 1600000000000,
        "verified_purchase": True,
    }
    (tmp_path / "meta_Clothing.jsonl").write_text(json.dumps(meta) + "\n")
    (tmp_path / "Clothing.jsonl").write_text(json.dumps(review) + "\n")
    report = empty_shop.ingest(
        catalog=tmp_path / "meta_Clothing.jsonl", reviews=tmp_path / "Clothing.jsonl", fmt="amazon"
    )
    assert report.rejected == 0
    product = empty_shop.catalog.get_product("B01")
    assert product.title == "Trail Socks" and product.brand == "Woolly" and product.category == ("Clothing",)
    assert product.attributes == {"Material": "wool"} and product.image_url.startswith("https://")
    [r] = empty_shop.catalog.reviews_for("B01")
    assert (r.user_id, r.rating, r.time, r.verified) == ("AG1", 4, 1600000000, True)


def test_events_and_users_files_with_bad_rows(empty_shop, tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "A", "title": "Mug"}) + "\n")
    (tmp_path / "u.csv").write_text(
        "id,name,timezone,quiet_hours,marketing_opt_in\n"
        "u1,Ann,Europe/Berlin,22-8,yes\nu2,Bob,Mars/Olympus,,no\n"
    )
    (tmp_path / "e.jsonl").write_text(
        "\n".join(
            json.dumps(e)
            for e in [
                {"user_id": "u1", "product_id": "A", "kind": "add_to_cart", "time": 10},
                {"user_id": "u1", "product_id": "A", "kind": "teleport", "time": 11},
                {"user_id": "u9", "product_id": "A", "kind": "rate", "value": 7, "time": 12},
                {"user_id": "u9", "product_id": "A", "kind": "purchase", "time": "2026-01-01T00:00:00Z"},
            ]
        )
        + "\n"
    )
    report = empty_shop.ingest(
        catalog=tmp_path / "p.jsonl", users=tmp_path / "u.csv", events=tmp_path / "e.jsonl"
    )
    assert report.rejected == 3
    user = empty_shop.events.get_user("u1")
    assert user.quiet_hours == (22, 8) and user.marketing_opt_in and user.timezone == "Europe/Berlin"
    assert [e.kind for e in empty_shop.events.events_for("u1")] == ["cart"]
    assert (
        empty_shop.events.get_user("u9") is not None and not empty_shop.events.get_user("u9").marketing_opt_in
    )


def test_ingest_without_files_is_a_usage_error(tmp_path):
    result = _shopmate(tmp_path / "home", "ingest")
    assert result.returncode == 2 and "give at least one of --catalog" in result.stderr


def test_missing_file_names_the_path(tmp_path):
    result = _shopmate(tmp_path / "home", "ingest", "--catalog", str(tmp_path / "nope.csv"))
    assert result.returncode == 1 and "nope.csv: no such file" in result.stderr


def test_markup_only_titles_are_repaired_or_set_aside_and_prices_keep_their_currency(empty_shop, tmp_path):
    rows = [
        {
            "id": "A",
            "title": '<span class="a-size-medium a-color-secondary"',
            "description": "Steel mug. Keeps tea hot.",
            "price": "€12,50",
        },
        {"id": "B", "title": '<span class="a-size-medium a-color-secondary"', "price": "15.00 EUR"},
        {"id": "C", "title": "Teapot", "price": "15.00 EUR"},
        {"id": "D", "title": "Kettle", "price": "1.299,00 €", "currency": "USD"},
        {"id": "E", "title": "Cup", "price": "$4.50"},
    ]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = empty_shop.ingest(catalog=tmp_path / "p.jsonl")
    got = {p.id: (p.title, p.price, p.currency) for p in empty_shop.catalog.iter_products()}
    assert got == {"A": ("Steel mug", 12.5, "EUR"), "C": ("Teapot", 15.0, "EUR"), "E": ("Cup", 4.5, "USD")}
    reasons = {i.line: (i.kind, i.reason) for i in report.issues}
    assert reasons[1][0] == "cleaned" and "only markup" in reasons[1][1]
    assert reasons[2][0] == "rejected" and "no description" in reasons[2][1]
    assert reasons[4][0] == "rejected" and "EUR" in reasons[4][1] and "USD" in reasons[4][1]
    assert report.files[0].cleaned["title taken from the description"] == 1
