"""Trials: a trial's detail, the filterable table and its facets, pickers."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine

from catalogue.db.models import (
    Construct,
    Target,
    Trial,
    TrialConstruct,
    TrialTarget,
)
from catalogue.parse.registry_ids import registry_url
from catalogue.read.cache import revision_cached
from catalogue.read.facets import TRIAL_FACETS
from catalogue.read.models import EvidenceRow, LinkedConstruct, Registration, TrialDetail, TrialRecord
from catalogue.read.sql import TablePage, _live_construct, _live_trial
from catalogue.vocabulary import phase_label, status_label


@revision_cached
def trial_detail(engine: Engine, registry_id: str) -> TrialDetail | None:
    """Everything known about one trial: its fields, registrations, targets and linked constructs."""
    with engine.connect() as connection:
        row = connection.execute(select(Trial).where(Trial.registry_id == registry_id)).first()
        if row is None:
            return None
        trial = row._mapping
        registrations, study = _registrations(connection, trial["id"], trial["study_id"])
        return TrialDetail.from_values(
            trial,
            registry=trial["registry_name"],
            registrations=registrations,
            study=study,
            targets=sorted(
                connection.execute(
                    select(Target.symbol)
                    .join(TrialTarget, TrialTarget.target_id == Target.id)
                    .where(TrialTarget.trial_id == trial["id"])
                ).scalars()
            ),
            constructs=[
                LinkedConstruct.from_values(r._mapping)
                for r in connection.execute(
                    select(Construct.name, Construct.modality, TrialConstruct.curated)
                    .join(TrialConstruct, TrialConstruct.construct_id == Construct.id)
                    .where(TrialConstruct.trial_id == trial["id"], _live_construct)
                    .order_by(Construct.name)
                )
            ],
        )


def _registrations(connection, trial_id: int, study_id: int | None) -> tuple[list[Registration], str | None]:
    """Every registration of the trial's study (itself first) with its registry and public page, and the
    registry ID of the one that stands for the study (counted once)."""
    clause = Trial.study_id == study_id if study_id is not None else Trial.id == trial_id
    rows = list(connection.execute(
        select(Trial.id, Trial.registry_name, Trial.registry_id, Trial.url, Trial.archived_at).where(clause)
        .order_by(Trial.registry_id)
    ))
    rows.sort(key=lambda r: r.id != trial_id)
    registrations = [
        Registration(registry=r.registry_name, registry_id=r.registry_id, url=_public_page(r),
                     archived=r.archived_at is not None)
        for r in rows
    ]
    study = next((r.registry_id for r in rows if r.id == (study_id or trial_id)), None)
    return registrations, study


def _public_page(trial) -> str | None:
    """A registration's public page: the one its record gives, else the registry's link for its ID."""
    return trial.url or registry_url(trial.registry_name, trial.registry_id)


# --- trials: the filterable, paginated table ---------------------------------------------------

_TRIAL_COLUMNS = (
    "registry_id", "registry_url", "title", "targets", "phase", "status", "indication", "lead_sponsor", "countries",
    "start_date", "enrollment_count", "enrollment_type", "patients_treated", "constructs", "modality",
    "also_registered_as",
)  # fmt: skip


def _trial_rows(connection, trial_ids: list[int]) -> pd.DataFrame:
    if not trial_ids:
        return pd.DataFrame(columns=list(_TRIAL_COLUMNS))
    rows = {
        r.id: r
        for r in connection.execute(
            select(
                Trial.id, Trial.registry_name, Trial.registry_id, Trial.title, Trial.phases, Trial.overall_status,
                Trial.indication, Trial.lead_sponsor, Trial.countries, Trial.start_date, Trial.enrollment_count,
                Trial.enrollment_type, Trial.patients_treated, Trial.modality, Trial.url, Trial.study_id,
            ).where(Trial.id.in_(trial_ids))
        )
    }
    targets: dict[int, list[str]] = {i: [] for i in trial_ids}
    for trial_id, symbol in connection.execute(
        select(TrialTarget.trial_id, Target.symbol)
        .join(Target, Target.id == TrialTarget.target_id)
        .where(TrialTarget.trial_id.in_(trial_ids))
        .order_by(Target.symbol)
    ):
        targets[trial_id].append(symbol)
    constructs: dict[int, list[str]] = {i: [] for i in trial_ids}
    for trial_id, construct in connection.execute(
        select(TrialConstruct.trial_id, Construct.name)
        .join(Construct, and_(Construct.id == TrialConstruct.construct_id, _live_construct))
        .where(TrialConstruct.trial_id.in_(trial_ids))
        .order_by(Construct.name)
    ):
        constructs[trial_id].append(construct)
    others: dict[int, list[str]] = {}  # the other registrations of each study
    study_ids = sorted({r.study_id for r in rows.values() if r.study_id is not None})
    if study_ids:
        for study_id, other in connection.execute(
            select(Trial.study_id, Trial.registry_id).where(Trial.study_id.in_(study_ids), Trial.id != Trial.study_id)
            .order_by(Trial.registry_id)
        ):
            others.setdefault(study_id, []).append(other)
    out = []
    for trial_id in trial_ids:
        row = rows[trial_id]
        out.append({
            "registry_id": row.registry_id,
            "registry_url": _public_page(row),
            "title": row.title,
            "targets": ", ".join(targets[trial_id]) or None,
            "phase": phase_label(row.phases),
            "status": status_label(row.overall_status),
            "indication": row.indication,
            "lead_sponsor": row.lead_sponsor,
            "countries": ", ".join(row.countries or []) or None,
            "start_date": row.start_date,
            "enrollment_count": row.enrollment_count,
            "enrollment_type": row.enrollment_type,
            "patients_treated": row.patients_treated,
            "constructs": ", ".join(constructs[trial_id]) or None,
            "modality": row.modality,
            "also_registered_as": ", ".join(others.get(row.study_id, [])) or None,
        })
    frame = pd.DataFrame(out, columns=list(_TRIAL_COLUMNS))
    for column in ("enrollment_count", "patients_treated"):
        frame[column] = frame[column].astype("Int64")
    return frame


@revision_cached
def trial_page(engine: Engine, *, limit: int = 50, offset: int = 0, **filters: Any) -> TablePage:
    """Trials matching ``filters`` (see :data:`~catalogue.read.facets.TRIAL_FACETS`), newest start first, one
    page of them. ``status`` is the registry's code (``RECRUITING``); ``phase`` a label of
    :data:`~catalogue.vocabulary.PHASE_ORDER`. Filtering, counting and paging happen in SQL.
    """
    clauses = TRIAL_FACETS.clauses(filters)
    with engine.connect() as connection:
        total = connection.execute(select(func.count(Trial.id)).where(*clauses)).scalar_one()
        ids = list(
            connection.execute(
                select(Trial.id)
                .where(*clauses)
                .order_by(Trial.start_year.desc().nulls_last(), Trial.registry_id)
                .limit(limit)
                .offset(offset)
            ).scalars()
        )
        return TablePage(_trial_rows(connection, ids), total, limit, offset)


@revision_cached
def trial_facets(engine: Engine) -> dict[str, Any]:
    """The values each trial filter can take: targets, phases, statuses (code → words), indications,
    countries, sponsors, and the start years."""
    with engine.connect() as connection:
        return TRIAL_FACETS.values(connection)


def trial_record(engine: Engine, registry_id: str) -> TrialRecord | None:
    """:func:`trial_detail` plus what the trial page shows: labels, the registry link, the evidence rows."""
    trial = trial_detail(engine, registry_id)
    if trial is None:
        return None
    return TrialRecord(
        **{name: getattr(trial, name) for name in TrialDetail.field_names()},
        phase=phase_label(trial.phases),
        status=status_label(trial.overall_status),
        registry_url=trial.url or registry_url(trial.registry, registry_id),
        evidence_rows=evidence_rows(trial.target_evidence),
    )


_PRODUCT_EVIDENCE = re.compile(r"^product (?P<name>.+?) \((?P<field>\w+): (?P<written>.*?)\): (?P<source>.*)$", re.DOTALL)


def evidence_rows(evidence: dict[str, list[str]] | None) -> list[EvidenceRow]:
    """What led to each target, one row per piece of evidence: ``target``, ``led_by`` (the words of a
    field, or a named product and where it is named) and ``detail`` (the words, or the product's source)."""
    rows = []
    for symbol, lines in (evidence or {}).items():
        for line in lines:
            match = _PRODUCT_EVIDENCE.match(line)
            if match:
                led_by = f"product {match['name']} (named in the {match['field']} as “{match['written']}”)"
                rows.append(EvidenceRow(target=symbol, led_by=led_by, detail=match["source"]))
            elif line.startswith("product "):  # evidence written before products said where they were named
                name, _, source = line.removeprefix("product ").partition(": ")
                rows.append(EvidenceRow(target=symbol, led_by=f"product {name}", detail=source))
            else:
                field, _, words = line.partition(": ")
                rows.append(EvidenceRow(target=symbol, led_by=f"words in the {field}", detail=words))
    return rows


@revision_cached
def trial_choices(engine: Engine, search: str | None = None, limit: int | None = None) -> dict[str, str | None]:
    """Live trials' registry IDs with their titles, by registry ID; those whose ID or title contains
    ``search`` (any case), at most ``limit`` (pickers in Curate)."""
    query = select(Trial.registry_id, Trial.title).where(_live_trial).order_by(Trial.registry_id).limit(limit)
    if search:
        term = search.strip().lower()
        query = query.where(or_(func.lower(Trial.registry_id).contains(term, autoescape=True),
                                func.lower(Trial.title).contains(term, autoescape=True)))
    with engine.connect() as connection:
        return {registry_id: title for registry_id, title in connection.execute(query)}
