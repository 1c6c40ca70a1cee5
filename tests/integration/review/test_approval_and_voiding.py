"""Approval is derived from the sign-offs on the current revision; any edit voids them."""

from __future__ import annotations

import pytest

from review.errors import InvalidTransition
from review.policy import Action, Dimension, DraftState


def test_three_sign_offs_by_three_people_approve_the_current_revision(team):
    draft = team.in_review()
    draft = team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    draft = team.lifecycle.sign_off("cara", draft.id, "cultural", draft.revision)
    assert not draft.approved and draft.state == DraftState.IN_REVIEW
    assert [d.value for d in draft.missing_dimensions] == ["ethics"]
    draft = team.lifecycle.sign_off("eric", draft.id, "ethics", draft.revision)
    assert draft.approved and draft.state == DraftState.APPROVED
    assert {s.content_hash for s in draft.sign_offs} == {draft.content_hash}
    assert [s.id for s in team.queries.list_drafts(state="approved")] == [draft.id]


def test_edit_after_full_approval_voids_every_sign_off_and_blocks_publishing(team):
    draft = team.approved()
    edited = team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision, content=draft.content,
                                 markdown=draft.markdown + "\nOne more line.\n", findings=[], note="typo")
    assert edited.revision == draft.revision + 1
    assert edited.sign_offs == [] and not edited.approved and edited.state == DraftState.DRAFTING
    voided = team.trail.rows(draft_id=draft.id, action="sign_off_voided")
    assert sorted(r["dimension"] for r in voided) == ["accuracy", "cultural", "ethics"]
    with pytest.raises(InvalidTransition, match="it is drafting"):
        team.ledger.publish_transaction("lena", draft.id, edited.revision, prepare=lambda context: pytest.fail("must not stage a file"))
    # Resubmitting does not bring the old sign-offs back.
    resubmitted = team.lifecycle.submit("alice", draft.id, edited.revision)
    assert resubmitted.state == DraftState.IN_REVIEW and resubmitted.sign_offs == []


def test_same_content_sent_twice_creates_no_revision_and_voids_nothing(team):
    draft = team.approved()
    again = team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision, content=draft.content,
                                markdown=draft.markdown, findings=[])
    assert again.revision == draft.revision and again.approved


def test_findings_update_does_not_void_sign_offs(team):
    draft = team.approved()
    updated = team.lifecycle.update_findings("alice", draft.id, expected_revision=draft.revision,
                                           findings=[{"check": "reading_level", "severity": "info", "message": "ok"}])
    assert updated.approved and updated.findings[0]["check"] == "reading_level"


def test_revisions_and_diff_are_readable(team):
    draft = team.draft(markdown="# Title\n\nLine one.\nLine two.\n")
    team.lifecycle.revise("alice", draft.id, expected_revision=1, content=draft.content,
                        markdown="# Title\n\nLine one.\nLine 2, clearer.\n", findings=[], note="clearer")
    history = team.queries.revisions(draft.id)
    assert [r.number for r in history] == [1, 2] and history[1].note == "clearer"
    diff = team.queries.diff(draft.id, 1, 2)
    assert "--- revision 1" in diff and "+++ revision 2" in diff
    assert "-Line two.\n" in diff and "+Line 2, clearer.\n" in diff


def test_comments_are_anchored_to_a_section_or_an_item(team):
    draft = team.in_review()
    comment = team.lifecycle.comment("sam", draft.id, "Cite the policy here.", anchor="section:s2")
    team.lifecycle.comment("cara", draft.id, "Good example.", anchor="item:q3")
    view = team.queries.get_draft(draft.id)
    assert [(c.user, c.anchor, c.text) for c in view.comments] == [
        ("sam", "section:s2", "Cite the policy here."), ("cara", "item:q3", "Good example.")]
    assert comment.revision == draft.revision


def test_actions_for_shows_only_what_the_user_may_do_now(team):
    draft = team.in_review()
    sam = team.queries.actions_for("sam", draft.id)
    assert sam.sign_off_dimensions == (Dimension.ACCURACY,) and sam.revision == draft.revision and sam.state == DraftState.IN_REVIEW
    alice = team.queries.actions_for("alice", draft.id)
    assert not alice.can(Action.SIGN_OFF) and not alice.can(Action.SUBMIT) and alice.can_edit
    team.lifecycle.sign_off("multi", draft.id, "cultural", draft.revision)
    multi = team.queries.actions_for("multi", draft.id)
    assert not multi.can(Action.SIGN_OFF) and multi.sign_off_dimensions == ()
    assert team.queries.actions_for("cult2", draft.id).sign_off_dimensions == ()
    assert not team.queries.actions_for("lena", draft.id).can(Action.PUBLISH)
    team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    team.lifecycle.sign_off("eric", draft.id, "ethics", draft.revision)
    assert team.queries.actions_for("lena", draft.id).can(Action.PUBLISH)
