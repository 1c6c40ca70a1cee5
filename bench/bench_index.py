"""Benchmark of the semantic index and its embedding backends, printed as ratios measured in the same run.

1. Embedding on the onnx backend (`Embedder.embed`, int8 ONNX) against a raw torch
   `SentenceTransformer.encode` of exactly the same texts. Goal: at least 2.5x faster.
2. Agreement of the two: mean and lowest cosine of each text's onnx and torch vectors. Goal: mean >= 0.99.
3. Full index of the sample library (read, parse, chunk, embed, write to Chroma) on the onnx backend
   against a raw encode of the same texts on the same backend, doing the same work with the raw
   libraries (the copy's tokenizer and one single-threaded onnxruntime session per CPU, one text per
   call, longest first, on a thread pool). Goal: at most 1.15x.
4. A re-index of the unchanged library against the full index. Goal: at most 0.05x.

Both backends are loaded before anything is timed. The sides are measured in alternating rounds
(the order reversed every round), so load from other processes hits each alike; min and median of
the rounds are printed, and the verdict is taken on the medians.
"""

from __future__ import annotations

import os
import queue
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import numpy as np  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SPEEDUP_GOAL = 2.5
AGREEMENT_GOAL = 0.99
FULL_INDEX_GOAL = 1.15
NO_CHANGE_GOAL = 0.05


def _times(values: list[float]) -> str:
    return f"min {min(values):7.3f} s  median {statistics.median(values):7.3f} s"


def ratio_line(name: str, side: list[float], reference: list[float], goal: float, labels: tuple[str, str]) -> str:
    """A time ratio (side / reference, lower is better): both sides' min and median, the ratio of medians, the verdict."""
    ratio = statistics.median(side) / statistics.median(reference)
    verdict = "ok" if ratio <= goal else "over goal"
    return (f"{name:<30} {labels[0]} {_times(side)} | {labels[1]} {_times(reference)} | "
            f"ratio {ratio:6.3f}x (min/min {min(side) / min(reference):6.3f}x)   goal <= {goal}x: {verdict}")


def speedup_line(name: str, fast: list[float], slow: list[float], goal: float, labels: tuple[str, str]) -> str:
    """A speed-up (slow / fast, higher is better), printed like ratio_line."""
    speedup = statistics.median(slow) / statistics.median(fast)
    verdict = "ok" if speedup >= goal else "over goal"
    return (f"{name:<30} {labels[0]} {_times(fast)} | {labels[1]} {_times(slow)} | "
            f"speed-up {speedup:5.2f}x (min/min {min(slow) / min(fast):5.2f}x)   goal >= {goal}x: {verdict}")


