"""The life of a draft: create, revise, findings and waivers, submit, sign off, request changes, reject, archive, comment.

Every change of an existing draft goes through `DraftChanges.run` (lock, actor, revision, state,
authorize, in that order); the transition table decides the state each action leaves behind.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Callable, cast

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError

from review.actors import ActorRef, actor_name, load_actor
from review.audit import AuditTrail
from review.content import MAX_COMMENT_CHARS, content_hash, dumps, limit_comment, require_comment, validate_body, validate_title
from review.driver_statements import DriverStatement
from review.errors import CommentRequired, InvalidInput, InvalidTransition
from review.policy import (
    REVIEWER_ROLE,
    Action,
    Dimension,
    DraftState,
    StandingSignOff,
    authorize_create,
    check_archive,
    check_sign_off,
    check_waiver,
    effective_state,
    parse_dimension,
)
from review.queries import ReviewQueries
from review.tables import comments, drafts, finding_waivers, revisions, sign_offs
from review.unit_of_work import DraftChanges, DraftStep
from review.views import CommentView, DraftView

# Built once: a sign-off is the change reviewers make most.
_INSERT_SIGN_OFF = DriverStatement(insert(sign_offs), column_keys=("draft_id", "revision", "dimension", "user_id", "content_hash", "signed_at"))
_TOUCH = DriverStatement(update(drafts).where(drafts.c.id == bindparam("draft_id")).values(updated_at=bindparam("touched_at")))
_ANCHOR_PATTERN = re.compile(r"^(section|item|objective|activity):[A-Za-z0-9._-]{1,100}$")


class DraftLifecycle:
    """Every change to a draft, each checked against the policy and recorded in the audit log."""

    def __init__(self, trail: AuditTrail, queries: ReviewQueries, clock: Callable[[], datetime]) -> None:
        self.trail = trail
        self.queries = queries
        self.clock = clock
        self.changes = DraftChanges(trail, clock)

    def _change(self, actor: ActorRef, draft_id: int, action: Action, expected_revision: int | None,
                work: Callable[[DraftStep], None], *, repeat: Callable[[DraftStep], bool] | None = None) -> DraftView:
        """Run one change and return the draft as it is then, read in the same transaction (one connection, one commit)."""
        return cast(DraftView, self.changes.run(actor, draft_id, action, expected_revision, work, repeat=repeat,
                                                then=lambda connection: self.queries.draft_view(connection, draft_id)))

    def create_draft(self, actor: ActorRef, *, title: str, content: dict, markdown: str, findings: list[dict],
                     skill_ids: list[str], generated_by: dict | None = None) -> DraftView:
        """A new draft in state drafting, revision 1, authored by the actor (author or lead)."""
        title = validate_title(title)
        validate_body(content, markdown, findings)
        digest = content_hash(title, content, markdown)

        def work(connection) -> DraftView:
            acting = load_actor(connection, actor)
            authorize_create(acting)
            now = self.clock()
            draft_id = connection.execute(
                insert(drafts).values(title=title, state=DraftState.DRAFTING.value, current_revision=1, author_id=acting.id,
                                      generated_by=dumps(generated_by) if generated_by is not None else None,
                                      skill_ids=dumps(list(skill_ids or [])), created_at=now, updated_at=now)
            ).inserted_primary_key[0]
            connection.execute(
                insert(revisions).values(draft_id=draft_id, number=1, title=title, content=dumps(content), markdown=markdown,
                                         content_hash=digest, findings=dumps(findings), editor_id=acting.id, note="", created_at=now)
            )
            self.trail.record(connection, acting.name, "create", draft_id=draft_id, revision=1, content_hash=digest,
                              details={"to": DraftState.DRAFTING.value})
            return self.queries.draft_view(connection, draft_id)

        return self.trail.run_write(work, actor=actor_name(actor), action="create")

    def revise(self, actor: ActorRef, draft_id: int, *, expected_revision: int, content: dict, markdown: str,
               findings: list[dict], note: str = "", title: str | None = None, reopen: bool = False) -> DraftView:
        """A new revision (back to drafting); voids every sign-off. Identical content changes nothing, unless `reopen`.

        `reopen` makes a new revision of the same content: a published module sent back to review
        (its learners' results flagged an item), so that the three sign-offs apply again.
        """
        new_title = validate_title(title) if title is not None else None
        validate_body(content, markdown, findings)

        def work(step: DraftStep) -> None:
            connection, row = step.connection, step.draft
            current = step.current_revision()
            digest = content_hash(new_title or current.title, content, markdown)
            if current.content_hash == digest and not reopen:
                # The same edit sent twice (two tabs, a retry) must not void anything.
                step.changes_state = False
                if dumps(findings) != current.findings:
                    connection.execute(update(revisions).where(revisions.c.id == current.id).values(findings=dumps(findings)))
                return
            number = row.current_revision + 1
            connection.execute(
                insert(revisions).values(draft_id=row.id, number=number, title=new_title or current.title, content=dumps(content),
                                         markdown=markdown, content_hash=digest, findings=dumps(findings), editor_id=step.actor.id,
                                         note=(note or "").strip()[:MAX_COMMENT_CHARS], created_at=step.now)
            )
            for sign_off in step.signed:
                step.audit("sign_off_voided", revision=sign_off.revision, content_hash=sign_off.content_hash,
                           dimension=sign_off.dimension, details={"signed_by": sign_off.user_name, "voided_by_revision": number})
            connection.execute(
                update(sign_offs).where(sign_offs.c.draft_id == row.id, sign_offs.c.voided_at.is_(None))
                .values(voided_at=step.now, voided_by_revision=number)
            )
            # A waiver lets one revision past a finding: the next revision is checked afresh.
            for waived in step.gating_findings():
                if not waived.blocks:
                    step.audit("waiver_voided", revision=row.current_revision, dimension=waived.dimension.value,
                               details={"finding": waived.key, "check": waived.check, "location": waived.location,
                                        "waived_by": waived.waived_by, "voided_by_revision": number})
            connection.execute(
                update(finding_waivers).where(finding_waivers.c.draft_id == row.id, finding_waivers.c.voided_at.is_(None))
                .values(voided_at=step.now, voided_by_revision=number)
            )
            connection.execute(
                update(drafts).where(drafts.c.id == row.id).values(current_revision=number, title=new_title or current.title)
            )
            step.audit(revision=number, content_hash=digest, comment=note or None,
                       details=step.transition_details(voided_sign_offs=len(step.signed)))

        return self._change(actor, draft_id, Action.REVISE, expected_revision, work)

    def update_findings(self, actor: ActorRef, draft_id: int, *, expected_revision: int, findings: list[dict]) -> DraftView:
        """Replace the check findings of the current revision (findings are not content: nothing is voided)."""
        validate_body({}, "", findings)

        def work(step: DraftStep) -> None:
            step.connection.execute(
                update(revisions).where(revisions.c.draft_id == step.draft.id, revisions.c.number == step.draft.current_revision)
                .values(findings=dumps(findings))
            )
            step.audit(details={"findings": len(findings)})

        return self._change(actor, draft_id, Action.UPDATE_FINDINGS, expected_revision, work)

    def waive_finding(self, actor: ActorRef, draft_id: int, finding_key: str, reason: str, expected_revision: int) -> DraftView:
        """Let this revision past one error finding (a reviewer of its dimension, not a contributor, with a reason)."""
        reason = require_comment(reason, "waiving a finding")
        key = (finding_key or "").strip().lower()

        def work(step: DraftStep) -> None:
            row = step.draft
            finding = next((f for f in step.gating_findings() if f.key == key), None)
            if finding is None:
                raise InvalidInput(
                    f"revision {row.current_revision} of draft {row.id} has no error finding {finding_key!r}; "
                    f"`workbench review show {row.id}` lists them with their keys"
                )
            if not finding.blocks:
                raise InvalidTransition(f"finding {key} of draft {row.id} is already waived by {finding.waived_by}")
            check_waiver(step.actor, finding.dimension, draft_id=row.id, contributors=step.contributors())
            step.connection.execute(insert(finding_waivers).values(
                draft_id=row.id, revision=row.current_revision, finding_key=key, check=finding.check[:100],
                location=finding.location[:200], dimension=finding.dimension.value, user_id=step.actor.id, reason=reason,
                waived_at=step.now))
            step.audit(comment=reason, dimension=finding.dimension.value,
                       details={"finding": key, "check": finding.check, "location": finding.location, "message": finding.message})

        return self._change(actor, draft_id, Action.WAIVE_FINDING, expected_revision, work)

    def _decide(self, actor: ActorRef, draft_id: int, expected_revision: int | None, action: Action,
                comment: str | None = None, extra_check: Callable[[DraftStep], None] | None = None) -> DraftView:
        """A change of state only (submit, request changes, reject, archive), with an optional comment."""

        def work(step: DraftStep) -> None:
            if extra_check is not None:
                extra_check(step)
            current = step.current_revision()
            if comment:
                step.connection.execute(insert(comments).values(
                    draft_id=step.draft.id, revision=step.draft.current_revision, user_id=step.actor.id,
                    anchor=None, text=comment, created_at=step.now))
            step.audit(content_hash=current.content_hash, comment=comment, details=step.transition_details())

        return self._change(actor, draft_id, action, expected_revision, work)

    def submit(self, actor: ActorRef, draft_id: int, expected_revision: int) -> DraftView:
        """Send the current revision to review (author or lead)."""
        return self._decide(actor, draft_id, expected_revision, Action.SUBMIT)

    def request_changes(self, actor: ActorRef, draft_id: int, expected_revision: int, comment: str) -> DraftView:
        """Send the draft back to its author with a comment (a reviewer or lead, while in review)."""
        return self._decide(actor, draft_id, expected_revision, Action.REQUEST_CHANGES, require_comment(comment, "requesting changes"))

    def reject(self, actor: ActorRef, draft_id: int, expected_revision: int, comment: str) -> DraftView:
        """Reject the draft for good, with a comment."""
        return self._decide(actor, draft_id, expected_revision, Action.REJECT, require_comment(comment, "rejecting"))

    def archive(self, actor: ActorRef, draft_id: int, expected_revision: int | None = None, comment: str = "") -> DraftView:
        """Archive a draft that is not published (a lead, or its author while it is not in review)."""
        return self._decide(actor, draft_id, expected_revision, Action.ARCHIVE, limit_comment((comment or "").strip()) or None,
                            lambda step: check_archive(step.actor, step.draft.author_id))

    def sign_off(self, actor: ActorRef, draft_id: int, dimension: str | Dimension, expected_revision: int) -> DraftView:
        """Sign one dimension of the current revision; the same sign-off sent twice leaves one row."""
        dimension = parse_dimension(dimension)

        def already_signed(step: DraftStep) -> bool:
            mine = next((s for s in step.signed if s.user_id == step.actor.id), None)
            return (mine is not None and mine.dimension == dimension.value and not step.actor.disabled
                    and REVIEWER_ROLE[dimension] in step.actor.roles)

        def work(step: DraftStep) -> None:
            row = step.draft
            mine = next((s for s in step.signed if s.user_id == step.actor.id), None)
            check_sign_off(step.actor, dimension, draft_id=row.id, revision=row.current_revision,
                           contributors=step.contributors(),
                           signer_dimension=Dimension(mine.dimension) if mine is not None else None)
            other = next((s for s in step.signed if s.dimension == dimension.value), None)
            lapsed = step.lapsed()
            replaced = None
            if other is not None and other.id not in lapsed:
                raise InvalidTransition(
                    f"{dimension.value} is already signed off on revision {row.current_revision} of draft {row.id} by {other.user_name}"
                )
            if other is not None:
                # The signer was disabled or lost the role: their sign-off no longer counts, this one replaces it.
                replaced = other.id
                step.connection.execute(update(sign_offs).where(sign_offs.c.id == other.id).values(voided_at=step.now))
                step.audit("sign_off_voided", content_hash=other.content_hash, dimension=other.dimension,
                           details={"signed_by": other.user_name, "lapsed": lapsed[other.id], "replaced_by": step.actor.name})
            current = step.current_revision()
            _INSERT_SIGN_OFF.run(step.connection, {
                "draft_id": row.id, "revision": row.current_revision, "dimension": dimension.value, "user_id": step.actor.id,
                "content_hash": current.content_hash, "signed_at": step.now})
            _TOUCH.run(step.connection, {"draft_id": row.id, "touched_at": step.now})
            step.audit(content_hash=current.content_hash, dimension=dimension.value)
            mine_now = StandingSignOff(dimension, step.actor.id, step.actor.name, step.actor.disabled, step.actor.roles)
            after = effective_state(DraftState(row.state), [standing for signed_row, standing in zip(step.signed, step.standing)
                                                            if signed_row.id != replaced] + [mine_now])
            if after != step.state:
                step.audit("approved", content_hash=current.content_hash, details={"from": step.state.value, "to": after.value})

        try:
            # The refreshed view is read in the same transaction: one connection, one commit.
            view = self._change(actor, draft_id, Action.SIGN_OFF, expected_revision, work, repeat=already_signed)
        except IntegrityError:
            # The unique constraints caught a race the lock did not (a repeat from another tab): re-check.
            view = self.queries.get_draft(draft_id)
            if not any(s.dimension == dimension and s.user == actor_name(actor) for s in view.sign_offs):
                raise InvalidTransition(
                    f"{dimension.value} was signed off on draft {draft_id} by someone else at the same moment; reload it"
                ) from None
        return view

    def comment(self, actor: ActorRef, draft_id: int, text: str, anchor: str | None = None) -> CommentView:
        """Add a comment on the current revision, optionally anchored to `section:<id>` or `item:<id>`."""
        text = (text or "").strip()
        if not text:
            raise CommentRequired("the comment is empty")
        limit_comment(text)
        if anchor is not None and not _ANCHOR_PATTERN.match(anchor):
            raise InvalidInput(f"anchor {anchor!r} is not valid: use section:<id>, item:<id>, objective:<id> or activity:<id>")

        def work(step: DraftStep) -> CommentView:
            comment_id = step.connection.execute(insert(comments).values(
                draft_id=step.draft.id, revision=step.draft.current_revision, user_id=step.actor.id, anchor=anchor,
                text=text, created_at=step.now)).inserted_primary_key[0]
            step.audit(comment=text, details={"anchor": anchor})
            return CommentView(comment_id, step.actor.name, step.draft.current_revision, text, anchor, step.now)

        return self.changes.run(actor, draft_id, Action.COMMENT, None, work)
