"""Load catalog, reviews, users and events files into the store, setting bad rows aside in a report.

Order matters: users and products first, so that reviews and events can be checked against them.
Every file is read once, row by row; rows go to the store in batches, so large files stream.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.ingest.cleaning import RowRejected, clean_title, parse_price
from assistant.ingest.columns import (
    PRODUCT_COLUMNS,
    event_from_row,
    pick,
    product_from_row,
    review_from_row,
    user_from_row,
)
from assistant.ingest.readers import RawRow, RowIssue, read_rows
from ranking.event_store import EventStore
from retrieval.catalog_store import CatalogStore, UpsertCounts

BATCH = 2000
_HTML_HINT = ("<", "&amp;", "&lt;", "&#", "&quot;", "&nbsp;")


@dataclass(slots=True)
class FileReport:
    kind: str
    path: str
    rows: int = 0
    rejected: int = 0
    duplicates: int = 0
    cleaned: Counter = field(default_factory=Counter)
    store: UpsertCounts = field(default_factory=UpsertCounts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "rows": self.rows,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "cleaned": dict(self.cleaned),
            "store": self.store.to_dict(),
        }


@dataclass(slots=True)
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    report_path: Path | None = None
    users_created: int = 0

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "rejected": self.rejected,
            "users_created": self.users_created,
            "report": str(self.report_path) if self.report_path else None,
        }


class _FileRun:
    """Bookkeeping for one file: counts, issues, exact-duplicate detection."""

    def __init__(self, kind: str, path: str, report: IngestReport):
        self.file = FileReport(kind, path)
        self.report = report
        self._seen: dict[bytes, int] = {}
        report.files.append(self.file)

    def issue(self, line: int, reason: str, kind: str = "rejected") -> None:
        self.report.issues.append(RowIssue(self.file.path, line, reason, kind))
        if kind == "rejected":
            self.file.rejected += 1
        elif kind == "duplicate":
            self.file.duplicates += 1

    def rows(self, path: str | Path, fmt: str, show_progress: bool) -> Iterator[RawRow]:
        """Parsed rows, with unparseable lines and exact duplicates set aside."""
        for item in tqdm(
            read_rows(path, fmt), desc=f"{self.file.kind:<8}", unit=" rows", disable=not show_progress
        ):
            self.file.rows += 1
            if isinstance(item, RowIssue):
                self.report.issues.append(item)
                self.file.rejected += 1
                continue
            digest = hashlib.blake2b(
                json.dumps(item.data, sort_keys=True, default=str).encode(), digest_size=16
            ).digest()
            first = self._seen.setdefault(digest, item.line)
            if first != item.line:
                self.issue(item.line, f"exact duplicate of line {first}", "duplicate")
                continue
            yield item

    def mapped(self, rows: Iterable[RawRow], mapper: Callable[[RawRow], Any]) -> Iterator[tuple[RawRow, Any]]:
        for row in rows:
            try:
                yield row, mapper(row)
            except RowRejected as exc:
                self.issue(row.line, str(exc))


def _batched(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _add_counts(total: UpsertCounts, part: UpsertCounts) -> None:
    total.inserted += part.inserted
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.skipped += part.skipped


def _note_product_cleaning(run: _FileRun, row: RawRow, columns) -> None:
    raw_title = pick(row.data, "title", PRODUCT_COLUMNS, columns)
    repaired = not clean_title(raw_title)
    if repaired:
        run.file.cleaned["title taken from the description"] += 1
        run.issue(
            row.line,
            f"title {str(raw_title or '')[:40]!r} was empty or only markup; the description's first "
            "sentence stands in",
            "cleaned",
        )
    for field_name in ("description",) if repaired else ("title", "description"):
        raw = pick(row.data, field_name, PRODUCT_COLUMNS, columns)
        if raw is not None and any(h in str(raw) for h in _HTML_HINT):
            run.file.cleaned[f"html stripped from {field_name}"] += 1
            run.issue(row.line, f"HTML markup or entities removed from {field_name}", "cleaned")
    raw_price = pick(row.data, "price", PRODUCT_COLUMNS, columns)
    if raw_price is not None and parse_price(raw_price) is None:
        run.file.cleaned["unreadable price set to missing"] += 1
        run.issue(row.line, f"price {str(raw_price)[:40]!r} is not a price; stored as missing", "cleaned")


@dataclass(frozen=True, slots=True)
class _Reading:
    """How every file of one ingest is read: its format, the column renames, whether to show progress."""

    fmt: str
    columns: dict[str, str] | None
    show_progress: bool


def _unknown_product(run: _FileRun, line: int, product_id: str) -> None:
    run.issue(line, f"unknown product id {product_id!r}; load the catalog that lists it first (--catalog)")


def _ingest_users(event_store: EventStore, report: IngestReport, path, how: _Reading) -> None:
    run = _FileRun("users", str(path), report)
    pairs = run.mapped(
        run.rows(path, how.fmt, how.show_progress), lambda r: user_from_row(r.data, how.columns)
    )
    for batch in _batched(u for _, u in pairs):
        _add_counts(run.file.store, event_store.upsert_users(batch))


def _ingest_catalog(catalog_store: CatalogStore, report: IngestReport, path, how: _Reading) -> None:
    run = _FileRun("catalog", str(path), report)

    def map_product(row: RawRow):
        product = product_from_row(row.data, how.columns)
        _note_product_cleaning(run, row, how.columns)
        return product

    for batch in _batched(p for _, p in run.mapped(run.rows(path, how.fmt, how.show_progress), map_product)):
        _add_counts(run.file.store, catalog_store.upsert_products(batch))


def _latest_reviews(run: _FileRun, pairs, known_products: set[str]) -> Iterator[tuple[Any, str]]:
    """Reviews of known products, each user's latest per product; the others are set aside as issues."""
    # Only (line, time) per user and product stays in memory, never the reviews: they stream to the
    # store in batches, and a later review of the same product by the same user replaces the earlier.
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    for row, (review, name) in pairs:
        if review.product_id not in known_products:
            _unknown_product(run, row.line, review.product_id)
            continue
        if review.user_id is not None:
            key = (review.user_id, review.product_id)
            if key in latest:
                older_line, older_time = latest[key]
                if older_time > review.time:
                    run.issue(
                        row.line,
                        f"older review by the same user of the same product as line {older_line}",
                        "duplicate",
                    )
                    continue
                run.issue(
                    older_line,
                    f"superseded by a later review of the same product by the same user (line {row.line})",
                    "duplicate",
                )
            latest[key] = (row.line, review.time)
        yield review, name


