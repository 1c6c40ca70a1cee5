"""A cold `workbench gaps` and a shared report, each in a new process, beside the raw batched Chroma query.

On the 20,000-chunk synthetic library of bench_gaps_speed.py (1,000 skills, the hashing embedder,
real Chroma), in alternating rounds, every side in a process of its own as a person running a
command pays it (interpreter start, imports, opening the index):

- raw: open the embedded Chroma folder and run one batched query of the 1,000 skill vectors (k=10);
- cold report: `GapService.report()` as `workbench gaps` runs it, with no report cached for this
  library and framework, but the data folder's caches of parsed files and vectors present (as after
  any earlier run on the library): freshness check, scoring, report written for others;
- shared report: the same command when the report for this library revision exists (another
  person or the app computed it): freshness check and the report read back.

Once, before the rounds, the same command with every cache of the data folder removed (the very
first run after indexing) shows what the caches save.

Then, in one long-lived process (the app server), the first Gaps visit of a new session when another
session already computed the report (`GapService.report()` served from memory) and in a server
started after the report was computed (read from the data folder), beside reading the report file
with the raw json module.

    python bench/bench_gaps_cold.py [--chunks 20000] [--skills 1000] [--work-dir DIR]

BENCH_GAPS_ROUNDS sets the rounds (default 3).
"""

from __future__ import annotations

import argparse
import json
import os
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gaps_speed import RAW_K, prepare, settings_for  # noqa: E402

COLD_GOAL = 2.0  # a cold `workbench gaps` at most 2x the raw batched query (new process each)
VISIT_GOAL = 1.0  # seconds: the first Gaps visit of a session when the report exists

RAW = """
import sys, numpy as np, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
collection = client.get_collection("library", embedding_function=None)
collection.query(query_embeddings=np.load(sys.argv[2]), n_results=int(sys.argv[3]),
                 include=["documents", "metadatas", "distances"])
"""

REPORT = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from tests.support.large_library import HashingEmbedder
from bench.bench_gaps_speed import settings_for
from workbench.bootstrap import bootstrap
computed = []
services = bootstrap(settings_for(Path(sys.argv[1])), embedder=HashingEmbedder())
services.gaps.on_computed = computed.append
report = services.gaps.report(Path(sys.argv[2]))
print(json.dumps({"computed": len(computed), "skills": len(report.skills), "timings": report.timings}))
"""


def skill_vectors(root: Path) -> Path:
    """The framework's skill vectors, as the report embeds them, saved for the raw side."""
    import numpy as np

    from tests.support.large_library import HashingEmbedder
    from workbench.gaps.service import GapService
    from workbench.gaps.view import skill_query

    path = root / "skill_vectors.npy"
    framework = GapService(settings_for(root), index=None).load_framework(root / "skills.csv")
    np.save(path, HashingEmbedder().embed([skill_query(skill) for skill in framework.skills]))
    return path


