"""Who acts: accounts' roles (viewer < curator < admin) and the local operator.

The local operator is whoever runs the CLI without ``--user`` (or the app on a database without any
account). It acts as admin only while the catalogue has no active admin account: on a fresh install, to
create the first admin, and on a catalogue whose accounts include no admin, to make one. Once an admin
account exists, the local operator may only read; writes name their account (``catalogue --user NAME``),
and every audit event records, beside the account, where the action came from (``Actor.origin``: the CLI
with its OS user and host, or the app). See ``docs/security.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalogue import db
from catalogue.db.models import (
    Account,
)
from catalogue.errors import PermissionDenied

Role = Literal["viewer", "curator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "curator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
LOCAL_OPERATOR = "local-operator"


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account's name and role, and where the action comes from (kept in the audit trail)."""

    name: str
    role: Role
    origin: str | None = None  # "cli: OS user ada on host lab-1", "app (signed in)", ...


def local_operator(origin: str | None = None) -> Actor:
    """The person at the keyboard of a single-user install: acts as admin, recorded as such."""
    return Actor(LOCAL_OPERATOR, "admin", origin)


def has_active_admin(engine: Engine) -> bool:
    """Whether an active (not archived) admin account exists."""
    with db.read_session(engine) as session:
        count = session.exec(
            select(func.count(Account.id)).where(Account.role == "admin", Account.archived_at.is_(None))
        ).scalar_one()
    return count > 0


def actor_for(engine: Engine, name: str | None, *, origin: str | None = None) -> Actor:
    """The actor for an account name.

    ``None`` is the local operator: an admin while no active admin account exists, else a viewer (who
    may read, and is told to name an account to write).
    """
    if name is None:
        if has_active_admin(engine):
            return Actor(LOCAL_OPERATOR, "viewer", origin)
        return local_operator(origin)
    with db.read_session(engine) as session:
        account = session.exec(select(Account).where(Account.name == name)).scalars().first()
    if account is None or account.archived_at is not None:
        raise PermissionDenied(f"no active account named {name!r}")
    return Actor(account.name, account.role, origin)  # type: ignore[arg-type]


def require(actor: Actor, role: Role, action: str) -> None:
    if ROLE_RANK[actor.role] >= ROLE_RANK[role]:
        return
    if actor.name == LOCAL_OPERATOR:
        raise PermissionDenied(
            f"an admin account exists, so writes name the account they act as: to {action}, run the "
            f"command as `catalogue --user NAME ...` with an account of the {role} role or above"
        )
    raise PermissionDenied(f"{actor.name} ({actor.role}) may not {action}: it needs the {role} role")
