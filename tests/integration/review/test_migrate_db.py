"""`workbench migrate-db`: the embedded SQLite database moved to PostgreSQL with every draft, person and audit row."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from review.db import Database
from review.db_copy import DatabaseCopyRefused, copy_database
from tests.support.people import PASSWORD
from tests.support.review_db import ReviewStack, Team, _PostgresSchema
from workbench.cli import app

pytestmark = pytest.mark.postgres


@pytest.fixture
def sqlite_team(tmp_path, _sqlite_team_template):
    """A SQLite workbench database with the team, one approved draft, one sent back, and comments."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(_sqlite_team_template, data_dir / "workbench.db")
    database = Database(f"sqlite:///{data_dir / 'workbench.db'}")
    team = Team(ReviewStack.on(database))
    approved = team.draft(title="Giving feedback")
    team.lifecycle.submit("alice", approved.id, expected_revision=1)
    for name, dimension in (("sam", "accuracy"), ("cara", "cultural"), ("eric", "ethics")):
        team.lifecycle.sign_off(name, approved.id, dimension, expected_revision=1)
    sent_back = team.draft(title="Delegating well")
    team.lifecycle.submit("alice", sent_back.id, expected_revision=1)
    team.lifecycle.request_changes("sam", sent_back.id, expected_revision=1, comment="Cite the policy.")
    yield data_dir, database, team, approved.id, sent_back.id
    database.dispose()


@pytest.fixture
def empty_postgres(postgres_url):
    schema = _PostgresSchema(postgres_url)
    yield schema.url
    schema.drop()


def _migrate(data_dir, target_url, *extra):
    return CliRunner().invoke(app, ["--data-dir", str(data_dir), "migrate-db", "--to", target_url, *extra])


def test_everything_arrives_and_the_team_goes_on_working_on_postgresql(sqlite_team, empty_postgres):
    data_dir, source, team, approved_id, sent_back_id = sqlite_team
    before = {draft_id: team.queries.get_draft(draft_id) for draft_id in (approved_id, sent_back_id)}
    source_head = team.trail.verify().head_hash

    result = _migrate(data_dir, empty_postgres, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"]["drafts"] == 2 and report["rows"]["sign_offs"] == 3 and report["rows"]["users"] == 9
    assert report["audit_head"] == source_head and "password" not in result.output.lower()

    target = Database(empty_postgres)
    try:
        moved = Team(ReviewStack.on(target))
        for draft_id, view in before.items():
            after = moved.queries.get_draft(draft_id)
            assert (after.title, after.state, after.revision, after.markdown, after.content_hash, after.approved) == \
                   (view.title, view.state, view.revision, view.markdown, view.content_hash, view.approved)
            assert [(s.dimension, s.user, s.signed_at) for s in after.sign_offs] == \
                   [(s.dimension, s.user, s.signed_at) for s in view.sign_offs]
            assert [(c.user, c.text, c.created_at) for c in after.comments] == [(c.user, c.text, c.created_at) for c in view.comments]
        verification = moved.trail.verify()
        assert verification.ok and verification.head_hash == source_head

        # Passwords still work, new rows get fresh ids, and the chain goes on from the copied head.
        assert moved.accounts.authenticate("alice", PASSWORD).name == "alice"
        new = moved.draft(title="Running one-to-ones")
        assert new.id == max(before) + 1
        moved.lifecycle.submit("alice", new.id, expected_revision=1)
        assert moved.trail.verify().ok and moved.trail.verify().rows_checked > verification.rows_checked
    finally:
        target.dispose()


def test_a_target_that_already_holds_people_is_refused_and_left_unchanged(sqlite_team, empty_postgres):
    data_dir, *_ = sqlite_team
    assert _migrate(data_dir, empty_postgres).exit_code == 0
    again = _migrate(data_dir, empty_postgres)
    assert again.exit_code == 1
    assert "the target database already holds 9 row(s) in users; migrate into an empty database" in again.stderr
    target = Database(empty_postgres)
    try:
        with target.read() as connection:
            assert connection.execute(text("SELECT count(*) FROM drafts")).scalar_one() == 2
    finally:
        target.dispose()


def test_the_database_in_use_cannot_be_its_own_target(sqlite_team):
    data_dir, source, *_ = sqlite_team
    with pytest.raises(DatabaseCopyRefused, match="the target is the database the workbench already uses"):
        copy_database(source, Database(source.url.render_as_string(hide_password=False)))


def test_an_unreachable_target_is_one_clear_line_without_the_password(sqlite_team):
    data_dir, *_ = sqlite_team
    result = _migrate(data_dir, "postgresql+psycopg://lead:s3cret-pw@127.0.0.1:1/workbench")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot open the database postgresql+psycopg://lead:***@127.0.0.1:1/workbench: ")
    assert "s3cret-pw" not in result.output


def test_a_source_whose_audit_log_was_tampered_with_is_not_copied(sqlite_team, empty_postgres):
    data_dir, source, *_ = sqlite_team
    with source.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    result = _migrate(data_dir, empty_postgres)
    assert result.exit_code == 1
    assert "the source audit log does not verify (row 3 was edited" in result.stderr
    target = Database(empty_postgres)
    try:
        with target.read() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
    finally:
        target.dispose()
