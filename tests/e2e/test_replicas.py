"""Two replicas of the workbench working together, in headless Chromium.

Both `workbench serve` processes share one PostgreSQL schema, one `chroma run` server on loopback
and one bare git repository as the library's remote; each has its own data dir and its own clone.
A module a lead publishes on replica A appears in replica B's Library; two leads publishing at the
same moment on A and B both land in the remote, each exactly once; a sign-off made on A is seen on
B at once; the audit chain verifies on both replicas afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, FEEDBACK, PASSWORD, _idle, _open, _sign_in, serve_workbench
from tests.support.chroma_server import chroma_server
from tests.support.drafts import sample_content
from tests.support.git_remote import commits_of_draft, make_remote, remote_file
from tests.support.libraries import SKILLS
from tests.support.people import FAST_HASHER, add_people
from tests.support.review_db import _PostgresSchema

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")]

PEOPLE = {"lee": ["lead"], "leo": ["lead"], "ann": ["author"], "sam": ["accuracy_reviewer"],
          "cam": ["cultural_reviewer"], "eve": ["ethics_reviewer"]}
SIGN_OFFS = (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics"))
# The drafts the fixture prepares through the review services: three approved, one waiting for sign-offs.
APPROVED = ("Coaching a new colleague", "Running a retrospective", "Handling a complaint")
IN_REVIEW = "Chairing a meeting"


def _environment(schema_url: str, chroma_url: str, remote: Path) -> dict[str, str]:
    """The settings every replica shares: the database, the Chroma server, the git remote, the cookie key."""
    return {"WORKBENCH_DATABASE_URL": schema_url, "WORKBENCH_CHROMA_URL": chroma_url,
            "WORKBENCH_LIBRARY_GIT_REMOTE": str(remote), "WORKBENCH_SESSION_SECRET": "replicas share this key",
            "WORKBENCH_LLM_PROVIDER": "fake", "ANONYMIZED_TELEMETRY": "False"}


def _settings(shared: dict[str, str], library: Path, data_dir: Path):
    from workbench.settings import Settings

    return Settings(library_dir=library, data_dir=data_dir, llm_provider="fake", database_url=shared["WORKBENCH_DATABASE_URL"],
                    chroma_url=shared["WORKBENCH_CHROMA_URL"], library_git_remote=shared["WORKBENCH_LIBRARY_GIT_REMOTE"])


def _prepare(settings) -> dict[str, int]:
    """The people, the index on the Chroma server, and the drafts, made through the services as replica A would."""
    from workbench.bootstrap import bootstrap
    from workbench.domain.drafts import DraftContent
    from workbench.library.draft_file import render_draft_file

    services = bootstrap(settings, password_hasher=FAST_HASHER)
    add_people(services.accounts, PEOPLE, PASSWORD)
    services.index.build()
    lifecycle = services.lifecycle
    ids = {}
    for title in (*APPROVED, IN_REVIEW):
        content = sample_content(title)
        draft = lifecycle.create_draft("ann", title=title, content=content, findings=[], skill_ids=["fb-giving"],
                                       markdown=render_draft_file(DraftContent.model_validate(content)))
        draft = lifecycle.submit("ann", draft.id, draft.revision)
        if title in APPROVED:
            for user, dimension in SIGN_OFFS:
                draft = lifecycle.sign_off(user, draft.id, dimension, draft.revision)
            assert draft.approved
        ids[title] = draft.id
    services.database.dispose()
    return ids


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres_url):
    """PostgreSQL schema + `chroma run` + bare git remote + two `workbench serve` replicas (A and B)."""
    root = tmp_path_factory.mktemp("replicas")
    seed = root / "seed-library"
    (seed / "feedback").mkdir(parents=True)
    (seed / "feedback" / "giving-feedback.md").write_text(FEEDBACK, encoding="utf-8")
    (seed / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    remote = make_remote(root, seed)
    schema = _PostgresSchema(postgres_url)
    with ExitStack() as stack:
        stack.callback(schema.drop)
        chroma = stack.enter_context(chroma_server(root / "chroma"))
        shared = _environment(schema.url, chroma.url, remote)
        dirs = {name: (root / name / "library", root / name / "data") for name in ("a", "b")}
        for name in dirs:
            (root / name).mkdir()
        ids = _prepare(_settings(shared, *dirs["a"]))
        bases = {name: stack.enter_context(serve_workbench(root / name, library, data_dir, shared))
                 for name, (library, data_dir) in dirs.items()}
        yield {"base": bases, "dirs": dirs, "remote": remote, "shared": shared, "ids": ids, "chroma": chroma}


@pytest.fixture
def browser():
    """One headless Chromium; each replica's user gets a context of their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _page(browser, base: str, user: str):
    """A fresh context signed in as `user` on one replica."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(120_000)
    _sign_in(page, base, user)
    return page


def _confirm_publish(page, draft_id: int) -> None:
    """On the Audit page's Publishing tab: "Publish…" for the draft, so that "Publish now" is one click away."""
    _open(page, "Audit")
    page.get_by_role("tab", name="Publishing").click()
    page.locator(f".st-key-wb_publish_{draft_id} button").click()
    page.locator(f".st-key-wb_publish_confirm_{draft_id} button").wait_for()
    _idle(page)


