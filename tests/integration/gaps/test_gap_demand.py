"""Demand in the gap report: imported market trend, proficiency ratings and learners' answers reorder a tier and say why."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from tests.integration.gaps.conftest import SAMPLE_TODAY
from tests.support.drafts import clean_draft
from tests.support.signals import MODULE_ID, answered, signals_on, write_json_lines
from workbench.cli import app
from workbench.exports.service import source_from_draft
from workbench.gaps.assembly import rank_tier
from workbench.gaps.demand import DemandInputs
from workbench.gaps.service import GapService
from workbench.signals.catalog import ResultCatalog

pytestmark = pytest.mark.slow

MONTHS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 12)]


def target_of(report):
    """The last skill of the largest tier among those of the tier's leading priority, and that tier's skills."""
    tiers: dict[int, list] = {}
    for skill in report.skills:
        tiers.setdefault(rank_tier(skill), []).append(skill)
    tier = max(tiers.values(), key=len)
    leading = [skill for skill in tier if skill.priority == tier[0].priority]
    return leading[-1], tier


def test_imported_demand_moves_a_skill_to_the_top_of_its_tier_with_its_figures_and_reasons(indexed_sample, sample_report,
                                                                                          database, tmp_path):
    settings, services = indexed_sample
    target, tier = target_of(sample_report)
    assert target.skill_id != tier[0].skill_id
    catalog = ResultCatalog.from_sources([(source_from_draft(clean_draft(), MODULE_ID), (target.skill_id,))])
    signals = signals_on(database, catalog=catalog)

    trend = tmp_path / "postings.csv"
    counts = [4_120 + round(n * (5_690 - 4_120) / 12) for n in range(13)]
    trend.write_text("skill_id,period,count\n" + "".join(f"{target.skill_id},{p},{c}\n" for p, c in zip(MONTHS, counts)),
                     encoding="utf-8")
    signals.import_file(trend, "market-trend", "lena")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("employee_id,skill,rating,target,period\n"
                       + "".join(f"emp-{n},{target.skill_id},{2 if n < 4 else 3},3,2026-H1\n" for n in range(6)), encoding="utf-8")
    signals.import_file(ratings, "proficiency-csv", "lena")
    # 6 people x 4 items: 24 attempts, enough to count for mastery (at least 20)
    statements = [answered(f"q{item}", f"learner-{person}", (person * 4 + item) % 12 < 5)
                  for person in range(6) for item in range(1, 5)]
    signals.import_file(write_json_lines(tmp_path / "answers.jsonl", statements), "xapi", "lena")
    correct = sum((person * 4 + item) % 12 < 5 for person in range(6) for item in range(1, 5))

    def demand() -> DemandInputs:
        return DemandInputs(signals.trend_points(), signals.proficiency_aggregates().skills, signals.skill_mastery())

    report = GapService(settings, services.index, today=SAMPLE_TODAY, demand=demand).report()

    # Gap quality: statuses and coverage are untouched; only the order inside a tier moves.
    assert {s.skill_id: (s.status, s.coverage) for s in report.skills} == {s.skill_id: (s.status, s.coverage) for s in sample_report.skills}
    moved = next(s for s in report.skills if s.skill_id == target.skill_id)
    first_of_tier = min(s.rank for s in report.skills if rank_tier(s) == rank_tier(moved))
    assert moved.rank == first_of_tier
    assert moved.reasons[-3:] == [
        "postings +38 % over 12 months (4,120 → 5,690)",
        "67 % rated below target (4 of 6 people, 2026-H1)",
        f"{100 * correct / 24:.0f} % mastery on 24 attempts (6 people)",
    ]
    figures = moved.to_json()["demand_figures"]
    assert figures["trend"]["periods"] == MONTHS and figures["trend"]["recent_volume"] == 5_690
    assert figures["proficiency"] == {"period": "2026-H1", "people": 6, "below_target": 4, "share_below_target": round(4 / 6, 4)}
    assert figures["mastery"] == {"attempts": 24, "correct": correct, "people": 6, "share_correct": round(correct / 24, 4)}
    t, p, w = (5_690 - 4_120) / 4_120, 4 / 6, 1 - correct / 24
    weight = {"critical": 1.0, "high": 0.75, "medium": 0.5, "low": 0.25}[moved.priority]
    assert figures["rank_score"] == pytest.approx(weight * (1 + (t + p + w) / 2), abs=1e-4)


def test_gaps_json_carries_the_demand_figures_of_a_trend_imported_from_the_cli(indexed_sample, tmp_path):
    settings, _ = indexed_sample
    library, data = tmp_path / "library", tmp_path / "data"
    shutil.copytree(settings.library_dir, library)
    shutil.copytree(settings.data_dir, data)
    trend = tmp_path / "postings.csv"
    trend.write_text("skill,period,count\n" + "".join(f"Delegating effectively,2026-{m:02d},{100 * m}\n" for m in range(1, 7)),
                     encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(app, ["--library", str(library), "--data-dir", str(data), *args])

    imported = run("signals", "import", str(trend), "--kind", "market-trend")
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("import 1 from postings.csv: read 6, kept 6 new, 0 already kept, 0 ignored, 0 rejected")
    result = run("gaps", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout[result.stdout.index("["):])
    delegation = next(row for row in rows if row["skill_id"] == "lead-delegation")
    assert delegation["demand_figures"]["trend"] == {
        "periods": [f"2026-{m:02d}" for m in range(1, 7)], "counts": [100, 200, 300, 400, 500, 600], "months": 5,
        "slope_per_month": 100.0, "change": 5.0, "recent_period": "2026-06", "recent_volume": 600}
    assert "postings +500 % over 5 months (100 → 600)" in delegation["reasons"]
    assert delegation["demand_figures"]["terms"]["t"] == 1.0  # clipped
