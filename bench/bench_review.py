"""Review queue and publishing: the service against raw SQL / raw file writes doing the same work, same run.

For SQLite and (when reachable) PostgreSQL, each side timed in alternating rounds (min and median):
  * list 10,000 drafts (all, by state, derived approval, a reviewer's queue, one keyset page)
      vs the same query written as SQL text on the driver's own connection
  * one sign-off (lock, roles now, revision, findings gate, contributors, insert, audit-chain append, the view after)
      vs the same statements as raw SQL in one transaction; the statement count of each side is printed
  * one publish (atomic write + re-index of one file)  vs open().write() + reindex_paths + one UPDATE
Run: python bench/bench_review.py   (BENCH_ROUNDS=N, default 7)
"""

from __future__ import annotations

import json
import os
import shutil
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

from sqlalchemy import create_engine, event, insert, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from review.audit import row_hash  # noqa: E402
from review.db import Database  # noqa: E402
from review.audit import AuditTrail  # noqa: E402
from review.content import content_hash  # noqa: E402
from review.lifecycle import DraftLifecycle  # noqa: E402
from review.publications import PublicationLedger  # noqa: E402
from review.queries import ReviewQueries  # noqa: E402
from review.tables import drafts, revisions, sign_offs, user_roles, users  # noqa: E402
from bench.side_by_side import alternate, ratio_line  # noqa: E402

DRAFTS = 10_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PUBLISH_ROUNDS = 4
LIST_GOAL = 1.5
SIGN_OFF_GOAL = 2.0
PAGE = 50
# A real module and assessment (the export tests' sample), so that publishing renders a real file.
SAMPLE_CONTENT = json.loads((Path(__file__).resolve().parent.parent / "tests" / "unit" / "exports" / "data" / "sample_draft.json").read_text(encoding="utf-8"))
POSTGRES_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARKDOWN = "# Module\n\n" + "A paragraph of training content about giving feedback. " * 20 + "\n"
STATES = ["drafting", "in_review", "in_review", "in_review", "changes_requested", "rejected", "archived"]
# eric2 signs half of the ethics sign-offs and is disabled after seeding: those sign-offs lapse.
USERS = [("lena", "lead"), ("alice", "author"), ("sam", "accuracy_reviewer"), ("cara", "cultural_reviewer"),
         ("eric", "ethics_reviewer"), ("eric2", "ethics_reviewer"), ("sme2", "accuracy_reviewer")]


def seed(database: Database) -> dict[str, int]:
    """10,000 drafts in mixed states, one revision each; in-review ones with 0-3 sign-offs, some lapsed (bulk, not timed)."""
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
                ethics = "eric" if number % 8 < 4 else "eric2"
                for dimension, user in list(zip(("accuracy", "cultural", "ethics"), ("sam", "cara", ethics)))[: number % 4]:
                    sign_off_rows.append(dict(draft_id=number, revision=1, dimension=dimension, user_id=ids[user],
                                              content_hash=digest, signed_at=stamp))
        connection.execute(insert(drafts), draft_rows)
        connection.execute(insert(revisions), revision_rows)
        connection.execute(insert(sign_offs), sign_off_rows)
        connection.execute(update(users).where(users.c.name == "eric2").values(disabled=True))
        if database.dialect == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('drafts', 'id'), :n)"), {"n": DRAFTS})
    if database.dialect == "postgresql":
        # A server in use has statistics (autovacuum analyzes); right after a bulk load it has none and plans nested loops.
        with database.transaction() as connection:
            connection.execute(text("ANALYZE"))
    return ids


def drafts_missing(database: Database, dimensions_signed: int, count: int) -> list[int]:
    """In-review drafts with exactly `dimensions_signed` sign-offs (accuracy first)."""
    with database.read() as connection:
        rows = connection.execute(text(
            "SELECT d.id FROM drafts d LEFT JOIN sign_offs s ON s.draft_id = d.id AND s.revision = d.current_revision "
            "WHERE d.state = 'in_review' GROUP BY d.id HAVING COUNT(s.id) = :n ORDER BY d.id"
        ), {"n": dimensions_signed}).scalars().all()
    return list(rows[:count])


