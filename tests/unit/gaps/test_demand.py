"""Demand from imported signals: the trend, proficiency gap and mastery of a skill, its rank score and the reasons written out."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from workbench.domain.skills import DemandSignal, Priority, Skill
from workbench.gaps.demand import DemandInputs, period_start, skill_demands, trend_of


class Point(NamedTuple):
    skill_id: str
    period: str
    count: int


class Rated(NamedTuple):
    skill_id: str
    period: str
    people: int
    below_target: int


class Answers(NamedTuple):
    skill_id: str
    attempts: int
    correct: int
    people: int


MONTHS = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 12)]  # 2025-11 .. 2026-11


def test_the_trend_rests_on_the_last_twelve_months_and_its_reason_names_the_counts():
    counts = [9_999] + [4_120 + 130 * n for n in range(12)]
    points = [Point("s", "2025-06", 1)] + [Point("s", period, count) for period, count in zip(MONTHS, counts)]
    trend = trend_of(points)
    assert trend.periods == MONTHS  # 2025-11 .. 2026-11: the latest period and all that began at most 12 months before it
    assert (trend.months, trend.counts[0], trend.counts[-1]) == (12, 9_999, 4_120 + 130 * 11)

    rising = [Point("s", period, 4_120 + round(n * (5_690 - 4_120) / 12)) for n, period in enumerate(MONTHS)]
    demand = skill_demands([Skill("s", "S", priority=Priority.HIGH)], DemandInputs(trend=rising))["s"]
    assert demand.reasons == ["postings +38 % over 12 months (4,120 → 5,690)"]
    assert demand.trend.slope_per_month == pytest.approx((5_690 - 4_120) / 12, rel=1e-2)
    assert demand.trend.as_dict()["recent_volume"] == 5_690 and demand.trend.as_dict()["recent_period"] == "2026-11"
    t = (5_690 - 4_120) / 4_120
    assert demand.terms == {"t": pytest.approx(t), "p": 0.0, "w": 0.0}
    assert demand.rank_score == pytest.approx(0.75 * (1 + t / 2))


def test_fewer_than_three_periods_make_no_trend_and_the_framework_label_counts_instead():
    skill = Skill("s", "S", priority=Priority.MEDIUM, demand_signal=DemandSignal.RISING, demand_source="market trend")
    demand = skill_demands([skill], DemandInputs(trend=[Point("s", "2026-01", 10), Point("s", "2026-02", 30)]))["s"]
    assert demand.trend is None
    assert demand.reasons == ["demand is rising (market trend)"]
    assert demand.rank_score == pytest.approx(0.5 * 1.1)


def test_quarters_and_months_are_not_mixed_the_granularity_with_more_periods_wins():
    points = [Point("s", p, c) for p, c in [("2026-Q1", 300), ("2026-Q2", 330), ("2026-Q3", 360), ("2026-Q4", 390),
                                            ("2026-01", 100), ("2026-02", 5)]]
    trend = trend_of(points)
    assert trend.periods == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"] and trend.months == 9
    assert trend.slope_per_month == pytest.approx(10.0)
    assert period_start("2026-H2") == (2026, 7) and period_start("2026") == (2026, 1)


def test_proficiency_gap_of_the_latest_period_and_mastery_on_enough_attempts_raise_the_score():
    skills = [Skill("a", "A", priority=Priority.HIGH), Skill("b", "B", priority=Priority.HIGH)]
    inputs = DemandInputs(
        proficiency=[Rated("a", "2025-H2", 10, 1), Rated("a", "2026-H1", 50, 31)],
        mastery=[Answers("a", 310, 130, 58), Answers("b", 19, 0, 19)],  # b: too few attempts to count
    )
    demands = skill_demands(skills, inputs)
    a, b = demands["a"], demands["b"]
    assert a.reasons == ["62 % rated below target (31 of 50 people, 2026-H1)", "42 % mastery on 310 attempts (58 people)"]
    assert a.terms == {"t": 0.0, "p": pytest.approx(31 / 50), "w": pytest.approx(1 - 130 / 310)}
    assert a.rank_score == pytest.approx(0.75 * (1 + (31 / 50 + 1 - 130 / 310) / 2))
    assert b.reasons == [] and b.rank_score == pytest.approx(0.75)
    assert b.as_dict()["mastery"] == {"attempts": 19, "correct": 0, "people": 19, "share_correct": 0.0}
