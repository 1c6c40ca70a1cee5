"""Roles, states, the transition table per role and the sign-off policy: plain Python, no database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

from review.errors import (
    InvalidInput,
    InvalidTransition,
    OneDimensionPerReviewer,
    PermissionDenied,
    SelfApprovalDenied,
)


class Role(StrEnum):
    """What a user may do; a user may hold several roles."""

    AUTHOR = "author"
    ACCURACY_REVIEWER = "accuracy_reviewer"
    CULTURAL_REVIEWER = "cultural_reviewer"
    ETHICS_REVIEWER = "ethics_reviewer"
    LEAD = "lead"


class Dimension(StrEnum):
    """The three things a draft is signed off on."""

    ACCURACY = "accuracy"
    CULTURAL = "cultural"
    ETHICS = "ethics"


class DraftState(StrEnum):
    """Where a draft is in its life.

    APPROVED is never stored: a draft stored as IN_REVIEW *is* approved when its current revision
    carries all three sign-offs (see `effective_state`).
    """

    DRAFTING = "drafting"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Action(StrEnum):
    """Everything that changes a draft."""

    CREATE = "create"
    REVISE = "revise"
    UPDATE_FINDINGS = "update_findings"
    SUBMIT = "submit"
    SIGN_OFF = "sign_off"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    ARCHIVE = "archive"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    COMMENT = "comment"


REVIEWER_ROLE = {
    Dimension.ACCURACY: Role.ACCURACY_REVIEWER,
    Dimension.CULTURAL: Role.CULTURAL_REVIEWER,
    Dimension.ETHICS: Role.ETHICS_REVIEWER,
}
REVIEWER_ROLES = frozenset(REVIEWER_ROLE.values())
ALL_DIMENSIONS = tuple(Dimension)

S = DraftState
_EDITABLE = frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.PUBLISHED})
_ANY_LIVE = frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.REJECTED})


def _reviewers(states: frozenset[DraftState]) -> dict[Role, frozenset[DraftState]]:
    return {role: states for role in REVIEWER_ROLES}


# For each action: which role may perform it from which (effective) states.  Anything absent is denied.
TRANSITIONS: dict[Action, dict[Role, frozenset[DraftState]]] = {
    Action.REVISE: {Role.AUTHOR: _EDITABLE, Role.LEAD: _EDITABLE},
    Action.UPDATE_FINDINGS: {Role.AUTHOR: _ANY_LIVE, Role.LEAD: _ANY_LIVE, **_reviewers(_ANY_LIVE)},
    Action.SUBMIT: {Role.AUTHOR: frozenset({S.DRAFTING}), Role.LEAD: frozenset({S.DRAFTING})},
    Action.SIGN_OFF: _reviewers(frozenset({S.IN_REVIEW})),
    Action.REQUEST_CHANGES: {**_reviewers(frozenset({S.IN_REVIEW})), Role.LEAD: frozenset({S.IN_REVIEW})},
    Action.REJECT: {**_reviewers(frozenset({S.IN_REVIEW})), Role.LEAD: frozenset({S.IN_REVIEW, S.APPROVED})},
    Action.ARCHIVE: {
        Role.AUTHOR: frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.REJECTED}),
        Role.LEAD: frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.REJECTED}),
    },
    Action.PUBLISH: {Role.LEAD: frozenset({S.APPROVED})},
    Action.UNPUBLISH: {Role.LEAD: frozenset({S.PUBLISHED})},
    Action.COMMENT: {role: _ANY_LIVE | {S.ARCHIVED} for role in Role},
}

# The stored state an action leaves behind (None: unchanged).
TARGET_STATE: dict[Action, DraftState | None] = {
    Action.REVISE: S.DRAFTING,
    Action.UPDATE_FINDINGS: None,
    Action.SUBMIT: S.IN_REVIEW,
    Action.SIGN_OFF: None,
    Action.REQUEST_CHANGES: S.CHANGES_REQUESTED,
    Action.REJECT: S.REJECTED,
    Action.ARCHIVE: S.ARCHIVED,
    Action.PUBLISH: S.PUBLISHED,
    Action.UNPUBLISH: S.ARCHIVED,
    Action.COMMENT: None,
}


@dataclass(frozen=True)
class Actor:
    """The acting user as loaded inside the transaction (roles as they are *now*)."""

    id: int
    name: str
    roles: frozenset[Role]
    disabled: bool


def parse_roles(roles: Iterable[str | Role]) -> frozenset[Role]:
    """Roles from their names, with an error listing the valid ones."""
    parsed = set()
    for role in roles:
        try:
            parsed.add(Role(str(role).strip().lower()))
        except ValueError:
            valid = ", ".join(r.value for r in Role)
            raise InvalidInput(f"unknown role {role!r}; valid roles: {valid}") from None
    return frozenset(parsed)


def parse_dimension(dimension: str | Dimension) -> Dimension:
    """A dimension from its name, with an error listing the valid ones."""
    try:
        return Dimension(str(dimension).strip().lower())
    except ValueError:
        valid = ", ".join(d.value for d in Dimension)
        raise InvalidInput(f"unknown dimension {dimension!r}; valid dimensions: {valid}") from None


def effective_state(stored: DraftState, signed_dimensions: Iterable[Dimension]) -> DraftState:
    """The state users see: IN_REVIEW with all three sign-offs on the current revision is APPROVED."""
    if stored == S.IN_REVIEW and set(signed_dimensions) >= set(ALL_DIMENSIONS):
        return S.APPROVED
    return stored


def allowed_actions(actor: Actor, state: DraftState) -> list[Action]:
    """The actions this actor's roles allow from this state (before separation-of-duties checks)."""
    if actor.disabled:
        return []
    return [action for action, table in TRANSITIONS.items() if any(state in table.get(r, ()) for r in actor.roles)]


