"""Accounts as the app reads them: who exists, and their roles. Never a password hash (sign-in is
:func:`catalogue.curation.authenticate`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalogue.db.models import Account


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


def has_accounts(engine: Engine) -> bool:
    """Whether any active account exists (none: a single-user install run by its local operator)."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count(Account.id)).where(Account.archived_at.is_(None))
        ).scalar_one() > 0


def account_by_email(engine: Engine, email: str) -> dict[str, Any] | None:
    """The active account with this email (case-insensitive): name and role."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Account.name, Account.role).where(
                func.lower(Account.email) == email.strip().lower(), Account.archived_at.is_(None)
            )
        ).first()
    return dict(row._mapping) if row else None
