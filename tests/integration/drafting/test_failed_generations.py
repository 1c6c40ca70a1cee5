"""Invalid replies kept after the retries are in the database (both databases); reply files of earlier versions are imported once."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from workbench.drafting.errors import FailedGenerationNotFound
from workbench.drafting.failures import FailedGenerations

DEC_1 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def test_a_kept_reply_is_read_back_from_another_replica(database, tmp_path):
    number = FailedGenerations(database, lambda: DEC_1, legacy_folder=tmp_path / "a" / "failed_generations").save(
        "draft_module.v3", '{"title": "x"}', "the reply does not match the ModuleReply schema")
    kept = FailedGenerations(database, legacy_folder=tmp_path / "b" / "failed_generations").get(number)
    assert (kept.label, kept.raw_output, kept.message, kept.at) == (
        "draft_module.v3", '{"title": "x"}', "the reply does not match the ModuleReply schema", DEC_1)
    with pytest.raises(FailedGenerationNotFound, match=f"no failed generation #{number + 1} is kept"):
        FailedGenerations(database).get(number + 1)


def test_reply_files_of_earlier_versions_are_imported_once(database, tmp_path):
    folder = tmp_path / "failed_generations"
    folder.mkdir()
    (folder / "20261120T093000123456Z-draft_module.v3.txt").write_text("# not valid JSON\n{\"title\": ", encoding="utf-8")
    failures = FailedGenerations(database, legacy_folder=folder)
    number = failures.save("draft_assessment.v2", "{}", "missing items")
    imported = failures.get(1)
    assert (imported.label, imported.message, imported.raw_output) == ("draft_module.v3", "not valid JSON", '{"title": ')
    assert imported.at == datetime(2026, 11, 20, 9, 30, 0, 123456, tzinfo=timezone.utc)
    assert number == 2 and not folder.exists() and (tmp_path / "failed_generations.imported").is_dir()
    (tmp_path / "failed_generations.imported").replace(folder)  # an import interrupted before the rename runs again
    FailedGenerations(database, legacy_folder=folder).get(2)
    with pytest.raises(FailedGenerationNotFound):
        failures.get(3)


def test_the_cli_shows_a_kept_reply_with_its_control_characters_made_harmless(database, tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    number = FailedGenerations(database).save("draft_module.v3", '{"title": "\x1b[2Jx"}', "not valid JSON")
    env = {"WORKBENCH_DATABASE_URL": database.url.render_as_string(hide_password=False), "WORKBENCH_LLM_PROVIDER": "fake"}
    shown = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "failed-reply", str(number)], env=env)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith(f"failed generation #{number} · draft_module.v3 · ")
    assert lines[1:] == ["error: not valid JSON", '{"title": "\\x1b[2Jx"}']
    missing = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "failed-reply", str(number + 1)], env=env)
    assert missing.exit_code == 1 and f"no failed generation #{number + 1} is kept" in missing.output
