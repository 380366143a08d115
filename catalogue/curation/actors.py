"""Who acts: accounts' roles (viewer < curator < admin) and the local operator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
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
    """Who is acting: an account's name and role."""

    name: str
    role: Role


def local_operator() -> Actor:
    """The person at the keyboard of a single-user install: acts as admin, recorded as such."""
    return Actor(LOCAL_OPERATOR, "admin")


def actor_for(engine: Engine, name: str | None) -> Actor:
    """The actor for an account name; ``None`` is the local operator."""
    if name is None:
        return local_operator()
    with db.read_session(engine) as session:
        account = session.exec(select(Account).where(Account.name == name)).scalars().first()
    if account is None or account.archived_at is not None:
        raise PermissionDenied(f"no active account named {name!r}")
    return Actor(account.name, account.role)  # type: ignore[arg-type]


def require(actor: Actor, role: Role, action: str) -> None:
    if ROLE_RANK[actor.role] < ROLE_RANK[role]:
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not {action}: it needs the {role} role")