# The list query as SQL text: per draft, each dimension signed on the current revision and whether it still counts
# (signer enabled and holding the dimension's reviewer role), the derived state, the filters, newest first.
_DIMENSIONS = ("accuracy", "cultural", "ethics")
_STANDING = "SELECT s.draft_id, " + ", ".join(
    f"MAX(CASE WHEN s.dimension = '{d}' THEN 1 ELSE 0 END) AS s_{d}, "
    f"MAX(CASE WHEN s.dimension = '{d}' AND NOT su.disabled AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = s.user_id "
    f"AND r.role = '{d}_reviewer') THEN 1 ELSE 0 END) AS c_{d}" for d in _DIMENSIONS
) + (" FROM sign_offs s JOIN drafts sd ON sd.id = s.draft_id AND sd.current_revision = s.revision JOIN users su ON su.id = s.user_id"
     " WHERE s.voided_at IS NULL{extra} GROUP BY s.draft_id")
_COUNTED = " + ".join(f"COALESCE(st.c_{d}, 0)" for d in _DIMENSIONS)
_LIST = ("SELECT d.id, d.title, CASE WHEN d.state = 'in_review' AND " + _COUNTED + " = 3 THEN 'approved' ELSE d.state END, "
         "d.current_revision, d.updated_at, u.name, CASE WHEN p.present THEN p.path END, "
         + ", ".join(f"COALESCE(st.c_{d}, 0)" for d in _DIMENSIONS) + ", " + ", ".join(f"COALESCE(st.s_{d}, 0)" for d in _DIMENSIONS)
         + " FROM drafts d JOIN users u ON u.id = d.author_id LEFT JOIN publications p ON p.draft_id = d.id "
         "LEFT JOIN ({standing}) st ON st.draft_id = d.id {where} ORDER BY d.updated_at DESC, d.id DESC{limit}")


