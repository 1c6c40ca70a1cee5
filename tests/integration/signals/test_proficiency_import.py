"""Proficiency ratings (CSV) matched to the framework's skills exactly, pseudonymised, and shown only for enough people."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.signals import signals_on
from workbench.errors import SignalsInputInvalid
from workbench.signals.tables import proficiency_ratings

HEADER = "employee_id,team,skill,rating,target,period"


def rows(database) -> list:
    with database.read() as connection:
        return connection.execute(select(proficiency_ratings).order_by(proficiency_ratings.c.id)).all()


def write(tmp_path, text: str, name: str = "ratings.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ratings_are_matched_by_id_uri_name_or_alias_and_unknown_skills_reported(database, tmp_path):
    path = write(tmp_path, "\n".join([
        "employee_id,team,skill_id,esco_uri,skill_name,rating,target,period",
        "emp-1,Sales,lead-delegation,,,2,3,2026-H1",
        "emp-2,Sales,,http://data.europa.eu/esco/skill/lead-delegation,,3,3,2026-H1",
        "emp-3,Sales,,,delegating effectively,1,3,2026-H1",
        "emp-4,Sales,,,Underwater basket weaving,4,3,2026-H1",
        "emp-5,Sales,lead-delegation,,,three,3,2026-H1",
        "emp-6,Sales,lead-delegation,,,2,3,last year",
        ",,lead-delegation,,,2,3,2026-H1",
    ]) + "\n")
    report = signals_on(database).import_file(path, "proficiency-csv", "lena")
    assert [(r.skill_id, r.team, r.rating, r.target, r.period) for r in rows(database)] == [
        ("lead-delegation", "Sales", 2.0, 3.0, "2026-H1"), ("lead-delegation", "Sales", 3.0, 3.0, "2026-H1"),
        ("lead-delegation", "Sales", 1.0, 3.0, "2026-H1")]
    assert report.unknown_ids == {"Underwater basket weaving": 1}
    assert [(p.line, p.reason) for p in report.problems] == [
        (6, 'rating "three" is not a number'),
        (7, 'period "last year" is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn'),
        (8, "neither a person nor a team"),
    ]
    assert "emp-" not in json.dumps([list(r) for r in rows(database)], default=str)


def test_the_share_below_target_is_shown_only_for_groups_of_at_least_n_people(database, tmp_path):
    lines = [HEADER] + [f"emp-{n},Ops,Delegating effectively,{n % 4},3,2026-Q3" for n in range(6)]  # ratings 0,1,2,3,0,1
    lines += [f"emp-{n},Ops,Setting direction and goals,1,3,2026-Q3" for n in range(3)]  # only 3 people
    signals = signals_on(database, min_group_size=5)
    report = signals.import_file(write(tmp_path, "\n".join(lines) + "\n"), "proficiency-csv", "lena")
    assert (report.kept, report.rejected) == (9, 0)
    aggregates = signals.proficiency_aggregates().as_dict()
    assert aggregates == {"min_group_size": 5, "withheld": 1, "skills": [
        {"skill_id": "lead-delegation", "period": "2026-Q3", "people": 6, "below_target": 5, "share_below_target": 5 / 6}]}


def test_bom_semicolons_duplicates_and_an_empty_file(database, tmp_path):
    text = "\ufeff" + HEADER.replace(",", ";") + "\n" + "emp-1;Ops;lead-delegation;2,5;3;2026-11\n" * 2
    report = signals_on(database).import_file(write(tmp_path, text), "proficiency-csv", "lena")
    assert (report.kept, report.duplicates) == (1, 1)
    assert rows(database)[0].rating == 2.5
    assert [(p.line, p.reason) for p in report.problems] == [(3, "the same record as line 2; kept once")]
    with pytest.raises(SignalsInputInvalid, match="^empty.csv: the file is empty; nothing was imported$"):
        signals_on(database).import_file(write(tmp_path, "", "empty.csv"), "proficiency-csv", "lena")
    with pytest.raises(SignalsInputInvalid, match=r"^nohead.csv: the header has no person or team column; nothing was imported$"):
        signals_on(database).import_file(write(tmp_path, "skill,rating,period\nx,1,2026\n", "nohead.csv"), "proficiency-csv", "lena")
