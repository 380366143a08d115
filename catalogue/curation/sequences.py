"""Sequence records: import prepared files (each file all or nothing), curate domains, accept an architecture;
reference binders.

Public functions taking an engine are user actions; :func:`write_sequences` is a unit that runs inside a
caller's transaction (the demo's load), not a user action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from catalogue import bounds, db
from catalogue.curation.actors import Actor, require
from catalogue.curation.audit import (
    FileReport,
    RecordOutcome,
    apply_values,
    audit_event,
    audit_rows,
    check_version,
    plain_value,
    row_values,
)
from catalogue.curation.constructs import construct_state
from catalogue.curation.lookups import live_construct
from catalogue.curation.tcr import detected_chain_rows
from catalogue.curation.values import check_widths
from catalogue.db.models import Construct, Domain, ReferenceBinder, SequenceRecord, TcrChain
from catalogue.db.search_store import write_segments
from catalogue.drafts import DomainDraft
from catalogue.errors import CatalogueError, EditConflict, InvalidInput, NotFound
from catalogue.prepare.files import PreparedSequences, ReadOptions
from catalogue.prepare.pipeline import prepared_in_order
from catalogue.vocabulary import DOMAIN_KINDS, TCR_VARIABLE_KINDS

# --- sequence records ---------------------------------------------------------------


def reference_binder_library(engine: Engine) -> list:
    """The reference binders loaded with ``catalogue import binders``, as the detector's library."""
    from catalogue.detect.binders import ReferenceBinder as LibraryBinder

    with db.read_session(engine) as session:
        rows = session.exec(select(ReferenceBinder)).scalars().all()
    return [LibraryBinder(**{name: getattr(row, name) for name in _BINDER_FIELDS}) for row in rows]


_BINDER_FIELDS = ("name", "target", "format", "heavy", "light", "second_heavy", "second_light", "phase", "source")


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
    separate processes ahead of these writes (:func:`catalogue.prepare.pipeline.prepared_in_order`);
    this function only writes each prepared file, in file order and in its own transaction, so a
    sequence repeated in a later file is reported as already present. ``on_report`` is called as each
    file's report is ready.
    """
    require(actor, "curator", "import sequence records")
    if construct is not None:
        construct = bounds.name(construct, "construct")
    options = ReadOptions(annotations, annotations_name, molecule, detect,
                          reference_binder_library(engine) if detect else None)
    reports = []
    for file_name, prepared in prepared_in_order(files, options):
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


def _written_file(engine: Engine, actor: Actor, prepared: PreparedSequences, construct: str | None) -> FileReport:
    """A prepared file's records written in one transaction; its report."""
    try:
        with db.write_session(engine) as session:
            return FileReport(prepared.file_name, records=write_sequences(session, actor, prepared, construct))
    except InvalidInput as error:
        return FileReport(prepared.file_name, error=str(error.located(file=prepared.file_name)))


def write_sequences(session: Session, actor: Actor, prepared: PreparedSequences,
                    construct_name: str | None) -> list[RecordOutcome]:
    """Insert a file's new records with their domains and audit events, in bulk; report each record.

    A unit: it runs inside the caller's transaction and checks no role (not a user action).
    """
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
    names = {d.record_id: _construct_name(construct_name, d) for d in drafts}
    wanted = {names[d.record_id] for d in drafts if d.checksum not in present}
    construct_ids = _construct_ids(session, actor, sorted(wanted), prepared.file_name, now)
    outcomes, new_drafts, rows = [], [], []
    for draft in drafts:
        if draft.checksum in present:
            outcomes.append(RecordOutcome(draft.record_id, "already present", present[draft.checksum], line=draft.line,
                                          warnings=list(draft.warnings)))
            continue
        name = names[draft.record_id]
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
                warnings=list(draft.warnings),
            )
        )
    if not rows:
        return outcomes
    ids = dict(
        zip([row["checksum"] for row in rows], db.insert_rows_returning_ids(session, SequenceRecord.__table__, rows))
    )
    domain_rows, events, chain_rows = [], [], []
    for (draft, name), row in zip(new_drafts, rows):
        record_id = ids[draft.checksum]
        domain_rows += [
            {"sequence_record_id": record_id, "position": position, **vars(domain)}
            for position, domain in enumerate(draft.domains)
        ]
        chain_rows += detected_chain_rows(construct_ids[name], record_id, draft.tcr_chains)
        after = {k: plain_value(v) for k, v in row.items() if k not in ("sequence", "original_bytes", "version")}
        after |= {"construct": name, "domains": len(draft.domains)}
        if draft.tcr_chains:
            after["tcr_chains"] = [f"{c.chain} {c.v_gene or '?'}/{c.j_gene or '?'} {c.cdr3 or ''}".strip()
                                   for c in draft.tcr_chains]
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
    if chain_rows:
        db.insert_rows(session, TcrChain.__table__, chain_rows)
    write_segments(session.connection(), [(ids[draft.checksum], draft.sequence, draft.molecule, draft.domains,
                                           draft.chains) for draft, _ in new_drafts])
    audit_rows(session, events, actor)
    return outcomes


