"""Accounts as the app reads them: who exists, and their roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalogue.db.models import (
    Account,
)

# --- accounts and audit -----------------------------------------------------------------


def accounts(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [
            dict(r._mapping)
            for r in connection.execute(
                select(Account.name, Account.role, Account.email, Account.created_at, Account.archived_at).order_by(
                    Account.name
                )
            )
        ]


# --- identity --------------------------------------------------------------------------------


def has_accounts(engine: Engine) -> bool:
    """Whether any active account exists (none: a single-user install run by its local operator)."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count(Account.id)).where(Account.archived_at.is_(None))
        ).scalar_one() > 0


def account_credentials(engine: Engine, name: str) -> dict[str, Any] | None:
    """An active account's name, role and password hash, for verifying a sign-in. Never display the hash."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Account.name, Account.role, Account.password_hash).where(
                Account.name == name, Account.archived_at.is_(None)
            )
        ).first()
    return dict(row._mapping) if row else None


def account_by_email(engine: Engine, email: str) -> dict[str, Any] | None:
    """The active account with this email (case-insensitive): name and role."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Account.name, Account.role).where(
                func.lower(Account.email) == email.strip().lower(), Account.archived_at.is_(None)
            )
        ).first()
    return dict(row._mapping) if row else None
