"""The review service: users, drafts, revisions, sign-offs, comments, audit and publication records.

Every mutating call runs in one write transaction that locks the draft row, reloads the acting user
with their roles as they are *now*, re-checks the policy, writes, and appends to the audit log.
Denials are audited in a separate transaction, because the denied one is rolled back.
"""

from __future__ import annotations

import difflib
import getpass
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any, Callable, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from review import audit
from review.db import Database
from review.errors import (
    AuthenticationFailed,
    CommentRequired,
    InvalidInput,
    InvalidTransition,
    NotApproved,
    PermissionDenied,
    ReviewError,
    StaleRevision,
    UnknownDraft,
    UnknownUser,
    UserExists,
    WeakPassword,
)
from review.policy import (
    ALL_DIMENSIONS,
    REVIEWER_ROLE,
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
from review.tables import comments, drafts, publications, revisions, sign_offs, user_roles, users
from review.views import CommentView, DraftSummary, DraftView, RevisionView, SignOffView, User

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
MAX_TITLE_CHARS = 1_000
MAX_COMMENT_CHARS = 10_000
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_ANCHOR_PATTERN = re.compile(r"^(section|item|objective|activity):[A-Za-z0-9._-]{1,100}$")
# A fixed hash to verify against when the user is unknown, so timing does not reveal which names exist.
_DUMMY_PASSWORD = "not-a-real-password-0000"


class ShellOperator:
    """Someone at the server's shell with access to the database: may manage users and read the audit log."""

    @property
    def name(self) -> str:
        """How the operator appears in the audit log."""
        try:
            who = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            who = "unknown"
        return f"shell:{who}"


SHELL = ShellOperator()



def content_hash(content: dict, markdown: str) -> str:
    """sha256 of the canonical JSON of the content and the markdown: what a sign-off is bound to."""
    canonical = json.dumps({"content": content, "markdown": markdown}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PublishContext:
    """What the publisher needs to render and place a file, handed over inside the publish transaction."""

    draft: DraftView
    actor: str
    sign_offs: list[SignOffView]
    existing_path: str | None
    existing_module_id: str | None
    taken_paths: frozenset[str]


@dataclass(frozen=True)
class PreparedFile:
    """The file the publisher staged (temp file written and fsynced) for this publication."""

    path: str
    module_id: str
    text: str


@dataclass(frozen=True)
class PublicationRecord:
    """The committed desired state of one published file; the publisher makes the disk match it."""

    draft_id: int
    path: str
    module_id: str
    revision: int
    content_hash: str
    text: str
    text_sha256: str
    present: bool
    indexed: bool


class ReviewService:
    """The human review queue: every rule is checked here and backed by the database."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] | None = None,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        self.database = database
        self.clock = clock or _now
        self.hasher = password_hasher or PasswordHasher()
        self._dummy: str | None = None

    # ------------------------------------------------------------------ plumbing

    @property
    def _dummy_hash(self) -> str:
        """A hash to verify against for unknown users (computed once, when first needed)."""
        if self._dummy is None:
            self._dummy = self.hasher.hash(_DUMMY_PASSWORD)
        return self._dummy

    def _write(self, work: Callable[[Connection], Any], *, actor: Any, action: str, draft_id: int | None = None, revision: int | None = None) -> Any:
        """Run a write transaction; audit denials (after the rollback) and re-raise them."""
        try:
            return self.database.run_write(work)
        except (PermissionDenied, InvalidTransition, NotApproved) as error:
            self._audit_denial(actor, action, draft_id, revision, error)
            raise

    def _audit_denial(self, actor: Any, action: str, draft_id: int | None, revision: int | None, error: ReviewError) -> None:
        name = self._actor_name(actor)

        def work(connection: Connection) -> None:
            audit.append(
                connection, at=self.clock(), actor=name, action="denied", draft_id=draft_id, revision=revision,
                comment=str(error), details={"attempted": action, "error": type(error).__name__},
            )

        try:
            self.database.run_write(work)
        except Exception:  # noqa: BLE001 - the denial itself must still reach the user
            log.exception("could not audit a denial of %s by %s", action, name)

    @staticmethod
    def _actor_name(actor: Any) -> str:
        if isinstance(actor, ShellOperator):
            return actor.name
        if isinstance(actor, User):
            return actor.name
        return str(actor)

    def _load_actor(self, connection: Connection, actor: Any) -> Actor:
        """The acting user with their roles as stored right now (row locked for share on PostgreSQL)."""
        name = self._actor_name(actor)
        rows = connection.execute(
            select(users.c.id, users.c.name, users.c.disabled, user_roles.c.role)
            .outerjoin(user_roles, user_roles.c.user_id == users.c.id)
            .where(users.c.name == name)
            .with_for_update(read=True, of=users)
        ).all()
        if not rows:
            raise UnknownUser(f"no user named {name!r}; a lead adds users with `workbench users add`")
        roles = frozenset(Role(r.role) for r in rows if r.role in Role._value2member_map_)
        return Actor(id=rows[0].id, name=rows[0].name, roles=roles, disabled=rows[0].disabled)

    @staticmethod
    def _lock_draft(connection: Connection, draft_id: int):
        row = connection.execute(select(drafts).where(drafts.c.id == int(draft_id)).with_for_update()).one_or_none()
        if row is None:
            raise UnknownDraft(f"no draft with id {draft_id}; `workbench review list` shows the drafts")
        return row

    @staticmethod
    def _current_sign_offs(connection: Connection, draft_id: int, revision: int) -> list:
        return connection.execute(
            select(sign_offs, users.c.name.label("user_name"))
            .join(users, users.c.id == sign_offs.c.user_id)
            .where(sign_offs.c.draft_id == draft_id, sign_offs.c.revision == revision, sign_offs.c.voided_at.is_(None))
            .order_by(sign_offs.c.signed_at)
        ).all()

    def _effective(self, connection: Connection, draft_row) -> tuple[DraftState, list]:
        signed = self._current_sign_offs(connection, draft_row.id, draft_row.current_revision)
        return effective_state(DraftState(draft_row.state), [Dimension(s.dimension) for s in signed]), signed

    def _check_revision(self, connection: Connection, draft_row, expected_revision: int | None) -> None:
        """Refuse an action based on an older revision, saying what changed since."""
        if expected_revision is None or int(expected_revision) == draft_row.current_revision:
            return
        newer = connection.execute(
            select(revisions.c.number, revisions.c.note, revisions.c.created_at, users.c.name)
            .join(users, users.c.id == revisions.c.editor_id)
            .where(revisions.c.draft_id == draft_row.id, revisions.c.number > int(expected_revision))
            .order_by(revisions.c.number)
        ).all()
        changes = "; ".join(
            f"revision {r.number} by {r.name} at {r.created_at:%Y-%m-%d %H:%M} UTC" + (f" ({r.note})" if r.note else "")
            for r in newer
        ) or "no newer revision exists"
        raise StaleRevision(
            f"draft {draft_row.id} is at revision {draft_row.current_revision}, you acted on revision {expected_revision}: "
            f"{changes}; reload it (`workbench review show {draft_row.id}`) and act again"
        )

    def _audit(self, connection: Connection, actor: str, action: str, draft_row=None, *, revision: int | None = None,
               content_hash_: str | None = None, dimension: str | None = None, comment: str | None = None,
               details: dict | None = None) -> None:
        audit.append(
            connection, at=self.clock(), actor=actor, action=action,
            draft_id=draft_row.id if draft_row is not None else None,
            revision=revision if revision is not None else (draft_row.current_revision if draft_row is not None else None),
            content_hash=content_hash_, dimension=dimension, comment=comment, details=details,
        )

    def _revision_row(self, connection: Connection, draft_id: int, number: int):
        row = connection.execute(
            select(revisions).where(revisions.c.draft_id == draft_id, revisions.c.number == int(number))
        ).one_or_none()
        if row is None:
            raise InvalidInput(f"draft {draft_id} has no revision {number}; `workbench review show {draft_id}` lists them")
        return row

    def _contributors(self, connection: Connection, draft_row) -> set[int]:
        """Users who authored, generated or edited any revision of the draft."""
        ids = {draft_row.author_id}
        ids.update(connection.execute(select(revisions.c.editor_id).where(revisions.c.draft_id == draft_row.id)).scalars())
        generated_by = json.loads(draft_row.generated_by) if draft_row.generated_by else {}
        generator = generated_by.get("user") if isinstance(generated_by, dict) else None
        if generator:
            row = connection.execute(select(users.c.id).where(users.c.name == str(generator))).scalar_one_or_none()
            if row is not None:
                ids.add(row)
        return ids

    def _set_state(self, connection: Connection, draft_row, state: DraftState) -> None:
        connection.execute(update(drafts).where(drafts.c.id == draft_row.id).values(state=state.value, updated_at=self.clock()))

    # ------------------------------------------------------------------ validation

    @staticmethod
    def _validate_title(title: str) -> str:
        title = (title or "").strip()
        if not title:
            raise InvalidInput("the title is empty; give the draft a title")
        if len(title) > MAX_TITLE_CHARS:
            raise InvalidInput(f"the title has {len(title)} characters; keep it under {MAX_TITLE_CHARS}")
        for position, char in enumerate(title):
            if unicodedata.category(char) == "Cc":
                raise InvalidInput(f"the title contains the control character U+{ord(char):04X} at position {position}; remove it")
        return title

    @staticmethod
    def _validate_body(content: dict, markdown: str, findings: list) -> None:
        if not isinstance(content, dict):
            raise InvalidInput("the draft content must be a JSON object")
        if not isinstance(markdown, str):
            raise InvalidInput("the draft markdown must be text")
        if "\x00" in markdown:
            raise InvalidInput(f"the markdown contains a NUL byte at position {markdown.index(chr(0))}; remove it")
        if not isinstance(findings, list):
            raise InvalidInput("findings must be a list")
        try:
            json.dumps(content)
            json.dumps(findings)
        except (TypeError, ValueError) as error:
            raise InvalidInput(f"the draft content is not plain JSON data: {error}") from None

    @staticmethod
    def _require_comment(comment: str | None, action: str) -> str:
        comment = (comment or "").strip()
        if not comment:
            raise CommentRequired(f"{action} needs a comment saying why (use --comment)")
        if len(comment) > MAX_COMMENT_CHARS:
            raise InvalidInput(f"the comment has {len(comment)} characters; keep it under {MAX_COMMENT_CHARS}")
        return comment

    # ------------------------------------------------------------------ users

    def _user_view(self, connection: Connection, row) -> User:
        roles = connection.execute(select(user_roles.c.role).where(user_roles.c.user_id == row.id)).scalars().all()
        return User(
            id=row.id, name=row.name, display_name=row.display_name or "",
            roles=frozenset(Role(r) for r in roles if r in Role._value2member_map_), disabled=row.disabled,
            has_password=row.password_hash is not None, created_at=row.created_at,
            oidc_issuer=row.oidc_issuer, oidc_subject=row.oidc_subject,
        )

    def _authorize_user_admin(self, connection: Connection, actor: Any, action: str) -> str:
        """Only a lead, or the shell operator, manages users; returns the name to audit."""
        if isinstance(actor, ShellOperator):
            return actor.name
        acting = self._load_actor(connection, actor)
        if acting.disabled or Role.LEAD not in acting.roles:
            raise PermissionDenied(f"user {acting.name!r} may not {action}: only a lead manages users")
        return acting.name

    def _active_leads(self, connection: Connection) -> set[str]:
        return set(
            connection.execute(
                select(users.c.name).join(user_roles, user_roles.c.user_id == users.c.id)
                .where(user_roles.c.role == Role.LEAD.value, users.c.disabled.is_(False))
            ).scalars()
        )

    def add_user(self, name: str, password: str | None, roles: Iterable[str | Role], actor: Any = None, *, display_name: str = "") -> User:
        """Add a user. actor None only while no user exists (the first lead); SHELL from the shell; else a lead."""
        if not _NAME_PATTERN.match(name or ""):
            raise InvalidInput(f"user name {name!r} is not valid: use letters, digits, '.', '_', '@' or '-' (at most 100), starting with a letter or digit")
        parsed = parse_roles(roles)
        password_hash = None
        if password is not None:
            self._check_password(name, password)
            password_hash = self.hasher.hash(password)

        def work(connection: Connection) -> User:
            # Lock the audit head first: it serialises "is this the first user?" on every backend.
            connection.execute(select(audit.audit_head).with_for_update()).all()
            if actor is None:
                if connection.execute(select(func.count()).select_from(users)).scalar_one():
                    raise PermissionDenied(
                        "users exist already: a lead adds users (or run `workbench users add` from the server's shell)"
                    )
                actor_name = "bootstrap"
            else:
                actor_name = self._authorize_user_admin(connection, actor, "add users")
            if connection.execute(select(users.c.id).where(users.c.name == name)).first():
                raise UserExists(f"a user named {name!r} exists already; choose another name or change their roles with `workbench users set-roles`")
            user_id = connection.execute(
                insert(users).values(name=name, display_name=display_name or name, password_hash=password_hash, disabled=False, created_at=self.clock())
            ).inserted_primary_key[0]
            for role in sorted(parsed):
                connection.execute(insert(user_roles).values(user_id=user_id, role=role.value))
            self._audit(connection, actor_name, "user_add", details={"user": name, "roles": sorted(r.value for r in parsed)})
            return self._user_view(connection, connection.execute(select(users).where(users.c.id == user_id)).one())

        return self._write(work, actor=actor if actor is not None else "bootstrap", action="user_add")

    @staticmethod
    def _check_password(name: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
        if password.strip().lower() == name.lower():
            raise WeakPassword("the password must not be the user name")

    def set_password(self, actor: Any, name: str, password: str) -> None:
        """Set a user's password (the user themself, a lead, or the shell operator)."""
        self._check_password(name, password)
        password_hash = self.hasher.hash(password)

        def work(connection: Connection) -> None:
            if self._actor_name(actor) == name:
                actor_name = name
            else:
                actor_name = self._authorize_user_admin(connection, actor, "set other users' passwords")
            result = connection.execute(update(users).where(users.c.name == name).values(password_hash=password_hash))
            if result.rowcount == 0:
                raise UnknownUser(f"no user named {name!r}")
            self._audit(connection, actor_name, "user_password", details={"user": name})

        self._write(work, actor=actor, action="user_password")

    def authenticate(self, name: str, password: str) -> User:
        """The user if the password matches and the account is enabled; otherwise one generic failure."""
        with self.database.read() as connection:
            row = connection.execute(select(users).where(users.c.name == (name or ""))).one_or_none()
            user = self._user_view(connection, row) if row is not None else None
        stored = row.password_hash if row is not None else None
        try:
            self.hasher.verify(stored or self._dummy_hash, password or "")
            ok = stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or user.disabled:
            reason = "unknown user" if row is None else "disabled" if (ok and user and user.disabled) else "wrong password"
            self.database.run_write(
                lambda c: self._audit(c, str(name)[:100], "login_failed", details={"reason": reason})
            )
            raise AuthenticationFailed()
        if self.hasher.check_needs_rehash(stored):
            new_hash = self.hasher.hash(password)
            self.database.run_write(lambda c: c.execute(update(users).where(users.c.id == user.id).values(password_hash=new_hash)))
        return user

    def set_roles(self, actor: Any, name: str, roles: Iterable[str | Role]) -> User:
        """Replace a user's roles (lead or shell); refuses to remove the last active lead."""
        parsed = parse_roles(roles)

        def work(connection: Connection) -> User:
            actor_name = self._authorize_user_admin(connection, actor, "change roles")
            row = connection.execute(select(users).where(users.c.name == name).with_for_update()).one_or_none()
            if row is None:
                raise UnknownUser(f"no user named {name!r}; `workbench users list` shows them")
            before = self._user_view(connection, row)
            if Role.LEAD not in parsed and self._active_leads(connection) == {name}:
                raise InvalidInput(f"{name!r} is the last active lead; make someone else a lead first")
            connection.execute(delete(user_roles).where(user_roles.c.user_id == row.id))
            for role in sorted(parsed):
                connection.execute(insert(user_roles).values(user_id=row.id, role=role.value))
            self._audit(connection, actor_name, "user_roles", details={
                "user": name, "before": sorted(r.value for r in before.roles), "after": sorted(r.value for r in parsed)})
            return self._user_view(connection, row)

        return self._write(work, actor=actor, action="user_roles")

    def disable_user(self, actor: Any, name: str, disabled: bool = True) -> User:
        """Disable (or re-enable) a user; a disabled user can neither log in nor act."""

        def work(connection: Connection) -> User:
            actor_name = self._authorize_user_admin(connection, actor, "disable users")
            row = connection.execute(select(users).where(users.c.name == name).with_for_update()).one_or_none()
            if row is None:
                raise UnknownUser(f"no user named {name!r}; `workbench users list` shows them")
            if disabled and self._active_leads(connection) == {name}:
                raise InvalidInput(f"{name!r} is the last active lead; make someone else a lead first")
            connection.execute(update(users).where(users.c.id == row.id).values(disabled=disabled))
            self._audit(connection, actor_name, "user_disable" if disabled else "user_enable", details={"user": name})
            return self._user_view(connection, connection.execute(select(users).where(users.c.id == row.id)).one())

        return self._write(work, actor=actor, action="user_disable")

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self.database.read() as connection:
            return [self._user_view(connection, row) for row in connection.execute(select(users).order_by(users.c.name)).all()]

    def get_user(self, name: str) -> User:
        """One user by name."""
        with self.database.read() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).one_or_none()
            if row is None:
                raise UnknownUser(f"no user named {name!r}; `workbench users list` shows them")
            return self._user_view(connection, row)

    def user_for_identity(self, issuer: str, subject: str, display_name: str) -> User:
        """The user behind an OIDC identity; created without roles on first sight (a lead grants them)."""
        if not issuer or not subject:
            raise InvalidInput("an OIDC identity needs both an issuer and a subject")

        def work(connection: Connection) -> User:
            row = connection.execute(
                select(users).where(users.c.oidc_issuer == issuer, users.c.oidc_subject == subject)
            ).one_or_none()
            if row is not None:
                return self._user_view(connection, row)
            connection.execute(select(audit.audit_head).with_for_update()).all()
            base = re.sub(r"[^A-Za-z0-9._@-]+", "-", unicodedata.normalize("NFKD", display_name or subject)).strip("-._@")[:80] or "user"
            name, suffix = base, 1
            while connection.execute(select(users.c.id).where(users.c.name == name)).first():
                suffix += 1
                name = f"{base}-{suffix}"
            user_id = connection.execute(
                insert(users).values(name=name, display_name=(display_name or name)[:200], password_hash=None,
                                     disabled=False, oidc_issuer=issuer, oidc_subject=subject, created_at=self.clock())
            ).inserted_primary_key[0]
            self._audit(connection, f"oidc:{issuer}"[:200], "user_add", details={"user": name, "roles": [], "subject": subject})
            return self._user_view(connection, connection.execute(select(users).where(users.c.id == user_id)).one())

        try:
            return self.database.run_write(work)
        except IntegrityError:
            # Two first logins at once: the other one created the user.
            with self.database.read() as connection:
                row = connection.execute(select(users).where(users.c.oidc_issuer == issuer, users.c.oidc_subject == subject)).one()
                return self._user_view(connection, row)

    # ------------------------------------------------------------------ drafts

    def create_draft(self, actor: Any, *, title: str, content: dict, markdown: str, findings: list[dict],
                     skill_ids: list[str], generated_by: dict | None = None) -> DraftView:
        """A new draft in state drafting, revision 1, authored by the actor (author or lead)."""
        title = self._validate_title(title)
        self._validate_body(content, markdown, findings)
        digest = content_hash(content, markdown)

        def work(connection: Connection) -> int:
            acting = self._load_actor(connection, actor)
            if acting.disabled or not ({Role.AUTHOR, Role.LEAD} & acting.roles):
                raise PermissionDenied(f"user {acting.name!r} may not create drafts: needs the role author or lead")
            now = self.clock()
            draft_id = connection.execute(
                insert(drafts).values(title=title, state=DraftState.DRAFTING.value, current_revision=1, author_id=acting.id,
                                      generated_by=_dumps(generated_by) if generated_by is not None else None,
                                      skill_ids=_dumps(list(skill_ids or [])), created_at=now, updated_at=now)
            ).inserted_primary_key[0]
            connection.execute(
                insert(revisions).values(draft_id=draft_id, number=1, title=title, content=_dumps(content), markdown=markdown,
                                         content_hash=digest, findings=_dumps(findings), editor_id=acting.id, note="", created_at=now)
            )
            row = connection.execute(select(drafts).where(drafts.c.id == draft_id)).one()
            self._audit(connection, acting.name, "create", row, content_hash_=digest, details={"to": DraftState.DRAFTING.value})
            return draft_id

        return self.get_draft(self._write(work, actor=actor, action="create"))

    def revise(self, actor: Any, draft_id: int, *, expected_revision: int, content: dict, markdown: str,
               findings: list[dict], note: str = "", title: str | None = None) -> DraftView:
        """A new revision (back to drafting); voids every sign-off. Identical content changes nothing."""
        new_title = self._validate_title(title) if title is not None else None
        self._validate_body(content, markdown, findings)
        digest = content_hash(content, markdown)

        def work(connection: Connection) -> None:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            self._check_revision(connection, row, expected_revision)
            state, signed = self._effective(connection, row)
            authorize(acting, Action.REVISE, state, row.id)
            current = self._revision_row(connection, row.id, row.current_revision)
            if current.content_hash == digest and (new_title is None or new_title == current.title):
                # The same edit sent twice (two tabs, a retry) must not void anything.
                if _dumps(findings) != current.findings:
                    connection.execute(update(revisions).where(revisions.c.id == current.id).values(findings=_dumps(findings)))
                return
            number = row.current_revision + 1
            now = self.clock()
            connection.execute(
                insert(revisions).values(draft_id=row.id, number=number, title=new_title or current.title, content=_dumps(content),
                                         markdown=markdown, content_hash=digest, findings=_dumps(findings), editor_id=acting.id,
                                         note=(note or "").strip()[:MAX_COMMENT_CHARS], created_at=now)
            )
            for sign_off in signed:
                self._audit(connection, acting.name, "sign_off_voided", row, revision=sign_off.revision,
                            content_hash_=sign_off.content_hash, dimension=sign_off.dimension,
                            details={"signed_by": sign_off.user_name, "voided_by_revision": number})
            connection.execute(
                update(sign_offs).where(sign_offs.c.draft_id == row.id, sign_offs.c.voided_at.is_(None))
                .values(voided_at=now, voided_by_revision=number)
            )
            connection.execute(
                update(drafts).where(drafts.c.id == row.id)
                .values(current_revision=number, title=new_title or current.title, state=DraftState.DRAFTING.value, updated_at=now)
            )
            self._audit(connection, acting.name, "revise", row, revision=number, content_hash_=digest, comment=note or None,
                        details={"from": state.value, "to": DraftState.DRAFTING.value, "voided_sign_offs": len(signed)})

        self._write(work, actor=actor, action="revise", draft_id=draft_id, revision=expected_revision)
        return self.get_draft(draft_id)

    def update_findings(self, actor: Any, draft_id: int, *, expected_revision: int, findings: list[dict]) -> DraftView:
        """Replace the check findings of the current revision (findings are not content: nothing is voided)."""
        self._validate_body({}, "", findings)

        def work(connection: Connection) -> None:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            self._check_revision(connection, row, expected_revision)
            state, _ = self._effective(connection, row)
            authorize(acting, Action.UPDATE_FINDINGS, state, row.id)
            connection.execute(
                update(revisions).where(revisions.c.draft_id == row.id, revisions.c.number == row.current_revision)
                .values(findings=_dumps(findings))
            )
            self._audit(connection, acting.name, "update_findings", row, details={"findings": len(findings)})

        self._write(work, actor=actor, action="update_findings", draft_id=draft_id, revision=expected_revision)
        return self.get_draft(draft_id)

    def _transition(self, actor: Any, draft_id: int, expected_revision: int | None, action: Action, target: DraftState,
                    comment: str | None = None, extra_check: Callable[[Actor, Any], None] | None = None) -> DraftView:
        def work(connection: Connection) -> None:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            self._check_revision(connection, row, expected_revision)
            state, _ = self._effective(connection, row)
            authorize(acting, action, state, row.id)
            if extra_check is not None:
                extra_check(acting, row)
            self._set_state(connection, row, target)
            current = self._revision_row(connection, row.id, row.current_revision)
            if comment:
                connection.execute(insert(comments).values(draft_id=row.id, revision=row.current_revision, user_id=acting.id,
                                                           anchor=None, text=comment, created_at=self.clock()))
            self._audit(connection, acting.name, action.value, row, content_hash_=current.content_hash, comment=comment,
                        details={"from": state.value, "to": target.value})

        self._write(work, actor=actor, action=action.value, draft_id=draft_id, revision=expected_revision)
        return self.get_draft(draft_id)

    def submit(self, actor: Any, draft_id: int, expected_revision: int) -> DraftView:
        """Send the current revision to review (author or lead)."""
        return self._transition(actor, draft_id, expected_revision, Action.SUBMIT, DraftState.IN_REVIEW)

    def request_changes(self, actor: Any, draft_id: int, expected_revision: int, comment: str) -> DraftView:
        """Send the draft back to its author with a comment (a reviewer or lead, while in review)."""
        comment = self._require_comment(comment, "requesting changes")
        return self._transition(actor, draft_id, expected_revision, Action.REQUEST_CHANGES, DraftState.CHANGES_REQUESTED, comment)

    def reject(self, actor: Any, draft_id: int, expected_revision: int, comment: str) -> DraftView:
        """Reject the draft for good, with a comment."""
        comment = self._require_comment(comment, "rejecting")
        return self._transition(actor, draft_id, expected_revision, Action.REJECT, DraftState.REJECTED, comment)

    def archive(self, actor: Any, draft_id: int, expected_revision: int | None = None, comment: str = "") -> DraftView:
        """Archive a draft that is not published (a lead, or its author while it is not in review)."""

        def own_draft_only(acting: Actor, row) -> None:
            if Role.LEAD not in acting.roles and row.author_id != acting.id:
                raise PermissionDenied(f"user {acting.name!r} may only archive their own drafts; ask a lead")

        return self._transition(actor, draft_id, expected_revision, Action.ARCHIVE, DraftState.ARCHIVED, (comment or "").strip() or None, own_draft_only)

    def sign_off(self, actor: Any, draft_id: int, dimension: str | Dimension, expected_revision: int) -> DraftView:
        """Sign one dimension of the current revision; the same sign-off sent twice leaves one row."""
        dimension = parse_dimension(dimension)

        def work(connection: Connection) -> None:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            self._check_revision(connection, row, expected_revision)
            state, signed = self._effective(connection, row)
            mine = next((s for s in signed if s.user_id == acting.id), None)
            if mine is not None and mine.dimension == dimension.value and not acting.disabled and REVIEWER_ROLE[dimension] in acting.roles:
                return  # already signed exactly this: a repeat, not a second sign-off
            authorize(acting, Action.SIGN_OFF, state, row.id)
            check_sign_off(acting, dimension, draft_id=row.id, revision=row.current_revision,
                           contributors=self._contributors(connection, row),
                           signer_dimension=Dimension(mine.dimension) if mine is not None else None)
            other = next((s for s in signed if s.dimension == dimension.value), None)
            if other is not None:
                raise InvalidTransition(
                    f"{dimension.value} is already signed off on revision {row.current_revision} of draft {row.id} by {other.user_name}"
                )
            current = self._revision_row(connection, row.id, row.current_revision)
            connection.execute(insert(sign_offs).values(draft_id=row.id, revision=row.current_revision, dimension=dimension.value,
                                                        user_id=acting.id, content_hash=current.content_hash, signed_at=self.clock()))
            connection.execute(update(drafts).where(drafts.c.id == row.id).values(updated_at=self.clock()))
            self._audit(connection, acting.name, "sign_off", row, content_hash_=current.content_hash, dimension=dimension.value)
            new_state = effective_state(DraftState(row.state), [Dimension(s.dimension) for s in signed] + [dimension])
            if new_state != state:
                self._audit(connection, acting.name, "approved", row, content_hash_=current.content_hash,
                            details={"from": state.value, "to": new_state.value})

        try:
            self._write(work, actor=actor, action="sign_off", draft_id=draft_id, revision=expected_revision)
        except IntegrityError:
            # The unique constraints caught a race the lock did not (a repeat from another tab): re-check.
            view = self.get_draft(draft_id)
            if not any(s.dimension == dimension and s.user == self._actor_name(actor) for s in view.sign_offs):
                raise InvalidTransition(
                    f"{dimension.value} was signed off on draft {draft_id} by someone else at the same moment; reload it"
                ) from None
        return self.get_draft(draft_id)

    def comment(self, actor: Any, draft_id: int, text: str, anchor: str | None = None) -> CommentView:
        """Add a comment on the current revision, optionally anchored to `section:<id>` or `item:<id>`."""
        text = (text or "").strip()
        if not text:
            raise CommentRequired("the comment is empty")
        if len(text) > MAX_COMMENT_CHARS:
            raise InvalidInput(f"the comment has {len(text)} characters; keep it under {MAX_COMMENT_CHARS}")
        if anchor is not None and not _ANCHOR_PATTERN.match(anchor):
            raise InvalidInput(f"anchor {anchor!r} is not valid: use section:<id>, item:<id>, objective:<id> or activity:<id>")

        def work(connection: Connection) -> int:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            state, _ = self._effective(connection, row)
            authorize(acting, Action.COMMENT, state, row.id)
            now = self.clock()
            comment_id = connection.execute(
                insert(comments).values(draft_id=row.id, revision=row.current_revision, user_id=acting.id, anchor=anchor,
                                        text=text, created_at=now)
            ).inserted_primary_key[0]
            self._audit(connection, acting.name, "comment", row, comment=text, details={"anchor": anchor})
            return CommentView(comment_id, acting.name, row.current_revision, text, anchor, now)

        return self._write(work, actor=actor, action="comment", draft_id=draft_id)

    # ------------------------------------------------------------------ reading

    def get_draft(self, draft_id: int) -> DraftView:
        """The draft's current revision with its sign-offs, comments and derived approval."""
        with self.database.read() as connection:
            return self._draft_view(connection, draft_id)

    def _draft_view(self, connection: Connection, draft_id: int) -> DraftView:
        try:
            draft_id = int(draft_id)
        except (TypeError, ValueError):
            raise UnknownDraft(f"draft id {draft_id!r} is not a number") from None
        row = connection.execute(
            select(drafts, users.c.name.label("author_name")).join(users, users.c.id == drafts.c.author_id).where(drafts.c.id == draft_id)
        ).one_or_none()
        if row is None:
            raise UnknownDraft(f"no draft with id {draft_id}; `workbench review list` shows the drafts")
        current = self._revision_row(connection, row.id, row.current_revision)
        signed = self._current_sign_offs(connection, row.id, row.current_revision)
        state = effective_state(DraftState(row.state), [Dimension(s.dimension) for s in signed])
        signed_dims = {Dimension(s.dimension) for s in signed}
        comment_rows = connection.execute(
            select(comments, users.c.name.label("user_name")).join(users, users.c.id == comments.c.user_id)
            .where(comments.c.draft_id == row.id).order_by(comments.c.id)
        ).all()
        editors = connection.execute(
            select(users.c.name).join(revisions, revisions.c.editor_id == users.c.id)
            .where(revisions.c.draft_id == row.id).group_by(users.c.name).order_by(users.c.name)
        ).scalars().all()
        publication = connection.execute(select(publications).where(publications.c.draft_id == row.id)).one_or_none()
        return DraftView(
            id=row.id, title=row.title, state=state, revision=row.current_revision,
            content=json.loads(current.content), markdown=current.markdown, content_hash=current.content_hash,
            findings=json.loads(current.findings), skill_ids=json.loads(row.skill_ids), author=row.author_name,
            generated_by=json.loads(row.generated_by) if row.generated_by else None,
            sign_offs=[SignOffView(Dimension(s.dimension), s.user_name, s.revision, s.content_hash, s.signed_at) for s in signed],
            missing_dimensions=[d for d in ALL_DIMENSIONS if d not in signed_dims],
            approved=state in (DraftState.APPROVED, DraftState.PUBLISHED) and signed_dims >= set(ALL_DIMENSIONS),
            comments=[CommentView(c.id, c.user_name, c.revision, c.text, c.anchor, c.created_at) for c in comment_rows],
            editors=list(editors), created_at=row.created_at, updated_at=row.updated_at,
            published_path=publication.path if publication is not None and publication.present else None,
            published_revision=publication.revision if publication is not None and publication.present else None,
            module_id=publication.module_id if publication is not None else None,
            revision_note=current.note,
        )

    def list_drafts(self, state: str | DraftState | None = None, queue_for: Any = None) -> list[DraftSummary]:
        """Drafts (newest first), optionally in one state, or `queue_for` a user: in review, missing a
        dimension they may sign, not signed by them, not authored or edited by them."""
        wanted = None
        if state is not None:
            try:
                wanted = DraftState(str(state))
            except ValueError:
                raise InvalidInput(f"unknown state {state!r}; valid states: {', '.join(s.value for s in DraftState)}") from None
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
                reviewer = self._load_actor(connection, queue_for)
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
            signed_by_draft: dict[int, set[Dimension]] = {}
            signed_query = (
                select(sign_offs.c.draft_id, sign_offs.c.dimension)
                .join(drafts, and_(drafts.c.id == sign_offs.c.draft_id, drafts.c.current_revision == sign_offs.c.revision))
                .where(sign_offs.c.voided_at.is_(None))
            )
            if wanted is not None or reviewer is not None:
                signed_query = signed_query.where(drafts.c.state == DraftState.IN_REVIEW.value)
            for draft_id, dimension in connection.execute(signed_query):
                signed_by_draft.setdefault(draft_id, set()).add(Dimension(dimension))
        my_dims = {d for d, role in REVIEWER_ROLE.items() if reviewer is not None and role in reviewer.roles}
        states = {state.value: state for state in DraftState}
        no_sign_offs: set[Dimension] = set()
        # Ten thousand rows: unpack tuples and reuse the per-combination lists instead of rebuilding them.
        split: dict[frozenset, tuple[list[Dimension], list[Dimension]]] = {}
        result = []
        for draft_id, title, stored, revision, updated_at, generated_by, author, path, present in rows:
            signed = signed_by_draft.get(draft_id, no_sign_offs)
            effective = states[stored]
            if effective is DraftState.IN_REVIEW and len(signed) == len(ALL_DIMENSIONS):
                effective = DraftState.APPROVED
            if wanted is not None and effective is not wanted:
                continue
            key = frozenset(signed)
            if key not in split:
                split[key] = ([d for d in ALL_DIMENSIONS if d in signed], [d for d in ALL_DIMENSIONS if d not in signed])
            signed_list, missing = split[key]
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
                published_path=path if present else None,
            ))
        return result

    def actions_for(self, actor: Any, draft_id: int) -> dict:
        """What the actor may do to the draft right now: {"actions": [...], "sign_off_dimensions": [...]}
        (for showing buttons; every action is checked again when it is performed)."""
        with self.database.read() as connection:
            row = connection.execute(select(drafts).where(drafts.c.id == int(draft_id))).one_or_none()
            if row is None:
                raise UnknownDraft(f"no draft with id {draft_id}; `workbench review list` shows the drafts")
            acting = self._load_actor(connection, actor)
            state, signed = self._effective(connection, row)
            actions = [a.value for a in allowed_actions(acting, state)]
            if Action.ARCHIVE.value in actions and Role.LEAD not in acting.roles and row.author_id != acting.id:
                actions.remove(Action.ARCHIVE.value)
            dimensions: list[str] = []
            if Action.SIGN_OFF.value in actions:
                contributors = self._contributors(connection, row)
                mine = next((Dimension(s.dimension) for s in signed if s.user_id == acting.id), None)
                taken = {s.dimension for s in signed}
                for dimension in ALL_DIMENSIONS:
                    if dimension.value in taken:
                        continue
                    try:
                        check_sign_off(acting, dimension, draft_id=row.id, revision=row.current_revision,
                                       contributors=contributors, signer_dimension=mine)
                    except PermissionDenied:
                        continue
                    dimensions.append(dimension.value)
                if not dimensions:
                    actions.remove(Action.SIGN_OFF.value)
        return {"actions": actions, "sign_off_dimensions": dimensions}

    def revisions(self, draft_id: int) -> list[RevisionView]:
        """Every revision of the draft, oldest first (without content)."""
        with self.database.read() as connection:
            self._draft_view(connection, draft_id)  # raises UnknownDraft
            rows = connection.execute(
                select(revisions, users.c.name.label("editor_name")).join(users, users.c.id == revisions.c.editor_id)
                .where(revisions.c.draft_id == int(draft_id)).order_by(revisions.c.number)
            ).all()
        return [RevisionView(r.number, r.title, r.content_hash, r.editor_name, r.note, r.created_at) for r in rows]

    def get_revision(self, draft_id: int, number: int) -> RevisionView:
        """One revision with its content, markdown and findings."""
        with self.database.read() as connection:
            row = self._revision_row(connection, int(draft_id), int(number))
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

    # ------------------------------------------------------------------ publication records (used by the publisher)

    def publish_transaction(self, actor: Any, draft_id: int, expected_revision: int,
                            prepare: Callable[[PublishContext], PreparedFile]) -> PublicationRecord:
        """Inside one transaction: check lead + approval + content hash, let `prepare` stage the file,
        then record the publication. The file is only moved into place after this commits."""

        def work(connection: Connection) -> PublicationRecord:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            self._check_revision(connection, row, expected_revision)
            state, signed = self._effective(connection, row)
            authorize(acting, Action.PUBLISH, state, row.id)
            current = self._revision_row(connection, row.id, row.current_revision)
            recomputed = content_hash(json.loads(current.content), current.markdown)
            if recomputed != current.content_hash or any(s.content_hash != recomputed for s in signed):
                raise NotApproved(
                    f"draft {row.id} revision {row.current_revision}: the stored content no longer matches what was signed off; "
                    "it needs a new revision and fresh sign-offs"
                )
            view = self._draft_view(connection, row.id)
            existing = connection.execute(select(publications).where(publications.c.draft_id == row.id)).one_or_none()
            taken = frozenset(connection.execute(select(publications.c.path).where(publications.c.draft_id != row.id)).scalars())
            prepared = prepare(PublishContext(
                draft=view, actor=acting.name, sign_offs=view.sign_offs,
                existing_path=existing.path if existing is not None else None,
                existing_module_id=existing.module_id if existing is not None else None, taken_paths=taken,
            ))
            text_sha = hashlib.sha256(prepared.text.encode("utf-8")).hexdigest()
            now = self.clock()
            values = dict(path=prepared.path, module_id=prepared.module_id, revision=row.current_revision,
                          content_hash=current.content_hash, text=prepared.text, text_sha256=text_sha, present=True,
                          indexed=False, published_at=now, removed_at=None, remove_reason=None)
            if existing is None:
                connection.execute(insert(publications).values(draft_id=row.id, **values))
            else:
                connection.execute(update(publications).where(publications.c.id == existing.id).values(**values))
            self._set_state(connection, row, DraftState.PUBLISHED)
            self._audit(connection, acting.name, "publish", row, content_hash_=current.content_hash,
                        details={"from": state.value, "to": DraftState.PUBLISHED.value, "path": prepared.path,
                                 "file_sha256": text_sha, "sign_offs": {s.dimension.value: s.user for s in view.sign_offs}})
            return PublicationRecord(row.id, prepared.path, prepared.module_id, row.current_revision, current.content_hash,
                                     prepared.text, text_sha, True, False)

        return self._write(work, actor=actor, action="publish", draft_id=draft_id, revision=expected_revision)

    def unpublish_transaction(self, actor: Any, draft_id: int, reason: str) -> PublicationRecord:
        """Archive a published draft and mark its file for removal (lead only, with a reason)."""
        reason = self._require_comment(reason, "unpublishing")

        def work(connection: Connection) -> PublicationRecord:
            row = self._lock_draft(connection, draft_id)
            acting = self._load_actor(connection, actor)
            state, _ = self._effective(connection, row)
            authorize(acting, Action.UNPUBLISH, state, row.id)
            publication = connection.execute(select(publications).where(publications.c.draft_id == row.id)).one()
            connection.execute(update(publications).where(publications.c.id == publication.id)
                               .values(present=False, indexed=False, removed_at=self.clock(), remove_reason=reason))
            self._set_state(connection, row, DraftState.ARCHIVED)
            self._audit(connection, acting.name, "unpublish", row, revision=publication.revision,
                        content_hash_=publication.content_hash, comment=reason,
                        details={"from": state.value, "to": DraftState.ARCHIVED.value, "path": publication.path})
            record = self._publication_record(publication)
            return PublicationRecord(**{**record.__dict__, "present": False, "indexed": False})

        return self._write(work, actor=actor, action="unpublish", draft_id=draft_id)

    @staticmethod
    def _publication_record(row) -> PublicationRecord:
        return PublicationRecord(row.draft_id, row.path, row.module_id, row.revision, row.content_hash, row.text,
                                 row.text_sha256, row.present, row.indexed)

    def publications(self) -> list[PublicationRecord]:
        """Every publication record: the files the publisher keeps in step with the database."""
        with self.database.read() as connection:
            return [self._publication_record(r) for r in connection.execute(select(publications).order_by(publications.c.id))]

    def mark_indexed(self, draft_id: int, text_sha256: str) -> None:
        """Record that the index reflects this publication (only if it was not replaced meanwhile)."""
        self.database.run_write(lambda c: c.execute(
            update(publications).where(publications.c.draft_id == int(draft_id), publications.c.text_sha256 == text_sha256)
            .values(indexed=True)
        ))

    # ------------------------------------------------------------------ audit

    def audit_verify(self) -> audit.AuditVerification:
        """Recompute the hash chain; the result names the first edited, inserted or missing row."""
        with self.database.read() as connection:
            return audit.verify(connection)

    def export_audit_csv(self, stream: IO[str]) -> int:
        """Write the audit log as CSV; returns the number of rows."""
        with self.database.read() as connection:
            return audit.export_csv(connection, stream)

    def audit_rows(self, draft_id: int | None = None, limit: int | None = None, action: str | None = None) -> list[dict]:
        """Audit rows, oldest first (the newest `limit` when given), optionally for one draft or action."""
        query = select(audit.audit_log)
        if draft_id is not None:
            query = query.where(audit.audit_log.c.draft_id == int(draft_id))
        if action is not None:
            query = query.where(audit.audit_log.c.action == action)
        if limit is not None:
            query = query.order_by(audit.audit_log.c.seq.desc()).limit(limit)
        with self.database.read() as connection:
            rows = [dict(r._mapping) for r in connection.execute(query.order_by(audit.audit_log.c.seq))]
        rows.sort(key=lambda r: r["seq"])
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows
