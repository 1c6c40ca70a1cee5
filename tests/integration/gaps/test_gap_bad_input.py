"""Odd frameworks and libraries: each gives a report a person can read, never a crash or a NaN in the JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest

pytestmark = pytest.mark.slow

PHISHING = """# Spotting phishing emails

Phishing emails pretend to come from a trusted sender to steal passwords or install malware.

## Warning signs

Look for an unexpected sender address, urgent threats, links whose target differs from the text,
and attachments you did not ask for. Hover over a link to see where it really goes.

## What to do

Do not click. Report the email with the phishing button and delete it.
"""

BUDGET = """# Building a team budget

A budget turns plans into numbers: expected costs and income for the year.

## Estimating costs

List salaries, tools, travel and training. Use last year's actual spend as a baseline.

## Tracking spend

Compare actual spend with the budget every month and explain variances above five percent.
"""

PHISHING_DE = """# Phishing-E-Mails erkennen

Phishing-E-Mails geben vor, von einem vertrauenswürdigen Absender zu stammen, um Passwörter zu stehlen.

## Warnsignale

Achten Sie auf unerwartete Absenderadressen, dringende Drohungen und Links, deren Ziel vom Text abweicht.
Melden Sie die E-Mail mit der Phishing-Schaltfläche und löschen Sie sie.
"""

WORDS = ["pottery", "sailing", "welding", "choir", "beekeeping", "chess", "origami", "falconry", "baking",
         "surveying", "upholstery", "glassblowing", "archery", "cartography", "taxidermy", "juggling"]


def write_library(root, modules: dict[str, str]):
    library = root / "library"
    library.mkdir(parents=True)
    for name, text in modules.items():
        (library / name).write_text(text, encoding="utf-8")
    return library


def write_framework(root, rows: list[tuple[str, str, str]]):
    path = root / "skills.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "description"])
        writer.writerows(rows)
    return path


def report_for(services_for, tmp_path, modules, rows):
    library = write_library(tmp_path, modules)
    skills = write_framework(tmp_path, rows)
    _, services = services_for(library, tmp_path / "data")
    return services.gaps.report(skills_file=skills)


def assert_readable(report):
    """The JSON has no NaN or infinity, statuses are known, numbers are in range, every skill has a reason."""
    rows = json.loads(json.dumps(report.to_json(), allow_nan=False))
    for row in rows:
        assert row["status"] in {"covered", "partial", "gap", "stale"}
        assert 0.0 <= row["coverage"] <= 1.0
        assert row["why"] and row["reasons"]
        for item in row["taught_by"]:
            assert 0.0 <= item["strength"] <= 1.0 and 0.0 <= item["share"] <= 1.0
    assert list(csv.reader(io.StringIO(report.to_csv())))[1:]  # the CSV has a row per skill
    return {row["skill_id"]: row for row in rows}


SCRUM = """# Working in Scrum sprints

Scrum teams plan a sprint, meet daily in a stand-up and hold a retrospective at the end of each
sprint to improve how they deliver. The product owner orders the backlog.
"""


def sample_report(indexed_sample, tmp_path, rows):
    """The sample library (indexed once per session) against a framework written for the test."""
    _, services = indexed_sample
    return services.gaps.report(skills_file=write_framework(tmp_path, rows))


def test_a_framework_of_one_skill(indexed_sample, tmp_path):
    rows = assert_readable(sample_report(indexed_sample, tmp_path, [("fb", "Giving feedback", "")]))
    assert rows["fb"]["status"] == "covered"
    assert "feedback-coaching/giving-feedback-sbi.md" in [item["path"] for item in rows["fb"]["taught_by"]]


def test_five_thousand_skills(indexed_sample, tmp_path):
    framework = [("fb", "Giving feedback", "")]
    framework += [(f"hobby-{i}", f"{WORDS[i % 16].title()} {WORDS[(i // 16) % 16]} level {i}", "") for i in range(4999)]
    report = sample_report(indexed_sample, tmp_path, framework)
    rows = assert_readable(report)
    assert len(rows) == 5000
    assert [skill.rank for skill in report.skills] == list(range(1, 5001))
    assert rows["fb"]["status"] == "covered"
    assert sum(1 for row in rows.values() if row["status"] == "covered") < 50  # hobbies are not taught


def test_skills_with_identical_names_get_the_same_result(indexed_sample, tmp_path):
    rows = assert_readable(sample_report(indexed_sample, tmp_path, [
        ("fb", "Giving feedback", ""), ("fb-copy", "Giving feedback", ""), ("delegation", "Delegating effectively", ""),
    ]))
    assert rows["fb"]["status"] == rows["fb-copy"]["status"] == "covered"  # they do not split the module between them
    assert rows["fb"]["coverage"] == rows["fb-copy"]["coverage"]
    assert rows["fb"]["taught_by"] == rows["fb-copy"]["taught_by"]


def test_a_one_character_and_a_two_thousand_character_skill_name(indexed_sample, tmp_path):
    long_name = ("Giving feedback with the situation, behaviour and impact model " * 32)[:2000]
    rows = assert_readable(sample_report(indexed_sample, tmp_path, [
        ("one-char", "C", ""), ("long-name", long_name, ""), ("delegation", "Delegating effectively", ""),
    ]))
    assert rows["one-char"]["status"] in {"gap", "partial"}
    assert rows["long-name"]["status"] == "covered"
    assert rows["long-name"]["taught_by"][0]["path"] == "feedback-coaching/giving-feedback-sbi.md"


SMALL_FRAMEWORK = [("sec-phishing", "Recognising phishing", ""), ("fin-budget", "Team budgeting", ""),
                   ("pm-scrum", "Agile delivery with Scrum", ""), ("ai-prompting", "Writing prompts for AI assistants", "")]


def test_a_library_of_one_module(services_for, tmp_path):
    rows = assert_readable(report_for(services_for, tmp_path, {"phishing.md": PHISHING}, SMALL_FRAMEWORK))
    assert rows["sec-phishing"]["status"] == "covered"
    assert {rows[key]["status"] for key in ("fin-budget", "pm-scrum", "ai-prompting")} == {"gap"}


def test_a_module_of_one_line(services_for, tmp_path):
    rows = assert_readable(report_for(services_for, tmp_path, {
        "phishing.md": "Phishing emails pretend to be a trusted sender to steal your password.",
        "budget.md": BUDGET, "scrum.md": SCRUM,
    }, SMALL_FRAMEWORK))
    assert rows["sec-phishing"]["taught_by"][0]["path"] == "phishing.md"
    assert rows["ai-prompting"]["status"] == "gap"


def test_a_library_in_two_languages(services_for, tmp_path):
    rows = assert_readable(report_for(services_for, tmp_path, {
        "phishing.md": PHISHING, "phishing-de.md": PHISHING_DE, "budget.md": BUDGET, "scrum.md": SCRUM,
    }, SMALL_FRAMEWORK))
    assert rows["sec-phishing"]["status"] == "covered"
    assert rows["sec-phishing"]["taught_by"][0]["path"] == "phishing.md"
    assert rows["ai-prompting"]["status"] == "gap"


def test_a_framework_too_small_to_calibrate_says_so(services_for, tmp_path):
    report = report_for(services_for, tmp_path, {"phishing.md": PHISHING, "budget.md": BUDGET},
                        [("sec-phishing", "Recognising phishing", "")])
    assert_readable(report)
    assert any("only 1 distinct skill(s): too few" in warning for warning in report.warnings), report.warnings
