"""Sequence records: one record with its domains, stored drafts for export, original files, history."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalogue.db.models import Construct, Domain, SequenceRecord
from catalogue.read.cache import revision_cached
from catalogue.read.models import SequenceRecordDetail
from catalogue.read.sql import _live_construct, _live_record, columns_of


_DOMAIN_COLUMNS = (
    Domain.kind, Domain.label, Domain.start, Domain.end, Domain.strand, Domain.source, Domain.protein_start,
    Domain.protein_end, Domain.frame, Domain.identity, Domain.score, Domain.reference, Domain.binder_checksum,
)


def stored_domains(connection, record_id: int, *, with_note: bool = False) -> list[dict[str, Any]]:
    """A sequence record's stored domains in order along it (curated, detected and annotated alike), as rows;
    ``with_note`` adds each domain's note (the sequence view shows it; ``show construct --json`` does not)."""
    columns = (*_DOMAIN_COLUMNS, Domain.note) if with_note else _DOMAIN_COLUMNS
    rows = connection.execute(
        select(*columns).where(Domain.sequence_record_id == record_id).order_by(Domain.position)
    )
    return [dict(row._mapping) for row in rows]


@revision_cached
def sequence_record(engine: Engine, record_id: int) -> SequenceRecordDetail | None:
    """One sequence record with its sequence and domains (for the sequence view and the domain map)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                *columns_of(SequenceRecord, "id file_name record_id description format molecule topology length "
                                            "sequence checksum warnings imported_at imported_by archived_at"),
                Construct.name.label("construct"),
            )
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(SequenceRecord.id == record_id)
        ).first()
        if row is None:
            return None
        return SequenceRecordDetail.from_values(
            row._mapping, domains=stored_domains(connection, record_id, with_note=True)
        )


def _stored_draft(record, domains: list[dict[str, Any]]):
    """A stored record (its columns as attributes) and its domains as a :class:`~catalogue.drafts.SequenceDraft`
    (what the exporters write)."""
    from catalogue.drafts import DomainDraft, SequenceDraft

    domain_fields = set(DomainDraft.__dataclass_fields__)
    return SequenceDraft(
        file_name=record.file_name,
        record_id=record.record_id,
        format=record.format,
        molecule=record.molecule,
        sequence=record.sequence,
        topology=record.topology,
        description=record.description,
        checksum=record.checksum,
        domains=[DomainDraft(**{k: v for k, v in d.items() if k in domain_fields}) for d in domains],
        warnings=list(record.warnings or []),
    )


def sequence_record_draft(engine: Engine, record_id: int):
    """One stored record as a SequenceDraft."""
    record = sequence_record(engine, record_id)
    return None if record is None else _stored_draft(record, record.domains)


def stored_drafts(engine: Engine) -> list[tuple[str, int, Any]]:
    """Every live sequence record as (construct name, record ID number, SequenceDraft), for export."""
    with engine.connect() as connection:
        records = connection.execute(
            select(SequenceRecord, Construct.name.label("construct_name"))
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(_live_record, _live_construct)
            .order_by(Construct.name, SequenceRecord.id)
        ).all()
        domains: dict[int, list[dict[str, Any]]] = {}
        for row in connection.execute(select(Domain).order_by(Domain.sequence_record_id, Domain.position)):
            domains.setdefault(row.sequence_record_id, []).append(dict(row._mapping))
    return [
        (row.construct_name, row.id, _stored_draft(row, domains.get(row.id, [])))
        for row in records
    ]


@revision_cached
def original_file(engine: Engine, record_id: int) -> tuple[str, bytes] | None:
    """The record's text exactly as it was in the imported file, with that file's name."""
    with engine.connect() as connection:
        row = connection.execute(
            select(SequenceRecord.file_name, SequenceRecord.original_bytes).where(SequenceRecord.id == record_id)
        ).first()
    return (row[0], bytes(row[1])) if row else None


#: The columns of :func:`sequence_history`.
HISTORY_COLUMNS = "id file_name record_id format molecule length checksum imported_at imported_by archived_at version"


@revision_cached
def sequence_history(engine: Engine, name: str) -> pd.DataFrame:
    """Every sequence record a construct has had, archived ones included, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(*columns_of(SequenceRecord, HISTORY_COLUMNS))
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(Construct.name == name)
            .order_by(SequenceRecord.imported_at, SequenceRecord.id)
        ).all()
    return pd.DataFrame([dict(r._mapping) for r in rows], columns=HISTORY_COLUMNS.split())
