"""Gap-detection quality on every visible held-out evaluation set, every seed, and a sensitivity sweep.

For each set (../shared/eval/security101 and ../shared/eval/rust-book) and each of its seeds, the
set's own make_library.py lays the library out, the workbench indexes it with the packaged
all-MiniLM-L6-v2 and runs `gaps` with the full skill list; the ranking (1 - coverage) is scored by
recall@K, average precision and ROC-AUC next to the TF-IDF max-similarity baseline recorded for that
seed and a max-cosine baseline (mean of each skill's top-3 chunk cosines) computed in the same run
from the same index. The seeds of one set are laid out one after the other in the same folder, so
the index only embeds what changed between them (as a library edit would).

A derived check follows: the Rust book with its chapters as broad category skills (chapter title
only; three whole chapters held out per seed, chosen by random.Random(seed)), against a TF-IDF
max-similarity baseline computed in the same run. It is not an evaluation set of its own: it reuses
the book's files (laid out in the book's folder, so its index is reused).

Then the sweep: every combination of the method's constants around their values, on every seed,
reusing the indexed libraries (mean and lowest ROC-AUC per set).

    python bench/bench_gaps_quality.py [--sets security101,rust-book] [--no-sweep] [--no-chapters] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from workbench.bootstrap import bootstrap  # noqa: E402
from workbench.domain.gaps import GapParameters  # noqa: E402
from workbench.domain.teaching import TeachingParameters  # noqa: E402
from workbench.gaps.evaluation import (  # noqa: E402
    HeldOutSplit,
    max_cosine_baseline,
    ranking_metrics,
    tfidf_max_baseline,
)
from workbench.gaps.service import GapService  # noqa: E402
from workbench.gaps.view import LibraryView, skill_query  # noqa: E402
from workbench.index.embedder import build_embedder  # noqa: E402
from workbench.settings import Settings  # noqa: E402

EVAL_ROOT = PROJECT_ROOT.parent / "shared" / "eval"
METRICS = ("recall@K", "average_precision", "roc_auc")
GOALS = {  # set -> (mean ROC-AUC at least, mean AP at least)
    "security101": (0.95, None),
    "rust-book": (0.90, 0.70),
}
CHAPTER_SEEDS, CHAPTERS_HELD_OUT = 5, 3
SWEEP = {  # every combination
    "lexical_weight": (0.3, 0.5, 0.7),
    "temperature": (0.25, 0.5, 1.0),
    "relevance_at": (1.0, 2.0, 3.0),
}
SWEEP_ALONE = {  # one at a time, the others at their values
    "teaches_at": (0.4, 0.6),
    "counts_at": (0.1, 0.3),
}


@dataclass
class SeedRun:
    """One seed scored: what the sweep needs to score it again with other constants."""

    label: str
    seed: int
    settings: Settings
    framework: object
    view: LibraryView
    skill_vectors: object
    order: list[str]
    held_out: set[str]
    lexical: dict  # baseline metrics
    ours: dict
    max_cosine: dict
    seconds: float
    flagged: list[str]


def _score(report, order, held_out) -> dict:
    return ranking_metrics({skill.skill_id: 1.0 - skill.coverage for skill in report.skills}, order, held_out)


def run_split(label: str, seed: int, library: Path, skills_file: Path, data_dir: Path, held_out: set[str],
              order: list[str], lexical: dict | None, embedder) -> SeedRun:
    """Index a laid-out library (incrementally), report, and score ours and the baselines."""
    settings = Settings(library_dir=library, data_dir=data_dir, llm_provider="fake")
    services = bootstrap(settings, embedder=embedder)
    started = time.perf_counter()
    report = services.gaps.report(skills_file=skills_file)
    seconds = time.perf_counter() - started
    framework = report.framework
    chunks, vectors = services.index.chunk_vectors()
    view = LibraryView.align(services.index.scan().modules, chunks, vectors)
    skill_vectors = services.embedder.embed([skill_query(skill) for skill in framework.skills])
    plain = max_cosine_baseline(skill_vectors, view.vectors)
    cosine = ranking_metrics({s.id: -float(v) for s, v in zip(framework.skills, plain)}, order, held_out)
    if lexical is None:
        tfidf = tfidf_max_baseline([skill_query(s) for s in framework.skills], [c.text for c in view.chunks])
        lexical = ranking_metrics({s.id: -float(v) for s, v in zip(framework.skills, tfidf)}, order, held_out)
    flagged = sorted(s.skill_id for s in report.skills if not s.taught_by)
    return SeedRun(label, seed, settings, framework, view, skill_vectors, order, held_out, lexical,
                   _score(report, order, held_out), cosine, seconds, flagged)


def run_set(name: str, work: Path, embedder) -> list[SeedRun]:
    """Every seed of one evaluation set, laid out with its own make_library.py in one folder."""
    eval_dir = EVAL_ROOT / name
    runs = []
    for seed_file in sorted((eval_dir / "seeds").glob("seed*.json")):
        seed = int(json.loads(seed_file.read_text(encoding="utf-8"))["seed"])
        split = HeldOutSplit.make(eval_dir, seed, work / name)
        runs.append(run_split(name, seed, split.library, split.skills_file, work / name / "data", split.held_out,
                              split.order, split.lexical_baseline, embedder))
    return runs


def chapter_splits(work: Path) -> Iterator[tuple[int, Path, Path, set[str], list[str]]]:
    """The Rust book with whole chapters held out, laid out seed by seed as they are asked for (one folder).

    The skills are the chapter titles (first heading of the NN-00 file).
    """
    lessons = EVAL_ROOT / "rust-book" / "lessons"
    chapters: dict[str, list[Path]] = {}
    for path in sorted(lessons.glob("*.md")):
        chapters.setdefault(path.name.split("-")[0], []).append(path)
    titles = {}
    for key, files in chapters.items():
        intro = next((f for f in files if "-00" in f.name), files[0])
        heading = next((line.lstrip("#").strip() for line in intro.read_text(encoding="utf-8").splitlines()
                        if line.startswith("#")), key)
        titles[key] = heading
    order = sorted(chapters)
    for seed in range(1, CHAPTER_SEEDS + 1):
        held_out = set(random.Random(seed).sample(order, CHAPTERS_HELD_OUT))
        root = work / "rust-chapters"
        root.mkdir(parents=True, exist_ok=True)
        library = work / "rust-book" / "library"  # the book's folder and index: only what changed is embedded
        shutil.rmtree(library, ignore_errors=True)
        library.mkdir(parents=True)
        for key in order:
            if key not in held_out:
                for path in chapters[key]:
                    shutil.copy(path, library / path.name)
        skills = root / "skills.csv"
        with skills.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "name", "description"])
            writer.writerows([key, titles[key], ""] for key in order)
        yield seed, library, skills, held_out, order


def _row(name: str, metrics: dict) -> str:
    return f"  {name:11s} " + "  ".join(f"{key} {metrics.get(key, float('nan')):.3f}" for key in METRICS)


def report_runs(label: str, runs: list[SeedRun]) -> None:
    """Per-seed and mean figures, and the goal."""
    for run in runs:
        print(f"{label} seed {run.seed}: {len(run.held_out)} of {len(run.order)} held out; taught by none: "
              f"{len(set(run.flagged) & run.held_out)} held out + {len(set(run.flagged) - run.held_out)} others "
              f"({run.seconds:.1f} s incl. indexing)")
        for name in ("ours", "lexical", "max_cosine"):
            print(_row(name, getattr(run, name)))
        print(f"  ROC-AUC above the lexical baseline: {'yes' if run.ours['roc_auc'] > run.lexical['roc_auc'] else 'NO'}")
    print(f"{label} mean over seeds {','.join(str(r.seed) for r in runs)}:")
    for name in ("ours", "lexical", "max_cosine"):
        print(_row(name, {key: statistics.fmean(getattr(r, name)[key] for r in runs) for key in METRICS}))
    if label in GOALS:
        auc_goal, ap_goal = GOALS[label]
        mean_auc = statistics.fmean(r.ours["roc_auc"] for r in runs)
        mean_ap = statistics.fmean(r.ours["average_precision"] for r in runs)
        above = all(r.ours["roc_auc"] > r.lexical["roc_auc"] for r in runs)
        met = mean_auc >= auc_goal and above and (ap_goal is None or mean_ap >= ap_goal)
        goal = f"mean ROC-AUC >= {auc_goal:.2f}" + (f", mean AP >= {ap_goal:.2f}" if ap_goal else "")
        print(f"  goal: {goal}, above lexical on every seed -> ROC-AUC {mean_auc:.3f}, AP {mean_ap:.3f}, "
              f"above on every seed: {'yes' if above else 'no'}: {'ok' if met else 'below goal'}")


def _sweep_row(groups: dict[str, list[SeedRun]], teaching: TeachingParameters) -> list[str]:
    """Mean and lowest-seed ROC-AUC per set with these constants."""
    params = GapParameters(teaching=teaching)
    cells = []
    for runs in groups.values():
        aucs = []
        for run in runs:
            report = GapService(run.settings, None, params=params).analyse(
                run.framework, run.view, skill_vectors=run.skill_vectors)
            aucs.append(_score(report, run.order, run.held_out)["roc_auc"])
        cells.append(f"{statistics.fmean(aucs):.3f} / {min(aucs):.3f}")
    return cells


def sweep(groups: dict[str, list[SeedRun]]) -> None:
    """ROC-AUC (mean and lowest seed, per set) for every combination of SWEEP, then SWEEP_ALONE one at a time."""
    names = list(SWEEP)
    print("sensitivity sweep (ROC-AUC mean / lowest seed):")
    print("  " + "  ".join(f"{n:>14s}" for n in names) + "".join(f"  {label:>17s}" for label in groups))
    for values in itertools.product(*(SWEEP[n] for n in names)):
        teaching = TeachingParameters(**dict(zip(names, values)))
        marker = "  <- the method's constants" if teaching == TeachingParameters() else ""
        print("  " + "  ".join(f"{v:>14}" for v in values) + "".join(f"  {c:>17s}" for c in _sweep_row(groups, teaching))
              + marker)
    for name, values in SWEEP_ALONE.items():
        for value in values:
            cells = _sweep_row(groups, TeachingParameters(**{name: value}))
            print(f"  {name} = {value} (others unchanged):" + "".join(f"  {c:>17s}" for c in cells))


def main() -> None:
    """Run every set and seed, the derived chapter check and the sweep; print per-seed and mean figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="security101,rust-book")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-chapters", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=None, help="Keep libraries and indexes here (default: a temporary folder).")
    args = parser.parse_args()
    names = [name for name in args.sets.split(",") if name]
    missing = [name for name in names if not (EVAL_ROOT / name).is_dir()]
    if missing:
        print(f"skipped: {', '.join(str(EVAL_ROOT / name) for name in missing)} absent")
        return
    with tempfile.TemporaryDirectory(prefix="bench-gaps-") as temporary:
        work = args.work_dir or Path(temporary)
        groups: dict[str, list[SeedRun]] = {}
        embedder = build_embedder(Settings())  # loaded once for every seed
        for name in names:
            groups[name] = run_set(name, work, embedder)
            report_runs(name, groups[name])
        if not args.no_chapters and "rust-book" in names:
            runs = [run_split("rust-chapters", seed, library, skills, work / "rust-book" / "data", held, order, None, embedder)
                    for seed, library, skills, held, order in chapter_splits(work)]
            groups["rust-chapters"] = runs
            print("derived check, not an evaluation set (lexical = TF-IDF max similarity computed in this run):")
            report_runs("rust-chapters", runs)
        if not args.no_sweep:
            sweep(groups)


if __name__ == "__main__":
    main()
