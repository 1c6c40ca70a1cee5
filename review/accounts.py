"""Users and credentials: accounts, roles, passwords (argon2id), single sign-on identities."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Callable, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from review.actors import ActorRef, ShellOperator, actor_name, load_actor
from review.audit import AuditTrail
from review.db import Database
from review.errors import (
    AuthenticationFailed,
    InvalidInput,
    PermissionDenied,
    SignInThrottled,
    UnknownUser,
    UserExists,
    WeakPassword,
)
from review import sign_in_limits
from review.sign_in_limits import ACCOUNT, CLIENT, Lockout, SignInPolicy, account_subject, client_subject
from review.policy import Role, parse_roles
from review.sessions import end_sessions_of
from review.tables import audit_head, user_roles, users
from review.views import User

MIN_PASSWORD_LENGTH = 10
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
# A fixed hash to verify against when the user is unknown, so timing does not reveal which names exist.
_DUMMY_PASSWORD = "not-a-real-password-0000"


class Accounts:
    """The people who use the workbench: only a lead (or the shell operator) manages them."""

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime],
                 password_hasher: PasswordHasher | None = None, sign_in_policy: SignInPolicy | None = None) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock
        self.hasher = password_hasher or PasswordHasher()
        self.sign_in_policy = sign_in_policy or SignInPolicy()
        self._dummy: str | None = None

    @property
    def _dummy_hash(self) -> str:
        """A hash to verify against for unknown users (computed once, when first needed)."""
        if self._dummy is None:
            self._dummy = self.hasher.hash(_DUMMY_PASSWORD)
        return self._dummy

    def _user_view(self, connection: Connection, row: Row) -> User:
        roles = connection.execute(select(user_roles.c.role).where(user_roles.c.user_id == row.id)).scalars().all()
        return User(
            id=row.id, name=row.name, display_name=row.display_name or "",
            roles=frozenset(Role(r) for r in roles if r in Role._value2member_map_), disabled=row.disabled,
            has_password=row.password_hash is not None, created_at=row.created_at,
            oidc_issuer=row.oidc_issuer, oidc_subject=row.oidc_subject,
        )

    def _authorize_user_admin(self, connection: Connection, actor: ActorRef, action: str) -> str:
        """Only a lead, or the shell operator, manages users; returns the name to audit."""
        if isinstance(actor, ShellOperator):
            return actor.name
        acting = load_actor(connection, actor)
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

    def add_user(self, name: str, password: str | None, roles: Iterable[str | Role], actor: ActorRef | None = None, *, display_name: str = "") -> User:
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
            connection.execute(select(audit_head).with_for_update()).all()
            if actor is None:
                if connection.execute(select(func.count()).select_from(users)).scalar_one():
                    raise PermissionDenied(
                        "users exist already: a lead adds users (or run `workbench users add` from the server's shell)"
                    )
                audited_as = "bootstrap"
            else:
                audited_as = self._authorize_user_admin(connection, actor, "add users")
            if connection.execute(select(users.c.id).where(users.c.name == name)).first():
                raise UserExists(f"a user named {name!r} exists already; choose another name or change their roles with `workbench users set-roles`")
            user_id = connection.execute(
                insert(users).values(name=name, display_name=display_name or name, password_hash=password_hash, disabled=False, created_at=self.clock())
            ).inserted_primary_key[0]
            for role in sorted(parsed):
                connection.execute(insert(user_roles).values(user_id=user_id, role=role.value))
            self.trail.record(connection, audited_as, "user_add", details={"user": name, "roles": sorted(r.value for r in parsed)})
            return self._user_view(connection, connection.execute(select(users).where(users.c.id == user_id)).one())

        return self.trail.run_write(work, actor=actor_name(actor) if actor is not None else "bootstrap", action="user_add")

    @staticmethod
    def _check_password(name: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
        if password.strip().lower() == name.lower():
            raise WeakPassword("the password must not be the user name")

    def set_password(self, actor: ActorRef, name: str, password: str) -> None:
        """Set a user's password (the user themself, a lead, or the shell operator)."""
        self._check_password(name, password)
        password_hash = self.hasher.hash(password)

        def work(connection: Connection) -> None:
            if actor_name(actor) == name:
                audited_as = name
            else:
                audited_as = self._authorize_user_admin(connection, actor, "set other users' passwords")
            user_id = connection.execute(select(users.c.id).where(users.c.name == name)).scalar_one_or_none()
            if user_id is None:
                raise UnknownUser(f"no user named {name!r}")
            connection.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))
            # Whoever knew the old password may be signed in somewhere: every session ends.
            ended = end_sessions_of(connection, user_id, self.clock(), "password_changed")
            self.trail.record(connection, audited_as, "user_password", details={"user": name, "sessions_ended": ended})

        self.trail.run_write(work, actor=actor_name(actor), action="user_password")

    def authenticate(self, name: str, password: str, client: str | None = None) -> User:
        """The user if the password matches and the account is enabled; otherwise one generic failure.

        A locked account or client address is refused before the password is even checked
        (SignInThrottled); each failure counts towards both lockouts (`review/sign_in_limits.py`).
        """
        name = name or ""
        with self.database.read() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).one_or_none()
            user = self._user_view(connection, row) if row is not None else None
        subject = account_subject(name, row is not None)
        address = client_subject(client)
        self._refuse_when_locked(subject, address)
        stored = row.password_hash if row is not None else None
        try:
            self.hasher.verify(stored or self._dummy_hash, password or "")
            ok = stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or user.disabled:
            reason = "unknown user" if row is None else "disabled" if (ok and user and user.disabled) else "wrong password"
            self._count_failure(subject, address, reason)
            raise AuthenticationFailed()
        self.database.run_write(lambda c: sign_in_limits.clear(c, ACCOUNT, subject))
        if self.hasher.check_needs_rehash(stored):
            new_hash = self.hasher.hash(password)
            self.database.run_write(lambda c: c.execute(update(users).where(users.c.id == user.id).values(password_hash=new_hash)))
        return user

    def _refuse_when_locked(self, subject: str, address: str | None) -> None:
        now = self.clock()
        with self.database.read() as connection:
            ends = [sign_in_limits.locked_until(connection, ACCOUNT, subject, now)]
            if address:
                ends.append(sign_in_limits.locked_until(connection, CLIENT, address, now))
        latest = max((end for end in ends if end is not None), default=None)
        if latest is not None:
            raise SignInThrottled(max(1, int((latest - now).total_seconds() + 0.999)))

    def _count_failure(self, subject: str, address: str | None, reason: str) -> None:
        """Count one failure per account and per address; audit a burst once, and a lockout once."""
        now = self.clock()

        def work(connection: Connection) -> None:
            account = sign_in_limits.count_failure(connection, self.sign_in_policy, ACCOUNT, subject, now)
            by_client = sign_in_limits.count_failure(connection, self.sign_in_policy, CLIENT, address, now) if address else None
            # Only the subject (a user name or a hash) and a canonical address reach the log: never typed text.
            details = {"reason": reason, "client": address or "unknown"}
            if account.burst_started:
                self.trail.record(connection, subject, "login_failed", details=details)
            if account.lock_started:
                self.trail.record(connection, subject, "login_locked", details={
                    **details, "scope": ACCOUNT, "failures": account.failures, "until": account.locked_until.isoformat()})
            if by_client is not None and by_client.lock_started:
                self.trail.record(connection, subject, "login_locked", details={
                    **details, "scope": CLIENT, "failures": by_client.failures, "until": by_client.locked_until.isoformat()})

        try:
            self.database.run_write(work)
        except IntegrityError:
            # Two first failures at once on PostgreSQL both inserted the counter row: count again on the row that won.
            self.database.run_write(work)

    def lockouts(self) -> list[Lockout]:
        """Every account and client address locked out now (a lead sees them on the Audit page)."""
        with self.database.read() as connection:
            return sign_in_limits.lockouts(connection, self.clock())

    def lift_lockout(self, actor: ActorRef, subject: str, scope: str = ACCOUNT) -> bool:
        """Let an account (by user name) or a client address sign in again at once; lead or shell only."""
        if scope not in (ACCOUNT, CLIENT):
            raise InvalidInput(f"a lockout is of an {ACCOUNT} or a {CLIENT}, not {scope!r}")

        def work(connection: Connection) -> bool:
            audited_as = self._authorize_user_admin(connection, actor, "lift sign-in lockouts")
            lifted = sign_in_limits.clear(connection, scope, subject)
            if lifted:
                self.trail.record(connection, audited_as, "login_unlocked", details={"scope": scope, "subject": subject})
            return lifted

        return self.trail.run_write(work, actor=actor_name(actor), action="login_unlocked")

    def set_roles(self, actor: ActorRef, name: str, roles: Iterable[str | Role]) -> User:
        """Replace a user's roles (lead or shell); refuses to remove the last active lead."""
        parsed = parse_roles(roles)

        def work(connection: Connection) -> User:
            audited_as = self._authorize_user_admin(connection, actor, "change roles")
            row = connection.execute(select(users).where(users.c.name == name).with_for_update()).one_or_none()
            if row is None:
                raise UnknownUser(f"no user named {name!r}; `workbench users list` shows them")
            before = self._user_view(connection, row)
            if Role.LEAD not in parsed and self._active_leads(connection) == {name}:
                raise InvalidInput(f"{name!r} is the last active lead; make someone else a lead first")
            connection.execute(delete(user_roles).where(user_roles.c.user_id == row.id))
            for role in sorted(parsed):
                connection.execute(insert(user_roles).values(user_id=row.id, role=role.value))
            ended = end_sessions_of(connection, row.id, self.clock(), "roles_changed") if parsed != before.roles else 0
            self.trail.record(connection, audited_as, "user_roles", details={
                "user": name, "before": sorted(r.value for r in before.roles), "after": sorted(r.value for r in parsed),
                "sessions_ended": ended})
            return self._user_view(connection, row)

        return self.trail.run_write(work, actor=actor_name(actor), action="user_roles")

    def disable_user(self, actor: ActorRef, name: str, disabled: bool = True) -> User:
        """Disable (or re-enable) a user; a disabled user can neither log in nor act."""

        def work(connection: Connection) -> User:
            audited_as = self._authorize_user_admin(connection, actor, "disable users")
            row = connection.execute(select(users).where(users.c.name == name).with_for_update()).one_or_none()
            if row is None:
                raise UnknownUser(f"no user named {name!r}; `workbench users list` shows them")
            if disabled and self._active_leads(connection) == {name}:
                raise InvalidInput(f"{name!r} is the last active lead; make someone else a lead first")
            connection.execute(update(users).where(users.c.id == row.id).values(disabled=disabled))
            details: dict = {"user": name}
            if disabled:
                details["sessions_ended"] = end_sessions_of(connection, row.id, self.clock(), "disabled")
            self.trail.record(connection, audited_as, "user_disable" if disabled else "user_enable", details=details)
            return self._user_view(connection, connection.execute(select(users).where(users.c.id == row.id)).one())

        return self.trail.run_write(work, actor=actor_name(actor), action="user_disable")

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
            connection.execute(select(audit_head).with_for_update()).all()
            base = re.sub(r"[^A-Za-z0-9._@-]+", "-", unicodedata.normalize("NFKD", display_name or subject)).strip("-._@")[:80] or "user"
            name, suffix = base, 1
            while connection.execute(select(users.c.id).where(users.c.name == name)).first():
                suffix += 1
                name = f"{base}-{suffix}"
            user_id = connection.execute(
                insert(users).values(name=name, display_name=(display_name or name)[:200], password_hash=None,
                                     disabled=False, oidc_issuer=issuer, oidc_subject=subject, created_at=self.clock())
            ).inserted_primary_key[0]
            self.trail.record(connection, f"oidc:{issuer}"[:200], "user_add", details={"user": name, "roles": [], "subject": subject})
            return self._user_view(connection, connection.execute(select(users).where(users.c.id == user_id)).one())

        try:
            return self.database.run_write(work)
        except IntegrityError:
            # Two first logins at once: the other one created the user.
            with self.database.read() as connection:
                row = connection.execute(select(users).where(users.c.oidc_issuer == issuer, users.c.oidc_subject == subject)).one()
                return self._user_view(connection, row)
