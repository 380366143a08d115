"""Read queries for the CLI, the pages and the charts. They return plain dicts, lists and DataFrames.

Aggregation happens in SQL. Archived rows are left out everywhere. Unknown
values stay ``None``: a sum of patients treated over trials that record none is
``None`` ("not recorded"), never 0. Enrollment is summed per type (actual,
estimated, unknown) and never added to patients treated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from catalogue.models import (
    Account,
    AuditEvent,
    Construct,
    ConstructTarget,
    Domain,
    Programme,
    SequenceRecord,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)

STAT_KEYS = (
    "constructs",
    "sequence_records",
    "trials",
    "enrollment_actual",
    "enrollment_estimated",
    "enrollment_unknown",
    "patients_treated",
)

_live_construct = Construct.archived_at.is_(None)
_live_trial = Trial.archived_at.is_(None)
_live_record = SequenceRecord.archived_at.is_(None)


def _enrollment_sums(column_source):
    def total(kind: str):
        return func.coalesce(
            func.sum(case((column_source.enrollment_type == kind, column_source.enrollment_count), else_=0)), 0
        )

    return total("actual"), total("estimated"), total("unknown")


def _add_patients(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return (a or 0) + (b or 0)


def stats(engine: Engine) -> dict[str, Any]:
    """Per target and in total: constructs, sequence records, trials, enrollment by type, patients treated.

    A trial or construct with several targets counts once under each of its
    targets and once in the totals.
    """
    actual, estimated, unknown = _enrollment_sums(Trial)
    with engine.connect() as connection:
        symbols = list(connection.execute(select(Target.symbol).order_by(Target.symbol)).scalars())
        per_target: dict[str, dict[str, Any]] = {
            s: {key: 0 for key in STAT_KEYS} | {"patients_treated": None} for s in symbols
        }
        construct_rows = connection.execute(
            select(Target.symbol, func.count(Construct.id), func.sum(Construct.patients_treated))
            .join(ConstructTarget, ConstructTarget.target_id == Target.id)
            .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
            .group_by(Target.symbol)
        )
        for symbol, count, patients in construct_rows:
            per_target[symbol]["constructs"] = count
            per_target[symbol]["patients_treated"] = patients
        record_rows = connection.execute(
            select(Target.symbol, func.count(func.distinct(SequenceRecord.id)))
            .join(ConstructTarget, ConstructTarget.target_id == Target.id)
            .join(Construct, and_(Construct.id == ConstructTarget.construct_id, _live_construct))
            .join(SequenceRecord, and_(SequenceRecord.construct_id == Construct.id, _live_record))
            .group_by(Target.symbol)
        )
        for symbol, count in record_rows:
            per_target[symbol]["sequence_records"] = count
        trial_rows = connection.execute(
            select(Target.symbol, func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated))
            .join(TrialTarget, TrialTarget.target_id == Target.id)
            .join(Trial, and_(Trial.id == TrialTarget.trial_id, _live_trial))
            .group_by(Target.symbol)
        )
        for symbol, count, act, est, unk, patients in trial_rows:
            row = per_target[symbol]
            row.update(trials=count, enrollment_actual=act, enrollment_estimated=est, enrollment_unknown=unk)
            row["patients_treated"] = _add_patients(row["patients_treated"], patients)

        trial_total = connection.execute(
            select(func.count(Trial.id), actual, estimated, unknown, func.sum(Trial.patients_treated)).where(_live_trial)
        ).one()
        construct_total = connection.execute(
            select(func.count(Construct.id), func.sum(Construct.patients_treated)).where(_live_construct)
        ).one()
        record_total = connection.execute(
            select(func.count(SequenceRecord.id))
            .join(Construct, and_(Construct.id == SequenceRecord.construct_id, _live_construct))
            .where(_live_record)
        ).scalar_one()
        programmes = {
            p.name: {
                "patients_treated": p.patients_treated,
                "patients_treated_source": p.patients_treated_source,
                "patients_treated_date": p.patients_treated_date,
            }
            for p in connection.execute(select(Programme).order_by(Programme.name))
        }
    totals = {
        "constructs": construct_total[0],
        "sequence_records": record_total,
        "trials": trial_total[0],
        "enrollment_actual": trial_total[1],
        "enrollment_estimated": trial_total[2],
        "enrollment_unknown": trial_total[3],
        "patients_treated": _add_patients(trial_total[4], construct_total[1]),
    }
    return {"targets": per_target, "totals": totals, "programmes": programmes}


def stats_frame(engine: Engine) -> pd.DataFrame:
    """:func:`stats` per target as a DataFrame (one row per target)."""
    per_target = stats(engine)["targets"]
    frame = pd.DataFrame.from_dict(per_target, orient="index")
    frame.index.name = "target"
    return frame.reset_index()


# --- constructs -------------------------------------------------------------------------


def _targets_of_constructs(connection, construct_ids: list[int]) -> dict[int, list[str]]:
    targets: dict[int, list[str]] = {i: [] for i in construct_ids}
    if not construct_ids:
        return targets
    rows = connection.execute(
        select(ConstructTarget.construct_id, Target.symbol)
        .join(Target, Target.id == ConstructTarget.target_id)
        .where(ConstructTarget.construct_id.in_(construct_ids))
        .order_by(ConstructTarget.construct_id, ConstructTarget.position)
    )
    for construct_id, symbol in rows:
        targets[construct_id].append(symbol)
    return targets


def construct_detail(engine: Engine, name: str) -> dict[str, Any] | None:
    """Everything known about one construct: fields, targets, trials, sequence records and domains."""
    with engine.connect() as connection:
        construct = connection.execute(select(Construct).where(Construct.name == name)).first()
        if construct is None:
            return None
        construct = construct._mapping
        construct_id = construct["id"]
        detail = {k: v for k, v in construct.items() if k not in ("id",)}
        detail["targets"] = _targets_of_constructs(connection, [construct_id])[construct_id]
        detail["programme"] = None
        if construct["programme_id"] is not None:
            detail["programme"] = connection.execute(
                select(Programme.name).where(Programme.id == construct["programme_id"])
            ).scalar_one()
        detail.pop("programme_id", None)
        detail["trials"] = [
            dict(row._mapping)
            for row in connection.execute(
                select(Trial.registry_id, Trial.title, Trial.phases, Trial.overall_status, TrialConstruct.curated)
                .join(TrialConstruct, TrialConstruct.trial_id == Trial.id)
                .where(TrialConstruct.construct_id == construct_id, _live_trial)
                .order_by(Trial.registry_id)
            )
        ]
        records = []
        for record in connection.execute(
            select(
                SequenceRecord.id, SequenceRecord.file_name, SequenceRecord.record_id, SequenceRecord.description,
                SequenceRecord.format, SequenceRecord.molecule, SequenceRecord.topology, SequenceRecord.length,
                SequenceRecord.checksum, SequenceRecord.warnings, SequenceRecord.imported_at,
                SequenceRecord.imported_by, SequenceRecord.version,
            )
            .where(SequenceRecord.construct_id == construct_id, _live_record)
            .order_by(SequenceRecord.imported_at, SequenceRecord.id)
        ):
            entry = dict(record._mapping)
            entry["domains"] = [
                dict(d._mapping)
                for d in connection.execute(
                    select(
                        Domain.kind, Domain.label, Domain.start, Domain.end, Domain.strand, Domain.source,
                        Domain.protein_start, Domain.protein_end, Domain.frame, Domain.identity, Domain.score,
                        Domain.reference, Domain.binder_checksum,
                    )
                    .where(Domain.sequence_record_id == entry["id"])
                    .order_by(Domain.position)
                )
            ]
            records.append(entry)
        detail["sequence_records"] = records
        detail["domains"] = chain_domains(records)
    return detail


def chain_domains(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The construct's domains in order, in protein coordinates of its CAR/TCR chain.

    Taken from the first record that has detected domains (else annotated
    ones); for DNA records the protein coordinates of the detected chain are used.
    """
    for wanted in ("detected", "curated", "annotated"):
        for record in records:
            chosen = [d for d in record["domains"] if d["source"] == wanted]
            if not chosen:
                continue
            out = []
            for d in chosen:
                if record["molecule"] == "protein":
                    start, end = d["start"], d["end"]
                else:
                    start, end = d["protein_start"], d["protein_end"]
                if start is None:
                    continue
                out.append({"kind": d["kind"], "label": d["label"], "start": start, "end": end})
            if out:
                return out
    return []


def trial_detail(engine: Engine, registry_id: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(select(Trial).where(Trial.registry_id == registry_id)).first()
        if row is None:
            return None
        trial = dict(row._mapping)
        trial_id = trial.pop("id")
        trial["registry"] = trial.pop("registry_name")
        trial["targets"] = sorted(
            connection.execute(
                select(Target.symbol)
                .join(TrialTarget, TrialTarget.target_id == Target.id)
                .where(TrialTarget.trial_id == trial_id)
            ).scalars()
        )
        trial["constructs"] = [
            dict(r._mapping)
            for r in connection.execute(
                select(Construct.name, Construct.modality, TrialConstruct.curated)
                .join(TrialConstruct, TrialConstruct.construct_id == Construct.id)
                .where(TrialConstruct.trial_id == trial_id, _live_construct)
                .order_by(Construct.name)
            )
        ]
    return trial


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


def audit_events(
    engine: Engine,
    *,
    entity_kind: str | None = None,
    entity_key: str | None = None,
    since: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The audit trail, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if entity_kind:
        query = query.where(AuditEvent.entity_kind == entity_kind)
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

