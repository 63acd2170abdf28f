"""Retrieval fixtures: a small hand-built catalog, a fast deterministic encoder, a real `chroma run` server."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.catalog_store import CatalogStore
from retrieval.db import Database
from retrieval.records import Product, Review
from tests.support.fakes import HashingEncoder

SMALL_PRODUCTS = [
    Product(
        "B1",
        "Trailforge Summit waterproof hiking boots",
        "Leather boots that stay dry in rain.",
        ("Sports & Outdoors", "Hiking Boots"),
        "Trailforge",
        149.99,
        attributes={"color": "brown"},
    ),
    Product(
        "B2",
        "Cragline Lite hiking boots",
        "Budget boots for easy trails, light mesh upper.",
        ("Sports & Outdoors", "Hiking Boots"),
        "Cragline",
        69.99,
        attributes={"color": "grey"},
    ),
    Product(
        "B3",
        "Northpeak Ridge trekking boots",
        "Sturdy trekking boots with a wide toe box.",
        ("Sports & Outdoors", "Hiking Boots"),
        "Northpeak",
        119.0,
        attributes={"color": "olive"},
    ),
    Product(
        "S1",
        "Fleetfoot Aero running shoes",
        "Light road running shoes with plush cushioning.",
        ("Sports & Outdoors", "Running Shoes"),
        "Fleetfoot",
        59.0,
        attributes={"terrain": "road"},
    ),
    Product(
        "S2",
        "Kinetra Pulse trail running shoes",
        "Grippy trail runners for muddy paths.",
        ("Sports & Outdoors", "Running Shoes"),
        "Kinetra",
        165.0,
        attributes={"terrain": "trail"},
    ),
    Product(
        "C1",
        "Brewmont Classic drip coffee maker",
        "Brews 12 cups of coffee in minutes.",
        ("Home & Kitchen", "Coffee Makers"),
        "Brewmont",
        79.0,
        attributes={"capacity": "12 cups"},
    ),
    Product(
        "C2",
        "Crema Lab Studio espresso machine",
        "Espresso at home with a steam wand.",
        ("Home & Kitchen", "Coffee Makers"),
        "Crema Lab",
        389.0,
        attributes={"color": "silver"},
    ),
    Product(
        "C3",
        "Morningcup Everyday drip coffee maker",
        "A simple coffee maker for one person.",
        ("Home & Kitchen", "Coffee Makers"),
        "Morningcup",
        34.0,
        attributes={"capacity": "4 cups"},
    ),
    Product(
        "H1",
        "Quietwave Flow wireless headphones",
        "Bluetooth headphones with noise cancelling.",
        ("Electronics", "Headphones"),
        "Quietwave",
        129.0,
        attributes={"connection": "bluetooth"},
    ),
    Product(
        "H2",
        "Beatnik Echo earbuds",
        "Budget earbuds for the gym.",
        ("Electronics", "Headphones"),
        "Beatnik",
        25.0,
        attributes={"connection": "bluetooth"},
    ),
    Product("N1", "Gift card", "A gift card with no price and no category."),
]
SMALL_REVIEWS = [
    Review("R1", "C1", "u1", 5, "Excellent", "Love it. Really quiet, you barely hear it. Coffee ready fast."),
    Review("R2", "C3", "u2", 2, "Not great", "Much louder than I expected, quite noisy."),
    Review("R3", "B3", "u3", 5, "Finally", "Finally fits my wide feet. Stayed dry all day."),
    Review("R4", "B2", "u4", 4, "Good value", "Comfortable from the first minute."),
    Review("R5", "H1", "u5", 5, "Great", "Noise cancelling blocks out the whole train. 音质很好，很安静。"),
    Review("R6", "C2", "u6", 4, "Good", "Makes great espresso. Rinses clean in seconds."),
]


def make_catalog(path: Path, products=SMALL_PRODUCTS, reviews=SMALL_REVIEWS) -> CatalogStore:
    catalog = CatalogStore(Database(path / "shopmate.sqlite3"))
    catalog.upsert_products(products)
    catalog.upsert_reviews(reviews)
    return catalog


@pytest.fixture
def hashing_encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def small_catalog(tmp_path) -> CatalogStore:
    catalog = make_catalog(tmp_path)
    yield catalog
    catalog.db.close()


@pytest.fixture(scope="session")
def minilm():
    """The real default encoder, loaded once for the session."""
    from retrieval.encoders import load_encoder

    return load_encoder("minilm")
