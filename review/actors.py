"""Who is acting: a user by name (roles loaded as they are *now*) or the operator at the server's shell."""

from __future__ import annotations

import getpass
from typing import Union

from sqlalchemy import Connection, bindparam, select

from review.driver_statements import DriverStatement
from review.errors import UnknownUser
from review.policy import Actor, Role
from review.tables import user_roles, users
from review.views import User


class ShellOperator:
    """Someone at the server's shell with access to the database: may manage users and read the audit log."""

    @property
    def name(self) -> str:
        """How the operator appears in the audit log."""
        try:
            who = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            who = "unknown"
        return f"shell:{who}"


SHELL = ShellOperator()

# What callers may pass as the acting person: a user name, a User view, or the shell operator.
ActorRef = Union[str, User, ShellOperator]


def actor_name(actor: ActorRef) -> str:
    """The name under which an actor acts and is audited."""
    if isinstance(actor, (ShellOperator, User)):
        return actor.name
    return str(actor)


# Built once: every state change loads its actor.
_ACTOR = DriverStatement(
    select(users.c.id, users.c.name, users.c.disabled, user_roles.c.role)
    .outerjoin(user_roles, user_roles.c.user_id == users.c.id)
    .where(users.c.name == bindparam("name"))
    .with_for_update(read=True, of=users)
)


def load_actor(connection: Connection, actor: ActorRef) -> Actor:
    """The acting user with their roles as stored right now (row locked for share on PostgreSQL)."""
    name = actor_name(actor)
    rows = _ACTOR.rows(connection, {"name": name})
    if not rows:
        raise UnknownUser(f"no user named {name!r}; a lead adds users with `workbench users add`")
    roles = frozenset(Role(r.role) for r in rows if r.role in Role._value2member_map_)
    return Actor(id=rows[0].id, name=rows[0].name, roles=roles, disabled=rows[0].disabled)