class Raw:
    """The same work as SQL text on the driver's own connection; counts the statements it sends."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.mark = "?" if database.is_sqlite else "%s"
        self.statements = 0

    def execute(self, cursor, statement: str, args=()) -> None:
        self.statements += 1
        cursor.execute(statement.replace("?", self.mark), args)

    def list(self, state: str | None, reviewer: tuple[int, str] | None = None, limit: int | None = None) -> list:
        """The list query for a state, or a reviewer's queue (an accuracy reviewer), fetched whole."""
        where, args = [], []
        if state == "approved":
            where.append(f"d.state = 'in_review' AND {_COUNTED} = 3")
        elif state == "in_review":
            where.append(f"d.state = 'in_review' AND {_COUNTED} < 3")
        elif state is not None:
            where.append("d.state = ?")
            args.append(state)
        if reviewer is not None:
            generator = ("CAST(d.generated_by AS JSON) ->> 'user'" if not self.database.is_sqlite
                         else "json_extract(d.generated_by, '$.user')")
            where += ["d.state = 'in_review'", f"{_COUNTED} < 3", "COALESCE(st.c_accuracy, 0) = 0", "d.author_id <> ?",
                      "NOT EXISTS (SELECT 1 FROM revisions r WHERE r.draft_id = d.id AND r.editor_id = ?)",
                      "NOT EXISTS (SELECT 1 FROM sign_offs s WHERE s.draft_id = d.id AND s.revision = d.current_revision "
                      "AND s.user_id = ? AND s.voided_at IS NULL)",
                      f"(d.generated_by IS NULL OR {generator} IS NULL OR {generator} <> ?)"]
            args += [reviewer[0], reviewer[0], reviewer[0], reviewer[1]]
        statement = _LIST.format(
            standing=_STANDING.format(extra=" AND sd.state = 'in_review'" if state in ("approved", "in_review") or reviewer else ""),
            where=f"WHERE {' AND '.join(where)}" if where else "", limit=f" LIMIT {limit + 1}" if limit else "")
        connection = self.database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            self.execute(cursor, statement, args)
            rows = cursor.fetchall()
            connection.commit()
            return rows[:limit] if limit else rows
        finally:
            connection.close()

    def sign_off(self, draft_id: int, user_id: int, actor: str) -> None:
        """What a sign-off must do, as raw statements: lock, the actor's roles, the sign-offs standing with their signers'
        roles, the revision (hash, findings), contributors, insert, touch the draft, append to the chain, read the view."""
        connection = self.database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            lock = "" if self.database.is_sqlite else " FOR UPDATE"
            if self.database.is_sqlite:
                self.execute(cursor, "BEGIN IMMEDIATE")
            self.execute(cursor, "SELECT id, state, current_revision, author_id, generated_by FROM drafts WHERE id = ?" + lock, (draft_id,))
            revision = cursor.fetchone()[2]
            self.execute(cursor, "SELECT u.id, u.disabled, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.name = ?"
                         + ("" if self.database.is_sqlite else " FOR SHARE OF u"), (actor,))
            cursor.fetchall()
            standing = ("SELECT s.id, s.dimension, s.user_id, s.content_hash, s.signed_at, u.name, u.disabled, r.role FROM sign_offs s "
                        "JOIN users u ON u.id = s.user_id LEFT JOIN user_roles r ON r.user_id = s.user_id "
                        "WHERE s.draft_id = ? AND s.revision = ? AND s.voided_at IS NULL ORDER BY s.signed_at, s.id")
            self.execute(cursor, standing, (draft_id, revision))
            cursor.fetchall()
            self.execute(cursor, "SELECT content_hash, findings FROM revisions WHERE draft_id = ? AND number = ?", (draft_id, revision))
            digest = cursor.fetchone()[0]
            self.execute(cursor, "SELECT editor_id FROM revisions WHERE draft_id = ?", (draft_id,))
            cursor.fetchall()
            now = datetime.now(timezone.utc)
            stamp = now.isoformat() if self.database.is_sqlite else now
            self.execute(cursor, "INSERT INTO sign_offs (draft_id, revision, dimension, user_id, content_hash, signed_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (draft_id, revision, "accuracy", user_id, digest, stamp))
            self.execute(cursor, "UPDATE drafts SET updated_at = ? WHERE id = ?", (stamp, draft_id))
            self.execute(cursor, "SELECT last_seq, last_hash FROM audit_head WHERE id = 1" + lock)
            last_seq, last_hash = cursor.fetchone()
            fields = {"seq": last_seq + 1, "at": now.isoformat(), "actor": actor, "action": "sign_off", "draft_id": draft_id,
                      "revision": revision, "content_hash": digest, "dimension": "accuracy", "comment": None, "details": "{}",
                      "prev_hash": last_hash}
            fields["row_hash"] = row_hash(fields)
            self.execute(cursor, "INSERT INTO audit_log (seq, at, actor, action, draft_id, revision, content_hash, dimension, comment, details, "
                         "prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tuple(fields.values()))
            self.execute(cursor, "UPDATE audit_head SET last_seq = ?, last_hash = ? WHERE id = 1", (fields["seq"], fields["row_hash"]))
            # The view after: the draft with its author, current revision and publication; sign-offs; comments; editors.
            self.execute(cursor, "SELECT d.*, u.name, r.content, r.markdown, r.content_hash, r.findings, r.note, p.path, p.present FROM drafts d "
                         "JOIN users u ON u.id = d.author_id JOIN revisions r ON r.draft_id = d.id AND r.number = d.current_revision "
                         "LEFT JOIN publications p ON p.draft_id = d.id WHERE d.id = ?", (draft_id,))
            cursor.fetchall()
            self.execute(cursor, standing, (draft_id, revision))
            cursor.fetchall()
            self.execute(cursor, "SELECT c.*, u.name FROM comments c JOIN users u ON u.id = c.user_id WHERE c.draft_id = ? ORDER BY c.id", (draft_id,))
            cursor.fetchall()
            self.execute(cursor, "SELECT u.name FROM users u JOIN revisions r ON r.editor_id = u.id WHERE r.draft_id = ? GROUP BY u.name ORDER BY u.name",
                         (draft_id,))
            cursor.fetchall()
            connection.commit()
        finally:
            connection.close()

    def mark_published(self, draft_id: int) -> None:
        """The one UPDATE a bare publish would do."""
        connection = self.database.engine.raw_connection()
        try:
            self.execute(connection.cursor(), "UPDATE drafts SET state = 'published' WHERE id = ?", (draft_id,))
            connection.commit()
        finally:
            connection.close()


def statements_of(database: Database, work) -> int:
    """How many statements `work()` sends through the engine (SQLAlchemy's before_cursor_execute event)."""
    seen = [0]

    def count(*_args, **_kwargs) -> None:
        seen[0] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return seen[0]


def bench_lists(backend: str, database: Database, queries: ReviewQueries, raw: Raw, ids: dict[str, int]) -> None:
    """Each list as the service returns it against the same query as SQL text."""
    cases = (("list all 10k drafts", None, None), ("list + filter state=in_review", "in_review", None),
             ("list + filter state=approved (derived, lapsed excluded)", "approved", None),
             ("list my queue (reviewer sme2)", None, "sme2"))
    for label, state, reviewer in cases:
        who = (ids[reviewer], reviewer) if reviewer else None
        expected = [d.id for d in queries.list_drafts(state=state, queue_for=reviewer)]
        got = [row[0] for row in raw.list(state, who)]
        assert expected == got, (label, len(expected), len(got))
        service_ms, raw_ms = alternate(ROUNDS, lambda _: queries.list_drafts(state=state, queue_for=reviewer), lambda _: raw.list(state, who))
        print(f"{backend:<10} " + ratio_line(f"{label} ({len(expected)} rows)", service_ms, raw_ms, LIST_GOAL), flush=True)
    first = queries.page_drafts(limit=PAGE)
    after = queries.page_drafts(after=first.next_cursor, limit=PAGE)
    assert [d.id for d in after.drafts] == [row[0] for row in raw.list(None)][PAGE:2 * PAGE]
    service_ms, raw_ms = alternate(ROUNDS, lambda _: queries.page_drafts(state="in_review", limit=PAGE),
                                   lambda _: raw.list("in_review", None, PAGE))
    print(f"{backend:<10} " + ratio_line(f"first page of {PAGE}, state=in_review", service_ms, raw_ms, LIST_GOAL), flush=True)


def bench_database(backend: str, database: Database, workdir: Path, index_parts) -> None:
    """All measurements on one database."""
    started = time.perf_counter()
    ids = seed(database)
    print(f"{backend:<10} seeded {DRAFTS} drafts in {time.perf_counter() - started:.1f} s; {ROUNDS} alternating rounds", flush=True)
    clock = lambda: datetime.now(timezone.utc)  # noqa: E731
    trail = AuditTrail(database, clock)
    queries = ReviewQueries(database)
    lifecycle = DraftLifecycle(trail, queries, clock)
    raw = Raw(database)
    bench_lists(backend, database, queries, raw, ids)

    candidates = drafts_missing(database, 0, 2 * ROUNDS + 2)
    service_ids, raw_ids = candidates[: ROUNDS + 1], candidates[ROUNDS + 1:]
    # One of each first, untimed: it warms both paths and counts their statements.
    service_statements = statements_of(database, lambda: lifecycle.sign_off("sam", service_ids[-1], "accuracy", 1))
    before = raw.statements
    raw.sign_off(raw_ids[-1], ids["sam"], "sam")
    print(f"{backend:<10} statements per sign-off: service {service_statements}, raw {raw.statements - before} "
          "(BEGIN included on SQLite; COMMIT is the driver's)", flush=True)
    service_ms, raw_ms = alternate(ROUNDS, lambda i: lifecycle.sign_off("sam", service_ids[i], "accuracy", 1),
                                   lambda i: raw.sign_off(raw_ids[i], ids["sam"], "sam"))
    print(f"{backend:<10} " + ratio_line("one sign-off transaction (returns the view)", service_ms, raw_ms, SIGN_OFF_GOAL), flush=True)
    assert trail.verify().ok

    if index_parts is None:
        return
    settings, index = index_parts
    from workbench.publishing.service import Publisher

    publisher = Publisher(settings, PublicationLedger(database, trail, queries, clock), index)
    approved = [d.id for d in queries.list_drafts(state="approved")][: 2 * PUBLISH_ROUNDS]
    to_publish, raw_publish = approved[:PUBLISH_ROUNDS], approved[PUBLISH_ROUNDS:]
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

    service_ms, raw_ms = alternate(PUBLISH_ROUNDS, lambda i: publisher.publish("lena", to_publish[i], 1), raw_write)
    print(f"{backend:<10} " + ratio_line("one publish (write + re-index one file)", service_ms, raw_ms, None), flush=True)


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
