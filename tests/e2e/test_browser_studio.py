"""The draft studio and the review queue in a real browser, as new users expect them.

Headless Chromium against `workbench serve` (the harness of test_browser.py): the draft takes shape
while it streams (sections and questions rendered as they complete, no raw JSON); the studio stays
on the same draft and tab after save, regenerate and submit, and its picker names state and
revision; a revision conflict says who changed what and offers a reload; citations read "Module
title › Heading" and open the Library page at the passage.
"""

from __future__ import annotations

import re
import time

import pytest

# The loopback server and browser fixtures of the main browser test, imported so that pytest uses them here.
from tests.e2e.page_steps import regenerate
from tests.e2e.test_browser import CHROMIUM, _external, _idle, _open, _sign_in, _start_a_draft, browser_page, server  # noqa: F401
from tests.support.people import FAST_HASHER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]

SBI = "Giving feedback with SBI › Situation, behaviour, impact"
NEXT_STEPS = "Giving feedback with SBI › Agreeing next steps"
# Seconds before each 40-character chunk of the scripted reply: the module then streams for about 8 s.
CHUNK_DELAY = 0.3


def _services(server):
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    return bootstrap(Settings(library_dir=server["library"], data_dir=server["root"] / "data", llm_provider="fake"),
                     password_hasher=FAST_HASHER)


def _seed_draft(server, title: str, *, submit: bool = False) -> int:
    """A clean draft by ann citing the served library's two SBI passages (optionally submitted)."""
    from tests.support.drafts import clean_draft
    from workbench.library.draft_file import render_draft_file

    services = _services(server)
    try:
        chunks = {chunk.heading: chunk.id for chunk in services.library_reader.chunks().values() if chunk.module_id == "giving-feedback"}
        sbi, steps = chunks["Situation, behaviour, impact"], chunks["Agreeing next steps"]
        typed = clean_draft()
        typed.module.title = title
        typed.module.sections[0].citations, typed.module.sections[1].citations = [sbi], [steps]
        for item in typed.assessment.items:
            item.citations = [sbi]
        typed.provenance.retrieved_chunk_ids = [sbi, steps]
        draft = services.lifecycle.create_draft("ann", title=title, content=typed.model_dump(mode="json"),
                                                markdown=render_draft_file(typed), findings=[], skill_ids=[])
        if submit:
            services.lifecycle.submit("ann", draft.id, draft.revision)
        return draft.id
    finally:
        services.database.dispose()


def _edit_elsewhere(server, draft_id: int, editor: str, summary: str) -> None:
    """Someone else saves a new revision (and, for an author, sends it back to review)."""
    from workbench.domain.drafts import DraftContent

    services = _services(server)
    try:
        view = services.review_queries.get_draft(draft_id)
        content = DraftContent.model_validate(view.content)
        content.module.summary = summary
        services.drafting.edit(editor, draft_id, view.revision, content, note="new summary", submit=view.state.value == "in_review")
    finally:
        services.database.dispose()


def _reviewer_opens_a_seeded_draft(page, server, reviewer: str, title: str) -> int:
    """A draft in review, and a reviewer on the Review queue page."""
    draft_id = _seed_draft(server, title, submit=True)
    _sign_in(page, server["base"], reviewer)
    _open(page, "Review queue")
    return draft_id


def _pick_draft(page, draft_id: int, label: str = "Draft") -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=re.compile(rf"^#{draft_id} ")).click()
    _idle(page)


def _on_my_drafts(page, draft_id: int, revision: int, state: str = "drafting") -> None:
    """The studio still shows "My drafts" with this draft at this revision."""
    from playwright.sync_api import expect

    expect(page.get_by_role("tab", name="My drafts")).to_have_attribute("aria-selected", "true")
    page.get_by_text(f"State: {state} · revision {revision} · author ann").wait_for()
    expect(page.get_by_role("combobox", name="Draft", exact=True)).to_have_value(re.compile(rf"^#{draft_id} .* — {state}, revision {revision}$"))


def test_the_draft_takes_shape_while_it_streams(server, browser_page):
    page, seen, shots = browser_page
    llm = server["llm"]
    llm.delay = CHUNK_DELAY
    try:
        _start_a_draft(page, server["base"])
        stream = page.locator('[data-testid="stExpander"]').filter(has_text="Writing ").first
        # The first section appears, rendered, while the second is still being written and no question exists yet.
        stream.get_by_text("Section 1 · Situation, behaviour, impact").wait_for(timeout=120_000)
        # The body is drawn by an element of its own, which a busy browser paints a moment after the heading.
        stream.get_by_text("Describe the situation, the behaviour and its impact.").wait_for(timeout=30_000)
        middle = stream.inner_text()
        page.screenshot(path=str(shots / "streaming-section-1.png"), full_page=True)
        assert "Describe the situation, the behaviour and its impact." in middle
        assert "Question 1" not in middle and not page.get_by_text(re.compile(r"Draft #\d+ is ready")).count()
        assert '{"' not in middle, "raw JSON in the stream"
        # Then the questions, one at a time, and the stored draft.
        stream.get_by_text("Question 1").wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"Draft #\d+ is ready")).wait_for(timeout=60_000)
        _idle(page)
        done = page.locator('[data-testid="stExpander"]').filter(has_text="Section 2 · Agreeing next steps").first.inner_text()
        page.screenshot(path=str(shots / "streamed.png"), full_page=True)
        assert "Question 2" in done and "✔ Behaviour" in done
        # The model's hostile markup in section 2 is shown inert while streaming too.
        assert page.locator('[data-testid="stExpander"] img, [data-testid="stExpander"] script').count() == 0
        assert '{"' not in done
    finally:
        llm.delay = 0.0
    assert page.evaluate("() => window.__xss") is None and seen["dialogs"] == []
    assert _external(seen["requests"]) == []


