"""Demand for each skill from imported signals — market trend, proficiency gap, mastery — and the rank score it gives.

The formula (docs/gap-detection.md#demand): for each skill

    t = market trend: relative change of the count from the first to the latest period of the window,
        clipped to [-1, 1]; without imported counts, the framework's label: rising +0.2, declining -0.2
    p = share of people rated below target in the latest period rated by at least N people, else 0
    w = 1 - mastery (share of correct answers on the skill's items), when at least N people made at
        least MIN_ATTEMPTS attempts, else 0
    demand = 1 + (t + p + w) / 2          (0.5 .. 2.5; 1 when nothing is known)
    rank score = priority weight x demand

Within one status tier (gaps, then mentioned-only, stale, partial, covered) skills are ordered by
rank score, highest first. Every figure that moved a skill is written out as a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

import numpy as np

from workbench.domain.skills import PRIORITY_WEIGHT, DemandSignal, Skill

TREND_WINDOW_MONTHS = 12  # the trend rests on the latest period and those that began at most this long before it
MIN_TREND_PERIODS = 3  # fewer points than this make no trend (the window reaches back further when it can)
MIN_ATTEMPTS = 20  # mastery on fewer attempts moves nothing
LABEL_TREND = {DemandSignal.RISING: 0.2, DemandSignal.DECLINING: -0.2}
_MONTHS = {"": 12, "M": 1, "Q": 3, "H": 6}


class TrendCount(Protocol):
    """One market-trend figure: a skill, a period (YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn), a count."""

    skill_id: str
    period: str
    count: int


class Proficiency(Protocol):
    """One skill-period's proficiency ratings (already restricted to groups of at least N people)."""

    skill_id: str
    period: str
    people: int
    below_target: int


class Mastery(Protocol):
    """One skill's answers (already restricted to at least N people)."""

    skill_id: str
    attempts: int
    correct: int
    people: int


@dataclass(frozen=True)
class DemandInputs:
    """What the signals hold that bears on demand; empty when nothing was imported."""

    trend: list[TrendCount] = field(default_factory=list)
    proficiency: list[Proficiency] = field(default_factory=list)
    mastery: list[Mastery] = field(default_factory=list)


@dataclass(frozen=True)
class Trend:
    """A skill's market trend over the window: the periods and counts it rests on, slope and change."""

    periods: list[str]
    counts: list[int]
    months: int  # from the start of the first period to the start of the latest
    slope_per_month: float  # least-squares slope of count against months
    change: float | None  # (latest - first) / first; None when the first count is 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"periods": self.periods, "counts": self.counts, "months": self.months,
                "slope_per_month": round(self.slope_per_month, 3), "change": None if self.change is None else round(self.change, 4),
                "recent_period": self.periods[-1], "recent_volume": self.counts[-1]}


@dataclass(frozen=True)
class SkillDemand:
    """One skill's demand figures, the score they give and the reasons written out."""

    skill_id: str
    trend: Trend | None = None
    proficiency: dict[str, Any] | None = None  # period, people, below_target, share_below_target
    mastery: dict[str, Any] | None = None  # attempts, correct, people, share_correct
    terms: dict[str, float] = field(default_factory=dict)  # t, p, w as used by the formula
    demand: float = 1.0
    rank_score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The `demand_figures` object of a skill in `gaps --format json`."""
        return {"trend": self.trend.as_dict() if self.trend else None, "proficiency": self.proficiency,
                "mastery": self.mastery, "terms": {key: round(value, 4) for key, value in self.terms.items()},
                "demand": round(self.demand, 4), "rank_score": round(self.rank_score, 4)}


def skill_demands(skills: Iterable[Skill], inputs: DemandInputs) -> dict[str, SkillDemand]:
    """Every skill's demand from the imported signals (skills without any keep their framework label)."""
    points: dict[str, list[TrendCount]] = {}
    for point in inputs.trend:
        points.setdefault(point.skill_id, []).append(point)
    latest_rated: dict[str, Proficiency] = {}
    for rated in inputs.proficiency:
        earlier = latest_rated.get(rated.skill_id)
        if earlier is None or period_start(rated.period) > period_start(earlier.period):
            latest_rated[rated.skill_id] = rated
    mastery = {figure.skill_id: figure for figure in inputs.mastery}
    return {skill.id: _demand(skill, points.get(skill.id, []), latest_rated.get(skill.id), mastery.get(skill.id))
            for skill in skills}


