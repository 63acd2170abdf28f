"""Which language a shopper writes in (English and Chinese at least); the one rule lives in retrieval,
where the query's language also decides how the search channels weigh."""

from __future__ import annotations

from retrieval.language import detect_language

__all__ = ["detect_language"]
