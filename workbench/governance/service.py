"""Governance: the one service every AI use asks before it calls a model, and leads change it through.

`route(use, actor)` is asked before any call. It refuses with a named error — use switched off,
endpoint unusable, policy not accepted, budget spent — before anything is sent, and otherwise
returns a `Route`: the client of the endpoint (its generation log records who asked, for which use,
through which endpoint), the passage filter of the endpoint's allowed level, and a slot for the
concurrency limits.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, TypeVar

from review.actors import ActorRef, ShellOperator, actor_name
from review.db import Database
from workbench.domain.drafts import WithheldPassage
from workbench.errors import AIUseSwitchedOff, EndpointUnusable
from workbench.governance.budgets import Budget, Budgets
from workbench.governance.classification import Classification, ContentClassifier
from workbench.governance.endpoints import DEFAULT_ENDPOINT, OFF, Endpoint, EndpointRegistry
from workbench.governance.levels import ClassificationLevels
from workbench.governance.policy import AIPolicy, require_accepted
from workbench.governance.routes import RouteTable, Use, parse_use
from workbench.governance.snapshot import Snapshot, SnapshotCache
from workbench.governance.usage import UsageReport
from workbench.llm.client import LLMClient

H = TypeVar("H")
PROBE_USE = "llm_check"  # how `workbench llm check` calls appear in the generation log and usage


@dataclass(frozen=True)
class PassageFilter:
    """Keeps passages of modules classified above an endpoint's allowed level out of its prompts."""

    endpoint: Endpoint
    levels: ClassificationLevels
    classifier: ContentClassifier

    def withheld(self, chunk_id: str, module_id: str, path: str) -> WithheldPassage | None:
        """Why a passage may not go to the endpoint, or None when it may."""
        found: Classification = self.classifier.classify(path)
        if self.levels.allows(self.endpoint.max_classification, found.level):
            return None
        reason = (f"{path} is {found.level} ({found.source}); endpoint {self.endpoint.name!r} ({self.endpoint.kind}) "
                  f"takes content up to {self.endpoint.max_classification}")
        if found.warning:
            reason += f" — {found.warning}"
        return WithheldPassage(chunk_id=chunk_id, module_id=module_id, path=path, classification=found.level,
                               endpoint=self.endpoint.name, reason=reason)

    def split(self, hits: Iterable[H], key: Callable[[H], tuple[str, str, str]]) -> tuple[list[H], list[WithheldPassage]]:
        """(the hits that may go, what was withheld) for any passages; `key` gives chunk id, module id, path."""
        kept, withheld = [], []
        for hit in hits:
            reason = self.withheld(*key(hit))
            if reason is None:
                kept.append(hit)
            else:
                withheld.append(reason)
        return kept, withheld


@dataclass
class Route:
    """What one governed use may do now: the endpoint, its client, its passage filter, the person's slot."""

    use: Use
    endpoint: Endpoint
    llm: LLMClient
    passages: PassageFilter
    _slot: Callable[[], AbstractContextManager] = field(repr=False)

    def generation(self) -> AbstractContextManager:
        """Hold one of the person's concurrent generations while the block runs."""
        return self._slot()


