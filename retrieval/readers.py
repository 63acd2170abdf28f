"""Read rows from CSV, JSON Lines, JSON arrays and Parquet files (gzip or not), keeping line numbers.

A row that cannot even be parsed (bad JSON, bad encoding) becomes a `RowIssue`, never an exception:
the good rows around it still load.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMATS = ("auto", "csv", "jsonl", "parquet", "amazon")


@dataclass(frozen=True, slots=True)
class RawRow:
    source: str
    line: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RowIssue:
    file: str
    line: int
    reason: str
    # "rejected": the row was set aside; "duplicate": folded into another row; "cleaned": loaded after a fix.
    kind: str = "rejected"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _open_bytes(path: Path) -> io.BufferedIOBase:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")  # type: ignore[return-value]


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def detect_format(path: str | Path) -> str:
    """csv, jsonl or parquet from the file name, falling back to sniffing the first byte."""
    path = Path(path)
    suffix = _base_suffix(path)
    if suffix in {".csv", ".tsv"}:
        return "csv"
    if suffix in {".jsonl", ".json", ".ndjson"}:
        return "jsonl"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    with _open_bytes(path) as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    if head.lstrip()[:1] in (b"{", b"["):
        return "jsonl"
    return "csv"


def read_rows(path: str | Path, fmt: str = "auto") -> Iterator[RawRow | RowIssue]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file; check the path given to shopmate ingest")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    kind = detect_format(path) if fmt in {"auto", "amazon"} else fmt
    if kind == "parquet":
        yield from _read_parquet(path)
    elif kind == "csv":
        yield from _read_csv(path)
    else:
        yield from _read_jsonl(path)


def _read_jsonl(path: Path) -> Iterator[RawRow | RowIssue]:
    source = str(path)
    with _open_bytes(path) as fh:
        first = fh.read(1)
        while first.isspace():
            first = fh.read(1)
        fh_rest = fh.read()
    data = first + fh_rest
    if first == b"[":  # a JSON array of objects rather than one object a line
        try:
            items = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield RowIssue(source, 1, f"not a valid JSON array: {exc}")
            return
        for index, item in enumerate(items, start=1):
            yield RawRow(source, index, item) if isinstance(item, dict) else RowIssue(
                source, index, "array item is not a JSON object")
        return
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RowIssue(source, number, f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8")
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RowIssue(source, number, f"bad JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(item, dict):
            yield RowIssue(source, number, "line is not a JSON object")
            continue
        yield RawRow(source, number, item)


def _read_csv(path: Path) -> Iterator[RawRow | RowIssue]:
    source = str(path)
    with _open_bytes(path) as fh:
        raw = fh.read()
    lines = raw.split(b"\n")
    decoded: list[str] = []
    bad_lines: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            bad_lines[number] = f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8"
            decoded.append("")
    delimiter = "\t" if _base_suffix(path) == ".tsv" else ","
    reader = csv.DictReader(io.StringIO("\n".join(decoded)), delimiter=delimiter)
    header_width = len(reader.fieldnames or [])
    last_line = 1
    for row in reader:
        number = reader.line_num
        for bad in [n for n in bad_lines if last_line < n <= number]:
            yield RowIssue(source, bad, bad_lines.pop(bad))
        last_line = number
        if None in row or len([v for v in row.values() if v is not None]) != header_width:
            yield RowIssue(source, number, f"expected {header_width} columns as in the header")
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        yield RawRow(source, number, dict(row))
    for bad, reason in sorted(bad_lines.items()):
        yield RowIssue(source, bad, reason)


def _read_parquet(path: Path) -> Iterator[RawRow | RowIssue]:
    import pyarrow.parquet as pq

    source = str(path)
    table = pq.read_table(path)
    for number, row in enumerate(table.to_pylist(), start=1):
        yield RawRow(source, number, row)
