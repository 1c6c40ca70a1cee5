"""Gap detection on a library without any front matter, in any layout, with a CSV framework."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

MODULES = {
    "phishing.md": """# Spotting phishing emails

Phishing emails pretend to come from a trusted sender to steal passwords or install malware.

## Warning signs

Look for an unexpected sender address, urgent threats, links whose target differs from the text,
and attachments you did not ask for. Hover over a link to see where it really goes.

## What to do

Do not click. Report the email with the phishing button and delete it.
""",
    "deep/nested/budgets.md": """# Building a team budget

A budget turns plans into numbers: expected costs and income for the year.

## Estimating costs

List salaries, tools, travel and training. Use last year's actual spend as a baseline.

## Tracking spend

Compare actual spend with the budget every month and explain variances above five percent.
""",
    "notes/sourdough.md": """Feeding a sourdough starter

Mix equal weights of flour and water into the starter every day. Keep it at room temperature
and discard half before each feeding. Bubbles and a sour smell mean the yeast is active.
""",
}

FRAMEWORK = """id,name,description
sec-phishing,Recognising phishing,Recognise phishing emails and suspicious links and report them.
fin-budgeting,Team budgeting,Plan a team budget and track spending against it.
pm-agile,Agile delivery with Scrum,"Run sprints, stand-ups and retrospectives in a Scrum team."
"""


@pytest.fixture
def plain_library(tmp_path):
    library = tmp_path / "library"
    for relative, text in MODULES.items():
        path = library / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    skills = tmp_path / "skills.csv"
    skills.write_text(FRAMEWORK, encoding="utf-8")
    return library, skills


def test_a_library_without_front_matter_works(plain_library, services_for, tmp_path):
    library, skills_file = plain_library
    _, services = services_for(library, tmp_path / "data")
    report = services.gaps.report(skills_file=skills_file)  # indexes the folder first
    skills = {skill.skill_id: skill for skill in report.skills}
    assert skills["pm-agile"].status == "gap"
    assert skills["sec-phishing"].status == "covered"
    assert skills["fin-budgeting"].status == "covered"
    assert skills["sec-phishing"].evidence[0].path == "phishing.md"
    assert skills["fin-budgeting"].evidence[0].path == "deep/nested/budgets.md"
    assert report.skills[0].skill_id == "pm-agile"
    assert [orphan.path for orphan in report.orphan_modules] == ["notes/sourdough.md"]
    assert report.orphans == [report.orphan_modules[0].module_id]
    assert skills["sec-phishing"].level_match == "unknown"  # neither side says a level


def test_a_module_added_later_closes_the_gap(plain_library, services_for, tmp_path):
    library, skills_file = plain_library
    _, services = services_for(library, tmp_path / "data")
    assert {s.skill_id for s in services.gaps.report(skills_file=skills_file).skills if s.status == "gap"} == {"pm-agile"}
    (library / "scrum.md").write_text(
        "# Working in Scrum sprints\n\nScrum teams plan a sprint, meet daily in a stand-up and hold a "
        "retrospective at the end of each sprint to improve how they deliver.\n",
        encoding="utf-8",
    )
    report = services.gaps.report(skills_file=skills_file)
    assert {s.skill_id for s in report.skills if s.status == "gap"} == set()


def test_an_empty_library_reports_every_skill_as_a_gap(services_for, tmp_path):
    library = tmp_path / "empty"
    library.mkdir()
    skills_file = tmp_path / "skills.csv"
    skills_file.write_text(FRAMEWORK, encoding="utf-8")
    _, services = services_for(library, tmp_path / "data")
    report = services.gaps.report(skills_file=skills_file)
    assert [skill.status for skill in report.skills] == ["gap"] * 3
    assert report.skills[0].reasons[0] == "the library has no indexed content"
    assert report.near_duplicates == [] and report.orphans == []


def test_the_default_framework_is_the_librarys_skills_yaml(plain_library, services_for, tmp_path):
    library, _ = plain_library
    _, services = services_for(library, tmp_path / "data")
    from workbench.errors import SkillsFileInvalid

    with pytest.raises(SkillsFileInvalid, match="skills.yaml: skills file not found"):
        services.gaps.report()
    (library / "skills.yaml").write_text("skills:\n  - {id: sec-phishing, name: Recognising phishing}\n", encoding="utf-8")
    assert [skill.skill_id for skill in services.gaps.report().skills] == ["sec-phishing"]
