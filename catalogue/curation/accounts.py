"""Accounts: created and given roles by admins; passwords stored only as argon2 hashes and checked here.

No password hash leaves this module: a sign-in asks :func:`authenticate` and gets an :class:`Actor` or ``None``.
"""

from __future__ import annotations

import functools
import secrets

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalogue import db
from catalogue.curation.actors import LOCAL_OPERATOR, ROLES, Actor, require
from catalogue.curation.audit import Outcome, audit_event
from catalogue.curation.passwords import hash_password, verify_password
from catalogue.db.models import Account
from catalogue.errors import InvalidInput, NotFound


def add_account(
    engine: Engine, actor: Actor, name: str, role: str, *, password: str | None = None, email: str | None = None
) -> Outcome:
    """Create an account (admins only). The password is stored as an argon2 hash, never in clear."""
    require(actor, "admin", "manage accounts")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name or not name.strip() or name == LOCAL_OPERATOR:
        raise InvalidInput(f"{name!r} cannot be an account name")
    with db.write_session(engine) as session:
        if session.exec(select(Account).where(Account.name == name)).scalars().first() is not None:
            raise InvalidInput(f"an account named {name!r} exists already")
        account = Account(
            name=name, role=role, email=email, password_hash=hash_password(password) if password else None
        )
        session.add(account)
        session.flush()
        audit_event(
            session,
            actor,
            "create",
            "account",
            name,
            None,
            {"name": name, "role": role, "email": email, "password": "set" if password else "none"},
        )
        return "created"


def set_role(engine: Engine, actor: Actor, name: str, role: str) -> Outcome:
    require(actor, "admin", "manage accounts")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    with db.write_session(engine) as session:
        account = session.exec(select(Account).where(Account.name == name)).scalars().first()
        if account is None:
            raise NotFound(f"no account named {name!r}")
        if account.role == role:
            return "unchanged"
        before = {"role": account.role}
        account.role = role
        audit_event(session, actor, "set role", "account", name, before, {"role": role})
        return "updated"


def authenticate(engine: Engine, name: str, password: str) -> Actor | None:
    """The active account ``name`` as an actor, if ``password`` is its password; otherwise ``None``.

    An unknown, archived or password-less account and a wrong password are all ``None`` alike, so a
    sign-in form cannot tell which account names exist.
    """
    with db.read_session(engine) as session:
        account = session.exec(
            select(Account).where(Account.name == name.strip(), Account.archived_at.is_(None))
        ).scalars().first()
    if account is None or not account.password_hash:
        verify_password(_unmatchable_hash(), password)  # as slow as a real check: the time says nothing either
        return None
    if not verify_password(account.password_hash, password):
        return None
    return Actor(account.name, account.role)  # type: ignore[arg-type]


@functools.cache
def _unmatchable_hash() -> str:
    return hash_password(secrets.token_urlsafe(32))
