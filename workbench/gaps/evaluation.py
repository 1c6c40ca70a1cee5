"""Evaluating a gap ranking against held-out lessons: recall@K, average precision, ROC-AUC.

A held-out evaluation removes some lessons from a real library, keeps the full topic list as the
framework, and asks the detector to rank the removed topics first. The definitions here follow the
usual ones (ties broken by framework order, as a stable sort does).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


def ranking_metrics(gap_scores: dict[str, float], order: list[str], held_out: set[str]) -> dict[str, float]:
    """recall@K, recall@2K, average precision and ROC-AUC of ranking skills by gap score (higher = gap)."""
    ranking = sorted(order, key=lambda skill_id: -gap_scores.get(skill_id, float("-inf")))
    hits = [1 if skill_id in held_out else 0 for skill_id in ranking]
    k = len(held_out)
    found, precision_sum = 0, 0.0
    for position, hit in enumerate(hits, start=1):
        if hit:
            found += 1
            precision_sum += found / position
    positives = [i for i, hit in enumerate(hits) if hit]
    negatives = [i for i, hit in enumerate(hits) if not hit]
    pairs = len(positives) * len(negatives)
    auc = sum(1 for p in positives for q in negatives if p < q) / pairs if pairs else float("nan")
    return {
        "K": k,
        "recall@K": sum(hits[:k]) / k if k else float("nan"),
        "recall@2K": sum(hits[: 2 * k]) / k if k else float("nan"),
        "average_precision": precision_sum / k if k else float("nan"),
        "roc_auc": auc,
    }


@dataclass
class HeldOutSplit:
    """One seed of a held-out evaluation set laid out on disk."""

    seed: int
    root: Path
    library: Path
    skills_file: Path
    held_out: set[str]
    order: list[str]
    lexical_baseline: dict

    @classmethod
    def make(cls, eval_dir: Path, seed: int, out_dir: Path) -> "HeldOutSplit":
        """Run the evaluation set's own make_library.py for a seed and read what it wrote."""
        subprocess.run(
            [sys.executable, str(eval_dir / "make_library.py"), str(seed), str(out_dir)],
            check=True, capture_output=True, text=True,
        )
        bench = json.loads((out_dir / "benchmark.json").read_text(encoding="utf-8"))
        recorded = json.loads((eval_dir / "seeds" / f"seed{seed}.json").read_text(encoding="utf-8"))
        return cls(
            seed=seed,
            root=out_dir,
            library=out_dir / "library",
            skills_file=out_dir / "skills.csv",
            held_out=set(bench["held_out"]),
            order=[topic["id"] for topic in bench["topics"]],
            lexical_baseline=recorded.get("lexical_baseline", {}),
        )


def tfidf_max_baseline(skill_texts: list[str], chunk_texts: list[str]) -> np.ndarray:
    """Plain lexical baseline: each skill's best TF-IDF cosine with any chunk (higher = better covered)."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    chunks = vectorizer.fit_transform(chunk_texts)
    similarity = vectorizer.transform(skill_texts) @ chunks.T
    return np.asarray(similarity.max(axis=1).toarray()).reshape(-1)


def max_cosine_baseline(skill_vectors: np.ndarray, chunk_vectors: np.ndarray, top: int = 3) -> np.ndarray:
    """Plain similarity baseline: mean of each skill's top-`top` chunk cosines (higher = better covered)."""
    similarity = skill_vectors @ chunk_vectors.T
    top = min(top, similarity.shape[1])
    best = -np.sort(-similarity, axis=1)[:, :top]
    return best.mean(axis=1)