def authorize(actor: Actor, action: Action, state: DraftState, draft_id: int | None = None) -> None:
    """Raise PermissionDenied or InvalidTransition unless the actor's roles allow the action now."""
    where = f"draft {draft_id}" if draft_id is not None else "the draft"
    if actor.disabled:
        raise PermissionDenied(f"user {actor.name!r} is disabled")
    table = TRANSITIONS[action]
    roles_for_action = [role for role in table if role in actor.roles]
    if not roles_for_action:
        needed = ", ".join(sorted(role.value for role in table))
        raise PermissionDenied(f"user {actor.name!r} may not {action.value.replace('_', ' ')} {where}: needs one of the roles {needed}")
    if not any(state in table[role] for role in roles_for_action):
        allowed_from = sorted({s.value for role in roles_for_action for s in table[role]})
        raise InvalidTransition(
            f"cannot {action.value.replace('_', ' ')} {where}: it is {state.value}; "
            f"as {', '.join(sorted(r.value for r in roles_for_action))} you may only do that when it is {' or '.join(allowed_from)}"
        )


def check_sign_off(
    actor: Actor,
    dimension: Dimension,
    *,
    draft_id: int,
    revision: int,
    contributors: set[int],
    signer_dimension: Dimension | None,
) -> None:
    """Separation of duties for a sign-off: right role, not a contributor, one dimension per person."""
    role = REVIEWER_ROLE[dimension]
    if role not in actor.roles:
        raise PermissionDenied(
            f"user {actor.name!r} may not sign off {dimension.value} on draft {draft_id}: needs the role {role.value}"
        )
    if actor.id in contributors:
        raise SelfApprovalDenied(
            f"user {actor.name!r} authored, generated or edited draft {draft_id} and may not sign it off; "
            "ask another reviewer"
        )
    if signer_dimension is not None and signer_dimension != dimension:
        raise OneDimensionPerReviewer(
            f"user {actor.name!r} already signed off {signer_dimension.value} on revision {revision} of draft {draft_id}; "
            f"one person signs at most one dimension, ask another {role.value.replace('_', ' ')}"
        )
