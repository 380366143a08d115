"""Sequence records: parse, detect, import (each file all or nothing), curate domains; reference binders."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import (
    FileReport,
    RecordOutcome,
    _apply,
    _audit,
    _plain,
    audit_rows,
    check_version,
    row_values,
)
from catalogue.curation.constructs import (
    _construct_state,
    _live_construct,
)
from catalogue.db.search_store import write_segments
from catalogue.db.models import (
    Construct,
    Domain,
    ReferenceBinder,
    SequenceRecord,
)
from catalogue.drafts import (
    DOMAIN_KINDS,
    DomainDraft,
)
from catalogue.errors import CatalogueError, EditConflict, InvalidInput, NotFound
from catalogue.prepare.files import PreparedSequences, ReadOptions, prepare_file
from catalogue.prepare.process import ParsingProcess, ParsingProcessFailed

# --- sequence records ---------------------------------------------------------------


def reference_binder_library(engine: Engine) -> list:
    """The reference binders loaded with ``catalogue import binders``, as the detector's library."""
    from catalogue.detect.binders import ReferenceBinder as LibraryBinder

    with db.read_session(engine) as session:
        rows = session.exec(select(ReferenceBinder)).scalars().all()
    return [
        LibraryBinder(
            name=r.name,
            target=r.target,
            format=r.format,
            heavy=r.heavy,
            light=r.light,
            second_heavy=r.second_heavy,
            second_light=r.second_light,
            phase=r.phase,
            source=r.source,
        )
        for r in rows
    ]


def import_sequences(
    engine: Engine,
    actor: Actor,
    file_name: str,
    content: bytes,
    *,
    construct: str | None = None,
    annotations: bytes | None = None,
    annotations_name: str | None = None,
    molecule: str | None = None,
    detect: bool = True,
) -> FileReport:
    """Import one sequence file: every record, or (on any error) nothing.

    Records attach to ``construct`` (created if absent) or, without it, each to
    a construct named after the record. A sequence already in the catalogue,
    under any file name, is reported as already present and adds nothing.
    """
    return import_sequence_files(engine, actor, [(file_name, content)], construct=construct, annotations=annotations,
                                 annotations_name=annotations_name, molecule=molecule, detect=detect)[0]


def import_sequence_files(
    engine: Engine,
    actor: Actor,
    files: Iterable[tuple[str, bytes | InvalidInput]],
    *,
    construct: str | None = None,
    annotations: bytes | None = None,
    annotations_name: str | None = None,
    molecule: str | None = None,
    detect: bool = True,
    on_report: Callable[[FileReport], None] | None = None,
) -> list[FileReport]:
    """Import sequence files in order, each all or nothing, as :func:`import_sequences` would one by one.

    ``files`` gives each file's name and content, or the :class:`InvalidInput` saying why it could not
    be read (reported; the other files go on). With two files or more, parsing and detection run in
    separate processes (:mod:`catalogue.prepare.process`, see :func:`parsing_processes`), ahead of this
    process's writes: writes stay one at a time, in file order and one transaction per file, so a
    sequence repeated in a later file is reported as already present. ``on_report`` is called as each
    file's report is ready.
    """
    require(actor, "curator", "import sequence records")
    options = ReadOptions(annotations, annotations_name, molecule, detect,
                          reference_binder_library(engine) if detect else None)
    reports = []
    for file_name, prepared in _prepared_in_order(files, options):
        if isinstance(prepared, InvalidInput):
            report = FileReport(file_name, error=str(prepared.located(file=file_name)))
        elif isinstance(prepared, CatalogueError):
            report = FileReport(file_name, error=f"{file_name}: {prepared}")
        else:
            report = _written_file(engine, actor, prepared, construct)
        reports.append(report)
        if on_report is not None:
            on_report(report)
    return reports


def parsing_processes(detect: bool) -> int:
    """How many parsing processes a many-file import starts: with detection (pyhmmer, alignments) parsing
    is nearly all the work, so one per core; without it, one core is left to this process's writes and
    the database server."""
    cores = os.cpu_count() or 1
    return max(1, min(4, cores if detect else cores - 1))


