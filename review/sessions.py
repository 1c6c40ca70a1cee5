"""Server-side sign-in sessions: started at sign-in, looked up on every request, ended for good.

A browser holds only a random token; the database keeps its SHA-256, the person, how they signed
in, and when the session was started, last used and must end. Every replica reading the same
database sees the same sessions, and ending one (sign-out, password change, disable, role
change) takes effect on the next request wherever it arrives.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Connection, func, insert, select, update

from review.audit import AuditTrail
from review.db import Database
from review.errors import IdentityAlreadyUsed, InvalidInput, UnknownUser
from review.tables import sign_in_sessions, users

VIA = ("password", "oidc")
# A session used within this long is not written again: a click per second must not be a write per second.
TOUCH_EVERY = timedelta(seconds=30)


def token_hash(token: str) -> str:
    """What the database stores for a token (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ActiveSession:
    """A live session: whose, how they signed in, and until when it lasts at most."""

    user_name: str
    via: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SessionLookup:
    """What a presented token is worth now: a live session, or why there is none."""

    session: ActiveSession | None
    ended: str | None = None  # "idle", "expired", "signed_out", "disabled", "roles_changed", ... or "unknown"


def end_sessions_of(connection: Connection, user_id: int, at: datetime, reason: str) -> int:
    """End every live session of a user inside the caller's transaction; returns how many ended."""
    result = connection.execute(
        update(sign_in_sessions)
        .where(sign_in_sessions.c.user_id == user_id, sign_in_sessions.c.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason)
    )
    return result.rowcount or 0


class SignInSessions:
    """Create, look up (and touch), end one, end all of a person's sessions."""

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime], *,
                 idle_timeout: timedelta, absolute_timeout: timedelta) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout

    def create(self, user_name: str, via: str, *, replacing: str | None = None,
               identity_issued_at: datetime | None = None) -> str:
        """A new session for an enabled user; returns its token. `replacing` (the browser's old token) ends.

        `identity_issued_at` (single sign-on): when the provider issued the identity; one issued before
        the person's latest single sign-on session started was already used, and is refused.
        """
        if via not in VIA:
            raise InvalidInput(f"a session is started by one of {', '.join(VIA)}, not {via!r}")
        token = secrets.token_urlsafe(32)
        now = self.clock()

        def work(connection: Connection) -> None:
            row = connection.execute(select(users.c.id, users.c.disabled).where(users.c.name == user_name)).one_or_none()
            if row is None:
                raise UnknownUser(f"no user named {user_name!r}")
            if row.disabled:
                raise InvalidInput(f"{user_name!r} is disabled and cannot sign in")
            if identity_issued_at is not None:
                # Each sign-in at the provider issues a new identity: one older than the last session it
                # could have started is a copy being replayed (after sign-out, or from another browser).
                latest = connection.execute(select(func.max(sign_in_sessions.c.created_at)).where(
                    sign_in_sessions.c.user_id == row.id, sign_in_sessions.c.via == "oidc")).scalar_one()
                if latest is not None and identity_issued_at <= latest:
                    raise IdentityAlreadyUsed()
            if replacing:
                # Rotation: whatever token the browser brought ends here, so a planted one is worth nothing.
                connection.execute(
                    update(sign_in_sessions)
                    .where(sign_in_sessions.c.token_hash == token_hash(replacing), sign_in_sessions.c.ended_at.is_(None))
                    .values(ended_at=now, end_reason="rotated")
                )
            connection.execute(insert(sign_in_sessions).values(
                token_hash=token_hash(token), user_id=row.id, via=via, created_at=now, last_seen_at=now,
                expires_at=now + self.absolute_timeout,
            ))
            self.trail.record(connection, user_name, "sign_in", details={"via": via})

        self.database.run_write(work)
        return token

    def lookup(self, token: str | None) -> SessionLookup:
        """The live session behind a token, touched; an idle or expired one is ended on the spot."""
        if not token:
            return SessionLookup(None, "unknown")
        now = self.clock()
        with self.database.read() as connection:
            row = connection.execute(
                select(sign_in_sessions, users.c.name, users.c.disabled)
                .join(users, users.c.id == sign_in_sessions.c.user_id)
                .where(sign_in_sessions.c.token_hash == token_hash(token))
            ).one_or_none()
        if row is None:
            return SessionLookup(None, "unknown")
        if row.ended_at is not None:
            return SessionLookup(None, row.end_reason or "ended")
        ended = ("disabled" if row.disabled else "expired" if now >= row.expires_at
                 else "idle" if now - row.last_seen_at > self.idle_timeout else None)
        if ended:
            self._end_row(row.id, now, ended)
            return SessionLookup(None, ended)
        if now - row.last_seen_at >= TOUCH_EVERY:
            self.database.run_write(lambda c: c.execute(
                update(sign_in_sessions).where(sign_in_sessions.c.id == row.id, sign_in_sessions.c.ended_at.is_(None))
                .values(last_seen_at=now)
            ))
        return SessionLookup(ActiveSession(row.name, row.via, row.created_at, row.expires_at))

    def end(self, token: str | None, reason: str = "signed_out") -> bool:
        """End the session behind a token (sign-out); False when it was not live."""
        if not token:
            return False
        now = self.clock()

        def work(connection: Connection) -> bool:
            row = connection.execute(
                select(sign_in_sessions.c.id, users.c.name).join(users, users.c.id == sign_in_sessions.c.user_id)
                .where(sign_in_sessions.c.token_hash == token_hash(token), sign_in_sessions.c.ended_at.is_(None))
            ).one_or_none()
            if row is None:
                return False
            connection.execute(update(sign_in_sessions).where(sign_in_sessions.c.id == row.id).values(ended_at=now, end_reason=reason))
            self.trail.record(connection, row.name, "sign_out", details={"reason": reason})
            return True

        return self.database.run_write(work)

    def end_all_for(self, user_name: str, reason: str) -> int:
        """End every live session of a person (everywhere they are signed in); returns how many."""
        now = self.clock()

        def work(connection: Connection) -> int:
            user_id = connection.execute(select(users.c.id).where(users.c.name == user_name)).scalar_one_or_none()
            if user_id is None:
                raise UnknownUser(f"no user named {user_name!r}")
            return end_sessions_of(connection, user_id, now, reason)

        return self.database.run_write(work)

    def live_count(self, user_name: str) -> int:
        """How many sessions of this person are live (not ended, not past their absolute expiry)."""
        now = self.clock()
        with self.database.read() as connection:
            rows = connection.execute(
                select(sign_in_sessions.c.expires_at).join(users, users.c.id == sign_in_sessions.c.user_id)
                .where(users.c.name == user_name, sign_in_sessions.c.ended_at.is_(None))
            ).scalars().all()
        return sum(1 for expires_at in rows if expires_at > now)

    def _end_row(self, row_id: int, at: datetime, reason: str) -> None:
        self.database.run_write(lambda c: c.execute(
            update(sign_in_sessions).where(sign_in_sessions.c.id == row_id, sign_in_sessions.c.ended_at.is_(None))
            .values(ended_at=at, end_reason=reason)
        ))
