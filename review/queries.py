"""Reading the review queue: one draft, lists and queues, what a person may do now, revisions and diffs."""

from __future__ import annotations

import difflib
import json

from sqlalchemy import Connection, and_, exists, select

from review.actors import ActorRef, load_actor
from review.db import Database
from review.draft_rows import (
    contributors, current_sign_offs, draft_row, parse_draft_id, revision_gating, revision_row, roles_of, standing_sign_offs,
    unknown_draft,
)
from review.errors import InvalidInput
from review.policy import (
    ALL_DIMENSIONS,
    REVIEWER_ROLE,
    Dimension,
    TRANSITIONS,
    Action,
    DraftActions,
    DraftState,
    StandingSignOff,
    counted_dimensions,
    draft_actions,
    effective_state,
    holds_approval,
    is_approved,
    lapse_reason,
    may_waive,
)
from review.tables import comments, drafts, publications, revisions, sign_offs, users
from review.views import CommentView, DraftSummary, DraftView, RevisionView, SignOffView


def parse_state(state: str | DraftState | None) -> DraftState | None:
    """A state from its name (None for any), with an error listing the valid ones."""
    if state is None:
        return None
    try:
        return DraftState(str(state))
    except ValueError:
        raise InvalidInput(f"unknown state {state!r}; valid states: {', '.join(s.value for s in DraftState)}") from None


