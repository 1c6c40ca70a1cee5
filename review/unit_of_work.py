"""One state change of a draft, done the same way every time.

Inside one write transaction, in this order and once: lock the draft row, load the acting user with
their roles as they are now, refuse an action on an older revision, derive the effective state from
the sign-offs standing, authorize the action from the transition table, refuse submit, sign-off and
publish while error findings are unwaived; then the caller's work runs, and the table's target state
is stored. A denial is audited after the rollback (`AuditTrail.run_write`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, TypeVar

from sqlalchemy import Connection, Row, bindparam, update

from review.actors import ActorRef, actor_name, load_actor
from review.audit import AuditTrail
from review.draft_rows import check_revision, contributors, draft_row, revision_gating, revision_row, sign_offs_with_signers
from review.errors import RevisionRequired
from review.findings import check_findings_gate
from review.policy import (
    GATED_BY_FINDINGS, REVISION_BOUND, TRANSITIONS, Action, Actor, DraftState, StandingSignOff, authorize, effective_state,
    lapse_reason,
)
from review.views import GatingFindingView
from review.tables import drafts

# Built once: every change that moves a draft stores its state through it.
_SET_STATE = (update(drafts).where(drafts.c.id == bindparam("draft_id"))
              .values(state=bindparam("new_state"), updated_at=bindparam("changed_at")))

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class DraftStep:
    """A state change in progress: the locked draft, who acts, what they see, and the way to audit it."""

    connection: Connection
    draft: Row
    actor: Actor
    action: Action
    state: DraftState  # the effective state before the change
    signed: list[Row]  # sign-offs standing on the current revision
    standing: list[StandingSignOff]  # the same, with each signer as they are now
    now: datetime
    trail: AuditTrail
    # Work that turns out to change nothing (the same edit sent twice) clears this: the state stays.
    changes_state: bool = field(default=True)
    # Read once per step: the gate, the work and the audit rows all look at the same rows.
    _revision: Row | None = field(default=None, init=False, repr=False)
    _gating: list[GatingFindingView] | None = field(default=None, init=False, repr=False)
    _contributors: set[int] | None = field(default=None, init=False, repr=False)

    @property
    def target(self) -> DraftState:
        """The state the draft is in once this action is done (the table's target, else unchanged)."""
        return TRANSITIONS[self.action].target or self.state

    def lapsed(self) -> dict[int, str]:
        """Standing sign-offs (by row id) that no longer count, with the reason."""
        return {row.id: reason for row, sign_off in zip(self.signed, self.standing)
                if (reason := lapse_reason(sign_off)) is not None}

    def current_revision(self) -> Row:
        """The current revision's id, number, title, content hash and findings (as when the step began; not its content)."""
        if self._revision is None:
            self._revision = revision_row(self.connection, self.draft.id, self.draft.current_revision, with_content=False)
        return self._revision

    def gating_findings(self) -> list[GatingFindingView]:
        """The current revision's error findings with their waivers."""
        if self._gating is None:
            self._gating = revision_gating(self.connection, self.current_revision())
        return self._gating

    def contributors(self) -> set[int]:
        """Users who authored, generated or edited any revision (they may not sign it off)."""
        if self._contributors is None:
            self._contributors = contributors(self.connection, self.draft)
        return set(self._contributors)

    def audit(self, action: str | None = None, **fields) -> int:
        """Append this step (or a related event) to the audit log, as the acting user."""
        return self.trail.record(self.connection, self.actor.name, action or self.action.value, self.draft, **fields)

    def transition_details(self, **extra) -> dict:
        """The audit details of a state change: from and to, plus anything else worth keeping."""
        return {"from": self.state.value, "to": self.target.value, **extra}


class DraftChanges:
    """Runs every state change of a draft through the same locked, authorized, audited transaction."""

    def __init__(self, trail: AuditTrail, clock: Callable[[], datetime]) -> None:
        self.trail = trail
        self.clock = clock

    def run(self, actor: ActorRef, draft_id: int, action: Action, expected_revision: int | None,
            work: Callable[[DraftStep], T], *, repeat: Callable[[DraftStep], bool] | None = None,
            then: Callable[[Connection], R] | None = None) -> T | R | None:
        """Run `work` as `action` on the draft; `repeat` spots an action already done, which changes nothing.

        `then` reads the outcome inside the same transaction, once the state is stored (and also after a
        repeat): its result is returned instead of the work's, without a second transaction.
        """
        if expected_revision is None and action in REVISION_BOUND:
            raise RevisionRequired(
                f"{action.value.replace('_', ' ')} on draft {draft_id} must name the revision you read "
                f"(`workbench review show {draft_id}` prints it); nothing was changed"
            )

        def transaction(connection: Connection) -> T | R | None:
            row = draft_row(connection, draft_id, lock=True)
            acting = load_actor(connection, actor)
            signed, standing = sign_offs_with_signers(connection, row.id, row.current_revision)
            state = effective_state(DraftState(row.state), standing)
            check_revision(connection, row, expected_revision, state.value)
            step = DraftStep(connection, row, acting, action, state, signed, standing, self.clock(), self.trail)
            if repeat is not None and repeat(step):
                return then(connection) if then is not None else None
            authorize(acting, action, state, row.id)
            if action in GATED_BY_FINDINGS:
                check_findings_gate(action, step.gating_findings(), draft_id=row.id, revision=row.current_revision)
            result = work(step)
            target = TRANSITIONS[action].target
            if target is not None and step.changes_state:
                connection.execute(_SET_STATE, {"draft_id": row.id, "new_state": target.value, "changed_at": step.now})
            return then(connection) if then is not None else result

        return self.trail.run_write(transaction, actor=actor_name(actor), action=action.value,
                                    draft_id=draft_id, revision=expected_revision)
