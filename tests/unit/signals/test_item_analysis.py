"""Item analysis on a small scripted set, against figures worked out by hand."""

from __future__ import annotations

import pytest

from workbench.signals.item_analysis import ItemRules, ItemStatistics, OptionShare, flags_of, item_statistics

# Five people, three items (keys: q1 a, q2 b, q3 c). Totals: A 2, B 3, C 2, D 1, E 0.
ANSWERS = [
    ("A", "q1", True, "a"), ("A", "q2", True, "b"), ("A", "q3", False, "d"),
    ("B", "q1", True, "a"), ("B", "q2", True, "b"), ("B", "q3", True, "c"),
    ("C", "q1", True, "a"), ("C", "q2", False, "c"), ("C", "q3", True, "c"),
    ("D", "q1", False, "b"), ("D", "q2", False, "c"), ("D", "q3", True, "c"),
    ("E", "q1", False, "b"), ("E", "q2", False, "d"), ("E", "q3", False, "d"),
]


def by_item(rules: ItemRules = ItemRules()) -> dict[str, ItemStatistics]:
    return {stats.item_id: stats for stats in item_statistics("m", ANSWERS, rules)}


def test_difficulty_and_corrected_point_biserial_match_the_hand_computation():
    stats = by_item()
    assert {item: s.difficulty for item, s in stats.items()} == {"q1": 0.6, "q2": 0.4, "q3": 0.6}
    # q1: x = 1 1 1 0 0, rest = total - x = 1 2 1 1 0; deviations (.4 .4 .4 -.6 -.6) and (0 1 0 0 -1):
    # sum of products 1.0, sums of squares 1.2 and 2.0 -> r = 1 / sqrt(2.4)
    assert stats["q1"].discrimination == pytest.approx(1 / 2.4 ** 0.5)
    # q2: x = 1 1 0 0 0, rest = 1 2 2 1 0 (mean 1.2): products sum to 0.6, squares 1.2 and 2.8
    assert stats["q2"].discrimination == pytest.approx(0.6 / (1.2 * 2.8) ** 0.5)
    # q3: x = 0 1 1 1 0, rest = 2 2 1 0 0 (mean 1): products -.6 +.4 +0 -.4 +.6 = 0
    assert stats["q3"].discrimination == pytest.approx(0.0)
    assert [s.attempts for s in stats.values()] == [5, 5, 5]


def test_option_shares_overall_and_in_the_strongest_and_weakest_groups():
    # 27 % of 5 people rounds to 1: the strongest is B (3 correct), the weakest E (none).
    q2 = by_item()["q2"]
    assert q2.options == [
        OptionShare("b", True, 0.4, 1.0, 0.0),
        OptionShare("c", False, 0.4, 0.0, 0.0),
        OptionShare("d", False, 0.2, 0.0, 1.0),
    ]


def test_no_flag_below_the_minimum_attempts_and_the_reason_once_there_are_enough():
    assert all(not s.flags for s in by_item().values())  # 5 answers each, the default minimum is 30
    stats = by_item(ItemRules(min_attempts=5))
    assert [(f.code, f.reason) for f in stats["q3"].flags] == [
        ("non_discriminating", "does not tell strong from weak learners: corrected point-biserial 0.00 (below 0.15)")]
    assert stats["q1"].flags == [] and stats["q2"].flags == []


def test_flags_for_easy_hard_a_distractor_strong_learners_prefer_and_a_key_they_reject():
    rules = ItemRules()
    easy = ItemStatistics("m", "q9", 200, 0.95, 0.3, [OptionShare("a", True, 0.95, 1.0, 0.9)])
    assert [f.reason for f in flags_of(easy, rules)] == ["too easy: 95 % of 200 answers correct (above 90 %)"]
    hard = ItemStatistics("m", "q8", 40, 0.1, 0.2, [
        OptionShare("a", True, 0.1, 0.05, 0.2), OptionShare("c", False, 0.6, 0.8, 0.4), OptionShare("d", False, 0.3, 0.15, 0.4)])
    assert [(f.code, f.reason) for f in flags_of(hard, rules)] == [
        ("too_hard", "too hard: 10 % of 40 answers correct (below 20 %)"),
        ("key_rejected", 'the key "a" is chosen by 5 % of the strongest learners and 20 % of the weakest'),
        ("distractor_preferred", 'distractor "c" is chosen by 80 % of the strongest learners and 40 % of the weakest'),
    ]
