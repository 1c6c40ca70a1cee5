"""Every transition not in the table is refused with a named error saying why."""

from __future__ import annotations

import pytest

from review.errors import CommentRequired, InvalidInput, InvalidTransition, PermissionDenied
from review.policy import DraftState


def _call(review, action: str, user: str, draft):
    calls = {
        "submit": lambda: review.lifecycle.submit(user, draft.id, draft.revision),
        "sign_off": lambda: review.lifecycle.sign_off(user, draft.id, "accuracy", draft.revision),
        "request_changes": lambda: review.lifecycle.request_changes(user, draft.id, draft.revision, "please fix"),
        "reject": lambda: review.lifecycle.reject(user, draft.id, draft.revision, "off topic"),
        "archive": lambda: review.lifecycle.archive(user, draft.id, draft.revision),
        "publish": lambda: review.ledger.publish_transaction(user, draft.id, draft.revision, prepare=lambda c: None),
        "unpublish": lambda: review.ledger.unpublish_transaction(user, draft.id, "outdated"),
    }
    return calls[action]()


INVALID = [
    # (setup, action, user, error, message)
    ("drafting", "sign_off", "sam", InvalidTransition, "it is drafting"),
    ("drafting", "publish", "lena", InvalidTransition, "it is drafting"),
    ("drafting", "request_changes", "sam", InvalidTransition, "it is drafting"),
    ("in_review", "submit", "alice", InvalidTransition, "it is in_review"),
    ("in_review", "publish", "lena", InvalidTransition, "it is in_review"),
    ("approved", "sign_off", "sme2", InvalidTransition, "it is approved"),
    ("approved", "request_changes", "sme2", InvalidTransition, "it is approved"),
    ("rejected", "submit", "alice", InvalidTransition, "it is rejected"),
    ("archived", "submit", "alice", InvalidTransition, "it is archived"),
    ("changes_requested", "sign_off", "sam", InvalidTransition, "it is changes_requested"),
    ("drafting", "unpublish", "lena", InvalidTransition, "it is drafting"),
    ("approved", "publish", "alice", PermissionDenied, "needs one of the roles lead"),
    ("in_review", "submit", "sam", PermissionDenied, "needs one of the roles"),
]


def _setup(team, state: str):
    if state == "drafting":
        return team.draft()
    if state == "in_review":
        return team.in_review()
    if state == "approved":
        return team.approved()
    draft = team.in_review()
    if state == "rejected":
        return team.lifecycle.reject("sam", draft.id, draft.revision, "not for us")
    if state == "changes_requested":
        return team.lifecycle.request_changes("sam", draft.id, draft.revision, "needs sources")
    if state == "archived":
        return team.lifecycle.archive("lena", draft.id, draft.revision)
    raise AssertionError(state)


@pytest.mark.parametrize(("state", "action", "user", "error", "message"), INVALID)
def test_invalid_transition_is_named(team, state, action, user, error, message):
    draft = _setup(team, state)
    with pytest.raises(error, match=message):
        _call(team.review, action, user, draft)
    assert team.queries.get_draft(draft.id).state == DraftState(state)


def test_rejecting_and_requesting_changes_need_a_comment(team):
    draft = team.in_review()
    with pytest.raises(CommentRequired):
        team.lifecycle.reject("sam", draft.id, draft.revision, "  ")
    with pytest.raises(CommentRequired):
        team.lifecycle.request_changes("sam", draft.id, draft.revision, "")
    assert team.queries.get_draft(draft.id).state == DraftState.IN_REVIEW


def test_changes_requested_goes_back_to_drafting_through_a_revision(team):
    draft = team.in_review()
    draft = team.lifecycle.request_changes("cara", draft.id, draft.revision, "Use a non-US example")
    assert draft.state == DraftState.CHANGES_REQUESTED and draft.comments[-1].text == "Use a non-US example"
    draft = team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision, content=draft.content,
                                markdown=draft.markdown + "\nA Kenyan example.\n", findings=[])
    assert draft.state == DraftState.DRAFTING
    assert team.lifecycle.submit("alice", draft.id, draft.revision).state == DraftState.IN_REVIEW


def test_author_may_archive_only_their_own_draft(team, review):
    review.accounts.add_user("bob", "another password", ["author"], actor="lena")
    draft = team.draft()
    with pytest.raises(PermissionDenied, match="own drafts"):
        review.lifecycle.archive("bob", draft.id, draft.revision)
    assert review.lifecycle.archive("alice", draft.id, draft.revision).state == DraftState.ARCHIVED


def test_bad_input_is_refused_clearly(team, review):
    with pytest.raises(InvalidInput, match="U\\+0000"):
        team.draft(title="Intro\x00duction")
    with pytest.raises(InvalidInput, match="unknown dimension"):
        review.lifecycle.sign_off("sam", 1, "style", 1)
    with pytest.raises(InvalidInput, match="anchor"):
        draft = team.draft()
        review.lifecycle.comment("sam", draft.id, "hi", anchor="../../etc")
