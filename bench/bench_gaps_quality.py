"""Gap-detection quality on the Security-101 held-out evaluation set, all five seeds.

For each seed the evaluation set's make_library.py lays the library out in a temporary folder,
the workbench indexes it and runs `gaps` with the full topic list; the ranking (1 - coverage) is
scored by recall@K, average precision and ROC-AUC next to the lexical baseline recorded for that
seed and a max-cosine baseline (mean of the top-3 chunk cosines, all-MiniLM-L6-v2) computed in
the same run from the same index. Needs ../shared/eval/security101.

    python bench/bench_gaps_quality.py [--seeds 1,2,3,4,5] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from workbench.bootstrap import bootstrap  # noqa: E402
from workbench.gaps.evaluation import HeldOutSplit, max_cosine_baseline, ranking_metrics  # noqa: E402
from workbench.gaps.view import skill_query  # noqa: E402
from workbench.settings import Settings  # noqa: E402

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval" / "security101"
METRICS = ("recall@K", "recall@2K", "average_precision", "roc_auc")


def run_seed(seed: int, work_dir: Path, embedder=None) -> dict:
    """Index one seed's library, run gap detection and the max-cosine baseline, and score both."""
    split = HeldOutSplit.make(EVAL_DIR, seed, work_dir / f"seed{seed}")
    settings = Settings(library_dir=split.library, data_dir=split.root / "data", llm_provider="fake")
    services = bootstrap(settings, embedder=embedder)
    started = time.perf_counter()
    report = services.gaps.report(skills_file=split.skills_file)
    seconds = time.perf_counter() - started
    ours = {skill.skill_id: 1.0 - skill.coverage for skill in report.skills}
    framework = report.framework
    chunks, vectors = services.index.chunk_vectors()
    skill_vectors = services.embedder.embed([skill_query(skill) for skill in framework.skills])
    plain = max_cosine_baseline(skill_vectors, vectors)
    baseline = {skill.id: -float(value) for skill, value in zip(framework.skills, plain)}
    return {
        "seed": seed,
        "held_out": sorted(split.held_out),
        "ours": ranking_metrics(ours, split.order, split.held_out),
        "max_cosine": ranking_metrics(baseline, split.order, split.held_out),
        "lexical": split.lexical_baseline,
        "gap_status": sorted(s.skill_id for s in report.skills if s.status == "gap"),
        "seconds": seconds,
        "embedder": services.embedder,
    }


def _row(name: str, metrics: dict) -> str:
    return f"  {name:12s} " + "  ".join(f"{key}={metrics.get(key, float('nan')):.3f}" for key in METRICS)


def main() -> None:
    """Run every seed and print per-seed and mean figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--work-dir", type=Path, default=None, help="Keep libraries and indexes here (default: a temporary folder).")
    args = parser.parse_args()
    if not EVAL_DIR.is_dir():
        print(f"skipped: {EVAL_DIR} is absent")
        return
    seeds = [int(seed) for seed in args.seeds.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-gaps-") as temporary:
        work_dir = args.work_dir or Path(temporary)
        results, embedder = [], None
        for seed in seeds:
            result = run_seed(seed, work_dir, embedder)
            embedder = result.pop("embedder")
            results.append(result)
            print(f"seed {seed}: held out {', '.join(result['held_out'])}; flagged as gap: {', '.join(result['gap_status'])} "
                  f"({result['seconds']:.1f} s incl. indexing)")
            for name in ("ours", "lexical", "max_cosine"):
                print(_row(name, result[name]))
            beats = result["ours"]["roc_auc"] > result["lexical"].get("roc_auc", 0)
            print(f"  ROC-AUC above the lexical baseline: {'yes' if beats else 'NO'}")
        print("mean over seeds " + ",".join(map(str, seeds)) + ":")
        for name in ("ours", "lexical", "max_cosine"):
            mean = {key: statistics.fmean(r[name].get(key, float("nan")) for r in results) for key in METRICS}
            print(_row(name, mean))


if __name__ == "__main__":
    main()
