"""The ranker's files are replaced whole, even when two processes train at once."""

from __future__ import annotations

import multiprocessing
import pickle

import pytest

from ranking.files import write_atomically


def _write_many(path, tag):
    for i in range(200):
        write_atomically(path, lambda fh, i=i: pickle.dump((tag, i, b"x" * 100_000), fh))


def test_two_processes_writing_one_file_leave_a_whole_file_and_no_scratch(tmp_path):
    target = tmp_path / "ranker.pkl"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(target, tag)) for tag in "ab"]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=120)
    assert [w.exitcode for w in writers] == [0, 0]
    tag, i, payload = pickle.loads(target.read_bytes())
    assert tag in "ab" and i == 199 and len(payload) == 100_000
    assert [p.name for p in tmp_path.iterdir()] == ["ranker.pkl"]


def test_a_writer_that_fails_leaves_the_old_file_and_no_scratch(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def broken(fh):
        fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
