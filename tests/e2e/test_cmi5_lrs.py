"""The cmi5 package, launched the cmi5 way in headless Chromium, reports to a real learning record store.

The test plays the LMS: it serves the unit and its fetch URL on loopback, starts ralph (an xAPI LRS,
file-system backend) on another port, launches the unit with endpoint, fetch, actor, registration
and activityId on the query string, answers as a scripted learner, then reads the statements back
from ralph's statements API and validates each against ralph's xAPI models.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import httpx
import pytest

from tests.e2e.lms_support import answer_quiz, chromium, sample_content, unpack, watch
from tests.lrs_support import ralph_missing_reason, running_ralph, skip_unless_ci, validate_with_ralph_models
from workbench.exports.cmi5 import course_activity_id
from workbench.exports.service import ExportFormat, render_export, source_from_draft

pytestmark = pytest.mark.browser

CMI5 = "{https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd}"
CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
VERB = "http://adlnet.gov/expapi/verbs/"


class _LmsHandler(http.server.SimpleHTTPRequestHandler):
    """The LMS side on loopback: static files; the cmi5 fetch URL (the first POST for a session gets
    the token, later ones the cmi5 error); and, under /lms-xapi/, an LRS front as a cmi5 LMS offers
    one: the LMS.LaunchData state document it wrote at launch, and statements passed on to ralph."""

    token = ""
    ralph_statements = ""
    fetches: list[str] = []
    launch_data: dict[str, dict] = {}

    def do_GET(self):  # noqa: N802 - name of the base class' dispatch
        if self.path.startswith("/lms-xapi/activities/state?"):
            query = httpx.URL(self.path).params
            data = self.launch_data.get(query.get("registration", ""))
            if query.get("stateId") != "LMS.LaunchData" or data is None:
                self.send_error(404)
                return
            self._send(200, json.dumps(data).encode())
            return
        super().do_GET()

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.startswith("/lms-xapi/statements"):
            forwarded = httpx.post(self.ralph_statements, content=body, timeout=30, headers={
                name: self.headers[name] for name in ("Authorization", "Content-Type", "X-Experience-API-Version") if self.headers[name]})
            self._send(forwarded.status_code, forwarded.content)
            return
        if not self.path.startswith("/fetch"):
            self.send_error(404)
            return
        first = self.path not in self.fetches
        self.fetches.append(self.path)
        answer = {"auth-token": self.token} if first else {"error-code": "1", "error-text": "already fetched"}
        self._send(200, json.dumps(answer).encode())

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """The unit served on loopback, ralph beside it, and a way to launch the unit for a new learner."""
    reason = ralph_missing_reason()
    if reason:
        skip_unless_ci(reason)
    root = tmp_path_factory.mktemp("cmi5")
    export = render_export(source_from_draft(sample_content()), ExportFormat.CMI5)
    unpack(export.data, root / "site" / "course")
    unpack(render_export(source_from_draft(sample_content(items=[])), ExportFormat.CMI5).data, root / "site" / "plain")
    base = sample_content().assessment.items
    long_quiz = [base[n % len(base)].model_copy(update={"id": f"q{n + 1}"}) for n in range(300)]
    long_export = render_export(source_from_draft(sample_content(items=long_quiz)), ExportFormat.CMI5)
    assert long_export.notes == ()  # xAPI has no interaction limit
    unpack(long_export.data, root / "site" / "long")
    (root / "site" / "favicon.ico").write_bytes(b"")
    handler = type("Handler", (_LmsHandler,), {"fetches": [], "launch_data": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with running_ralph(root / "ralph", cors_origins=[base_url]) as ralph:
            handler.token = base64.b64encode(f"{ralph.username}:{ralph.password}".encode()).decode()
            handler.ralph_statements = ralph.statements_url
            with chromium() as browser:
                yield {"root": root, "base_url": base_url, "ralph": ralph, "browser": browser, "handler": handler}
    finally:
        server.shutdown()
        server.server_close()


def _launch_url(lms: dict, registration: str, actor: dict, activity_id: str, endpoint: str = "", unit: str = "course") -> str:
    query = urlencode({
        "endpoint": endpoint or lms["ralph"].endpoint,
        "fetch": f"{lms['base_url']}/fetch?session={registration}",
        "actor": json.dumps(actor),
        "registration": registration,
        "activityId": activity_id,
    })
    return f"{lms['base_url']}/{unit}/index.html?{query}"


def _statements(ralph, registration: str) -> list[dict]:
    """Every statement of one registration, read back through ralph's statements API (following `more`)."""
    found, url = [], ralph.statements_url + "?limit=100"
    with httpx.Client(auth=(ralph.username, ralph.password), headers={"X-Experience-API-Version": "1.0.3"}) as client:
        while url:
            page = client.get(url).raise_for_status().json()
            found.extend(page["statements"])
            url = str(httpx.URL(ralph.endpoint).join(page["more"])) if page.get("more") and page["statements"] else ""
    return [statement for statement in found if statement.get("context", {}).get("registration") == registration]


