"""Constructs: a construct's detail, the filterable table and its facets, constructs sharing a binder."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from catalogue.db.models import (
    Construct,
    ConstructTarget,
    Domain,
    Epitope,
    Programme,
    SequenceRecord,
    Target,
    TcrChain,
    Trial,
    TrialConstruct,
)
from catalogue.read.cache import revision_cached
from catalogue.read.facets import CONSTRUCT_FACETS
from catalogue.read.models import ChainDomain, ConstructDetail, EpitopeDetail, LinkedTrial, TcrChainDetail
from catalogue.read.sequences import stored_domains
from catalogue.read.sql import TablePage, _live_construct, _live_record, _live_study, _live_trial, columns_of

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


@revision_cached
def construct_detail(engine: Engine, name: str) -> ConstructDetail | None:
    """Everything known about one construct: fields, targets, trials, sequence records and domains."""
    with engine.connect() as connection:
        construct = connection.execute(select(Construct).where(Construct.name == name)).first()
        if construct is None:
            return None
        construct = construct._mapping
        construct_id = construct["id"]
        programme = None
        if construct["programme_id"] is not None:
            programme = connection.execute(
                select(Programme.name).where(Programme.id == construct["programme_id"])
            ).scalar_one()
        linked = aliased(Trial)  # a registration linked to the construct; listed as its study's registration
        studies: dict[str, LinkedTrial] = {}
        for row in connection.execute(
            select(Trial.registry_id, Trial.title, Trial.phases, Trial.overall_status, TrialConstruct.curated)
            .select_from(TrialConstruct)
            .join(linked, linked.id == TrialConstruct.trial_id)
            .join(Trial, Trial.id == func.coalesce(linked.study_id, linked.id))
            .where(TrialConstruct.construct_id == construct_id, _live_study)
            .order_by(Trial.registry_id)
        ):
            seen = studies.get(row.registry_id)
            curated = bool(seen.curated or row.curated) if seen else row.curated
            studies[row.registry_id] = LinkedTrial.from_values(dict(row._mapping) | {"curated": curated})
        records = []
        for record in connection.execute(
            select(*columns_of(SequenceRecord, "id file_name record_id description format molecule topology length "
                                               "checksum warnings imported_at imported_by version"))
            .where(SequenceRecord.construct_id == construct_id, _live_record)
            .order_by(SequenceRecord.imported_at, SequenceRecord.id)
        ):
            records.append(dict(record._mapping) | {"domains": stored_domains(connection, record.id)})
        tcr_chains = construct_tcr_chains(connection, construct_id)
        detected_tcr = any(c.source == "detected" for c in tcr_chains)
        return ConstructDetail.from_values(
            construct,
            targets=_targets_of_constructs(connection, [construct_id])[construct_id],
            programme=programme,
            trials=list(studies.values()),
            sequence_records=records,
            domains=chain_domains(records),
            epitopes=construct_epitopes(connection, construct_id),
            tcr_chains=tcr_chains,
            proposed_modality="TCR-T" if detected_tcr and construct["modality"] != "TCR-T" else None,
        )


def construct_epitopes(connection, construct_id: int) -> list[EpitopeDetail]:
    """What a TCR-T construct recognises, in order: antigen, peptide, HLA restriction, position, source."""
    rows = connection.execute(
        select(Epitope.antigen, Epitope.peptide, Epitope.hla, Epitope.uniprot, Epitope.peptide_start,
               Epitope.peptide_end, Epitope.source)
        .where(Epitope.construct_id == construct_id)
        .order_by(Epitope.position)
    )
    return [EpitopeDetail.from_values(row._mapping) for row in rows]


def construct_tcr_chains(connection, construct_id: int) -> list[TcrChainDetail]:
    """A construct's TCR chains in ORF order: the curated ones when a curator stated any, else those
    detected on its newest live sequence record that has TCR chains."""
    columns = (TcrChain.chain, TcrChain.v_gene, TcrChain.j_gene, TcrChain.cdr3, TcrChain.constant, TcrChain.start,
               TcrChain.end, TcrChain.v_allele, TcrChain.j_allele, TcrChain.species, TcrChain.source,
               TcrChain.note, TcrChain.sequence_record_id)
    curated = connection.execute(
        select(*columns).where(TcrChain.construct_id == construct_id, TcrChain.source == "curated")
        .order_by(TcrChain.position)
    ).all()
    if curated:
        return [TcrChainDetail.from_values(row._mapping) for row in curated]
    newest = connection.execute(
        select(SequenceRecord.id)
        .join(TcrChain, TcrChain.sequence_record_id == SequenceRecord.id)
        .where(SequenceRecord.construct_id == construct_id, _live_record)
        .order_by(SequenceRecord.imported_at.desc(), SequenceRecord.id.desc())
        .limit(1)
    ).scalar()
    if newest is None:
        return []
    rows = connection.execute(
        select(*columns).where(TcrChain.sequence_record_id == newest).order_by(TcrChain.position)
    ).all()
    return [TcrChainDetail.from_values(row._mapping) for row in rows]


def chain_domains(records: list[dict[str, Any]]) -> list[ChainDomain]:
    """The construct's domains in order, in protein coordinates of its CAR/TCR chain.

    Taken from the first record with curated domains (a curator's correction
    wins), else detected ones, else annotated ones; for DNA records the protein
    coordinates of the detected chain are used.
    """
    for wanted in ("curated", "detected", "annotated"):
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
                out.append(ChainDomain(kind=d["kind"], label=d["label"], start=start, end=end))
            if out:
                return out
    return []


# --- constructs: the filterable, paginated table ------------------------------------------------

_CONSTRUCT_COLUMNS = (
    "name", "targets", "modality", "binder_clone", "binder_format", "hinge", "transmembrane", "costimulatory",
    "signalling", "generation", "status", "programme", "developer", "patients_treated", "sequence_records", "trials",
)  # fmt: skip


def _construct_rows(connection, construct_ids: list[int]) -> pd.DataFrame:
    """Table rows for the given constructs (in the given order)."""
    if not construct_ids:
        return pd.DataFrame(columns=list(_CONSTRUCT_COLUMNS))
    rows = {
        r.id: dict(r._mapping)
        for r in connection.execute(
            select(
                Construct.id, Construct.name, Construct.modality, Construct.binder_clone, Construct.binder_format,
                Construct.hinge, Construct.transmembrane, Construct.costimulatory, Construct.signalling,
                Construct.generation, Construct.status, Programme.name.label("programme"), Construct.developer,
                Construct.patients_treated,
            )
            .outerjoin(Programme, Programme.id == Construct.programme_id)
            .where(Construct.id.in_(construct_ids))
        )
    }
    targets = _targets_of_constructs(connection, construct_ids)
    records = dict(
        connection.execute(
            select(SequenceRecord.construct_id, func.count(SequenceRecord.id))
            .where(SequenceRecord.construct_id.in_(construct_ids), _live_record)
            .group_by(SequenceRecord.construct_id)
        ).all()
    )
    trials = dict(
        connection.execute(
            select(TrialConstruct.construct_id, func.count(func.distinct(func.coalesce(Trial.study_id, Trial.id))))
            .join(Trial, and_(Trial.id == TrialConstruct.trial_id, _live_trial))  # a study counts once
            .where(TrialConstruct.construct_id.in_(construct_ids))
            .group_by(TrialConstruct.construct_id)
        ).all()
    )
    out = []
    for construct_id in construct_ids:
        row = rows[construct_id]
        row.pop("id")
        row["targets"] = ", ".join(targets[construct_id]) or None
        row["costimulatory"] = ", ".join(row["costimulatory"] or []) or None
        row["sequence_records"] = records.get(construct_id, 0)
        row["trials"] = trials.get(construct_id, 0)
        out.append(row)
    frame = pd.DataFrame(out, columns=list(_CONSTRUCT_COLUMNS))
    for column in ("generation", "patients_treated"):
        frame[column] = frame[column].astype("Int64")
    return frame


@revision_cached
def construct_page(
    engine: Engine, *, limit: int = 50, offset: int = 0, **filters: str | None
) -> TablePage:
    """Constructs matching ``filters`` (see :data:`~catalogue.read.facets.CONSTRUCT_FACETS`), ordered by name,
    one page of them. Filtering, counting and paging happen in SQL; only the page's rows are read.
    """
    clauses = CONSTRUCT_FACETS.clauses(filters)
    with engine.connect() as connection:
        total = connection.execute(select(func.count(Construct.id)).where(*clauses)).scalar_one()
        ids = list(
            connection.execute(
                select(Construct.id).where(*clauses).order_by(Construct.name).limit(limit).offset(offset)
            ).scalars()
        )
        return TablePage(_construct_rows(connection, ids), total, limit, offset)


@revision_cached
def construct_facets(engine: Engine) -> dict[str, list[str]]:
    """The values each construct filter can take (only values some live construct has)."""
    with engine.connect() as connection:
        return CONSTRUCT_FACETS.values(connection)


@revision_cached
def constructs_sharing_binder(engine: Engine, name: str) -> pd.DataFrame:
    """Other live constructs with a binder domain of the same protein sequence (same binder checksum)."""
    with engine.connect() as connection:
        checksums = (
            select(Domain.binder_checksum)
            .join(SequenceRecord, SequenceRecord.id == Domain.sequence_record_id)
            .join(Construct, Construct.id == SequenceRecord.construct_id)
            .where(Construct.name == name, Domain.binder_checksum.is_not(None), _live_record)
        )
        rows = connection.execute(
            select(Construct.name, Domain.kind, Domain.label, Domain.binder_checksum)
            .join(SequenceRecord, SequenceRecord.construct_id == Construct.id)
            .join(Domain, Domain.sequence_record_id == SequenceRecord.id)
            .where(Domain.binder_checksum.in_(checksums), Construct.name != name, _live_construct, _live_record)
            .group_by(Construct.name, Domain.kind, Domain.label, Domain.binder_checksum)
            .order_by(Construct.name)
        ).all()
    return pd.DataFrame([dict(r._mapping) for r in rows], columns=["name", "kind", "label", "binder_checksum"])


@revision_cached
def construct_names(engine: Engine, search: str | None = None, limit: int | None = None) -> list[str]:
    """Names of live constructs, sorted; those containing ``search`` (any case), at most ``limit`` (pickers)."""
    query = select(Construct.name).where(_live_construct).order_by(Construct.name).limit(limit)
    if search:
        query = query.where(func.lower(Construct.name).contains(search.strip().lower(), autoescape=True))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())
