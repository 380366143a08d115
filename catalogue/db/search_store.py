"""Writing the search store: each record's chains and domains as distinct protein sequences and their places.

One function, :func:`write_segments`, used inside the transaction that writes or changes the records:
by the service layer at import and at domain curation, and by migration 0010 for records imported
before the store existed. Distinct proteins go into ``searchsequence`` once (keyed by SEGUID; rows are
only ever added), and every occurrence into ``sequencesegment``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from catalogue.db import insert_rows_on, one_of
from catalogue.db.models import SearchSequence, SequenceSegment
from catalogue.detect.segments import SegmentDraft, record_segments

CHUNK = 500


def _sequence_ids(connection: Connection, proteins: dict[str, str]) -> dict[str, int]:
    """Store ids of the distinct proteins (checksum -> protein), adding the ones not stored yet."""
    table = SearchSequence.__table__
    ids: dict[str, int] = {}
    checksums = list(proteins)
    for start in range(0, len(checksums), CHUNK):
        chunk = checksums[start : start + CHUNK]
        lookup = select(table.c.checksum, table.c.id).where(one_of(connection, table.c.checksum, chunk))
        ids.update(connection.execute(lookup).all())
    missing = [c for c in checksums if c not in ids]
    if missing:
        dialect_insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = dialect_insert(table).on_conflict_do_nothing(index_elements=["checksum"])
        connection.execute(statement, [{"checksum": c, "length": len(proteins[c]), "protein": proteins[c]}
                                       for c in missing])
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            ids.update(connection.execute(
                select(table.c.checksum, table.c.id).where(one_of(connection, table.c.checksum, chunk))).all())
    return ids


def write_segments(connection: Connection, records: Iterable[tuple[Any, ...]], *, replace: bool = False) -> int:
    """Index records: each given as (record id, sequence, molecule, domains), or with a fifth item, the record's
    chains when detection found them already. Returns the segments written.

    With ``replace``, the records' earlier segments are removed first (after a domain curation).
    """
    planned: list[tuple[int, SegmentDraft, str]] = []
    proteins: dict[str, str] = {}
    record_ids = []
    for record_id, sequence, molecule, domains, *found in records:
        record_ids.append(record_id)
        for segment in record_segments(sequence, molecule, domains, found[0] if found else None):
            checksum = segment.checksum
            proteins.setdefault(checksum, segment.protein)
            planned.append((record_id, segment, checksum))
    table = SequenceSegment.__table__
    if replace and record_ids:
        for start in range(0, len(record_ids), CHUNK):
            connection.execute(delete(table).where(table.c.sequence_record_id.in_(record_ids[start : start + CHUNK])))
    if not planned:
        return 0
    ids = _sequence_ids(connection, proteins)
    insert_rows_on(connection, table, [
        {"sequence_record_id": record_id, "search_sequence_id": ids[checksum], "kind": s.kind, "label": s.label,
         "chain": s.chain, "chain_start": s.chain_start, "chain_end": s.chain_end, "record_start": s.record_start,
         "record_end": s.record_end, "strand": s.strand}
        for record_id, s, checksum in planned
    ])
    return len(planned)
