"""Reading statements back from an LRS: paging, `since`, activity filtering and credentials against a
real ralph LRS; 401, 5xx, timeouts and hostile answers from a scripted loopback server."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from pydantic import SecretStr

from tests.lrs_support import post_statements, ralph_fixture
from tests.support.scripted_lrs import ScriptedLrs
from workbench.exports.lrs_client import (
    LrsAuthenticationFailed,
    LrsClient,
    LrsCredentials,
    LrsError,
    LrsResponseInvalid,
    LrsUnavailable,
)
from workbench.settings import Settings

COURSE = "https://ld-workbench.invalid/xapi/courses/feedback-quiz"
OTHER_COURSE = "https://ld-workbench.invalid/xapi/courses/another-course"
PAGE_SIZE = 7  # ralph's page limit in these tests, so that every fetch spans several pages


def statement(verb: str, object_id: str, grouping: list[str] | None = None, when: datetime | None = None) -> dict:
    """A minimal valid statement of one learner."""
    built = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "sam"}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"objectType": "Activity", "id": object_id},
        "timestamp": (when or datetime.now(timezone.utc)).isoformat(),
    }
    if grouping:
        built["context"] = {"contextActivities": {"grouping": [{"id": activity} for activity in grouping]}}
    return built


# ralph on loopback with a small page size, so every read spans several pages.
ralph = ralph_fixture(PAGE_SIZE)
post = post_statements


def client_for(ralph, password: str | None = None, **options) -> LrsClient:
    return LrsClient(ralph.endpoint, LrsCredentials(ralph.username, SecretStr(password or ralph.password)), **options)


def test_statements_of_our_course_are_fetched_across_pages_and_others_ignored(ralph):
    ours = [statement("initialized", f"{COURSE}/au")]
    ours += [statement("answered", f"{COURSE}/items/q{n}", grouping=[COURSE]) for n in range(1, 13)]
    # The LMS launched the unit under its own id: only grouping names the course.
    ours += [statement("passed", "https://lms.example.org/activities/42", grouping=[COURSE, f"{COURSE}/au"])]
    others = [statement("answered", f"{OTHER_COURSE}/items/q{n}", grouping=[OTHER_COURSE]) for n in range(1, 9)]
    # A course whose id merely starts like ours is someone else's.
    others.append(statement("passed", COURSE + "-advanced/au"))
    post(ralph, ours[:5] + others + ours[5:])

    with client_for(ralph) as client:
        batch = client.fetch_statements([COURSE])
    mine = [s for s in batch.statements if s["id"] in {o["id"] for o in ours}]
    assert sorted(s["id"] for s in mine) == sorted(o["id"] for o in ours)
    assert not any(s["id"] in {o["id"] for o in others} for s in batch.statements)
    assert batch.pages >= 2  # 14 statements at 7 a page
    latest = max(datetime.fromisoformat(s["stored"]) for s in batch.statements)
    assert datetime.fromisoformat(batch.cursor) == latest

    # The next import starts at the cursor: nothing new, then only what came after.
    with client_for(ralph) as client:
        assert client.fetch_statements([COURSE], since=batch.cursor).statements == []
        time.sleep(0.01)
        later = statement("terminated", f"{COURSE}/au")
        post(ralph, [later, statement("terminated", f"{OTHER_COURSE}/au")])
        again = client.fetch_statements([COURSE], since=batch.cursor)
    assert [s["id"] for s in again.statements] == [later["id"]]
    assert datetime.fromisoformat(again.cursor) > datetime.fromisoformat(batch.cursor)


def test_a_statement_naming_several_of_our_activities_is_imported_once(ralph):
    unit = f"https://ld-workbench.invalid/xapi/courses/safety-{uuid.uuid4()}"
    both = statement("answered", f"{unit}/items/q1", grouping=[unit])
    post(ralph, [both])
    with client_for(ralph) as client:
        batch = client.fetch_statements([unit, f"{unit}/items/q1"])
    assert [s["id"] for s in batch.statements] == [both["id"]]


def test_wrong_password_is_a_clear_error_without_the_secret(ralph, caplog):
    caplog.set_level(logging.DEBUG)
    with client_for(ralph, password="not-the-password") as client, pytest.raises(LrsAuthenticationFailed) as error:
        client.fetch_statements([COURSE])
    message = str(error.value)
    assert message == (f"the LRS at {ralph.endpoint} refused the credentials of 'workbench' (401); "
                       "check WORKBENCH_LRS_USERNAME and WORKBENCH_LRS_PASSWORD")
    assert "not-the-password" not in message + caplog.text + repr(client)


def test_client_from_settings_reads_the_secret_and_never_shows_it(ralph):
    settings = Settings(lrs_url=ralph.endpoint, lrs_username=ralph.username, lrs_password=ralph.password, lrs_max_retries=0)
    with LrsClient.from_settings(settings) as client:
        assert ralph.password not in repr(client) and ralph.password not in repr(settings)
        assert isinstance(client.fetch_statements([COURSE]).statements, list)


def test_credentials_in_the_url_are_refused():
    with pytest.raises(LrsError, match="put the LRS user name and password in settings"):
        LrsClient("https://user:secret@lrs.example.org/xAPI/")


# --------------------------------------------------------------------------- faults

def _page(*statements, more: str | None = None) -> dict:
    return {"statements": list(statements), **({"more": more} if more else {})}


OURS = statement("passed", f"{COURSE}/au")


def test_5xx_answers_are_retried_with_back_off_then_succeed():
    sleeps: list[float] = []
    with ScriptedLrs([(503, "busy"), (502, "bad gateway"), (200, _page(OURS))]) as lrs:
        with LrsClient(lrs.endpoint, max_retries=3, backoff_seconds=0.05, sleep=sleeps.append) as client:
            batch = client.fetch_statements([COURSE])
    assert [s["id"] for s in batch.statements] == [OURS["id"]]
    assert sleeps == [0.05, 0.1]
    assert len(lrs.requests) == 3


def test_an_lrs_that_keeps_failing_is_reported_after_every_retry():
    sleeps: list[float] = []
    with ScriptedLrs([(500, "down")] * 4) as lrs, LrsClient(lrs.endpoint, max_retries=3, backoff_seconds=0.01, sleep=sleeps.append) as client:
        with pytest.raises(LrsUnavailable) as error:
            client.fetch_statements([COURSE])
    assert str(error.value) == (f"the LRS at {lrs.endpoint} answered 500 Internal Server Error on each of 4 attempts; "
                                "nothing was imported")
    assert sleeps == [0.01, 0.02, 0.04]


def test_timeouts_are_retried_then_reported():
    with ScriptedLrs([("sleep", 1.0), ("sleep", 1.0)]) as lrs:
        with LrsClient(lrs.endpoint, timeout_seconds=0.2, max_retries=1, backoff_seconds=0.0) as client:
            with pytest.raises(LrsUnavailable, match="timed out on each of 2 attempts; nothing was imported"):
                client.fetch_statements([COURSE])


def test_a_failure_on_a_later_page_imports_nothing():
    first = _page(OURS, more="/xAPI/statements?page=2")
    with ScriptedLrs([(200, first)] + [(503, "gone")] * 3) as lrs:
        with LrsClient(lrs.endpoint, max_retries=2, backoff_seconds=0.0) as client:
            with pytest.raises(LrsUnavailable):
                client.fetch_statements([COURSE])
    assert lrs.requests[1] == "/xAPI/statements?page=2"


def test_a_next_page_on_another_server_is_refused():
    hostile = _page(OURS, more="http://198.51.100.7/xAPI/statements?page=2")
    with ScriptedLrs([(200, hostile)]) as lrs, LrsClient(lrs.endpoint, max_retries=0) as client:
        with pytest.raises(LrsResponseInvalid, match=r"pointed its next page to another server \(198\.51\.100\.7\); refused"):
            client.fetch_statements([COURSE])


@pytest.mark.parametrize("status, body, message", [
    (200, "<html>not json</html>", "answered 200 with something that is not JSON"),
    (200, {"more": ""}, "answered without a list of statements"),
    (400, "bad \x1b[31mrequest\x1b[0m\n", "answered 400: bad  [31mrequest [0m"),
])
def test_answers_that_are_not_statement_results_are_clear_errors(status, body, message):
    with ScriptedLrs([(status, body)]) as lrs, LrsClient(lrs.endpoint, max_retries=0) as client:
        with pytest.raises(LrsError) as error:
            client.fetch_statements([COURSE])
    assert message in str(error.value)
    assert "\x1b" not in str(error.value)  # nothing from the LRS reaches a terminal raw


def test_since_must_be_a_time():
    with LrsClient("http://127.0.0.1:9/xAPI/") as client, pytest.raises(LrsError, match="is not an ISO 8601 time"):
        client.fetch_statements([COURSE], since="yesterday")


def test_the_lrs_can_be_asked_to_filter_by_each_activity():
    with ScriptedLrs([(200, _page(OURS)), (200, _page(OURS))]) as lrs:
        with LrsClient(lrs.endpoint, max_retries=0, filter_on_server=True, page_size=50) as client:
            batch = client.fetch_statements([COURSE, OTHER_COURSE], since="2026-01-01T00:00:00+00:00")
    assert [s["id"] for s in batch.statements] == [OURS["id"]]  # found twice, kept once
    queries = [httpx.URL(path).params for path in lrs.requests]
    assert [(q["activity"], q["related_activities"], q["limit"], q["since"]) for q in queries] == [
        (COURSE, "true", "50", "2026-01-01T00:00:00+00:00"), (OTHER_COURSE, "true", "50", "2026-01-01T00:00:00+00:00")]


def test_statements_older_than_the_cursor_are_dropped_even_if_the_lrs_returns_them():
    cursor = datetime(2026, 1, 1, tzinfo=timezone.utc)
    old = {**statement("answered", f"{COURSE}/items/q1"), "stored": (cursor - timedelta(seconds=1)).isoformat()}
    new = {**statement("answered", f"{COURSE}/items/q2"), "stored": (cursor + timedelta(seconds=1)).isoformat()}
    with ScriptedLrs([(200, _page(old, new))]) as lrs, LrsClient(lrs.endpoint, max_retries=0) as client:
        batch = client.fetch_statements([COURSE], since=cursor.isoformat())
    assert [s["id"] for s in batch.statements] == [new["id"]]
    assert batch.cursor == new["stored"]
