"""Reading the review queue: one draft, lists and queues, what a person may do now, revisions and diffs."""

from __future__ import annotations

import difflib
import json
from typing import Sequence

from sqlalchemy import Connection, and_, bindparam, select

from review.actors import ActorRef, load_actor
from review.db import Database
from review.draft_list import ListFilter, page_size
from review.draft_rows import (
    contributors, draft_row, gating_of, generator_of, parse_draft_id, revision_gating, revision_row, sign_offs_with_signers,
    standing_waivers, unknown_draft,
)
from review.driver_statements import DriverStatement
from review.errors import InvalidInput
from review.findings import gating_findings
from review.list_reader import ListReader
from review.policy import (
    ALL_DIMENSIONS,
    Dimension,
    TRANSITIONS,
    Action,
    DraftActions,
    DraftState,
    counted_dimensions,
    draft_actions,
    effective_state,
    holds_approval,
    lapse_reason,
    may_waive,
)
from review.tables import comments, drafts, publications, revisions, users
from review.views import CommentView, DraftCursor, DraftPage, DraftSummary, DraftView, RevisionView, SignOffView, StoredJson


def parse_state(state: str | DraftState | None) -> DraftState | None:
    """A state from its name (None for any), with an error listing the valid ones."""
    if state is None:
        return None
    try:
        return DraftState(str(state))
    except ValueError:
        raise InvalidInput(f"unknown state {state!r}; valid states: {', '.join(s.value for s in DraftState)}") from None


# A draft's view is read after every change: its statements are built once (building costs more than running them).
_CURRENT = revisions.alias("current")
# The draft, its author, its current revision and its publication in one query.
_VIEW = DriverStatement(
    select(drafts, users.c.name.label("author_name"), _CURRENT.c.id.label("revision_id"), _CURRENT.c.content,
           _CURRENT.c.markdown, _CURRENT.c.content_hash, _CURRENT.c.findings, _CURRENT.c.note,
           publications.c.path.label("published_path"), publications.c.present.label("published_present"),
           publications.c.revision.label("published_revision"), publications.c.module_id)
    .join(users, users.c.id == drafts.c.author_id)
    .join(_CURRENT, and_(_CURRENT.c.draft_id == drafts.c.id, _CURRENT.c.number == drafts.c.current_revision))
    .outerjoin(publications, publications.c.draft_id == drafts.c.id)
    .where(drafts.c.id == bindparam("draft_id"))
)
_COMMENTS = DriverStatement(
    select(comments, users.c.name.label("user_name")).join(users, users.c.id == comments.c.user_id)
    .where(comments.c.draft_id == bindparam("draft_id")).order_by(comments.c.id)
)
_EDITOR_NAMES = DriverStatement(
    select(users.c.name).join(revisions, revisions.c.editor_id == users.c.id)
    .where(revisions.c.draft_id == bindparam("draft_id")).group_by(users.c.name).order_by(users.c.name)
)


