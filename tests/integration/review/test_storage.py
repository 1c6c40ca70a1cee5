"""Migrations, the generation log, users, and the SQLite settings that keep concurrent writers safe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from review import tables
from review.actors import SHELL
from review.db import Database, newest_migration
from review.errors import AuthenticationFailed, InvalidInput, PermissionDenied, UserExists, WeakPassword
from tests.support.review_db import ReviewStack
from workbench.drafting import tables as drafting_tables
from workbench.gaps import tables as gap_tables
from workbench.governance import tables as governance_tables
from workbench.llm import generation_log
from workbench.signals import tables as signal_tables


def test_upgrade_is_idempotent_and_the_schema_matches_every_package_s_tables(database):
    """One Alembic history creates exactly the tables the review queue, the generation log and the signals declare."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from review.db import MIGRATIONS_DIR

    database.upgrade()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migrations must form one history, they have the heads {heads}"
    assert database.current_revision() == heads[0]
    assert newest_migration() == heads[0], "upgrade() skips Alembic when the database records the newest file's revision"
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection),
                                [tables.metadata, generation_log.metadata, signal_tables.metadata, governance_tables.metadata,
                                 gap_tables.metadata, drafting_tables.metadata])
    assert diff == []


def test_upgrade_applies_the_migrations_a_database_behind_the_newest_lacks(tmp_path):
    """A database at an older revision is brought to the newest one (the shortcut only skips a database already there)."""
    database = Database(f"sqlite:///{tmp_path / 'behind.db'}")
    database.upgrade()
    _migrate(database, "0012_cited_passages", downgrade=True)
    assert database.current_revision() == "0012_cited_passages"

    database.upgrade()

    assert database.current_revision() == newest_migration() == "0014_unfinished_publications"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.dispose()


def test_first_user_is_created_without_an_actor_and_only_then(review):
    lead = review.accounts.add_user("lena", "a good long password", ["lead"])
    assert lead.roles == {"lead"}
    with pytest.raises(PermissionDenied, match="a lead adds users"):
        review.accounts.add_user("mallory", "a good long password", ["lead"])
    with pytest.raises(PermissionDenied, match="only a lead"):
        review.accounts.add_user("bob", "a good long password", ["author"], actor=review.accounts.add_user("al", "a good long password", ["author"], actor="lena"))
    assert review.accounts.add_user("bob", "a good long password", ["author"], actor="lena").name == "bob"
    with pytest.raises(UserExists):
        review.accounts.add_user("bob", "a good long password", ["author"], actor=SHELL)


def test_passwords_are_argon2_hashed_and_failures_are_generic(review, database):
    review.accounts.add_user("lena", "a good long password", ["lead"])
    review.accounts.add_user("sam", "sam's long password", ["accuracy_reviewer"], actor=SHELL)
    with database.read() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM users WHERE name = 'sam'").scalar()
    assert stored.startswith("$argon2id$") and "long password" not in stored
    assert review.accounts.authenticate("sam", "sam's long password").name == "sam"
    messages = set()
    for name, password in (("sam", "wrong"), ("nobody", "whatever")):
        with pytest.raises(AuthenticationFailed) as error:
            review.accounts.authenticate(name, password)
        messages.add(str(error.value))
    review.accounts.disable_user("lena", "sam")
    with pytest.raises(AuthenticationFailed) as error:
        review.accounts.authenticate("sam", "sam's long password")
    messages.add(str(error.value))
    assert len(messages) == 1
    # One row per burst of failures on an account: sam's disabled attempt belongs to sam's first burst.
    rows = review.trail.rows(action="login_failed")
    assert [r["details"]["reason"] for r in rows] == ["wrong password", "unknown user"]
    assert rows[0]["actor"] == "sam" and rows[1]["actor"].startswith("unknown:") and "nobody" not in rows[1]["actor"]


def test_weak_passwords_and_bad_names_are_refused(review):
    with pytest.raises(WeakPassword):
        review.accounts.add_user("lena", "short", ["lead"])
    with pytest.raises(WeakPassword):
        review.accounts.add_user("lenalenalena", "LenaLenaLena", ["lead"])
    with pytest.raises(InvalidInput, match="not valid"):
        review.accounts.add_user("../root", "a good long password", ["lead"])


def test_the_last_lead_cannot_be_demoted_or_disabled(review):
    review.accounts.add_user("lena", "a good long password", ["lead"])
    with pytest.raises(InvalidInput, match="last active lead"):
        review.accounts.set_roles("lena", "lena", ["author"])
    with pytest.raises(InvalidInput, match="last active lead"):
        review.accounts.disable_user(SHELL, "lena")


def test_oidc_identity_creates_a_role_less_user_once(review):
    review.accounts.add_user("lena", "a good long password", ["lead"])
    first = review.accounts.user_for_identity("https://login.example.com", "sub-123", "Amina Yusuf")
    again = review.accounts.user_for_identity("https://login.example.com", "sub-123", "Amina Yusuf")
    assert first.id == again.id and first.roles == frozenset() and not first.has_password
    with pytest.raises(AuthenticationFailed):
        review.accounts.authenticate(first.name, "")
    granted = review.accounts.set_roles("lena", first.name, ["cultural_reviewer"])
    assert granted.roles == {"cultural_reviewer"}


