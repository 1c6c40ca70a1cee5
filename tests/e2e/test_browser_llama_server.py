"""The Draft studio in headless Chromium, drafting through llama.cpp's server with the packaged model.

`workbench serve` runs with the `openai` provider pointing at the shared loopback
`llama_cpp.server` (demo draft size, full schema: what docs/llm.md tells a user to set for the
packaged model behind a server). An author drafts a module and its assessment, watches the reply
take shape, opens the draft and regenerates one section; the page shows each result and no error.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.page_steps import regenerate
from tests.e2e.test_browser import CHROMIUM, FEEDBACK, SKILLS, _idle, _open, _seed, _sign_in, browser_page, serve_workbench  # noqa: F401
from tests.support.llama_server import SERVER_KEY, SERVER_MODEL

# The packaged model on two shared cores: a module and its assessment take minutes, not seconds.
GENERATION_TIMEOUT_MS = 900_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # Two generations by the real model, each allowed GENERATION_TIMEOUT_MS: more than the suite's 600 s default.
    pytest.mark.timeout(2 * GENERATION_TIMEOUT_MS // 1000 + 300),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(llama_server, tmp_path_factory):
    """`workbench serve` on a free loopback port, drafting through the shared llama.cpp server."""
    llama_server.restart()
    root = tmp_path_factory.mktemp("browser-llama")
    library, data_dir = root / "library", root / "data"
    (library / "feedback").mkdir(parents=True)
    (library / "feedback" / "giving-feedback.md").write_text(FEEDBACK, encoding="utf-8")
    (library / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    _seed(library, data_dir)
    llm_env = {
        "WORKBENCH_LLM_PROVIDER": "openai", "WORKBENCH_LLM_BASE_URL": llama_server.base_url, "WORKBENCH_LLM_MODEL": SERVER_MODEL,
        "WORKBENCH_LLM_API_KEY": SERVER_KEY, "WORKBENCH_DRAFT_SIZE": "demo", "WORKBENCH_LLM_SCHEMA": "full",
        "WORKBENCH_LLM_SEED": "11", "WORKBENCH_LLM_TIMEOUT_SECONDS": "300",
    }
    with serve_workbench(root, library, data_dir, llm_env) as base:
        yield {"base": base, "library": library, "root": root}


def test_draft_and_regenerate_in_the_studio_through_llama_cpp(server, browser_page):
    from playwright.sync_api import expect

    page, seen, shots = browser_page
    _sign_in(page, server["base"], "ann")
    _open(page, "Draft studio")
    page.get_by_text(f"Model in use: openai · {SERVER_MODEL}").wait_for()
    page.get_by_role("textbox", name="Topic").fill("Giving feedback")
    page.get_by_role("textbox", name="Skill ids (comma-separated)").fill("fb-giving")

    started = time.monotonic()
    page.get_by_role("button", name="Draft module and assessment").click()
    # The draft takes shape on the page while the model writes it (read from a forced tool call's JSON arguments).
    stream = page.locator('[data-testid="stExpander"]').filter(has_text=re.compile(r"Writing (the module|section \d|question \d)"))
    stream.first.wait_for(timeout=GENERATION_TIMEOUT_MS)
    assert '{"' not in stream.first.inner_text(), "raw JSON in the stream"
    page.screenshot(path=str(shots / "streaming.png"), full_page=True)
    ready = page.get_by_text(re.compile(r"Draft #\d+ is ready"))
    ready.wait_for(timeout=GENERATION_TIMEOUT_MS)
    print(f"drafted through llama.cpp in {time.monotonic() - started:.1f}s")
    _idle(page)
    page.screenshot(path=str(shots / "drafted.png"), full_page=True)
    assert not page.locator('[data-testid="stException"]').count()

    page.get_by_role("tab", name="My drafts").click()
    _idle(page)
    page.get_by_text("State: drafting · revision 1 · author ann").wait_for()
    page.get_by_text(re.compile(r"^Section s1 · ")).first.wait_for()
    page.get_by_text(re.compile(r"^Section s2 · ")).first.wait_for()
    page.get_by_text(re.compile(r"^Question q1 · ")).first.wait_for()

    started = time.monotonic()
    regenerate(page, "section s1")
    page.get_by_text("Section s1 regenerated; the rest of the draft is unchanged.").wait_for(timeout=GENERATION_TIMEOUT_MS)
    print(f"regenerated a section through llama.cpp in {time.monotonic() - started:.1f}s")
    _idle(page)
    # The studio stays on "My drafts" after the regeneration.
    expect(page.get_by_role("tab", name="My drafts")).to_have_attribute("aria-selected", "true")
    page.get_by_text("State: drafting · revision 2 · author ann").wait_for()
    page.screenshot(path=str(shots / "regenerated.png"), full_page=True)
    assert not page.locator('[data-testid="stException"]').count()
    assert seen["errors"] == [] and seen["dialogs"] == []
