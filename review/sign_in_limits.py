"""Back-off after failed sign-ins, per account and per client address.

After `account_threshold` failures on one account (or `client_threshold` from one address) within
`quiet` of each other, sign-in is refused for a delay that doubles with every further failure, up
to `max_delay`. An unknown user name is counted under a hash of the name, so a caller can neither
tell names apart by their lockouts nor write arbitrary text into the database or the audit log.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from review.tables import sign_in_failures

ACCOUNT = "account"
CLIENT = "client"


@dataclass(frozen=True)
class SignInPolicy:
    """How many failures open a lockout, how long it lasts, and when a burst is over."""

    account_threshold: int = 5
    client_threshold: int = 20
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    quiet: timedelta = timedelta(hours=1)

    def delay_after(self, failures: int, threshold: int) -> timedelta | None:
        """The lockout after this many failures: none below the threshold, then doubling, capped."""
        if failures < threshold:
            return None
        doubled = self.base_delay * (2 ** min(failures - threshold, 20))
        return min(doubled, self.max_delay)


@dataclass(frozen=True)
class Lockout:
    """One account or client address that may not sign in until `locked_until`."""

    scope: str
    subject: str
    failures: int
    first_failed_at: datetime
    locked_until: datetime


@dataclass(frozen=True)
class FailureCount:
    """What one more failure did: the new count, whether it began a burst, and any lockout it opened."""

    failures: int
    burst_started: bool
    locked_until: datetime | None
    lock_started: bool


def account_subject(name: str, known: bool) -> str:
    """How an account is counted and audited: its name when it exists, else a hash of what was typed."""
    if known:
        return name
    return "unknown:" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:16]


def client_subject(address: str | None) -> str | None:
    """A client address as a canonical IP, or None when there is none or it is not an IP address."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def locked_until(connection: Connection, scope: str, subject: str, now: datetime) -> datetime | None:
    """When the lockout of this subject ends, if it is locked now."""
    until = connection.execute(
        select(sign_in_failures.c.locked_until).where(sign_in_failures.c.scope == scope, sign_in_failures.c.subject == subject)
    ).scalar_one_or_none()
    return until if until is not None and until > now else None


def count_failure(connection: Connection, policy: SignInPolicy, scope: str, subject: str, now: datetime) -> FailureCount:
    """Add one failure to a subject's burst (a new burst after `quiet` without failures) and lock when due."""
    threshold = policy.account_threshold if scope == ACCOUNT else policy.client_threshold
    row = connection.execute(
        select(sign_in_failures).where(sign_in_failures.c.scope == scope, sign_in_failures.c.subject == subject).with_for_update()
    ).one_or_none()
    if row is None or now - row.last_failed_at > policy.quiet:
        failures, first, was_locked = 1, now, False
    else:
        failures, first, was_locked = row.failures + 1, row.first_failed_at, row.locked_until is not None
    delay = policy.delay_after(failures, threshold)
    until = now + delay if delay is not None else None
    values = dict(failures=failures, first_failed_at=first, last_failed_at=now, locked_until=until)
    if row is None:
        connection.execute(insert(sign_in_failures).values(scope=scope, subject=subject, **values))
    else:
        connection.execute(update(sign_in_failures).where(sign_in_failures.c.id == row.id).values(**values))
    return FailureCount(failures, failures == 1, until, until is not None and not was_locked)


def clear(connection: Connection, scope: str, subject: str) -> bool:
    """Forget a subject's failures (a successful sign-in, or a lead lifting the lockout)."""
    return bool(connection.execute(
        delete(sign_in_failures).where(sign_in_failures.c.scope == scope, sign_in_failures.c.subject == subject)
    ).rowcount)


def lockouts(connection: Connection, now: datetime) -> list[Lockout]:
    """Every account and address locked now, the longest-locked first."""
    rows = connection.execute(
        select(sign_in_failures).where(sign_in_failures.c.locked_until.is_not(None)).order_by(sign_in_failures.c.first_failed_at)
    ).all()
    return [Lockout(row.scope, row.subject, row.failures, row.first_failed_at, row.locked_until)
            for row in rows if row.locked_until > now]
