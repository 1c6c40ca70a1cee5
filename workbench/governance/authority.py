"""Who may change governance: a lead, or the operator at the server's shell."""

from __future__ import annotations

from sqlalchemy import Connection

from review.actors import ActorRef, ShellOperator, load_actor
from review.errors import PermissionDenied
from review.policy import Role


def lead_name(connection: Connection, actor: ActorRef, action: str) -> str:
    """The name to audit when the actor may change governance; PermissionDenied otherwise."""
    if isinstance(actor, ShellOperator):
        return actor.name
    acting = load_actor(connection, actor)
    if acting.disabled or Role.LEAD not in acting.roles:
        raise PermissionDenied(f"user {acting.name!r} may not {action}: only a lead governs the use of AI")
    return acting.name
