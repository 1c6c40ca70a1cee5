"""Which endpoint each use of AI goes to, or that it is switched off."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Callable

from sqlalchemy import Connection, insert, select, update

from review.actors import ActorRef, actor_name
from review.audit import AuditTrail
from review.db import Database
from workbench.errors import GovernanceInputInvalid
from workbench.governance.authority import lead_name
from workbench.governance.endpoints import DEFAULT_ENDPOINT, OFF, EndpointRegistry
from workbench.governance.tables import routes


class Use(StrEnum):
    """The uses of AI a lead routes separately."""

    DRAFTING = "drafting"
    REGENERATION = "regeneration"
    CRITIQUES = "critiques"
    GAP_EXPLANATIONS = "gap_explanations"


def parse_use(value: str) -> Use:
    """A use from its name; GovernanceInputInvalid listing the uses otherwise."""
    try:
        return Use(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        raise GovernanceInputInvalid(f"use {value!r} is not one of {', '.join(use.value for use in Use)}") from None


class RouteTable:
    """Reading and setting routes; a use without a route goes to the default endpoint."""

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime], registry: EndpointRegistry) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock
        self.registry = registry

    def set(self, actor: ActorRef, use: Use | str, endpoint: str) -> None:
        """Route a use to an endpoint by name, or to `off` (leads only, audited)."""
        use = parse_use(use)
        target = (endpoint or "").strip().lower()

        def work(connection: Connection) -> None:
            who = lead_name(connection, actor, "route uses of AI")
            if target != OFF and self.registry.get(target, connection) is None:
                raise GovernanceInputInvalid(f"no endpoint named {target!r}; register it first or route to {OFF!r}")
            values = {"endpoint": target, "updated_at": self.clock(), "updated_by": who}
            if connection.execute(select(routes.c.use).where(routes.c.use == use.value)).first():
                connection.execute(update(routes).where(routes.c.use == use.value).values(**values))
            else:
                connection.execute(insert(routes).values(use=use.value, **values))
            self.trail.record(connection, who, "route_set", details={"use": use.value, "endpoint": target})

        self.trail.run_write(work, actor=actor_name(actor), action="route_set")

    def all(self) -> dict[str, str]:
        """Every use and where it goes."""
        with self.database.read() as connection:
            stored = dict(connection.execute(select(routes.c.use, routes.c.endpoint)).all())
        return {use.value: stored.get(use.value, DEFAULT_ENDPOINT) for use in Use}
