"""Loading skills frameworks: the project's YAML and CSV formats, ESCO's export, and every validation error."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.domain.library import Level
from workbench.domain.skills import DemandSignal, Priority
from workbench.errors import SkillsFileInvalid
from workbench.skills import load_framework

YAML_FRAMEWORK = """\
framework:
  id: acme
  name: Acme skills
skills:
  - id: lead-delegation
    name: Delegating effectively
    description: Hand over work with the right authority.
    group: Leadership
    level: intermediate
    priority: high
    demand: {signal: rising, source: market trend, note: More postings ask for it.}
    roles: [people managers]
    aliases: [delegation, empowering others]
  - id: wb-resilience
    name: Building resilience
"""

CSV_FRAMEWORK = """\
id,name,description,level,priority,demand_signal,demand_source,roles,aliases,group
data-viz,Data visualisation,Choose the right chart,advanced,critical,rising,internal performance data,analysts | managers,charts; dashboards,Data
data-stats,Descriptive statistics,Mean median and spread,,,,,,,Data
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_project_yaml_reads_every_field(tmp_path):
    framework = load_framework(write(tmp_path, "skills.yaml", YAML_FRAMEWORK))
    assert (framework.id, framework.name) == ("acme", "Acme skills")
    delegation = framework.get("lead-delegation")
    assert delegation.level is Level.INTERMEDIATE
    assert delegation.priority is Priority.HIGH
    assert delegation.demand_signal is DemandSignal.RISING
    assert delegation.demand_source == "market trend"
    assert delegation.roles == ("people managers",)
    assert delegation.aliases == ("delegation", "empowering others")
    assert delegation.group == "Leadership"
    resilience = framework.get("wb-resilience")
    assert resilience.priority is Priority.MEDIUM and resilience.level is None
    assert framework.warnings == ()


def test_project_csv_reads_lists_and_defaults(tmp_path):
    framework = load_framework(write(tmp_path, "skills.csv", CSV_FRAMEWORK))
    viz = framework.get("data-viz")
    assert viz.level is Level.ADVANCED and viz.priority is Priority.CRITICAL
    assert viz.roles == ("analysts", "managers")
    assert viz.aliases == ("charts", "dashboards")
    assert viz.demand_source == "internal performance data"
    assert framework.get("data-stats").priority is Priority.MEDIUM


def test_shipped_sample_framework_loads(project_root):
    framework = load_framework(project_root / "content_library" / "skills.yaml")
    assert len(framework.skills) >= 40
    assert framework.get("data-advanced-analytics") is not None
    assert framework.warnings == ()


def test_esco_export_of_the_real_sample(shared_dir):
    path = shared_dir / "fixtures" / "esco" / "transversalSkillsCollection_en.csv"
    framework = load_framework(path)
    assert len(framework.skills) == 107
    advice = framework.get("045f71e6-0699-4169-8a54-9c6b96f3174d")
    assert advice.name == "give advice to others"
    assert "give constructive feedback" in advice.aliases
    assert advice.description == "Offer suggestions about the best course of action."
    assert advice.group == "social interaction"
    # Some alt labels in the export are separated by newlines inside a quoted cell.
    assert all("\n" not in alias for skill in framework.skills for alias in skill.aliases)
    assert sum(len(skill.aliases) for skill in framework.skills) > 300


def test_unknown_columns_are_reported_not_fatal(tmp_path):
    path = write(tmp_path, "skills.csv", "id,name,description,owner\nx,Excel,Spreadsheets,Finance\n")
    framework = load_framework(path)
    assert framework.get("x").name == "Excel"
    assert len(framework.warnings) == 1
    assert "owner" in framework.warnings[0] and "skills.csv" in framework.warnings[0]


def test_unknown_yaml_fields_are_reported_not_fatal(tmp_path):
    path = write(tmp_path, "skills.yaml", "skills:\n  - id: x\n    name: Excel\n    owner: Finance\n")
    framework = load_framework(path)
    assert framework.get("x") is not None
    assert "owner" in framework.warnings[0] and "skill #1" in framework.warnings[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("dup.yaml", "skills:\n  - {id: a, name: A}\n  - {id: a, name: B}\n", ["dup.yaml", "skill #2", "duplicate skill id 'a'", "skill #1"]),
        ("dup.csv", "id,name\na,A\nb,B\na,C\n", ["dup.csv", "row 4", "duplicate skill id 'a'", "row 2"]),
        ("noname.csv", "id,name,description\na,,Something\n", ["noname.csv", "row 2", "has no name"]),
        ("noname.yaml", "skills:\n  - id: a\n    description: x\n", ["noname.yaml", "skill #1", "has no name"]),
        ("noid.csv", "id,name\n,Excel\n", ["noid.csv", "row 2", "no id"]),
        ("empty.yaml", "", ["empty.yaml", "empty"]),
        ("blank.csv", "   \n\n", ["blank.csv", "empty"]),
        ("header-only.csv", "id,name,description\n", ["header-only.csv", "no skills"]),
        ("nocolumns.csv", "skill,title\na,A\n", ["nocolumns.csv", "row 1", "missing column(s) id, name"]),
        ("latin1.csv", "id,name\na,Gestion de la qualité\n".encode("latin-1"), ["latin1.csv", "not UTF-8", "line 2"]),
        ("broken.yaml", "skills:\n  - id: a\n    name: [unclosed\n", ["broken.yaml", "malformed YAML", "line"]),
        ("level.csv", "id,name,level\na,A,guru\n", ["level.csv", "row 2", "unknown level 'guru'"]),
        ("priority.yaml", "skills:\n  - {id: a, name: A, priority: urgent}\n", ["priority.yaml", "unknown priority 'urgent'"]),
        ("extra.csv", "id,name\na,A,surplus\n", ["extra.csv", "row 2", "more cells"]),
        ("skills.xlsx", "not really", ["skills.xlsx", "unsupported"]),
        ("notalist.yaml", "skills: just text\n", ["notalist.yaml", "must be a list"]),
    ],
)
def test_invalid_files_name_file_and_row(tmp_path, name, content, expected):
    path = write(tmp_path, name, content)
    with pytest.raises(SkillsFileInvalid) as error:
        load_framework(path)
    for fragment in expected:
        assert fragment in str(error.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SkillsFileInvalid, match="not found"):
        load_framework(tmp_path / "nope.yaml")


def test_utf8_with_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, "excel.csv", "\ufeffid,name\nq,Gestion de la qualité\n")
    assert load_framework(path).get("q").name == "Gestion de la qualité"


def test_blank_spreadsheet_rows_are_ignored(tmp_path):
    path = write(tmp_path, "skills.csv", "id,name\na,A\n,\nb,B\n")
    assert [skill.id for skill in load_framework(path).skills] == ["a", "b"]
