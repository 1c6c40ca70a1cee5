"""The endpoints a lead registered, the built-in `default` endpoint, and whether each is usable now."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlparse

from sqlalchemy import Connection, delete, insert, select, update

from review.actors import ActorRef
from review.audit import AuditTrail
from review.db import Database
from workbench.errors import GovernanceInputInvalid
from workbench.governance.authority import lead_name
from workbench.governance.keys import KeyResolver
from workbench.governance.levels import ClassificationLevels
from workbench.governance.tables import endpoints, routes
from workbench.settings import Settings

DEFAULT_ENDPOINT = "default"  # the endpoint configured by the WORKBENCH_LLM_* settings
OFF = "off"  # a route to nowhere: the use is switched off
KINDS = ("internal", "external")
PROVIDERS = ("openai", "embedded")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Endpoint:
    """Where a model runs: provider, URL, model, key reference (never the key), internal or external, allowed level."""

    name: str
    provider: str
    kind: str
    max_classification: str
    base_url: str | None = None
    model: str | None = None
    key_ref: str | None = None
    builtin: bool = False

    def to_dict(self) -> dict:
        """A JSON-ready dict (the key reference, never the key)."""
        return asdict(self)


@dataclass(frozen=True)
class EndpointStatus:
    """Whether an endpoint can be used now, and why not."""

    usable: bool
    problem: str = ""


def default_endpoint(settings: Settings, levels: ClassificationLevels) -> Endpoint:
    """The endpoint the WORKBENCH_LLM_* settings configure: internal for embedded and fake, external for openai unless set."""
    kind = settings.llm_endpoint_kind
    if kind == "auto":
        kind = "external" if settings.llm_provider == "openai" else "internal"
    ceiling = settings.llm_endpoint_max_classification
    if ceiling is None:
        ceiling = levels.most_restrictive if kind == "internal" else settings.default_classification
    return Endpoint(
        name=DEFAULT_ENDPOINT, provider=settings.llm_provider, kind=kind, max_classification=str(ceiling).strip().lower(),
        base_url=settings.llm_base_url, model=settings.llm_model, key_ref=None, builtin=True,
    )


class EndpointRegistry:
    """Registering, changing and removing endpoints (leads only, audited); reading them and their status."""

    def __init__(self, database: Database, trail: AuditTrail, clock: Callable[[], datetime], settings: Settings,
                 levels: ClassificationLevels, keys: KeyResolver) -> None:
        self.database = database
        self.trail = trail
        self.clock = clock
        self.levels = levels
        self.keys = keys
        self.default = default_endpoint(settings, levels)

    def register(self, actor: ActorRef, name: str, *, kind: str, max_classification: str, base_url: str | None = None,
                 model: str | None = None, key_ref: str | None = None, provider: str = "openai") -> Endpoint:
        """Add an endpoint or replace one of the same name (the key stays where `key_ref` points)."""
        endpoint = self._checked(name, provider, kind, max_classification, base_url, model, key_ref)

        def work(connection: Connection) -> Endpoint:
            who = lead_name(connection, actor, "register endpoints")
            values = {k: v for k, v in endpoint.to_dict().items() if k != "builtin"}
            values.update(updated_at=self.clock(), updated_by=who)
            exists = connection.execute(select(endpoints.c.name).where(endpoints.c.name == endpoint.name)).first()
            if exists:
                connection.execute(update(endpoints).where(endpoints.c.name == endpoint.name).values(**values))
            else:
                connection.execute(insert(endpoints).values(**values))
            self.trail.record(connection, who, "endpoint_changed" if exists else "endpoint_registered",
                              details={k: v for k, v in endpoint.to_dict().items() if k != "builtin"})
            return endpoint

        return self.trail.run_write(work, actor=_name(actor), action="endpoint_registered")

    def remove(self, actor: ActorRef, name: str) -> None:
        """Remove an endpoint; refused while a use is routed to it."""
        def work(connection: Connection) -> None:
            who = lead_name(connection, actor, "remove endpoints")
            if connection.execute(select(endpoints.c.name).where(endpoints.c.name == name)).first() is None:
                raise GovernanceInputInvalid(f"no endpoint named {name!r}")
            used = connection.execute(select(routes.c.use).where(routes.c.endpoint == name)).scalars().all()
            if used:
                raise GovernanceInputInvalid(f"endpoint {name!r} still serves {', '.join(sorted(used))}; route those uses elsewhere first")
            connection.execute(delete(endpoints).where(endpoints.c.name == name))
            self.trail.record(connection, who, "endpoint_removed", details={"name": name})

        self.trail.run_write(work, actor=_name(actor), action="endpoint_removed")

    def get(self, name: str, connection: Connection | None = None) -> Endpoint | None:
        """An endpoint by name (`default` is the configured one), or None."""
        if name == DEFAULT_ENDPOINT:
            return self.default
        if connection is None:
            with self.database.read() as connection:
                return self.get(name, connection)
        row = connection.execute(select(endpoints).where(endpoints.c.name == name)).first()
        return _endpoint(row) if row is not None else None

    def all(self) -> list[Endpoint]:
        """The default endpoint, then every registered one by name."""
        with self.database.read() as connection:
            rows = connection.execute(select(endpoints).order_by(endpoints.c.name)).all()
        return [self.default, *(_endpoint(row) for row in rows)]

    def status(self, endpoint: Endpoint) -> EndpointStatus:
        """Usable, or the reason it is not: an unknown level, a key reference that does not resolve."""
        if self.levels.known(endpoint.max_classification) is None:
            return EndpointStatus(False, f"its allowed level {endpoint.max_classification!r} is not one of {', '.join(self.levels.names)}")
        if endpoint.key_ref and self.keys.resolve(endpoint.key_ref) is None:
            return EndpointStatus(False, f"its key reference does not resolve ({self.keys.describe(endpoint.key_ref)} is not set)")
        return EndpointStatus(True)

    def _checked(self, name: str, provider: str, kind: str, max_classification: str, base_url: str | None,
                 model: str | None, key_ref: str | None) -> Endpoint:
        name = (name or "").strip().lower()
        if not _NAME.match(name) or name in (DEFAULT_ENDPOINT, OFF):
            raise GovernanceInputInvalid(
                f"endpoint name {name!r} is not valid: use lower-case letters, digits, '.', '_' or '-' "
                f"(and not {DEFAULT_ENDPOINT!r} or {OFF!r}, which are reserved)"
            )
        if provider not in PROVIDERS:
            raise GovernanceInputInvalid(f"provider {provider!r} is not one of {', '.join(PROVIDERS)}")
        if kind not in KINDS:
            raise GovernanceInputInvalid(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        level = self.levels.require(max_classification, f"endpoint {name!r}: allowed level")
        if provider == "openai":
            parsed = urlparse(base_url or "")
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise GovernanceInputInvalid(f"endpoint {name!r}: base URL {base_url!r} is not an http(s) URL")
            if not (model or "").strip():
                raise GovernanceInputInvalid(f"endpoint {name!r}: name the model it serves")
        if key_ref is not None and key_ref.strip().lower().startswith(("sk-", "bearer ")):
            # A pasted key instead of a reference must never be stored.
            raise GovernanceInputInvalid(
                f"endpoint {name!r}: the key reference looks like a key itself; store the key in an environment "
                "variable or the secrets file and give its name (env:NAME or secrets:NAME)"
            )
        return Endpoint(name=name, provider=provider, kind=kind, max_classification=level,
                        base_url=(base_url or None), model=(model or None), key_ref=(key_ref or "").strip() or None)


def _endpoint(row) -> Endpoint:
    return Endpoint(name=row.name, provider=row.provider, kind=row.kind, max_classification=row.max_classification,
                    base_url=row.base_url, model=row.model, key_ref=row.key_ref)


def _name(actor: ActorRef) -> str:
    from review.actors import actor_name

    return actor_name(actor)
