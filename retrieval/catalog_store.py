"""Products and reviews in the store: idempotent upserts and typed reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from retrieval.db import Database
from retrieval.filters import CatalogColumns
from retrieval.records import Product, Review

MIGRATIONS = [
    """
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '[]',
        brand TEXT NOT NULL DEFAULT '',
        price REAL,
        currency TEXT NOT NULL DEFAULT 'USD',
        attributes TEXT NOT NULL DEFAULT '{}',
        image_url TEXT NOT NULL DEFAULT '',
        rating REAL,
        rating_count INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX products_brand ON products(brand);
    CREATE TABLE reviews (
        id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        user_id TEXT,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        time INTEGER NOT NULL DEFAULT 0,
        verified INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX reviews_product ON reviews(product_id);
    CREATE UNIQUE INDEX reviews_user_product ON reviews(user_id, product_id) WHERE user_id IS NOT NULL
    """,
]

CATALOG_VERSION_KEY = "catalog_version"


@dataclass(slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated

    def to_dict(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _product_hash(p: Product) -> str:
    return _hash(
        p.title, p.description, list(p.category), p.brand, p.price, p.currency, p.attributes, p.image_url
    )


def _row_to_product(row) -> Product:
    return Product(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        category=tuple(json.loads(row["category"])),
        brand=row["brand"],
        price=row["price"],
        currency=row["currency"],
        attributes=json.loads(row["attributes"]),
        image_url=row["image_url"],
        rating=row["rating"],
        rating_count=row["rating_count"],
    )


def _row_to_review(row) -> Review:
    return Review(
        id=row["id"],
        product_id=row["product_id"],
        user_id=row["user_id"],
        rating=row["rating"],
        title=row["title"],
        text=row["text"],
        time=row["time"],
        verified=bool(row["verified"]),
    )


class CatalogStore:
    def __init__(self, db: Database):
        self.db = db
        db.migrate("catalog", MIGRATIONS)

    @property
    def version(self) -> int:
        """Bumped whenever a product or review changes; derived artifacts record it."""
        return int(self.db.get_meta(CATALOG_VERSION_KEY, "0"))

    # -- writes -------------------------------------------------------------------------------------
    def upsert_products(self, products: Iterable[Product]) -> UpsertCounts:
        counts = UpsertCounts()
        with self.db.transaction() as conn:
            for p in products:
                digest = _product_hash(p)
                row = conn.execute("SELECT content_hash FROM products WHERE id = ?", (p.id,)).fetchone()
                if row is not None and row["content_hash"] == digest:
                    counts.unchanged += 1
                    continue
                values = (
                    p.title,
                    p.description,
                    json.dumps(list(p.category), ensure_ascii=False),
                    p.brand,
                    p.price,
                    p.currency,
                    json.dumps(p.attributes, ensure_ascii=False, sort_keys=True),
                    p.image_url,
                    digest,
                    p.id,
                )
                if row is None:
                    conn.execute(
                        "INSERT INTO products (title, description, category, brand, price, currency, attributes,"
                        " image_url, content_hash, id, rating, rating_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (*values, p.rating, p.rating_count),
                    )
                    counts.inserted += 1
                else:
                    conn.execute(
                        "UPDATE products SET title=?, description=?, category=?, brand=?, price=?, currency=?,"
                        " attributes=?, image_url=?, content_hash=? WHERE id=?",
                        values,
                    )
                    counts.updated += 1
            if counts.changed:
                self.db.bump_version(CATALOG_VERSION_KEY)
        return counts

    def upsert_reviews(self, reviews: Iterable[Review]) -> UpsertCounts:
        """Insert or update reviews; of two reviews by one user of one product, the later one wins."""
        counts = UpsertCounts()
        touched: set[str] = set()
        with self.db.transaction() as conn:
            for r in reviews:
                digest = _hash(r.product_id, r.user_id, r.rating, r.title, r.text, r.time, r.verified)
                row = conn.execute("SELECT content_hash FROM reviews WHERE id = ?", (r.id,)).fetchone()
                if row is not None and row["content_hash"] == digest:
                    counts.unchanged += 1
                    continue
                if r.user_id is not None:
                    rival = conn.execute(
                        "SELECT id, time FROM reviews WHERE user_id = ? AND product_id = ? AND id != ?",
                        (r.user_id, r.product_id, r.id),
                    ).fetchone()
                    if rival is not None:
                        if rival["time"] >= r.time:
                            counts.skipped += 1
                            continue
                        conn.execute("DELETE FROM reviews WHERE id = ?", (rival["id"],))
                conn.execute(
                    "INSERT INTO reviews (id, product_id, user_id, rating, title, text, time, verified, content_hash)"
                    " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET product_id=excluded.product_id,"
                    " user_id=excluded.user_id, rating=excluded.rating, title=excluded.title, text=excluded.text,"
                    " time=excluded.time, verified=excluded.verified, content_hash=excluded.content_hash",
                    (
                        r.id,
                        r.product_id,
                        r.user_id,
                        r.rating,
                        r.title,
                        r.text,
                        r.time,
                        int(r.verified),
                        digest,
                    ),
                )
                if row is None:
                    counts.inserted += 1
                else:
                    counts.updated += 1
                touched.add(r.product_id)
            self._refresh_ratings(touched)
            if counts.changed:
                self.db.bump_version(CATALOG_VERSION_KEY)
        return counts

    def _refresh_ratings(self, product_ids: Iterable[str]) -> None:
        """A product's rating summary follows its reviews once it has any."""
        for pid in product_ids:
            self.db.conn.execute(
                "UPDATE products SET rating = (SELECT ROUND(AVG(rating), 2) FROM reviews WHERE product_id = ?),"
                " rating_count = (SELECT COUNT(*) FROM reviews WHERE product_id = ?) WHERE id = ?",
                (pid, pid, pid),
            )

    def delete_products(self, ids: Sequence[str]) -> int:
        with self.db.transaction() as conn:
            deleted = sum(conn.execute("DELETE FROM products WHERE id = ?", (i,)).rowcount for i in ids)
            if deleted:
                self.db.bump_version(CATALOG_VERSION_KEY)
        return deleted

    def forget_review_author(self, user_id: str) -> int:
        """Right to be forgotten: reviews stay as catalog content but lose the link to their author."""
        with self.db.transaction() as conn:
            n = conn.execute("UPDATE reviews SET user_id = NULL WHERE user_id = ?", (user_id,)).rowcount
            if n:
                self.db.bump_version(CATALOG_VERSION_KEY)
        return n

    # -- reads --------------------------------------------------------------------------------------
    def count_products(self) -> int:
        return self.db.conn.execute("SELECT COUNT(*) FROM products").fetchone()[0]

    def count_reviews(self) -> int:
        return self.db.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]

    def product_ids(self) -> set[str]:
        return {row[0] for row in self.db.conn.execute("SELECT id FROM products")}

    def get_product(self, product_id: str) -> Product | None:
        row = self.db.conn.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
        return _row_to_product(row) if row else None

    def get_products(self, ids: Sequence[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.conn.execute(f"SELECT * FROM products WHERE id IN ({marks})", chunk):
                found[row["id"]] = _row_to_product(row)
        return found

    def filter_columns(self) -> CatalogColumns:
        """Every product's filterable fields as columns, in id order (the order `iter_products` reads)."""
        parsed: dict[str, tuple[str, ...]] = {}  # a catalog has few distinct paths: parse each once

        def path(raw: str) -> tuple[str, ...]:
            if raw not in parsed:
                parsed[raw] = tuple(json.loads(raw))
            return parsed[raw]

        rows = self.db.conn.execute("SELECT id, brand, price, rating, category FROM products ORDER BY id")
        return CatalogColumns.build((r[0], r[1], r[2], r[3], path(r[4])) for r in rows)

    def iter_products(self, batch_size: int = 1000) -> Iterator[Product]:
        cursor = self.db.conn.execute("SELECT * FROM products ORDER BY id")
        while rows := cursor.fetchmany(batch_size):
            yield from (_row_to_product(r) for r in rows)

    def iter_reviews(self, product_id: str | None = None, batch_size: int = 1000) -> Iterator[Review]:
        if product_id is None:
            cursor = self.db.conn.execute("SELECT * FROM reviews ORDER BY id")
        else:
            cursor = self.db.conn.execute(
                "SELECT * FROM reviews WHERE product_id = ? ORDER BY time DESC", (product_id,)
            )
        while rows := cursor.fetchmany(batch_size):
            yield from (_row_to_review(r) for r in rows)

    def reviews_for(self, product_id: str, limit: int = 20) -> list[Review]:
        rows = self.db.conn.execute(
            "SELECT * FROM reviews WHERE product_id = ? ORDER BY time DESC LIMIT ?", (product_id, limit)
        )
        return [_row_to_review(r) for r in rows]

    def reviews_by(self, user_id: str) -> list[Review]:
        rows = self.db.conn.execute("SELECT * FROM reviews WHERE user_id = ? ORDER BY time", (user_id,))
        return [_row_to_review(r) for r in rows]

    def brands(self) -> list[str]:
        return [
            r[0]
            for r in self.db.conn.execute(
                "SELECT DISTINCT brand FROM products WHERE brand != '' ORDER BY brand"
            )
        ]

    def categories(self) -> list[tuple[str, ...]]:
        return sorted(
            {
                tuple(json.loads(r[0]))
                for r in self.db.conn.execute("SELECT DISTINCT category FROM products")
                if r[0] != "[]"
            }
        )