def _construct_name(given: str | None, draft) -> str:
    """The construct a record attaches to: the one given, else one named after the record (if it can be a name)."""
    if given is not None:
        return given
    try:
        return bounds.name(draft.record_id, "construct")
    except InvalidInput as error:
        raise InvalidInput(f"{error.message}: the record ID cannot name a construct; attach the records to a "
                           "construct you name", file=draft.file_name, record=draft.record_id[:80],
                           line=draft.line) from None


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
    ], actor)  # fmt: skip
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
            audit_event(session, actor, "curate domains", "sequence_record", key, {"domains": before}, {"domains": after})
            return record.version
    except StaleDataError as error:
        raise EditConflict(
            f"sequence record {record_id} was changed by someone else while you saved; reload"
        ) from error


def accept_architecture(engine: Engine, actor: Actor, construct_name: str) -> dict[str, Any]:
    """Set a construct's architecture fields from the domains of its newest sequence record.

    The domains are the record's curated ones where a curator has set them, else its detected ones
    (the main chain's); a record imported without detection is run through detection first, outside
    any transaction. Detection only proposes (hinge, transmembrane, costimulatory, signalling, binder
    format, generation: :func:`catalogue.detect.architecture.propose_architecture`); this is the
    curator's acceptance, written in one short transaction. Returns the fields that changed, with their
    new values.
    """
    require(actor, "curator", "accept a detected architecture")
    from catalogue.detect.architecture import main_chain, propose_architecture

    with db.read_session(engine) as session:
        construct = live_construct(session, construct_name)
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
        stored = [_domain_draft(d) for d in session.exec(
            select(Domain).where(Domain.sequence_record_id == record.id).order_by(Domain.position)
        ).scalars()]
        where = f"{record.file_name} / {record.record_id}"
        sequence, molecule = record.sequence, record.molecule
    curated = [d for d in stored if d.source == "curated"]
    detected = [d for d in stored if d.source == "detected"]
    if curated:
        domains, basis = curated, "curated"
    elif detected:
        domains, basis = main_chain(detected), "detected"
    else:
        from catalogue.detect.domains import detect_domains

        result = detect_domains(sequence, molecule)  # type: ignore[arg-type]
        domains, basis = (result.domains_of(result.main_chain) if result.main_chain is not None else []), "detected"
    proposal = propose_architecture(domains)
    values = proposal.construct_fields()
    tcr_variable = [d for d in domains if d.kind in TCR_VARIABLE_KINDS]
    tcr_constant = [d for d in domains if d.kind == "tcr_constant"]
    if ((tcr_variable and tcr_constant) or len(tcr_variable) >= 2) and not proposal.signalling:
        values["modality"] = "TCR-T"  # TCR chains and no CAR signalling domain: a TCR-T construct
        values["binder_format"] = "TCR"
    with db.write_session(engine) as session:
        construct = live_construct(session, construct_name)
        before = construct_state(session, construct)
        if not apply_values(construct, values):
            return {}
        session.flush()
        after = construct_state(session, construct)
        audit_event(session, actor, "accept architecture", "construct", construct_name, before, after,
                    f"from {basis} domains of {where}")
        return {key: after[key] for key in values if before[key] != after[key]}


def _domain_draft(row: Domain) -> DomainDraft:
    return DomainDraft(**{name: getattr(row, name) for name in DomainDraft.__dataclass_fields__})


# --- reference binders ------------------------------------------------------------------


def import_binders(engine: Engine, actor: Actor, file_name: str, content: bytes) -> FileReport:
    """Load a Thera-SAbDab export as the reference library that names detected binders."""
    require(actor, "curator", "import reference binders")
    from catalogue.detect.binders import parse_therasabdab

    try:
        bounds.check_upload_size(len(content), file_name)
        binders = parse_therasabdab(content, file_name)
        with db.write_session(engine) as session:
            known = {b.name: b for b in session.exec(select(ReferenceBinder)).scalars()}
            outcomes = []
            for binder in binders:
                values = {name: getattr(binder, name) for name in _BINDER_FIELDS if name != "name"}
                bounds.name(binder.name, "reference binder")
                check_widths(ReferenceBinder, values, f"reference binder {binder.name!r}")
                row = known.get(binder.name)
                if row is None:
                    session.add(ReferenceBinder(name=binder.name, **values))
                    outcomes.append(RecordOutcome(binder.name, "created"))
                elif apply_values(row, values):
                    outcomes.append(RecordOutcome(binder.name, "updated"))
                else:
                    outcomes.append(RecordOutcome(binder.name, "unchanged"))
            written = [o for o in outcomes if o.outcome != "unchanged"]
            if written:
                audit_event(
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
