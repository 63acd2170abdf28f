"""`shopmate index` and `shopmate search`: building the search index and querying it."""

from __future__ import annotations

import argparse

import httpx

from assistant.cli.common import EXIT_OK, EXIT_USAGE, CliError, open_shop, print_json


def _server_gone(shop, exc: Exception) -> CliError:
    """A Chroma server that stopped answering mid-command, named, with the way back."""
    return CliError(
        f"the Chroma server at {shop.settings.chroma_url} stopped answering ({type(exc).__name__}: {exc}); "
        "start it again and rerun the command: `shopmate index` picks up where it stopped"
    )


def run_index(args: argparse.Namespace) -> int:
    from retrieval.index import SearchIndexError

    shop = open_shop(args, chroma_url=args.chroma_url)
    try:
        report = shop.build_index(show_progress=not args.json, rebuild=args.rebuild)
    except SearchIndexError as exc:
        raise CliError(str(exc)) from exc
    except httpx.TransportError as exc:
        raise _server_gone(shop, exc) from exc
    manifest = shop.versions()["index"]  # loaded by the build
    if args.json:
        print_json({**report.to_dict(), "manifest": manifest})
    else:
        for label, counts in (("products", report.products), ("review passages", report.passages)):
            print(f"{label:<16} " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        lexical = report.lexical
        if lexical:
            print(
                f"{'lexical index':<16} "
                + (f"built in {lexical['seconds']:.1f} s" if lexical["built"] else "current")
                + f" ({lexical['products']} products, {lexical['passages']} passages) at {lexical['location']}"
            )
        rate = report.to_dict()["items_per_s"]
        print(
            f"done in {report.seconds:.1f} s"
            + (f" ({rate} items/s embedded)" if rate else "")
            + f"; index at {manifest['location']}, catalog version {report.catalog_version}"
        )
    return EXIT_OK


def run_search(args: argparse.Namespace) -> int:
    from retrieval.index import SearchIndexError
    from retrieval.query import SearchFilters

    try:
        filters = SearchFilters(
            categories=tuple(args.category),
            brands=tuple(args.brand),
            exclude_brands=tuple(args.exclude_brand),
            min_price=args.min_price,
            max_price=args.max_price,
            min_rating=args.min_rating,
        )
    except (TypeError, ValueError) as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    shop = open_shop(args, chroma_url=args.chroma_url)
    try:
        results = shop.search(args.query, filters=None if filters.is_empty else filters, k=args.k)
    except SearchIndexError as exc:
        raise CliError(str(exc)) from exc
    except httpx.TransportError as exc:
        raise _server_gone(shop, exc) from exc
    except (TypeError, ValueError) as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    if args.json:
        print_json([c.to_dict() for c in results])
        return EXIT_OK
    if not results:
        print("no products match; loosen the filters or rephrase")
    for rank, c in enumerate(results, 1):
        p = c.product
        price = f"{p.price:.2f} {p.currency}" if p.price is not None else "no price"
        rating = f"{p.rating:.1f}★ ({p.rating_count})" if p.rating is not None else "unrated"
        print(f"{rank:>2}. {p.title}  [{p.id}]  {price}  {rating}  score {c.score:.4f}")
        for passage in c.evidence:
            print(f"      \u201c{passage}\u201d")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "index",
        help="embed products and reviews into the search index (Chroma)",
        description="Embed every product and review passage into Chroma. Re-running embeds only "
        "what changed and removes what was deleted; an interrupted run resumes.",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="drop the index and embed everything again (needed after changing the encoder)",
    )
    p.add_argument(
        "--chroma-url",
        help="a Chroma server (`chroma run`), e.g. http://localhost:8000 "
        "(default: embedded Chroma in HOME/chroma, or $SHOPMATE_CHROMA_URL)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run_index)

    p = sub.add_parser(
        "search",
        help="search products (hybrid dense + BM25, with review evidence)",
        description="Search the catalog. Prices, ratings, brands and categories in the query "
        '("under $50", "4 stars and up", "not Nike") become filters too.',
    )
    p.add_argument("query")
    p.add_argument(
        "--category", action="append", default=[], help="only this category (any level; repeatable)"
    )
    p.add_argument("--brand", action="append", default=[], help="only this brand (repeatable)")
    p.add_argument("--exclude-brand", action="append", default=[], help="never this brand (repeatable)")
    p.add_argument("--min-price", type=float)
    p.add_argument("--max-price", type=float)
    p.add_argument("--min-rating", type=float)
    p.add_argument("-k", type=int, default=10, help="how many results (default 10)")
    p.add_argument("--chroma-url", help="a Chroma server instead of the embedded one")
    p.add_argument("--json", action="store_true", help="print a JSON list, best first")
    p.set_defaults(run=run_search)