def test_queue_for_a_reviewer_shows_only_what_they_may_sign(team):
    waiting = team.in_review(title="Waiting")
    signed = team.in_review(title="Signed by sam")
    team.lifecycle.sign_off("sam", signed.id, "accuracy", signed.revision)
    team.draft(title="Still drafting")
    team.accounts.set_roles(SHELL, "alice", ["author", "accuracy_reviewer"])
    own = team.in_review(title="Alice's own")
    assert {d.title for d in team.queries.list_drafts(queue_for="sam")} == {"Waiting", "Alice's own"}
    assert {d.title for d in team.queries.list_drafts(queue_for="sme2")} == {"Waiting", "Alice's own"}
    assert "Alice's own" not in {d.title for d in team.queries.list_drafts(queue_for="alice")}
    assert {d.title for d in team.queries.list_drafts(queue_for="cara")} == {"Waiting", "Signed by sam", "Alice's own"}
    assert [d.id for d in team.queries.list_drafts(state="drafting")] == [d.id for d in team.queries.list_drafts() if d.title == "Still drafting"]
    assert waiting.id in {d.id for d in team.queries.list_drafts(state="in_review")}


def test_a_writer_holding_the_sqlite_lock_delays_an_action_instead_of_failing_it(tmp_path):
    """SQLite only: its write lock covers the whole database (PostgreSQL locks rows; see the concurrency tests)."""
    import sqlite3
    import threading
    import time

    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    database.upgrade()
    review = ReviewStack.on(database)
    review.accounts.add_user("alice", "a good long password", ["author", "lead"])
    draft = review.lifecycle.create_draft("alice", title="T", content={}, markdown="m", findings=[], skill_ids=[])
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    started = time.perf_counter()
    comment = review.lifecycle.comment("alice", draft.id, "waited for the lock")
    waited = time.perf_counter() - started
    release.join()
    other.close()
    database.dispose()
    assert comment.text == "waited for the lock" and waited >= 0.9


def test_a_lock_held_past_the_busy_timeout_says_the_database_is_busy_and_changes_nothing(tmp_path, monkeypatch):
    """BEGIN IMMEDIATE that times out is retried, then reported as DatabaseBusy (never the driver's raw error)."""
    import sqlite3

    import review.db
    from review.errors import DatabaseBusy

    monkeypatch.setattr(review.db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    database.upgrade()
    review_stack = ReviewStack.on(database)
    review_stack.accounts.add_user("alice", "a good long password", ["author", "lead"])
    draft = review_stack.lifecycle.create_draft("alice", title="T", content={}, markdown="m", findings=[], skill_ids=[])
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process keeps writing
    try:
        with pytest.raises(DatabaseBusy, match="the database stayed busy after several retries; try again in a moment"):
            review_stack.lifecycle.comment("alice", draft.id, "never stored")
    finally:
        other.execute("COMMIT")
        other.close()
    assert review_stack.queries.get_draft(draft.id).comments == []
    assert review_stack.lifecycle.comment("alice", draft.id, "stored once the lock is free").text == "stored once the lock is free"
    database.dispose()


def _migrate(database: Database, target: str, downgrade: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    from review.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, target)


def test_the_title_migration_rehashes_signed_revisions_and_keeps_tampered_ones_unpublishable(tmp_path):
    """Drafts signed before hashes covered the title stay publishable; one changed outside the workbench does not."""
    import json

    from sqlalchemy import select, update

    from review.content import content_hash
    from review.tables import revisions, sign_offs
    from tests.support.review_db import Team, add_team

    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    database.upgrade()
    stack = ReviewStack.on(database)
    add_team(stack.accounts)
    team = Team(stack)
    kept, tampered = team.approved(title="Kept"), team.approved(title="Tampered")
    _migrate(database, "0002_signals", downgrade=True)  # back to hashes of content and markdown only
    with database.transaction() as connection:
        connection.execute(update(revisions).where(revisions.c.draft_id == tampered.id).values(markdown="# Changed by hand\n"))

    _migrate(database, "head")

    with database.read() as connection:
        rows = {row.draft_id: row for row in connection.execute(select(revisions))}
        signed = {(row.draft_id, row.content_hash) for row in connection.execute(select(sign_offs))}
    assert rows[kept.id].content_hash == content_hash("Kept", json.loads(rows[kept.id].content), rows[kept.id].markdown)
    assert rows[kept.id].content_hash == kept.content_hash
    assert {h for d, h in signed if d == kept.id} == {kept.content_hash}
    assert rows[tampered.id].content_hash != content_hash("Tampered", json.loads(rows[tampered.id].content), "# Changed by hand\n")
    assert team.queries.get_draft(kept.id).approved
