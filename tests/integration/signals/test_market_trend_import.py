"""Market-trend counts (CSV): exact skills taken as they are, other labels matched by meaning with their confidence, the rest unmatched."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.signals import signals_on
from workbench.errors import SignalsInputInvalid
from workbench.signals.tables import market_trend_counts, signal_imports


def rows(database) -> list:
    with database.read() as connection:
        return connection.execute(select(market_trend_counts).order_by(market_trend_counts.c.id)).all()


def write(tmp_path, text: str | bytes, name: str = "postings.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_ids_uris_and_names_are_exact_other_labels_matched_by_meaning_or_listed_unmatched(database, tmp_path, embedder):
    path = write(tmp_path, "\n".join([
        "skill_id,esco_uri,skill_label,period,count",
        "lead-delegation,,,2026-01,120",
        ",http://data.europa.eu/esco/skill/comm-presenting,,2026-01,80",
        ",,Active listening,2026-01,40",
        ",,delegation of work,2026-02,150",
        ",,Underwater basket weaving,2026-02,9",
        "no-such-skill,,,2026-02,3",
    ]) + "\n")
    report = signals_on(database, embedder=embedder).import_file(path, "market-trend", "lena")

    kept = [(r.label, r.skill_id, r.match, r.period, r.count) for r in rows(database)]
    assert kept == [
        ("lead-delegation", "lead-delegation", "exact", "2026-01", 120),
        ("http://data.europa.eu/esco/skill/comm-presenting", "comm-presenting", "exact", "2026-01", 80),
        ("Active listening", "comm-active-listening", "exact", "2026-01", 40),
        ("delegation of work", "lead-delegation", "meaning", "2026-02", 150),
    ]
    by_label = {found["label"]: found for found in report.matches}
    assert set(by_label) == {"delegation of work", "Underwater basket weaving"}
    delegating = by_label["delegation of work"]
    assert (delegating["skill_id"], delegating["skill_name"], delegating["matched"]) == ("lead-delegation", "Delegating effectively", True)
    assert delegating["confidence"] >= 0.7
    assert rows(database)[3].confidence == pytest.approx(delegating["confidence"], abs=1e-3)
    basket = by_label["Underwater basket weaving"]
    assert basket["matched"] is False and basket["confidence"] < 0.7  # the closest skill is named, never attached
    # An id or URI the framework lacks is unknown: ids are never matched by similarity.
    assert report.unknown_ids == {"Underwater basket weaving": 1, "no-such-skill": 1}
    assert (report.read, report.kept, report.rejected) == (6, 4, 2)


def test_a_file_of_exact_skills_never_loads_the_embedding_model(database, tmp_path):
    path = write(tmp_path, "skill,period,count\nlead-delegation,2026-Q1,10\nDelegation,2026-Q2,12\n")
    report = signals_on(database, embedder=None).import_file(path, "market-trend", "lena")  # no embedder: would fail if asked
    assert (report.kept, report.matches) == (2, [])
    assert [(r.skill_id, r.period, r.count) for r in rows(database)] == [("lead-delegation", "2026-Q1", 10), ("lead-delegation", "2026-Q2", 12)]


def test_a_threshold_above_every_match_keeps_nothing_by_meaning(database, tmp_path, embedder):
    path = write(tmp_path, "skill,period,count\ndelegation of work,2026-02,150\n")
    report = signals_on(database, embedder=embedder, trend_match_threshold=0.99).import_file(path, "market-trend", "lena")
    assert rows(database) == []
    assert [(m["skill_id"], m["matched"]) for m in report.matches] == [("lead-delegation", False)]
    assert report.unknown_ids == {"delegation of work": 1}


def test_bad_rows_are_named_by_line_and_good_rows_kept(database, tmp_path):
    text = "\ufeff" + "\n".join([
        "skill;period;count",
        "lead-delegation;2026-01;100",
        "lead-delegation;2026-01;100",  # an exact repeat
        "lead-delegation;2026-01;101",  # a second, different count for the same period
        "lead-delegation;2026-02;-5",
        "lead-delegation;2026-03;12.5",
        "lead-delegation;2026-04;=HYPERLINK(\"http://x\")",
        "lead-delegation;March;7",
        "lead-delegation;2026-13;7",
        ";2026-05;7",
        "lead-delegation;2026-06",
        "comm-presenting;2026-01;0",
    ]) + "\n"
    report = signals_on(database).import_file(write(tmp_path, text), "market-trend", "lena")
    assert [(r.skill_id, r.period, r.count) for r in rows(database)] == [("lead-delegation", "2026-01", 100), ("comm-presenting", "2026-01", 0)]
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "the same record as line 2; kept once"),
        (4, 'a second count for "lead-delegation" in 2026-01 (101; the first was 100)'),
        (5, 'count "\'-5" is not a whole number of 0 or more'),
        (6, 'count "12.5" is not a whole number of 0 or more'),
        (7, 'count "\'=HYPERLINK("http://x")" is not a whole number of 0 or more'),
        (8, 'period "March" is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn'),
        (9, 'period "2026-13" is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn'),
        (10, "no skill"),
        (11, "2 cells where the header has 3"),
    ]
    assert (report.kept, report.duplicates, report.rejected) == (2, 1, 8)


def test_reimport_is_a_no_op_and_the_import_is_recorded_with_source_sha256_and_who(database, tmp_path):
    path = write(tmp_path, "skill,period,count\nlead-delegation,2026-01,100\n")
    signals = signals_on(database)
    first = signals.import_file(path, "market-trend", "lena")
    again = signals.import_file(path, "market-trend", "omar")
    assert again.already_imported and again.import_id == first.import_id
    with database.read() as connection:
        stored = connection.execute(select(signal_imports)).all()
    assert [(r.kind, r.source, r.imported_by, len(r.sha256)) for r in stored] == [("market-trend", "postings.csv", "lena", 64)]
    assert len(rows(database)) == 1
    assert json.loads(stored[0].report)["kept"] == 1


def test_a_later_file_revises_the_count_of_a_period_an_earlier_one_gave(database, tmp_path):
    signals = signals_on(database)
    signals.import_file(write(tmp_path, "skill,period,count\nlead-delegation,2026-01,100\nlead-delegation,2026-02,110\n", "a.csv"),
                        "market-trend", "lena")
    revision = signals.revision()
    signals.import_file(write(tmp_path, "skill,period,count\nlead-delegation,2026-02,130\nDelegation,2026-02,5\n", "b.csv"),
                        "market-trend", "lena")
    assert [(p.skill_id, p.period, p.count) for p in signals.trend_points()] == [
        ("lead-delegation", "2026-01", 100), ("lead-delegation", "2026-02", 135)]  # b.csv's two labels of one skill, summed
    assert signals.revision() != revision


def test_empty_header_only_and_non_utf8_files_import_nothing(database, tmp_path):
    signals = signals_on(database)
    with pytest.raises(SignalsInputInvalid, match="^empty.csv: the file is empty; nothing was imported$"):
        signals.import_file(write(tmp_path, "", "empty.csv"), "market-trend", "lena")
    with pytest.raises(SignalsInputInvalid, match="^head.csv: the file has a header but no rows; nothing was imported$"):
        signals.import_file(write(tmp_path, "skill,period,count\n", "head.csv"), "market-trend", "lena")
    with pytest.raises(SignalsInputInvalid, match="^nocount.csv: the header has no count column; nothing was imported$"):
        signals.import_file(write(tmp_path, "skill,period\nlead-delegation,2026-01\n", "nocount.csv"), "market-trend", "lena")
    latin = "skill,period,count\n" + "lead-delegation,2026-01,1\n" * 3 + "Pr\u00e9senter,2026-01,4\n"
    with pytest.raises(SignalsInputInvalid, match=r"^latin.csv: not UTF-8 text \(invalid continuation byte\); nothing was imported$"):
        signals.import_file(write(tmp_path, latin.encode("latin-1"), "latin.csv"), "market-trend", "lena")
    with database.read() as connection:
        assert connection.execute(select(signal_imports)).all() == []
    assert rows(database) == []
