"""Token budgets per day and month and concurrent generations, per user and per team; team membership.

Usage is read from the generation log (every request records who asked), so a budget counts what
was really spent, retries included. A call is refused before anything is sent once the budget of
the person, or of any team they belong to, is spent.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, select, update

from review.actors import ActorRef, actor_name
from review.audit import AuditTrail
from review.db import Database
from workbench.errors import BudgetExceeded, GovernanceInputInvalid
from workbench.governance.authority import lead_name
from workbench.governance.slots import Slots
from workbench.governance.tables import budgets, team_members
from workbench.llm.generation_log import generation_log

SUBJECT_KINDS = ("user", "team")
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$")


@dataclass(frozen=True)
class Budget:
    """The limits of one user or team (None: no limit)."""

    subject_kind: str
    subject: str
    tokens_per_day: int | None = None
    tokens_per_month: int | None = None
    concurrent: int | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def _limit(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise GovernanceInputInvalid(f"{what} must be a whole number, got {value!r}")
    if value <= 0:
        raise GovernanceInputInvalid(
            f"{what} of {value} would refuse every call; give a positive number, clear the budget to remove the "
            "limit, or route the use to 'off' to switch it off"
        )
    return value


class Budgets:
    """Setting budgets and teams (leads only, audited); checking a person's budgets before a call."""

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime], slots: Slots) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock
        self.slots = slots
        self.usage = TokenUsage()

    # -- teams ---------------------------------------------------------------------------------

    def add_member(self, actor: ActorRef, team: str, user: str) -> None:
        """Put a user in a team (a team exists while it has members)."""
        team = (team or "").strip()
        if not _TEAM.match(team):
            raise GovernanceInputInvalid(f"team name {team!r} is not valid: letters, digits, spaces, '.', '_', '@' or '-'")

        def work(connection: Connection) -> None:
            who = lead_name(connection, actor, "manage teams")
            from review.actors import load_actor

            member = load_actor(connection, user).name  # UnknownUser when there is no such user
            exists = connection.execute(select(team_members).where(team_members.c.team == team, team_members.c.user_name == member)).first()
            if exists is None:
                connection.execute(insert(team_members).values(team=team, user_name=member))
                self.trail.record(connection, who, "team_member_added", details={"team": team, "user": member})

        self.trail.run_write(work, actor=actor_name(actor), action="team_member_added")

    def remove_member(self, actor: ActorRef, team: str, user: str) -> None:
        """Take a user out of a team."""
        def work(connection: Connection) -> None:
            who = lead_name(connection, actor, "manage teams")
            removed = connection.execute(delete(team_members).where(team_members.c.team == team, team_members.c.user_name == user)).rowcount
            if not removed:
                raise GovernanceInputInvalid(f"{user!r} is not in team {team!r}")
            self.trail.record(connection, who, "team_member_removed", details={"team": team, "user": user})

        self.trail.run_write(work, actor=actor_name(actor), action="team_member_removed")

    def teams(self) -> dict[str, list[str]]:
        """Every team and its members."""
        with self.database.read() as connection:
            rows = connection.execute(select(team_members).order_by(team_members.c.team, team_members.c.user_name)).all()
        result: dict[str, list[str]] = {}
        for row in rows:
            result.setdefault(row.team, []).append(row.user_name)
        return result

    # -- budgets -------------------------------------------------------------------------------

    def set(self, actor: ActorRef, subject_kind: str, subject: str, *, tokens_per_day: int | None = None,
            tokens_per_month: int | None = None, concurrent: int | None = None) -> Budget:
        """Set the limits of a user or team (the ones given replace the stored ones; at least one)."""
        if subject_kind not in SUBJECT_KINDS:
            raise GovernanceInputInvalid(f"a budget is for a user or a team, not {subject_kind!r}")
        limits = {
            "tokens_per_day": _limit(tokens_per_day, "tokens per day"),
            "tokens_per_month": _limit(tokens_per_month, "tokens per month"),
            "concurrent": _limit(concurrent, "concurrent generations"),
        }
        if all(value is None for value in limits.values()):
            raise GovernanceInputInvalid("give at least one limit: tokens per day, tokens per month or concurrent generations")

        def work(connection: Connection) -> Budget:
            who = lead_name(connection, actor, "set budgets")
            if subject_kind == "user":
                from review.actors import load_actor

                load_actor(connection, subject)  # UnknownUser when there is no such user
            key = and_(budgets.c.subject_kind == subject_kind, budgets.c.subject == subject)
            row = connection.execute(select(budgets).where(key)).first()
            values = {name: value for name, value in limits.items() if value is not None}
            values.update(updated_at=self.clock(), updated_by=who)
            if row is None:
                connection.execute(insert(budgets).values(subject_kind=subject_kind, subject=subject, **values))
            else:
                connection.execute(update(budgets).where(key).values(**values))
            budget = _budget(connection.execute(select(budgets).where(key)).one())
            self.trail.record(connection, who, "budget_set", details=budget.to_dict())
            return budget

        return self.trail.run_write(work, actor=actor_name(actor), action="budget_set")

    def clear(self, actor: ActorRef, subject_kind: str, subject: str) -> None:
        """Remove every limit of a user or team."""
        def work(connection: Connection) -> None:
            who = lead_name(connection, actor, "clear budgets")
            removed = connection.execute(delete(budgets).where(budgets.c.subject_kind == subject_kind, budgets.c.subject == subject)).rowcount
            if not removed:
                raise GovernanceInputInvalid(f"{subject_kind} {subject!r} has no budget")
            self.trail.record(connection, who, "budget_cleared", details={"subject_kind": subject_kind, "subject": subject})

        self.trail.run_write(work, actor=actor_name(actor), action="budget_cleared")

    def all(self) -> list[Budget]:
        """Every budget."""
        with self.database.read() as connection:
            rows = connection.execute(select(budgets).order_by(budgets.c.subject_kind, budgets.c.subject)).all()
        return [_budget(row) for row in rows]

    # -- enforcement ---------------------------------------------------------------------------

    def check(self, connection: Connection, user: str, applicable: list[Budget],
              members: dict[str, list[str]]) -> list[tuple[Budget, list[str]]]:
        """Refuse (BudgetExceeded) when the user's or a team's tokens are spent; returns the budgets with a concurrency limit.

        `applicable` are the user's own budget and their teams' (from the governance snapshot); the
        tokens are one read of the generation log over the people those budgets count.
        """
        if not applicable:
            return []
        people = {budget: [user] if budget.subject_kind == "user" else members.get(budget.subject, []) for budget in applicable}
        usage: dict[str, tuple[int, int]] = {}
        if any(b.tokens_per_day is not None or b.tokens_per_month is not None for b in applicable):
            usage = self.usage.tokens(connection, sorted({p for group in people.values() for p in group}), self.clock())
        with_concurrency = []
        for budget in applicable:
            group = people[budget]
            who = user if budget.subject_kind == "user" else f"team {budget.subject!r}"
            day = sum(usage.get(person, (0, 0))[0] for person in group)
            month = sum(usage.get(person, (0, 0))[1] for person in group)
            for limit, used, period in ((budget.tokens_per_day, day, "today"), (budget.tokens_per_month, month, "this month")):
                if limit is not None and used >= limit:
                    raise BudgetExceeded(
                        f"{who} has used {used:,} of {limit:,} tokens {period}; nothing was sent. "
                        "A lead can raise the budget (workbench governance budget set)"
                    )
            if budget.concurrent is not None:
                with_concurrency.append((budget, group))
        return with_concurrency

    @contextmanager
    def generation_slot(self, user: str, limited: list[tuple[Budget, list[str]]]) -> Iterator[None]:
        """Hold one of the user's (and each limited team's) concurrent generations while the block runs."""
        held: list = []
        try:
            for budget, _people in limited:
                slot = self.slots.take(f"{budget.subject_kind}:{budget.subject}", budget.concurrent)
                if slot is None:
                    who = user if budget.subject_kind == "user" else f"team {budget.subject!r}"
                    raise BudgetExceeded(
                        f"{who} already has {budget.concurrent} generation{'s' if budget.concurrent != 1 else ''} running, "
                        f"the limit is {budget.concurrent}; wait for one to finish (nothing was sent)"
                    )
                held.append(slot)
            yield
        finally:
            for slot in held:
                self.slots.give_back(slot)