def _prepared_in_order(files: Iterable[tuple[str, bytes | InvalidInput]],
                       options: ReadOptions) -> Iterator[tuple[str, PreparedSequences | CatalogueError]]:
    """Each file's name with its prepared records or the error that stops it, in order.

    If a parsing process stops (a crash, not bad input), that file and every later one are given its
    error, and nothing more is read: the files before it are written, and each file is reported.
    """
    items = iter(files)
    wanted = parsing_processes(options.detect)
    first = list(itertools.islice(items, max(2, wanted)))
    if len(first) < 2:  # one file: not worth a second process
        for file_name, content in first:
            yield file_name, _prepared_here(file_name, content, options)
        return
    with contextlib.ExitStack() as stack:
        parsers = [stack.enter_context(ParsingProcess(options)) for _ in range(min(wanted, len(first)))]
        turns = itertools.cycle(parsers)
        # each entry: the file's name and its error, or the parsing process that will answer for it;
        # each process has one file in hand and at most one more waiting
        pending: deque[tuple[str, InvalidInput | ParsingProcess]] = deque()
        try:
            for file_name, content in itertools.chain(first, items):
                if isinstance(content, InvalidInput):
                    pending.append((file_name, content))
                else:
                    parser = next(turns)
                    pending.append((file_name, parser))
                    parser.submit(file_name, content)
                if len(pending) > 2 * len(parsers):
                    yield _next_prepared(pending)
            while pending:
                yield _next_prepared(pending)
        except ParsingProcessFailed as failure:
            stopped = CatalogueError(f"not imported: {failure}")
            for file_name, _ in itertools.chain(pending, items):
                yield file_name, stopped


def _prepared_here(file_name: str, content: bytes | InvalidInput,
                   options: ReadOptions) -> PreparedSequences | InvalidInput:
    """A file prepared in this process, or the error that stops it."""
    if isinstance(content, InvalidInput):
        return content
    try:
        return prepare_file(file_name, content, options)
    except InvalidInput as error:
        return error


def _next_prepared(pending: deque) -> tuple[str, PreparedSequences | InvalidInput]:
    """The oldest pending file's answer; it leaves the queue only once it has one."""
    file_name, answer = pending[0]
    prepared = answer.result() if isinstance(answer, ParsingProcess) else answer
    pending.popleft()
    return file_name, prepared


def _written_file(engine: Engine, actor: Actor, prepared: PreparedSequences, construct: str | None) -> FileReport:
    """A prepared file's records written in one transaction; its report."""
    try:
        with db.write_session(engine) as session:
            return FileReport(prepared.file_name, records=_write_sequences(session, actor, prepared, construct))
    except InvalidInput as error:
        return FileReport(prepared.file_name, error=str(error.located(file=prepared.file_name)))


def _write_sequences(session: Session, actor: Actor, prepared: PreparedSequences, construct_name: str | None):
    """Insert a file's new records with their domains and audit events, in bulk; report each record."""
    drafts = prepared.drafts
    present: dict[str, str] = {}  # checksum -> where the sequence already is
    checksums = [d.checksum for d in drafts]
    for chunk_start in range(0, len(checksums), 500):
        rows = session.execute(
            select(SequenceRecord.checksum, SequenceRecord.file_name, SequenceRecord.record_id, Construct.name)
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(db.one_of(session, SequenceRecord.checksum, checksums[chunk_start : chunk_start + 500]))
        )
        for checksum, file_name, record_id, owner in rows:
            present[checksum] = f"same sequence as {file_name} / {record_id} of {owner}"
    now = datetime.now(timezone.utc)
    wanted = {construct_name or d.record_id for d in drafts if d.checksum not in present}
    construct_ids = _construct_ids(session, actor, sorted(wanted), prepared.file_name, now)
    outcomes, new_drafts, rows = [], [], []
    for draft in drafts:
        if draft.checksum in present:
            outcomes.append(RecordOutcome(draft.record_id, "already present", present[draft.checksum], line=draft.line))
            continue
        name = construct_name or draft.record_id
        present[draft.checksum] = f"same sequence as {draft.file_name} / {draft.record_id} of {name}"
        new_drafts.append((draft, name))
        rows.append({
            "construct_id": construct_ids[name], "file_name": draft.file_name, "record_id": draft.record_id,
            "description": draft.description, "format": draft.format, "molecule": draft.molecule,
            "topology": draft.topology, "length": draft.length, "sequence": draft.sequence,
            "checksum": draft.checksum, "original_bytes": draft.raw, "warnings": draft.warnings or None,
            "imported_at": now, "imported_by": actor.name, "curated_at": None, "curated_by": None,
            "archived_at": None, "version": 1,
        })  # fmt: skip
        unit = "aa" if draft.molecule == "protein" else "nt"
        outcomes.append(
            RecordOutcome(
                draft.record_id,
                "created",
                f"{draft.length} {unit}, {len(draft.domains)} domains, attached to {name}",
                line=draft.line,
            )
        )
    if not rows:
        return outcomes
    ids = dict(
        zip([row["checksum"] for row in rows], db.insert_rows_returning_ids(session, SequenceRecord.__table__, rows))
    )
    domain_rows, events = [], []
    for (draft, name), row in zip(new_drafts, rows):
        record_id = ids[draft.checksum]
        domain_rows += [
            {"sequence_record_id": record_id, "position": position, **vars(domain)}
            for position, domain in enumerate(draft.domains)
        ]
        after = {k: _plain(v) for k, v in row.items() if k not in ("sequence", "original_bytes", "version")}
        after |= {"construct": name, "domains": len(draft.domains)}
        events.append(
            {
                "at": now,
                "actor": actor.name,
                "action": "import",
                "entity_kind": "sequence_record",
                "entity_key": f"{name}/{draft.record_id}",
                "before": None,
                "after": after,
                "summary": None,
            }
        )
    if domain_rows:
        db.insert_rows(session, Domain.__table__, domain_rows)
    write_segments(session.connection(), [(ids[draft.checksum], draft.sequence, draft.molecule, draft.domains)
                                          for draft, _ in new_drafts])
    audit_rows(session, events)
    return outcomes


