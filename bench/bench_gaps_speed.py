"""Gap-detection speed and memory: 1,000 skills against synthetic libraries of 20,000 to 200,000 chunks.

The library is written as markdown files (modules of ten chunks) and indexed through the
workbench's own index (real Chroma); the embedder is a deterministic hashing embedder (words hashed
into 384 signed dimensions, tests/support/large_library.py), so both sides work on the same real
vectors at a cost a 200,000-chunk library can afford. Libraries are prepared once in the work
folder and reused: each size is the next smaller one plus the modules it lacks (a smaller library
is a prefix of a larger one), so only the new chunks are indexed.

Each size is measured in a process of its own (its peak RSS is the report's). Side by side in
alternating rounds, for the same 1,000 skill vectors:

- raw: one batched Chroma query of the skill vectors (k=10), what a plain similarity search costs;
- full report: `GapService.report()` end to end on a long-lived index (freshness check, scan,
  vectors, scoring), as the app runs it with its in-memory caches warm.

Then once, on a new index object, as one `workbench gaps` run pays it: the first report with the
time of each stage (scan, sync check, reading vectors, scoring), and the sync of the unchanged
library (`workbench index`) against the time the library took to index. Both start from the data
folder's caches as the index build left them (parsed files, no vectors yet); bench_gaps_cold.py
measures new processes with and without those caches.

    python bench/bench_gaps_speed.py [--sizes 20000,50000,100000,200000] [--skills 1000] [--work-dir DIR]

BENCH_LARGE=1 adds 500,000 chunks; BENCH_GAPS_ROUNDS sets the rounds (default 3, 2 from 100,000 chunks).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.large_library import CHUNKS_PER_MODULE, HashingEmbedder, write_synthetic_library  # noqa: E402
from workbench.bootstrap import bootstrap  # noqa: E402
from workbench.gaps.service import GapService  # noqa: E402
from workbench.gaps.view import skill_query  # noqa: E402
from workbench.settings import Settings  # noqa: E402

SIZES = [20_000, 50_000, 100_000, 200_000]
LARGE = [500_000]
RAW_K = 10
MODEL_SAMPLE = 256  # chunk texts embedded with the real model to estimate a real build
RATIO_GOAL = 1.5  # full report at most 1.5x the raw batched query, at every size
GROWTH_GOAL = 2.4  # time from 100,000 to 200,000 chunks: at most 1.2x beyond linear
RSS_GOAL_GB = 6.0  # peak RSS of the report at 200,000 chunks
SYNC_GOAL = 0.05  # sync of the unchanged library against the full index build


def settings_for(root: Path) -> Settings:
    return Settings(library_dir=root / "library", data_dir=root / "data", llm_provider="fake")


def prepare(work: Path, size: int, skills: int) -> dict:
    """Write and index the library of `size` chunks (from the largest smaller one already prepared), once."""
    root = work / f"lib{size}"
    ready = root / "ready.json"
    if ready.is_file():
        return json.loads(ready.read_text())
    smaller = sorted(
        (json.loads(path.read_text()) for path in work.glob("lib*/ready.json")),
        key=lambda info: info["chunks"],
    )
    base = next((info for info in reversed(smaller) if info["chunks"] < size and info["skills"] == skills), None)
    if root.exists():
        shutil.rmtree(root)
    first = 0
    if base is not None:
        shutil.copytree(work / f"lib{base['chunks']}", root, ignore=shutil.ignore_patterns("ready.json"))
        first = base["chunks"] // CHUNKS_PER_MODULE
    write_synthetic_library(root, size, skills, first_module=first)
    services = bootstrap(settings_for(root), embedder=HashingEmbedder())
    started = time.perf_counter()
    report = services.index.build()
    seconds = time.perf_counter() - started
    info = {
        "chunks": size, "skills": skills, "index_seconds": seconds, "chunks_added": report.chunks_added,
        # The whole library's indexing time: every step that added part of it.
        "build_seconds": seconds + (base["build_seconds"] if base else 0.0),
        "built_in_steps": (base["built_in_steps"] if base else []) + [[report.chunks_added, round(seconds, 1)]],
    }
    ready.write_text(json.dumps(info))
    return info


def alternating(functions: dict, rounds: int) -> dict[str, list[float]]:
    """Wall times of each function, all of them run in turn in every round (a load change hits them alike)."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return times


