"""The transition table and the sign-off policy, as plain data and functions."""

from __future__ import annotations

import pytest

from review.errors import InvalidInput, InvalidTransition, OneDimensionPerReviewer, PermissionDenied, SelfApprovalDenied
from review.policy import (
    REVIEWER_ROLE,
    TRANSITIONS,
    Action,
    Actor,
    Dimension,
    DraftState,
    Role,
    StandingSignOff,
    allowed_actions,
    authorize,
    check_sign_off,
    counted_dimensions,
    draft_actions,
    effective_state,
    holds_approval,
    is_approved,
    lapse_reason,
    parse_dimension,
    parse_roles,
)


def actor(*roles: Role, disabled: bool = False, user_id: int = 7) -> Actor:
    return Actor(id=user_id, name="pat", roles=frozenset(roles), disabled=disabled)


def signed(*dimensions: Dimension, disabled: frozenset = frozenset(), lost_role: frozenset = frozenset()) -> list[StandingSignOff]:
    """Sign-offs by one reviewer per dimension, optionally since disabled or stripped of the role."""
    return [StandingSignOff(d, index, f"r{index}", d in disabled, frozenset() if d in lost_role else frozenset({REVIEWER_ROLE[d]}))
            for index, d in enumerate(dimensions)]


def test_approved_is_derived_from_three_sign_offs_while_in_review():
    assert effective_state(DraftState.IN_REVIEW, signed(Dimension.ACCURACY, Dimension.CULTURAL)) == DraftState.IN_REVIEW
    assert effective_state(DraftState.IN_REVIEW, signed(*Dimension)) == DraftState.APPROVED
    assert effective_state(DraftState.DRAFTING, signed(*Dimension)) == DraftState.DRAFTING


def test_a_sign_off_by_someone_disabled_or_without_the_role_does_not_count():
    gone = signed(*Dimension, disabled=frozenset({Dimension.ETHICS}))
    assert not is_approved(gone) and counted_dimensions(gone) == {Dimension.ACCURACY, Dimension.CULTURAL}
    assert lapse_reason(gone[2]) == "r2 has been disabled since signing"
    demoted = signed(*Dimension, lost_role=frozenset({Dimension.ACCURACY}))
    assert effective_state(DraftState.IN_REVIEW, demoted) == DraftState.IN_REVIEW
    assert lapse_reason(demoted[0]) == "r0 no longer holds the role accuracy_reviewer" and lapse_reason(demoted[1]) is None


def test_approved_is_never_a_stored_target_state():
    assert DraftState.APPROVED not in {rule.target for rule in TRANSITIONS.values()}


def test_the_table_says_where_each_action_leads():
    assert TRANSITIONS[Action.SUBMIT].target == DraftState.IN_REVIEW
    assert TRANSITIONS[Action.REVISE].target == DraftState.DRAFTING
    assert TRANSITIONS[Action.UNPUBLISH].target == DraftState.ARCHIVED
    assert TRANSITIONS[Action.SIGN_OFF].target is None and TRANSITIONS[Action.COMMENT].target is None


def test_approval_is_one_rule():
    assert is_approved(signed(*Dimension)) and not is_approved(signed(Dimension.ACCURACY, Dimension.ETHICS))
    assert holds_approval(DraftState.PUBLISHED, signed(*Dimension)) and not holds_approval(DraftState.DRAFTING, signed(*Dimension))
    assert not holds_approval(DraftState.PUBLISHED, signed(*Dimension, disabled=frozenset({Dimension.CULTURAL})))


def _actions(actor_, state, *, author_id=1, contributors=frozenset({1}), signers=None):
    return draft_actions(actor_, state, draft_id=4, revision=2, author_id=author_id, contributors=set(contributors),
                         signers=signers or {})


def test_a_reviewer_is_offered_only_the_dimensions_they_may_sign():
    reviewer = actor(Role.ACCURACY_REVIEWER, Role.ETHICS_REVIEWER)
    offered = _actions(reviewer, DraftState.IN_REVIEW, signers={Dimension.ACCURACY: 99})
    assert offered.sign_off_dimensions == (Dimension.ETHICS,) and offered.decides and not offered.can_edit
    assert offered.can(Action.REQUEST_CHANGES) and offered.can(Action.REJECT)
    # Once they signed one dimension, they may sign no other on this revision.
    signed = _actions(reviewer, DraftState.IN_REVIEW, signers={Dimension.ACCURACY: reviewer.id})
    assert signed.sign_off_dimensions == () and not signed.can(Action.SIGN_OFF)


