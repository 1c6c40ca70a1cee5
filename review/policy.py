"""Roles, states, the transition table per role and the sign-off policy: plain Python, no database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Mapping, Protocol, Sequence

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
    WAIVE_FINDING = "waive_finding"


# Actions taken on what a person read: each must name that revision (a newer one refuses it).
REVISION_BOUND = frozenset({Action.REVISE, Action.UPDATE_FINDINGS, Action.SUBMIT, Action.SIGN_OFF,
                            Action.REQUEST_CHANGES, Action.REJECT, Action.PUBLISH, Action.WAIVE_FINDING})
# Actions an error finding of the current revision blocks until a new revision resolves it or it is waived.
GATED_BY_FINDINGS = frozenset({Action.SUBMIT, Action.SIGN_OFF, Action.PUBLISH})

REVIEWER_ROLE = {
    Dimension.ACCURACY: Role.ACCURACY_REVIEWER,
    Dimension.CULTURAL: Role.CULTURAL_REVIEWER,
    Dimension.ETHICS: Role.ETHICS_REVIEWER,
}
REVIEWER_ROLES = frozenset(REVIEWER_ROLE.values())
ALL_DIMENSIONS = tuple(Dimension)

S = DraftState
EDITABLE_STATES = frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.PUBLISHED})
_ANY_LIVE = frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.REJECTED})
# Who may start a draft (there is no state to start from).
CREATOR_ROLES = frozenset({Role.AUTHOR, Role.LEAD})


def _reviewers(states: frozenset[DraftState]) -> dict[Role, frozenset[DraftState]]:
    return {role: states for role in REVIEWER_ROLES}


@dataclass(frozen=True)
class Transition:
    """One action: which role may perform it from which (effective) states, and the stored state it leaves."""

    allowed: Mapping[Role, frozenset[DraftState]]
    target: DraftState | None  # None: the stored state is unchanged


# The single source of who may do what from where, and where it leads. Anything absent is denied.
TRANSITIONS: dict[Action, Transition] = {
    Action.REVISE: Transition({Role.AUTHOR: EDITABLE_STATES, Role.LEAD: EDITABLE_STATES}, S.DRAFTING),
    Action.UPDATE_FINDINGS: Transition({Role.AUTHOR: _ANY_LIVE, Role.LEAD: _ANY_LIVE, **_reviewers(_ANY_LIVE)}, None),
    Action.SUBMIT: Transition({Role.AUTHOR: frozenset({S.DRAFTING}), Role.LEAD: frozenset({S.DRAFTING})}, S.IN_REVIEW),
    Action.SIGN_OFF: Transition(_reviewers(frozenset({S.IN_REVIEW})), None),
    Action.REQUEST_CHANGES: Transition(
        {**_reviewers(frozenset({S.IN_REVIEW})), Role.LEAD: frozenset({S.IN_REVIEW})}, S.CHANGES_REQUESTED
    ),
    Action.REJECT: Transition(
        {**_reviewers(frozenset({S.IN_REVIEW})), Role.LEAD: frozenset({S.IN_REVIEW, S.APPROVED})}, S.REJECTED
    ),
    Action.ARCHIVE: Transition(
        {
            Role.AUTHOR: frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.REJECTED}),
            Role.LEAD: frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.REJECTED}),
        },
        S.ARCHIVED,
    ),
    Action.PUBLISH: Transition({Role.LEAD: frozenset({S.APPROVED})}, S.PUBLISHED),
    Action.UNPUBLISH: Transition({Role.LEAD: frozenset({S.PUBLISHED})}, S.ARCHIVED),
    Action.COMMENT: Transition({role: _ANY_LIVE | {S.ARCHIVED} for role in Role}, None),
    # Before submission too: an error finding blocks submitting until it is resolved or waived.
    Action.WAIVE_FINDING: Transition(_reviewers(frozenset({S.DRAFTING, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED})), None),
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


@dataclass(frozen=True)
class StandingSignOff:
    """A sign-off standing on the current revision, with its signer as they are *now*."""

    dimension: Dimension
    user_id: int
    user_name: str
    signer_disabled: bool
    signer_roles: frozenset[Role]


def lapse_reason(sign_off: StandingSignOff) -> str | None:
    """Why a sign-off no longer counts (its signer was disabled or lost the role), or None when it counts."""
    if sign_off.signer_disabled:
        return f"{sign_off.user_name} has been disabled since signing"
    role = REVIEWER_ROLE[sign_off.dimension]
    if role not in sign_off.signer_roles:
        return f"{sign_off.user_name} no longer holds the role {role.value}"
    return None


def counted_dimensions(sign_offs: Iterable[StandingSignOff]) -> frozenset[Dimension]:
    """The dimensions signed by someone who may still give that sign-off."""
    return frozenset(s.dimension for s in sign_offs if lapse_reason(s) is None)


def is_approved(sign_offs: Iterable[StandingSignOff]) -> bool:
    """The approval rule: every dimension of the current revision is signed by someone who still
    holds its reviewer role and is not disabled (derived when read, so a lapse counts at once)."""
    return counted_dimensions(sign_offs) >= set(ALL_DIMENSIONS)


def effective_state(stored: DraftState, sign_offs: Iterable[StandingSignOff]) -> DraftState:
    """The state users see: IN_REVIEW with all three sign-offs counting on the current revision is APPROVED."""
    if stored == S.IN_REVIEW and is_approved(sign_offs):
        return S.APPROVED
    return stored


def holds_approval(state: DraftState, sign_offs: Iterable[StandingSignOff]) -> bool:
    """True when the draft is approved, or published, on the strength of a full set of sign-offs that count."""
    return state in (S.APPROVED, S.PUBLISHED) and is_approved(sign_offs)


def allowed_actions(actor: Actor, state: DraftState) -> list[Action]:
    """The actions this actor's roles allow from this state (before separation-of-duties checks)."""
    if actor.disabled:
        return []
    return [action for action, rule in TRANSITIONS.items() if any(state in rule.allowed.get(r, ()) for r in actor.roles)]


