"""Real workbench databases for tests: migrated SQLite and PostgreSQL, the review services on them, a team.

The fixtures are registered for every test by tests/conftest.py.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from review.accounts import Accounts
from review.actors import SHELL
from review.audit import AuditTrail
from review.db import Database
from review.lifecycle import DraftLifecycle
from review.publications import PublicationLedger
from review.queries import ReviewQueries
from tests.support.drafts import sample_content
from tests.support.people import FAST_HASHER, PASSWORD
from workbench.domain.drafts import DraftContent
from workbench.library.draft_file import render_draft_file


_TABLES = ("coverage_history", "failed_generations", "sign_in_failures", "sign_in_sessions", "governance_policy_acceptances", "governance_policies", "governance_budgets",
           "governance_team_members", "governance_routes", "governance_endpoints",
           "market_trend_counts", "proficiency_ratings", "learner_results", "signal_imports", "generation_log", "publish_attempts", "publications", "comments", "finding_waivers", "sign_offs", "revisions", "drafts",
           "user_roles", "users", "audit_log")
TEAM = {
    "lena": ["lead"],
    "alice": ["author"],
    "sam": ["accuracy_reviewer"],
    "cara": ["cultural_reviewer"],
    "eric": ["ethics_reviewer"],
    "multi": ["accuracy_reviewer", "cultural_reviewer", "ethics_reviewer"],
    "sme2": ["accuracy_reviewer"],
    "cult2": ["cultural_reviewer"],
    "eth2": ["ethics_reviewer"],
}


@dataclass
class ReviewStack:
    """The review queue's services on one database, built as the composition root builds them."""

    database: Database
    trail: AuditTrail
    accounts: Accounts
    queries: ReviewQueries
    lifecycle: DraftLifecycle
    ledger: PublicationLedger

    @classmethod
    def on(cls, database: Database) -> "ReviewStack":
        """Every review service on the database, sharing one clock."""
        def clock() -> datetime:
            return datetime.now(timezone.utc)

        trail = AuditTrail(database, clock)
        queries = ReviewQueries(database)
        return cls(database, trail, Accounts(database, trail, clock, FAST_HASHER), queries,
                   DraftLifecycle(trail, queries, clock), PublicationLedger(database, trail, queries, clock))


def add_team(accounts: Accounts) -> None:
    """Create the team (the first lead bootstraps, the rest come from the shell)."""
    for index, (name, roles) in enumerate(TEAM.items()):
        accounts.add_user(name, PASSWORD, roles, actor=None if index == 0 else SHELL)


class _PostgresSchema:
    """A throw-away schema on the local server, selected through search_path."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"wb_test_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(server_url)
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={self.name}"})
        self.url = url.render_as_string(hide_password=False)
        self.team_rows: dict | None = None

    def reset(self, with_team: bool) -> None:
        """Empty every table (or restore the team snapshot) and the append-only guard (tamper tests drop it)."""
        from review import tables

        with self.admin.begin() as connection:
            connection.execute(text(f'SET LOCAL search_path TO "{self.name}"'))
            connection.execute(text(f"TRUNCATE {', '.join(_TABLES)} RESTART IDENTITY CASCADE"))
            connection.execute(text("UPDATE audit_head SET last_seq = 0, last_hash = :genesis WHERE id = 1"), {"genesis": "0" * 64})
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log"))
            connection.execute(text(
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
            ))
            if with_team and self.team_rows is not None:
                for table in (tables.users, tables.user_roles, tables.audit_log):
                    connection.execute(table.insert(), self.team_rows[table.name])
                connection.execute(tables.audit_head.update().where(tables.audit_head.c.id == 1).values(**self.team_rows["head"]))
                connection.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"))

    def snapshot_team(self, database: Database) -> None:
        """Remember the rows the team fixture creates, to restore them cheaply for each test."""
        from review import tables

        with database.read() as connection:
            self.team_rows = {t.name: [dict(r._mapping) for r in connection.execute(t.select())]
                              for t in (tables.users, tables.user_roles, tables.audit_log)}
            head = connection.execute(tables.audit_head.select()).one()
            self.team_rows["head"] = {"last_seq": head.last_seq, "last_hash": head.last_hash}

    def drop(self) -> None:
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much cheaper)."""
    path = tmp_path_factory.mktemp("review-template") / "workbench.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _sqlite_team_template(_sqlite_template, tmp_path_factory) -> Path:
    """The migrated SQLite file with the team already created."""
    path = tmp_path_factory.mktemp("review-team-template") / "workbench.db"
    shutil.copyfile(_sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    add_team(ReviewStack.on(database).accounts)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_schema(request):
    """One migrated schema per test session; each test starts from empty tables (or just the team)."""
    schema = _PostgresSchema(request.getfixturevalue("postgres_url"))
    database = Database(schema.url)
    database.upgrade()
    add_team(ReviewStack.on(database).accounts)
    schema.snapshot_team(database)
    database.dispose()
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path: Path):
    """A migrated workbench database, once on SQLite and once on PostgreSQL.

    Empty, unless the test uses `team`: then the team's users (and their audit rows) are restored
    from a snapshot instead of being created again for every test.
    """
    with_team = "team" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "workbench.db"
        template = "_sqlite_team_template" if with_team else "_sqlite_template"
        shutil.copyfile(request.getfixturevalue(template), path)
        database = Database(f"sqlite:///{path}")
    else:
        schema = request.getfixturevalue("_postgres_schema")
        schema.reset(with_team)
        database = Database(schema.url)
    database.upgrade()  # a no-op at head, as on every start of the workbench
    database.has_team = with_team
    yield database
    database.dispose()


@pytest.fixture
def review(database: Database) -> ReviewStack:
    """The review services on the test database."""
    return ReviewStack.on(database)


@dataclass
class Team:
    """A lead, an author, one reviewer per dimension, and spares, acting through the review services."""

    review: ReviewStack

    def __getattr__(self, name: str):
        # team.lifecycle, team.queries, team.accounts...: the services of the stack.
        return getattr(self.review, name)

    def draft(self, *, title: str = "Giving feedback", content: dict | None = None, markdown: str | None = None,
              author: str = "alice", generated_by: dict | None = None):
        """A new draft by the author: a real module and assessment, rendered as the drafting service renders it."""
        content = content or sample_content(title)
        if markdown is None:
            markdown = render_draft_file(DraftContent.model_validate(content))
        return self.review.lifecycle.create_draft(
            author, title=title, content=content, markdown=markdown, findings=[], skill_ids=["feedback"],
            generated_by=generated_by,
        )

    def in_review(self, **kwargs):
        """A draft submitted for review."""
        draft = self.draft(**kwargs)
        return self.review.lifecycle.submit("alice", draft.id, draft.revision)

    def approved(self, **kwargs):
        """A draft with all three sign-offs on its current revision."""
        draft = self.in_review(**kwargs)
        for user, dimension in (("sam", "accuracy"), ("cara", "cultural"), ("eric", "ethics")):
            draft = self.review.lifecycle.sign_off(user, draft.id, dimension, draft.revision)
        assert draft.approved
        return draft


@pytest.fixture
def team(review: ReviewStack, database: Database) -> Team:
    """Users: lena (lead), alice (author), sam/cara/eric (one dimension each), multi (all three), sme2, cult2, eth2."""
    if not getattr(database, "has_team", False):
        add_team(review.accounts)
    return Team(review)
