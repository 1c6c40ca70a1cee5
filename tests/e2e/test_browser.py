"""The workbench in a real browser: headless Chromium against `workbench serve` on 127.0.0.1.

An author drafts a module from a gap (the model is a scripted OpenAI-compatible endpoint on
127.0.0.1), submits it, three reviewers sign it off, and the lead visits every page and publishes
it. A library file full of XSS payloads, and hostile markdown in the model's reply, render inert:
no script runs, no dialog opens, and no request leaves the machine.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.page_steps import idle as _idle, regenerate  # the other browser tests import _idle from here
from tests.e2e.scripted_llm import CRITIQUE_NOTE, ScriptedLLM
from tests.support.libraries import SKILLS
from tests.support.people import FAST_HASHER, add_people

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "browser test password"
PEOPLE = {"lee": ["lead"], "ann": ["author"], "sam": ["accuracy_reviewer"], "cam": ["cultural_reviewer"], "eve": ["ethics_reviewer"]}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]

XSS_MODULE = """---
id: a-hostile-module
title: A hostile module
skills: [fb-giving]
level: foundation
---

# A hostile module

## Payloads

Raw script: <script>window.__xss = "script"; alert("script")</script>

Broken image: <img src="x" onerror="window.__xss = 'img'; alert('img')">

