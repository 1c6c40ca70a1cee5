"""Benchmark of the semantic index, printed as ratios measured in the same run.

1. Full index of the sample library (read, parse, chunk, embed, write to Chroma) against a raw
   `SentenceTransformer.encode` of exactly the same texts. Goal: at most 1.15x.
2. A re-index of the unchanged library against the full index. Goal: at most 0.05x.

The model is loaded before anything is timed; each measurement is the best of ROUNDS runs, the
raw and pipeline runs interleaved (alternating which goes first) so that load from other
processes hits both alike.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
FULL_INDEX_GOAL = 1.15
NO_CHANGE_GOAL = 0.05


def _line(name: str, pipeline: float, raw: float, goal: float, raw_label: str) -> str:
    """One measurement: pipeline time, the reference time, the ratio and whether it meets the goal."""
    ratio = pipeline / raw if raw else float("inf")
    verdict = "ok" if ratio <= goal else "OVER GOAL"
    return (
        f"{name:<28} pipeline {pipeline:8.3f} s   {raw_label} {raw:8.3f} s   "
        f"ratio {ratio:6.3f}x   (goal <= {goal}x: {verdict})"
    )


def main() -> int:
    """Run the index benchmark and print its ratios."""
    from workbench.index.embedder import BATCH_SIZE, build_embedder
    from workbench.index.records import embedding_input
    from workbench.index.service import LibraryIndex
    from workbench.library.loader import load_library
    from workbench.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        library = work / "library"
        shutil.copytree(PROJECT_ROOT / "content_library", library)
        base = Settings(library_dir=library, data_dir=work / "data")
        embedder = build_embedder(base)
        model = embedder.model  # loading is not part of either measurement
        scan = load_library(library, base)
        texts = [embedding_input(chunk) for chunk in scan.chunks]
        unique_texts = list(dict.fromkeys(texts))
        model.encode(texts[:BATCH_SIZE], batch_size=BATCH_SIZE, normalize_embeddings=True)  # warm-up
        print(f"sample library: {scan.files} files, {len(scan.chunks)} chunks ({len(unique_texts)} distinct texts)")

        raw_times, full_times, no_change_times = [], [], []
        def raw_encode() -> None:
            started = time.perf_counter()
            model.encode(unique_texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
            raw_times.append(time.perf_counter() - started)

        for round_number in range(ROUNDS):
            # Alternate which goes first, so a change in machine load does not favour one side.
            if round_number % 2 == 0:
                raw_encode()
            settings = base.with_overrides(data_dir=work / f"data-{round_number}")
            index = LibraryIndex(settings, embedder)
            started = time.perf_counter()
            report = index.build()
            full_times.append(time.perf_counter() - started)
            assert report.chunks_embedded == len(unique_texts), report

            started = time.perf_counter()
            again = index.build()
            no_change_times.append(time.perf_counter() - started)
            assert again.chunks_embedded == 0 and again.chunks_unchanged == len(scan.chunks), again
            if round_number % 2 == 1:
                raw_encode()

        raw, full, no_change = min(raw_times), min(full_times), min(no_change_times)
        print(_line("full index vs raw encode", full, raw, FULL_INDEX_GOAL, "raw encode"))
        print(_line("no-change re-index vs full", no_change, full, NO_CHANGE_GOAL, "full index"))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
