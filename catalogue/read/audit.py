"""The audit trail and the archive as the Audit and Curate pages read them; row counts."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalogue.db.models import AuditEvent, Construct, Trial
from catalogue.read.cache import revision_cached


@revision_cached
def audit_events(
    engine: Engine,
    *,
    entity_kind: str | None = None,
    entity_key: str | None = None,
    since: str | None = None,
    limit: int | None = None,
    until: str | None = None,
    exclude_kinds: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The audit trail, newest first. ``since`` and ``until`` are ISO dates or times (``until`` a date
    includes that whole day); ``exclude_kinds`` leaves out entity kinds (e.g. accounts for non-admins)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if entity_kind:
        query = query.where(AuditEvent.entity_kind == entity_kind)
    if exclude_kinds:
        query = query.where(AuditEvent.entity_kind.not_in(exclude_kinds))
    if until:
        end = pd.Timestamp(until, tz="UTC")
        if len(until) <= 10:
            end = end + pd.Timedelta(days=1)
            query = query.where(AuditEvent.at < end.to_pydatetime())
        else:
            query = query.where(AuditEvent.at <= end.to_pydatetime())
    if entity_key:
        query = query.where(AuditEvent.entity_key == entity_key)
    if since:
        query = query.where(AuditEvent.at >= pd.Timestamp(since, tz="UTC").to_pydatetime())
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table (for tests and diagnostics: nothing changed means these did not change)."""
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
        }


@revision_cached
def audit_kinds(engine: Engine) -> list[str]:
    """The entity kinds that have audit events."""
    with engine.connect() as connection:
        return list(
            connection.execute(select(AuditEvent.entity_kind).group_by(AuditEvent.entity_kind).order_by(AuditEvent.entity_kind)).scalars()
        )


@revision_cached
def archived_records(engine: Engine) -> pd.DataFrame:
    """Archived constructs and trials, most recently archived first: kind, key, description, archived_at."""
    with engine.connect() as connection:
        constructs = connection.execute(
            select(Construct.name, Construct.modality, Construct.archived_at).where(Construct.archived_at.is_not(None))
        ).all()
        trials = connection.execute(
            select(Trial.registry_id, Trial.title, Trial.archived_at).where(Trial.archived_at.is_not(None))
        ).all()
    rows = [("construct", name, modality, at) for name, modality, at in constructs]
    rows += [("trial", registry_id, title, at) for registry_id, title, at in trials]
    frame = pd.DataFrame(rows, columns=["kind", "key", "description", "archived_at"])
    return frame.sort_values(["archived_at", "kind", "key"], ascending=[False, True, True], ignore_index=True)
