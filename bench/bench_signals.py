"""Importing learners' results: `SignalsService` against the raw work it has to do, in alternating rounds.

1. **LRS import of 10,000 statements**: `SignalsService.import_from_lrs` (paged fetch through LrsClient,
   checks, pseudonyms, mapping to items, one transaction into SQLite) against the raw paged HTTP fetch of
   the same statements (httpx GET, follow `more`, parse each page). ralph (file-system backend) runs on
   loopback from its own venv; the statements are stored through its API first (not timed). Goal: at most 1.5x.
2. **File import of 100,000 xAPI statements** (JSON lines): `SignalsService.import_file` (streamed read,
   checks, pseudonyms, mapping, batched insert in one transaction) against `json.loads` of every line plus
   one bulk `INSERT` (driver `executemany`, one transaction) of the same rows into the same table, on
   SQLite and, when `WORKBENCH_TEST_POSTGRES_URL` answers, PostgreSQL. Each side gets a freshly migrated
   database per round (not timed). Goal: at most 1.5x.

Rounds alternate which side runs first; min and median of BENCH_SIGNALS_ROUNDS (default 3) are printed.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from review.db import Database  # noqa: E402
from tests.lrs_support import ralph_missing_reason, running_ralph  # noqa: E402
from workbench.domain.assessment import Assessment, Item, ItemType, Option  # noqa: E402
from workbench.exports.cmi5 import course_activity_id  # noqa: E402
from workbench.exports.course_pages import CourseSource  # noqa: E402
from workbench.exports.lrs_client import LrsClient, LrsCredentials  # noqa: E402
from workbench.signals.catalog import ResultCatalog  # noqa: E402
from workbench.signals.service import SignalsService  # noqa: E402
from workbench.signals.store import SignalStore  # noqa: E402

MODULE = "bench-module"
COURSE = course_activity_id(MODULE)
ITEMS = 40
LRS_STATEMENTS = 10_000
FILE_STATEMENTS = 100_000
PAGE_SIZE = 500
GOAL = 1.5
KEY = SecretStr("benchmark pseudonym key, long enough")
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
INSERT_COLUMNS = ("import_id", "record_key", "person", "module_id", "item_id", "objective_id", "skill_ids", "verb",
                  "success", "score_scaled", "response", "occurred_at")


def catalog() -> ResultCatalog:
    """One published module with ITEMS single-choice items."""
    items = [Item(id=f"q{n}", type=ItemType.SINGLE_CHOICE, stem=f"Question {n}", objective_id=f"o{n % 4 + 1}",
                  options=[Option(id="a", text="Yes", correct=True), Option(id="b", text="No")]) for n in range(1, ITEMS + 1)]
    source = CourseSource(MODULE, "Bench module", [], Assessment(id="bench", title="Bench", skill_ids=["bench-skill"], items=items), "en")
    return ResultCatalog.from_sources([(source, ("bench-skill",))])


def statements(count: int) -> list[dict]:
    """Answered statements as our cmi5 unit sends them, for 300 learners over 40 items."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return [{
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": f"learner-{n % 300}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": f"{COURSE}/items/q{n % ITEMS + 1}"},
        "result": {"success": n % 3 != 0, "score": {"scaled": (n % 5) / 4}, "response": "a" if n % 3 else "b"},
        "context": {"registration": str(uuid.uuid4()), "contextActivities": {"grouping": [{"id": COURSE}], "parent": [{"id": f"{COURSE}/au"}]}},
        "timestamp": (start + timedelta(seconds=n)).isoformat(),
    } for n in range(count)]


def service_on(database: Database, lrs: Callable | None = None) -> SignalsService:
    """The service as the composition root wires it, on `database`, with a fixed catalog."""
    fixed = catalog()
    return SignalsService(SignalStore(database), lambda: fixed, KEY, lrs or (lambda endpoint: None), lambda: NOW)