def test_the_studio_stays_on_the_draft_and_tab_after_save_regenerate_and_submit(server, browser_page):
    page, seen, shots = browser_page
    kept = _seed_draft(server, "Feedback for new leads")
    _seed_draft(server, "Another draft")
    _sign_in(page, server["base"], "ann")
    _open(page, "Draft studio")
    page.get_by_role("tab", name="My drafts").click()
    _idle(page)
    _pick_draft(page, kept)
    _on_my_drafts(page, kept, 1)

    page.get_by_text("Edit or regenerate section s2").click()
    editor = page.locator('[data-testid="stExpander"]').filter(has_text="Edit or regenerate section s2").first
    editor.get_by_role("textbox", name="Body (markdown)").fill("Agree one small next step and a date to check in.")
    editor.get_by_role("button", name="Save section").click()
    page.get_by_text(re.compile(r"Saved as a new revision .edited section s2.")).wait_for()
    _idle(page)
    _on_my_drafts(page, kept, 2)

    regenerate(page, "section s2")
    page.get_by_text("Section s2 regenerated; the rest of the draft is unchanged.").wait_for(timeout=90_000)
    _idle(page)
    _on_my_drafts(page, kept, 3)

    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text(f"Draft #{kept} submitted for review.").wait_for()
    _idle(page)
    _on_my_drafts(page, kept, 3, "in_review")
    page.screenshot(path=str(shots / "studio-after-submit.png"), full_page=True)
    assert seen["errors"] == [] and _external(seen["requests"]) == []


def test_a_revision_conflict_says_who_changed_what_and_reloads(server, browser_page):
    from playwright.sync_api import expect

    page, seen, shots = browser_page
    draft_id = _reviewer_opens_a_seeded_draft(page, server, "sam", "Feedback under review")
    page.get_by_role("heading", name=re.compile(rf"#{draft_id} · revision 1")).wait_for()
    _edit_elsewhere(server, draft_id, "ann", "A summary ann changed while sam was reading.")

    page.get_by_role("button", name="Sign off").click()
    notice = page.get_by_text(re.compile(rf"Draft #{draft_id} changed while you were reading revision 1: ann saved revision 2"))
    notice.wait_for()
    _idle(page)
    page.screenshot(path=str(shots / "conflict.png"), full_page=True)
    text = notice.inner_text()
    assert "(new summary). It is now at revision 2, in review. Nothing was done by your sign-off" in text
    assert "workbench review show" not in page.locator("main").inner_text()
    page.get_by_text("Reload the draft (the button at the top of the page) before deciding on it.").wait_for()
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)  # no decision before the reload

    page.get_by_role("button", name=f"Reload draft #{draft_id} at revision 2").click()
    reloaded = page.get_by_role("heading", name=re.compile(rf"#{draft_id} · revision 2"))
    # While the rerun draws the page, the heading of the run before can still be on it beside the new one.
    reloaded.first.wait_for()
    _idle(page)
    expect(reloaded).to_have_count(1)
    expect(notice).to_have_count(0)
    page.get_by_role("button", name="Sign off").click()
    page.get_by_text("Signed off accuracy on revision 2.").wait_for()
    assert seen["errors"] == [] and _external(seen["requests"]) == []


def test_citations_read_as_module_and_heading_and_open_the_passage(server, browser_page):
    page, seen, shots = browser_page
    draft_id = _reviewer_opens_a_seeded_draft(page, server, "cam", "Feedback with citations")
    _pick_draft(page, draft_id, "Open draft")
    body = page.locator('[data-testid="stHtml"]').filter(has_text="Feedback with citations").first
    body.wait_for()
    shown = body.inner_text()
    assert f"Sources: {SBI}" in shown and f"Sources: {NEXT_STEPS}" in shown
    assert not re.search(r"\b[0-9a-f]{16,}\b", shown), "a citation is shown as a hash"
    page.screenshot(path=str(shots / "queue-citations.png"), full_page=True)
    _sign_in_as_author_and_follow_a_citation(page, server, draft_id, shots)
    assert seen["errors"] == [] and _external(seen["requests"]) == []


def _sign_in_as_author_and_follow_a_citation(page, server, draft_id: int, shots) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You signed out.").wait_for()
    _sign_in(page, server["base"], "ann")
    _open(page, "Draft studio")
    page.get_by_role("tab", name="My drafts").click()
    _idle(page)
    _pick_draft(page, draft_id)
    link = page.get_by_role("link", name=f"Cites: {SBI}").first
    link.wait_for()
    started = time.monotonic()
    link.click()
    page.get_by_role("heading", name="Library", exact=True).wait_for()
    page.get_by_role("heading", name=SBI).wait_for()
    _idle(page)
    print(f"opened the cited passage in {time.monotonic() - started:.1f}s")
    assert "passage=" in page.url
    passage = page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]').filter(
        has=page.get_by_role("heading", name=SBI)).last
    assert "Describe the situation, the behaviour you saw and its impact." in passage.inner_text()
    page.screenshot(path=str(shots / "library-passage.png"), full_page=True)