def peak_rss_gb() -> float:
    """This process's peak resident set size so far, in GB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 ** 2)


def measure(work: Path, size: int, skills: int, rounds: int) -> dict:
    """One size, in this process: first report by stage, sync of the unchanged library, then raw vs report rounds."""
    root = work / f"lib{size}"
    info = json.loads((root / "ready.json").read_text())
    settings = settings_for(root)
    framework_file = root / "skills.csv"
    embedder = HashingEmbedder()
    services = bootstrap(settings, embedder=embedder)
    gaps = GapService(settings, services.index)
    started = time.perf_counter()
    first = gaps.report(framework_file)  # a new index object: every vector read (files parsed at the build)
    first_seconds = time.perf_counter() - started
    rss_first = peak_rss_gb()
    fresh = bootstrap(settings, embedder=embedder)
    started = time.perf_counter()
    sync = fresh.index.build()  # `workbench index` on the unchanged library, in a new process
    sync_seconds = time.perf_counter() - started
    assert sync.chunks_embedded == 0 and sync.chunks_added == 0, sync
    del fresh
    framework = gaps.load_framework(framework_file)
    vectors = embedder.embed([skill_query(skill) for skill in framework.skills])
    collection = services.index.store.readable_collection()
    times = alternating({
        "raw": lambda: collection.query(query_embeddings=vectors, n_results=RAW_K,
                                        include=["documents", "metadatas", "distances"]),
        "report": lambda: gaps.report(framework_file),
    }, rounds)
    gap_ids = {skill.skill_id for skill in first.skills if skill.status == "gap"}
    taught = {module % int(skills * 0.8) for module in range(first.module_count)}
    expected = {f"skill-{topic}" for topic in range(skills) if topic not in taught}
    figures = {
        "chunks": first.chunk_count, "modules": first.module_count, "skills": skills, "rounds": rounds,
        "raw": times["raw"], "report": times["report"], "first": first_seconds, "stages": first.timings,
        "sync": sync_seconds, "build": info["build_seconds"], "built_in_steps": info["built_in_steps"],
        "rss_first_gb": rss_first, "rss_gb": peak_rss_gb(),
        "recall": len(gap_ids & expected) / max(1, len(expected)), "false_gaps": len(gap_ids - expected),
    }
    print(json.dumps(figures), flush=True)  # kept even if the estimate below does not finish
    # What indexing this library with the real model would cost: the packaged MiniLM's rate on the
    # library's own chunk texts, times the chunks (added to the hashing build, which has every other step).
    from workbench.index.embedder import build_embedder
    from workbench.index.records import embedding_input

    model = build_embedder(Settings())
    model.embed(["warm up"])
    sample = [embedding_input(chunk) for chunk in services.index.scan().chunks[:MODEL_SAMPLE]]
    started = time.perf_counter()
    model.embed(sample)
    model_seconds = (time.perf_counter() - started) / len(sample) * first.chunk_count
    return {**figures, "model_build": info["build_seconds"] + model_seconds}


def scoring_only(work: Path, size: int, skills: int) -> dict:
    """Gap scoring alone (no index): the library parsed and embedded in memory, then `GapService.analyse` timed.

    Its peak RSS before and after scoring show what scoring itself holds, at sizes whose Chroma
    index would take too long to build here.
    """
    from workbench.gaps.view import LibraryView
    from workbench.index.records import embedding_input
    from workbench.library.loader import load_library

    root = work / f"scoring{size}"
    if not (root / "skills.csv").is_file():
        write_synthetic_library(root, size, skills)
    settings = settings_for(root)
    embedder = HashingEmbedder()
    scan = load_library(settings.library_dir, settings)
    view = LibraryView.align(scan.modules, scan.chunks, embedder.embed([embedding_input(chunk) for chunk in scan.chunks]))
    gaps = GapService(settings, index=None)
    framework = gaps.load_framework(root / "skills.csv")
    skill_vectors = embedder.embed([skill_query(skill) for skill in framework.skills])
    before = peak_rss_gb()
    started = time.perf_counter()
    report = gaps.analyse(framework, view, skill_vectors=skill_vectors)
    return {"chunks": report.chunk_count, "skills": skills, "scoring": time.perf_counter() - started,
            "stages": report.timings, "rss_before_gb": before, "rss_gb": peak_rss_gb()}


def run_child(arguments: list[str]) -> dict:
    """Run this script on one size in a process of its own and return the JSON it prints last."""
    completed = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def show(m: dict) -> None:
    """Print one size's figures."""
    raw, report = statistics.median(m["raw"]), statistics.median(m["report"])
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in m["stages"].items())
    print(
        f"{m['skills']} skills x {m['chunks']} chunks ({m['modules']} modules), {m['rounds']} rounds: "
        f"raw Chroma query min {min(m['raw']):.2f} / median {raw:.2f} s | full report min {min(m['report']):.2f} / "
        f"median {report:.2f} s (ratio {report / raw:.2f}x, goal <= {RATIO_GOAL}x: "
        f"{'ok' if report / raw <= RATIO_GOAL else 'over goal'}) | peak RSS {m['rss_gb']:.2f} GB "
        f"(first report {m['rss_first_gb']:.2f} GB) | synthetic gaps found {m['recall']:.0%}, false gaps {m['false_gaps']}"
    )
    print(f"  first report on a new index object {m['first']:.1f} s: {stages}")
    print(f"  sync of the unchanged library {m['sync']:.1f} s vs indexing it {m['build']:.1f} s "
          f"(built in steps of [chunks added, s] {m['built_in_steps']}): ratio {m['sync'] / m['build']:.3f}x "
          f"(goal <= {SYNC_GOAL}x: {'ok' if m['sync'] / m['build'] <= SYNC_GOAL else 'over goal'})"
          + (f"; against a build with the packaged MiniLM (estimated from its rate on {MODEL_SAMPLE} of these "
             f"chunks) {m['model_build']:.0f} s: {m['sync'] / m['model_build']:.3f}x" if "model_build" in m else ""))