class Governance:
    """Endpoints and routes, classification, budgets and the AI-use policy, behind one service."""

    def __init__(self, *, database: Database, levels: ClassificationLevels, registry: EndpointRegistry, routes: RouteTable,
                 budgets: Budgets, policy: AIPolicy, classifier: ContentClassifier, usage: UsageReport,
                 client_for: Callable[[Endpoint], LLMClient], library_paths: Callable[[], list[str]] = list) -> None:
        self.database = database
        self.levels = levels
        self.registry = registry
        self.routes = routes
        self.budgets = budgets
        self.policy = policy
        self.classifier = classifier
        self.usage = usage
        self._client_for = client_for
        self._library_paths = library_paths
        self._clients: dict[Endpoint, LLMClient] = {}
        self._lock = threading.Lock()
        self.snapshots = SnapshotCache()

    # -- asked before every call -----------------------------------------------------------------

    def route(self, use: Use | str, actor: ActorRef | None) -> Route:
        """The route of a use for a person, or the named error that stops it before anything is sent.

        `actor` None is a call no person asked for (none today); it skips the policy and budgets.
        """
        use = parse_use(use)
        name = actor_name(actor) if actor is not None else None
        with self.database.read() as connection:
            snapshot = self.snapshots.current(connection)
            endpoint = self._endpoint_of(use, snapshot)
            limited: list[tuple[Budget, list[str]]] = []
            if name is not None and not isinstance(actor, ShellOperator):
                require_accepted(name, snapshot.policy_version, snapshot.accepted.get(name))
                limited = self.budgets.check(connection, name, snapshot.budgets_for(name), snapshot.members)
        client = self._client(endpoint).tagged(actor=name, use=use.value, endpoint=endpoint.name)
        return Route(use, endpoint, client, PassageFilter(endpoint, self.levels, self.classifier),
                     lambda: self.budgets.generation_slot(name or "", limited))

    def passage_filter(self, use: Use | str) -> PassageFilter:
        """The filter of the endpoint a use goes to (no checks of person or budget: for previews)."""
        with self.database.read() as connection:
            snapshot = self.snapshots.current(connection)
        return PassageFilter(self._endpoint_of(parse_use(use), snapshot), self.levels, self.classifier)

    def probe(self, endpoint_name: str = DEFAULT_ENDPOINT) -> tuple[Endpoint, LLMClient]:
        """The endpoint `workbench llm check` probes and its client, or the named error that stops the probe.

        A diagnostic, not a use: routes do not apply (a lead checks an endpoint before routing a use to
        it, or after switching a use off) and the probe is a fixed prompt with no library content; an
        unknown or unusable endpoint is refused before anything is sent, as for every use.
        """
        endpoint = self.registry.get(endpoint_name)
        if endpoint is None:
            raise EndpointUnusable(f"no endpoint named {endpoint_name!r} (see workbench governance endpoint list); nothing was sent")
        status = self.registry.status(endpoint)
        if not status.usable:
            raise EndpointUnusable(f"endpoint {endpoint.name!r} cannot be used: {status.problem}; nothing was sent")
        return endpoint, self._client(endpoint).tagged(actor=None, use=PROBE_USE, endpoint=endpoint.name)

    def _endpoint_of(self, use: Use, snapshot: Snapshot) -> Endpoint:
        target = snapshot.routes.get(use.value, DEFAULT_ENDPOINT)
        if target == OFF:
            raise AIUseSwitchedOff(f"{use.value.replace('_', ' ')} with AI is switched off by a lead; nothing was sent")
        endpoint = self.registry.default if target == DEFAULT_ENDPOINT else snapshot.endpoints.get(target)
        if endpoint is None:
            raise EndpointUnusable(f"{use.value.replace('_', ' ')} is routed to endpoint {target!r}, which no longer exists; nothing was sent")
        status = self.registry.status(endpoint)
        if not status.usable:
            raise EndpointUnusable(f"endpoint {endpoint.name!r} cannot be used: {status.problem}; nothing was sent")
        return endpoint

    def _client(self, endpoint: Endpoint) -> LLMClient:
        with self._lock:
            client = self._clients.get(endpoint)
            if client is None:
                client = self._clients[endpoint] = self._client_for(endpoint)
            return client

    # -- what the Governance page and `workbench governance` show --------------------------------

    def endpoints(self) -> list[dict]:
        """Every endpoint with its status and the uses routed to it."""
        routed = self.routes.all()
        result = []
        for endpoint in self.registry.all():
            status = self.registry.status(endpoint)
            uses = [use for use, target in routed.items() if target == endpoint.name]
            result.append({**endpoint.to_dict(), "usable": status.usable, "problem": status.problem, "uses": uses})
        return result

    def classify(self, paths: Iterable[str] | None = None) -> list[dict]:
        """The classification of each library file (every module when no paths are given), its source and any warning."""
        rows = []
        for path in self._library_paths() if paths is None else paths:
            found = self.classifier.classify(path)
            rows.append({"path": path, "classification": found.level, "source": found.source, "warning": found.warning})
        return rows

    # -- lead actions (each audited by the part that does it) ------------------------------------

    def register_endpoint(self, actor: ActorRef, name: str, **fields) -> Endpoint:
        """Add or replace an endpoint."""
        endpoint = self.registry.register(actor, name, **fields)
        with self._lock:
            self._clients = {key: value for key, value in self._clients.items() if key.name != endpoint.name}
        return endpoint

    def remove_endpoint(self, actor: ActorRef, name: str) -> None:
        """Remove an endpoint no use is routed to."""
        self.registry.remove(actor, name)

    def set_route(self, actor: ActorRef, use: Use | str, endpoint: str) -> None:
        """Route a use to an endpoint, or `off`."""
        self.routes.set(actor, use, endpoint)

    def route_table(self) -> dict[str, str]:
        """Every use and the endpoint it goes to."""
        return self.routes.all()

    def set_budget(self, actor: ActorRef, subject_kind: str, subject: str, **limits) -> Budget:
        """Set limits of a user or team."""
        return self.budgets.set(actor, subject_kind, subject, **limits)

    def clear_budget(self, actor: ActorRef, subject_kind: str, subject: str) -> None:
        """Remove the limits of a user or team."""
        self.budgets.clear(actor, subject_kind, subject)

    def add_team_member(self, actor: ActorRef, team: str, user: str) -> None:
        """Put a user in a team."""
        self.budgets.add_member(actor, team, user)

    def remove_team_member(self, actor: ActorRef, team: str, user: str) -> None:
        """Take a user out of a team."""
        self.budgets.remove_member(actor, team, user)

    def publish_policy(self, actor: ActorRef, text: str):
        """Publish a new version of the AI-use policy."""
        return self.policy.publish(actor, text)

    def current_policy(self):
        """The current policy version, or None."""
        return self.policy.current()

    def accept_policy(self, actor: ActorRef, version: int) -> None:
        """Accept a version of the policy as oneself (refused when it was superseded)."""
        self.policy.accept(actor, version)

    def needs_acceptance(self, actor: ActorRef) -> bool:
        """True when a policy is published and the person has not accepted its current version."""
        with self.database.read() as connection:
            current = self.policy.current(connection)
            return current is not None and self.policy.accepted_version(connection, actor_name(actor)) != current.version

    def usage_rows(self, since: datetime | None = None):
        """Usage per user, use and endpoint."""
        return self.usage.rows(since)

    def usage_csv(self, stream, since: datetime | None = None) -> int:
        """Usage as formula-safe CSV."""
        return self.usage.write_csv(stream, since)


__all__ = ["DEFAULT_ENDPOINT", "Governance", "PassageFilter", "Route"]