A [javascript link](javascript:window.__xss='link') and an [ordinary link](https://example.org/page).

A tracking pixel: ![tracker](http://example.invalid/x.png)

<iframe src="http://example.invalid/frame"></iframe>
<svg onload="window.__xss = 'svg'"></svg>
"""

FEEDBACK = """---
id: giving-feedback
title: Giving feedback with SBI
skills: [fb-giving]
level: foundation
---

# Giving feedback with SBI

## Situation, behaviour, impact

Describe the situation, the behaviour you saw and its impact. Keep it specific and timely.

## Agreeing next steps

End the conversation by agreeing one next step and a date to check in.
"""



def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(library: Path, data_dir: Path) -> None:
    """The accounts (one lead, one author, three reviewers) and the library index; no draft yet."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    services = bootstrap(Settings(library_dir=library, data_dir=data_dir, llm_provider="fake"), password_hasher=FAST_HASHER)
    add_people(services.accounts, PEOPLE, PASSWORD)
    services.index.build()
    services.database.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`workbench serve` on a free loopback port, over a seeded tmp library and data dir, drafting through
    the `openai` provider against a scripted OpenAI-compatible endpoint on another loopback port."""
    root = tmp_path_factory.mktemp("browser")
    library, data_dir = root / "library", root / "data"
    (library / "feedback").mkdir(parents=True)
    (library / "feedback" / "giving-feedback.md").write_text(FEEDBACK, encoding="utf-8")
    (library / "a-hostile-module.md").write_text(XSS_MODULE, encoding="utf-8")
    (library / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    _seed(library, data_dir)

    # The model: canned, schema-valid replies from a loopback endpoint, reached through the real openai provider.
    with ScriptedLLM() as scripted:
        llm_env = {
            "WORKBENCH_LLM_PROVIDER": "openai", "WORKBENCH_LLM_BASE_URL": scripted.base_url, "WORKBENCH_LLM_MODEL": "scripted",
            "WORKBENCH_LLM_API_KEY": "test-key", "WORKBENCH_LLM_STRUCTURED_MODE": "json_schema", "WORKBENCH_LLM_MAX_RETRIES": "0",
        }
        with serve_workbench(root, library, data_dir, llm_env) as base:
            yield {"base": base, "library": library, "root": root, "llm": scripted}


@contextmanager
def serve_workbench(root: Path, library: Path, data_dir: Path, llm_env: dict[str, str], *, cwd: Path = PROJECT_ROOT,
                    port: int | None = None) -> Iterator[str]:
    """`workbench serve` on `port` (else a free loopback port) with these settings, started in `cwd`; yields its base URL once healthy."""
    port = port or _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **llm_env}
    env.pop("OPENAI_API_KEY", None)
    log = (root / "serve.log").open("w")
    command = [str(Path(sys.executable).parent / "workbench"), "--library", str(library), "--data-dir", str(data_dir),
               "serve", "--port", str(port), "--host", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"workbench serve did not start:\n{(root / 'serve.log').read_text()}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def new_page(browser, viewport: dict[str, int] | None = None):
    """A fresh context (one browser profile) and a page in it with the tests' default timeout."""
    context = browser.new_context(viewport=viewport or {"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


@pytest.fixture
def browser_page(server, request):
    """A fresh Chromium page that records every request, dialog and page error."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        seen = {"requests": [], "dialogs": [], "errors": []}
        page.on("request", lambda request: seen["requests"].append(request.url))
        page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: seen["errors"].append(str(error)))
        # Kept after the run (CI artifacts): test-output/browser/<test name>/
        shots = PROJECT_ROOT / "test-output" / "browser" / request.node.name
        shots.mkdir(parents=True, exist_ok=True)
        yield page, seen, shots
        if getattr(request.node, "call_report", None) is not None and request.node.call_report.failed:
            save_failure(page, shots, server["root"] / "serve.log")
        context.close()
        browser.close()


def save_failure(page, shots: Path, server_log: Path) -> None:
    """What the page showed when a test failed: a screenshot, the page's text and the server log's tail (CI artifacts)."""
    try:
        page.screenshot(path=str(shots / "failure.png"), full_page=True)
        text = page.locator("body").inner_text(timeout=5_000)
    except Exception as error:  # noqa: BLE001 - the browser may be what failed; keep the test's own error
        text = f"(the page could not be read: {error})"
    (shots / "failure-page.txt").write_text(text, encoding="utf-8")
    tail = server_log.read_text(encoding="utf-8", errors="replace")[-4000:] if server_log.is_file() else ""
    (shots / "failure-serve.log").write_text(tail, encoding="utf-8")
    print(f"saved in {shots}: failure.png, failure-page.txt, failure-serve.log\n--- page text ---\n{text[-3000:]}"
          f"\n--- server log (tail) ---\n{tail[-2000:]}")


def _sign_in(page, base: str, name: str) -> None:
    started = time.monotonic()
    page.goto(base)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My work").wait_for()
    _idle(page)
    print(f"signed in {name} in {time.monotonic() - started:.1f}s")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You signed out.").wait_for()


def _open(page, title: str) -> None:
    started = time.monotonic()
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    _idle(page)
    print(f"opened {title} in {time.monotonic() - started:.1f}s")


def _start_a_draft(page, base: str) -> None:
    """An author signs in, opens the Draft studio and asks for a draft on giving feedback."""
    _sign_in(page, base, "ann")
    _open(page, "Draft studio")
    page.get_by_role("textbox", name="Topic").fill("Giving feedback")
    page.get_by_role("textbox", name="Skill ids (comma-separated)").fill("fb-giving")
    page.get_by_role("button", name="Draft module and assessment").click()


def _external(urls: list[str]) -> list[str]:
    allowed_hosts = {"127.0.0.1", "localhost"}
    return [url for url in urls if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname not in allowed_hosts]


def _shown_in_my_drafts(page, text: str) -> None:
    """Wait for text of the draft studio's "My drafts" tab; after an action the studio reopens "New draft"."""
    found = page.get_by_text(text).first
    found.wait_for(state="attached", timeout=120_000)  # an action's rerun takes its time on a busy machine
    if not found.is_visible():
        page.get_by_role("tab", name="My drafts").click()
        _idle(page)
    found.wait_for()


def _draft_from_a_gap(page, base: str, shots: Path) -> int:
    """The author's journey: a gap, "Draft this", the brief, generation, the draft and its findings, submission."""
    from playwright.sync_api import expect

    _sign_in(page, base, "ann")
    _open(page, "Gaps")
    # The first visit computes the report (the embedding model loads in the server process first).
    page.get_by_text("Ranked gaps").first.wait_for(timeout=180_000)
    page.screenshot(path=str(shots / "author-gaps.png"), full_page=True)
    page.get_by_role("button", name="Draft this").click()
    page.get_by_text("Brief filled in from the gap you chose").wait_for()
    _idle(page)
    # The brief is the gap's skill (the form may render a moment before its values arrive).
    expect(page.get_by_role("textbox", name="Topic")).to_have_value("Writing prompts for AI assistants")
    expect(page.get_by_role("textbox", name="Skill ids (comma-separated)")).to_have_value("ai-prompting")
    page.get_by_text("Model in use: openai · scripted").wait_for()
    page.screenshot(path=str(shots / "author-brief.png"), full_page=True)

    started = time.monotonic()
    page.get_by_role("button", name="Draft module and assessment").click()
    ready = page.get_by_text(re.compile(r"Draft #\d+ is ready"))
    ready.wait_for(timeout=90_000)
    print(f"drafted in {time.monotonic() - started:.1f}s")
    draft_id = int(re.search(r"Draft #(\d+)", ready.inner_text()).group(1))
    _idle(page)
    page.screenshot(path=str(shots / "author-generated.png"), full_page=True)

    page.get_by_role("tab", name="My drafts").click()
    _idle(page)
    page.get_by_text("State: drafting · revision 1 · author ann").wait_for()
    page.get_by_role("heading", name="Giving feedback that helps").wait_for()
    page.get_by_text("Section s1 · Situation, behaviour, impact").wait_for()
    page.get_by_role("heading", name="Sources").wait_for()
    page.get_by_text(CRITIQUE_NOTE).first.wait_for()  # the advisory critiques are shown with the draft
    # The model's hostile markdown in section s2 is shown as text: no image, no handler, no request.
    hostile = page.locator('[data-testid="stHtml"]').filter(has_text="End by agreeing one next step")
    hostile.first.wait_for()
    assert hostile.first.locator("img, script, iframe, svg").count() == 0
    assert "[image: p]" in hostile.first.inner_text()
    page.screenshot(path=str(shots / "author-draft.png"), full_page=True)

    # The raw HTML the model slipped in is an error finding at the top of the draft: it blocks submission
    # until a new revision removes it. The author regenerates that section and submits revision 2.
    page.get_by_text("Blocks submit, sign-off and publish: section:s2 · rendering_fidelity").first.wait_for()
    expect(page.get_by_role("button", name="Submit for review")).to_be_disabled()
    regenerate(page, "section s2")
    _shown_in_my_drafts(page, "Section s2 regenerated; the rest of the draft is unchanged.")
    _idle(page)
    _shown_in_my_drafts(page, "State: drafting · revision 2 · author ann")
    assert not page.get_by_text("Blocks submit, sign-off and publish").count()
    page.get_by_role("button", name="Submit for review").click()
    _shown_in_my_drafts(page, f"Draft #{draft_id} submitted for review.")
    page.screenshot(path=str(shots / "author-submitted.png"), full_page=True)
    _sign_out(page)
    return draft_id


def test_draft_from_a_gap_review_and_publish_in_the_browser(server, browser_page):
    page, seen, shots = browser_page
    base = server["base"]

    started = time.monotonic()
    draft_id = _draft_from_a_gap(page, base, shots)
    print(f"author journey in {time.monotonic() - started:.1f}s")
    asked = server["llm"].schema_names()
    assert asked[:2] == ["ModuleReply", "AssessmentReply"], asked
    assert all(r["json"].get("stream") and r["headers"].get("authorization") == "Bearer test-key" for r in server["llm"].requests)

    for reviewer, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        _sign_in(page, base, reviewer)
        _open(page, "Review queue")
        page.locator('[data-testid="stHtml"]').get_by_text("Situation, behaviour, impact").first.wait_for()
        page.screenshot(path=str(shots / f"queue-{reviewer}.png"), full_page=True)
        page.get_by_role("button", name="Sign off").click()
        page.get_by_text(f"Signed off {dimension} on revision 2.").wait_for()
        page.screenshot(path=str(shots / f"review-{reviewer}.png"), full_page=True)
        _sign_out(page)

    _sign_in(page, base, "lee")
    ready = {"My work": "Approved drafts waiting to be published", "Library": "Index status", "Gaps": "Ranked gaps",
             "Draft studio": "Model in use", "Review queue": "All drafts", "Audit": "Coverage over time", "Account": "Roles:"}
    for title, marker in ready.items():
        _open(page, title)
        page.get_by_text(marker).first.wait_for()
        _idle(page)
        assert not page.locator('[data-testid="stException"]').count(), f"{title} raised an exception"
        page.screenshot(path=str(shots / f"{title.lower().replace(' ', '-')}.png"), full_page=True)

    _open(page, "Audit")
    page.get_by_role("tab", name="Publishing").click()
    page.get_by_role("button", name="Publish…").click()
    page.get_by_text("Publish this revision into the library?").wait_for()  # the lead confirms what will be recorded
    page.get_by_role("button", name="Publish now").click()
    page.get_by_text(f"Published draft #{draft_id} into the library.").wait_for()
    page.screenshot(path=str(shots / "published.png"), full_page=True)
    published = list(server["library"].rglob("giving-feedback-that-helps*.md"))
    assert len(published) == 1, list(server["library"].rglob("*.md"))

    assert seen["dialogs"] == []
    assert page.evaluate("() => window.__xss") is None
    assert _external(seen["requests"]) == [], sorted(set(_external(seen["requests"])))


def test_hostile_library_markdown_renders_inert(server, browser_page):
    page, seen, shots = browser_page
    _sign_in(page, server["base"], "ann")
    _open(page, "Library")
    page.get_by_role("tab", name="Browse").click()
    _idle(page)
    # The hostile module sorts first, so the module view opens it.
    page.get_by_text("Raw script:", exact=False).first.wait_for()
    body = page.locator('[data-testid="stHtml"]').last
    page.screenshot(path=str(shots / "hostile-module.png"), full_page=True)
    # The payloads are shown as text; none became an element, an event handler or a script link.
    assert body.locator("script, img, iframe, svg").count() == 0
    assert not body.evaluate("el => [...el.querySelectorAll('*')].some(e => [...e.attributes].some(a => a.name.startsWith('on')))")
    assert "javascript:" not in body.evaluate("el => [...el.querySelectorAll('a')].map(a => a.href).join(' ')")
    assert "[image: tracker]" in body.inner_text()

    page.get_by_role("tab", name="Search").click()
    page.get_by_role("textbox", name="Search the library by meaning").fill("hostile payloads script")
    page.keyboard.press("Enter")
    _idle(page)
    page.get_by_text("A hostile module › Payloads", exact=False).first.wait_for()

    # The draft written in the browser carries hostile model output too; the studio shows it beside its sources.
    _open(page, "Draft studio")
    page.get_by_role("tab", name="My drafts").click()
    _idle(page)
    page.screenshot(path=str(shots / "studio-draft.png"), full_page=True)

    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    assert seen["dialogs"] == []
    assert _external(seen["requests"]) == [], _external(seen["requests"])


def test_a_reviewer_sees_the_text_after_nesting_past_the_renderer_limit(server, browser_page):
    """A body line nested past markdown's limit used to hide every later section and question from the reviewer."""
    from tests.support.drafts import clean_draft
    from workbench.bootstrap import bootstrap
    from workbench.library.draft_file import render_draft_file
    from workbench.settings import Settings

    page, seen, shots = browser_page
    typed = clean_draft()
    typed.module.title = "Handling health records"
    typed.module.sections[0].body += "\n\n- - - - - - - - - - - - x"
    typed.module.sections[1].body = "Managers may share an employee's medical history with the whole team."
    services = bootstrap(Settings(library_dir=server["library"], data_dir=server["root"] / "data", llm_provider="fake"),
                         password_hasher=FAST_HASHER)
    draft = services.lifecycle.create_draft("ann", title=typed.module.title, content=typed.model_dump(mode="json"),
                                            markdown=render_draft_file(typed), findings=[], skill_ids=[])
    services.lifecycle.submit("ann", draft.id, draft.revision)
    services.database.dispose()

    _sign_in(page, server["base"], "sam")
    _open(page, "Review queue")
    body = page.locator('[data-testid="stHtml"]').filter(has_text="Handling health records").first
    body.wait_for()
    page.screenshot(path=str(shots / "nested-draft.png"), full_page=True)
    shown = body.inner_text()
    assert "from line" in shown and "it is shown exactly as written" in shown  # the warning
    # The hidden paragraph, the later section and the questions are in front of the reviewer.
    assert "Managers may share an employee's medical history with the whole team." in shown
    assert "Question 1" in shown and "Question 3" in shown
    assert body.locator('[role="alert"]').count() == 1
    assert seen["dialogs"] == [] and _external(seen["requests"]) == []
