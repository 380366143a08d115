"""Every import of trial records is recorded: when, by whom, from what, and what it did to each trial.

Per trial: ``new``, ``updated`` (each changed field with its value before and after, field names as in
``show trial --json``), ``unchanged`` (also a record older than the catalogue's), or ``absent``: listed by
the last complete import of the same source but not by this one (only when this one read its source whole:
a ``fetch trials --max-pages`` run neither reports absences nor serves as the baseline for them).

The "same source" across imports is its *listing*: the ``--source`` name when given, else the file name with
its dates taken out (``ONC-CAR-T-Trials-Monitor_2026-05-15_trials.csv`` and ``..._2026-08-22_...`` are one
listing), or the registry query of a ``fetch trials`` run.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor
from catalogue.curation.audit import RecordOutcome, note_change
from catalogue.db.models import TrialChange, TrialImport

# The fields whose changes an import reports (names as in ``show trial --json``); bookkeeping such as the
# record's source file, snapshot date or derived start year is left out.
CHANGE_FIELDS = (
    "overall_status", "phases", "enrollment_count", "enrollment_type", "start_date", "lead_sponsor",
    "conditions", "targets", "title", "interventions", "countries", "indication", "indication_category",
    "modality", "cell_source", "products", "last_update", "secondary_ids", "url",
)  # fmt: skip

_DATES = re.compile(r"(?<!\d)(?:19|20)\d{2}[-_.]?(?:0[1-9]|1[0-2])[-_.]?(?:0[1-9]|[12]\d|3[01])(?!\d)")


def listing_of(file_name: str, source: str | None = None) -> str:
    """The source a file stands for across imports: ``source`` if given, else the file name without dates."""
    if source and source.strip():
        return source.strip()
    stem = _DATES.sub("", file_name)
    return re.sub(r"([_\-. ])[_\-. ]+", r"\1", stem).strip("_-. ") or file_name


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"before": ..., "after": ...}}`` for each reported field that differs."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in CHANGE_FIELDS
        if before.get(name) != after.get(name)
    }


_CHANGE_OF = {"created": "new", "updated": "updated"}


def record_import(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    source: str,
    listing: str,
    complete: bool,
    outcomes: list[RecordOutcome],
    fields: dict[str, dict[str, Any]],
) -> tuple[int, list[str]]:
    """Record one import and its per-trial changes; returns its id and the registry IDs now absent."""
    listed: dict[str, str] = {}
    for outcome in outcomes:
        change = _CHANGE_OF.get(outcome.outcome, "unchanged")
        if listed.get(outcome.record) in ("new", "updated"):
            continue  # the same trial twice in one import: what it did first stands
        listed[outcome.record] = change
    absent: list[str] = []
    previous = session.exec(
        select(TrialImport.id).where(TrialImport.listing == listing, TrialImport.complete.is_(True))
        .order_by(TrialImport.id.desc()).limit(1)
    ).scalars().first()
    if complete and previous is not None:
        before = set(
            session.exec(
                select(TrialChange.registry_id).where(TrialChange.import_id == previous, TrialChange.change != "absent")
            ).scalars()
        )
        absent = sorted(before - set(listed))
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    for change in listed.values():
        counts[change] += 1
    row = {
        "at": datetime.now(timezone.utc), "actor": actor.name, "kind": kind, "source": source[:500],
        "listing": listing[:500], "complete": complete, "created": counts["new"], "updated": counts["updated"],
        "unchanged": counts["unchanged"], "absent": len(absent),
    }
    (import_id,) = db.insert_rows_returning_ids(session, TrialImport.__table__, [row])
    rows = [
        {"import_id": import_id, "registry_id": registry_id, "change": change,
         "fields": fields.get(registry_id) if change == "updated" else None}
        for registry_id, change in listed.items()
    ] + [{"import_id": import_id, "registry_id": r, "change": "absent", "fields": None} for r in absent]
    if rows:
        db.insert_rows(session, TrialChange.__table__, rows)
    note_change(session)
    return import_id, absent
