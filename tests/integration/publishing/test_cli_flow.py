"""From the command line: add users, submit, three sign-offs, publish, verify the audit log (both databases)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.support.drafts import clean_draft
from tests.support.review_db import ReviewStack
from workbench.cli import app
from workbench.library.draft_file import render_draft_file
from workbench.library.format import body_of

PASSWORD = "a long enough password"


@pytest.fixture
def cli(database, publish_settings, monkeypatch):
    """Run `workbench ...` in-process against the test database and the small library."""
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", database.url.render_as_string(hide_password=False))
    monkeypatch.setenv("WORKBENCH_LLM_PROVIDER", "fake")
    runner = CliRunner()

    def run(*args: str, password: str | None = None):
        base = ["--library", str(publish_settings.library_dir), "--data-dir", str(publish_settings.data_dir)]
        return runner.invoke(app, [*base, *args], input=(password + "\n") if password is not None else None)

    return run


def _ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _denied(result, fragment: str):
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_submit_three_sign_offs_publish_and_audit_from_the_cli(cli, database, publish_settings, tmp_path):
    for name, role in (("lena", "lead"), ("alice", "author"), ("sam", "accuracy_reviewer"),
                       ("cara", "cultural_reviewer"), ("eric", "ethics_reviewer")):
        _ok(cli("users", "add", name, "--role", role, "--password-stdin", password=PASSWORD))
    _denied(cli("users", "add", "weak", "--role", "author", "--password-stdin", password="short"), "too short")
    users = json.loads(_ok(cli("users", "list", "--json")))
    assert {u["name"]: u["roles"] for u in users}["sam"] == ["accuracy_reviewer"]

    typed = clean_draft()
    typed.module.title, typed.module.summary = "Psychological safety in teams", "Speak up safely"
    typed.module.sections[0].heading = "Speaking up"
    typed.module.sections[0].body = "Teams learn when people can speak up without fear of being punished or humiliated."
    draft = ReviewStack.on(database).lifecycle.create_draft(
        "alice", title=typed.module.title, content=typed.model_dump(mode="json"), markdown=render_draft_file(typed),
        findings=[], skill_ids=["teamwork"],
    )
    draft_id = str(draft.id)
    _denied(cli("review", "submit", draft_id, "--revision", "1", "--as", "alice", "--password-stdin", password="wrong password!"),
            "unknown user, wrong password or disabled account")
    _denied(cli("review", "submit", draft_id, "--as", "alice", "--password-stdin", password=PASSWORD),
            f"say which revision you read with --revision N (`workbench review show {draft_id}` prints it)")
    assert ReviewStack.on(database).queries.get_draft(draft.id).state.value == "drafting"
    _ok(cli("review", "submit", draft_id, "--revision", "1", "--as", "alice", "--password-stdin", password=PASSWORD))
    _denied(cli("review", "sign-off", draft_id, "--dimension", "accuracy", "--revision", "1", "--as", "lena",
                "--password-stdin", password=PASSWORD), "accuracy_reviewer")
    _denied(cli("review", "reject", draft_id, "--comment", " ", "--revision", "1", "--as", "sam", "--password-stdin",
                password=PASSWORD), "comment")
    for command in (["review", "sign-off", draft_id, "--dimension", "accuracy"], ["review", "reject", draft_id, "--comment", "no"],
                    ["review", "request-changes", draft_id, "--comment", "more"], ["publish", draft_id]):
        _denied(cli(*command, "--as", "sam", "--password-stdin", password=PASSWORD), "--revision N")
    assert ReviewStack.on(database).queries.get_draft(draft.id).sign_offs == []
    _ok(cli("review", "comment", draft_id, "--comment", "Add a source", "--anchor", "section:s1", "--as", "sam",
            "--password-stdin", password=PASSWORD))
    for user, dimension in (("sam", "accuracy"), ("cara", "cultural"), ("eric", "ethics")):
        out = _ok(cli("review", "sign-off", draft_id, "--dimension", dimension, "--revision", "1", "--as", user,
                      "--password-stdin", password=PASSWORD))
    assert "is approved" in out
    _denied(cli("review", "sign-off", draft_id, "--dimension", "ethics", "--revision", "7", "--as", "eric",
                "--password-stdin", password=PASSWORD), "revision")
    listed = json.loads(_ok(cli("review", "list", "--state", "approved", "--json")))
    assert [d["id"] for d in listed] == [draft.id] and listed[0]["approved"] is True
    shown = json.loads(_ok(cli("review", "show", draft_id, "--json")))
    assert shown["comments"][0]["anchor"] == "section:s1" and len(shown["sign_offs"]) == 3

    _denied(cli("publish", draft_id, "--revision", "1", "--as", "alice", "--password-stdin", password=PASSWORD), "lead")
    result = json.loads(_ok(cli("publish", draft_id, "--revision", "1", "--as", "lena", "--password-stdin", "--json",
                                password=PASSWORD)))
    published = publish_settings.library_dir / result["path"]
    assert body_of(published.read_text(encoding="utf-8")) == body_of(draft.markdown) and result["indexed"] is True

    from workbench.index.embedder import build_embedder
    from workbench.index.service import LibraryIndex

    hits = LibraryIndex(publish_settings, build_embedder(publish_settings)).search("speaking up without fear in a team", k=3)
    assert hits and hits[0].path == result["path"]

    assert "audit log intact" in _ok(cli("audit", "verify"))
    export = tmp_path / "audit.csv"
    _ok(cli("audit", "export", "-o", str(export)))
    assert "publish" in export.read_text(encoding="utf-8")

    with database.transaction() as connection:
        connection.execute(text("INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, row_hash) "
                                "VALUES (9999, 'x', 'mallory', 'publish', '{}', 'x', 'x')"))
    _denied(cli("audit", "verify"), "row 9999")


def test_every_review_command_has_help(cli):
    for command in (["users", "add"], ["users", "list"], ["users", "set-roles"], ["users", "disable"], ["review", "list"],
                    ["review", "show"], ["review", "submit"], ["review", "sign-off"], ["review", "request-changes"],
                    ["review", "reject"], ["review", "waive"], ["review", "comment"], ["review", "diff"], ["publish"], ["unpublish"],
                    ["audit", "verify"], ["audit", "export"]):
        result = cli(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout, command
        assert len(result.stdout.strip()) > 80


def test_review_show_escapes_terminal_control_characters(cli, database):
    review = ReviewStack.on(database)
    review.accounts.add_user("alice", PASSWORD, ["author"])
    draft = review.lifecycle.create_draft("alice", title="Safe \u202etitle", content={}, markdown="# Hi\r\n\x1b[2J\x1b]0;owned\x07text\n",
                                 findings=[], skill_ids=[])
    out = _ok(cli("review", "show", str(draft.id)))
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\u001b[2J" in out and "# Hi\n" in out
    shown = json.loads(_ok(cli("review", "show", str(draft.id), "--json")))
    assert shown["markdown"] == draft.markdown  # JSON keeps the exact text, escaped


def test_user_management_and_repair_from_the_cli(cli, database, publish_settings):
    _ok(cli("users", "add", "lena", "--role", "lead", "--password-stdin", password=PASSWORD))
    _ok(cli("users", "add", "sam", "--role", "accuracy_reviewer", "--role", "ethics_reviewer", "--password-stdin", password=PASSWORD))
    _denied(cli("users", "add", "sam", "--role", "author", "--password-stdin", password=PASSWORD), "exists already")
    _denied(cli("users", "add", "zed", "--role", "admin", "--password-stdin", password=PASSWORD), "unknown role")
    assert "sam: cultural_reviewer" in _ok(cli("users", "set-roles", "sam", "--role", "cultural_reviewer"))
    _denied(cli("users", "set-roles", "lena", "--role", "author"), "last active lead")
    _ok(cli("users", "disable", "sam"))
    _denied(cli("review", "list", "--mine", "--as", "sam", "--password-stdin", password=PASSWORD), "disabled account")
    users = {u["name"]: u for u in json.loads(_ok(cli("users", "list", "--json")))}
    assert users["sam"]["disabled"] is True and users["sam"]["roles"] == ["cultural_reviewer"]
    repaired = json.loads(_ok(cli("publish", "--repair", "--json")))
    assert repaired == {"rewritten": [], "removed": [], "reindexed": [], "temp_files_removed": 0, "conflicts": [],
                        "index_failures": []}
    _denied(cli("publish"), "give the draft ID")
    verified = json.loads(_ok(cli("audit", "verify", "--json")))
    assert verified["ok"] and verified["rows_checked"] >= 4


class _CrashAfterCommit(BaseException):
    """The process dying once the publication is committed, before the file is placed."""


@pytest.mark.slow
def test_repair_reports_the_file_it_rewrote_after_a_crash(cli, team, publish_settings):
    from tests.integration.publishing.conftest import RecordingIndex
    from workbench.publishing.service import Publisher

    draft = team.approved()

    def crash(step: str) -> None:
        if step == "committed":
            raise _CrashAfterCommit(step)

    with pytest.raises(_CrashAfterCommit):
        Publisher(publish_settings, team.ledger, RecordingIndex(publish_settings.library_dir),
                  fault_hook=crash).publish("lena", draft.id, draft.revision)
    record = team.ledger.publications()[0]
    published = publish_settings.library_dir / record.path
    assert not published.exists()

    # The publisher the command builds recovers as it starts; the report must still say so.
    repaired = json.loads(_ok(cli("publish", "--repair", "--json")))
    assert repaired["rewritten"] == [record.path] and repaired["reindexed"] == [record.path]
    assert repaired["conflicts"] == [] and repaired["index_failures"] == []
    assert published.read_text(encoding="utf-8") == record.text
    assert json.loads(_ok(cli("publish", "--repair", "--json")))["rewritten"] == []


def test_review_show_names_whose_sign_off_lapsed_and_why(cli, team):
    draft = team.approved()
    _ok(cli("users", "set-roles", "eric", "--role", "author"))
    out = _ok(cli("review", "show", str(draft.id)))
    assert "State: in_review" in out and "  missing: ethics" in out
    assert "  lapsed ethics by eric at " in out and ": eric no longer holds the role ethics_reviewer; it no longer counts" in out
    shown = json.loads(_ok(cli("review", "show", str(draft.id), "--json")))
    assert [s["user"] for s in shown["sign_offs"]] == ["sam", "cara"] and shown["approved"] is False
    assert [(s["user"], s["lapsed_because"]) for s in shown["lapsed_sign_offs"]] == [("eric", "eric no longer holds the role ethics_reviewer")]


def test_review_show_lists_error_findings_with_their_keys_and_waive_lets_one_past(cli, team):
    from tests.integration.review.test_findings_gate import ZERO_KEYS, _broken, _store
    from tests.support.people import PASSWORD as TEAM_PASSWORD

    draft = _store(team, _broken())
    key = next(f.key for f in draft.blocking_findings if f.message == ZERO_KEYS)
    out = _ok(cli("review", "show", str(draft.id)))
    assert "  blocked: 2 error finding(s) keep this revision from being submitted, signed off or published" in out
    assert f"item:q1 answer_key: {ZERO_KEYS}  (key {key}; blocks; a reviewer of accuracy may waive it)" in out
    _denied(cli("review", "waive", str(draft.id), "--finding", key, "--reason", "fine", "--revision", "1", "--as", "cara",
                "--password-stdin", password=TEAM_PASSWORD), "needs the role accuracy_reviewer")
    said = _ok(cli("review", "waive", str(draft.id), "--finding", key, "--reason", "q1 is rewritten before the pilot",
                   "--revision", "1", "--as", "sam", "--password-stdin", password=TEAM_PASSWORD))
    assert said.strip() == f"waived finding {key} on draft {draft.id} revision 1; 1 error finding(s) still block it"
    assert f"(key {key}; waived by sam: q1 is rewritten before the pilot)" in _ok(cli("review", "show", str(draft.id)))
    _denied(cli("review", "submit", str(draft.id), "--revision", "1", "--as", "alice", "--password-stdin", password=TEAM_PASSWORD),
            f"cannot submit draft {draft.id}: revision 1 has 1 error finding")
