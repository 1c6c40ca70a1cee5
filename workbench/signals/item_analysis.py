"""Classical item analysis of one assessment's answers: difficulty, corrected point-biserial, option shares, flags with reasons.

Each person's first answer to each item counts (a retake has seen the feedback). For item i:

    p_i    = share of its answers that are correct (difficulty; high = easy)
    r_i    = Pearson correlation of the item's 0/1 score with the person's rest score (correct answers
             on the module's other items): the point-biserial, corrected by leaving the item out
    shares = for each response given, the share of the item's answers that gave it, overall and in
             the strongest and weakest 27 % of people (ranked by their total on the module)

No flag is raised on fewer than `min_attempts` answers. The computation is a handful of bincounts
over the answers (no person x item matrix), so 10,000 people x 1,000 items is about as fast as numpy
on a dense matrix (bench/bench_item_analysis.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ItemRules:
    """When an item is flagged (the defaults are the usual classical-test-theory ones)."""

    min_attempts: int = 30  # below this many answers an item's figures are shown but never flagged
    too_easy_above: float = 0.90
    too_hard_below: float = 0.20
    discrimination_below: float = 0.15
    group_share: float = 0.27  # the strongest and weakest groups: this share of people each
    distractor_min_share: float = 0.05  # a distractor this few strong learners choose is not "preferred"


@dataclass(frozen=True)
class OptionShare:
    """One response to an item: whether it is the key, and who chose it."""

    response: str
    key: bool
    share: float
    strong_share: float
    weak_share: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"response": self.response, "key": self.key, "share": round(self.share, 4),
                "strong_share": round(self.strong_share, 4), "weak_share": round(self.weak_share, 4)}


@dataclass(frozen=True)
class Flag:
    """Why an item needs a look: a code and the sentence a reviewer reads."""

    code: str  # too_easy | too_hard | non_discriminating | distractor_preferred | key_rejected
    reason: str


@dataclass(frozen=True)
class ItemStatistics:
    """One item's figures and flags."""

    module_id: str
    item_id: str
    attempts: int
    difficulty: float
    discrimination: float | None  # None when it cannot be computed (every answer, or every rest score, alike)
    options: list[OptionShare] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the shape of `workbench signals analysis --json`)."""
        return {"module_id": self.module_id, "item_id": self.item_id, "attempts": self.attempts,
                "difficulty": round(self.difficulty, 4),
                "discrimination": None if self.discrimination is None else round(self.discrimination, 4),
                "options": [option.as_dict() for option in self.options],
                "flags": [{"code": flag.code, "reason": flag.reason} for flag in self.flags]}


@dataclass(frozen=True)
class ItemArrays:
    """The per-item figures of one module, as arrays (what the benchmark compares with plain numpy)."""

    attempts: np.ndarray  # (items,)
    difficulty: np.ndarray  # (items,)
    discrimination: np.ndarray  # (items,), nan where undefined
    option_counts: np.ndarray  # (items, options)
    strong_counts: np.ndarray  # (items, options)
    weak_counts: np.ndarray  # (items, options)
    strong_people: np.ndarray  # (items,) answers from the strongest group
    weak_people: np.ndarray  # (items,)
    is_key: np.ndarray  # (items, options) bool: some answer with this response was correct


def item_arrays(person: np.ndarray, item: np.ndarray, correct: np.ndarray, option: np.ndarray,
                n_people: int, n_items: int, n_options: int, group_share: float = 0.27) -> ItemArrays:
    """Difficulty, corrected point-biserial and option counts from one answer per (person, item)."""
    x = correct.astype(np.float64)
    attempts = np.bincount(item, minlength=n_items).astype(np.float64)
    right = np.bincount(item, weights=x, minlength=n_items)
    total = np.bincount(person, weights=x, minlength=n_people)
    rest = total[person] - x
    sum_y = np.bincount(item, weights=rest, minlength=n_items)
    sum_yy = np.bincount(item, weights=rest * rest, minlength=n_items)
    sum_xy = np.bincount(item, weights=x * rest, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        difficulty = right / attempts
        covariance = attempts * sum_xy - right * sum_y
        spread = (attempts * right - right * right) * (attempts * sum_yy - sum_y * sum_y)
        discrimination = np.where(spread > 0, covariance / np.sqrt(np.maximum(spread, 0)), np.nan)
    cell = item * n_options + option
    size = n_items * n_options
    option_counts = np.bincount(cell, minlength=size).reshape(n_items, n_options)
    is_key = np.bincount(cell, weights=x, minlength=size).reshape(n_items, n_options) > 0
    order = np.argsort(total, kind="stable")
    group = max(1, int(round(group_share * n_people)))
    strong_person = np.zeros(n_people, dtype=bool)
    strong_person[order[-group:]] = True
    weak_person = np.zeros(n_people, dtype=bool)
    weak_person[order[:group]] = True
    strong, weak = strong_person[person], weak_person[person]
    return ItemArrays(
        attempts=attempts.astype(np.int64), difficulty=difficulty, discrimination=discrimination,
        option_counts=option_counts,
        strong_counts=np.bincount(cell[strong], minlength=size).reshape(n_items, n_options),
        weak_counts=np.bincount(cell[weak], minlength=size).reshape(n_items, n_options),
        strong_people=np.bincount(item[strong], minlength=n_items), weak_people=np.bincount(item[weak], minlength=n_items),
        is_key=is_key,
    )


def item_statistics(module_id: str, answers: list[tuple[str, str, bool, str]], rules: ItemRules = ItemRules()) -> list[ItemStatistics]:
    """Per item of one module, from (person, item id, correct, response) first answers."""
    if not answers:
        return []
    people: dict[str, int] = {}
    items: dict[str, int] = {}
    responses: dict[str, int] = {}
    person = np.fromiter((people.setdefault(a[0], len(people)) for a in answers), dtype=np.int64, count=len(answers))
    item = np.fromiter((items.setdefault(a[1], len(items)) for a in answers), dtype=np.int64, count=len(answers))
    correct = np.fromiter((bool(a[2]) for a in answers), dtype=bool, count=len(answers))
    option = np.fromiter((responses.setdefault(a[3], len(responses)) for a in answers), dtype=np.int64, count=len(answers))
    arrays = item_arrays(person, item, correct, option, len(people), len(items), len(responses), rules.group_share)
    return statistics_of(module_id, list(items), list(responses), arrays, rules)


def statistics_of(module_id: str, item_ids: list[str], labels: list[str], arrays: ItemArrays,
                  rules: ItemRules = ItemRules()) -> list[ItemStatistics]:
    """Each item's figures and flags from the arrays (`item_ids` and `labels` name their rows and option columns)."""
    rows = sorted(range(len(item_ids)), key=item_ids.__getitem__)
    return [_statistics(module_id, item_ids[row], row, arrays, labels, rules) for row in rows]