def _construct_ids(session: Session, actor: Actor, names: list[str], file_name: str, now) -> dict[str, int]:
    """Ids of the constructs the records attach to; missing ones are created (and audited) in bulk."""
    ids: dict[str, int] = {}
    for chunk_start in range(0, len(names), 500):
        chunk = names[chunk_start : chunk_start + 500]
        lookup = select(Construct.name, Construct.id).where(db.one_of(session, Construct.name, chunk))
        ids.update(session.execute(lookup).all())
    missing = [name for name in names if name not in ids]
    if not missing:
        return ids
    source = f"sequence file {file_name}"
    rows = [{"name": name, "modality": "CAR-T", "source": source, "version": 1} for name in missing]
    ids.update(zip(missing, db.insert_rows_returning_ids(session, Construct.__table__, rows)))
    audit_rows(session, [
        {"at": now, "actor": actor.name, "action": "create", "entity_kind": "construct", "entity_key": name,
         "before": None, "after": {"name": name, "modality": "CAR-T", "source": source, "targets": []},
         "summary": f"created for the records of {file_name}"}
        for name in missing
    ])  # fmt: skip
    return ids


def set_curated_domains(
    engine: Engine, actor: Actor, record_id: int, domains: list[DomainDraft], *, expected_version: int
) -> int:
    """Replace a sequence record's curated domains (annotated and detected ones stay beside them).

    Coordinates are 1-based and inclusive on the record. Refused with
    :class:`EditConflict` when the record changed since ``expected_version``.
    Returns the record's new version.
    """
    require(actor, "curator", "curate domains")
    try:
        with db.write_session(engine) as session:
            record = session.get(SequenceRecord, record_id)
            if record is None or record.archived_at is not None:
                raise NotFound(f"no sequence record {record_id}")
            key = f"{session.get(Construct, record.construct_id).name}/{record.record_id}"
            check_version(
                "sequence record",
                key,
                record.version,
                expected_version,
                lambda: row_values(record, exclude=("id", "sequence", "original_bytes")),
            )
            for domain in domains:
                if domain.kind not in DOMAIN_KINDS:
                    raise InvalidInput(f"{key}: domain kind {domain.kind!r} is not one of {', '.join(DOMAIN_KINDS)}")
                if not 1 <= domain.start <= domain.end <= record.length:
                    raise InvalidInput(
                        f"{key}: domain {domain.label!r} {domain.start}-{domain.end} is outside "
                        f"1-{record.length} or has start > end"
                    )
                if not domain.label.strip():
                    raise InvalidInput(f"{key}: a domain needs a label")
            old = (
                session.exec(select(Domain).where(Domain.sequence_record_id == record.id, Domain.source == "curated"))
                .scalars()
                .all()
            )
            before = [{"kind": d.kind, "label": d.label, "start": d.start, "end": d.end} for d in old]
            after = [{"kind": d.kind, "label": d.label, "start": d.start, "end": d.end} for d in domains]
            if before == after:
                return record.version
            for domain in old:
                session.delete(domain)
            first = len(session.exec(select(Domain.id).where(Domain.sequence_record_id == record.id)).all())
            for offset, domain in enumerate(domains):
                values = asdict(domain) | {"source": "curated"}
                session.add(Domain(sequence_record_id=record.id, position=first + offset, **values))
            record.curated_at = datetime.now(timezone.utc)
            record.curated_by = actor.name
            session.flush()
            stored = session.exec(select(Domain).where(Domain.sequence_record_id == record.id)).scalars().all()
            write_segments(session.connection(), [(record.id, record.sequence, record.molecule,
                                                   list(stored))], replace=True)
            _audit(session, actor, "curate domains", "sequence_record", key, {"domains": before}, {"domains": after})
            return record.version
    except StaleDataError as error:
        raise EditConflict(
            f"sequence record {record_id} was changed by someone else while you saved; reload"
        ) from error


