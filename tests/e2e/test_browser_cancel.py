"""Cancel in a real browser: an author starts a slow, streamed generation in the Draft studio, clicks
Cancel once the model's output is visibly streaming, and the page says it stopped, no draft is stored,
and the model's stream is abandoned rather than read to the end.
"""

from __future__ import annotations

import time

import pytest

# The loopback server and browser fixtures of the main browser test, imported so that pytest uses them here.
from tests.e2e.test_browser import CHROMIUM, _idle, _start_a_draft, browser_page, server  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]

# Seconds before each streamed chunk: the module reply (~28 chunks) then takes about 17 s.
SLOW_CHUNK_DELAY = 0.6


def _stored_drafts(server) -> list:
    """The drafts in the served workbench's database, read through the review service."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    services = bootstrap(Settings(library_dir=server["library"], data_dir=server["root"] / "data", llm_provider="fake"))
    try:
        return services.review_queries.list_drafts()
    finally:
        services.database.dispose()


def test_cancel_stops_a_streaming_generation_and_stores_nothing(server, browser_page):
    page, seen, shots = browser_page
    llm = server["llm"]
    assert _stored_drafts(server) == []
    llm.delay = SLOW_CHUNK_DELAY
    try:
        _start_a_draft(page, server["base"])

        # Streaming has visibly started: the module's title, read from the first tokens of the reply, is on the page.
        started = time.monotonic()
        # (Grounding comes first and loads the embedding model in the server process: allow for a slow machine.)
        stream = page.locator('[data-testid="stExpander"]').filter(has_text="Writing ")
        stream.get_by_text("Giving feedback that helps").first.wait_for(timeout=120_000)
        streamed = stream.first.inner_text()
        page.screenshot(path=str(shots / "streaming.png"), full_page=True)
        assert llm.schema_names() == ["ModuleReply"]

        clicked = time.monotonic()
        page.get_by_role("button", name="Cancel").click()
        page.get_by_text("Generation cancelled: nothing was stored.").wait_for(timeout=20_000)
        print(f"streaming shown {clicked - started:.1f}s after asking; {len(streamed)} characters shown;"
              f" stopped {time.monotonic() - clicked:.1f}s after Cancel")
        _idle(page)
        page.screenshot(path=str(shots / "cancelled.png"), full_page=True)
        assert not page.get_by_text("is ready: open it").count()
        assert not page.locator('[data-testid="stException"]').count()

        # The model's stream was dropped mid-way: the server saw the client hang up, and no later step ran.
        deadline = time.monotonic() + 10
        while not llm.abandoned and time.monotonic() < deadline:
            time.sleep(0.2)
        assert llm.abandoned == ["ModuleReply"], (llm.abandoned, llm.schema_names())
        time.sleep(2)  # time for a generation that had wrongly carried on to ask for the assessment
        assert llm.schema_names() == ["ModuleReply"]

        # Nothing was stored: not in the database, not in the author's list.
        assert _stored_drafts(server) == []
        page.get_by_role("tab", name="My drafts").click()
        page.get_by_text("No drafts yet").wait_for()
        assert seen["errors"] == []
    finally:
        llm.delay = 0.0