class RawOnnx:
    """onnxruntime and tokenizers used directly on the exported copy: the raw library of the onnx backend."""

    def __init__(self, copy: Path, workers: int) -> None:
        import json

        import onnxruntime
        from tokenizers import Tokenizer

        manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
        config = manifest["tokenizer"]
        self.dimension = int(manifest["dimension"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(workers):
            tokenizer = Tokenizer.from_file(str(copy / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=config["max_seq_length"])
            tokenizer.enable_padding(pad_id=config["pad_id"], pad_token=config["pad_token"])
            session = onnxruntime.InferenceSession(str(copy / "model.onnx"), options, providers=["CPUExecutionProvider"])
            self.idle.put((session, tokenizer))
        self.names = [item.name for item in session.get_inputs()]
        self.workers = workers

    def _batch(self, texts: list[str]) -> np.ndarray:
        session, tokenizer = self.idle.get()
        try:
            encodings = tokenizer.encode_batch([text.strip() for text in texts])
            feeds = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            (vectors,) = session.run(None, {name: feeds[name] for name in self.names})
        finally:
            self.idle.put((session, tokenizer))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit vectors for texts, in length-sorted batches run on the pool."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        rows = [order[start:start + batch_size] for start in range(0, len(texts), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        with ThreadPoolExecutor(self.workers) as pool:
            for batch, vectors in zip(rows, pool.map(lambda batch: self._batch([texts[i] for i in batch]), rows)):
                out[batch] = vectors
        return out


def alternate(sides: list[Callable[[], None]], rounds: int) -> None:
    """Run each side once per round, the order reversed every other round."""
    for number in range(rounds):
        for side in (sides if number % 2 == 0 else list(reversed(sides))):
            side()


def timed(into: list[float], work: Callable[[], object]) -> Callable[[], None]:
    """A side that appends its own duration to `into`."""
    def run() -> None:
        started = time.perf_counter()
        work()
        into.append(time.perf_counter() - started)
    return run


def main() -> int:
    """Run the index benchmark and print its figures."""
    from workbench.index import int8_range
    from workbench.index.embedder import BATCH_SIZE, BATCH_SIZES, build_embedder, chosen_backend
    from workbench.index.records import embedding_input
    from workbench.index.service import LibraryIndex
    from workbench.library.loader import load_library
    from workbench.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        library = work / "library"
        shutil.copytree(PROJECT_ROOT / "content_library", library)
        # The copy exported by `make models` is shared: the benchmark's own data dirs hold only indexes.
        base = Settings(library_dir=library, data_dir=work / "data",
                        embedding_cache_dir=Settings().resolved_embedding_cache_dir, embedding_backend="onnx")
        onnx = build_embedder(base)
        torch_model = build_embedder(base.with_overrides(embedding_backend="torch")).encoder.sentence_transformer
        onnx.embed(["warm up"])  # loading (and exporting, if the copy is missing) is not measured
        assert onnx.onnx_dir is not None
        raw_onnx = RawOnnx(onnx.onnx_dir, onnx.encoder.workers)
        scan = load_library(library, base)
        texts = list(dict.fromkeys(embedding_input(chunk) for chunk in scan.chunks))
        torch_model.encode(texts[:BATCH_SIZE], batch_size=BATCH_SIZE)  # warm-up
        raw_onnx.encode(texts[:BATCH_SIZE], BATCH_SIZES["onnx"])
        print(f"sample library: {scan.files} files, {len(scan.chunks)} chunks ({len(texts)} distinct texts); "
              f"{ROUNDS} alternating rounds")
        # The figures below are the onnx backend's on any CPU; the default takes it only where its goals hold.
        print(f"this CPU: {int8_range.this_machine()}; the default backend (auto) here: {chosen_backend('auto')}")

        torch_times: list[float] = []
        onnx_times: list[float] = []
        raw_onnx_times: list[float] = []
        full_times: list[float] = []
        no_change_times: list[float] = []
        vectors: dict[str, np.ndarray] = {}
        builds = iter(range(10_000))

        def full_index() -> None:
            index = LibraryIndex(base.with_overrides(data_dir=work / f"data-{next(builds)}"), onnx)
            started = time.perf_counter()
            report = index.build()
            full_times.append(time.perf_counter() - started)
            assert report.chunks_embedded == len(texts), report
            started = time.perf_counter()
            again = index.build()
            no_change_times.append(time.perf_counter() - started)
            assert again.chunks_embedded == 0 and again.chunks_unchanged == len(scan.chunks), again

        alternate([
            timed(torch_times, lambda: vectors.__setitem__("torch", torch_model.encode(
                texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True))),
            timed(onnx_times, lambda: vectors.__setitem__("onnx", onnx.embed(texts))),
            timed(raw_onnx_times, lambda: raw_onnx.encode(texts, BATCH_SIZES["onnx"])),  # the batches the backend uses
            full_index,
        ], ROUNDS)

        cosines = np.sum(vectors["onnx"] * vectors["torch"], axis=1)
        mean, lowest = float(cosines.mean()), float(cosines.min())
        print(speedup_line("onnx embed vs raw torch encode", onnx_times, torch_times, SPEEDUP_GOAL,
                           ("onnx embed", "torch encode")))
        print(f"{'onnx vs torch agreement':<30} mean cosine {mean:.4f}, min {lowest:.4f} over {len(texts)} texts   "
              f"goal mean >= {AGREEMENT_GOAL}: {'ok' if mean >= AGREEMENT_GOAL else 'over goal'}")
        print(ratio_line("full index vs raw onnx encode", full_times, raw_onnx_times, FULL_INDEX_GOAL,
                         ("full index", "raw onnx")))
        print(ratio_line("no-change re-index vs full", no_change_times, full_times, NO_CHANGE_GOAL,
                         ("no-change", "full index")))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
