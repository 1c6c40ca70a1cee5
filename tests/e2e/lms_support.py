"""What the course-package browser tests share: a loopback web server, headless Chromium, scorm-again.

scorm-again (npm) is the independent SCORM 1.2 / 2004 runtime the packages run under; `.ci/run`
installs it into .workbench/tools. The LMS pages built here put its API object on the window the
course is framed in, and record every call the course makes with the error code scorm-again sets.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import shutil
import threading
import zipfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.lrs_support import skip_unless_ci
from workbench.domain.drafts import DraftContent

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
SAMPLE_DRAFT = PROJECT_ROOT / "tests" / "unit" / "exports" / "data" / "sample_draft.json"
OBJECTIVES = {"q1": "o1", "q2": "o1", "q3": "o2", "q4": "o2", "q5": "o2"}
SCORM_AGAIN_DIST = PROJECT_ROOT / ".workbench" / "tools" / "node_modules" / "scorm-again" / "dist"

# Per SCORM version: the scorm-again bundle, its class, the window property the course looks for,
# and the API's function names.
RUNTIMES = {
    "scorm12": {
        "bundle": "scorm12.min.js", "class": "Scorm12API", "window": "API",
        "functions": ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit"],
        "error": "LMSGetLastError", "initialize": "LMSInitialize", "terminate": "LMSFinish", "set": "LMSSetValue",
    },
    "scorm2004": {
        "bundle": "scorm2004.min.js", "class": "Scorm2004API", "window": "API_1484_11",
        "functions": ["Initialize", "Terminate", "GetValue", "SetValue", "Commit"],
        "error": "GetLastError", "initialize": "Initialize", "terminate": "Terminate", "set": "SetValue",
    },
}

LMS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>LMS ({version})</title>
<script src="scorm-again/{bundle}"></script>
<script>
window.calls = [];
window.logs = [];
var api = new {klass}({{
  lmsCommitUrl: false,
  autocommit: false,
  strict_errors: true,
  logLevel: 4,
  onLogMessage: function (level, message) {{ window.logs.push([String(level), String(message)]); }}
}});
{preload}
// Record every call with the error code scorm-again set for it: the course talks to the real runtime.
{functions}.forEach(function (name) {{
  var original = api[name].bind(api);
  api[name] = function () {{
    var args = Array.prototype.slice.call(arguments).map(String);
    var result = original.apply(null, arguments);
    window.calls.push({{ name: name, args: args, result: String(result), error: String(api.{error}()) }});
    return result;
  }};
}});
window.{window} = api;
window.cmiSnapshot = function () {{ return JSON.parse(JSON.stringify(api.cmi)); }};
</script></head>
<body><h1>LMS</h1>{body}</body></html>
"""
# Many LMSs nest the course one frame deeper: the runtime must walk up the parents.
FRAMES = '<iframe id="course" src="wrapper.html" width="1000" height="800"></iframe>'
WRAPPER_PAGE = '<!DOCTYPE html><html><body><iframe src="course/index.html" width="980" height="780"></iframe></body></html>'


def lms_page(version: str, preload: str = "", framed: bool = True) -> str:
    """An LMS page for `version` that runs scorm-again; `preload` is script run before the course starts."""
    runtime = RUNTIMES[version]
    return LMS_PAGE.format(
        version=version, bundle=runtime["bundle"], klass=runtime["class"], window=runtime["window"],
        functions=json.dumps(runtime["functions"]), error=runtime["error"], preload=preload,
        body=FRAMES if framed else "",
    )


def require_scorm_again() -> Path:
    """The scorm-again bundles, or a skip that says how to install them."""
    if not (SCORM_AGAIN_DIST / "scorm12.min.js").is_file():
        skip_unless_ci(f"scorm-again is absent ({SCORM_AGAIN_DIST}): `npm install --prefix .workbench/tools scorm-again` (.ci/run does it)")
    return SCORM_AGAIN_DIST


def unpack(package: bytes | Path, target: Path) -> Path:
    """Extract a zip package (bytes or file) into `target`."""
    source = io.BytesIO(package) if isinstance(package, bytes) else package
    with zipfile.ZipFile(source) as archive:
        archive.extractall(target)
    return target


def build_lms_site(root: Path, version: str, package: bytes | Path, preload: str = "") -> Path:
    """A folder with scorm-again, the LMS page (lms.html, popup.html), the wrapper frame and the course."""
    dist = require_scorm_again()
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(dist, root / "scorm-again", dirs_exist_ok=True)
    unpack(package, root / "course")
    (root / "lms.html").write_text(lms_page(version, preload), encoding="utf-8")
    (root / "popup.html").write_text(lms_page(version, preload, framed=False), encoding="utf-8")
    (root / "wrapper.html").write_text(WRAPPER_PAGE, encoding="utf-8")
    (root / "favicon.ico").write_bytes(b"")  # the browser asks for it; a 404 would show as a console error
    return root


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port) for the duration of the block; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (no browser download), or a skip."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def watch(page) -> dict:
    """Collect page errors, console errors and every requested URL."""
    seen = {"errors": [], "requests": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda message: seen["errors"].append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: seen["requests"].append(request.url))
    return seen


def sample_content(**changes) -> DraftContent:
    """The sample draft (every item type, partial credit, XSS in the body) with objective ids on its items."""
    content = DraftContent.model_validate_json(SAMPLE_DRAFT.read_text(encoding="utf-8"))
    items = [item.model_copy(update={"objective_id": OBJECTIVES.get(item.id, "")}) for item in content.assessment.items]
    content = content.model_copy(update={"assessment": content.assessment.model_copy(update={"items": items})})
    module = changes.pop("module", None)
    if module:
        content = content.model_copy(update={"module": content.module.model_copy(update=module)})
    if changes:
        content = content.model_copy(update={"assessment": content.assessment.model_copy(update=changes)})
    return content


def answer_quiz(frame) -> None:
    """Answer the sample quiz for 85%: partial credit on q1, everything else right."""
    # q1: the 25% partial-credit option; q2: both keys; q3: False (correct); q4: a case-insensitive answer; q5: both halves.
    frame.locator("input[name='q1'][value='3']").check()
    frame.locator("input[name='q2'][value='0']").check()
    frame.locator("input[name='q2'][value='1']").check()
    frame.locator("input[name='q3'][value='1']").check()
    frame.locator("input[name='q4']").fill("  sbi ")
    frame.locator("input[name='q5'][value='0']").check()
    frame.locator("input[name='q5'][value='1']").check()
    frame.locator("#submit-quiz").click()