class ReviewQueries:
    """Read-only views of drafts; every derived fact (approval, allowed actions) comes from the policy."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # ------------------------------------------------------------------ one draft

    def get_draft(self, draft_id: int) -> DraftView:
        """The draft's current revision with its sign-offs, comments and derived approval."""
        with self.database.read() as connection:
            return self.draft_view(connection, draft_id)

    def draft_view(self, connection: Connection, draft_id: int) -> DraftView:
        """The DraftView of a draft, read inside the caller's transaction."""
        draft_id = parse_draft_id(draft_id)
        row = connection.execute(
            select(drafts, users.c.name.label("author_name")).join(users, users.c.id == drafts.c.author_id).where(drafts.c.id == draft_id)
        ).one_or_none()
        if row is None:
            raise unknown_draft(draft_id)
        current = revision_row(connection, row.id, row.current_revision)
        signed = current_sign_offs(connection, row.id, row.current_revision)
        standing = standing_sign_offs(connection, signed)
        counted = counted_dimensions(standing)
        state = effective_state(DraftState(row.state), standing)
        sign_off_views = [
            SignOffView(Dimension(s.dimension), s.user_name, s.revision, s.content_hash, s.signed_at, lapsed_because=lapse_reason(status))
            for s, status in zip(signed, standing)
        ]
        comment_rows = connection.execute(
            select(comments, users.c.name.label("user_name")).join(users, users.c.id == comments.c.user_id)
            .where(comments.c.draft_id == row.id).order_by(comments.c.id)
        ).all()
        editors = connection.execute(
            select(users.c.name).join(revisions, revisions.c.editor_id == users.c.id)
            .where(revisions.c.draft_id == row.id).group_by(users.c.name).order_by(users.c.name)
        ).scalars().all()
        publication = connection.execute(select(publications).where(publications.c.draft_id == row.id)).one_or_none()
        present = publication is not None and publication.present
        return DraftView(
            id=row.id, title=row.title, state=state, revision=row.current_revision,
            content=json.loads(current.content), markdown=current.markdown, content_hash=current.content_hash,
            findings=json.loads(current.findings), skill_ids=json.loads(row.skill_ids), author=row.author_name,
            generated_by=json.loads(row.generated_by) if row.generated_by else None,
            sign_offs=[view for view in sign_off_views if view.lapsed_because is None],
            missing_dimensions=[d for d in ALL_DIMENSIONS if d not in counted],
            approved=holds_approval(state, standing),
            comments=[CommentView(c.id, c.user_name, c.revision, c.text, c.anchor, c.created_at) for c in comment_rows],
            editors=list(editors), created_at=row.created_at, updated_at=row.updated_at,
            published_path=publication.path if present else None,
            published_revision=publication.revision if present else None,
            module_id=publication.module_id if publication is not None else None,
            revision_note=current.note,
            lapsed_sign_offs=[view for view in sign_off_views if view.lapsed_because is not None],
            gating_findings=revision_gating(connection, current),
        )

    def actions_for(self, actor: ActorRef, draft_id: int) -> DraftActions:
        """What the actor may do to the draft right now (for showing controls; each is checked again when used)."""
        with self.database.read() as connection:
            row = draft_row(connection, draft_id)
            acting = load_actor(connection, actor)
            signed = current_sign_offs(connection, row.id, row.current_revision)
            standing = standing_sign_offs(connection, signed)
            state = effective_state(DraftState(row.state), standing)
            return draft_actions(
                acting, state, draft_id=row.id, revision=row.current_revision, author_id=row.author_id,
                contributors=contributors(connection, row),
                # A lapsed sign-off leaves its dimension open to another reviewer.
                signers={s.dimension: s.user_id for s in standing if lapse_reason(s) is None},
                own_dimension=next((s.dimension for s in standing if s.user_id == acting.id), None),
                gating=revision_gating(connection, revision_row(connection, row.id, row.current_revision)),
            )

    # ------------------------------------------------------------------ lists

    def list_drafts(self, state: str | DraftState | None = None, queue_for: ActorRef | None = None) -> list[DraftSummary]:
        """Drafts (newest first), optionally in one state, or `queue_for` a user: in review, missing a
        dimension they may sign, not signed by them, not authored or edited by them."""
        wanted = parse_state(state)
        with self.database.read() as connection:
            query = (
                select(drafts.c.id, drafts.c.title, drafts.c.state, drafts.c.current_revision, drafts.c.updated_at,
                       drafts.c.generated_by, users.c.name.label("author_name"), publications.c.path, publications.c.present)
                .join(users, users.c.id == drafts.c.author_id)
                .outerjoin(publications, publications.c.draft_id == drafts.c.id)
                .order_by(drafts.c.updated_at.desc(), drafts.c.id.desc())
            )
            reviewer = None
            if queue_for is not None:
                reviewer = load_actor(connection, queue_for)
                if reviewer.disabled:
                    return []
                query = query.where(
                    drafts.c.state == DraftState.IN_REVIEW.value,
                    drafts.c.author_id != reviewer.id,
                    ~exists().where(revisions.c.draft_id == drafts.c.id, revisions.c.editor_id == reviewer.id),
                    ~exists().where(sign_offs.c.draft_id == drafts.c.id, sign_offs.c.revision == drafts.c.current_revision,
                                    sign_offs.c.user_id == reviewer.id, sign_offs.c.voided_at.is_(None)),
                )
            if wanted is not None:
                stored = DraftState.IN_REVIEW if wanted == DraftState.APPROVED else wanted
                query = query.where(drafts.c.state == stored.value)
            rows = connection.execute(query).all()
            signed_by_draft: dict[int, list[StandingSignOff]] = {}
            signed_query = (
                select(sign_offs.c.draft_id, sign_offs.c.dimension, sign_offs.c.user_id, users.c.name, users.c.disabled)
                .join(drafts, and_(drafts.c.id == sign_offs.c.draft_id, drafts.c.current_revision == sign_offs.c.revision))
                .join(users, users.c.id == sign_offs.c.user_id)
                .where(sign_offs.c.voided_at.is_(None))
            )
            if wanted is not None or reviewer is not None:
                signed_query = signed_query.where(drafts.c.state == DraftState.IN_REVIEW.value)
            signed_rows = connection.execute(signed_query).all()
            # Few people sign many drafts: each signer's status is built once and shared.
            roles = roles_of(connection, (user_id for _, _, user_id, _, _ in signed_rows))
            signer_status: dict[tuple, StandingSignOff] = {}
            for draft_id, dimension, user_id, name, disabled in signed_rows:
                key = (dimension, user_id)
                if key not in signer_status:
                    signer_status[key] = StandingSignOff(Dimension(dimension), user_id, name, bool(disabled), roles[user_id])
                signed_by_draft.setdefault(draft_id, []).append(signer_status[key])
        my_dims = {d for d, role in REVIEWER_ROLE.items() if reviewer is not None and role in reviewer.roles}
        states = {state.value: state for state in DraftState}
        no_sign_offs: tuple[StandingSignOff, ...] = ()
        # Ten thousand rows: unpack tuples and reuse the per-combination values instead of rebuilding them.
        split: dict[frozenset, tuple[list[Dimension], list[Dimension], bool, list[Dimension]]] = {}
        result = []
        for draft_id, title, stored, revision, updated_at, generated_by, author, path, present in rows:
            standing = signed_by_draft.get(draft_id, no_sign_offs)
            key = frozenset(standing)
            if key not in split:
                counted = counted_dimensions(standing)
                split[key] = ([d for d in ALL_DIMENSIONS if d in counted], [d for d in ALL_DIMENSIONS if d not in counted],
                              is_approved(standing), [s.dimension for s in standing if s.dimension not in counted])
            signed_list, missing, complete, lapsed = split[key]
            effective = states[stored]
            if effective is DraftState.IN_REVIEW and complete:
                effective = DraftState.APPROVED
            if wanted is not None and effective is not wanted:
                continue
            if reviewer is not None:
                if effective is not DraftState.IN_REVIEW or not (my_dims & set(missing)):
                    continue
                generator = (json.loads(generated_by) or {}).get("user") if generated_by else None
                if generator == reviewer.name:
                    continue
            result.append(DraftSummary(
                id=draft_id, title=title, state=effective, revision=revision, author=author,
                signed_dimensions=list(signed_list), missing_dimensions=list(missing),
                approved=effective is DraftState.APPROVED, updated_at=updated_at,
                published_path=path if present else None, lapsed_dimensions=list(lapsed),
            ))
        return result

    def awaiting_waiver(self, actor: ActorRef) -> list[DraftSummary]:
        """Drafts whose current revision has an error finding this reviewer may waive (they did not write it)."""
        with self.database.read() as connection:
            reviewer = load_actor(connection, actor)
            if reviewer.disabled:
                return []
            candidates = connection.execute(
                select(drafts.c.id).join(revisions, and_(revisions.c.draft_id == drafts.c.id,
                                                         revisions.c.number == drafts.c.current_revision))
                .where(drafts.c.state.in_(sorted({s.value for states in TRANSITIONS[Action.WAIVE_FINDING].allowed.values() for s in states})),
                       revisions.c.findings.contains('"error"'))  # a cheap filter; the gate rule decides below
            ).scalars().all()
            waiting = set()
            for draft_id in candidates:
                row = draft_row(connection, draft_id)
                gating = revision_gating(connection, revision_row(connection, row.id, row.current_revision))
                helpers = contributors(connection, row)
                if any(f.blocks and may_waive(reviewer, f.dimension, helpers) for f in gating):
                    waiting.add(draft_id)
        return [summary for summary in self.list_drafts() if summary.id in waiting]

    # ------------------------------------------------------------------ revisions

    def revisions(self, draft_id: int) -> list[RevisionView]:
        """Every revision of the draft, oldest first (without content)."""
        with self.database.read() as connection:
            row = draft_row(connection, draft_id)
            rows = connection.execute(
                select(revisions, users.c.name.label("editor_name")).join(users, users.c.id == revisions.c.editor_id)
                .where(revisions.c.draft_id == row.id).order_by(revisions.c.number)
            ).all()
        return [RevisionView(r.number, r.title, r.content_hash, r.editor_name, r.note, r.created_at) for r in rows]

    def get_revision(self, draft_id: int, number: int) -> RevisionView:
        """One revision with its content, markdown and findings."""
        with self.database.read() as connection:
            row = revision_row(connection, parse_draft_id(draft_id), int(number))
            editor = connection.execute(select(users.c.name).where(users.c.id == row.editor_id)).scalar_one()
        return RevisionView(row.number, row.title, row.content_hash, editor, row.note, row.created_at,
                            markdown=row.markdown, content=json.loads(row.content), findings=json.loads(row.findings))

    def diff(self, draft_id: int, rev_a: int, rev_b: int) -> str:
        """A unified diff of the markdown (and title) between two revisions."""
        a, b = self.get_revision(draft_id, rev_a), self.get_revision(draft_id, rev_b)
        header = f"title: {a.title!r} -> {b.title!r}\n" if a.title != b.title else ""
        lines = difflib.unified_diff(
            (a.markdown or "").splitlines(keepends=True), (b.markdown or "").splitlines(keepends=True),
            fromfile=f"revision {a.number} ({a.content_hash[:12]}, {a.editor})",
            tofile=f"revision {b.number} ({b.content_hash[:12]}, {b.editor})",
        )
        body = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        if not body and not header:
            return f"revisions {a.number} and {b.number} have the same markdown\n"
        return header + body