def main() -> None:
    """Prepare every size, measure each in its own process, print figures, growth per doubling and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None)
    parser.add_argument("--skills", type=int, default=1000)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--prepare-only", action="store_true", help="Write and index the libraries, measure nothing.")
    parser.add_argument("--prepare-one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--measure-one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scoring-only", type=int, default=None,
                        help="Measure gap scoring alone (no index) at this many chunks, in this process.")
    parser.add_argument("--show", nargs="+", type=Path, default=None, help="Print the figures of saved measurements (JSON files).")
    args = parser.parse_args()
    if args.prepare_one is not None:
        print(json.dumps(prepare(args.work_dir, args.prepare_one, args.skills)))
        return
    if args.measure_one is not None:
        default = 3 if args.measure_one < 100_000 else 2
        rounds = int(os.environ.get("BENCH_GAPS_ROUNDS", default))
        print(json.dumps(measure(args.work_dir, args.measure_one, args.skills, rounds)))
        return
    if args.scoring_only is not None:
        m = scoring_only(args.work_dir or Path(tempfile.mkdtemp(prefix="bench-gaps-scoring-")), args.scoring_only, args.skills)
        stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in m["stages"].items())
        print(f"scoring only, {m['skills']} skills x {m['chunks']} chunks: {m['scoring']:.1f} s ({stages}); "
              f"peak RSS {m['rss_before_gb']:.2f} GB before scoring (library and vectors in memory), "
              f"{m['rss_gb']:.2f} GB after")
        print(json.dumps(m))
        return
    if args.show:
        results = [json.loads(path.read_text().strip().splitlines()[-1]) for path in args.show]
        for m in results:
            show(m)
        summarise(results)
        return
    sizes = [int(value) for value in args.sizes.split(",")] if args.sizes else SIZES + (
        LARGE if os.environ.get("BENCH_LARGE") == "1" else [])
    with tempfile.TemporaryDirectory(prefix="bench-gaps-speed-") as temporary:
        work = args.work_dir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        common = ["--work-dir", str(work), "--skills", str(args.skills)]
        for size in sizes:
            info = run_child(["--prepare-one", str(size), *common])
            print(f"library of {size} chunks ready (indexed in steps of [chunks added, s]: {info['built_in_steps']})",
                  flush=True)
        if args.prepare_only:
            return
        results = []
        for size in sizes:
            results.append(run_child(["--measure-one", str(size), *common]))
            show(results[-1])
            if len(results) > 1:
                before, now = results[-2], results[-1]
                factor = now["chunks"] / before["chunks"]
                growth = statistics.median(now["report"]) / statistics.median(before["report"])
                print(f"  growth from {before['chunks']} chunks (x{factor:.1f} chunks): full report x{growth:.2f}, "
                      f"raw x{statistics.median(now['raw']) / statistics.median(before['raw']):.2f}, "
                      f"first report x{now['first'] / before['first']:.2f}, peak RSS x{now['rss_gb'] / before['rss_gb']:.2f}",
                      flush=True)
        summarise(results)


def summarise(results: list[dict]) -> None:
    """The goals, each with ok or over goal."""
    by_size = {m["chunks"]: m for m in results}
    ratios = [statistics.median(m["report"]) / statistics.median(m["raw"]) for m in results]
    print(f"goal: full report at most {RATIO_GOAL}x the raw batched query at every size: worst {max(ratios):.2f}x: "
          f"{'ok' if max(ratios) <= RATIO_GOAL else 'over goal'}")
    if 200_000 in by_size:
        rss = by_size[200_000]["rss_gb"]
        print(f"goal: 1,000 skills x 200,000 chunks completes with peak RSS <= {RSS_GOAL_GB} GB: {rss:.2f} GB: "
              f"{'ok' if rss <= RSS_GOAL_GB else 'over goal'}")
    if 100_000 in by_size and 200_000 in by_size:
        growth = statistics.median(by_size[200_000]["report"]) / statistics.median(by_size[100_000]["report"])
        print(f"goal: full report grows at most {GROWTH_GOAL}x from 100,000 to 200,000 chunks: x{growth:.2f}: "
              f"{'ok' if growth <= GROWTH_GOAL else 'over goal'}")
    largest = results[-1]
    ratio = largest["sync"] / largest["build"]
    estimated = largest["sync"] / largest.get("model_build", float("nan"))
    print(f"goal: sync of the unchanged {largest['chunks']}-chunk library at most {SYNC_GOAL}x its indexing: "
          f"{ratio:.3f}x of the hashing-embedder build ({'ok' if ratio <= SYNC_GOAL else 'over goal'}), "
          f"{estimated:.3f}x of the estimated MiniLM build ({'ok' if estimated <= SYNC_GOAL else 'over goal'})")


if __name__ == "__main__":
    main()
