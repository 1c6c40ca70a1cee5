"""Accessibility of every page, measured with axe-core in headless Chromium: no critical or serious violation.

axe-core (npm, installed by .ci/run into .workbench/tools) is injected into each view after Streamlit
has finished drawing it, over a server with a library, a draft waiting for review and a published
module, as a lead and as a reviewer (who sees the draft beside its sources). Moderate and minor
findings are printed, not asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, FEEDBACK, PASSWORD, PEOPLE, _idle, _open, _sign_in, _sign_out, serve_workbench
from tests.support.drafts import sample_content
from tests.support.libraries import SKILLS
from tests.support.people import FAST_HASHER, add_people

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE = PROJECT_ROOT / ".workbench" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed in .workbench/tools (.ci/run installs it from npm)"),
]

# (role to sign in as, page in the menu, tab to open on it or None)
VIEWS = [
    ("lee", "My work", None), ("lee", "Library", "Browse"), ("lee", "Library", "Search"), ("lee", "Gaps", None),
    ("lee", "Draft studio", "New draft"), ("lee", "Draft studio", "My drafts"), ("lee", "Review queue", None),
    ("lee", "Signals", None), ("lee", "Governance", None), ("lee", "Audit", "Overview"), ("lee", "Audit", "Publishing"),
    ("lee", "Audit", "Audit log"), ("lee", "Audit", "Users and roles"), ("lee", "Account", None),
    ("sam", "My work", None), ("sam", "Review queue", None), ("sam", "Library", "Browse"), ("sam", "Account", None),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`workbench serve` over a small library, the team, and one draft submitted for review."""
    from workbench.bootstrap import bootstrap
    from workbench.library.draft_file import render_draft_file
    from workbench.domain.drafts import DraftContent
    from workbench.settings import Settings

    root = tmp_path_factory.mktemp("accessibility")
    library, data_dir = root / "library", root / "data"
    (library / "feedback").mkdir(parents=True)
    (library / "feedback" / "giving-feedback.md").write_text(FEEDBACK, encoding="utf-8")
    (library / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    services = bootstrap(Settings(library_dir=library, data_dir=data_dir, llm_provider="fake"), password_hasher=FAST_HASHER)
    add_people(services.accounts, PEOPLE, PASSWORD)
    services.index.build()
    content = sample_content("Giving useful feedback")
    draft = services.lifecycle.create_draft("ann", title="Giving useful feedback", content=content, findings=[],
                                            markdown=render_draft_file(DraftContent.model_validate(content)), skill_ids=["fb-giving"])
    services.lifecycle.submit("ann", draft.id, draft.revision)
    services.database.dispose()
    with serve_workbench(root, library, data_dir, {"WORKBENCH_LLM_PROVIDER": "fake"}) as base:
        yield base


def _violations(page) -> list[dict]:
    # The sign-in route's Content-Security-Policy forbids inline scripts, so axe runs through the
    # devtools protocol (evaluate), which the page's policy does not govern.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def _describe(view: str, violation: dict) -> str:
    node = violation["nodes"][0]
    return f"{view}: {violation['impact']} {violation['id']} ({len(violation['nodes'])}x) — {violation['help']} — {node['html'][:160]}"


def test_every_view_has_no_critical_or_serious_violation(server):
    from playwright.sync_api import sync_playwright

    blocking, other = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(server)
        page.get_by_role("textbox", name="User name").wait_for()
        _idle(page)
        results = {"Sign in": _violations(page)}
        signed_in = None
        for person, title, tab in VIEWS:
            if person != signed_in:
                if signed_in is not None:
                    _sign_out(page)
                _sign_in(page, server, person)
                signed_in = person
            _open(page, title)
            if tab:
                page.get_by_role("tab", name=tab).click()
                _idle(page)
            results[f"{title}{' › ' + tab if tab else ''} ({person})"] = _violations(page)
        context.close()
        browser.close()

    for view, violations in results.items():
        for violation in violations:
            (blocking if violation["impact"] in BLOCKING else other).append(_describe(view, violation))
    print("\n".join(["other axe findings:", *other]) if other else "no moderate or minor axe findings")
    assert len(results) == len(VIEWS) + 1
    assert blocking == [], "\n".join(blocking)
