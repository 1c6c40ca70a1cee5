"""The AI-use policy: a markdown text a lead publishes in versions, and each person's acceptance of one.

Every person accepts the current version before their first AI action; an acceptance names the
version the person read, so an acceptance that arrives after a newer version was published is
refused (they have not read the new text). Publishing and accepting are rows of the audit chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import Connection, bindparam, func, insert, select

from review.actors import ActorRef, ShellOperator, actor_name, load_actor
from review.audit import AuditTrail
from review.db import Database
from workbench.errors import GovernanceInputInvalid, PolicyNotAccepted, PolicySuperseded
from workbench.governance.authority import lead_name
from workbench.governance.tables import policies, policy_acceptances

MAX_POLICY_CHARS = 100_000


@dataclass(frozen=True)
class PolicyVersion:
    """One published version of the policy."""

    version: int
    text: str
    sha256: str
    published_at: datetime
    published_by: str

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"version": self.version, "text": self.text, "sha256": self.sha256,
                "published_at": self.published_at.isoformat(), "published_by": self.published_by}


class AIPolicy:
    """Publishing versions (leads only) and recording acceptances, both audited."""

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock

    def publish(self, actor: ActorRef, text: str) -> PolicyVersion:
        """Publish a new version (the previous acceptances no longer count)."""
        text = (text or "").replace("\r\n", "\n").strip()
        if not text:
            raise GovernanceInputInvalid("the policy text is empty; write what people agree to when they use AI")
        if len(text) > MAX_POLICY_CHARS:
            raise GovernanceInputInvalid(f"the policy text is {len(text):,} characters, over the limit of {MAX_POLICY_CHARS:,}")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

        def work(connection: Connection) -> PolicyVersion:
            who = lead_name(connection, actor, "publish the AI-use policy")
            version = (connection.execute(select(func.max(policies.c.version))).scalar() or 0) + 1
            published = PolicyVersion(version, text, digest, self.clock(), who)
            connection.execute(insert(policies).values(version=version, text=text, sha256=digest,
                                                       published_at=published.published_at, published_by=who))
            self.trail.record(connection, who, "policy_published", details={"version": version, "sha256": digest})
            return published

        return self.trail.run_write(work, actor=actor_name(actor), action="policy_published")

    def current(self, connection: Connection | None = None) -> PolicyVersion | None:
        """The latest version, or None when no policy was published."""
        if connection is None:
            with self.database.read() as connection:
                return self.current(connection)
        row = connection.execute(select(policies).order_by(policies.c.version.desc()).limit(1)).first()
        return PolicyVersion(row.version, row.text, row.sha256, row.published_at, row.published_by) if row else None

    def accept(self, actor: ActorRef, version: int) -> None:
        """Record that the person accepts `version`; PolicySuperseded when it is not the current one."""
        def work(connection: Connection) -> None:
            name = _person(connection, actor)
            current = connection.execute(select(func.max(policies.c.version))).scalar()
            if current is None:
                raise GovernanceInputInvalid("no AI-use policy is published; there is nothing to accept")
            if int(version) != current:
                raise PolicySuperseded(
                    f"version {version} of the AI-use policy is no longer current: version {current} was published; "
                    "read it and accept that version"
                )
            done = connection.execute(select(policy_acceptances.c.version).where(
                policy_acceptances.c.user_name == name, policy_acceptances.c.version == current)).first()
            if done is None:
                connection.execute(insert(policy_acceptances).values(user_name=name, version=current, accepted_at=self.clock()))
                self.trail.record(connection, name, "policy_accepted", details={"version": current})

        self.database.run_write(work)

    def accepted_version(self, connection: Connection, name: str) -> int | None:
        """The newest version a person accepted, or None."""
        return connection.execute(select(func.max(policy_acceptances.c.version)).where(policy_acceptances.c.user_name == name)).scalar()

    def check(self, connection: Connection, name: str) -> None:
        """PolicyNotAccepted when a policy is published and the person has not accepted its current version (one read)."""
        current, accepted = connection.execute(_CURRENT_AND_ACCEPTED, {"user": name}).one()
        require_accepted(name, current, accepted)

    def acceptances(self) -> list[dict]:
        """Who accepted which version, when."""
        with self.database.read() as connection:
            rows = connection.execute(select(policy_acceptances).order_by(policy_acceptances.c.accepted_at)).all()
        return [{"user": r.user_name, "version": r.version, "accepted_at": r.accepted_at.isoformat()} for r in rows]


def require_accepted(name: str, current: int | None, accepted: int | None) -> None:
    """PolicyNotAccepted unless no policy is published or the person accepted its current version."""
    if current is None or accepted == current:
        return
    before = f" (you accepted version {accepted})" if accepted else ""
    raise PolicyNotAccepted(
        f"{name} has not accepted version {current} of the AI-use policy{before}; nothing was sent. Read and accept "
        f"it on the Draft studio page or with `workbench governance policy accept --as {name} --version {current}`"
    )


_CURRENT_AND_ACCEPTED = select(
    select(func.max(policies.c.version)).scalar_subquery(),
    select(func.max(policy_acceptances.c.version)).where(policy_acceptances.c.user_name == bindparam("user")).scalar_subquery(),
)


def _person(connection: Connection, actor: ActorRef) -> str:
    """A user accepts for themselves; the shell operator is not a person who uses AI."""
    if isinstance(actor, ShellOperator):
        raise GovernanceInputInvalid("the shell operator does not accept the policy; each person accepts it as themselves")
    return load_actor(connection, actor).name