def test_unit_reports_its_session_to_the_lrs_and_every_statement_validates(lms):
    course_xml = ET.parse(lms["root"] / "site" / "course" / "cmi5.xml").getroot()
    course_id = course_xml.find(f"{CMI5}course").get("id")
    unit = course_xml.find(f"{CMI5}au")
    assert course_id == course_activity_id("feedback-quiz")
    assert (unit.get("moveOn"), unit.get("masteryScore"), unit.findtext(f"{CMI5}url")) == ("Passed", "0.8", "index.html")
    # The LMS launches the unit with an activity id of its own; the package's ids travel in grouping.
    activity_id = f"https://lms.example.invalid/activities/{uuid.uuid4()}"
    registration = str(uuid.uuid4())
    actor = {"objectType": "Agent", "name": "Sam Learner", "account": {"homePage": "https://lms.example.invalid", "name": "sam"}}
    page = lms["browser"].new_page()
    seen = watch(page)
    posts = []
    page.on("response", lambda response: posts.append(response.status) if response.request.method == "POST" and "/xAPI/statements" in response.url else None)
    refused = []
    page.on("response", lambda response: refused.append((response.status, response.url)) if response.status >= 400 else None)
    page.goto(_launch_url(lms, registration, actor, activity_id))
    page.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    answer_quiz(page)
    page.locator("#quiz-result .recorded").wait_for(timeout=15_000)
    assert page.locator("#quiz-result").get_attribute("data-score") == "85"
    page.close()

    statements = _statements(lms["ralph"], registration)
    verbs = [statement["verb"]["id"].removeprefix(VERB) for statement in statements]
    assert verbs == ["initialized"] + ["answered"] * 5 + ["passed", "terminated"]
    assert posts and all(status == 200 for status in posts), posts  # every POST accepted by the LRS
    assert validate_with_ralph_models(statements) == []
    assert lms["handler"].fetches.count(f"/fetch?session={registration}") == 1  # the token is fetched once

    sessions = {statement["context"]["extensions"][SESSION] for statement in statements}
    assert len(sessions) == 1 and all(statement["actor"] == actor for statement in statements)
    for statement in statements:
        grouping = {activity["id"] for activity in statement["context"]["contextActivities"]["grouping"]}
        assert {course_id, unit.get("id")} <= grouping
        categories = {c["id"] for c in statement["context"]["contextActivities"].get("category", [])}
        cmi5_defined = statement["verb"]["id"] != VERB + "answered"
        assert (CATEGORY_CMI5 in categories) == cmi5_defined  # only cmi5-defined statements carry the category
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*Z", statement["timestamp"])
        if cmi5_defined:
            assert statement["object"]["id"] == activity_id

    answered = [statement for statement in statements if statement["verb"]["id"] == VERB + "answered"]
    objects = [statement["object"]["id"] for statement in answered]
    assert objects == [f"{course_id}/items/q{n}" for n in range(1, 6)]  # the item ids of the other exports
    objectives = [statement["context"]["contextActivities"]["other"][0]["id"] for statement in answered]
    assert objectives == [f"{course_id}/objectives/{o}" for o in ("o1", "o1", "o2", "o2", "o2")]
    assert [statement["context"]["contextActivities"]["parent"][0]["id"] for statement in answered] == [activity_id] * 5
    assert [(s["object"]["definition"]["interactionType"], s["result"]["response"], s["result"]["success"]) for s in answered] == [
        ("choice", "d", False), ("choice", "a[,]b", True), ("true-false", "false", True),
        ("fill-in", "sbi", True), ("choice", "a[,]b", True)]
    assert answered[0]["result"]["score"]["scaled"] == 0.25
    assert answered[0]["object"]["definition"]["correctResponsesPattern"] == ["a"]
    assert answered[3]["object"]["definition"]["correctResponsesPattern"] == ["{case_matters=false}SBI"]

    passed = statements[6]
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == 0.85
    assert passed["context"]["extensions"][MASTERY] == 0.8
    assert CATEGORY_MOVEON in {c["id"] for c in passed["context"]["contextActivities"]["category"]}
    assert re.fullmatch(r"PT\d+\.\d{2}S", statements[-1]["result"]["duration"])
    # ralph has no state API: the one refused request is the unit asking for LMS.LaunchData (it then
    # uses the package's own mastery score), which the browser also logs as a failed resource.
    assert [(status, url.split("?")[0]) for status, url in refused] == [(404, lms["ralph"].endpoint + "activities/state")]
    assert [error for error in seen["errors"] if "status of 404" not in error] == []


