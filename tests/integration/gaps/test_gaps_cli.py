"""`workbench gaps`: table, JSON and CSV output on any folder, and one-line errors for bad frameworks."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from workbench.cli import app

pytestmark = pytest.mark.slow


def run(settings, *args):
    runner = CliRunner()
    return runner.invoke(
        app, ["--library", str(settings.library_dir), "--data-dir", str(settings.data_dir), "gaps", *args]
    )


def test_json_output_is_one_object_per_skill_sorted_by_rank(indexed_sample):
    settings, _ = indexed_sample
    result = run(settings, "--format", "json")
    assert result.exit_code == 0, result.output
    start = result.stdout.index("[")
    rows = json.loads(result.stdout[start:])
    assert len(rows) == 51
    assert [row["rank"] for row in rows] == list(range(1, 52))
    assert rows[0]["status"] == "gap"
    assert set(rows[0]) >= {"skill_id", "skill_name", "status", "coverage", "priority", "level_match", "evidence", "reasons"}


def test_csv_and_table_output(indexed_sample):
    settings, _ = indexed_sample
    result = run(settings, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout[result.stdout.index("rank,"):])))
    assert len(rows) == 51 and rows[0]["status"] == "gap"
    table = run(settings)
    assert table.exit_code == 0
    assert "gap" in table.stdout and "Near-duplicate modules" in table.stdout


def test_a_bad_skills_file_is_one_clear_line(indexed_sample, tmp_path):
    settings, _ = indexed_sample
    bad = tmp_path / "skills.csv"
    bad.write_text("id,name\na,A\na,B\n", encoding="utf-8")
    result = run(settings, "--skills", str(bad))
    assert result.exit_code != 0
    assert "duplicate skill id 'a'" in result.output and "row 3" in result.output
    assert "Traceback" not in result.output


def test_json_carries_who_teaches_who_only_mentions_and_why(indexed_sample):
    settings, _ = indexed_sample
    result = run(settings, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["skill_id"]: row for row in json.loads(result.stdout[result.stdout.index("["):])}
    feedback = rows["feedback-giving"]
    assert feedback["status"] == "covered"
    teacher = feedback["taught_by"][0]
    assert teacher["path"] == "feedback-coaching/giving-feedback-sbi.md"
    assert set(teacher) == {"module_id", "path", "title", "strength", "share", "main_topic", "section", "declared",
                            "passages"}
    assert teacher["passages"] and all(p["chunk_id"] and p["heading"] for p in teacher["passages"])
    assert feedback["why"].startswith("'Giving feedback with the SBI model' (feedback-coaching/giving-feedback-sbi.md)")
    gap = rows["pm-agile-scrum"]
    assert gap["taught_by"] == [] and gap["mentioned_in"] == [] and gap["mention_count"] == 0
    assert gap["why"].startswith("no module teaches or mentions it; the closest, ")


def test_names_from_files_reach_neither_a_spreadsheet_formula_nor_the_terminal_raw(indexed_sample, tmp_path):
    settings, _ = indexed_sample
    framework = tmp_path / "skills.csv"
    framework.write_text(
        'id,name,description\nevil,"=HYPERLINK(""http://x"") \x1b[31mred",\nwide,"\uff1dHYPERLINK(""http://y"") \u202eder",\nfb,Giving feedback,\nlead,Delegating effectively,\n',
        encoding="utf-8",
    )
    table = run(settings, "--skills", str(framework))
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\\x1b[31mred" in table.stdout
    as_csv = run(settings, "--skills", str(framework), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout[as_csv.stdout.index("rank,"):])))
    evil = next(row for row in rows if row["skill_id"] == "evil")
    wide = next(row for row in rows if row["skill_id"] == "wide")
    assert evil["skill_name"].startswith("'=HYPERLINK(")
    assert wide["skill_name"].startswith("'\uff1dHYPERLINK(")  # full-width '=' is a formula in some locales
    assert "\x1b" not in as_csv.stdout and "\u202e" not in as_csv.stdout and "\\u202eder" in as_csv.stdout


def test_every_stage_shows_its_progress_and_verbose_says_where_the_time_went(indexed_sample):
    settings, _ = indexed_sample
    result = run(settings, "--format", "json", "--verbose", "--recompute")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout[result.stdout.index("["):])) == 51  # stdout holds the report only
    lines = result.stderr.splitlines()
    assert not any("reused" in line for line in lines)
    for stage in ("Reading library", "Reading vectors", "Lexical model", "Scoring skills", "Assembling report"):
        assert any(line.startswith(f"{stage}: ") and line.endswith("done") for line in lines), (stage, lines)
    timings = lines[lines.index("Time per stage:") + 1:]
    seconds = {line[:22].strip(): float(line[22:].removesuffix(" s")) for line in timings}
    assert {"Reading library", "Reading vectors", "Scoring skills", "Near-duplicates", "total"} <= set(seconds)
    assert seconds["total"] == pytest.approx(sum(value for name, value in seconds.items() if name != "total"), abs=0.06)


def test_a_second_run_reuses_the_report_and_verbose_says_so(indexed_sample):
    settings, _ = indexed_sample
    first = run(settings, "--format", "json")
    second = run(settings, "--format", "json", "--verbose")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert json.loads(second.stdout[second.stdout.index("["):]) == json.loads(first.stdout[first.stdout.index("["):])
    lines = second.stderr.splitlines()
    assert not any(line.startswith("Scoring skills: ") for line in lines), lines
    assert ("The report for this library and framework was computed before and reused "
            "(--recompute computes it again); it took:") in lines