def child(code: str, *arguments: str) -> tuple[float, dict | None]:
    """Wall time of a new Python process running `code`, and the JSON it printed last (if any)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *arguments], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    lines = done.stdout.strip().splitlines()
    return seconds, (json.loads(lines[-1]) if lines else None)


def clear(folder: Path, pattern: str) -> None:
    for path in folder.glob(pattern):
        path.unlink()


def verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "over goal"


def rounds_of_new_processes(root: Path, vectors: Path, rounds: int) -> dict[str, list[float]]:
    """raw / cold report / shared report, each a new process, alternating in every round."""
    cache = settings_for(root).cache_dir
    report = lambda: child(REPORT, str(root), str(root / "skills.csv"), str(PROJECT_ROOT))  # noqa: E731
    times: dict[str, list[float]] = {"raw": [], "cold": [], "shared": []}
    for _ in range(rounds):
        times["raw"].append(child(RAW, str(settings_for(root).index_dir), str(vectors), str(RAW_K))[0])
        clear(cache / "reports", "report-*.json")
        seconds, printed = report()
        assert printed["computed"] == 1, printed
        times["cold"].append(seconds)
        seconds, printed = report()
        assert printed["computed"] == 0, printed
        times["shared"].append(seconds)
    return times


def first_visits(root: Path, rounds: int) -> dict[str, list[float]]:
    """In a long-lived process: a new session's report when another session computed it, or another process."""
    from tests.support.large_library import HashingEmbedder
    from workbench.bootstrap import bootstrap

    framework = root / "skills.csv"
    times: dict[str, list[float]] = {"memory": [], "file": [], "raw json": []}
    server = bootstrap(settings_for(root), embedder=HashingEmbedder())
    server.gaps.report(framework)  # the first session of the server computes it (or reads it)
    report_file = next((settings_for(root).cache_dir / "reports").glob("report-*.json"))
    for _ in range(rounds):
        started = time.perf_counter()
        server.gaps.report(framework)
        times["memory"].append(time.perf_counter() - started)
        restarted = bootstrap(settings_for(root), embedder=HashingEmbedder())
        started = time.perf_counter()
        restarted.gaps.report(framework)
        times["file"].append(time.perf_counter() - started)
        started = time.perf_counter()
        json.loads(report_file.read_bytes())
        times["raw json"].append(time.perf_counter() - started)
    return times


def line(name: str, values: list[float]) -> str:
    return f"{name} min {min(values):.2f} / median {statistics.median(values):.2f} s"


def main() -> None:
    """Prepare the library once, then measure the new-process rounds and the first visits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20_000)
    parser.add_argument("--skills", type=int, default=1000)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    rounds = int(os.environ.get("BENCH_GAPS_ROUNDS", 3))
    with tempfile.TemporaryDirectory(prefix="bench-gaps-cold-") as temporary:
        work = args.work_dir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        info = prepare(work, args.chunks, args.skills)
        root = work / f"lib{args.chunks}"
        vectors = skill_vectors(root)
        print(f"library of {info['chunks']} chunks, {args.skills} skills ready; load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        shutil.rmtree(settings_for(root).cache_dir, ignore_errors=True)
        shutil.rmtree(settings_for(root).data_dir / "gaps", ignore_errors=True)
        seconds, printed = child(REPORT, str(root), str(root / "skills.csv"), str(PROJECT_ROOT))
        stages = ", ".join(f"{stage} {value:.1f} s" for stage, value in printed["timings"].items())
        print(f"first `workbench gaps` with no cache in the data folder: {seconds:.1f} s ({stages})", flush=True)
        times = rounds_of_new_processes(root, vectors, rounds)
        raw = statistics.median(times["raw"])
        cold, shared = statistics.median(times["cold"]), statistics.median(times["shared"])
        print(f"{args.skills} skills x {info['chunks']} chunks, {rounds} rounds, each a new process: "
              f"{line('raw Chroma query', times['raw'])} | {line('cold report', times['cold'])} | "
              f"{line('shared report', times['shared'])} (load average {os.getloadavg()[0]:.1f})")
        print(f"goal: cold `workbench gaps` at most {COLD_GOAL}x the raw batched query: {cold / raw:.2f}x on medians "
              f"({min(times['cold']) / min(times['raw']):.2f}x min/min): {verdict(cold / raw, COLD_GOAL)}")
        print(f"  `workbench gaps` with the shared report: {shared / raw:.2f}x the raw query on medians")
        visits = first_visits(root, rounds)
        memory, from_file = statistics.median(visits["memory"]), statistics.median(visits["file"])
        print(f"first Gaps visit of a session, the report existing: {line('computed by another session', visits['memory'])}"
              f" | {line('computed by another process', visits['file'])} | {line('raw json.loads of the report file', visits['raw json'])}")
        print(f"goal: first Gaps visit of a session at most {VISIT_GOAL:.0f} s when the report exists: "
              f"{max(memory, from_file):.2f} s (worst of the two medians): {verdict(max(memory, from_file), VISIT_GOAL)}")


if __name__ == "__main__":
    main()