def test_a_failing_learner_gets_failed_then_terminated(lms):
    registration = str(uuid.uuid4())
    actor = {"objectType": "Agent", "account": {"homePage": "https://lms.example.invalid", "name": "kim"}}
    page = lms["browser"].new_page()
    page.goto(_launch_url(lms, registration, actor, f"https://lms.example.invalid/activities/{uuid.uuid4()}"))
    page.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    page.locator("input[name='q3'][value='0']").check()
    page.locator("#submit-quiz").click()
    page.locator("#quiz-result .recorded").wait_for(timeout=15_000)
    page.close()
    statements = _statements(lms["ralph"], registration)
    assert [s["verb"]["id"].removeprefix(VERB) for s in statements][-2:] == ["failed", "terminated"]
    failed = statements[-2]
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == 0
    # Unanswered questions carry no response (an empty one would not be valid xAPI).
    assert all("response" not in s["result"] for s in statements if s["verb"]["id"] == VERB + "answered" and not s["result"]["success"]
               and s["object"]["id"].endswith(("/q1", "/q2", "/q4", "/q5")))
    assert validate_with_ralph_models(statements) == []


LEARNER = {"objectType": "Agent", "account": {"homePage": "https://lms.example.invalid", "name": "lee"}}


def _launch_with_launch_data(lms: dict, launch_data: dict) -> tuple[str, str, object]:
    """Launch the unit for a new registration whose LMS.LaunchData the LMS front serves."""
    registration = str(uuid.uuid4())
    lms["handler"].launch_data[registration] = launch_data
    activity_id = f"https://lms.example.invalid/activities/{uuid.uuid4()}"
    page = lms["browser"].new_page()
    page.goto(_launch_url(lms, registration, LEARNER, activity_id, endpoint=f"{lms['base_url']}/lms-xapi/"))
    page.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    return registration, activity_id, page


