"""Learners' results pulled from a real LRS (ralph on loopback): the same records as from a file, resumed from the
stored cursor, other courses ignored; 401, 5xx and timeouts leave nothing imported."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from tests.lrs_support import post_statements, ralph_fixture
from tests.support.scripted_lrs import ScriptedLrs
from tests.support.signals import OTHER_COURSE, answered, module_result, signals_on, write_json_lines
from workbench.exports.lrs_client import LrsAuthenticationFailed, LrsClient, LrsCredentials, LrsUnavailable
from workbench.signals.tables import learner_results, signal_imports

PAGE_SIZE = 5


# ralph on loopback with a small page size, so every read spans several pages.
ralph = ralph_fixture(PAGE_SIZE)
post = post_statements


def client_factory(username: str, password: str, **options):
    def build(endpoint):
        return LrsClient(endpoint, LrsCredentials(username, SecretStr(password)), page_size=PAGE_SIZE, **options)
    return build


def results(database) -> list[tuple]:
    with database.read() as connection:
        return [tuple(row) for row in connection.execute(
            select(learner_results.c.record_key, learner_results.c.person, learner_results.c.module_id, learner_results.c.item_id,
                   learner_results.c.objective_id, learner_results.c.verb, learner_results.c.success,
                   learner_results.c.score_scaled, learner_results.c.response, learner_results.c.occurred_at)
            .order_by(learner_results.c.record_key))]


def test_statements_from_the_lrs_are_the_same_records_as_from_a_file_and_the_next_import_resumes(ralph, database, tmp_path):
    ours = [answered(f"q{n % 4 + 1}", f"learner-{n % 3}", n % 2 == 0) for n in range(9)] + [module_result("passed", "learner-0", 0.9)]
    others = [answered("q1", "learner-0", True, course=OTHER_COURSE) for _ in range(3)]
    post(ralph, ours[:4] + others + ours[4:])
    # ralph's `since` compares with the statements' own timestamps: these are learners answering now.
    signals = signals_on(database, lrs_client=client_factory(ralph.username, ralph.password), clock=lambda: datetime.now(timezone.utc))

    first = signals.import_from_lrs(ralph.endpoint, "lena")
    assert (first.kind, first.source, first.imported_by) == ("lrs", ralph.endpoint, "lena")
    ids = {s["id"] for s in ours}
    assert first.kept >= len(ours) and first.rejected == 0
    from_lrs = [row for row in results(database) if row[0] in ids]
    assert len(from_lrs) == len(ours)
    assert first.cursor is not None

    # The same statements from a file, into another database table set: identical records.
    with database.transaction() as connection:
        connection.execute(learner_results.delete())
        connection.execute(signal_imports.delete())
    signals.import_file(write_json_lines(tmp_path / "export.jsonl", ours), "xapi", "lena")
    assert [row for row in results(database) if row[0] in ids] == from_lrs

    # Back to the LRS: the stored cursor was deleted with its import, so record one again, then add statements.
    with database.transaction() as connection:
        connection.execute(learner_results.delete())
        connection.execute(signal_imports.delete())
    signals.import_from_lrs(ralph.endpoint, "lena")
    time.sleep(0.01)
    now = datetime.now(timezone.utc)
    later = [answered("q2", "learner-7", True, when=now), answered("q2", "learner-7", False, when=now, course=OTHER_COURSE)]
    post(ralph, later)
    resumed = signals.import_from_lrs(ralph.endpoint, "eric")
    assert (resumed.read, resumed.kept, resumed.ignored) == (2, 1, 1)
    assert {row[0] for row in results(database)} >= {later[0]["id"]}
    nothing_new = signals.import_from_lrs(ralph.endpoint, "eric")
    assert (nothing_new.read, nothing_new.kept) == (0, 0)
    with database.read() as connection:
        cursors = connection.execute(select(signal_imports.c.cursor).order_by(signal_imports.c.id)).scalars().all()
    assert cursors[1] > cursors[0] and cursors[2] == cursors[1]


def test_a_refused_password_is_a_clear_error_and_nothing_is_recorded(ralph, database):
    signals = signals_on(database, lrs_client=client_factory(ralph.username, "not-the-password"))
    with pytest.raises(LrsAuthenticationFailed) as error:
        signals.import_from_lrs(ralph.endpoint, "lena")
    assert str(error.value) == (f"the LRS at {ralph.endpoint} refused the credentials of 'workbench' (401); "
                                "check WORKBENCH_LRS_USERNAME and WORKBENCH_LRS_PASSWORD")
    assert "not-the-password" not in str(error.value)
    assert results(database) == []


def _page(*statements, more=None):
    return {"statements": list(statements), **({"more": more} if more else {})}


def test_an_lrs_failing_after_the_first_page_is_retried_then_reported_with_nothing_imported(database):
    first_page = [answered("q1", "ana", True), answered("q2", "ana", True)]
    script = [(200, _page(*first_page, more="/xAPI/statements?page=2")), (503, "busy"), (500, "down"), (502, "bad")]
    sleeps: list[float] = []
    with ScriptedLrs(script) as lrs:
        signals = signals_on(database, lrs_client=lambda endpoint: LrsClient(endpoint, max_retries=2, backoff_seconds=0.01, sleep=sleeps.append))
        with pytest.raises(LrsUnavailable) as error:
            signals.import_from_lrs(lrs.endpoint, "lena")
    assert str(error.value) == (f"the LRS at {lrs.endpoint} answered 502 Bad Gateway on each of 3 attempts; nothing was imported")
    assert sleeps == [0.01, 0.02]
    assert results(database) == []
    with database.read() as connection:
        assert connection.execute(select(signal_imports)).all() == []


def test_an_lrs_that_times_out_then_answers_is_imported(database):
    statement = answered("q3", "ana", False)
    with ScriptedLrs([("sleep", 1.0), (200, _page(statement))]) as lrs:
        signals = signals_on(database, lrs_client=lambda endpoint: LrsClient(endpoint, timeout_seconds=0.3, max_retries=2,
                                                                               backoff_seconds=0.01, sleep=lambda s: None))
        report = signals.import_from_lrs(lrs.endpoint, "lena")
    assert (report.kept, report.source) == (1, lrs.endpoint)
    assert [row[0] for row in results(database)] == [statement["id"]]


def test_statements_built_for_these_tests_are_valid_xapi_for_ralph(ralph):
    from tests.lrs_support import validate_with_ralph_models

    assert validate_with_ralph_models([answered("q1", "ana", True), module_result("failed", "ana", 0.25)]) == []
