"""Read rows from CSV, JSON Lines, JSON arrays and Parquet files (gzip or not), keeping line numbers.

A row that cannot even be parsed (bad JSON, bad encoding) becomes a `RowIssue`, never an exception:
the good rows around it still load. Every reader streams: memory stays bounded by one line (JSON
Lines, CSV), one array item (JSON arrays) or one batch of a row group (Parquet), so a multi-GB dump
loads like a small one.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import zlib
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


# What a damaged or cut-off gzip stream raises while it is read (gzip.BadGzipFile is an OSError).
_GZIP_ERRORS = (EOFError, OSError, zlib.error)


def _damaged(exc: Exception) -> str:
    return f"the compressed file is damaged or cut off here ({exc}); the rows before it were read: compress the file again"


def _open_bytes(path: Path) -> io.BufferedIOBase:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic != b"\x1f\x8b":
        return open(path, "rb")
    fh = gzip.open(path, "rb")  # noqa: SIM115 (handed to the caller, who closes it)
    try:
        fh.peek(1)  # reads the header and the first block, and keeps them for the reader
    except _GZIP_ERRORS as exc:
        fh.close()
        if path.suffix.lower() == ".gz":
            raise ValueError(
                f"{path}: not a readable gzip file ({exc}); compress it again with gzip, or give it uncompressed"
            ) from exc
        # A text file whose first two bytes happen to be gzip's mark: it crashed the reader before.
        return open(path, "rb")
    return fh  # type: ignore[return-value]


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


JSON_CHUNK = 1 << 16
PARQUET_BATCH = 2048


def _json_array_items(fh, source: str) -> Iterator[RawRow | RowIssue]:
    """The objects of a JSON array, decoded one at a time from chunks (after the opening bracket)."""
    decoder = json.JSONDecoder()
    reader = codecs.getincrementaldecoder("utf-8")()
    buffer, index, done = "", 0, False
    while True:
        buffer = buffer.lstrip(" \t\r\n,")
        if buffer.startswith("]"):
            return
        try:
            item, end = decoder.raw_decode(buffer)
        except json.JSONDecodeError as exc:
            if done:
                yield RowIssue(source, index + 1, f"not a valid JSON array: {exc.msg} (item {index + 1})")
                return
            try:
                chunk = fh.read(JSON_CHUNK)
                buffer += reader.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                yield RowIssue(
                    source, index + 1, f"not valid UTF-8 (byte {err.start}); re-save the file as UTF-8"
                )
                return
            done = not chunk
            continue
        index += 1
        buffer = buffer[end:]
        yield (
            RawRow(source, index, item)
            if isinstance(item, dict)
            else RowIssue(source, index, "array item is not a JSON object")
        )


def _json_line(source: str, number: int, raw: bytes) -> RawRow | RowIssue | None:
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RowIssue(source, number, f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8")
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        return RowIssue(source, number, f"bad JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(item, dict):
        return RowIssue(source, number, "line is not a JSON object")
    return RawRow(source, number, item)


def _read_jsonl(path: Path) -> Iterator[RawRow | RowIssue]:
    source = str(path)
    with _open_bytes(path) as fh:
        head = fh.read(1)
        skipped = b""
        while head.isspace():
            skipped += head
            head = fh.read(1)
        if head == b"[":  # a JSON array of objects rather than one object a line
            yield from _json_array_items(fh, source)
            return
        first = skipped.count(b"\n") + 1
        number = first - 1  # the last line read, for a damaged stream's issue
        try:
            for number, raw in enumerate(itertools.chain([head + fh.readline()], fh), start=first):
                row = _json_line(source, number, raw)
                if row is not None:
                    yield row
        except _GZIP_ERRORS as exc:
            yield RowIssue(source, number + 1, _damaged(exc))


def _read_csv(path: Path) -> Iterator[RawRow | RowIssue]:
    source = str(path)
    bad_lines: dict[int, str] = {}

    def decoded(fh) -> Iterator[str]:
        lines, number = iter(fh), 0
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except _GZIP_ERRORS as exc:  # the rows before the damage stand; the issue names its line
                bad_lines[number + 1] = _damaged(exc)
                return
            number += 1
            try:
                yield line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                bad_lines[number] = f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8"
                yield "\n"  # keeps the line count, so later rows keep their numbers

    delimiter = "\t" if _base_suffix(path) == ".tsv" else ","
    with _open_bytes(path) as fh:
        reader = csv.DictReader(decoded(fh), delimiter=delimiter)
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
    number = 0
    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH):
            for row in batch.to_pylist():
                number += 1
                yield RawRow(source, number, row)
