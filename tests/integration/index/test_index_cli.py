"""`workbench index` and `workbench search`: JSON shapes, help text, and errors as one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app

WORKBENCH = Path(sys.executable).parent / "workbench"
INDEX_KEYS = ["files", "chunks_added", "chunks_updated", "chunks_removed", "chunks_unchanged", "skipped", "seconds"]
HIT_KEYS = ["module_id", "path", "title", "heading", "score", "text"]


def invoke(*args: str):
    """Run the CLI in-process and return the click result."""
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("command", ["index", "search"])
def test_commands_have_help(command):
    result = invoke(command, "--help")

    assert result.exit_code == 0
    assert len(result.stdout.strip()) > 40


@pytest.mark.slow
def test_index_and_search_print_the_documented_json(small_library, tmp_path):
    (small_library / "notes.md").write_bytes(b"\xff\xfe\x00")  # UTF-16 BOM with an odd byte: unreadable
    common = ["--library", str(small_library), "--data-dir", str(tmp_path / "data")]

    indexed = invoke(*common, "index", "--json")
    searched = invoke(*common, "search", "what to do with a phishing email", "-k", "2", "--json")
    again = invoke(*common, "index")

    assert indexed.exit_code == 0, indexed.output
    report = json.loads(indexed.stdout)
    assert list(report) == INDEX_KEYS
    assert (report["files"], report["chunks_added"]) == (4, 5)
    assert report["skipped"][0]["path"] == "notes.md" and "byte-order mark" in report["skipped"][0]["reason"]
    assert isinstance(report["seconds"], float)

    assert searched.exit_code == 0, searched.output
    hits = json.loads(searched.stdout)
    assert len(hits) == 2 and all(list(hit) == HIT_KEYS for hit in hits)
    assert hits[0]["path"] == "security/phishing.md" and hits[0]["score"] >= hits[1]["score"]

    assert again.exit_code == 0
    assert "0 chunks added, 0 updated, 0 removed, 5 unchanged" in again.stdout
    assert "notes.md: starts with a UTF-16 LE byte-order mark" in again.stdout


@pytest.mark.slow
def test_any_folder_of_plain_markdown_can_be_indexed_and_searched(shared_dir, tmp_path):
    lessons = sorted((shared_dir / "eval" / "security101" / "lessons").glob("*.md"))[:3]
    library = tmp_path / "plain"
    library.mkdir()
    for lesson in lessons:
        shutil.copy(lesson, library / lesson.name)
    common = ["--library", str(library), "--data-dir", str(tmp_path / "data")]

    report = json.loads(invoke(*common, "index", "--json").stdout)
    hits = json.loads(invoke(*common, "search", "confidentiality integrity availability", "--json").stdout)

    assert report["files"] == len(lessons) and report["skipped"] == []
    assert hits[0]["path"].startswith("1.1-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--library", "{tmp}/missing", "--data-dir", "{tmp}/data", "index", "--json"], "error: library folder"),
        (["--library", "{tmp}", "--data-dir", "{tmp}/data", "search", "feedback"], "is empty; run `workbench index` first"),
        (["--library", "{tmp}", "--data-dir", "{tmp}/data", "search", "  "], "error: the search query is empty"),
    ],
    ids=["missing-library", "no-index-yet", "blank-query"],
)
def test_errors_are_one_line_without_a_traceback(tmp_path, args, message):
    completed = subprocess.run(
        [str(WORKBENCH), *(arg.format(tmp=tmp_path) for arg in args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )

    assert completed.returncode != 0
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.slow
def test_search_shows_control_characters_from_library_files_as_escapes(small_library, tmp_path):
    (small_library / "hostile.md").write_text(
        "# Phishing \x1b]0;owned\x07report\n\nReport phishing \x1b[2J emails with the \u202ebutton\u202c; "
        "\x1b]8;;http://evil.example\x07click here\x1b]8;;\x07 never.\n",
        encoding="utf-8",
    )
    common = ["--library", str(small_library), "--data-dir", str(tmp_path / "data")]
    assert invoke(*common, "index").exit_code == 0

    table = invoke(*common, "search", "report phishing emails", "-k", "4")
    as_json = invoke(*common, "search", "report phishing emails", "-k", "4", "--json")

    assert table.exit_code == 0, table.output
    for output in (table.stdout, as_json.stdout):
        assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
    assert "\\x1b]0;owned\\x07report" in table.stdout and "\\u202ebutton" in table.stdout
    hostile = next(hit for hit in json.loads(as_json.stdout) if hit["path"] == "hostile.md")
    assert "\u202ebutton\u202c" in hostile["text"]  # the JSON carries the text exactly, escaped
