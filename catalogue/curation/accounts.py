"""Accounts: created and given roles by admins; passwords stored only as argon2 hashes and checked here.

No password hash leaves this module: a sign-in asks :func:`authenticate` and gets an :class:`Actor` or ``None``.
The catalogue always keeps an admin once it has one: demoting or archiving the last active admin
account is refused (there is no deletion of accounts; archiving is how an account is retired).
"""

from __future__ import annotations

import functools
import re
import secrets
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalogue import bounds, db
from catalogue.curation.actors import LOCAL_OPERATOR, ROLES, Actor, require
from catalogue.curation.audit import Outcome, audit_event
from catalogue.curation.passwords import hash_password, verify_password
from catalogue.db.models import Account
from catalogue.errors import InvalidInput, NotFound

MAX_EMAIL_LENGTH = 320  # RFC 3696's longest address
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

# --- accounts -----------------------------------------------------------------------------


def add_account(
    engine: Engine, actor: Actor, name: str, role: str, *, password: str | None = None, email: str | None = None
) -> Outcome:
    """Create an account (admins only). The password is stored as an argon2 hash, never in clear.

    Refused: a blank, over-long or reserved name, a password shorter than
    :data:`catalogue.bounds.MIN_PASSWORD_LENGTH` characters, an email that is not an address.
    """
    require(actor, "admin", "manage accounts")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    name = bounds.name(name, "account")
    if name == LOCAL_OPERATOR:
        raise InvalidInput(f"{name!r} cannot be an account name: it names whoever runs the CLI without --user")
    if password is not None:
        bounds.password(password)
    if email is not None:
        email = email.strip()
        if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
            raise InvalidInput(f"{email[:60]!r} is not an email address")
    from catalogue.curation.passwords import hash_password

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


def _account(session: Session, name: str) -> Account:
    account = session.exec(select(Account).where(Account.name == name)).scalars().first()
    if account is None:
        raise NotFound(f"no account named {name!r}")
    return account


def _keep_an_admin(session: Session, account: Account, action: str) -> None:
    """Refuse ``action`` when ``account`` is the last active admin.

    The active admins' rows are locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write
    transactions are serial already), so two admins demoting each other at once cannot both succeed.
    """
    if account.role != "admin" or account.archived_at is not None:
        return
    admins = session.exec(
        select(Account.name).where(Account.role == "admin", Account.archived_at.is_(None)).with_for_update()
    ).scalars().all()
    if set(admins) <= {account.name}:
        raise InvalidInput(
            f"{account.name!r} is the last admin: {action} would leave no one able to manage accounts or "
            "restore archived records; make another account admin first"
        )


def set_role(engine: Engine, actor: Actor, name: str, role: str) -> Outcome:
    """Give an account another role (admins only); the last active admin keeps the admin role."""
    require(actor, "admin", "manage accounts")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    with db.write_session(engine) as session:
        account = _account(session, name)
        if account.role == role:
            return "unchanged"
        if role != "admin":
            _keep_an_admin(session, account, f"making it a {role}")
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
def set_account_archived(engine: Engine, actor: Actor, name: str, archived: bool) -> Outcome:
    """Retire an account (it can no longer sign in or act) or bring it back (admins only).

    Archiving the last active admin is refused.
    """
    require(actor, "admin", "manage accounts")
    with db.write_session(engine) as session:
        account = _account(session, name)
        if (account.archived_at is not None) == archived:
            return "unchanged"
        if archived:
            _keep_an_admin(session, account, "archiving it")
        before = {"archived_at": account.archived_at.isoformat() if account.archived_at else None}
        account.archived_at = datetime.now(timezone.utc) if archived else None
        after = {"archived_at": account.archived_at.isoformat() if account.archived_at else None}
        audit_event(session, actor, "archive" if archived else "restore", "account", name, before, after)
        return "updated"
