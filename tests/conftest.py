"""Fixtures shared across the suite: small generated stores, the real Gift Cards data, offline settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Nothing in the suite may reach a model hub or phone home; the small test model stands in for the LM.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("SHOPMATE_LLM", "test")
# Likewise the small packaged encoder, for speed; the default one (mpnet) has its contract suite
# (tests/contracts/test_encoder.py), and tests/retrieval/test_encoders.py unpacks a split archive as its
# weights are.
os.environ.setdefault("SHOPMATE_ENCODER", "minilm")
# The test model cannot translate a query; the translation's wiring has tests of its own with fakes.
os.environ.setdefault("SHOPMATE_TRANSLATE_QUERIES", "0")

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
GIFT_CARDS = DATASETS / "amazon2018_gift_cards"


@pytest.fixture(scope="session", autouse=True)
def prepared_test_model(tmp_path_factory):
    """The test model converted for the default backend once, before any test asks it for a reply, as
    `make demo` does with `shopmate models prepare`. In its own process: the converter collects garbage
    after every layer, which in the test process, holding every earlier test's objects, costs minutes."""
    from assistant.llm.ctranslate2_backend import ct2_dir, quantization_for, read_ct2_manifest
    from assistant.llm.weights import PACKAGED_MODELS

    if os.environ.get("SHOPMATE_LLM_BACKEND", "ctranslate2") != "ctranslate2":
        return
    sha = PACKAGED_MODELS["test"].sha256
    if read_ct2_manifest(ct2_dir("test"), sha, quantization_for("test")) is None:
        home = tmp_path_factory.mktemp("prepare-home")
        command = [sys.executable, "-m", "assistant.cli", "--home", str(home), "models", "prepare"]
        subprocess.run([*command, "--model", "test", "--no-check"], cwd=ROOT, check=True, capture_output=True)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on a free loopback port; yields its URL."""
    from tests.support.servers import CHROMA_BIN, chroma_binary, chroma_running

    binary = chroma_binary()
    if not binary:
        pytest.skip(
            f"the `chroma` binary is not installed (looked at {CHROMA_BIN} and on PATH); "
            "pip install chromadb to run the server tests"
        )
    with chroma_running(binary, tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture(scope="session")
def gift_cards() -> Path:
    if not (GIFT_CARDS / "meta_Gift_Cards.json.gz").exists():
        pytest.skip(f"the shared Gift Cards data set is not at {GIFT_CARDS}")
    return GIFT_CARDS


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory):
    """A small generated demo store on disk (300 products, 120 users), the same in every run."""
    from assistant.demo_store import generate_demo_store

    return generate_demo_store(tmp_path_factory.mktemp("demo-source"), seed=11, products=300, users=120)


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory, demo_source):
    """A Shop with the small demo store ingested. Shared: tests must not change its data."""
    from assistant.shop import Shop

    shop = Shop.open(tmp_path_factory.mktemp("demo-home"), llm="test")
    shop.ingest(
        catalog=demo_source.products,
        reviews=demo_source.reviews,
        events=demo_source.events,
        users=demo_source.users,
    )
    yield shop
    shop.close()


@pytest.fixture
def empty_shop(tmp_path):
    from assistant.shop import Shop

    shop = Shop.open(tmp_path / "home", llm="test")
    yield shop
    shop.close()


@pytest.fixture(scope="session")
def indexed_demo_shop(demo_shop):
    """The small demo store with its Chroma index built and its ranker trained (shared, read-only)."""
    demo_shop.build_index()
    demo_shop.train()
    return demo_shop
