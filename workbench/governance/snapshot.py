"""What governance decides from, read at once: routes, endpoints, the policy, budgets and teams.

Every change to any of it is an audited action, so the audit log's head (its last sequence
number) tells whether a kept snapshot is still current: a check reads that one row, and reads the
rest again only when something was audited since.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from review.tables import audit_head
from workbench.governance.budgets import Budget, _budget
from workbench.governance.endpoints import Endpoint, _endpoint
from workbench.governance.tables import budgets, endpoints, policies, policy_acceptances, routes, team_members

_HEAD = select(audit_head.c.last_seq).where(audit_head.c.id == 1)


@dataclass(frozen=True)
class Snapshot:
    """The governance settings as of one audit-log head."""

    seq: int
    routes: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    policy_version: int | None = None
    accepted: dict[str, int] = field(default_factory=dict)  # person -> newest version accepted
    budgets: tuple[Budget, ...] = ()
    teams_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)

    def budgets_for(self, user: str) -> list[Budget]:
        """The user's own budget and those of their teams."""
        teams = set(self.teams_of.get(user, ()))
        return [b for b in self.budgets if (b.subject_kind == "user" and b.subject == user)
                or (b.subject_kind == "team" and b.subject in teams)]


def read_snapshot(connection: Connection, seq: int) -> Snapshot:
    """Every governance setting, in the caller's read transaction."""
    accepted = dict(connection.execute(
        select(policy_acceptances.c.user_name, func.max(policy_acceptances.c.version)).group_by(policy_acceptances.c.user_name)).all())
    teams_of: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for team, user in connection.execute(select(team_members.c.team, team_members.c.user_name)):
        teams_of.setdefault(user, []).append(team)
        members.setdefault(team, []).append(user)
    return Snapshot(
        seq=seq,
        routes=dict(connection.execute(select(routes.c.use, routes.c.endpoint)).all()),
        endpoints={row.name: _endpoint(row) for row in connection.execute(select(endpoints))},
        policy_version=connection.execute(select(func.max(policies.c.version))).scalar(),
        accepted=accepted,
        budgets=tuple(_budget(row) for row in connection.execute(select(budgets))),
        teams_of={user: tuple(teams) for user, teams in teams_of.items()},
        members=members,
    )


class SnapshotCache:
    """The latest snapshot, read again when the audit log's head moved."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def current(self, connection: Connection) -> Snapshot:
        """The snapshot for the head as seen by this transaction."""
        seq = connection.execute(_HEAD).scalar() or 0
        with self._lock:
            kept = self._snapshot
        if kept is not None and kept.seq == seq:
            return kept
        fresh = read_snapshot(connection, seq)
        with self._lock:
            self._snapshot = fresh
        return fresh
