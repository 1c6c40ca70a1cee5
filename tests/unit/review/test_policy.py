"""The transition table and the sign-off policy, as plain data and functions."""

from __future__ import annotations

import pytest

from review.errors import InvalidInput, InvalidTransition, OneDimensionPerReviewer, PermissionDenied, SelfApprovalDenied
from review.policy import (
    TRANSITIONS,
    Action,
    Actor,
    Dimension,
    DraftState,
    Role,
    allowed_actions,
    authorize,
    check_sign_off,
    effective_state,
    parse_dimension,
    parse_roles,
)


def actor(*roles: Role, disabled: bool = False, user_id: int = 7) -> Actor:
    return Actor(id=user_id, name="pat", roles=frozenset(roles), disabled=disabled)


def test_approved_is_derived_from_three_sign_offs_while_in_review():
    assert effective_state(DraftState.IN_REVIEW, [Dimension.ACCURACY, Dimension.CULTURAL]) == DraftState.IN_REVIEW
    assert effective_state(DraftState.IN_REVIEW, list(Dimension)) == DraftState.APPROVED
    assert effective_state(DraftState.DRAFTING, list(Dimension)) == DraftState.DRAFTING


def test_approved_is_never_a_stored_target_state():
    from review.policy import TARGET_STATE

    assert DraftState.APPROVED not in TARGET_STATE.values()


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
    assert all(table for table in TRANSITIONS.values())


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
