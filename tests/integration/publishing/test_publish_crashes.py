"""A crash at any step of publishing or unpublishing leaves the old state or the new one, never a mix."""

from __future__ import annotations

import hashlib

import pytest

from review.errors import PublishError
from review.policy import DraftState
from tests.support.drafts import with_section_text
from tests.support.review_db import ReviewStack
from workbench.library.loader import is_module_file
from workbench.publishing.service import STEPS, UNPUBLISH_STEPS, Publisher

PRE_COMMIT = {"staged", "before_commit"}


class SimulatedCrash(BaseException):
    """Like the process dying: not an Exception, so no `except Exception` clean-up runs."""


def crash_at(step: str):
    def hook(current: str) -> None:
        if current == step:
            raise SimulatedCrash(step)
    return hook


def _fresh(team, publish_settings, index):
    """A new process: fresh service and publisher on the same database and library (recovery runs)."""
    review = ReviewStack.on(team.review.database)
    publisher = Publisher(publish_settings, review.ledger, index)
    # A restarted process leaves young temp files alone (another replica may be publishing);
    # by the time it sweeps, the crashed one's is long stale.
    publisher.recover(stale_temp_seconds=0)
    return review, publisher


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_consistent(review, library, index, draft_id, *, recovered: bool = True):
    """Database, library file and index agree; no half-written file is visible to the library."""
    view = review.queries.get_draft(draft_id)
    records = {r.draft_id: r for r in review.ledger.publications()}
    published_dir = library / "published"
    visible = sorted(p.name for p in published_dir.iterdir() if is_module_file(f"published/{p.name}"))
    if recovered:
        assert not [p for p in published_dir.iterdir() if p.name.endswith(".wbtmp")]
    record = records.get(draft_id)
    if record is None:
        assert view.state == DraftState.APPROVED and visible == ["intro.md"]
        return "old"
    path = library / record.path
    if record.present:
        assert path.read_text(encoding="utf-8") == record.text
        assert index.indexed.get(record.path) == _sha(path)
        assert view.published_path == record.path
    else:
        assert not path.exists() and record.path not in index.indexed
        assert view.state == DraftState.ARCHIVED
    return record


@pytest.mark.parametrize("step", STEPS)
def test_crash_during_first_publish(team, publish_settings, index, library, step):
    draft = team.approved()
    publisher = Publisher(publish_settings, team.ledger, index, fault_hook=crash_at(step))
    with pytest.raises(SimulatedCrash):
        publisher.publish("lena", draft.id, draft.revision)
    if step in PRE_COMMIT:
        # Even before any repair the library shows the old state: the staged file is hidden.
        assert _assert_consistent(team.review, library, index, draft.id, recovered=False) == "old"
        Publisher(publish_settings, team.ledger, index)  # a young staged file may be another replica's: kept
        assert list((library / "published").glob(".*.wbtmp"))
        _fresh(team, publish_settings, index)
        assert _assert_consistent(team.review, library, index, draft.id) == "old"
        return
    review, _ = _fresh(team, publish_settings, index)
    record = _assert_consistent(review, library, index, draft.id)
    assert record != "old" and record.present and review.queries.get_draft(draft.id).state == DraftState.PUBLISHED


@pytest.mark.parametrize("step", STEPS)
def test_crash_while_republishing_a_new_revision(team, publish_settings, index, library, step):
    draft = team.approved()
    first = Publisher(publish_settings, team.ledger, index).publish("lena", draft.id, draft.revision)
    old_text = (library / first.path).read_text(encoding="utf-8")
    content = with_section_text(draft.content, "Second revision.")
    edited = team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision, content=content,
                                   markdown=draft.markdown.replace("once a year.", "once a year. Second revision.", 1), findings=[])
    team.lifecycle.submit("alice", draft.id, edited.revision)
    for user, dimension in (("sme2", "accuracy"), ("cult2", "cultural"), ("eth2", "ethics")):
        team.lifecycle.sign_off(user, draft.id, dimension, edited.revision)
    with pytest.raises(SimulatedCrash):
        Publisher(publish_settings, team.ledger, index, fault_hook=crash_at(step)).publish("lena", draft.id, edited.revision)
    review, _ = _fresh(team, publish_settings, index)
    record = _assert_consistent(review, library, index, draft.id)
    text = (library / first.path).read_text(encoding="utf-8")
    if step in PRE_COMMIT:
        assert record.revision == 1 and text == old_text and review.queries.get_draft(draft.id).state == DraftState.APPROVED
    else:
        assert record.revision == 2 and "Second revision." in text and "Second revision." not in old_text
        assert review.queries.get_draft(draft.id).state == DraftState.PUBLISHED


@pytest.mark.parametrize("step", UNPUBLISH_STEPS)
def test_crash_during_unpublish(team, publish_settings, index, library, step):
    draft = team.approved()
    result = Publisher(publish_settings, team.ledger, index).publish("lena", draft.id, draft.revision)
    with pytest.raises(SimulatedCrash):
        Publisher(publish_settings, team.ledger, index, fault_hook=crash_at(step)).unpublish("lena", draft.id, "outdated")
    review, _ = _fresh(team, publish_settings, index)
    record = _assert_consistent(review, library, index, draft.id)
    assert not record.present and not (library / result.path).exists()


def test_disk_error_while_staging_publishes_nothing(team, publish_settings, index, library):
    def disk_full(step: str) -> None:
        if step == "staged":
            raise OSError(28, "No space left on device")

    draft = team.approved()
    with pytest.raises(PublishError, match="nothing was published"):
        Publisher(publish_settings, team.ledger, index, fault_hook=disk_full).publish("lena", draft.id, draft.revision)
    assert _assert_consistent(team.review, library, index, draft.id) == "old"
    assert [r["action"] for r in team.trail.rows(draft_id=draft.id)][-1] == "approved"
