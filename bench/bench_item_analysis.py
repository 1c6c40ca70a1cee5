"""Item analysis of 1,000 items x 10,000 learners: `item_arrays` + `statistics_of` against plain numpy, in alternating rounds.

Our side computes, from the 10,000,000 first answers as flat arrays (person, item, correct, option),
difficulty, the corrected point-biserial, option counts overall and in the strongest and weakest
27 % of learners, which options are keys, and then each item's statistics object with its flags.
The baseline computes the same figures with plain numpy on the dense learner x item matrices
(correct as 0/1, option as a code): column means, rest score = row total - item, column-wise
Pearson, `(options == k).sum(0)` per option, overall and for the two groups. Both results are
compared before timing. Goal: at most 1.5x. Rounds: BENCH_ITEMS_ROUNDS (default 5).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.signals.item_analysis import ItemRules, item_arrays, statistics_of  # noqa: E402

ITEMS, PEOPLE, OPTIONS = 1_000, 10_000, 4
GOAL = 1.5


def answers(seed: int = 7):
    """Dense matrices (people x items) of correct and option codes; option 0 is each item's key."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(PEOPLE, 1))
    easiness = rng.normal(size=(1, ITEMS))
    correct = rng.random((PEOPLE, ITEMS)) < 1 / (1 + np.exp(-(ability + easiness)))
    wrong_option = rng.integers(1, OPTIONS, size=(PEOPLE, ITEMS))
    options = np.where(correct, 0, wrong_option).astype(np.int64)
    return correct, options


def ours(person, item, correct, option, item_ids, labels, rules):
    arrays = item_arrays(person, item, correct, option, PEOPLE, ITEMS, OPTIONS, rules.group_share)
    return arrays, statistics_of("bench", item_ids, labels, arrays, rules)


def plain_numpy(correct: np.ndarray, options: np.ndarray, group_share: float):
    x = correct.astype(np.float64)
    p = x.mean(axis=0)
    total = x.sum(axis=1)
    rest = total[:, None] - x
    dx = x - p
    dr = rest - rest.mean(axis=0)
    r = (dx * dr).sum(axis=0) / np.sqrt((dx * dx).sum(axis=0) * (dr * dr).sum(axis=0))
    order = np.argsort(total, kind="stable")
    group = max(1, int(round(group_share * PEOPLE)))
    strong, weak = options[order[-group:]], options[order[:group]]
    counts = np.stack([(options == k).sum(axis=0) for k in range(OPTIONS)], axis=1)
    strong_counts = np.stack([(strong == k).sum(axis=0) for k in range(OPTIONS)], axis=1)
    weak_counts = np.stack([(weak == k).sum(axis=0) for k in range(OPTIONS)], axis=1)
    keys = np.stack([((options == k) & correct).any(axis=0) for k in range(OPTIONS)], axis=1)
    return p, r, counts, strong_counts, weak_counts, keys


def main() -> None:
    rounds = int(os.environ.get("BENCH_ITEMS_ROUNDS", "5"))
    correct_matrix, option_matrix = answers()
    person = np.repeat(np.arange(PEOPLE), ITEMS)
    item = np.tile(np.arange(ITEMS), PEOPLE)
    correct, option = correct_matrix.ravel(), option_matrix.ravel()
    item_ids, labels = [f"q{n:04d}" for n in range(ITEMS)], ["a", "b", "c", "d"]
    rules = ItemRules()

    arrays, stats = ours(person, item, correct, option, item_ids, labels, rules)
    p, r, counts, strong_counts, weak_counts, keys = plain_numpy(correct_matrix, option_matrix, rules.group_share)
    assert np.allclose(arrays.difficulty, p) and np.allclose(arrays.discrimination, r)
    assert (arrays.option_counts == counts).all() and (arrays.is_key == keys).all()
    assert (arrays.strong_counts == strong_counts).all() and (arrays.weak_counts == weak_counts).all()
    flagged = sum(1 for s in stats if s.flags)

    times = {"ours": [], "numpy": []}
    for round_number in range(rounds):
        sides = ["ours", "numpy"] if round_number % 2 == 0 else ["numpy", "ours"]
        for side in sides:
            start = time.perf_counter()
            if side == "ours":
                ours(person, item, correct, option, item_ids, labels, rules)
            else:
                plain_numpy(correct_matrix, option_matrix, rules.group_share)
            times[side].append(time.perf_counter() - start)
    ratio = statistics.median(times["ours"]) / statistics.median(times["numpy"])
    verdict = "ok" if ratio <= GOAL else "over goal"
    print(f"item analysis, {ITEMS:,} items x {PEOPLE:,} learners ({flagged} flagged)  "
          f"ours min {min(times['ours']):6.2f} s  median {statistics.median(times['ours']):6.2f} s   "
          f"plain numpy min {min(times['numpy']):6.2f} s  median {statistics.median(times['numpy']):6.2f} s   "
          f"ratio {ratio:5.2f}x   (goal <= {GOAL}x: {verdict})   load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