def test_a_contributor_is_never_offered_a_sign_off():
    author_reviewer = actor(Role.AUTHOR, Role.ACCURACY_REVIEWER)
    offered = _actions(author_reviewer, DraftState.IN_REVIEW, author_id=author_reviewer.id, contributors={author_reviewer.id})
    assert offered.sign_off_dimensions == () and not offered.can(Action.SIGN_OFF)


def test_an_author_edits_and_submits_and_is_told_an_edit_voids_sign_offs():
    author = actor(Role.AUTHOR)
    drafting = _actions(author, DraftState.DRAFTING, author_id=author.id)
    assert drafting.can_edit and drafting.can(Action.SUBMIT) and not drafting.edit_voids_sign_offs
    approved = _actions(author, DraftState.APPROVED, author_id=author.id)
    assert approved.can_edit and approved.edit_voids_sign_offs and not approved.can(Action.SUBMIT)
    assert not _actions(author, DraftState.DRAFTING, author_id=999).can(Action.ARCHIVE)  # someone else's draft
    assert _actions(actor(Role.LEAD), DraftState.DRAFTING, author_id=999).can(Action.ARCHIVE)


def test_a_disabled_user_is_offered_nothing():
    assert _actions(actor(Role.LEAD, disabled=True), DraftState.APPROVED).actions == frozenset()


@pytest.mark.parametrize(("roles", "action", "state", "allowed"), [
    ((Role.AUTHOR,), Action.SUBMIT, DraftState.DRAFTING, True),
    ((Role.AUTHOR,), Action.SUBMIT, DraftState.IN_REVIEW, False),
    ((Role.ACCURACY_REVIEWER,), Action.SIGN_OFF, DraftState.IN_REVIEW, True),
    ((Role.ACCURACY_REVIEWER,), Action.SIGN_OFF, DraftState.APPROVED, False),
    ((Role.LEAD,), Action.PUBLISH, DraftState.APPROVED, True),
    ((Role.LEAD,), Action.PUBLISH, DraftState.IN_REVIEW, False),
    ((Role.LEAD,), Action.REJECT, DraftState.APPROVED, True),
    ((Role.ETHICS_REVIEWER,), Action.REJECT, DraftState.APPROVED, False),
    ((Role.LEAD,), Action.UNPUBLISH, DraftState.PUBLISHED, True),
    ((Role.AUTHOR,), Action.REVISE, DraftState.PUBLISHED, True),
    ((Role.AUTHOR,), Action.REVISE, DraftState.ARCHIVED, False),
])
def test_transition_table(roles, action, state, allowed):
    assert (action in allowed_actions(actor(*roles), state)) is allowed


def test_missing_role_is_a_permission_error_naming_the_roles():
    with pytest.raises(PermissionDenied, match="needs one of the roles lead"):
        authorize(actor(Role.AUTHOR), Action.PUBLISH, DraftState.APPROVED, 4)


def test_wrong_state_is_an_invalid_transition_naming_the_state():
    with pytest.raises(InvalidTransition, match="cannot publish draft 4: it is in_review"):
        authorize(actor(Role.LEAD), Action.PUBLISH, DraftState.IN_REVIEW, 4)


def test_disabled_user_may_do_nothing():
    assert allowed_actions(actor(Role.LEAD, disabled=True), DraftState.APPROVED) == []
    with pytest.raises(PermissionDenied, match="disabled"):
        authorize(actor(Role.LEAD, disabled=True), Action.PUBLISH, DraftState.APPROVED)


def test_every_action_names_at_least_one_role():
    assert all(rule.allowed for rule in TRANSITIONS.values())


def test_sign_off_policy():
    reviewer = actor(Role.ACCURACY_REVIEWER, Role.CULTURAL_REVIEWER)
    check_sign_off(reviewer, Dimension.ACCURACY, draft_id=1, revision=1, contributors={1, 2}, signer_dimension=None)
    with pytest.raises(SelfApprovalDenied):
        check_sign_off(reviewer, Dimension.ACCURACY, draft_id=1, revision=1, contributors={7}, signer_dimension=None)
    with pytest.raises(OneDimensionPerReviewer):
        check_sign_off(reviewer, Dimension.CULTURAL, draft_id=1, revision=1, contributors=set(), signer_dimension=Dimension.ACCURACY)
    with pytest.raises(PermissionDenied, match="ethics_reviewer"):
        check_sign_off(reviewer, Dimension.ETHICS, draft_id=1, revision=1, contributors=set(), signer_dimension=None)


def test_parsing_roles_and_dimensions_lists_the_valid_values():
    assert parse_roles(["Lead", " author "]) == {Role.LEAD, Role.AUTHOR}
    with pytest.raises(InvalidInput, match="valid roles: author"):
        parse_roles(["admin"])
    with pytest.raises(InvalidInput, match="accuracy, cultural, ethics"):
        parse_dimension("style")
