"""Freshness: a published module whose cited passage changed or disappeared, or whose review is old, goes back to review."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from tests.support.drafts import sample_content
from tests.support.people import PASSWORD
from workbench.bootstrap import bootstrap
from workbench.errors import NotFlagged
from workbench.settings import Settings

SOURCE = """---
id: coaching-basics
title: Coaching basics
---

# Coaching basics

## Ask before you advise

Open with a question about what the person already tried.
Wait for the answer before offering your own view.

## Agree the next step

Close by agreeing one concrete next step and a date to review it.
"""


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workbench(tmp_path, database, embedder, clock, team):
    """A library with a source module, indexed; the services on the test database, with the test's clock."""
    library = tmp_path / "library"
    (library / "sources").mkdir(parents=True)
    (library / "sources" / "coaching.md").write_text(SOURCE, encoding="utf-8")
    url = database.url.render_as_string(hide_password=False)
    settings = Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake", database_url=url)
    services = bootstrap(settings, embedder=embedder, clock=clock)
    services.index.build()
    return services


def _cited_chunk(services, heading: str) -> str:
    return next(c.id for c in services.index.scan().chunks if c.module_id == "coaching-basics" and c.heading == heading)


def _publish_citing(services, team, heading: str = "Ask before you advise"):
    content = sample_content("Coaching conversations")
    content["provenance"]["retrieved_chunk_ids"] = [_cited_chunk(services, heading)]
    approved = team.approved(title="Coaching conversations", content=content)
    published = services.publisher.publish("lena", approved.id, approved.revision)
    assert published.warning == ""
    return approved, published


def _edit_source(services, old: str, new: str) -> None:
    path = services.settings.library_dir / "sources" / "coaching.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    services.index.build()


def test_an_edited_cited_passage_flags_the_module_with_its_diff_and_other_edits_do_not(workbench, team):
    approved, published = _publish_citing(workbench, team)
    assert workbench.freshness.flags() == []
    _edit_source(workbench, "one concrete next step", "two concrete next steps")  # a passage it does not cite
    assert workbench.freshness.flags() == []

    _edit_source(workbench, "Wait for the answer before offering your own view.",
                 "Listen to the whole answer before offering <b>your</b> view.")
    [flag] = workbench.freshness.flags()
    assert (flag.draft_id, flag.module_id, flag.author, flag.stale) == (approved.id, published.module_id, "alice", False)
    [change] = flag.changes
    assert (change.module_id, change.heading, change.what) == ("coaching-basics", "Ask before you advise", "changed")
    assert "-Wait for the answer before offering your own view." in change.diff.splitlines()
    assert "+Listen to the whole answer before offering <b>your</b> view." in change.diff.splitlines()
    assert " Open with a question about what the person already tried." in change.diff.splitlines()
    assert flag.reasons == ["source changed: coaching-basics / Ask before you advise"]


def test_a_removed_source_module_is_reported_as_disappeared(workbench, team):
    _publish_citing(workbench, team)
    (workbench.settings.library_dir / "sources" / "coaching.md").unlink()
    workbench.index.build()
    [flag] = workbench.freshness.flags()
    [change] = flag.changes
    assert (change.what, change.diff) == ("disappeared", "")
    assert "Wait for the answer before offering your own view." in change.published_text
    assert flag.reasons == ["source disappeared: coaching-basics / Ask before you advise"]


def test_a_review_older_than_the_setting_is_stale_and_reopening_voids_the_sign_offs(workbench, team, clock):
    approved, published = _publish_citing(workbench, team)
    clock.now += timedelta(days=364)
    assert workbench.freshness.flags() == []  # default: stale after 365 days
    clock.now += timedelta(days=2)
    [flag] = workbench.freshness.flags()
    assert flag.stale and flag.changes == [] and flag.reasons[0].startswith("last reviewed ")

    reopened = workbench.freshness.reopen("alice", published.module_id)
    assert (reopened.id, reopened.revision, reopened.state.value) == (approved.id, approved.revision + 1, "drafting")
    assert reopened.sign_offs == [] and not reopened.approved
    assert reopened.content == approved.content and reopened.markdown == approved.markdown
    finding = next(f for f in reopened.findings if f["check"] == "freshness")
    assert finding["message"] == "freshness: " + flag.reasons[0]
    assert workbench.freshness.flags() == []  # back in the review queue, no longer listed
    with pytest.raises(NotFlagged, match=rf"^module '{published.module_id}' is not flagged"):
        workbench.freshness.reopen("alice", published.module_id)


def test_the_cli_lists_flags_as_json_and_reopens_a_module_with_the_diff_as_a_finding(workbench, team, database, monkeypatch):
    approved, published = _publish_citing(workbench, team)
    _edit_source(workbench, "what the person already tried", "what they have tried so far")
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", database.url.render_as_string(hide_password=False))
    from workbench.cli import app

    def run(*args, password=None):
        return CliRunner().invoke(app, ["--library", str(workbench.settings.library_dir),
                                        "--data-dir", str(workbench.settings.data_dir), *args],
                                  input=password + "\n" if password else None)

    listed = run("freshness", "--json")
    assert listed.exit_code == 0, listed.output
    [module] = json.loads(listed.stdout)["modules"]
    assert module["module_id"] == published.module_id and module["changes"][0]["what"] == "changed"
    assert "+Open with a question about what they have tried so far." in module["changes"][0]["diff"].splitlines()

    refused = run("freshness", "reopen", "no-such-module", "--as", "alice", "--password-stdin", password=PASSWORD)
    assert refused.exit_code != 0 and refused.stderr.startswith("error: module 'no-such-module' is not flagged")
    opened = run("freshness", "reopen", published.module_id, "--as", "alice", "--password-stdin", "--json", password=PASSWORD)
    assert opened.exit_code == 0, opened.output
    data = json.loads(opened.stdout)
    assert (data["draft_id"], data["revision"], data["state"]) == (approved.id, approved.revision + 1, "drafting")
    assert "-Open with a question about what the person already tried." in data["finding"]["details"]