def _statistics(module_id: str, item_id: str, row: int, a: ItemArrays, labels: list[str], rules: ItemRules) -> ItemStatistics:
    attempts = int(a.attempts[row])
    strong_n, weak_n = max(int(a.strong_people[row]), 1), max(int(a.weak_people[row]), 1)
    options = [OptionShare(labels[k], bool(a.is_key[row, k]), a.option_counts[row, k] / attempts,
                           a.strong_counts[row, k] / strong_n, a.weak_counts[row, k] / weak_n)
               for k in np.flatnonzero(a.option_counts[row])]
    options.sort(key=lambda option: (not option.key, -option.share, option.response))
    r = float(a.discrimination[row])
    statistics = ItemStatistics(module_id, item_id, attempts, float(a.difficulty[row]), None if np.isnan(r) else r, options)
    return replace(statistics, flags=flags_of(statistics, rules))


def flags_of(item: ItemStatistics, rules: ItemRules) -> list[Flag]:
    """The reasons an item needs a look; none below the minimum number of answers."""
    if item.attempts < rules.min_attempts:
        return []
    flags, p = [], item.difficulty
    if p > rules.too_easy_above:
        flags.append(Flag("too_easy", f"too easy: {_percent(p)} of {item.attempts} answers correct (above {_percent(rules.too_easy_above)})"))
    if p < rules.too_hard_below:
        flags.append(Flag("too_hard", f"too hard: {_percent(p)} of {item.attempts} answers correct (below {_percent(rules.too_hard_below)})"))
    if item.discrimination is not None and item.discrimination < rules.discrimination_below:
        flags.append(Flag("non_discriminating", f"does not tell strong from weak learners: corrected point-biserial "
                                                f"{item.discrimination:.2f} (below {rules.discrimination_below:.2f})"))
    for option in item.options:
        if not option.key and option.strong_share >= rules.distractor_min_share and option.strong_share > option.weak_share:
            flags.append(Flag("distractor_preferred", f'distractor "{option.response}" is chosen by {_percent(option.strong_share)} '
                                                      f"of the strongest learners and {_percent(option.weak_share)} of the weakest"))
        if option.key and option.strong_share < option.weak_share:
            flags.append(Flag("key_rejected", f'the key "{option.response}" is chosen by {_percent(option.strong_share)} '
                                              f"of the strongest learners and {_percent(option.weak_share)} of the weakest"))
    return flags


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"
