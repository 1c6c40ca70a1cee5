"""The SCORM 1.2 and SCORM 2004 packages run in headless Chromium under scorm-again, an independent
runtime that validates the data model: every value the course sets is accepted, status, score and
one interaction per question are recorded in the format of each version, and the API is only used
between Initialize and Finish. Alone in a plain browser the course still works, and untrusted
markdown in it stays inert."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.e2e.lms_support import RUNTIMES, answer_quiz, build_lms_site, chromium, sample_content, serve_directory, unpack, watch
from workbench.domain.drafts import DraftContent
from workbench.exports.service import ExportFormat, render_export, source_from_draft

pytestmark = pytest.mark.browser

VERSIONS = [ExportFormat.SCORM12, ExportFormat.SCORM2004]
IMSSS = "{http://www.imsglobal.org/xsd/imsss}"

# What each answered question must be recorded as, per version (see answer_quiz for the answers).
EXPECTED_INTERACTIONS = {
    ExportFormat.SCORM12: [
        # id, type, objective, response, result, correct patterns
        ("q1", "choice", "o1", "d", "0.25", ["a"]),
        ("q2", "choice", "o1", "a,b", "correct", ["a,b"]),
        ("q3", "true-false", "o2", "f", "correct", ["f"]),
        ("q4", "fill-in", "o2", "sbi", "correct", ["SBI"]),
        ("q5", "choice", "o2", "a,b", "correct", ["a,b"]),
    ],
    ExportFormat.SCORM2004: [
        ("q1", "choice", "o1", "d", "0.25", ["a"]),
        ("q2", "choice", "o1", "a[,]b", "correct", ["a[,]b"]),
        ("q3", "true-false", "o2", "false", "correct", ["false"]),
        ("q4", "fill-in", "o2", "sbi", "correct", ["{case_matters=false}SBI"]),
        ("q5", "choice", "o2", "a[,]b", "correct", ["a[,]b"]),
    ],
}

# The SCORM 1.2 data model's own formats (RTE 3.4), stricter than scorm-again's relaxed 1.2 checks.
SCORM12_FORMATS = {
    "id": r"[A-Za-z0-9_\-]{1,255}",
    "time": r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?",
    "result": r"correct|wrong|unanticipated|neutral|\d{0,3}(\.\d+)?",
    "weighting": r"-?\d+(\.\d+)?",
    "response": {"choice": r"[0-9a-z](,[0-9a-z])*", "true-false": r"[01tf]", "fill-in": r".{0,255}"},
}


def passing_score_preload(package: bytes, tmp: Path) -> str:
    """What an LMS does on import of a SCORM 2004 package: cmi.scaled_passing_score from the manifest."""
    manifest = ET.parse(unpack(package, tmp) / "imsmanifest.xml").getroot()
    measure = manifest.find(f".//{IMSSS}primaryObjective/{IMSSS}minNormalizedMeasure")
    return f'api.cmi.scaled_passing_score = "{measure.text}";' if measure is not None else ""


def site_for(root: Path, fmt: ExportFormat, content: DraftContent, passing_score: int = 80, lms_passing: str | None = None):
    """Export `content` and lay it out under scorm-again; returns (site folder, export notes)."""
    export = render_export(source_from_draft(content), fmt, passing_score)
    preload = ""
    if fmt == ExportFormat.SCORM2004:
        preload = passing_score_preload(export.data, root / "manifest") if lms_passing is None else f'api.cmi.scaled_passing_score = "{lms_passing}";'
    return build_lms_site(root / "site", fmt.value, export.data, preload), export.notes


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module", params=VERSIONS, ids=[fmt.value for fmt in VERSIONS])
def sample_site(request, tmp_path_factory):
    """The sample course of one SCORM version, served with scorm-again on 127.0.0.1."""
    root, _ = site_for(tmp_path_factory.mktemp(request.param.value), request.param, sample_content())
    with serve_directory(root) as base_url:
        yield request.param, root, base_url


def _open_course(page, base_url: str):
    page.goto(f"{base_url}/lms.html")
    frame = page.frame_locator("#course").frame_locator("iframe")
    frame.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    return frame


def assert_clean_session(calls: list[dict], fmt: ExportFormat, logs: list) -> None:
    """Every call accepted by scorm-again, Initialize first, Finish/Terminate last and once."""
    runtime = RUNTIMES[fmt.value]
    rejected = [call for call in calls if call["error"] != "0" or (call["name"] == runtime["set"] and call["result"] != "true")]
    assert rejected == [], rejected
    assert logs == [], logs  # scorm-again logs every data-model error it raises
    names = [call["name"] for call in calls]
    assert names[0] == runtime["initialize"] and names.count(runtime["initialize"]) == 1
    assert names[-1] == runtime["terminate"] and names.count(runtime["terminate"]) == 1


def test_course_reports_status_score_and_interactions_under_scorm_again(browser, sample_site):
    fmt, _, base_url = sample_site
    page = browser.new_page()
    seen = watch(page)
    frame = _open_course(page, base_url)
    before = page.evaluate("window.cmiSnapshot()")
    answer_quiz(frame)
    result = frame.locator("#quiz-result")
    result.locator(".recorded").wait_for(timeout=15_000)

    # (25 + 100 + 100 + 100 + 100) / 5 = 85, above the 80% pass mark.
    assert result.get_attribute("data-score") == "85" and result.get_attribute("data-passed") == "true"
    calls = page.evaluate("window.calls")
    assert_clean_session(calls, fmt, page.evaluate("window.logs"))
    cmi = page.evaluate("window.cmiSnapshot()")
    if fmt == ExportFormat.SCORM12:
        assert before["core"]["lesson_status"] == "incomplete"
        assert cmi["core"]["lesson_status"] == "passed"
        assert cmi["core"]["score"] == {"raw": "85", "min": "0", "max": "100"}
        assert re.fullmatch(r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?", cmi["core"]["session_time"])
    else:
        # Completion and success are separate: incomplete/unknown at start, completed/passed at the end.
        assert (before["completion_status"], before["success_status"]) == ("incomplete", "unknown")
        assert (cmi["completion_status"], cmi["success_status"]) == ("completed", "passed")
        assert cmi["score"] == {"scaled": "0.85", "raw": "85", "min": "0", "max": "100"}
        assert cmi["exit"] == "normal" and re.fullmatch(r"PT\d+H\d+M\d+S", cmi["session_time"])
    interactions = [cmi["interactions"][str(index)] for index in range(len(cmi["interactions"]))]
    response_key = "student_response" if fmt == ExportFormat.SCORM12 else "learner_response"
    recorded = [
        (i["id"], i["type"], i["objectives"]["0"]["id"], i[response_key], i["result"],
         [i["correct_responses"][str(n)]["pattern"] for n in range(len(i["correct_responses"]))])
        for i in interactions
    ]
    assert recorded == EXPECTED_INTERACTIONS[fmt]
    for interaction in interactions:
        assert interaction["weighting"] == "1"
        if fmt == ExportFormat.SCORM12:
            for key in ("id", "time", "result", "weighting"):
                assert re.fullmatch(SCORM12_FORMATS[key], interaction[key]), (key, interaction[key])
            response_format = SCORM12_FORMATS["response"][interaction["type"]]
            assert re.fullmatch(response_format, interaction["student_response"])
            assert re.fullmatch(SCORM12_FORMATS["id"], interaction["objectives"]["0"]["id"])
        else:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{2}Z", interaction["timestamp"])
    # Feedback is shown: the chosen option's feedback and the general feedback.
    assert "bias matters" in frame.locator("#question-1 .feedback").inner_text()
    assert "Specific and timely" in frame.locator("#question-2 .feedback").inner_text()
    assert seen["errors"] == []
    page.close()


def test_failing_score_is_reported_as_failed(browser, sample_site):
    fmt, _, base_url = sample_site
    page = browser.new_page()
    frame = _open_course(page, base_url)
    frame.locator("input[name='q3'][value='0']").check()  # the wrong answer, nothing else
    frame.locator("#submit-quiz").click()
    frame.locator("#quiz-result .recorded").wait_for(timeout=15_000)
    assert_clean_session(page.evaluate("window.calls"), fmt, page.evaluate("window.logs"))
    cmi = page.evaluate("window.cmiSnapshot()")
    if fmt == ExportFormat.SCORM12:
        assert (cmi["core"]["score"]["raw"], cmi["core"]["lesson_status"]) == ("0", "failed")
    else:
        assert (cmi["score"]["scaled"], cmi["completion_status"], cmi["success_status"]) == ("0", "completed", "failed")
    # Unanswered questions are recorded too, with a result and without a response.
    first = cmi["interactions"]["0"]
    assert first["result"] == "wrong" if fmt == ExportFormat.SCORM12 else first["result"] == "incorrect"
    page.close()


def test_scorm2004_course_follows_the_passing_score_the_lms_sets(browser, tmp_path):
    # The LMS, not the package, has the last word: with 90% required, 85% fails.
    root, _ = site_for(tmp_path, ExportFormat.SCORM2004, sample_content(), lms_passing="0.9")
    with serve_directory(root) as base_url:
        page = browser.new_page()
        frame = _open_course(page, base_url)
        assert frame.locator("#pass-mark").inner_text() == "90"
        answer_quiz(frame)
        frame.locator("#quiz-result .recorded").wait_for(timeout=15_000)
        cmi = page.evaluate("window.cmiSnapshot()")
        assert (cmi["score"]["scaled"], cmi["success_status"]) == ("0.85", "failed")
        assert "90% needed" in frame.locator("#quiz-result").inner_text()
        page.close()


def test_course_opened_in_a_new_window_finds_the_api_of_its_opener(browser, sample_site):
    fmt, _, base_url = sample_site
    page = browser.new_page()
    page.goto(f"{base_url}/popup.html")
    with page.expect_popup() as popup_info:
        page.evaluate("window.open('course/index.html', 'course')")
    course = popup_info.value
    course.locator("body[data-lms='connected']").wait_for(timeout=15_000)
    answer_quiz(course)
    course.locator("#quiz-result .recorded").wait_for(timeout=15_000)
    assert_clean_session(page.evaluate("window.calls"), fmt, page.evaluate("window.logs"))
    cmi = page.evaluate("window.cmiSnapshot()")
    raw = cmi["core"]["score"]["raw"] if fmt == ExportFormat.SCORM12 else cmi["score"]["raw"]
    assert raw == "85"
    course.close()
    page.close()


def test_course_works_offline_without_an_lms(browser, sample_site):
    _, root, _ = sample_site
    page = browser.new_page()
    seen = watch(page)
    page.goto((root / "course" / "index.html").as_uri())
    page.locator("body[data-lms='offline']").wait_for(timeout=10_000)
    assert "Not connected" in page.locator("#lms-status").inner_text()
    answer_quiz(page)
    assert page.locator("#quiz-result").get_attribute("data-score") == "85"
    assert "85%" in page.locator("#quiz-result").inner_text()
    assert seen["errors"] == []
    page.close()


def test_untrusted_markdown_in_the_course_stays_inert(browser, sample_site):
    _, _, base_url = sample_site
    page = browser.new_page()
    seen = watch(page)
    page.goto(f"{base_url}/course/index.html")
    page.locator("body[data-lms='offline']").wait_for(timeout=10_000)
    # The module body holds <script>, <img onerror>, a javascript: link and an external image.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "<script>window.__xss = 1</script>" in page.locator("#page-3").inner_text()
    assert all(url.startswith(base_url) for url in seen["requests"]), seen["requests"]
    page.close()


@pytest.mark.parametrize("fmt", VERSIONS, ids=[fmt.value for fmt in VERSIONS])
def test_a_module_without_questions_is_completed_and_finished_when_left(browser, tmp_path, fmt):
    content = sample_content(items=[])
    root, _ = site_for(tmp_path, fmt, content)
    with serve_directory(root) as base_url:
        page = browser.new_page()
        frame = _open_course(page, base_url)
        assert frame.locator("#page-quiz").is_hidden()
        cmi = page.evaluate("window.cmiSnapshot()")
        if fmt == ExportFormat.SCORM12:
            assert cmi["core"]["lesson_status"] == "completed"
        else:
            assert (cmi["completion_status"], cmi["success_status"]) == ("completed", "unknown")
        runtime = RUNTIMES[fmt.value]
        assert runtime["terminate"] not in [call["name"] for call in page.evaluate("window.calls")]
        page.evaluate("document.getElementById('course').src = 'about:blank'")  # the learner leaves the course
        page.wait_for_function(f"window.calls.some(function (c) {{ return c.name === '{runtime['terminate']}'; }})", timeout=15_000)
        assert_clean_session(page.evaluate("window.calls"), fmt, page.evaluate("window.logs"))
        page.close()


HOSTILE_TITLE = 'Close ]]> and </script><script>window.__xss=9</script> "quoted" \'single\' & שלום עולם'
HOSTILE_FEEDBACK = "Feedback ]]> </script> \"quotes\" & مرحبا"


@pytest.mark.parametrize("fmt", VERSIONS, ids=[fmt.value for fmt in VERSIONS])
def test_titles_and_feedback_that_break_xml_or_json_arrive_as_text(browser, tmp_path, fmt):
    content = sample_content(module={"title": HOSTILE_TITLE})
    items = content.assessment.items
    items[2] = items[2].model_copy(update={"general_feedback": HOSTILE_FEEDBACK})
    root, _ = site_for(tmp_path, fmt, content)
    manifest = ET.parse(root / "course" / "imsmanifest.xml").getroot()  # well-formed despite "]]>" and "&"
    assert [node.text for node in manifest.iter() if node.tag.endswith("title")] == [HOSTILE_TITLE, HOSTILE_TITLE]
    with serve_directory(root) as base_url:
        page = browser.new_page()
        seen = watch(page)
        frame = _open_course(page, base_url)
        assert frame.locator("h1").inner_text() == HOSTILE_TITLE
        answer_quiz(frame)
        frame.locator("#quiz-result .recorded").wait_for(timeout=15_000)
        assert HOSTILE_FEEDBACK in frame.locator("#question-3 .feedback").inner_text()
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert frame.locator("body").evaluate("() => typeof window.__xss") == "undefined"
        assert_clean_session(page.evaluate("window.calls"), fmt, page.evaluate("window.logs"))
        assert seen["errors"] == []
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", VERSIONS, ids=[fmt.value for fmt in VERSIONS])
def test_a_300_question_course_loads_and_records_the_first_250_interactions(browser, tmp_path, fmt):
    content = sample_content()
    base = content.assessment.items
    items = [base[n % len(base)].model_copy(update={"id": f"q{n + 1}"}) for n in range(300)]
    root, notes = site_for(tmp_path, fmt, sample_content(items=items))
    assert any("questions 251-300 (50) count in the score but are not recorded one by one" in note for note in notes), notes
    with serve_directory(root) as base_url:
        page = browser.new_page()
        frame = _open_course(page, base_url)
        assert frame.locator("fieldset.question").count() == 300
        frame.locator("#submit-quiz").click()
        frame.locator("#quiz-result .recorded").wait_for(timeout=60_000)
        assert_clean_session(page.evaluate("window.calls"), fmt, page.evaluate("window.logs"))
        cmi = page.evaluate("window.cmiSnapshot()")
        assert len(cmi["interactions"]) == 250
        assert cmi["interactions"]["249"]["id"] == "q250"
        page.close()
