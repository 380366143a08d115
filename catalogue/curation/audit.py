"""What every write leaves behind: audit events with before and after, the raised catalogue revision, and
reports of what happened. Everything here is a unit: it runs inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor
from catalogue.db.models import AuditEvent, CatalogueState
from catalogue.errors import EditConflict

Outcome = Literal["created", "updated", "unchanged", "older", "already present"]


# --- audit trail -------------------------------------------------------------------


def plain_value(value: Any) -> Any:
    """A value as the audit trail's JSON keeps it (dates as ISO text, bytes as their length)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def row_values(row: Any, *, exclude: Iterable[str] = ("id",)) -> dict[str, Any]:
    """A row's column values as JSON-safe data (for the audit trail and conflict messages)."""
    skip = set(exclude)
    return {column.key: plain_value(getattr(row, column.key)) for column in row.__table__.columns if column.key not in skip}


def note_change(session: Session) -> None:
    """Raise the catalogue revision, once per write transaction, so that cached reads go stale."""
    if not session.info.get("revision_raised"):
        session.execute(
            update(CatalogueState).where(CatalogueState.id == 1).values(revision=CatalogueState.revision + 1)
        )
        session.info["revision_raised"] = True


def audit_rows(session: Session, events: list[dict], actor: Actor | None = None) -> None:
    """Record many audit events at once (bulk imports), as plain rows; ``actor`` gives their origin."""
    if events:
        note_change(session)
        origin = actor.origin if actor is not None else None
        db.insert_rows(session, AuditEvent.__table__, [{"origin": origin, **event} for event in events])


def audit_event(
    session: Session,
    actor: Actor,
    action: str,
    kind: str,
    key: str,
    before: dict | None,
    after: dict | None,
    summary: str | None = None,
) -> None:
    """Record one audit event (only the fields that changed, when both sides are given) and raise the revision."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    note_change(session)
    session.add(
        AuditEvent(
            actor=actor.name,
            action=action,
            entity_kind=kind,
            entity_key=key,
            before=before,
            after=after,
            summary=summary,
            origin=actor.origin,
        )
    )


@dataclass
class RecordOutcome:
    record: str
    outcome: str
    detail: str | None = None
    line: int | None = None
    warnings: list[str] = field(default_factory=list)  # what the import noticed about this record


@dataclass
class FileReport:
    """What happened to one file of an import: all of it, or (on error) nothing."""

    file: str
    error: str | None = None
    records: list[RecordOutcome] = field(default_factory=list)
    import_id: int | None = None  # the recorded trial import (``catalogue changes --import ID``)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def warnings(self) -> list[str]:
        """Every warning of the import, each with the record it is about."""
        return [f"{record.record}: {warning}" for record in self.records for warning in record.warnings]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            counts[record.outcome] = counts.get(record.outcome, 0) + 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "error": self.error,
            "counts": self.counts(),
            "records": [asdict(r) for r in self.records],
            "warnings": self.warnings,
        } | ({"import": self.import_id} if self.import_id is not None else {})


def apply_values(row: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``row``; whether anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def check_version(kind: str, key: str, current: int | None, expected: int, newer_values) -> None:
    """Refuse a stale edit: the row is at ``current`` but the editor saw ``expected``.

    ``newer_values`` is called only on conflict, to show the editor what changed.
    """
    if current != expected:
        raise EditConflict(
            f"{kind} {key!r} was changed by someone else (version {current}, you edited version {expected}); "
            "reload to see the newer values",
            current=newer_values(),
        )
