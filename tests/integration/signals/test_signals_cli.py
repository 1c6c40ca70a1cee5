"""`workbench signals import / imports / items`: the ids our exported packages write come back as results."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.drafts import clean_draft
from tests.support.signals import KEY, answered, write_json_lines
from workbench.cli import app
from workbench.exports.banks import save_assessment_bank
from workbench.exports.cmi5 import course_activity_id

MODULE = "fb-coaching-with-grow"  # a module of the sample library; the bank below links questions to it


@pytest.fixture
def library(sample_library: Path) -> Path:
    """The sample library with the clean draft's four questions linked to one of its modules."""
    assessment = clean_draft().assessment.model_copy(update={"id": "grow-check", "module_id": MODULE})
    save_assessment_bank(sample_library, assessment)
    return sample_library


def run(library: Path, data_dir: Path, *args: str, env: dict | None = None):
    environment = {"WORKBENCH_SIGNALS_PSEUDONYM_KEY": KEY.get_secret_value(), **(env or {})}
    return CliRunner().invoke(app, ["--library", str(library), "--data-dir", str(data_dir), *args], env=environment)


def exported_tracking(library: Path, data_dir: Path, fmt: str, tmp_path: Path) -> list[dict]:
    """The tracking records (ids, objective) that the exported package's runtime sends, read from the package."""
    result = run(library, data_dir, "export", MODULE, "--format", fmt, "-o", f"{tmp_path}/", "--json")
    assert result.exit_code == 0, result.output
    html = zipfile.ZipFile(json.loads(result.output)["path"]).read("index.html").decode("utf-8")
    quiz = json.loads(re.search(r'<script type="application/json" id="quiz-data">(.*?)</script>', html, re.S).group(1))
    return [item["tracking"] for item in quiz["items"]]


def test_statements_about_the_items_of_an_exported_cmi5_package_import_with_json_output(library, tmp_path):
    data_dir = tmp_path / "data"
    tracking = exported_tracking(library, data_dir, "cmi5", tmp_path)
    course = tracking[0]["id"].rsplit("/items/", 1)[0]
    statements = [answered(record["id"].rsplit("/", 1)[1], f"learner-{n}", n % 2 == 0, course=course)
                  for n, record in enumerate(tracking * 2)]
    path = write_json_lines(tmp_path / "lrs-export.jsonl", statements)

    result = run(library, data_dir, "signals", "import", str(path), "--kind", "xapi", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["kind"], report["source"], report["read"], report["kept"], report["rejected"]) == ("xapi", "lrs-export.jsonl", 8, 8, 0)
    assert report["imported_by"].startswith("shell:") and len(report["sha256"]) == 64

    again = run(library, data_dir, "signals", "import", str(path), "--kind", "xapi")
    assert again.exit_code == 0
    assert again.stdout.startswith(f"lrs-export.jsonl was already imported (import {report['import_id']}, ")

    listed = json.loads(run(library, data_dir, "signals", "imports", "--json").stdout)
    assert [(i["import_id"], i["kept"]) for i in listed] == [(report["import_id"], 8)]
    figures = json.loads(run(library, data_dir, "signals", "items", "--json").stdout)
    # Each item was answered by two people: below the default group of 5, so nothing is shown.
    assert figures == {"min_group_size": 5, "items": [], "withheld": 4}
    figures = json.loads(run(library, data_dir, "signals", "items", "--json", env={"WORKBENCH_SIGNALS_MIN_GROUP_SIZE": "2"}).stdout)
    assert [(i["module_id"], i["item_id"], i["objective_id"], i["attempts"], i["people"]) for i in figures["items"]] == [
        (MODULE, "q1", "o1", 2, 2), (MODULE, "q2", "o2", 2, 2), (MODULE, "q3", "o1", 2, 2), (MODULE, "q4", "o2", 2, 2)]


def test_bad_lines_are_listed_with_terminal_safe_text_and_progress_goes_to_stderr(library, tmp_path, monkeypatch):
    from workbench.signals import service

    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    data_dir = tmp_path / "data"
    hostile = answered("q1", "ana", True, course="https://ld-workbench.invalid/xapi/courses/\x1b[31mred")
    good = answered("q1", "ana", True, course=course_activity_id(MODULE))
    path = write_json_lines(tmp_path / "s.jsonl", [good, "not json", hostile, {"verb": {}}])
    result = run(library, data_dir, "signals", "import", str(path), "--kind", "xapi")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "import 1 from s.jsonl: read 4, kept 1 new, 0 already kept, 0 ignored, 3 rejected",
        "line 2: invalid JSON (Expecting value)",
        "line 4: the statement has no actor",
        "unknown id (not in a published assessment): https://ld-workbench.invalid/xapi/courses/\\x1b[31mred (1x)",
    ]
    assert "read 2 records…" in result.stderr and "read 4 records…" in result.stderr