def _demand(skill: Skill, points: list[TrendCount], rated: Proficiency | None, answers: Mastery | None) -> SkillDemand:
    reasons: list[str] = []
    trend = trend_of(points)
    if trend is not None:
        t = max(-1.0, min(1.0, trend.change if trend.change is not None else (1.0 if trend.counts[-1] else 0.0)))
        reasons.append(trend_reason(trend))
    else:
        t = LABEL_TREND.get(skill.demand_signal, 0.0)
        if skill.demand_signal is DemandSignal.RISING:
            source = f" ({skill.demand_source})" if skill.demand_source else ""
            reasons.append(f"demand is rising{source}")
    p, proficiency = 0.0, None
    if rated is not None and rated.people:
        p = rated.below_target / rated.people
        proficiency = {"period": rated.period, "people": rated.people, "below_target": rated.below_target, "share_below_target": round(p, 4)}
        reasons.append(f"{percent(p)} rated below target ({rated.below_target} of {rated.people} people, {rated.period})")
    w, mastery = 0.0, None
    if answers is not None and answers.attempts:
        share = answers.correct / answers.attempts
        mastery = {"attempts": answers.attempts, "correct": answers.correct, "people": answers.people, "share_correct": round(share, 4)}
        if answers.attempts >= MIN_ATTEMPTS:
            w = 1.0 - share
            reasons.append(f"{percent(share)} mastery on {answers.attempts:,} attempts ({answers.people} people)")
    demand = 1.0 + (t + p + w) / 2
    return SkillDemand(skill.id, trend, proficiency, mastery, {"t": t, "p": p, "w": w}, demand,
                       PRIORITY_WEIGHT[skill.priority] * demand, reasons)


def trend_of(points: list[TrendCount]) -> Trend | None:
    """The trend over the window, at the granularity most of the skill's periods use; None below MIN_TREND_PERIODS."""
    if not points:
        return None
    by_size: dict[int, list[TrendCount]] = {}
    for point in points:
        by_size.setdefault(period_months(point.period), []).append(point)
    # Mixed granularities (months and quarters) are not added up: the one with most periods is used.
    chosen = max(by_size.values(), key=lambda group: (len(group), -period_months(group[0].period)))
    chosen = sorted(chosen, key=lambda point: period_start(point.period))
    starts = [_month_number(point.period) for point in chosen]
    window = [point for point, start in zip(chosen, starts) if start >= starts[-1] - TREND_WINDOW_MONTHS]
    if len(window) < MIN_TREND_PERIODS:
        window = chosen[-MIN_TREND_PERIODS:]
    if len(window) < MIN_TREND_PERIODS:
        return None
    months = np.array([_month_number(point.period) for point in window], dtype=float)
    counts = np.array([point.count for point in window], dtype=float)
    slope = float(np.polyfit(months - months[0], counts, 1)[0])
    first, last = int(counts[0]), int(counts[-1])
    change = (last - first) / first if first else None
    return Trend([point.period for point in window], [int(c) for c in counts], int(months[-1] - months[0]), slope, change)


def trend_reason(trend: Trend) -> str:
    """'postings +38 % over 12 months (4,120 → 5,690)'."""
    first, last = trend.counts[0], trend.counts[-1]
    change = ("+" if trend.change >= 0 else "") + percent(trend.change) if trend.change is not None else "up from none"
    return f"postings {change} over {trend.months} months ({first:,} → {last:,})"


def percent(share: float) -> str:
    """0.38 -> '38 %' (the reasons' style)."""
    return f"{share * 100:.0f} %"


def period_months(period: str) -> int:
    """How many months a period spans (12 for a year, 6, 3 or 1)."""
    rest = period[5:]
    return _MONTHS["M" if rest.isdigit() else rest[:1]]


def period_start(period: str) -> tuple[int, int]:
    """(year, first month) of a period: 2026 -> (2026, 1), 2026-Q3 -> (2026, 7), 2026-H2 -> (2026, 7)."""
    year, rest = int(period[:4]), period[5:]
    if not rest:
        return year, 1
    if rest.isdigit():
        return year, int(rest)
    return year, (int(rest[1:]) - 1) * _MONTHS[rest[0]] + 1


def _month_number(period: str) -> int:
    year, month = period_start(period)
    return year * 12 + month - 1
