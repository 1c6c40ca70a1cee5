"""A sign-off by someone since disabled or stripped of the role no longer counts; the draft says whose and why."""

from __future__ import annotations

import pytest

from review.actors import SHELL
from review.errors import InvalidTransition
from review.policy import Action, Dimension, DraftState


def test_a_disabled_signer_s_sign_off_no_longer_approves_the_draft(team):
    draft = team.approved()
    team.accounts.disable_user(SHELL, "sam")
    view = team.queries.get_draft(draft.id)
    assert view.state == DraftState.IN_REVIEW and not view.approved
    assert view.missing_dimensions == [Dimension.ACCURACY]
    assert [s.user for s in view.sign_offs] == ["cara", "eric"]
    [lapsed] = view.lapsed_sign_offs
    assert (lapsed.dimension, lapsed.user, lapsed.lapsed_because) == (Dimension.ACCURACY, "sam", "sam has been disabled since signing")
    [summary] = team.queries.list_drafts(state="in_review")
    assert summary.id == draft.id and summary.missing_dimensions == (Dimension.ACCURACY,)
    assert summary.lapsed_dimensions == (Dimension.ACCURACY,) and team.queries.list_drafts(state="approved") == []
    with pytest.raises(InvalidTransition, match="it is in_review"):
        team.ledger.publish_transaction("lena", draft.id, draft.revision, prepare=lambda context: pytest.fail("must not stage"))


def test_a_signer_who_lost_the_role_no_longer_counts_and_counts_again_when_it_is_back(team):
    draft = team.approved()
    team.accounts.set_roles(SHELL, "cara", ["author"])
    view = team.queries.get_draft(draft.id)
    assert not view.approved and view.missing_dimensions == [Dimension.CULTURAL]
    assert view.lapsed_sign_offs[0].lapsed_because == "cara no longer holds the role cultural_reviewer"
    # Derived when read: nothing was stored, so giving the role back restores the approval.
    team.accounts.set_roles(SHELL, "cara", ["cultural_reviewer"])
    assert team.queries.get_draft(draft.id).approved


def test_another_reviewer_replaces_a_lapsed_sign_off_and_the_replacement_is_audited(team):
    draft = team.approved()
    team.accounts.disable_user(SHELL, "sam")
    offered = team.queries.actions_for("sme2", draft.id)
    assert offered.can(Action.SIGN_OFF) and offered.sign_off_dimensions == (Dimension.ACCURACY,)
    view = team.lifecycle.sign_off("sme2", draft.id, "accuracy", draft.revision)
    assert view.approved and view.state == DraftState.APPROVED and view.lapsed_sign_offs == []
    assert {s.dimension: s.user for s in view.sign_offs}[Dimension.ACCURACY] == "sme2"
    [voided] = team.trail.rows(draft_id=draft.id, action="sign_off_voided")
    assert voided["dimension"] == "accuracy" and voided["details"] == {
        "signed_by": "sam", "lapsed": "sam has been disabled since signing", "replaced_by": "sme2"}
    assert team.trail.rows(draft_id=draft.id)[-1]["action"] == "approved"
    # Re-enabling sam later does not bring back a second accuracy sign-off.
    team.accounts.disable_user(SHELL, "sam", disabled=False)
    again = team.queries.get_draft(draft.id)
    assert [s.user for s in again.sign_offs if s.dimension == Dimension.ACCURACY] == ["sme2"]


def test_a_sign_off_that_still_counts_cannot_be_replaced(team):
    draft = team.in_review()
    team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    assert team.queries.actions_for("sme2", draft.id).sign_off_dimensions == ()
    with pytest.raises(InvalidTransition, match="already signed off on revision 1 .* by sam"):
        team.lifecycle.sign_off("sme2", draft.id, "accuracy", draft.revision)