def test_the_lms_launch_data_sets_session_context_and_mastery_score(lms):
    template = {
        "contextActivities": {"grouping": [{"id": "https://lms.example.invalid/courses/7", "objectType": "Activity"}]},
        "extensions": {SESSION: "lms-session-42"},
    }
    registration, activity_id, page = _launch_with_launch_data(lms, {
        "contextTemplate": template, "launchMode": "Normal", "masteryScore": 0.9, "moveOn": "Passed"})
    assert page.locator("#pass-mark").inner_text() == "90"  # the LMS's mastery score, not the package's 80
    answer_quiz(page)
    page.locator("#quiz-result .recorded").wait_for(timeout=15_000)
    assert "90% needed" in page.locator("#quiz-result").inner_text()
    page.close()
    statements = _statements(lms["ralph"], registration)
    assert [s["verb"]["id"].removeprefix(VERB) for s in statements] == ["initialized"] + ["answered"] * 5 + ["failed", "terminated"]
    assert {s["context"]["extensions"][SESSION] for s in statements} == {"lms-session-42"}
    for statement in statements:
        grouping = [activity["id"] for activity in statement["context"]["contextActivities"]["grouping"]]
        assert grouping[0] == "https://lms.example.invalid/courses/7" and course_activity_id("feedback-quiz") in grouping
    failed = statements[-2]
    assert failed["result"]["score"]["scaled"] == 0.85 and failed["context"]["extensions"][MASTERY] == 0.9
    assert validate_with_ralph_models(statements) == []


def test_in_browse_mode_only_the_session_is_reported(lms):
    registration, _, page = _launch_with_launch_data(lms, {"contextTemplate": {}, "launchMode": "Browse"})
    answer_quiz(page)
    page.locator("#quiz-result .recorded").wait_for(timeout=15_000)
    page.close()
    statements = _statements(lms["ralph"], registration)
    assert [s["verb"]["id"].removeprefix(VERB) for s in statements] == ["initialized", "terminated"]
    assert validate_with_ralph_models(statements) == []


def test_a_unit_without_questions_is_completed_then_terminated_when_left(lms):
    registration = str(uuid.uuid4())
    page = lms["browser"].new_page()
    page.goto(_launch_url(lms, registration, LEARNER, f"https://lms.example.invalid/activities/{uuid.uuid4()}", unit="plain"))
    page.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    deadline = time.monotonic() + 15
    while len(_statements(lms["ralph"], registration)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [s["verb"]["id"].removeprefix(VERB) for s in _statements(lms["ralph"], registration)] == ["initialized", "completed"]
    page.goto("about:blank")  # the learner leaves: `terminated` goes out with the page
    while len(_statements(lms["ralph"], registration)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    page.close()
    statements = _statements(lms["ralph"], registration)
    assert [s["verb"]["id"].removeprefix(VERB) for s in statements] == ["initialized", "completed", "terminated"]
    assert statements[1]["result"]["completion"] is True
    assert CATEGORY_MOVEON in {c["id"] for c in statements[1]["context"]["contextActivities"]["category"]}
    assert validate_with_ralph_models(statements) == []


@pytest.mark.slow
def test_a_300_question_unit_reports_every_answer(lms):
    registration = str(uuid.uuid4())
    page = lms["browser"].new_page()
    page.goto(_launch_url(lms, registration, LEARNER, f"https://lms.example.invalid/activities/{uuid.uuid4()}", unit="long"))
    page.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    assert page.locator("fieldset.question").count() == 300
    page.locator("#submit-quiz").click()
    page.locator("#quiz-result .recorded").wait_for(timeout=60_000)
    page.close()
    statements = _statements(lms["ralph"], registration)
    verbs = [s["verb"]["id"].removeprefix(VERB) for s in statements]
    assert verbs == ["initialized"] + ["answered"] * 300 + ["failed", "terminated"]
    assert statements[300]["object"]["id"] == f"{course_activity_id('feedback-quiz')}/items/q300"
    assert validate_with_ralph_models(statements) == []


def test_unit_opened_without_a_cmi5_launch_works_offline(lms):
    page = lms["browser"].new_page()
    seen = watch(page)
    page.goto(f"{lms['base_url']}/course/index.html")
    page.locator("body[data-lms='offline']").wait_for(timeout=10_000)
    answer_quiz(page)
    assert page.locator("#quiz-result").get_attribute("data-score") == "85"
    assert not any("/xAPI/" in url for url in seen["requests"])
    assert seen["errors"] == []
    page.close()
