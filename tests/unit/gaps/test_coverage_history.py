"""Coverage over time: a point per gap report whose results changed, per framework; bad lines skipped."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from workbench.gaps.history import CoverageHistory


def _report(*pairs: tuple[str, float]):
    return SimpleNamespace(skills=[SimpleNamespace(status=status, coverage=coverage) for status, coverage in pairs])


def test_a_point_is_added_only_when_the_results_change(tmp_path):
    history = CoverageHistory(tmp_path / "coverage.jsonl", clock=lambda: datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert history.record(_report(("gap", 0.1), ("covered", 0.9), ("gap", 0.2)), "fw")
    assert not history.record(_report(("gap", 0.1), ("covered", 0.9), ("gap", 0.2)), "fw")  # the same report again
    assert history.record(_report(("gap", 0.1), ("covered", 0.9), ("gap", 0.2)), "other framework")
    (tmp_path / "coverage.jsonl").write_text((tmp_path / "coverage.jsonl").read_text() + "not json\n")
    assert history.record(_report(("covered", 1.0)), "fw")
    entries = history.entries()
    assert [(e["framework"], e["gap"], e["covered"], e["mean_coverage"]) for e in entries] == [
        ("fw", 2, 1, 0.4), ("other framework", 2, 1, 0.4), ("fw", 0, 1, 1.0)]
    assert entries[0]["at"] == "2026-12-01T00:00:00+00:00" and entries[0]["skills"] == 3


def test_an_empty_report_and_a_missing_file(tmp_path):
    history = CoverageHistory(tmp_path / "none" / "coverage.jsonl")
    assert history.entries() == []
    assert history.record(_report(), "fw") and history.entries()[0]["mean_coverage"] == 0.0
