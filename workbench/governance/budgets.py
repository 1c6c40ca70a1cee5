"""Token budgets per day and month and concurrent generations, per user and per team; team membership.

Usage is read from the generation log (every request records who asked), so a budget counts what
was really spent, retries included. A call is refused before anything is sent once the budget of
the person, or of any team they belong to, is spent.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from review.actors import ActorRef, actor_name
from review.audit import AuditTrail
from review.db import Database
from workbench.errors import BudgetExceeded, GovernanceInputInvalid
from workbench.governance.authority import lead_name
from workbench.governance.tables import active_generations, budgets, team_members
from workbench.llm.generation_log import generation_log

SUBJECT_KINDS = ("user", "team")
# A generation that never said it ended (a killed process) stops counting after this long.
STALE_GENERATION = timedelta(minutes=30)
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

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock

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

    def check(self, connection: Connection, user: str) -> list[tuple[Budget, list[str]]]:
        """Refuse (BudgetExceeded) when the user's or a team's tokens are spent; returns the budgets with a concurrency limit."""
        teams = connection.execute(select(team_members.c.team).where(team_members.c.user_name == user)).scalars().all()
        wanted = or_(and_(budgets.c.subject_kind == "user", budgets.c.subject == user),
                     and_(budgets.c.subject_kind == "team", budgets.c.subject.in_(teams)) if teams else False)
        applicable = [_budget(row) for row in connection.execute(select(budgets).where(wanted)).all()]
        if not applicable:
            return []
        now = self.clock()
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month_start = day_start.replace(day=1)
        with_concurrency = []
        for budget in applicable:
            people = [user] if budget.subject_kind == "user" else _members(connection, budget.subject)
            who = f"{user}" if budget.subject_kind == "user" else f"team {budget.subject!r}"
            for limit, since, period in ((budget.tokens_per_day, day_start, "today"), (budget.tokens_per_month, month_start, "this month")):
                if limit is None:
                    continue
                used = _tokens_used(connection, people, since)
                if used >= limit:
                    raise BudgetExceeded(
                        f"{who} has used {used:,} of {limit:,} tokens {period}; nothing was sent. "
                        "A lead can raise the budget (workbench governance budget set)"
                    )
            if budget.concurrent is not None:
                with_concurrency.append((budget, people))
        return with_concurrency

    @contextmanager
    def generation_slot(self, user: str, limited: list[tuple[Budget, list[str]]]) -> Iterator[None]:
        """Hold one of the user's concurrent generations while the block runs (nothing to hold without a limit)."""
        if not limited:
            yield
            return

        def take(connection: Connection) -> int:
            since = self.clock() - STALE_GENERATION
            for budget, people in limited:
                running = connection.execute(
                    select(func.count()).select_from(active_generations)
                    .where(active_generations.c.actor.in_(people), active_generations.c.started_at >= since)
                ).scalar_one()
                if running >= budget.concurrent:
                    who = user if budget.subject_kind == "user" else f"team {budget.subject!r}"
                    raise BudgetExceeded(
                        f"{who} already has {running} generation{'s' if running != 1 else ''} running, the limit is "
                        f"{budget.concurrent}; wait for one to finish (nothing was sent)"
                    )
            return connection.execute(insert(active_generations).values(actor=user, started_at=self.clock())).inserted_primary_key[0]

        slot = self.database.run_write(take)
        try:
            yield
        finally:
            self.database.run_write(lambda connection: connection.execute(delete(active_generations).where(active_generations.c.id == slot)))


def _members(connection: Connection, team: str) -> list[str]:
    return list(connection.execute(select(team_members.c.user_name).where(team_members.c.team == team)).scalars())


def _tokens_used(connection: Connection, people: list[str], since: datetime) -> int:
    total = func.coalesce(func.sum(func.coalesce(generation_log.c.prompt_tokens, 0) + func.coalesce(generation_log.c.completion_tokens, 0)), 0)
    return int(connection.execute(
        select(total).where(generation_log.c.actor.in_(people), generation_log.c.at >= since)
    ).scalar_one())


def _budget(row) -> Budget:
    return Budget(row.subject_kind, row.subject, row.tokens_per_day, row.tokens_per_month, row.concurrent)