def _ingest_reviews(
    catalog_store: CatalogStore,
    event_store: EventStore,
    report: IngestReport,
    path,
    how: _Reading,
    known_products: set[str],
) -> None:
    run = _FileRun("reviews", str(path), report)
    pairs = run.mapped(
        run.rows(path, how.fmt, how.show_progress), lambda r: review_from_row(r.data, how.columns)
    )
    for batch in _batched(_latest_reviews(run, pairs, known_products)):
        names = {r.user_id: name for r, name in batch if r.user_id is not None}
        report.users_created += event_store.ensure_users(names, names)
        _add_counts(run.file.store, catalog_store.upsert_reviews([r for r, _ in batch]))


def _known_events(run: _FileRun, pairs, known_products: set[str]) -> Iterator[Any]:
    for row, event in pairs:
        if event.product_id in known_products:
            yield event
        else:
            _unknown_product(run, row.line, event.product_id)


def _ingest_events(
    event_store: EventStore, report: IngestReport, path, how: _Reading, known_products: set[str]
) -> None:
    run = _FileRun("events", str(path), report)
    pairs = run.mapped(
        run.rows(path, how.fmt, how.show_progress), lambda r: event_from_row(r.data, how.columns)
    )
    for batch in _batched(_known_events(run, pairs, known_products)):
        report.users_created += event_store.ensure_users(e.user_id for e in batch)
        _add_counts(run.file.store, event_store.add_events(batch))


def _write_issues(report: IngestReport, reject_dir: Path) -> None:
    """Every issue, one JSON line each, into a new file under `reject_dir` (recorded in the report)."""
    reject_dir.mkdir(parents=True, exist_ok=True)
    report.report_path = (
        reject_dir / f"ingest-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}.jsonl"
    )
    with open(report.report_path, "w", encoding="utf-8") as fh:
        for issue in report.issues:
            fh.write(json.dumps(issue.to_dict(), ensure_ascii=False) + "\n")


def ingest_files(
    catalog_store: CatalogStore,
    event_store: EventStore,
    *,
    catalog=None,
    reviews=None,
    events=None,
    users=None,
    fmt: str = "auto",
    columns: dict[str, str] | None = None,
    reject_dir: Path | None = None,
    show_progress: bool = False,
) -> IngestReport:
    if not any((catalog, reviews, events, users)):
        raise ValueError("nothing to ingest: give at least one of --catalog, --reviews, --events, --users")
    report = IngestReport()
    how = _Reading(fmt, columns, show_progress)
    if users:
        _ingest_users(event_store, report, users, how)
    if catalog:
        _ingest_catalog(catalog_store, report, catalog, how)
    known_products = catalog_store.product_ids() if (reviews or events) else set()
    if reviews:
        _ingest_reviews(catalog_store, event_store, report, reviews, how, known_products)
    if events:
        _ingest_events(event_store, report, events, how, known_products)
    if reject_dir is not None and report.issues:
        _write_issues(report, reject_dir)
    return report