_TOKENS = func.coalesce(generation_log.c.prompt_tokens, 0) + func.coalesce(generation_log.c.completion_tokens, 0)
_USAGE_STATEMENTS: dict[int, object] = {}


def _usage_statement(count: int):
    """The sums of `count` people: one plain bind parameter per person, compiled once per count.

    An expanding IN would be rendered again on every check; the people of a check change only when
    teams do, so a statement per count is compiled once and then only executed.
    """
    statement = _USAGE_STATEMENTS.get(count)
    if statement is None:
        statement = _USAGE_STATEMENTS[count] = (
            select(generation_log.c.actor,
                   func.sum(case((generation_log.c.at >= bindparam("day"), _TOKENS), else_=0)),
                   func.sum(case((generation_log.c.at >= bindparam("month"), _TOKENS), else_=0)))
            .where(generation_log.c.actor.in_([bindparam(f"person_{n}") for n in range(count)]),
                   generation_log.c.at >= bindparam("since"), generation_log.c.at < bindparam("until"))
            .group_by(generation_log.c.actor)
        )
    return statement


# Log rows older than this are settled (their transactions committed long ago): their sums are kept.
SETTLE_AFTER = timedelta(minutes=2)
SETTLE_STEP = timedelta(minutes=5)


class TokenUsage:
    """Tokens each person used today and this month, read from the generation log.

    Sums of the settled past (rows older than a few minutes, on a 5-minute boundary) are kept per
    person, so a check reads only the log's last minutes through its (actor, at) index; the kept
    sums are dropped and read again whenever the boundary moves.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[datetime, datetime, datetime] | None = None
        self._settled: dict[str, tuple[int, int]] = {}

    def tokens(self, connection: Connection, people: list[str], now: datetime) -> dict[str, tuple[int, int]]:
        """(today, this month) for each person (UTC days and months)."""
        if not people:
            return {}
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month = day.replace(day=1)
        epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
        settle = epoch + ((now - SETTLE_AFTER - epoch) // SETTLE_STEP) * SETTLE_STEP
        settle = max(settle, month)
        key = (day, month, settle)
        with self._lock:
            if self._key != key:
                self._key, self._settled = key, {}
            missing = [person for person in people if person not in self._settled]
        if missing:
            found = _sums(connection, missing, day, month, month, settle)
            with self._lock:
                if self._key == key:
                    for person in missing:
                        self._settled[person] = found.get(person, (0, 0))
        recent = _sums(connection, people, day, month, settle, now + SETTLE_STEP)
        with self._lock:
            settled = dict(self._settled) if self._key == key else {}
        result = {}
        for person in people:
            old = settled.get(person) or _sums(connection, [person], day, month, month, settle).get(person, (0, 0))
            new = recent.get(person, (0, 0))
            result[person] = (old[0] + new[0], old[1] + new[1])
        return result


def _sums(connection: Connection, people: list[str], day: datetime, month: datetime, since: datetime,
          until: datetime) -> dict[str, tuple[int, int]]:
    values = {f"person_{n}": person for n, person in enumerate(people)}
    rows = connection.execute(_usage_statement(len(people)), {**values, "day": day, "month": month, "since": since, "until": until}).all()
    return {actor: (int(today or 0), int(this_month or 0)) for actor, today, this_month in rows}


def _budget(row) -> Budget:
    return Budget(row.subject_kind, row.subject, row.tokens_per_day, row.tokens_per_month, row.concurrent)
