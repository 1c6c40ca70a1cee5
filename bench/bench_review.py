"""Review queue and publishing: the service against raw SQL / raw file writes doing the same work, same run.

For SQLite and (when reachable) PostgreSQL:
  * list + filter 10,000 drafts (all, by state, a reviewer's queue)  vs the equivalent raw SQL
  * one sign-off transaction (locks, policy, audit chain)            vs the same statements as raw SQL
  * one publish (atomic write + re-index of one file)               vs open().write() + reindex_paths + one UPDATE
Prints medians and the ratio service / raw. Run: python bench/bench_review.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from review.audit import row_hash  # noqa: E402
from review.db import Database  # noqa: E402
from review.audit import AuditTrail  # noqa: E402
from review.content import content_hash  # noqa: E402
from review.lifecycle import DraftLifecycle  # noqa: E402
from review.publications import PublicationLedger  # noqa: E402
from review.queries import ReviewQueries  # noqa: E402
from review.tables import drafts, revisions, sign_offs, user_roles, users  # noqa: E402

DRAFTS = 10_000
# A real module and assessment (the export tests' sample), so that publishing renders a real file.
SAMPLE_CONTENT = json.loads((Path(__file__).resolve().parent.parent / "tests" / "unit" / "exports" / "data" / "sample_draft.json").read_text(encoding="utf-8"))
POSTGRES_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARKDOWN = "# Module\n\n" + "A paragraph of training content about giving feedback. " * 20 + "\n"
STATES = ["drafting", "in_review", "in_review", "in_review", "changes_requested", "rejected", "archived"]
USERS = [("lena", "lead"), ("alice", "author"), ("sam", "accuracy_reviewer"), ("cara", "cultural_reviewer"),
         ("eric", "ethics_reviewer"), ("sme2", "accuracy_reviewer")]


def median_ms(work, repeat: int) -> float:
    """Median wall time of `work()` in milliseconds."""
    times = []
    for index in range(repeat):
        started = time.perf_counter()
        work(index)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def report(backend: str, label: str, pipeline_ms: float, raw_ms: float) -> None:
    """One line per measurement: pipeline, raw, ratio."""
    print(f"{backend:<10} {label:<44} pipeline {pipeline_ms:9.2f} ms   raw {raw_ms:9.2f} ms   ratio {pipeline_ms / raw_ms:6.2f}x", flush=True)


def seed(database: Database) -> dict[str, int]:
    """10,000 drafts in mixed states, one revision each; in-review ones with 0-3 sign-offs (bulk, not measured)."""
    now = datetime.now(timezone.utc)
    with database.transaction() as connection:
        ids = {}
        for name, role in USERS:
            ids[name] = connection.execute(insert(users).values(name=name, display_name=name, disabled=False, created_at=now)).inserted_primary_key[0]
            connection.execute(insert(user_roles).values(user_id=ids[name], role=role))
        draft_rows, revision_rows, sign_off_rows = [], [], []
        for number in range(1, DRAFTS + 1):
            content = {**SAMPLE_CONTENT, "module": {**SAMPLE_CONTENT["module"], "title": f"Module {number}"}}
            digest = content_hash(f"Module {number}", content, MARKDOWN)
            state = STATES[number % len(STATES)]
            stamp = now - timedelta(seconds=number)
            draft_rows.append(dict(id=number, title=f"Module {number}", state=state, current_revision=1, author_id=ids["alice"],
                                   generated_by=None, skill_ids='["feedback"]', created_at=stamp, updated_at=stamp))
            revision_rows.append(dict(draft_id=number, number=1, title=f"Module {number}", content=json.dumps(content),
                                      markdown=MARKDOWN, content_hash=digest, findings="[]", editor_id=ids["alice"], note="", created_at=stamp))
            if state == "in_review":
                for dimension, user in list(zip(("accuracy", "cultural", "ethics"), ("sam", "cara", "eric")))[: number % 4]:
                    sign_off_rows.append(dict(draft_id=number, revision=1, dimension=dimension, user_id=ids[user],
                                              content_hash=digest, signed_at=stamp))
        connection.execute(insert(drafts), draft_rows)
        connection.execute(insert(revisions), revision_rows)
        connection.execute(insert(sign_offs), sign_off_rows)
        if database.dialect == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('drafts', 'id'), :n)"), {"n": DRAFTS})
    return ids


def drafts_missing(database: Database, dimensions_signed: int, count: int) -> list[int]:
    """In-review drafts with exactly `dimensions_signed` sign-offs (accuracy first)."""
    with database.read() as connection:
        rows = connection.execute(text(
            "SELECT d.id FROM drafts d LEFT JOIN sign_offs s ON s.draft_id = d.id AND s.revision = d.current_revision "
            "WHERE d.state = 'in_review' GROUP BY d.id HAVING COUNT(s.id) = :n ORDER BY d.id"
        ), {"n": dimensions_signed}).scalars().all()
    return list(rows[:count])


class Raw:
    """The same work as plain SQL on the driver's own connection."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.mark = "?" if database.is_sqlite else "%s"

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.mark)

    def list(self, state: str | None, reviewer_id: int | None = None) -> int:
        """Two queries, as the service does, and the derived-approval filter in Python."""
        connection = self.database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            where, args = [], []
            if state:
                where.append("d.state = ?")
                args.append("in_review" if state == "approved" else state)
            if reviewer_id is not None:
                where += ["d.state = 'in_review'", "d.author_id <> ?",
                          "NOT EXISTS (SELECT 1 FROM revisions r WHERE r.draft_id = d.id AND r.editor_id = ?)",
                          "NOT EXISTS (SELECT 1 FROM sign_offs s WHERE s.draft_id = d.id AND s.revision = d.current_revision "
                          "AND s.user_id = ? AND s.voided_at IS NULL)"]
                args += [reviewer_id, reviewer_id, reviewer_id]
            cursor.execute(self.sql(
                "SELECT d.id, d.title, d.state, d.current_revision, d.updated_at, u.name, p.path FROM drafts d "
                "JOIN users u ON u.id = d.author_id LEFT JOIN publications p ON p.draft_id = d.id "
                + (f"WHERE {' AND '.join(where)} " if where else "") + "ORDER BY d.updated_at DESC, d.id DESC"), args)
            rows = cursor.fetchall()
            # A sign-off counts only while its signer is enabled and holds the dimension's reviewer role.
            cursor.execute("SELECT s.draft_id, s.dimension, s.user_id, u.disabled FROM sign_offs s JOIN drafts d ON d.id = s.draft_id "
                           "AND d.current_revision = s.revision JOIN users u ON u.id = s.user_id WHERE s.voided_at IS NULL")
            sign_off_rows = cursor.fetchall()
            cursor.execute("SELECT user_id, role FROM user_roles")
            held: dict[int, set] = {}
            for user_id, role in cursor.fetchall():
                held.setdefault(user_id, set()).add(role)
            signed: dict[int, set] = {}
            for draft_id, dimension, user_id, disabled in sign_off_rows:
                if not disabled and f"{dimension}_reviewer" in held.get(user_id, ()):
                    signed.setdefault(draft_id, set()).add(dimension)
            if state == "approved":
                rows = [r for r in rows if len(signed.get(r[0], ())) == 3]
            elif state == "in_review":
                rows = [r for r in rows if len(signed.get(r[0], ())) < 3]
            elif reviewer_id is not None:
                rows = [r for r in rows if "accuracy" not in signed.get(r[0], set())]
            connection.commit()
            return len(rows)
        finally:
            connection.close()

    def sign_off(self, draft_id: int, user_id: int, actor: str) -> None:
        """Lock, read, insert the sign-off, append the audit row, commit."""
        connection = self.database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            lock = "" if self.database.is_sqlite else " FOR UPDATE"
            if self.database.is_sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(self.sql("SELECT id, state, current_revision FROM drafts WHERE id = ?" + lock), (draft_id,))
            _, _, revision = cursor.fetchone()
            cursor.execute(self.sql("SELECT u.id, u.disabled, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.name = ?"), (actor,))
            cursor.fetchall()
            cursor.execute(self.sql("SELECT dimension, user_id FROM sign_offs WHERE draft_id = ? AND revision = ? AND voided_at IS NULL"), (draft_id, revision))
            cursor.fetchall()
            cursor.execute(self.sql("SELECT content_hash FROM revisions WHERE draft_id = ? AND number = ?"), (draft_id, revision))
            digest = cursor.fetchone()[0]
            now = datetime.now(timezone.utc)
            cursor.execute(self.sql("INSERT INTO sign_offs (draft_id, revision, dimension, user_id, content_hash, signed_at) VALUES (?, ?, ?, ?, ?, ?)"),
                           (draft_id, revision, "accuracy", user_id, digest, now.isoformat() if self.database.is_sqlite else now))
            cursor.execute("SELECT last_seq, last_hash FROM audit_head WHERE id = 1" + lock)
            last_seq, last_hash = cursor.fetchone()
            fields = {"seq": last_seq + 1, "at": now.isoformat(), "actor": actor, "action": "sign_off", "draft_id": draft_id,
                      "revision": revision, "content_hash": digest, "dimension": "accuracy", "comment": None, "details": "{}",
                      "prev_hash": last_hash}
            fields["row_hash"] = row_hash(fields)
            cursor.execute(self.sql("INSERT INTO audit_log (seq, at, actor, action, draft_id, revision, content_hash, dimension, comment, details, prev_hash, row_hash) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), tuple(fields.values()))
            cursor.execute(self.sql("UPDATE audit_head SET last_seq = ?, last_hash = ? WHERE id = 1"), (fields["seq"], fields["row_hash"]))
            connection.commit()
        finally:
            connection.close()

    def mark_published(self, draft_id: int) -> None:
        """The one UPDATE a bare publish would do."""
        connection = self.database.engine.raw_connection()
        try:
            connection.cursor().execute(self.sql("UPDATE drafts SET state = 'published' WHERE id = ?"), (draft_id,))
            connection.commit()
        finally:
            connection.close()


def bench_database(backend: str, database: Database, workdir: Path, index_parts) -> None:
    """All measurements on one database."""
    started = time.perf_counter()
    ids = seed(database)
    print(f"{backend:<10} seeded {DRAFTS} drafts in {time.perf_counter() - started:.1f} s", flush=True)
    clock = lambda: datetime.now(timezone.utc)  # noqa: E731
    trail = AuditTrail(database, clock)
    queries = ReviewQueries(database)
    lifecycle = DraftLifecycle(trail, queries, clock)
    raw = Raw(database)
    for label, state, reviewer in (("list all 10k drafts", None, None), ("list + filter state=in_review", "in_review", None),
                                   ("list + filter state=approved (derived)", "approved", None), ("list my queue (reviewer sme2)", None, "sme2")):
        expected = len(queries.list_drafts(state=state, queue_for=reviewer))
        got = raw.list(state, ids[reviewer] if reviewer else None)
        assert expected == got, (label, expected, got)
        pipeline = median_ms(lambda _: queries.list_drafts(state=state, queue_for=reviewer), 5)
        baseline = median_ms(lambda _: raw.list(state, ids[reviewer] if reviewer else None), 5)
        report(backend, f"{label} ({expected} rows)", pipeline, baseline)

    candidates = drafts_missing(database, 0, 40)
    service_ids, raw_ids = candidates[:20], candidates[20:40]
    pipeline = median_ms(lambda i: lifecycle.sign_off("sam", service_ids[i], "accuracy", 1), len(service_ids))
    baseline = median_ms(lambda i: raw.sign_off(raw_ids[i], ids["sam"], "sam"), len(raw_ids))
    report(backend, "one sign-off transaction", pipeline, baseline)
    assert trail.verify().ok

    if index_parts is None:
        return
    settings, index = index_parts
    from workbench.publishing.service import Publisher

    publisher = Publisher(settings, PublicationLedger(database, trail, queries, clock), index)
    approved = drafts_missing(database, 3, 10)
    to_publish, raw_publish = approved[:5], approved[5:10]
    pipeline = median_ms(lambda i: publisher.publish("lena", to_publish[i], 1), len(to_publish))
    raw_dir = Path(settings.library_dir) / "raw"
    raw_dir.mkdir(exist_ok=True)

    from workbench.domain.drafts import DraftContent
    from workbench.library.draft_file import render_draft_file

    def raw_write(i: int) -> None:
        draft_id = raw_publish[i]
        relative = f"raw/{backend}-{draft_id}.md"
        # The same module text the publisher writes, so both sides embed the same chunks.
        content = DraftContent.model_validate({**SAMPLE_CONTENT, "module": {**SAMPLE_CONTENT["module"], "title": f"Module {draft_id}"}})
        with open(Path(settings.library_dir) / relative, "w", encoding="utf-8") as handle:
            handle.write(render_draft_file(content))
        index.reindex_paths([relative])
        raw.mark_published(draft_id)

    baseline = median_ms(raw_write, len(raw_publish))
    report(backend, "one publish (write + re-index one file)", pipeline, baseline)


def postgres_schema() -> tuple[str | None, object]:
    """A throw-away schema on the local server, or (None, reason)."""
    try:
        admin = create_engine(POSTGRES_URL)
        name = f"wb_bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except Exception as error:  # noqa: BLE001 - no server: say so and go on with SQLite
        return None, error
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    return url, (admin, name)


def main() -> int:
    """Run the benchmark on SQLite and PostgreSQL."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-review-"))
    try:
        from workbench.index.embedder import build_embedder
        from workbench.index.service import LibraryIndex
        from workbench.settings import Settings

        library = workdir / "library"
        shutil.copytree(Path(__file__).resolve().parent.parent / "content_library" / "feedback-coaching", library / "feedback-coaching")
        settings = Settings(library_dir=library, data_dir=workdir / "data", llm_provider="fake")
        index = LibraryIndex(settings, build_embedder(settings))
        index.build()
        # Warm the model up with real embedding work, so neither side pays for loading it.
        for number in range(3):
            (library / f"warmup-{number}.md").write_text(f"# Warm-up {number}\n\nSome text to embed, number {number}.\n", encoding="utf-8")
            index.reindex_paths([f"warmup-{number}.md"])
        index_parts = (settings, index)

        database = Database(f"sqlite:///{workdir / 'bench.db'}")
        database.upgrade()
        bench_database("sqlite", database, workdir, index_parts)
        database.dispose()

        url, handle = postgres_schema()
        if url is None:
            print(f"postgresql skipped: server at {POSTGRES_URL} not reachable ({handle})")
            return 0
        admin, name = handle
        try:
            database = Database(url)
            database.upgrade()
            bench_database("postgresql", database, workdir, index_parts)
            database.dispose()
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            admin.dispose()
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