def alternate(rounds: int, sides: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Time each side once per round, the order reversed every other round; each side returns its own seconds."""
    timings: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for round_number in range(rounds):
        for name in order if round_number % 2 == 0 else list(reversed(order)):
            timings[name].append(sides[name]())
    return timings


def verdict(label: str, ours: list[float], raw: list[float], raw_label: str) -> None:
    """Print min/median of both sides, the ratio of medians and the goal."""
    ratio = statistics.median(ours) / statistics.median(raw)
    print(f"{label:<44} service min {min(ours):7.2f} s  median {statistics.median(ours):7.2f} s   "
          f"{raw_label} min {min(raw):7.2f} s  median {statistics.median(raw):7.2f} s   "
          f"ratio {ratio:5.2f}x   (goal <= {GOAL}x: {'ok' if ratio <= GOAL else 'over goal'})", flush=True)


# --------------------------------------------------------------------------- 1. LRS


def bench_lrs(rounds: int) -> None:
    """Import 10,000 statements from ralph against the raw paged fetch."""
    reason = ralph_missing_reason()
    if reason:
        print(f"LRS import skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as work, running_ralph(Path(work) / "lrs", page_size=PAGE_SIZE) as server:
        auth = (server.username, server.password)
        headers = {"X-Experience-API-Version": "1.0.3"}
        with httpx.Client(auth=auth, headers=headers, timeout=120) as http:
            loaded = statements(LRS_STATEMENTS)
            for start in range(0, len(loaded), 1000):
                http.post(server.statements_url, json=loaded[start:start + 1000]).raise_for_status()

        def raw() -> float:
            started = time.perf_counter()
            count = 0
            with httpx.Client(auth=auth, headers=headers, timeout=120) as client:
                url = f"{server.statements_url}?limit={PAGE_SIZE}"
                while url:
                    page = client.get(url).raise_for_status().json()
                    count += len(page["statements"])
                    url = str(httpx.URL(server.endpoint).join(page["more"])) if page.get("more") and page["statements"] else ""
            elapsed = time.perf_counter() - started
            assert count == LRS_STATEMENTS, count
            return elapsed

        def ours() -> float:
            database = fresh_sqlite(Path(work))
            credentials = LrsCredentials(server.username, SecretStr(server.password))
            signals = service_on(database, lambda endpoint: LrsClient(endpoint, credentials, page_size=PAGE_SIZE, timeout_seconds=120))
            started = time.perf_counter()
            report = signals.import_from_lrs(server.endpoint, "bench")
            elapsed = time.perf_counter() - started
            database.dispose()
            assert report.kept == LRS_STATEMENTS, report.as_dict()
            return elapsed

        timings = alternate(rounds, {"service": ours, "raw": raw})
        verdict(f"LRS import, {LRS_STATEMENTS:,} statements ({LRS_STATEMENTS // PAGE_SIZE} pages)", timings["service"], timings["raw"], "raw paged fetch")


# --------------------------------------------------------------------------- 2. file


def fresh_sqlite(work: Path) -> Database:
    database = Database(f"sqlite:///{work / f'signals-{uuid.uuid4().hex}.db'}")
    database.upgrade()
    return database


def fresh_postgres(url: str):
    """A migrated throw-away schema; returns (database, drop)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_signals_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    database = Database(make_url(url).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False))
    database.upgrade()

    def drop() -> None:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return database, drop


def raw_file_import(database: Database, path: Path) -> int:
    """json.loads of each line, then one executemany INSERT of the same rows in one transaction (driver level)."""
    loads = json.loads
    rows = []
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            s = loads(line)
            result = s.get("result", {})
            rows.append((1, s["id"], s["actor"]["account"]["name"], MODULE, s["object"]["id"], "", "[]", s["verb"]["id"],
                         result.get("success"), result.get("score", {}).get("scaled"), result.get("response"), s["timestamp"]))
    placeholder = "?" if database.is_sqlite else "%s"
    connection = database.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if database.is_sqlite:
            cursor.execute("BEGIN")  # the engine leaves pysqlite in autocommit mode: one transaction, as the service has
        cursor.execute(f"INSERT INTO signal_imports (id, kind, source, imported_at, imported_by, read_count, kept_count, "
                       f"duplicate_count, ignored_count, rejected_count, report) VALUES (1, 'raw', 'raw', "
                       f"{placeholder}, 'raw', 0, 0, 0, 0, 0, '{{}}')", (NOW.isoformat(),))
        cursor.executemany(f"INSERT INTO learner_results ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join([placeholder] * len(INSERT_COLUMNS))})", rows)
        connection.commit()
    finally:
        connection.close()
    return len(rows)


def bench_file(rounds: int, backend: str, make_database: Callable[[], tuple[Database, Callable[[], None]]], path: Path) -> None:
    """Time import_file against json.loads + bulk INSERT on one backend."""

    def ours() -> float:
        database, drop = make_database()
        signals = service_on(database)
        started = time.perf_counter()
        report = signals.import_file(path, "xapi", "bench")
        elapsed = time.perf_counter() - started
        drop()
        assert report.kept == FILE_STATEMENTS, report.as_dict()
        return elapsed

    def raw() -> float:
        database, drop = make_database()
        started = time.perf_counter()
        count = raw_file_import(database, path)
        elapsed = time.perf_counter() - started
        drop()
        assert count == FILE_STATEMENTS
        return elapsed

    timings = alternate(rounds, {"service": ours, "raw": raw})
    verdict(f"file import, {FILE_STATEMENTS:,} statements, {backend}", timings["service"], timings["raw"], "json.loads + INSERT")


def postgres_url() -> str | None:
    url = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return url
    except Exception as error:  # noqa: BLE001 - any failure means the server is not there
        print(f"PostgreSQL file import skipped: {url} is not reachable ({type(error).__name__})")
        return None


def main() -> int:
    """Run both benchmarks and print one line each."""
    rounds = int(os.environ.get("BENCH_SIGNALS_ROUNDS", "3"))
    print(f"rounds: {rounds}", flush=True)
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        path = work_dir / "statements.jsonl"
        with path.open("w", encoding="utf-8") as stream:
            for statement in statements(FILE_STATEMENTS):
                stream.write(json.dumps(statement) + "\n")

        def sqlite_database():
            database = fresh_sqlite(work_dir)
            return database, database.dispose

        bench_file(rounds, "SQLite", sqlite_database, path)
        url = postgres_url()
        if url:
            bench_file(rounds, "PostgreSQL", lambda: fresh_postgres(url), path)
    bench_lrs(rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