class ReviewQueries:
    """Read-only views of drafts; every derived fact (approval, allowed actions) comes from the policy."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.lists = ListReader(database.engine.dialect)

    # ------------------------------------------------------------------ one draft

    def get_draft(self, draft_id: int) -> DraftView:
        """The draft's current revision with its sign-offs, comments and derived approval."""
        with self.database.read() as connection:
            return self.draft_view(connection, draft_id)

    def draft_view(self, connection: Connection, draft_id: int) -> DraftView:
        """The DraftView of a draft, read inside the caller's transaction."""
        draft_id = parse_draft_id(draft_id)
        row = _VIEW.first(connection, {"draft_id": draft_id})
        if row is None:
            raise unknown_draft(draft_id)
        signed, standing = sign_offs_with_signers(connection, row.id, row.current_revision)
        counted = counted_dimensions(standing)
        state = effective_state(DraftState(row.state), standing)
        sign_off_views = [
            SignOffView(Dimension(s.dimension), s.user_name, s.revision, s.content_hash, s.signed_at, lapsed_because=lapse_reason(status))
            for s, status in zip(signed, standing)
        ]
        comment_rows = _COMMENTS.rows(connection, {"draft_id": row.id})
        editors = [name for name, in _EDITOR_NAMES.rows(connection, {"draft_id": row.id})]
        present = bool(row.published_present)
        return DraftView(
            id=row.id, title=row.title, state=state, revision=row.current_revision,
            content=StoredJson(row.content), markdown=row.markdown, content_hash=row.content_hash,
            findings=json.loads(row.findings), skill_ids=json.loads(row.skill_ids), author=row.author_name,
            generated_by=json.loads(row.generated_by) if row.generated_by else None,
            sign_offs=[view for view in sign_off_views if view.lapsed_because is None],
            missing_dimensions=[d for d in ALL_DIMENSIONS if d not in counted],
            approved=holds_approval(state, standing),
            comments=[CommentView(c.id, c.user_name, c.revision, c.text, c.anchor, c.created_at) for c in comment_rows],
            editors=list(editors), created_at=row.created_at, updated_at=row.updated_at,
            published_path=row.published_path if present else None,
            published_revision=row.published_revision if present else None,
            module_id=row.module_id,
            revision_note=row.note,
            lapsed_sign_offs=[view for view in sign_off_views if view.lapsed_because is not None],
            gating_findings=gating_of(connection, row.id, row.current_revision, row.findings),
        )

    def actions_for(self, actor: ActorRef, draft_id: int) -> DraftActions:
        """What the actor may do to the draft right now (for showing controls; each is checked again when used)."""
        with self.database.read() as connection:
            row = draft_row(connection, draft_id)
            acting = load_actor(connection, actor)
            signed, standing = sign_offs_with_signers(connection, row.id, row.current_revision)
            state = effective_state(DraftState(row.state), standing)
            return draft_actions(
                acting, state, draft_id=row.id, revision=row.current_revision, author_id=row.author_id,
                contributors=contributors(connection, row),
                # A lapsed sign-off leaves its dimension open to another reviewer.
                signers={s.dimension: s.user_id for s in standing if lapse_reason(s) is None},
                own_dimension=next((s.dimension for s in standing if s.user_id == acting.id), None),
                gating=revision_gating(connection, revision_row(connection, row.id, row.current_revision, with_content=False)),
            )

    # ------------------------------------------------------------------ lists

    def list_drafts(self, state: str | DraftState | None = None, queue_for: ActorRef | None = None, *,
                    authors: Sequence[str] | None = None, exclude_states: Sequence[str | DraftState] = (),
                    ids: Sequence[int] | None = None) -> list[DraftSummary]:
        """Drafts (newest first), optionally in one state, or `queue_for` a user: in review, missing a
        dimension they may sign, not signed by them, not authored, generated or edited by them."""
        return self.page_drafts(state, queue_for, authors=authors, exclude_states=exclude_states, ids=ids).drafts

    def page_drafts(self, state: str | DraftState | None = None, queue_for: ActorRef | None = None, *,
                    authors: Sequence[str] | None = None, exclude_states: Sequence[str | DraftState] = (),
                    ids: Sequence[int] | None = None, after: DraftCursor | None = None, limit: int | None = None) -> DraftPage:
        """One page of `list_drafts` (all of it without `limit`), starting after `after`; one query, filtered in SQL."""
        size = page_size(limit)
        with self.database.read() as connection:
            wanted = ListFilter(
                state=parse_state(state), reviewer=load_actor(connection, queue_for) if queue_for is not None else None,
                authors=tuple(authors) if authors is not None else None, ids=tuple(ids) if ids is not None else None,
                exclude_states=tuple(s for s in (parse_state(x) for x in exclude_states) if s is not None),
            )
            # One row more than the page says whether another page follows.
            rows = self.lists.read(connection, wanted, after=after, limit=size + 1 if size is not None else None)
        if size is None or len(rows) <= size:
            return DraftPage(rows, None)
        page = rows[:size]
        return DraftPage(page, DraftCursor(page[-1].updated_at, page[-1].id))

    def awaiting_waiver(self, actor: ActorRef) -> list[DraftSummary]:
        """Drafts whose current revision has an error finding this reviewer may waive (they did not write it)."""
        with self.database.read() as connection:
            reviewer = load_actor(connection, actor)
            if reviewer.disabled:
                return []
            candidates = connection.execute(
                select(drafts.c.id, drafts.c.author_id, drafts.c.generated_by, revisions.c.findings)
                .join(revisions, and_(revisions.c.draft_id == drafts.c.id, revisions.c.number == drafts.c.current_revision))
                .where(drafts.c.state.in_(sorted({s.value for states in TRANSITIONS[Action.WAIVE_FINDING].allowed.values() for s in states})),
                       revisions.c.findings.contains('"error"'))  # a cheap filter; the gate rule decides below
            ).all()
            if not candidates:
                return []
            ids = [candidate.id for candidate in candidates]
            # Three queries for every candidate together: the waivers standing, and what this reviewer edited.
            waivers = standing_waivers(connection, ids)
            edited = set(connection.execute(
                select(revisions.c.draft_id).where(revisions.c.draft_id.in_(ids), revisions.c.editor_id == reviewer.id)
            ).scalars())
            waiting = []
            for candidate in candidates:
                helpers = {candidate.author_id} | ({reviewer.id} if candidate.id in edited or
                                                   generator_of(candidate.generated_by) == reviewer.name else set())
                gating = gating_findings(json.loads(candidate.findings), waivers.get(candidate.id, {}))
                if any(f.blocks and may_waive(reviewer, f.dimension, helpers) for f in gating):
                    waiting.append(candidate.id)
        return self.list_drafts(ids=waiting) if waiting else []

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
