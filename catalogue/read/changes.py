"""What changed: the recorded trial imports and what each did to each trial (new, updated, absent).

:func:`trial_changes` is ``catalogue changes --json``; :func:`change_table` is what the What-changed page shows,
one row per trial and changed field, with the trial's current title and targets, for a target or a programme.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from catalogue.db.models import Target, Trial, TrialChange, TrialImport, TrialTarget
from catalogue.parse.registry_ids import registry_url
from catalogue.read.cache import revision_cached

IMPORT_KEYS = ("id", "at", "source", "created", "updated", "unchanged")
STATUS_FIELDS = ("overall_status",)
ENROLLMENT_FIELDS = ("enrollment_count", "enrollment_type")
CHANGE_KINDS = ("new trial", "status", "enrollment", "other update", "no longer listed")


def _start_of(day: str | date) -> datetime:
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(value, time.min, tzinfo=timezone.utc)


def _import_clauses(since, import_id, after_import, until_import) -> list:
    clauses = []
    if since:
        clauses.append(TrialImport.at >= _start_of(since))
    if import_id is not None:
        clauses.append(TrialImport.id == int(import_id))
    if after_import is not None:
        clauses.append(TrialImport.id > int(after_import))
    if until_import is not None:
        clauses.append(TrialImport.id <= int(until_import))
    return clauses


@revision_cached
def trial_imports(engine: Engine) -> list[dict[str, Any]]:
    """Every recorded import, newest first: id, at, actor, kind, source, listing, complete and its counts."""
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(TrialImport).order_by(TrialImport.id.desc()))]


@revision_cached
def trial_changes(
    engine: Engine,
    *,
    since: str | date | None = None,
    import_id: int | None = None,
    after_import: int | None = None,
    until_import: int | None = None,
) -> dict[str, Any]:
    """The imports (at or after ``since``; one ``import_id``; or those after ``after_import`` up to
    ``until_import``) and their changes: ``{"imports": [{"id", "at", "source", "created", "updated",
    "unchanged", "absent", ...}], "changes": [{"import", "registry_id", "change": "new" | "updated",
    "fields": {name: {"before", "after"}}}], "absent": [{"import", "registry_id"}]}``, oldest first."""
    clauses = _import_clauses(since, import_id, after_import, until_import)
    with engine.connect() as connection:
        imports = [
            dict(r._mapping)
            for r in connection.execute(select(TrialImport).where(*clauses).order_by(TrialImport.id))
        ]
        ids = [i["id"] for i in imports]
        rows = list(
            connection.execute(
                select(TrialChange.import_id, TrialChange.registry_id, TrialChange.change, TrialChange.fields)
                .where(TrialChange.import_id.in_(ids), TrialChange.change != "unchanged")
                .order_by(TrialChange.import_id, TrialChange.id)
            )
        ) if ids else []
    changes = [
        {"import": r.import_id, "registry_id": r.registry_id, "change": r.change, "fields": r.fields or {}}
        for r in rows if r.change in ("new", "updated")
    ]
    absent = [{"import": r.import_id, "registry_id": r.registry_id} for r in rows if r.change == "absent"]
    ordered = [{k: i[k] for k in IMPORT_KEYS} | {k: i[k] for k in i if k not in IMPORT_KEYS} for i in imports]
    return {"imports": ordered, "changes": changes, "absent": absent}


def _kinds(change: str, fields: dict[str, Any]) -> list[tuple[str, str | None]]:
    if change == "new":
        return [("new trial", None)]
    if change == "absent":
        return [("no longer listed", None)]
    out = []
    for name in fields:
        kind = "status" if name in STATUS_FIELDS else "enrollment" if name in ENROLLMENT_FIELDS else "other update"
        out.append((kind, name))
    return out or [("other update", None)]


CHANGE_COLUMNS = (
    "import", "at", "registry_id", "registry_url", "title", "targets", "kind", "field", "before", "after",
)  # fmt: skip


@revision_cached
def change_table(
    engine: Engine,
    *,
    since: str | date | None = None,
    import_id: int | None = None,
    after_import: int | None = None,
    until_import: int | None = None,
    target: str | None = None,
    programme: str | None = None,
) -> pd.DataFrame:
    """One row per trial and change: kind (:data:`CHANGE_KINDS`), field, value before and after, with the
    trial's current title, targets and registry page; only trials of ``target`` and of ``programme`` (its
    sponsor's trials and those linked to its constructs) when given."""
    recorded = trial_changes(engine, since=since, import_id=import_id, after_import=after_import,
                             until_import=until_import)
    at = {i["id"]: i["at"] for i in recorded["imports"]}
    entries = [(c["import"], c["registry_id"], c["change"], c["fields"]) for c in recorded["changes"]]
    entries += [(a["import"], a["registry_id"], "absent", {}) for a in recorded["absent"]]
    registry_ids = sorted({e[1] for e in entries})
    with engine.connect() as connection:
        trials: dict[str, dict[str, Any]] = {}
        for start in range(0, len(registry_ids), 500):
            chunk = registry_ids[start : start + 500]
            for row in connection.execute(
                select(Trial.id, Trial.registry_id, Trial.registry_name, Trial.title, Trial.url).where(
                    Trial.registry_id.in_(chunk)
                )
            ):
                trials[row.registry_id] = dict(row._mapping) | {"targets": []}
        by_id = {t["id"]: t for t in trials.values()}
        for trial_id, symbol in connection.execute(
            select(TrialTarget.trial_id, Target.symbol)
            .join(Target, Target.id == TrialTarget.target_id)
            .where(TrialTarget.trial_id.in_(list(by_id)))
            .order_by(Target.symbol)
        ) if by_id else []:
            by_id[trial_id]["targets"].append(symbol)
        in_programme: set[str] | None = None
        if programme:
            from catalogue.read.portfolio import _scope

            clause = _scope(connection, programme)[0]
            in_programme = set(connection.execute(select(Trial.registry_id).where(and_(clause))).scalars())
    rows = []
    for import_id_, registry_id, change, fields in entries:
        trial = trials.get(registry_id, {"registry_name": None, "title": None, "url": None, "targets": []})
        if target and target not in trial["targets"]:
            continue
        if in_programme is not None and registry_id not in in_programme:
            continue
        for kind, name in _kinds(change, fields):
            values = fields.get(name, {}) if name else {}
            rows.append({
                "import": import_id_, "at": at[import_id_], "registry_id": registry_id,
                "registry_url": trial["url"] or registry_url(trial["registry_name"], registry_id),
                "title": trial["title"], "targets": ", ".join(trial["targets"]) or None, "kind": kind, "field": name,
                "before": _shown(values.get("before")), "after": _shown(values.get("after")),
            })
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