def test_missing_key_kind_or_file_are_one_line_errors(library, tmp_path):
    data_dir = tmp_path / "data"
    path = write_json_lines(tmp_path / "s.jsonl", [answered("q1", "ana", True)])
    result = run(library, data_dir, "signals", "import", str(path), "--kind", "xapi", env={"WORKBENCH_SIGNALS_PSEUDONYM_KEY": ""})
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: set WORKBENCH_SIGNALS_PSEUDONYM_KEY to a secret of at least 16 characters: "
                                     "person identifiers are pseudonymised with it on import")
    result = run(library, data_dir, "signals", "import", str(path), "--kind", "csv")
    assert result.stderr.strip() == "error: unknown kind of file 'csv'; choose one of: xapi, scorm-csv, proficiency-csv, market-trend"
    result = run(library, data_dir, "signals", "import", str(tmp_path / "nope.json"), "--kind", "xapi")
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.json'}: no such file"
    result = run(library, data_dir, "signals", "import")
    assert result.stderr.strip() == "error: give either a FILE (with --kind) or --from-lrs URL"


def test_interaction_records_with_the_ids_an_exported_scorm12_package_writes_map_back_to_its_items(library, tmp_path):
    data_dir = tmp_path / "data"
    tracking = exported_tracking(library, data_dir, "scorm12", tmp_path)
    header = "learner_id,cmi.interactions.n.id,cmi.interactions.n.result,cmi.interactions.n.student_response,date,cmi.interactions.n.time"
    rows = [f"emp-{n},{record['id']},{'correct' if n % 2 else 'wrong'},{record['codes'][0]},2026-11-0{n + 1},10:00:0{n}"
            for n, record in enumerate(tracking)]
    path = tmp_path / "lms-report.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = run(library, data_dir, "signals", "import", str(path), "--kind", "scorm-csv", "--module", MODULE, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["kept"], report["rejected"], report["unknown_ids"]) == (4, 0, [])
    figures = json.loads(run(library, data_dir, "signals", "items", "--json", env={"WORKBENCH_SIGNALS_MIN_GROUP_SIZE": "1"}).stdout)
    assert [(i["item_id"], i["objective_id"], i["correct_share"]) for i in figures["items"]] == [
        ("q1", "o1", 0.0), ("q2", "o2", 1.0), ("q3", "o1", 0.0), ("q4", "o2", 1.0)]


def test_a_market_trend_import_shows_each_label_matched_by_meaning_and_its_confidence(sample_library, tmp_path, embedder):
    path = tmp_path / "postings.csv"
    path.write_text("skill,period,count\ndelegation of work,2026-01,10\nwelding,2026-01,4\nlead-delegation,2026-02,12\n", encoding="utf-8")
    result = run(sample_library, tmp_path / "data", "signals", "import", str(path), "--kind", "market-trend")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "import 1 from postings.csv: read 3, kept 2 new, 0 already kept, 0 ignored, 1 rejected"
    assert re.fullmatch(r"label 'delegation of work': matched by meaning: lead-delegation \(Delegating effectively\), confidence 0\.\d\d", lines[1])
    assert re.fullmatch(r"label 'welding': NOT matched \(below the threshold\), closest: [a-z-]+ \(.+\), confidence 0\.\d\d", lines[2])
    assert lines[3] == "unknown or unmatched skill: welding (1x)"
    report = json.loads(run(sample_library, tmp_path / "data", "signals", "imports", "--json").stdout)[0]
    assert [(m["label"], m["matched"]) for m in report["matches"]] == [("delegation of work", True), ("welding", False)]


def test_signals_analysis_prints_each_items_figures_and_flags(library, tmp_path):
    data_dir = tmp_path / "data"
    tracking = exported_tracking(library, data_dir, "cmi5", tmp_path)
    course = tracking[0]["id"].rsplit("/items/", 1)[0]
    statements = [answered("q1", f"learner-{n}", n > 0, response="a" if n > 0 else "c", course=course) for n in range(30)]
    path = write_json_lines(tmp_path / "answers.jsonl", statements)
    assert run(library, data_dir, "signals", "import", str(path), "--kind", "xapi").exit_code == 0

    result = run(library, data_dir, "signals", "analysis", "--module", MODULE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{MODULE}: 1 item(s), 1 flagged",
        "  q1  answers 30  p 0.97  r -  (a* 97%, c 3%)",
        "    flag: too easy: 97 % of 30 answers correct (above 90 %)",
    ]
    figures = json.loads(run(library, data_dir, "signals", "analysis", "--json").stdout)
    assert [(a["module_id"], [i["item_id"] for i in a["items"]]) for a in figures] == [(MODULE, ["q1"])]
    assert figures[0]["items"][0]["options"][0] == {"response": "a", "key": True, "share": round(29 / 30, 4),
                                                     "strong_share": 1.0, "weak_share": 0.875}
