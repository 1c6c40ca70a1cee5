"""Coverage over time is kept in the database: replicas with their own data dirs see one history (both databases)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

from workbench.gaps.history import CoverageHistory

DEC_1 = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _report(*pairs: tuple[str, float]):
    return SimpleNamespace(skills=[SimpleNamespace(status=status, coverage=coverage) for status, coverage in pairs])


def test_a_point_is_added_only_when_the_results_change_and_every_replica_sees_it(database, tmp_path):
    replica_a = CoverageHistory(database, clock=lambda: DEC_1, legacy_file=tmp_path / "a" / "coverage_history.jsonl")
    replica_b = CoverageHistory(database, clock=lambda: DEC_1, legacy_file=tmp_path / "b" / "coverage_history.jsonl")
    assert replica_a.record(_report(("gap", 0.1), ("covered", 0.9), ("gap", 0.2)), "fw")
    assert not replica_b.record(_report(("gap", 0.1), ("covered", 0.9), ("gap", 0.2)), "fw")  # the same report, other replica
    assert replica_b.record(_report(("gap", 0.1), ("covered", 0.9), ("gap", 0.2)), "other framework")
    assert replica_a.record(_report(("covered", 1.0)), "fw")
    entries = replica_b.entries()
    assert [(e["framework"], e["gap"], e["covered"], e["mean_coverage"]) for e in entries] == [
        ("fw", 2, 1, 0.4), ("other framework", 2, 1, 0.4), ("fw", 0, 1, 1.0)]
    assert entries[0]["at"] == "2026-12-01T00:00:00+00:00" and entries[0]["skills"] == 3
    assert replica_a.entries() == entries
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # nothing written to a data dir


def test_an_empty_report(database):
    history = CoverageHistory(database)
    assert history.entries() == []
    assert history.record(_report(), "fw") and history.entries()[0]["mean_coverage"] == 0.0


def test_the_data_dirs_file_of_earlier_versions_is_imported_once(database, tmp_path):
    legacy = tmp_path / "coverage_history.jsonl"
    old = {"at": "2026-11-20T09:30:00+00:00", "framework": "fw", "skills": 2, "covered": 1, "partial": 0, "stale": 0, "gap": 1,
           "mean_coverage": 0.5}
    legacy.write_text(json.dumps(old) + "\nnot json\n" + json.dumps({**old, "at": "2026-11-21T09:30:00", "gap": 0, "covered": 2,
                                                                        "mean_coverage": 1.0}) + "\n", encoding="utf-8")
    history = CoverageHistory(database, clock=lambda: DEC_1, legacy_file=legacy)
    assert [(e["at"], e["covered"]) for e in history.entries()] == [("2026-11-20T09:30:00+00:00", 1), ("2026-11-21T09:30:00+00:00", 2)]
    assert not legacy.exists() and legacy.with_name("coverage_history.jsonl.imported").is_file()
    # The old file comes back (a copy interrupted before the rename): nothing is imported twice.
    legacy.with_name("coverage_history.jsonl.imported").replace(legacy)
    again = CoverageHistory(database, clock=lambda: DEC_1, legacy_file=legacy)
    assert len(again.entries()) == 2
    assert not again.record(_report(("covered", 1.0), ("covered", 1.0)), "fw")  # equals the last imported point
