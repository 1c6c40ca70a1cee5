"""One state change of a draft, done the same way every time.

Inside one write transaction, in this order and once: lock the draft row, load the acting user with
their roles as they are now, refuse an action on an older revision, derive the effective state from
the sign-offs standing, authorize the action from the transition table; then the caller's work runs,
and the table's target state is stored. A denial is audited after the rollback (`AuditTrail.run_write`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, TypeVar

from sqlalchemy import Connection, Row, update

from review.actors import ActorRef, actor_name, load_actor
from review.audit import AuditTrail
from review.draft_rows import check_revision, contributors, current_sign_offs, draft_row, revision_row, signed_dimensions
from review.policy import TRANSITIONS, Action, Actor, DraftState, authorize, effective_state
from review.tables import drafts

T = TypeVar("T")


@dataclass
class DraftStep:
    """A state change in progress: the locked draft, who acts, what they see, and the way to audit it."""

    connection: Connection
    draft: Row
    actor: Actor
    action: Action
    state: DraftState  # the effective state before the change
    signed: list[Row]  # sign-offs standing on the current revision
    now: datetime
    trail: AuditTrail
    # Work that turns out to change nothing (the same edit sent twice) clears this: the state stays.
    changes_state: bool = field(default=True)

    @property
    def target(self) -> DraftState:
        """The state the draft is in once this action is done (the table's target, else unchanged)."""
        return TRANSITIONS[self.action].target or self.state

    def current_revision(self) -> Row:
        """The row of the draft's current revision."""
        return revision_row(self.connection, self.draft.id, self.draft.current_revision)

    def contributors(self) -> set[int]:
        """Users who authored, generated or edited any revision (they may not sign it off)."""
        return contributors(self.connection, self.draft)

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
            work: Callable[[DraftStep], T], *, repeat: Callable[[DraftStep], bool] | None = None) -> T | None:
        """Run `work` as `action` on the draft; `repeat` spots an action already done, which changes nothing."""

        def transaction(connection: Connection) -> T | None:
            row = draft_row(connection, draft_id, lock=True)
            acting = load_actor(connection, actor)
            check_revision(connection, row, expected_revision)
            signed = current_sign_offs(connection, row.id, row.current_revision)
            state = effective_state(DraftState(row.state), signed_dimensions(signed))
            step = DraftStep(connection, row, acting, action, state, signed, self.clock(), self.trail)
            if repeat is not None and repeat(step):
                return None
            authorize(acting, action, state, row.id)
            result = work(step)
            target = TRANSITIONS[action].target
            if target is not None and step.changes_state:
                connection.execute(update(drafts).where(drafts.c.id == row.id).values(state=target.value, updated_at=step.now))
            return result

        return self.trail.run_write(transaction, actor=actor_name(actor), action=action.value,
                                    draft_id=draft_id, revision=expected_revision)