def _library_count(page) -> str:
    _open(page, "Library")
    page.get_by_role("tab", name="Browse").click()
    caption = page.get_by_text(" modules").filter(has_text=" of ").first
    caption.wait_for()
    return caption.inner_text()


def test_a_module_published_on_a_appears_in_the_library_of_b(replicas, browser):
    draft_id = replicas["ids"][APPROVED[0]]
    on_b = _page(browser, replicas["base"]["b"], "leo")
    assert _library_count(on_b) == "1 of 1 modules"

    on_a = _page(browser, replicas["base"]["a"], "lee")
    _confirm_publish(on_a, draft_id)
    on_a.locator(f".st-key-wb_publish_confirm_{draft_id} button").click()
    on_a.get_by_text(f"Published draft #{draft_id} into the library.").wait_for()

    on_b.reload()
    _idle(on_b)
    assert _library_count(on_b) == "2 of 2 modules"
    on_b.get_by_role("tab", name="Search").click()
    on_b.get_by_role("textbox", name="Search the library by meaning").fill(APPROVED[0])
    on_b.keyboard.press("Enter")
    on_b.get_by_text(f"{APPROVED[0]} › ").first.wait_for()
    assert len(commits_of_draft(replicas["remote"], draft_id)) == 1


def test_two_leads_publishing_at_the_same_moment_on_a_and_b_both_land_once(replicas, browser):
    first, second = replicas["ids"][APPROVED[1]], replicas["ids"][APPROVED[2]]
    on_a, on_b = _page(browser, replicas["base"]["a"], "lee"), _page(browser, replicas["base"]["b"], "leo")
    _confirm_publish(on_a, first)
    _confirm_publish(on_b, second)

    # Both clicks go out before either replica answers.
    on_a.locator(f".st-key-wb_publish_confirm_{first} button").click()
    on_b.locator(f".st-key-wb_publish_confirm_{second} button").click()
    on_a.get_by_text(f"Published draft #{first} into the library.").wait_for()
    on_b.get_by_text(f"Published draft #{second} into the library.").wait_for()

    remote = replicas["remote"]
    assert len(commits_of_draft(remote, first)) == 1 and len(commits_of_draft(remote, second)) == 1
    for title in APPROVED[1:]:
        stem = title.lower().replace(" ", "-")
        text = remote_file(remote, f"published/{stem}.md")
        assert text is not None and f"title: {title}" in text, text
    # Each replica's Library lists all the modules the remote holds now.
    assert _library_count(on_a) == _library_count(on_b) == "4 of 4 modules"


def test_a_sign_off_made_on_a_is_seen_on_b_at_once(replicas, browser):
    draft_id = replicas["ids"][IN_REVIEW]
    on_b = _page(browser, replicas["base"]["b"], "sam")
    _open(on_b, "Review queue")
    on_b.get_by_text(f"#{draft_id} · revision 1 · in_review").wait_for()
    on_b.get_by_role("button", name="Sign off").wait_for()

    on_a = _page(browser, replicas["base"]["a"], "sam")
    _open(on_a, "Review queue")
    on_a.get_by_text(f"#{draft_id} · revision 1 · in_review").wait_for()
    on_a.get_by_role("button", name="Sign off").click()
    on_a.get_by_text("Signed off accuracy on revision 1.").wait_for()

    on_b.reload()
    _idle(on_b)
    _open(on_b, "Review queue")
    # B's queue comes from the shared database: the draft sam signed on A is no longer waiting for sam.
    on_b.get_by_text("Nothing waiting for you.").wait_for()
    assert not on_b.get_by_text(f"#{draft_id} · revision 1 · in_review").count()


def test_the_audit_chain_verifies_on_both_replicas_afterwards(replicas):
    workbench = Path(sys.executable).parent / "workbench"
    for name, (library, data_dir) in replicas["dirs"].items():
        done = subprocess.run([str(workbench), "--library", str(library), "--data-dir", str(data_dir), "audit", "verify", "--json"],
                              capture_output=True, text=True, env={**os.environ, **replicas["shared"]}, timeout=120)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        result = json.loads(done.stdout)
        assert result["ok"] is True, (name, result)
