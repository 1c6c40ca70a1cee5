"""The prompts and llm commands: listing, showing, help text, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()


def run(tmp_path: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(tmp_path / "data"), *args])


def test_prompts_list_json_shows_every_prompt_file(tmp_path: Path, project_root: Path) -> None:
    result = run(tmp_path, "prompts", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == len(list((project_root / "prompts").glob("*.yaml")))
    check = next(row for row in rows if row["name"] == "llm_check")
    assert check["version"] == 1 and check["input_variables"] == ["topic"] and len(check["sha256"]) == 64


def test_prompts_show_prints_the_template_and_examples(tmp_path: Path) -> None:
    result = run(tmp_path, "prompts", "show", "llm_check", "--version", "1", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["template"].strip() == "Topic: ${topic}"
    assert shown["examples"][0]["topic"] == "giving feedback"
    text = run(tmp_path, "prompts", "show", "llm_check")
    assert "## template" in text.output and "Topic: ${topic}" in text.output


def test_showing_an_unknown_prompt_is_one_clear_line(tmp_path: Path) -> None:
    result = run(tmp_path, "prompts", "show", "no_such_prompt")
    assert result.exit_code == 1
    assert "no prompt named no_such_prompt" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        (["llm"], "Check the configured language model"),
        (["llm", "check"], "one small structured call"),
        (["llm", "check"], "Send each draft schema once"),
        (["prompts"], "versioned prompt files"),
        (["prompts", "list"], "List every prompt file"),
        (["prompts", "show"], "Show one prompt file"),
        (["models"], "Prepare the packaged model files"),
        (["models", "prepare"], "sha256-verify the packaged GGUF"),
    ],
)
def test_every_llm_command_has_help(tmp_path: Path, command: list[str], summary: str) -> None:
    result = run(tmp_path, *command, "--help")
    assert result.exit_code == 0
    assert summary in " ".join(result.output.split())


def test_llm_check_schemas_lists_every_draft_schema_and_fails_when_one_is_not_accepted(tmp_path: Path) -> None:
    # The fake provider has no reply queued: every request fails, and the report says so per schema.
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "llm", "check", "--schemas"], env={"WORKBENCH_LLM_PROVIDER": "fake"})
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "fake · fake · wire schemas at the capable draft size"
    rows = [line.split()[0] for line in lines[1:] if not line.startswith(" ")]
    assert rows == ["ModuleReply", "AssessmentReply", "SectionReply", "ItemReply", "CritiqueReply"]
    assert all("NOT ACCEPTED" in line and "failed" in line for line in lines[1:] if not line.startswith(" "))
    assert "draft_module.v1: the model call failed: FakeQueueEmpty" in result.output
