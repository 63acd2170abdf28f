import json

from assistant.demo_catalog import ASPECTS, CATEGORIES, USES
from assistant.demo_store import generate_demo_store
from assistant.reply_rules import FEATURES


def _read(path):
    return [json.loads(line) for line in open(path)]


def test_same_seed_same_store_other_seed_other_store(tmp_path):
    a = generate_demo_store(tmp_path / "a", seed=3, products=120, users=40)
    b = generate_demo_store(tmp_path / "b", seed=3, products=120, users=40)
    c = generate_demo_store(tmp_path / "c", seed=4, products=120, users=40)
    for name in ("products", "reviews", "events", "users"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes()
    assert a.events.read_bytes() != c.events.read_bytes()


def test_products_are_coherent_and_span_the_categories(demo_source):
    products = _read(demo_source.products)
    assert len(products) == 300 and len({p["id"] for p in products}) == 300
    by_path = {tuple(spec.path): spec for spec in CATEGORIES}
    assert {tuple(p["category"]) for p in products} == set(by_path)
    for p in products:
        spec = by_path[tuple(p["category"])]
        assert p["brand"] in {b for b, _ in spec.brands} and p["title"].startswith(p["brand"])
        assert spec.price[0] - 1 <= p["price"] <= spec.price[1]


def test_behaviour_follows_hidden_tastes(demo_source):
    tastes = json.loads(demo_source.hidden_tastes.read_text())["users"]
    brand_of = {p["id"]: p["brand"] for p in _read(demo_source.products)}
    purchases = [e for e in _read(demo_source.events) if e["kind"] == "purchase"]
    matching = sum(brand_of[e["product_id"]] in tastes[e["user_id"]]["brands"] for e in purchases)
    assert purchases and matching / len(purchases) > 0.6  # tastes with noise, not noise alone
    active = {e["user_id"] for e in _read(demo_source.events)}
    assert all(not tastes[u]["new"] for u in active)
    assert any(t["new"] for t in tastes.values())  # cold-start users exist


def test_reviews_and_users_load_without_rejects(demo_shop):
    counts = demo_shop.counts()
    assert counts["products"] == 300 and counts["users"] == 120 and counts["reviews"] > 20


def test_a_description_claims_only_the_features_its_product_has(demo_source):
    """Each listing says what its type of product does and what its features are for; the claim check
    trusts these texts, so a use true of the type ("grippy tread") may not claim a feature that only some
    products have ("non-slip")."""
    claimed_by_some = 0
    for p in _read(demo_source.products):
        attributes = p["attributes"]
        own = " ".join(
            [
                p["title"],
                *(str(v) for k, v in attributes.items() if k != "features"),
                *(ASPECTS[a][0] for a in attributes["features"].split(", ")),
            ]
        )
        said = {name for name, pattern in FEATURES.items() if pattern.search(p["description"])}
        has = {name for name, pattern in FEATURES.items() if pattern.search(own)}
        assert said <= has, (p["id"], said - has, p["description"])
        noun = next(n for n in USES if p["title"].split(", ")[0].endswith(" " + n))
        assert any(use in p["description"] for use in USES[noun])
        claimed_by_some += bool(
            said - {name for name, pattern in FEATURES.items() if pattern.search(p["title"])}
        )
    assert claimed_by_some > 100  # the features are stated, not left out to pass
