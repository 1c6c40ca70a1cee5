"""Migrations, the generation log, users, and the SQLite settings that keep concurrent writers safe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from review.db import Database
from review.errors import AuthenticationFailed, InvalidInput, PermissionDenied, UserExists, WeakPassword
from review.generation_log import GenerationLog
from review.service import SHELL
from review.tables import metadata



def test_upgrade_is_idempotent_and_the_schema_matches_the_models(database):
    database.upgrade()
    assert database.current_revision() == "0001_review_queue"
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.dispose()


def test_generation_log_records_calls_without_secrets(database):
    log = GenerationLog(database)
    log.record(prompt_name="draft_module", prompt_version=1, prompt_sha256="ab" * 32, provider="openai", model="gpt-x",
               parameters={"temperature": 0.2}, prompt_tokens=100, completion_tokens=50, latency_ms=1234.5,
               outcome="error", error="401 Unauthorized: Incorrect API key provided: sk-abcdefghijklmnop1234")
    log.record(prompt_name="draft_module", prompt_version=1, prompt_sha256="ab" * 32, provider="embedded", model="gemma",
               parameters={}, prompt_tokens=10, completion_tokens=5, latency_ms=10.0, outcome="ok", error=None)
    recent = log.recent(limit=10)
    assert [r["outcome"] for r in recent] == ["ok", "error"]
    assert "sk-abcdefghijklmnop1234" not in recent[1]["error"] and "[redacted]" in recent[1]["error"]
    assert recent[1]["parameters"] == {"temperature": 0.2} and recent[1]["latency_ms"] == 1234.5


def test_first_user_is_created_without_an_actor_and_only_then(service):
    lead = service.add_user("lena", "a good long password", ["lead"])
    assert lead.roles == {"lead"}
    with pytest.raises(PermissionDenied, match="a lead adds users"):
        service.add_user("mallory", "a good long password", ["lead"])
    with pytest.raises(PermissionDenied, match="only a lead"):
        service.add_user("bob", "a good long password", ["author"], actor=service.add_user("al", "a good long password", ["author"], actor="lena"))
    assert service.add_user("bob", "a good long password", ["author"], actor="lena").name == "bob"
    with pytest.raises(UserExists):
        service.add_user("bob", "a good long password", ["author"], actor=SHELL)


def test_passwords_are_argon2_hashed_and_failures_are_generic(service, database):
    service.add_user("lena", "a good long password", ["lead"])
    service.add_user("sam", "sam's long password", ["accuracy_reviewer"], actor=SHELL)
    with database.read() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM users WHERE name = 'sam'").scalar()
    assert stored.startswith("$argon2id$") and "long password" not in stored
    assert service.authenticate("sam", "sam's long password").name == "sam"
    messages = set()
    for name, password in (("sam", "wrong"), ("nobody", "whatever")):
        with pytest.raises(AuthenticationFailed) as error:
            service.authenticate(name, password)
        messages.add(str(error.value))
    service.disable_user("lena", "sam")
    with pytest.raises(AuthenticationFailed) as error:
        service.authenticate("sam", "sam's long password")
    messages.add(str(error.value))
    assert len(messages) == 1
    assert [r["details"]["reason"] for r in service.audit_rows(action="login_failed")] == ["wrong password", "unknown user", "disabled"]


def test_weak_passwords_and_bad_names_are_refused(service):
    with pytest.raises(WeakPassword):
        service.add_user("lena", "short", ["lead"])
    with pytest.raises(WeakPassword):
        service.add_user("lenalenalena", "LenaLenaLena", ["lead"])
    with pytest.raises(InvalidInput, match="not valid"):
        service.add_user("../root", "a good long password", ["lead"])


def test_the_last_lead_cannot_be_demoted_or_disabled(service):
    service.add_user("lena", "a good long password", ["lead"])
    with pytest.raises(InvalidInput, match="last active lead"):
        service.set_roles("lena", "lena", ["author"])
    with pytest.raises(InvalidInput, match="last active lead"):
        service.disable_user(SHELL, "lena")


def test_oidc_identity_creates_a_role_less_user_once(service):
    service.add_user("lena", "a good long password", ["lead"])
    first = service.user_for_identity("https://login.example.com", "sub-123", "Amina Yusuf")
    again = service.user_for_identity("https://login.example.com", "sub-123", "Amina Yusuf")
    assert first.id == again.id and first.roles == frozenset() and not first.has_password
    with pytest.raises(AuthenticationFailed):
        service.authenticate(first.name, "")
    granted = service.set_roles("lena", first.name, ["cultural_reviewer"])
    assert granted.roles == {"cultural_reviewer"}


def test_queue_for_a_reviewer_shows_only_what_they_may_sign(team):
    waiting = team.in_review(title="Waiting")
    signed = team.in_review(title="Signed by sam")
    team.service.sign_off("sam", signed.id, "accuracy", signed.revision)
    team.draft(title="Still drafting")
    team.service.set_roles(SHELL, "alice", ["author", "accuracy_reviewer"])
    own = team.in_review(title="Alice's own")
    assert {d.title for d in team.service.list_drafts(queue_for="sam")} == {"Waiting", "Alice's own"}
    assert {d.title for d in team.service.list_drafts(queue_for="sme2")} == {"Waiting", "Alice's own"}
    assert "Alice's own" not in {d.title for d in team.service.list_drafts(queue_for="alice")}
    assert {d.title for d in team.service.list_drafts(queue_for="cara")} == {"Waiting", "Signed by sam", "Alice's own"}
    assert [d.id for d in team.service.list_drafts(state="drafting")] == [d.id for d in team.service.list_drafts() if d.title == "Still drafting"]
    assert waiting.id in {d.id for d in team.service.list_drafts(state="in_review")}


def test_a_writer_holding_the_sqlite_lock_delays_an_action_instead_of_failing_it(tmp_path):
    """SQLite only: its write lock covers the whole database (PostgreSQL locks rows; see the concurrency tests)."""
    import sqlite3
    import threading
    import time

    from review.service import ReviewService

    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    database.upgrade()
    service = ReviewService(database)
    service.add_user("alice", "a good long password", ["author", "lead"])
    draft = service.create_draft("alice", title="T", content={}, markdown="m", findings=[], skill_ids=[])
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    started = time.perf_counter()
    comment = service.comment("alice", draft.id, "waited for the lock")
    waited = time.perf_counter() - started
    release.join()
    other.close()
    database.dispose()
    assert comment.text == "waited for the lock" and waited >= 0.9