def accept_architecture(engine: Engine, actor: Actor, construct_name: str) -> dict[str, Any]:
    """Set a construct's architecture fields from the domains detected in its newest sequence record.

    Detection only proposes (hinge, transmembrane, costimulatory, signalling,
    binder format, generation); this is the curator's acceptance. Returns the
    fields that changed, with their new values.
    """
    require(actor, "curator", "accept a detected architecture")
    from catalogue.detect.domains import detect_domains, propose_architecture

    with db.write_session(engine) as session:
        construct = _live_construct(session, construct_name)
        record = (
            session.exec(
                select(SequenceRecord)
                .where(SequenceRecord.construct_id == construct.id, SequenceRecord.archived_at.is_(None))
                .order_by(SequenceRecord.imported_at.desc(), SequenceRecord.id.desc())
            )
            .scalars()
            .first()
        )
        if record is None:
            raise InvalidInput(f"construct {construct_name!r} has no sequence record to detect an architecture from")
        proposal = propose_architecture(detect_domains(record.sequence, record.molecule))  # type: ignore[arg-type]
        values = {
            key: proposal[key]
            for key in ("hinge", "transmembrane", "costimulatory", "signalling", "binder_format", "generation")
            if proposal.get(key)
        }
        for key, suffix in (("hinge", " hinge"), ("transmembrane", " transmembrane")):
            if key in values and values[key].endswith(suffix):
                values[key] = values[key][: -len(suffix)]  # "CD8α hinge" is stored as hinge = "CD8α"
        before = _construct_state(session, construct)
        if not _apply(construct, values):
            return {}
        session.flush()
        after = _construct_state(session, construct)
        _audit(
            session,
            actor,
            "accept architecture",
            "construct",
            construct_name,
            before,
            after,
            f"from detected domains of {record.file_name} / {record.record_id}",
        )
        return {key: after[key] for key in values if before[key] != after[key]}


# --- reference binders ------------------------------------------------------------------


def import_binders(engine: Engine, actor: Actor, file_name: str, content: bytes) -> FileReport:
    """Load a Thera-SAbDab export as the reference library that names detected binders."""
    require(actor, "curator", "import reference binders")
    from catalogue.detect.binders import parse_therasabdab

    try:
        binders = parse_therasabdab(content, file_name)
        with db.write_session(engine) as session:
            known = {b.name: b for b in session.exec(select(ReferenceBinder)).scalars()}
            outcomes = []
            for binder in binders:
                values = {
                    k: getattr(binder, k)
                    for k in ("target", "format", "heavy", "light", "second_heavy", "second_light", "phase", "source")
                }
                row = known.get(binder.name)
                if row is None:
                    session.add(ReferenceBinder(name=binder.name, **values))
                    outcomes.append(RecordOutcome(binder.name, "created"))
                elif _apply(row, values):
                    outcomes.append(RecordOutcome(binder.name, "updated"))
                else:
                    outcomes.append(RecordOutcome(binder.name, "unchanged"))
            written = [o for o in outcomes if o.outcome != "unchanged"]
            if written:
                _audit(
                    session,
                    actor,
                    "import",
                    "reference_binders",
                    file_name,
                    None,
                    {"binders": len(binders), "written": len(written)},
                )
            return FileReport(file_name, records=outcomes)
    except InvalidInput as error:
        return FileReport(file_name, error=str(error.located(file=file_name)))
