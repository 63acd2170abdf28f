"""`shopmate ingest`, `shopmate demo-data` and `shopmate status`: getting data into a store."""

from __future__ import annotations

import argparse
import sys

from assistant.cli.common import EXIT_OK, EXIT_REJECTED_ROWS, EXIT_USAGE, CliError, open_shop, print_json
from assistant.ingest.readers import FORMATS


def _column_pairs(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field or not column:
            raise CliError(
                f"--column {pair!r} should look like FIELD=COLUMN, e.g. --column title=product_name",
                EXIT_USAGE,
            )
        mapping[field.strip()] = column.strip()
    return mapping


def _print_ingest(report) -> None:
    print(f"{'file':<9} {'rows':>9} {'new':>9} {'updated':>9} {'same':>9} {'dupes':>7} {'rejected':>9}")
    for f in report.files:
        s = f.store
        print(
            f"{f.kind:<9} {f.rows:>9} {s.inserted:>9} {s.updated:>9} {s.unchanged:>9} {f.duplicates:>7} "
            f"{f.rejected:>9}"
        )
        for note, count in sorted(f.cleaned.items()):
            print(f"{'':<9} cleaned: {note}: {count}")
    if report.users_created:
        print(f"users created from reviews and events: {report.users_created}")
    if report.report_path:
        print(f"every set-aside, folded or cleaned row, with file, line and reason: {report.report_path}")


def _warn_rejects(report) -> None:
    shown = [i for i in report.issues if i.kind == "rejected"][:10]
    for issue in shown:
        print(f"  rejected {issue.file}:{issue.line}: {issue.reason}", file=sys.stderr)
    if report.rejected > len(shown):
        print(f"  ... and {report.rejected - len(shown)} more rejected rows in the report", file=sys.stderr)


def run_ingest(args: argparse.Namespace) -> int:
    shop = open_shop(args)
    report = shop.ingest(
        catalog=args.catalog,
        reviews=args.reviews,
        events=args.events,
        users=args.users,
        fmt=args.format,
        columns=_column_pairs(args.column),
        show_progress=not args.json,
    )
    if args.json:
        print_json({**report.to_dict(), "counts": shop.counts()})
    else:
        _print_ingest(report)
        print("store now holds: " + ", ".join(f"{v} {k}" for k, v in shop.counts().items()))
    _warn_rejects(report)
    return EXIT_REJECTED_ROWS if report.rejected else EXIT_OK


def run_demo_data(args: argparse.Namespace) -> int:
    from assistant.demo_store import generate_demo_store

    paths = generate_demo_store(
        args.out, seed=args.seed, products=args.products, users=args.users, show_progress=True
    )
    print(
        f"wrote {paths.products}, {paths.reviews}, {paths.events}, {paths.users} "
        f"(and the users' hidden tastes in {paths.hidden_tastes})"
    )
    print(
        f"load it with: shopmate ingest --catalog {paths.products} --reviews {paths.reviews} "
        f"--events {paths.events} --users {paths.users}"
    )
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    shop = open_shop(args)
    versions = shop.versions()
    info = {
        "home": str(shop.home),
        **shop.counts(),
        "catalog_version": versions["catalog"],
        "events_version": versions["events"],
    }
    if args.json:
        print_json(info)
    else:
        for key, value in info.items():
            print(f"{key:<16} {value}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="load catalog, reviews, events and users files into the store",
        description="Load files into the store. Bad rows are set aside in a reject report "
        "(file, line, reason) and the good rows go in; loading the same file twice "
        "changes nothing. Exit status 3 means some rows were rejected.",
    )
    p.add_argument(
        "--catalog", help="products file (CSV, JSON Lines, Parquet, or Amazon meta_*.json[l][.gz])"
    )
    p.add_argument("--reviews", help="reviews file (same formats, or Amazon *.json[l][.gz] reviews)")
    p.add_argument("--events", help="behaviour events file: user_id, product_id, kind, time, value, session")
    p.add_argument("--users", help="users file: id, name, locale, marketing_opt_in, timezone, quiet_hours")
    p.add_argument(
        "--format", choices=FORMATS, default="auto", help="file format (default: from the file name)"
    )
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read FIELD from COLUMN, for files whose headers differ (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run_ingest)

    p = sub.add_parser(
        "demo-data",
        help="write a generated demo store (products, reviews, events, users)",
        description="Generate a demo store, deterministic from --seed, as JSON Lines files that "
        "'shopmate ingest' reads.",
    )
    p.add_argument("--out", required=True, help="directory to write the files to")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--products", type=int, default=3000)
    p.add_argument("--users", type=int, default=1000)
    p.set_defaults(run=run_demo_data)

    p = sub.add_parser(
        "status", help="what the store holds", description="Counts and data versions of the store."
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_status)
