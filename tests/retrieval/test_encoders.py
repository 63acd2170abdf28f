"""The encoder runs where the machine is fastest: on CUDA when there is a GPU, else on the CPU."""

from __future__ import annotations

import numpy as np
import torch

from retrieval.encoders import default_device


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
