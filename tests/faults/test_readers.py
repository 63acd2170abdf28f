"""Every reader against generated and hostile rows: what goes in comes back, bad rows are named by
line and never stop the good ones, and a big file is read in bounded memory."""

from __future__ import annotations

import csv
import gzip
import json
import tracemalloc

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assistant.cli.common import print_json
from assistant.ingest.readers import RawRow, RowIssue, read_rows
from retrieval.records import Candidate, Product

# Text that survives every format: no NUL (CSV cannot hold it), no lone surrogates (not UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
ROWS = st.lists(
    st.fixed_dictionaries(
        {"id": st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True), "title": TEXT, "price": TEXT}
    ),
    min_size=1,
    max_size=25,
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _write(path, rows, fmt):
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json-array":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "jsonl.gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    elif fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, ["id", "title", "price"])
            writer.writeheader()
            writer.writerows(rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=7)


@SETTINGS
@given(rows=ROWS, fmt=st.sampled_from(["jsonl", "json-array", "jsonl.gz", "csv", "parquet"]))
def test_generated_rows_come_back_unchanged_through_every_reader(tmp_path_factory, rows, fmt):
    path = tmp_path_factory.mktemp("rows") / f"rows.{fmt.replace('json-array', 'json')}"
    _write(path, rows, fmt)
    got = list(read_rows(path))
    assert all(isinstance(r, RawRow) for r in got), [r for r in got if isinstance(r, RowIssue)]
    if fmt == "csv":  # CSV drops rows whose every cell is blank, and turns \r\n inside a cell into \n
        rows = [{k: v.replace("\r\n", "\n").replace("\r", "\n") for k, v in r.items()} for r in rows]
        got_rows = [{k: v.replace("\r\n", "\n").replace("\r", "\n") for k, v in r.data.items()} for r in got]
        assert got_rows == rows
    else:
        assert [r.data for r in got] == rows


@SETTINGS
@given(lines=st.lists(st.one_of(st.binary(max_size=30), st.just(b'{"id": "ok"}')), min_size=1, max_size=20))
def test_garbage_lines_are_named_and_good_lines_still_load(tmp_path_factory, lines):
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    # A file whose first non-blank byte is "[" is read as one JSON array, not as lines.
    assume(not b"".join(lines).lstrip().startswith(b"["))
    path = tmp_path_factory.mktemp("junk") / "junk.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    got = list(read_rows(path))
    good = [i for i, line in enumerate(lines, start=1) if line == b'{"id": "ok"}']
    assert [r.line for r in got if isinstance(r, RawRow) and r.data == {"id": "ok"}] == good
    assert all(1 <= r.line <= len(lines) for r in got)


def test_a_truncated_json_array_keeps_the_items_before_the_cut(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"id": "a"}, {"id": "b"}, {"id": "c"')
    got = list(read_rows(path))
    assert [r.data["id"] for r in got if isinstance(r, RawRow)] == ["a", "b"]
    assert isinstance(got[-1], RowIssue) and got[-1].line == 3


def _peak_bytes_reading(path) -> tuple[int, int]:
    tracemalloc.start()
    count = sum(1 for _ in read_rows(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, peak


def test_big_files_are_read_in_bounded_memory(tmp_path):
    rows = [
        {"id": f"P{i}", "title": "A product title of moderate length " * 3, "price": f"{i}.99"}
        for i in range(60_000)
    ]
    for fmt in ("jsonl", "json-array", "csv", "parquet"):
        path = tmp_path / f"big.{fmt.replace('json-array', 'json')}"
        _write(path, rows, fmt)
        size = path.stat().st_size
        count, peak = _peak_bytes_reading(path)
        assert count == len(rows)
        # Holding the file (or its rows) would need several times its size; streaming needs a sliver.
        assert peak < size / 4, f"{fmt}: peak {peak:,} bytes reading a {size:,}-byte file"


def test_search_json_prints_the_score_as_a_number(capsys):
    candidate = Candidate(Product("p1", "Mug", price=5.0), score=np.float32(0.123456789))
    print_json([candidate.to_dict()])
    score = json.loads(capsys.readouterr().out)[0]["score"]
    assert isinstance(score, float) and abs(score - 0.123457) < 1e-6


def test_a_text_file_that_opens_with_gzips_mark_is_read_as_text(tmp_path):
    """Found by the property test above: a line starting with the bytes 1f 8b crashed the reader."""
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b'\x1f\x8b\n{"id": "ok"}\n')
    got = list(read_rows(path))
    assert isinstance(got[0], RowIssue) and got[0].line == 1
    assert [(r.line, r.data) for r in got if isinstance(r, RawRow)] == [(2, {"id": "ok"})]


@pytest.mark.parametrize(
    ("name", "header", "line"),
    [
        ("cut.jsonl.gz", b"", lambda i: f'{{"id": "p{i}", "pad": "{"x" * 40}{i}"}}\n'),
        ("cut.csv.gz", b"id,pad\n", lambda i: f"p{i},{'x' * 40}{i}\n"),  # stopped the CSV reader unnamed
    ],
)
def test_a_cut_off_gzip_file_keeps_the_rows_before_the_cut_and_names_the_place(tmp_path, name, header, line):
    whole = gzip.compress(header + b"".join(line(i).encode() for i in range(2000)))
    path = tmp_path / name
    path.write_bytes(whole[: len(whole) // 2])
    got = list(read_rows(path))
    rows = [r for r in got if isinstance(r, RawRow)]
    first = 2 if header else 1
    assert rows and [(r.line, r.data["id"]) for r in rows] == [(i + first, f"p{i}") for i in range(len(rows))]
    assert all(r.data["pad"] == f"{'x' * 40}{i}" for i, r in enumerate(rows))  # no row cut short
    assert isinstance(got[-1], RowIssue) and got[-1].line == rows[-1].line + 1
    assert "compress the file again" in got[-1].reason


def test_a_gzip_file_that_is_no_gzip_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x00garbage")
    with pytest.raises(ValueError, match="not a readable gzip file"):
        list(read_rows(broken))
