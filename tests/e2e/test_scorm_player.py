"""The SCORM 1.2 package runs in headless Chromium: inside a stub LMS it reports score and status,
alone in a plain browser it still works, and untrusted markdown in it stays inert."""

from __future__ import annotations

import functools
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from workbench.domain.drafts import DraftContent
from workbench.exports.service import ExportFormat, ExportService
from workbench.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE_DRAFT = Path(__file__).resolve().parents[1] / "unit" / "exports" / "data" / "sample_draft.json"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]

# A stand-in LMS: the course runs in a frame of this page, which offers the SCORM 1.2 API and records every call.
STUB_LMS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Stub LMS</title>
<script>
window.calls = [];
window.cmi = {"cmi.core.lesson_status": "not attempted"};
function record(name, args, result) { window.calls.push([name].concat(Array.prototype.slice.call(args))); return result; }
window.API = {
  LMSInitialize: function () { return record("LMSInitialize", arguments, "true"); },
  LMSFinish: function () { return record("LMSFinish", arguments, "true"); },
  LMSGetValue: function (key) { return record("LMSGetValue", arguments, window.cmi[key] || ""); },
  LMSSetValue: function (key, value) { window.cmi[key] = value; return record("LMSSetValue", arguments, "true"); },
  LMSCommit: function () { return record("LMSCommit", arguments, "true"); },
  LMSGetLastError: function () { return "0"; },
  LMSGetErrorString: function () { return "No error"; },
  LMSGetDiagnostic: function () { return ""; }
};
</script></head>
<body><h1>Stub LMS</h1><iframe id="course" src="wrapper.html" width="1000" height="800"></iframe></body></html>
"""
# One more frame level, as many LMSs nest the course: the runtime must walk up the parents.
WRAPPER_PAGE = """<!DOCTYPE html><html><body><iframe src="course/index.html" width="980" height="780"></iframe></body></html>"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="module")
def scorm_site(tmp_path_factory):
    """The exported package unpacked next to the stub LMS, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("scorm_site")
    content = DraftContent.model_validate_json(SAMPLE_DRAFT.read_text(encoding="utf-8"))
    service = ExportService(Settings(library_dir=root / "library", data_dir=root / "data"))
    package = service.export(content, ExportFormat.SCORM12, root / "course.zip")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "course")
    (root / "lms.html").write_text(STUB_LMS_PAGE, encoding="utf-8")
    (root / "wrapper.html").write_text(WRAPPER_PAGE, encoding="utf-8")
    # Some LMSs open the course in a new window instead: the API is then found through window.opener.
    (root / "lms_popup.html").write_text(STUB_LMS_PAGE.replace(
        '<iframe id="course" src="wrapper.html" width="1000" height="800"></iframe>', ""), encoding="utf-8")
    (root / "favicon.ico").write_bytes(b"")  # the browser asks for it; a 404 would show as a console error
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def _watch(page):
    """Collect page errors, console errors and every requested URL."""
    seen = {"errors": [], "requests": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda message: seen["errors"].append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: seen["requests"].append(request.url))
    return seen


def _answer_quiz(frame) -> None:
    # q1: the 25% partial-credit option; q2: both keys; q3: False (correct); q4: a case-insensitive answer; q5: both halves.
    frame.locator("input[name='q1'][value='3']").check()
    frame.locator("input[name='q2'][value='0']").check()
    frame.locator("input[name='q2'][value='1']").check()
    frame.locator("input[name='q3'][value='1']").check()
    frame.locator("input[name='q4']").fill("  sbi ")
    frame.locator("input[name='q5'][value='0']").check()
    frame.locator("input[name='q5'][value='1']").check()
    frame.locator("#submit-quiz").click()


def test_course_reports_score_and_status_to_the_lms(browser, scorm_site):
    root, base_url = scorm_site
    page = browser.new_page()
    seen = _watch(page)
    page.goto(f"{base_url}/lms.html")
    frame = page.frame_locator("#course").frame_locator("iframe")
    frame.locator("body[data-lms='connected']").wait_for(timeout=10_000)
    _answer_quiz(frame)
    result = frame.locator("#quiz-result")
    result.locator(".recorded").wait_for(timeout=10_000)

    # (25 + 100 + 100 + 100 + 100) / 5 = 85, above the 80% pass mark.
    assert result.get_attribute("data-score") == "85"
    assert result.get_attribute("data-passed") == "true"
    calls = page.evaluate("window.calls")
    names = [call[0] for call in calls]
    assert names[0] == "LMSInitialize"
    values = {call[1]: call[2] for call in calls if call[0] == "LMSSetValue"}
    assert values["cmi.core.score.raw"] == "85"
    assert values["cmi.core.score.min"] == "0"
    assert values["cmi.core.score.max"] == "100"
    assert values["cmi.core.lesson_status"] == "passed"
    assert "LMSCommit" in names and names[-1] == "LMSFinish"
    assert names.index("LMSCommit") < names.index("LMSFinish")
    # Feedback is shown: the chosen option's feedback and the general feedback.
    assert "bias matters" in frame.locator("#question-1 .feedback").inner_text()
    assert "Specific and timely" in frame.locator("#question-2 .feedback").inner_text()
    assert seen["errors"] == []
    page.close()


def test_failing_score_is_reported_as_failed(browser, scorm_site):
    _, base_url = scorm_site
    page = browser.new_page()
    page.goto(f"{base_url}/lms.html")
    frame = page.frame_locator("#course").frame_locator("iframe")
    frame.locator("body[data-lms='connected']").wait_for(timeout=10_000)
    frame.locator("input[name='q3'][value='0']").check()  # the wrong answer, nothing else
    frame.locator("#submit-quiz").click()
    frame.locator("#quiz-result .recorded").wait_for(timeout=10_000)
    values = {call[1]: call[2] for call in page.evaluate("window.calls") if call[0] == "LMSSetValue"}
    assert values["cmi.core.score.raw"] == "0"
    assert values["cmi.core.lesson_status"] == "failed"
    page.close()


def test_course_opened_in_a_new_window_finds_the_api_of_its_opener(browser, scorm_site):
    _, base_url = scorm_site
    page = browser.new_page()
    page.goto(f"{base_url}/lms_popup.html")
    with page.expect_popup() as popup_info:
        page.evaluate("window.open('course/index.html', 'course')")
    course = popup_info.value
    course.locator("body[data-lms='connected']").wait_for(timeout=10_000)
    _answer_quiz(course)
    course.locator("#quiz-result .recorded").wait_for(timeout=10_000)
    values = {call[1]: call[2] for call in page.evaluate("window.calls") if call[0] == "LMSSetValue"}
    assert values["cmi.core.score.raw"] == "85" and values["cmi.core.lesson_status"] == "passed"
    assert page.evaluate("window.calls")[-1][0] == "LMSFinish"
    course.close()
    page.close()


def test_course_works_offline_without_an_lms(browser, scorm_site):
    root, _ = scorm_site
    page = browser.new_page()
    seen = _watch(page)
    page.goto((root / "course" / "index.html").as_uri())
    page.locator("body[data-lms='offline']").wait_for(timeout=10_000)
    assert "Not connected" in page.locator("#lms-status").inner_text()
    _answer_quiz(page)
    assert page.locator("#quiz-result").get_attribute("data-score") == "85"
    assert "85%" in page.locator("#quiz-result").inner_text()
    assert seen["errors"] == []
    page.close()


def test_untrusted_markdown_in_the_course_stays_inert(browser, scorm_site):
    _, base_url = scorm_site
    page = browser.new_page()
    seen = _watch(page)
    page.goto(f"{base_url}/course/index.html")
    page.locator("body[data-lms='offline']").wait_for(timeout=10_000)
    # The module body holds <script>, <img onerror>, a javascript: link and an external image.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "<script>window.__xss = 1</script>" in page.locator("#page-3").inner_text()
    assert all(url.startswith(base_url) for url in seen["requests"]), seen["requests"]
    page.close()