def authorize(actor: Actor, action: Action, state: DraftState, draft_id: int | None = None) -> None:
    """Raise PermissionDenied or InvalidTransition unless the actor's roles allow the action now."""
    where = f"draft {draft_id}" if draft_id is not None else "the draft"
    if actor.disabled:
        raise PermissionDenied(f"user {actor.name!r} is disabled")
    table = TRANSITIONS[action].allowed
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


def authorize_create(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor may start a draft (an author or a lead)."""
    if actor.disabled or not (CREATOR_ROLES & actor.roles):
        raise PermissionDenied(f"user {actor.name!r} may not create drafts: needs the role author or lead")


def may_archive(actor: Actor, author_id: int) -> bool:
    """Only a lead archives other people's drafts."""
    return Role.LEAD in actor.roles or author_id == actor.id


def check_archive(actor: Actor, author_id: int) -> None:
    """Raise PermissionDenied when the actor may not archive a draft by this author."""
    if not may_archive(actor, author_id):
        raise PermissionDenied(f"user {actor.name!r} may only archive their own drafts; ask a lead")


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


def may_waive(actor: Actor, dimension: Dimension, contributors: set[int]) -> bool:
    """A reviewer of the finding's dimension who did not write, generate or edit the draft may waive it."""
    return not actor.disabled and REVIEWER_ROLE[dimension] in actor.roles and actor.id not in contributors


def check_waiver(actor: Actor, dimension: Dimension, *, draft_id: int, contributors: set[int]) -> None:
    """Separation of duties for a waiver: the dimension's reviewer role, and not a contributor."""
    role = REVIEWER_ROLE[dimension]
    if role not in actor.roles:
        raise PermissionDenied(
            f"user {actor.name!r} may not waive {dimension.value} findings on draft {draft_id}: needs the role {role.value}"
        )
    if actor.id in contributors:
        raise SelfApprovalDenied(
            f"user {actor.name!r} authored, generated or edited draft {draft_id} and may not waive its findings; "
            "ask another reviewer"
        )


class BlockingFinding(Protocol):
    """A finding that may block a decision: what the policy needs to know of it (review/views.py has the full view)."""

    @property
    def key(self) -> str: ...

    @property
    def check(self) -> str: ...

    @property
    def location(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def dimension(self) -> Dimension: ...

    @property
    def blocks(self) -> bool: ...


@dataclass(frozen=True)
class DraftActions:
    """What one person may do to one draft right now: the controls a page shows (each is checked again when used)."""

    draft_id: int
    revision: int
    state: DraftState
    actions: frozenset[Action]
    sign_off_dimensions: tuple[Dimension, ...]
    # Error findings of this revision not waived: while any is left, submit, sign off and publish are closed.
    blocking: tuple[BlockingFinding, ...] = ()
    waivable: tuple[str, ...] = ()  # keys of the blocking findings this person may waive now

    def can(self, action: Action) -> bool:
        """True when the action is open to this person now."""
        return action in self.actions

    @property
    def blocked(self) -> bool:
        """True when error findings keep this revision from being submitted, signed off or published."""
        return bool(self.blocking)

    def can_waive(self, key: str) -> bool:
        """True when this person may waive the blocking finding with this key now."""
        return key in self.waivable

    @property
    def can_edit(self) -> bool:
        """Editing (or regenerating a part) makes a new revision."""
        return Action.REVISE in self.actions

    @property
    def edit_voids_sign_offs(self) -> bool:
        """True when an edit now would void sign-offs and send the draft back to drafting."""
        return self.can_edit and self.state in (S.IN_REVIEW, S.APPROVED, S.PUBLISHED)

    @property
    def decides(self) -> bool:
        """True when any review decision (sign off, request changes, reject) is open."""
        return bool(self.actions & {Action.SIGN_OFF, Action.REQUEST_CHANGES, Action.REJECT})


def draft_actions(
    actor: Actor,
    state: DraftState,
    *,
    draft_id: int,
    revision: int,
    author_id: int,
    contributors: set[int],
    signers: Mapping[Dimension, int],
    own_dimension: Dimension | None = None,
    gating: Sequence[BlockingFinding] = (),
) -> DraftActions:
    """Derive DraftActions from the transition table and the sign-off rules.

    `signers` maps each dimension signed (and counting) on the current revision to the signer's user
    id; `own_dimension` is the dimension the actor signed on it, lapsed or not (one per person);
    `gating` are the error findings of the current revision with their waivers.
    """
    actions = set(allowed_actions(actor, state))
    if not may_archive(actor, author_id):
        actions.discard(Action.ARCHIVE)
    blocking = tuple(finding for finding in gating if finding.blocks)
    if blocking:
        actions -= GATED_BY_FINDINGS
    waivable = tuple(finding.key for finding in blocking if may_waive(actor, finding.dimension, contributors))
    if not waivable:
        actions.discard(Action.WAIVE_FINDING)
    dimensions: list[Dimension] = []
    if Action.SIGN_OFF in actions:
        mine = own_dimension or next((dimension for dimension, user_id in signers.items() if user_id == actor.id), None)
        for dimension in ALL_DIMENSIONS:
            if dimension in signers:
                continue
            try:
                check_sign_off(actor, dimension, draft_id=draft_id, revision=revision,
                               contributors=contributors, signer_dimension=mine)
            except PermissionDenied:
                continue
            dimensions.append(dimension)
        if not dimensions:
            actions.discard(Action.SIGN_OFF)
    return DraftActions(draft_id, revision, state, frozenset(actions), tuple(dimensions), blocking, waivable)
