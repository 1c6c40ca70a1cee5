"""Gap-detection speed: 1,000 skills against a synthetic library of 5,000 to 20,000 chunks.

The library is written as markdown files and indexed through the workbench's own index (Chroma);
to keep the set-up affordable on a laptop the embedder is a deterministic hashing embedder
(words hashed into 384 signed dimensions), so both sides work on the same real vectors. Measured
side by side in one run, for the same 1,000 skill vectors:

- raw: one batched Chroma query of the skill vectors (k=10), what a plain similarity search costs;
- scoring: the gap scorer on the index's chunks and vectors (lexical + dense channels at passage,
  section and module level, calibration, competition, teaching vs mentions, heading matches,
  taught_by / mentioned_in / why, duplicates, orphans), with the library's lexical model
  reused from the data folder (unchanged library) and, separately, fitted again (changed library);
- report: the whole `GapService.report()` (index freshness check, reading modules and vectors, scoring)
  on a long-lived index, as in the app (its in-memory parse and vector caches are warm);
- first report: the same on a new index object, as a single `workbench gaps` run pays it
  (every file parsed once, every vector read from Chroma; the TF-IDF model is read from disk).

    python bench/bench_gaps_speed.py [--sizes 5000,10000,20000] [--skills 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from workbench.bootstrap import bootstrap  # noqa: E402
from workbench.gaps.lexical import CACHE_FILE  # noqa: E402
from workbench.gaps.service import GapService  # noqa: E402
from workbench.gaps.view import LibraryView, skill_query  # noqa: E402
from workbench.settings import Settings  # noqa: E402

DIMENSION = 384
CHUNKS_PER_MODULE = 10
RAW_K = 10
ROUNDS = int(os.environ.get("BENCH_GAPS_ROUNDS", "3"))
GOAL = 1.5  # the largest size: gap scoring and full report within 1.5x the raw batched query


class HashingEmbedder:
    """Deterministic bag-of-words vectors: each word adds a signed pseudo-random unit pattern."""

    model_name = "bench-hashing-384"
    dimension = DIMENSION

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vector = self._cache.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(DIMENSION).astype(np.float32)
            self._cache[word] = vector
        return vector

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """(n, 384) unit vectors."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i] += self._word(word.strip(".,:;>#"))
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def write_library(root: Path, chunks: int, skills: int, rng: np.random.Generator) -> Path:
    """Modules of ten chunks each; module m is about topic m % (0.8 * skills); skills without a module are gaps."""
    library = root / "library"
    library.mkdir(parents=True)
    common = [f"common{i}" for i in range(2000)]
    taught_topics = int(skills * 0.8)
    for module in range(chunks // CHUNKS_PER_MODULE):
        topic = module % taught_topics
        words = [f"t{topic}w{j}" for j in range(12)]
        intro = " ".join(rng.choice(common, 30).tolist())
        lines = [f"# Module {module} on topic {topic} {' '.join(words[:3])}", "", intro, ""]
        for section in range(CHUNKS_PER_MODULE - 1):
            body = " ".join(rng.choice(words, 15).tolist() + rng.choice(common, 45).tolist())
            lines += [f"## Section {section} {words[section % 12]}", "", body, ""]
        folder = library / f"area{module % 20}"
        folder.mkdir(exist_ok=True)
        (folder / f"module-{module}.md").write_text("\n".join(lines), encoding="utf-8")
    rows = ["id,name,description"]
    for topic in range(skills):
        words = [f"t{topic}w{j}" for j in range(12)]
        rows.append(f"skill-{topic},Topic {topic} {words[0]},{' '.join(words[:8])} and common{topic % 2000}")
    (root / "skills.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return library


def alternating(functions: dict, rounds: int = ROUNDS) -> dict[str, float]:
    """Median wall time of each function, all of them run in turn in every round (a load change hits them alike)."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def measure(size: int, skills: int, work: Path, embedder: HashingEmbedder) -> dict:
    """Build a library of `size` chunks and time raw query, scoring and report for the same skill vectors."""
    root = work / f"lib{size}"
    library = write_library(root, size, skills, np.random.default_rng(size))
    settings = Settings(library_dir=library, data_dir=root / "data", llm_provider="fake")
    services = bootstrap(settings, embedder=embedder)
    started = time.perf_counter()
    services.index.build()
    index_seconds = time.perf_counter() - started
    gaps = GapService(settings, services.index)
    framework = gaps.load_framework(root / "skills.csv")
    vectors = embedder.embed([skill_query(skill) for skill in framework.skills])
    chunks, chunk_vectors = services.index.chunk_vectors()
    view = LibraryView.align(services.index.scan().modules, chunks, chunk_vectors)
    collection = services.index.store.readable_collection()
    cache = settings.data_dir / "gaps" / CACHE_FILE

    def cold() -> None:
        cache.unlink(missing_ok=True)  # the lexical model is fitted again
        gaps.analyse(framework, view, skill_vectors=vectors)

    gaps.report(root / "skills.csv")  # warm the long-lived index's caches and the lexical model on disk
    times = alternating({
        "raw": lambda: collection.query(query_embeddings=vectors, n_results=RAW_K, include=["documents", "metadatas", "distances"]),
        "scoring": lambda: gaps.analyse(framework, view, skill_vectors=vectors),
        "scoring_cold": cold,
        "report": lambda: gaps.report(root / "skills.csv"),
    })

    def first_report() -> None:
        fresh = bootstrap(settings, embedder=embedder)
        GapService(settings, fresh.index).report(root / "skills.csv")

    report_first = alternating({"first": first_report}, rounds=1)["first"]
    result = gaps.analyse(framework, view, skill_vectors=vectors)
    gap_ids = {skill.skill_id for skill in result.skills if skill.status == "gap"}
    taught = {module % int(skills * 0.8) for module in range(len(view.modules))}
    expected = {f"skill-{topic}" for topic in range(skills) if topic not in taught}
    return {
        "chunks": len(chunks), "modules": len(view.modules), "index": index_seconds, **times, "report_first": report_first,
        "recall": len(gap_ids & expected) / len(expected), "false_gaps": len(gap_ids - expected),
    }


def main() -> None:
    """Print per size: raw Chroma query time, gap scoring time, full report time and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,10000,20000")
    parser.add_argument("--skills", type=int, default=1000)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    embedder = HashingEmbedder()
    with tempfile.TemporaryDirectory(prefix="bench-gaps-speed-") as temporary:
        work = args.work_dir or Path(temporary)
        previous = None
        for size in (int(value) for value in args.sizes.split(",")):
            m = measure(size, args.skills, work, embedder)
            print(
                f"{args.skills} skills x {m['chunks']} chunks ({m['modules']} modules): "
                f"raw Chroma query {m['raw']:.2f} s | gap scoring {m['scoring']:.2f} s "
                f"(ratio {m['scoring'] / m['raw']:.2f}x) | gap scoring with lexical refit {m['scoring_cold']:.2f} s "
                f"(ratio {m['scoring_cold'] / m['raw']:.2f}x) | full report {m['report']:.2f} s "
                f"(ratio {m['report'] / m['raw']:.2f}x) | first report on a new index object {m['report_first']:.2f} s "
                f"(ratio {m['report_first'] / m['raw']:.2f}x) | indexing {m['index']:.1f} s | "
                f"synthetic gaps found {m['recall']:.0%}, false gaps {m['false_gaps']}"
            )
            if previous:
                print(
                    f"  growth from {previous['chunks']} chunks: scoring x{m['scoring'] / previous['scoring']:.2f}, "
                    f"scoring with refit x{m['scoring_cold'] / previous['scoring_cold']:.2f}, "
                    f"raw x{m['raw'] / previous['raw']:.2f}, report x{m['report'] / previous['report']:.2f}, "
                    f"first report x{m['report_first'] / previous['report_first']:.2f}"
                )
            previous = m
        ratio = max(previous["scoring"], previous["report"]) / previous["raw"]
        print(f"goal: gap scoring and the full report at most {GOAL:.1f}x the raw query at {previous['chunks']} chunks: "
              f"{ratio:.2f}x: {'ok' if ratio <= GOAL else 'over goal'}")


if __name__ == "__main__":
    main()
